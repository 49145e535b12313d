/**
 * Part 1 — timing out and moving on: ask several replicas the same question,
 * take the first answer, cancel the rest, and give up after a deadline.
 *
 * @module
 */
// deno-lint-ignore-file no-unused-vars require-await -- starter code; remove this line when done
import { Chan, context, go, recv, select } from "../primitives/mod.ts";

/**
 * One replica of a service: answers `query`, or gives up when `ctx` is done.
 * A well-behaved replica watches `ctx.done()` (or `ctx.signal`) and returns
 * early once it is cancelled.
 *
 * @example
 * ```ts
 * import type { Replica } from "./first.ts";
 *
 * // Answers at once; a real replica would pass ctx.signal to fetch().
 * const echo: Replica<string> = (_ctx, query) => Promise.resolve(`echo: ${query}`);
 * ```
 */
export type Replica<R> = (ctx: context.Context, query: string) => Promise<R>;

/**
 * The error {@linkcode first} rejects with when no replica answered within
 * its time limit. (Given: you only need to throw it.)
 *
 * @example
 * ```ts
 * import { TimeoutError } from "./first.ts";
 * import assert from "node:assert/strict";
 *
 * const err = new TimeoutError("weather", 250);
 * assert.equal(err.message, 'first("weather"): no replica answered within 250 ms');
 * ```
 */
export class TimeoutError extends Error {
  /** Builds the error for `query` after waiting `timeoutMs` milliseconds. */
  constructor(readonly query: string, readonly timeoutMs: number) {
    super(`first(${JSON.stringify(query)}): no replica answered within ${timeoutMs} ms`);
    this.name = "TimeoutError";
  }
}

/**
 * Sends `query` to every replica at once and resolves to the first answer.
 *
 * - The replicas run concurrently, each in its own task, with a context that
 *   is cancelled as soon as `first` settles, so the losers can stop working.
 * - A loser that answers late never stays parked.
 * - A replica that throws is not an answer; when every replica has thrown,
 *   `first` rejects with an `AggregateError` holding their errors.
 * - After `timeoutMs` milliseconds without an answer it rejects with a
 *   {@linkcode TimeoutError}; if `ctx` is cancelled first (or already is),
 *   it rejects with `ctx.err()` instead.
 *
 * @throws {RangeError} when `replicas` is empty.
 *
 * @example
 * ```ts ignore
 * import { context, recv, select, time } from "../primitives/mod.ts";
 * import { first, type Replica } from "./first.ts";
 * import assert from "node:assert/strict";
 *
 * const replicaAfter = (ms: number, name: string): Replica<string> => async (ctx, query) => {
 *   const r = await select([recv(time.after(ms)), recv(ctx.done())]);
 *   if (r.index === 1) throw ctx.err();
 *   return `${name}: ${query}`;
 * };
 * const answer = await first(
 *   context.background(),
 *   [replicaAfter(30, "slow"), replicaAfter(5, "fast")],
 *   "hello",
 *   1000,
 * );
 * assert.equal(answer, "fast: hello");
 * ```
 */
export async function first<R>(
  ctx: context.Context,
  replicas: readonly Replica<R>[],
  query: string,
  timeoutMs: number,
): Promise<R> {
  // TODO(part 1): implement first(). One way, step by step:
  //  1. Refuse an empty `replicas` list with a RangeError, and reject at once
  //     with `ctx.err()` if `ctx` is already done (start no replica then).
  //  2. Derive a context that ends after `timeoutMs`:
  //     `const [queryCtx, cancel] = context.withTimeout(ctx, timeoutMs)`, and
  //     make sure `cancel()` runs however `first` ends (try/finally): it
  //     releases the losers and stops the timer.
  //  3. Make a channel for the replicas' outcomes ({ ok, value } or
  //     { ok, error }). Think hard about its capacity: once `first` has its
  //     answer nobody receives any more, and every loser's send must still
  //     complete, or its task stays parked forever (the forgotten sender).
  //  4. Start each replica with `go(...)`; catch its error and send it as an
  //     outcome too.
  //  5. Loop on `select([recv(outcomes), recv(queryCtx.done())])`: return the
  //     first good value; count failures (all failed: AggregateError); when
  //     `queryCtx` is done, throw `ctx.err()` if the caller cancelled,
  //     otherwise a TimeoutError.
  throw new Error("TODO: implement first() in first.ts (part 1 of the README)");
}
