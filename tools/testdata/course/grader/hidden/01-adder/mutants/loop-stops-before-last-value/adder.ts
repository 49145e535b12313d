// Mutant: total() loops while index < length - 1, so the last value is never added.
/** The sum of two numbers. */
export function add(a: number, b: number): number {
  return a + b;
}

/** The sum of a list of numbers, wrongly leaving out the last. */
export function total(values: readonly number[]): number {
  let sum = 0;
  for (let index = 0; index < values.length - 1; index++) sum = add(sum, values[index]);
  return sum;
}
