/**
 * Lab 05, part 2: splitting a deadline.
 *
 * A request has one deadline; the steps inside it share the time that is
 * left. {@linkcode budgetFor} computes a step's share, {@linkcode withBudget}
 * derives a context with it, and {@linkcode primaryOrFallback} uses both to
 * keep time in reserve for a second try. See the README, part 2.
 *
 * @module
 */
// deno-lint-ignore-file no-unused-vars require-await -- starter: the imports are the tools you need; delete this line when done
import { context } from "../primitives/mod.ts";
import type { Backend } from "./fan_out.ts";

/**
 * The budget, in milliseconds, that {@linkcode budgetFor} grants when the
 * parent has no deadline at all.
 *
 * @example
 * ```ts
 * import { DEFAULT_BUDGET_MS } from "./budget.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(DEFAULT_BUDGET_MS, 1000);
 * ```
 */
export const DEFAULT_BUDGET_MS = 1000;

/**
 * Options for {@linkcode budgetFor} and {@linkcode withBudget}.
 *
 * @example
 * ```ts
 * import type { BudgetOptions } from "./budget.ts";
 *
 * const options: BudgetOptions = { minMs: 20, defaultMs: 500 };
 * ```
 */
export interface BudgetOptions {
  /** A floor for the share, in ms (default 0); it never reaches past the parent's deadline. */
  minMs?: number;
  /** The budget when the parent has no deadline (default {@linkcode DEFAULT_BUDGET_MS}). */
  defaultMs?: number;
}

/**
 * How many milliseconds a step may take when it is granted `fraction` of
 * the time `parent` has left.
 *
 * - With a deadline: `floor(remaining * fraction)`, raised to `minMs`, and
 *   then capped at `remaining`, where `remaining` is the time from now to the
 *   parent's deadline. When the deadline has passed, the budget is `0`.
 * - Without a deadline: `defaultMs` (default {@linkcode DEFAULT_BUDGET_MS});
 *   `fraction` and `minMs` do not apply.
 *
 * @throws {RangeError} when `fraction` is not a number in (0, 1], or `minMs`
 *   or `defaultMs` is not a finite number >= 0.
 *
 * @example
 * ```ts
 * import { context } from "../primitives/mod.ts";
 * import { budgetFor } from "./budget.ts";
 * import assert from "node:assert/strict";
 *
 * const [parent, cancel] = context.withTimeout(context.background(), 60_000);
 * const share = budgetFor(parent, 0.25);
 * assert.ok(share > 14_000 && share <= 15_000);
 * assert.equal(budgetFor(context.background(), 0.25), 1000);
 * cancel();
 * ```
 */
export function budgetFor(
  parent: context.Context,
  fraction: number,
  options: BudgetOptions = {},
): number {
  // TODO(part 2): implement budgetFor().
  //  1. Validate: `fraction` must be a number with 0 < fraction <= 1;
  //     `minMs` (default 0) and `defaultMs` (default DEFAULT_BUDGET_MS) must
  //     be finite numbers >= 0. Throw a RangeError that names the bad
  //     argument and the value received.
  //  2. `const [deadline, ok] = parent.deadline()`. No deadline: return
  //     `defaultMs` as it is.
  //  3. `remaining` = milliseconds from `Date.now()` to the deadline. If it
  //     is 0 or less, the budget is 0.
  //  4. Otherwise: floor(remaining * fraction), raised to minMs, then
  //     capped at remaining. Which order of max and min gets the cap right?
  throw new Error("TODO: implement budgetFor() in budget.ts (part 2 of the README)");
}
/**
 * A child of `parent` whose deadline is {@linkcode budgetFor}`(parent,
 * fraction, options)` milliseconds from now. It is also cancelled with its
 * parent, and when the budget is 0 it is done at once with
 * `context.DeadlineExceeded` (or, if the parent's own deadline has passed
 * but its timer has not fired yet, as soon as the parent ends). Call the
 * returned cancel function when the step is over.
 *
 * @throws {RangeError} for the same arguments as {@linkcode budgetFor}.
 *
 * @example
 * ```ts
 * import { context } from "../primitives/mod.ts";
 * import { withBudget } from "./budget.ts";
 * import assert from "node:assert/strict";
 *
 * const [request, cancelRequest] = context.withTimeout(context.background(), 1000);
 * const [step, cancelStep] = withBudget(request, 0.5);
 * const [due] = step.deadline();
 * assert.ok(due !== undefined && due.getTime() <= Date.now() + 500);
 * cancelStep();
 * cancelRequest();
 * ```
 */
export function withBudget(
  parent: context.Context,
  fraction: number,
  options: BudgetOptions = {},
): [context.Context, context.CancelFunc] {
  // TODO(part 2): one line with budgetFor() and context.withTimeout().
  // (A timeout of 0 gives a context that is already done: that is wanted.)
  throw new Error("TODO: implement withBudget() in budget.ts (part 2 of the README)");
}
/**
 * Which backend produced a {@linkcode primaryOrFallback} answer.
 *
 * @example
 * ```ts
 * import type { Sourced } from "./budget.ts";
 *
 * const answer: Sourced<number> = { from: "fallback", value: 42 };
 * ```
 */
export interface Sourced<R> {
  /** `"primary"` or `"fallback"`. */
  from: "primary" | "fallback";
  /** The backend's answer. */
  value: R;
}

/**
 * Asks `primary` with only `fraction` of the time `ctx` has left (see
 * {@linkcode withBudget}), so that time remains for `fallback` if the
 * primary fails or runs out of its share.
 *
 * - The primary's context is cancelled before the fallback starts.
 * - The fallback gets `ctx` itself: all the time that is left.
 * - If `ctx` is done (before the start, or by the time the primary fails),
 *   rejects with `ctx.err()` and does not call the fallback. Otherwise a
 *   failing fallback rejects with its own error, or with `ctx.err()` if
 *   `ctx` ended while it ran.
 *
 * @example
 * ```ts
 * import { context } from "../primitives/mod.ts";
 * import { primaryOrFallback } from "./budget.ts";
 * import assert from "node:assert/strict";
 *
 * const answer = await primaryOrFallback(
 *   context.background(),
 *   "ada",
 *   () => Promise.reject(new Error("primary down")),
 *   (_ctx, q) => Promise.resolve(`cached ${q}`),
 *   0.5,
 * );
 * assert.deepEqual(answer, { from: "fallback", value: "cached ada" });
 * ```
 */
export async function primaryOrFallback<R>(
  ctx: context.Context,
  query: string,
  primary: Backend<R>,
  fallback: Backend<R>,
  fraction: number,
  options: BudgetOptions = {},
): Promise<Sourced<R>> {
  // TODO(part 2): implement primaryOrFallback().
  //  1. Derive the primary's context with withBudget(ctx, fraction, options)
  //     and make sure its cancel function runs before the fallback starts.
  //  2. If ctx is already done, do not call the primary.
  //  3. When the primary fails, look at ctx, not at the primary's context:
  //     if ctx itself is done, the request is over (throw ctx.err(), no
  //     fallback); if only the primary's share ran out, or the primary
  //     failed on its own, call the fallback with ctx (all the time left).
  //  4. A failing fallback: its own error, or ctx.err() if ctx is done.
  throw new Error("TODO: implement primaryOrFallback() in budget.ts (part 2 of the README)");
}
