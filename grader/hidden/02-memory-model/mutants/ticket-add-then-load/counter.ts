// Mutant (racy): nextTicket adds, then loads the counter again to learn its ticket, so two Workers can read the same value.
/**
 * Lab 02, part 1: the lost update, with real parallelism. Several Workers
 * share one `Int32Array` over a `SharedArrayBuffer`; every change they make to
 * a shared cell must be one indivisible read-modify-write. See the README,
 * part 1.
 *
 * @module
 */

/**
 * Adds 1 to `cells[index]`, `times` times, so that no increment is lost when
 * several Workers do it to the same cell at once.
 *
 * @example
 * ```ts
 * import { incrementShared } from "./counter.ts";
 * import assert from "node:assert/strict";
 *
 * const cells = new Int32Array(new SharedArrayBuffer(8));
 * incrementShared(cells, 1, 1000);
 * assert.equal(cells[1], 1000);
 * ```
 */
export function incrementShared(cells: Int32Array, index: number, times: number): void {
  for (let i = 0; i < times; i++) Atomics.add(cells, index, 1);
}

/**
 * Takes the next ticket from the counter at `cells[index]`: returns its value
 * and advances it by one, as one indivisible step, so that Workers taking
 * tickets at the same time never get the same number.
 *
 * @example
 * ```ts
 * import { nextTicket } from "./counter.ts";
 * import assert from "node:assert/strict";
 *
 * const cells = new Int32Array(new SharedArrayBuffer(4));
 * assert.deepEqual([nextTicket(cells, 0), nextTicket(cells, 0)], [0, 1]);
 * assert.equal(cells[0], 2);
 * ```
 */
export function nextTicket(cells: Int32Array, index: number): number {
  Atomics.add(cells, index, 1);
  return Atomics.load(cells, index) - 1;
}
