// Mutant: primaryOrFallback hands the fallback the primary's (cancelled) context instead of the caller's.
/**
 * Lab 05, part 2: splitting a deadline.
 *
 * A request has one deadline; the steps inside it share the time that is
 * left. {@linkcode budgetFor} computes a step's share, {@linkcode withBudget}
 * derives a context with it, and {@linkcode primaryOrFallback} uses both to
 * keep time in reserve for a second try.
 *
 * @module
 */
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

function checkNonNegative(name: string, value: unknown): asserts value is number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw new RangeError(
      `Cannot compute a budget: ${name} must be a finite number of milliseconds >= 0, received ${
        String(value)
      }`,
    );
  }
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
  if (typeof fraction !== "number" || !(fraction > 0 && fraction <= 1)) {
    throw new RangeError(
      `Cannot compute a budget: fraction must be a number greater than 0 and at most 1, received ${
        String(fraction)
      }`,
    );
  }
  const minMs = options.minMs ?? 0;
  const defaultMs = options.defaultMs ?? DEFAULT_BUDGET_MS;
  checkNonNegative("minMs", minMs);
  checkNonNegative("defaultMs", defaultMs);

  const [deadline, hasDeadline] = parent.deadline();
  if (!hasDeadline) return defaultMs;
  const remaining = deadline.getTime() - Date.now();
  if (remaining <= 0) return 0;
  const share = Math.floor(remaining * fraction);
  // The floor may ask for more than is left; the parent's deadline wins.
  return Math.min(remaining, Math.max(share, minMs));
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
  return context.withTimeout(parent, budgetFor(parent, fraction, options));
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
  const [primaryCtx, cancelPrimary] = withBudget(ctx, fraction, options);
  try {
    if (ctx.err() === null) return { from: "primary", value: await primary(primaryCtx, query) };
  } catch {
    // The primary failed or used up its share: decided below, once it is cancelled.
  } finally {
    cancelPrimary();
  }
  // Only the primary's own trouble earns a second try; the request being over does not.
  const ended = ctx.err();
  if (ended !== null) throw ended;
  try {
    return { from: "fallback", value: await fallback(primaryCtx, query) };
  } catch (error) {
    throw ctx.err() ?? error;
  }
}
