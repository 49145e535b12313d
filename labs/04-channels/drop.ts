/**
 * Part 4 — the drop pattern: a sender that must never wait offers values to
 * a bounded buffer and drops (and counts) what does not fit.
 *
 * @module
 */
// deno-lint-ignore-file no-unused-vars require-await -- starter code; remove this line when done
import { Chan, type ReceiveChan, recv, select, send } from "../primitives/mod.ts";

/**
 * Which value to give up when the buffer is full: the one being offered
 * (`"drop-newest"`, Go's `select` with `default`), or the oldest buffered
 * one, to make room (`"drop-oldest"`, keeps the receiver's view fresh).
 *
 * @example
 * ```ts
 * import type { DropPolicy } from "./drop.ts";
 *
 * // A progress display only cares about the latest values.
 * const forProgress: DropPolicy = "drop-oldest";
 * ```
 */
export type DropPolicy = "drop-newest" | "drop-oldest";

/**
 * A channel with a bounded buffer whose sender never blocks: when neither a
 * receiver nor buffer space is ready, a value is dropped and counted.
 *
 * @example
 * ```ts ignore
 * import { Dropper } from "./drop.ts";
 * import assert from "node:assert/strict";
 *
 * const logs = new Dropper<string>(2);
 * for (const line of ["a", "b", "c"]) await logs.offer(line); // nobody reads yet
 * assert.equal(logs.dropped, 1);
 * logs.close();
 * const kept: string[] = [];
 * for await (const line of logs.values) kept.push(line);
 * assert.deepEqual(kept, ["a", "b"]);
 * ```
 */
export class Dropper<T> {
  readonly #chan: Chan<T>;
  readonly #policy: DropPolicy;

  /**
   * Makes a dropper whose buffer holds `capacity` values (0: a value gets
   * through only if a receiver is already waiting).
   * @throws {RangeError} when `capacity` is not a non-negative integer.
   */
  constructor(capacity: number, policy: DropPolicy = "drop-newest") {
    this.#chan = new Chan<T>(capacity, { name: `dropper (${policy})` });
    this.#policy = policy;
    // TODO(part 4): add the counters you need (offered, dropped) as private fields.
  }

  /** The receiving side: range over it with `for await`. */
  get values(): ReceiveChan<T> {
    return this.#chan;
  }

  /** How many values were offered so far. */
  get offered(): number {
    // TODO(part 4): return your counter.
    return -1;
  }

  /** How many offered values were dropped and will never reach a receiver. */
  get dropped(): number {
    // TODO(part 4): return your counter.
    return -1;
  }

  /**
   * Offers `value` without ever waiting for a receiver. Resolves to `true`
   * when the value was handed over or buffered, `false` when it was dropped.
   * With `"drop-oldest"`, a full buffer gives up its oldest value instead.
   * Rejects with `Panic("send on closed channel")` after {@linkcode close}.
   */
  async offer(value: T): Promise<boolean> {
    // TODO(part 4): never `await this.#chan.send(value)` here: it waits when the
    // buffer is full. Use select with a default instead:
    //   const r = await select([send(this.#chan, value)], { default: true });
    //   r.index === -1 means nobody could take it right now.
    // For "drop-oldest" (and a buffer with room for at least one value), take
    // the oldest value out the same way (select on recv with a default),
    // count it as dropped, and try the send once more.
    // Count the offer only after the first select has returned: after close()
    // that select throws the Panic, and such an offer must count nothing.
    throw new Error("TODO: implement Dropper.offer() in drop.ts (part 4 of the README)");
  }

  /** Closes the channel: receivers drain what is buffered, then their range ends. */
  close(): void {
    this.#chan.close();
  }
}
