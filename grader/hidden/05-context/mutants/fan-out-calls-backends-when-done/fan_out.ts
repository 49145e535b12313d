// Mutant: fanOut does not check the caller's context first, so a request that is already over still calls every backend.
/**
 * Lab 05, part 1: one request, several backends, one deadline.
 *
 * {@linkcode fanOut} asks every backend the same question at once under a
 * single deadline. The first failure cancels everybody else; the deadline
 * cancels everybody; a caller that goes away cancels everybody. Whatever
 * happens, no backend is still running when it returns.
 *
 * @module
 */
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
  const [requestCtx, cancel] = context.withTimeout(parent, timeoutMs);
  try {
    // The group's context is a child of the request's: it ends with the
    // request (deadline, caller) and also at the first backend failure.
    const [group, groupCtx] = errgroup.withContext(requestCtx);
    const names = Object.keys(backends);
    const answers = new Map<string, R>();
    for (const name of names) {
      const backend = backends[name];
      group.go(async () => {
        answers.set(name, await backend(groupCtx, query));
      });
    }
    const failure = await group.wait();
    if (failure === null) {
      return Object.fromEntries(names.map((name) => [name, answers.get(name)!]));
    }
    // groupCtx's cause is whatever ended it first. If the request's context
    // ended first, the cause was inherited from it, and the backends'
    // failures are only echoes of that cancellation.
    const requestEnded = requestCtx.err();
    if (requestEnded !== null && context.cause(groupCtx) === context.cause(requestCtx)) {
      throw requestEnded;
    }
    throw failure;
  } finally {
    cancel(); // stops the deadline's timer and releases the request's context
  }
}
