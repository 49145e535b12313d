// Mutant: emit() only selects on the send, so a cancelled producer keeps waiting for a receiver instead of resolving to false.
/**
 * Part 5 — the sender closes, receivers range: several producers share one
 * channel, it is closed exactly once after the last of them has finished,
 * and several receivers drain it with `for await`.
 *
 * @module
 */
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
 *   thrown: none of the producers may close it, because the others may still
 *   be sending.
 * - A producer that throws sends its error on `errors`, whose buffer has one
 *   slot per producer, so reporting never waits, even if nobody reads it.
 *
 * @example
 * ```ts
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
  const values = new Chan<T>(0, { name: "values" });
  const errors = new Chan<unknown>(producers.length, { name: "errors" });

  const emit = async (value: T): Promise<boolean> => {
    await values.send(value);
    return true;
  };

  const running = new sync.WaitGroup();
  for (const producer of producers) {
    running.go(async () => {
      try {
        await producer(ctx, emit);
      } catch (error) {
        await errors.send(error); // never waits: one slot per producer
      }
    });
  }
  go(async () => {
    await running.wait();
    values.close();
    errors.close();
  });
  return { values, errors };
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
 * ```ts
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
  if (!Number.isInteger(receivers) || receivers < 1) {
    throw new RangeError(`consume: receivers must be a positive integer, received ${receivers}`);
  }
  let handled = 0;
  const failures: unknown[] = [];
  const pool = new sync.WaitGroup();
  for (let receiver = 0; receiver < receivers; receiver++) {
    pool.go(async () => {
      for await (const value of values) {
        if (failures.length > 0) continue; // keep draining so the senders can finish
        try {
          await handle(value, receiver);
          handled++;
        } catch (error) {
          failures.push(error);
        }
      }
    });
  }
  await pool.wait();
  if (failures.length > 0) throw failures[0];
  return handled;
}
