/**
 * Lab 05, part 1: one request, several backends, one deadline.
 *
 * {@linkcode fanOut} asks every backend the same question at once under a
 * single deadline. The first failure cancels everybody else; the deadline
 * cancels everybody; a caller that goes away cancels everybody. Whatever
 * happens, no backend is still running when it returns. See the README,
 * part 1.
 *
 * @module
 */
// deno-lint-ignore-file no-unused-vars require-await -- starter: the imports are the tools you need; delete this line when done
import { context, errgroup } from "../primitives/mod.ts";

/**
 * One dependency of a request (a database, another service): answers
 * `query`, and stops early once `ctx` is done. A well-behaved backend selects
 * on `ctx.done()` or passes `ctx.signal` to `fetch`.
 *
 * @example
 * ```ts
 * import { context, recv, select, time } from "../primitives/mod.ts";
 * import type { Backend } from "./fan_out.ts";
 *
 * const inventory: Backend<number> = async (ctx, query) => {
 *   const r = await select([recv(time.after(20)), recv(ctx.done())]);
 *   if (r.index === 1) throw ctx.err();
 *   return query.length;
 * };
 * ```
 */
export type Backend<R> = (ctx: context.Context, query: string) => Promise<R>;

/**
 * Asks every backend in `backends` for `query` concurrently and resolves to
 * their answers, keyed by the same names, once all of them have succeeded.
 *
 * - The whole fan-out gets `timeoutMs` milliseconds, and never more than
 *   `parent` allows.
 * - Every backend gets a context that is cancelled as soon as one backend
 *   fails, when the time is up, or when `parent` is cancelled, and in any
 *   case once `fanOut` returns.
 * - It rejects with the reason the request ended first: a backend's own
 *   error (unchanged) if a backend failed before the request's context was
 *   done, otherwise that context's `err()`: `context.DeadlineExceeded` when
 *   the time ran out, `parent.err()` when the caller cancelled. What the
 *   cancelled backends throw afterwards is ignored.
 * - If `parent` is already done, it rejects with `parent.err()` and calls no
 *   backend.
 * - It settles only after every backend it called has returned, so no task
 *   outlives it, and it leaves no timer behind.
 *
 * @example
 * ```ts
 * import { context } from "../primitives/mod.ts";
 * import { fanOut } from "./fan_out.ts";
 * import assert from "node:assert/strict";
 *
 * const answers = await fanOut(
 *   context.background(),
 *   {
 *     users: (_ctx, q) => Promise.resolve(`user ${q}`),
 *     orders: (_ctx, q) => Promise.resolve(`orders of ${q}`),
 *   },
 *   "ada",
 *   1000,
 * );
 * assert.deepEqual(answers, { users: "user ada", orders: "orders of ada" });
 * ```
 */
export async function fanOut<R>(
  parent: context.Context,
  backends: Readonly<Record<string, Backend<R>>>,
  query: string,
  timeoutMs: number,
): Promise<Record<string, R>> {
  // TODO(part 1): implement fanOut(). One way, step by step:
  //  1. If `parent` is already done, throw `parent.err()`: call no backend.
  //  2. Give the request its deadline:
  //     `const [requestCtx, cancel] = context.withTimeout(parent, timeoutMs)`,
  //     and call `cancel()` in a `finally`, however fanOut ends (it stops
  //     the timer; the tests count the timers left behind).
  //  3. `const [group, groupCtx] = errgroup.withContext(requestCtx)`: the
  //     group's context also ends at the first failure. Which of the two
  //     contexts must the backends get so that one failure stops the rest?
  //  4. Start each backend with `group.go(...)` and store its answer under
  //     its name. `await group.wait()` returns the first error, or null,
  //     once every backend has returned.
  //  5. No error: return the answers keyed by name. An error: decide who
  //     ended the request first. If `requestCtx` was done before any backend
  //     failed, the backends' errors are only echoes of that: throw
  //     `requestCtx.err()`. Otherwise throw the failure unchanged. Two ways
  //     to tell: `context.cause(groupCtx)` (what ended the group's context
  //     first), or have each task rethrow `requestCtx.err()` when it is set
  //     by the time its backend fails.
  throw new Error("TODO: implement fanOut() in fan_out.ts (part 1 of the README)");
}
