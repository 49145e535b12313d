/**
 * Lab 05, part 3: a retry loop that a context can stop.
 *
 * {@linkcode retry} calls an operation until it succeeds, waiting longer
 * after each failure, and stops the moment its context is done: it never
 * sleeps past a cancellation and never starts an attempt after one. See the
 * README, part 3.
 *
 * @module
 */
// deno-lint-ignore-file no-unused-vars require-await -- starter: the imports are the tools you need; delete this line when done
import { context, recv, select, time } from "../primitives/mod.ts";

/**
 * How {@linkcode retry} paces its attempts.
 *
 * @example
 * ```ts
 * import type { RetryOptions } from "./retry.ts";
 *
 * // Up to 5 attempts; waits 100, 200, 400 and 800 ms between them (capped at 1 s).
 * const options: RetryOptions = { attempts: 5, baseMs: 100, maxMs: 1000 };
 * ```
 */
export interface RetryOptions {
  /** How many attempts in all, the first included: an integer >= 1. */
  attempts: number;
  /** The wait after the first failure, in ms (>= 0); each later wait doubles. */
  baseMs: number;
  /** The longest wait, in ms (>= baseMs). */
  maxMs: number;
  /** Whether a failure is worth another attempt; by default every failure is. */
  retryIf?: (error: unknown) => boolean;
}

/**
 * The wait after the `failures`-th failed attempt:
 * `min(maxMs, baseMs * 2 ** (failures - 1))`. Always a finite number, even
 * for a huge `failures` or a `baseMs` of 0.
 *
 * @throws {RangeError} when `failures` is not an integer >= 1.
 *
 * @example
 * ```ts
 * import { backoffMs } from "./retry.ts";
 * import assert from "node:assert/strict";
 *
 * const pace = { baseMs: 100, maxMs: 1000 };
 * assert.deepEqual([1, 2, 3, 4, 5].map((n) => backoffMs(n, pace)), [100, 200, 400, 800, 1000]);
 * ```
 */
export function backoffMs(
  failures: number,
  options: Pick<RetryOptions, "baseMs" | "maxMs">,
): number {
  // TODO(part 3): implement backoffMs().
  //  - RangeError unless `failures` is an integer >= 1.
  //  - min(maxMs, baseMs * 2 ** (failures - 1)), and never NaN: what is
  //    2 ** 1100 in JavaScript, and what is 0 times that?
  throw new Error("TODO: implement backoffMs() in retry.ts (part 3 of the README)");
}

/**
 * Calls `fn(ctx, attempt)` (attempt counts from 1) until it resolves, and
 * resolves with that value. After the n-th failure it waits
 * {@linkcode backoffMs}`(n, options)` before the next attempt.
 *
 * It gives up and rejects:
 * - with `ctx.err()` whenever `ctx` is done: before the first attempt (no
 *   attempt is made), during a wait (at once, without waiting the rest), or
 *   when an attempt fails while `ctx` is done (the failure is a consequence
 *   of the cancellation). No attempt ever starts once `ctx` is done.
 * - with the attempt's own error, unchanged, when `retryIf` returns false
 *   for it, or when it was the last attempt (there is no wait after it).
 *
 * A value is a value: an attempt that resolves wins even if `ctx` ended
 * while it ran. No timer is left armed when `retry` settles.
 *
 * @throws {RangeError} (as a rejection) when `attempts` is not an integer >= 1,
 *   `baseMs` not a finite number >= 0, or `maxMs` not a finite number >= baseMs.
 *
 * @example
 * ```ts
 * import { context } from "../primitives/mod.ts";
 * import { retry } from "./retry.ts";
 * import assert from "node:assert/strict";
 *
 * let calls = 0;
 * const flaky = () => (++calls < 3 ? Promise.reject(new Error("busy")) : Promise.resolve("ok"));
 * const result = await retry(context.background(), flaky, { attempts: 5, baseMs: 1, maxMs: 10 });
 * assert.equal(result, "ok");
 * assert.equal(calls, 3);
 * ```
 */
export async function retry<T>(
  ctx: context.Context,
  fn: (ctx: context.Context, attempt: number) => Promise<T>,
  options: RetryOptions,
): Promise<T> {
  // TODO(part 3): implement retry().
  //  1. Validate the options (RangeError naming the bad one, see the README).
  //  2. Loop over the attempts, numbered from 1. Before each attempt: if ctx
  //     is done, throw ctx.err(). Then `return await fn(ctx, attempt)`.
  //  3. When an attempt fails: ctx done by now? throw ctx.err(). Last
  //     attempt, or retryIf says no? throw the attempt's own error.
  //  4. Otherwise wait backoffMs(attempt, options), but give up the moment
  //     ctx is done: `new time.Timer(ms)` and
  //     `select([recv(timer.c), recv(ctx.done())])`. Whichever case wins,
  //     stop the timer (a cancelled retry must leave no timer armed). If
  //     ctx.done() won, throw ctx.err(). `await time.sleep(ms)` cannot be
  //     interrupted, which is exactly the bug this part is about.
  throw new Error("TODO: implement retry() in retry.ts (part 3 of the README)");
}
