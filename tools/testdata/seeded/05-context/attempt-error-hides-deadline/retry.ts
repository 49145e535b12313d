// Mutant (seeded): retry() reports a failed attempt's own error without first asking whether the context ended during it, trusting the check before each attempt: when the backoff and the deadline fire at the same instant and the backoff comes first, the last attempt is cut short by the deadline and retry() rejects with "aborted" instead of DeadlineExceeded.
/**
 * Lab 05, part 3: a retry loop that a context can stop.
 *
 * {@linkcode retry} calls an operation until it succeeds, waiting longer
 * after each failure, and stops the moment its context is done: it never
 * sleeps past a cancellation and never starts an attempt after one.
 *
 * @module
 */
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
  if (!Number.isInteger(failures) || failures < 1) {
    throw new RangeError(
      `Cannot compute a backoff: failures must be an integer >= 1, received ${String(failures)}`,
    );
  }
  const { baseMs, maxMs } = options;
  if (baseMs === 0) return 0; // 0 * 2 ** 1024 would be NaN
  // 2 ** n overflows to Infinity for large n, which min() turns into maxMs.
  return Math.min(maxMs, baseMs * 2 ** (failures - 1));
}

function checkOptions(options: RetryOptions): void {
  const { attempts, baseMs, maxMs, retryIf } = options;
  if (!Number.isInteger(attempts) || attempts < 1) {
    throw new RangeError(
      `Cannot retry: attempts must be an integer >= 1, received ${String(attempts)}`,
    );
  }
  if (typeof baseMs !== "number" || !Number.isFinite(baseMs) || baseMs < 0) {
    throw new RangeError(
      `Cannot retry: baseMs must be a finite number >= 0, received ${String(baseMs)}`,
    );
  }
  if (typeof maxMs !== "number" || !Number.isFinite(maxMs) || maxMs < baseMs) {
    throw new RangeError(
      `Cannot retry: maxMs must be a finite number >= baseMs (${baseMs}), received ${
        String(maxMs)
      }`,
    );
  }
  if (retryIf !== undefined && typeof retryIf !== "function") {
    throw new TypeError(`Cannot retry: retryIf must be a function, received ${typeof retryIf}`);
  }
}

/** Waits `ms`, or less if `ctx` ends first; says whether the full wait happened. No timer outlives it. */
async function pause(ctx: context.Context, ms: number): Promise<boolean> {
  const timer = new time.Timer(ms);
  try {
    const chosen = await select([recv(timer.c), recv(ctx.done())]);
    return chosen.index === 0;
  } finally {
    timer.stop(); // a cancelled wait must not leave its timer armed
  }
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
  checkOptions(options);
  const retryIf = options.retryIf ?? (() => true);
  for (let attempt = 1;; attempt++) {
    const before = ctx.err();
    if (before !== null) throw before;
    try {
      return await fn(ctx, attempt);
    } catch (error) {
      if (attempt >= options.attempts || !retryIf(error)) throw error;
    }
    if (!(await pause(ctx, backoffMs(attempt, options)))) throw ctx.err()!;
  }
}
