/**
 * Lab 01 (fixture): adding numbers, solved.
 *
 * @example
 * ```ts
 * import { add } from "./adder.ts";
 * add(1, 2); // → 3
 * ```
 * @module
 */

/** The sum of two numbers. */
export function add(a: number, b: number): number {
  return a + b;
}

/** The sum of a list of numbers; 0 for an empty list. */
export function total(values: readonly number[]): number {
  let sum = 0;
  for (const value of values) sum = add(sum, value);
  return sum;
}
