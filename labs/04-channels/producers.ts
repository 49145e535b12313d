/**
 * Part 5 — the sender closes, receivers range: several producers share one
 * channel, it is closed exactly once after the last of them has finished,
 * and several receivers drain it with `for await`.
 *
 * @module
 */
// deno-lint-ignore-file no-unused-vars require-await -- starter code; remove this line when done
import {
  Chan,
  context,
  go,
  type ReceiveChan,
  recv,
  select,
  send,
  sync,
} from "../primitives/mod.ts";

/**
 * A producer: calls `emit` for each value, and stops when `emit` resolves to
 * `false` (the consumer has cancelled). Throwing reports an error.
 *
 * @example
 * ```ts
 * import type { Producer } from "./producers.ts";
 *
 * const countdown: Producer<number> = async (_ctx, emit) => {
 *   for (let n = 3; n > 0; n--) {
 *     if (!(await emit(n))) return; // the consumer has gone
 *   }
 * };
 * ```
 */
export type Producer<T> = (
  ctx: context.Context,
  emit: (value: T) => Promise<boolean>,
) => Promise<void>;

/**
 * The two channels {@linkcode produce} returns.
 *
 * @example
 * ```ts
 * import type { Production } from "./producers.ts";
 *
 * async function firstFailure(p: Production<string>): Promise<unknown> {
 *   const [error, ok] = await p.errors.recv();
 *   return ok ? error : null; // closed without an error: nobody failed
 * }
 * ```
 */
export interface Production<T> {
  /** Every emitted value; closed once every producer has finished. */
  readonly values: ReceiveChan<T>;
  /** What the producers threw, one value per failed producer; closed with `values`. */
  readonly errors: ReceiveChan<unknown>;
}

/**
 * Runs every producer in its own task, all sending on one unbuffered
 * `values` channel.
 *
 * - `emit(v)` resolves to `true` once a receiver has taken `v`, or to `false`
 *   without sending when `ctx` is done (also when it is done while waiting).
 * - `values` is closed exactly once, after every producer has returned or
 *   thrown.
 * - A producer that throws sends its error on `errors`; reporting never
 *   waits, even if nobody reads `errors`.
 *
 * @example
 * ```ts ignore
 * import { context } from "../primitives/mod.ts";
 * import { produce } from "./producers.ts";
 * import assert from "node:assert/strict";
 *
 * const { values } = produce<number>(context.background(), [
 *   async (_ctx, emit) => { await emit(1); await emit(2); },
 *   async (_ctx, emit) => { await emit(10); },
 * ]);
 * const got: number[] = [];
 * for await (const v of values) got.push(v);
 * assert.deepEqual(got.sort((a, b) => a - b), [1, 2, 10]);
 * ```
 */
export function produce<T>(ctx: context.Context, producers: readonly Producer<T>[]): Production<T> {
  // TODO(part 5): implement produce().
  //  - `values`: unbuffered. `errors`: how many errors can there be at most?
  //    Give it exactly that many slots, so a failing producer never waits.
  //  - emit(v): false at once if ctx is done; otherwise
  //    select([send(values, v), recv(ctx.done())]) and say which case won.
  //  - Run each producer in a task counted by a sync.WaitGroup; catch what it
  //    throws and send that on `errors`.
  //  - Who closes `values`? Not a producer: the others may still be sending.
  //    One more task waits for the group, then closes `values` and `errors`.
  throw new Error("TODO: implement produce() in producers.ts (part 5 of the README)");
}

/**
 * Drains `values` with `receivers` concurrent tasks, each ranging over the
 * channel with `for await` and calling `handle` for every value it gets.
 * Resolves to the number of values handled once the channel is closed and
 * every receiver has finished.
 *
 * If `handle` throws, `consume` rejects with the first error, but only after
 * the channel has been drained: the receivers keep receiving (without
 * calling `handle` again), so no sender is ever left parked.
 *
 * @throws {RangeError} when `receivers` is not a positive integer.
 *
 * @example
 * ```ts ignore
 * import { Chan, go } from "../primitives/mod.ts";
 * import { consume } from "./producers.ts";
 * import assert from "node:assert/strict";
 *
 * const ch = new Chan<number>();
 * go(async () => {
 *   for (let i = 0; i < 5; i++) await ch.send(i);
 *   ch.close();
 * });
 * let sum = 0;
 * assert.equal(await consume(ch, 3, (v) => { sum += v; }), 5);
 * assert.equal(sum, 10);
 * ```
 */
export async function consume<T>(
  values: ReceiveChan<T>,
  receivers: number,
  handle: (value: T, receiver: number) => void | Promise<void>,
): Promise<number> {
  // TODO(part 5): implement consume(): check `receivers`, start that many tasks that
  // each `for await (const v of values)` and call `await handle(v, id)`, wait
  // for all of them (sync.WaitGroup), then return the count or rethrow the
  // first error. After a failure, keep receiving but stop handling.
  throw new Error("TODO: implement consume() in producers.ts (part 5 of the README)");
}
