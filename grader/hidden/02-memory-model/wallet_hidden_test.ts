import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { runtime } from "../primitives/mod.ts";
import {
  assertPending,
  nextTurn,
  seededRandom,
  watch,
  withinTurns,
} from "../primitives/testing.ts";

// Loaded inside each test, after the helpers above.
const loadWallet = () => import("./wallet.ts");

/** Resolves after `turns` turns of the event loop. */
async function turns(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await nextTurn();
}

describe("wallet (hidden)", () => {
  it("over 20 seeds of audit delays, 40 concurrent deposits all count and each audit sees a distinct balance", async () => {
    const { Wallet } = await loadWallet();
    for (let seed = 1; seed <= 20; seed++) {
      const random = seededRandom(seed);
      const seen: number[] = [];
      const wallet = new Wallet(async (balance) => {
        seen.push(balance);
        await turns(Math.floor(random() * 4));
      });
      const amounts = Array.from({ length: 40 }, () => 1 + Math.floor(random() * 9));
      await withinTurns(
        Promise.all(amounts.map((amount) => wallet.deposit(amount))),
        `seed ${seed}: 40 deposits`,
        2000,
      );
      const total = amounts.reduce((a, b) => a + b, 0);
      assert.equal(wallet.balance, total, `seed ${seed}: deposits were lost`);
      assert.equal(new Set(seen).size, 40, `seed ${seed}: two audits saw the same balance`);
    }
  });

  it("a refused deposit in the middle of a queue leaves the balance unchanged, and every deposit queued after it goes through", async () => {
    const { Wallet } = await loadWallet();
    const cp = runtime.checkpoint();
    const refused = new Error("refused");
    const wallet = new Wallet(async (_balance, amount) => {
      await nextTurn();
      if (amount === 100) throw refused;
    });
    const outcomes = await withinTurns(
      Promise.allSettled([1, 2, 100, 4, 8].map((a) => wallet.deposit(a))),
      "five deposits, the third refused (is the wallet still locked after it?)",
    );
    assert.deepEqual(outcomes.map((o) => o.status), [
      "fulfilled",
      "fulfilled",
      "rejected",
      "fulfilled",
      "fulfilled",
    ]);
    assert.equal((outcomes[2] as PromiseRejectedResult).reason, refused);
    assert.equal(wallet.balance, 15);
    await runtime.assertNoLeaks(cp);
  });

  it("an audit that throws synchronously is reported as the deposit's rejection and does not keep the wallet locked", async () => {
    const { Wallet } = await loadWallet();
    let calls = 0;
    const wallet = new Wallet(
      ((_balance: number, _amount: number) => {
        if (++calls === 1) throw new TypeError("audit crashed");
        return Promise.resolve();
      }) as (balance: number, amount: number) => Promise<void>,
    );
    await assert.rejects(
      withinTurns(wallet.deposit(3), "the deposit whose audit crashed"),
      TypeError,
    );
    assert.equal(await withinTurns(wallet.deposit(4), "the deposit after the crashed audit"), 4);
  });

  it("a deposit stuck in its audit on one wallet does not hold up deposits to another wallet", async () => {
    const { Wallet } = await loadWallet();
    const stuck = new Wallet(() => new Promise<void>(() => {}));
    const free = new Wallet(() => nextTurn());
    const pending = watch(stuck.deposit(5));
    const value = await Promise.race([
      free.deposit(7),
      turns(50).then(() => "still waiting"),
    ]);
    assert.equal(value, 7, "the second wallet's deposit waited for the first wallet's lock");
    assertPending(pending, "the stuck deposit");
  });

  it("a deposit started while another is auditing waits: its audit starts only after the first write", async () => {
    const { Wallet } = await loadWallet();
    const events: string[] = [];
    const wallet = new Wallet(async (balance, amount) => {
      events.push(`audit ${amount} at ${balance}`);
      await turns(3);
    });
    const first = wallet.deposit(10);
    await nextTurn();
    const second = wallet.deposit(20);
    await withinTurns(Promise.all([first, second]), "two deposits");
    assert.deepEqual(events, ["audit 10 at 0", "audit 20 at 10"]);
    assert.equal(wallet.balance, 30);
  });

  it("deposit rejects 0, NaN, Infinity, -1 and a numeric string with a RangeError, before calling the audit", async () => {
    const { Wallet } = await loadWallet();
    let audits = 0;
    const wallet = new Wallet(() => {
      audits++;
      return Promise.resolve();
    });
    for (const amount of [0, Number.NaN, Infinity, -1, "10" as unknown as number]) {
      // Bounded: a deposit that waits for a lock before it checks its amount fails here, not hangs.
      await assert.rejects(
        withinTurns(wallet.deposit(amount), `deposit(${String(amount)})`),
        RangeError,
        `deposit(${String(amount)})`,
      );
    }
    assert.equal(audits, 0, "the audit was called for an invalid amount");
    assert.equal(wallet.balance, 0);
    assert.equal(
      await withinTurns(wallet.deposit(0.5), "deposit(0.5)"),
      0.5,
      "a fractional amount is a valid deposit",
    );
  });
});
