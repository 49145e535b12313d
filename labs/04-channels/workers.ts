/**
 * Part 3 — fan-out, fan-in with bounded work: a fixed pool of workers takes
 * jobs from one channel and sends results to another.
 *
 * @module
 */
// deno-lint-ignore-file no-unused-vars require-await -- starter code; remove this line when done
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

/**
 * Runs `work` on every job with exactly `workers` worker tasks and resolves
 * to the results in job order (`results[i]` is the result of `jobs[i]`).
 *
 * - Never more than `workers` calls of `work` run at once, and no task is
 *   started per job.
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
 * ```ts ignore
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
  // TODO(part 3): implement processAll(). A plan:
  //  1. Refuse a `workers` count that is not a positive integer (RangeError).
  //  2. `const [runCtx, cancel] = context.withCancel(ctx)`: cancel it at the
  //     first failure so the feeder stops and running jobs hear about it.
  //  3. A `jobs` channel of job numbers, fed by ONE feeder task that closes it
  //     when it is done (or when runCtx is done):
  //       select([send(jobsChan, i), recv(runCtx.done())])
  //  4. `workers` worker tasks, each `for await (const i of jobsChan)`, calling
  //     work(runCtx, jobs[i]) and sending { index, ok, value | error } on a
  //     `results` channel. Count them with a sync.WaitGroup.
  //     No job may start after cancellation. select picks at random among
  //     ready cases, and a job can be handed over a moment before cancel():
  //     so check runCtx.err() in the worker, right before calling work.
  //  5. One more task: wait for the workers, then close `results`.
  //  6. Here: `for await` over results, fill the array by index; then decide:
  //     first error? ctx cancelled before every job finished? or success.
  throw new Error("TODO: implement processAll() in workers.ts (part 3 of the README)");
}
