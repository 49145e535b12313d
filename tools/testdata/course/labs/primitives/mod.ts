/**
 * The fixture course's stand-in for the primitives: one helper the labs import,
 * so the sandbox layout (labs/primitives beside labs/<slug>) is exercised.
 *
 * @example
 * ```ts
 * import { sumOf } from "./mod.ts";
 * sumOf([1, 2, 3]); // → 6
 * ```
 * @module
 */

/** Adds up a list with a plain loop (the reference the labs' tests compare against). */
export function sumOf(values: readonly number[]): number {
  let sum = 0;
  for (const value of values) sum += value;
  return sum;
}
