// Mutant: first() rejects with the first replica error it receives instead of waiting for another replica's answer.
/**
 * Part 1 — timing out and moving on: ask several replicas the same question,
 * take the first answer, cancel the rest, and give up after a deadline.
 *
 * @module
 */
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
 * its time limit.
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

/** What one replica sent back: its answer, or the error it failed with. */
type Outcome<R> = { ok: true; value: R } | { ok: false; error: unknown };

/**
 * Sends `query` to every replica at once and resolves to the first answer.
 *
 * - The replicas run concurrently, each in its own task, with a context that
 *   is cancelled as soon as `first` settles, so the losers can stop working.
 * - A loser that answers late never stays parked: the outcome channel has
 *   room for one outcome per replica, so every send completes at once.
 * - A replica that throws is not an answer; when every replica has thrown,
 *   `first` rejects with an `AggregateError` holding their errors.
 * - After `timeoutMs` milliseconds without an answer it rejects with a
 *   {@linkcode TimeoutError}; if `ctx` is cancelled first (or already is),
 *   it rejects with `ctx.err()` instead.
 *
 * @throws {RangeError} when `replicas` is empty.
 *
 * @example
 * ```ts
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
  if (replicas.length === 0) {
    throw new RangeError(
      `first(${JSON.stringify(query)}): needs at least one replica, received none`,
    );
  }
  // A request that is already cancelled must not start any work.
  const alreadyDone = ctx.err();
  if (alreadyDone !== null) throw alreadyDone;

  const [queryCtx, cancel] = context.withTimeout(ctx, timeoutMs);
  // One slot per replica: the losers' sends complete even though nobody will
  // ever receive them, so their tasks end instead of leaking (the forgotten
  // sender).
  const outcomes = new Chan<Outcome<R>>(replicas.length, { name: "first outcomes" });
  try {
    for (const replica of replicas) {
      go(async () => {
        let outcome: Outcome<R>;
        try {
          outcome = { ok: true, value: await replica(queryCtx, query) };
        } catch (error) {
          outcome = { ok: false, error };
        }
        await outcomes.send(outcome);
      });
    }

    const failures: unknown[] = [];
    while (true) {
      const r = await select([recv(outcomes), recv(queryCtx.done())]);
      if (r.index === 1) {
        // Our own deadline leaves the parent untouched; the parent's
        // cancellation (or its shorter deadline) is reported as the parent's.
        throw ctx.err() ?? new TimeoutError(query, timeoutMs);
      }
      const outcome = r.value!; // the channel is never closed, so ok is always true
      if (outcome.ok) return outcome.value;
      failures.push(outcome.error);
      if (failures.length > 0) {
        throw new AggregateError(
          failures,
          `first(${JSON.stringify(query)}): all ${replicas.length} replicas failed`,
        );
      }
    }
  } finally {
    // Releases the losers and stops the timeout timer.
    cancel();
  }
}
