import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { nextTurn, withinTurns } from "../primitives/testing.ts";
import { type Audit, Wallet } from "./wallet.ts";

/** An audit that takes a turn of the event loop, as a call to another service would. */
const slowAudit: Audit = () => nextTurn();

describe("wallet", () => {
  it("ten deposits started at once all count", async () => {
    const wallet = new Wallet(slowAudit);
    await Promise.all(Array.from({ length: 10 }, () => wallet.deposit(5)));
    assert.equal(
      wallet.balance,
      50,
      "deposits were lost: each read the balance, awaited its audit while the others read the " +
        "same balance, then wrote its own sum over theirs",
    );
  });

  it("each audit sees the balance the earlier deposits left, and deposit resolves to the new one", async () => {
    const seen: number[] = [];
    const wallet = new Wallet(async (balance) => {
      seen.push(balance);
      await nextTurn();
    });
    const results = await Promise.all([wallet.deposit(1), wallet.deposit(2), wallet.deposit(4)]);
    assert.deepEqual(seen, [0, 1, 3]);
    assert.deepEqual(results, [1, 3, 7]);
  });

  it("a deposit whose audit fails rejects with that error, and the next deposit still goes through", async () => {
    const refused = new Error("audit refused");
    const wallet = new Wallet(async (_balance, amount) => {
      await nextTurn();
      if (amount === 13) throw refused;
    });
    await withinTurns(wallet.deposit(10), "a first deposit");
    await assert.rejects(
      withinTurns(wallet.deposit(13), "the deposit whose audit refuses it"),
      (error: unknown) => error === refused,
    );
    assert.equal(wallet.balance, 10, "a refused deposit changed the balance");
    assert.equal(
      await withinTurns(
        wallet.deposit(5),
        "the deposit after a refused one (is the wallet still locked?)",
      ),
      15,
    );
  });

  it("a deposit stuck in its audit on one wallet does not hold up another wallet", async () => {
    const stuck = new Wallet(() => new Promise<void>(() => {}));
    const other = new Wallet(slowAudit);
    stuck.deposit(5); // its audit never answers, so it never settles
    const settled = await withinTurns(
      other.deposit(7),
      "a deposit to a second wallet while the first wallet's deposit is stuck",
    );
    assert.equal(settled, 7);
    assert.equal(stuck.balance, 0);
  });

  it("deposit rejects an amount that is not a finite number greater than 0 with a RangeError", async () => {
    const wallet = new Wallet(slowAudit);
    // A deposit that waits for a lock before it checks its amount fails here instead of hanging.
    const check = (amount: number) => withinTurns(wallet.deposit(amount), `deposit(${amount})`);
    await assert.rejects(check(-5), RangeError);
    await assert.rejects(check(Number.NaN), RangeError, "NaN is not a finite number");
    assert.equal(wallet.balance, 0);
  });
});
