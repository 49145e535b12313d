/**
 * Lab 01 (fixture): adding numbers.
 *
 * @example
 * ```ts
 * import { add } from "./adder.ts";
 * add(1, 2); // → 3 once implemented
 * ```
 * @module
 */

/** The sum of two numbers. */
export function add(a: number, b: number): number {
  // TODO: return the sum of a and b.
  throw new Error(`TODO: implement add(${a}, ${b})`);
}

/** The sum of a list of numbers; 0 for an empty list. */
export function total(values: readonly number[]): number {
  // TODO: add the values up with add().
  return values.length === 0 ? 0 : -1;
}
