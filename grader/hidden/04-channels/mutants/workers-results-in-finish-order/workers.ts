// Mutant: processAll pushes results in the order they finish instead of storing them at their job's index.
/**
 * Part 3 — fan-out, fan-in with bounded work: a fixed pool of workers takes
 * jobs from one channel and sends results to another.
 *
 * @module
 */
import { Chan, context, go, recv, select, send, sync } from "../primitives/mod.ts";

/**
 * The work done for one job; it should stop early once `ctx` is done.
 *
 * @example
 * ```ts
 * import type { Work } from "./workers.ts";
 *
 * const double: Work<number, number> = (_ctx, n) => Promise.resolve(n * 2);
 * ```
 */
export type Work<J, R> = (ctx: context.Context, job: J) => Promise<R>;

/** One finished job, as a worker reports it. */
type Outcome<R> = { index: number; ok: true; value: R } | {
  index: number;
  ok: false;
  error: unknown;
};

/**
 * Runs `work` on every job with exactly `workers` worker tasks and resolves
 * to the results in job order (`results[i]` is the result of `jobs[i]`).
 *
 * - Never more than `workers` calls of `work` run at once, and no task is
 *   started per job: one feeder sends job numbers on a channel and closes it,
 *   the workers range over it, and the results come back on a second channel
 *   that is closed once every worker has left.
 * - When a job throws, no further job starts, the other running jobs see
 *   their context cancelled, and `processAll` rejects with that first error.
 * - When `ctx` is cancelled, no further job starts and `processAll` rejects
 *   with `ctx.err()` (unless every job had already finished).
 * - It settles only after every worker has exited, so nothing it started is
 *   still running or parked afterwards.
 *
 * @throws {RangeError} when `workers` is not a positive integer.
 *
 * @example
 * ```ts
 * import { context } from "../primitives/mod.ts";
 * import { processAll } from "./workers.ts";
 * import assert from "node:assert/strict";
 *
 * const lengths = await processAll(
 *   context.background(),
 *   ["go", "deno", "bun"],
 *   2,
 *   async (_ctx, word) => word.length,
 * );
 * assert.deepEqual(lengths, [2, 4, 3]);
 * ```
 */
export async function processAll<J, R>(
  ctx: context.Context,
  jobs: readonly J[],
  workers: number,
  work: Work<J, R>,
): Promise<R[]> {
  if (!Number.isInteger(workers) || workers < 1) {
    throw new RangeError(`processAll: workers must be a positive integer, received ${workers}`);
  }
  const [runCtx, cancel] = context.withCancel(ctx);
  const jobNumbers = new Chan<number>(0, { name: "jobs" });
  const outcomes = new Chan<Outcome<R>>(0, { name: "results" });

  // The feeder is the only sender on `jobs`, so it is the one that closes it.
  go(async () => {
    try {
      for (let index = 0; index < jobs.length; index++) {
        if (runCtx.err() !== null) return;
        const r = await select([send(jobNumbers, index), recv(runCtx.done())]);
        if (r.index === 1) return;
      }
    } finally {
      jobNumbers.close();
    }
  });

  const pool = new sync.WaitGroup();
  for (let w = 0; w < workers; w++) {
    pool.go(async () => {
      for await (const index of jobNumbers) {
        // A job handed over just before cancellation must not start after it.
        if (runCtx.err() !== null) continue;
        let outcome: Outcome<R>;
        try {
          outcome = { index, ok: true, value: await work(runCtx, jobs[index]) };
        } catch (error) {
          outcome = { index, ok: false, error };
        }
        // The collector below receives until `outcomes` is closed, so this
        // send always completes.
        await outcomes.send(outcome);
      }
    });
  }
  // Many workers send on `outcomes`: close it once, after they have all left.
  go(async () => {
    await pool.wait();
    outcomes.close();
  });

  const results: R[] = [];
  let finished = 0;
  let failure: { error: unknown } | null = null;
  for await (const outcome of outcomes) {
    if (outcome.ok) {
      results.push(outcome.value);
      finished++;
    } else if (failure === null) {
      failure = { error: outcome.error };
      cancel(); // stop handing out jobs, and tell the running ones
    }
  }
  cancel();
  if (failure !== null) throw failure.error;
  if (finished < jobs.length) {
    throw ctx.err() ?? new Error("processAll: stopped before every job finished");
  }
  return results;
}
