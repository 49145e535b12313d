// Mutant: deposit checks only amount <= 0, so NaN, Infinity and a numeric string slip through.
/**
 * Lab 02, part 2: the same lost update in one thread. No two lines of
 * JavaScript run at once, yet a read, an `await` and a write are three steps
 * that other tasks can come between. See the README, part 2.
 *
 * @module
 */
import { sync } from "../primitives/mod.ts";

/**
 * Checks a deposit before it is applied, given the balance it was checked
 * against; the deposit fails if the promise rejects. It takes time (a call to
 * another service), which is what lets other deposits run meanwhile.
 *
 * @example
 * ```ts
 * import type { Audit } from "./wallet.ts";
 *
 * const audit: Audit = async (balance, amount) => {
 *   if (balance + amount > 1_000_000) throw new Error("over the limit");
 * };
 * ```
 */
export type Audit = (balance: number, amount: number) => Promise<void>;

/**
 * A balance whose deposits each read it, wait for an audit, and write it back,
 * without losing one another's updates.
 *
 * @example
 * ```ts
 * import { Wallet } from "./wallet.ts";
 * import assert from "node:assert/strict";
 *
 * const wallet = new Wallet(() => Promise.resolve());
 * await Promise.all([wallet.deposit(10), wallet.deposit(20)]);
 * assert.equal(wallet.balance, 30);
 * ```
 */
export class Wallet {
  #balance = 0;
  readonly #audit: Audit;
  // One lock per wallet: deposits to different wallets never wait for each other.
  readonly #mu = new sync.Mutex();

  /** A wallet with balance 0 whose deposits are checked by `audit`. */
  constructor(audit: Audit) {
    this.#audit = audit;
  }

  /** The balance after every deposit that has completed. */
  get balance(): number {
    return this.#balance;
  }

  /**
   * Reads the balance, awaits the audit of this deposit against it, then adds
   * `amount`, and resolves to the new balance. Deposits run one at a time
   * from the read to the write, so none is lost.
   *
   * @throws {RangeError} (as a rejection, before anything else) when `amount`
   *   is not a finite number > 0.
   * @throws the audit's own error, unchanged; the balance is then unchanged
   *   and later deposits proceed.
   */
  async deposit(amount: number): Promise<number> {
    if (amount <= 0) {
      throw new RangeError(`deposit: amount must be a finite number > 0, got ${amount}`);
    }
    await this.#mu.lock();
    try {
      const before = this.#balance;
      await this.#audit(before, amount);
      this.#balance = before + amount;
      return this.#balance;
    } finally {
      this.#mu.unlock();
    }
  }
}
