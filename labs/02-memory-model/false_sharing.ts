/**
 * Lab 02, part 5: false sharing. One counter per Worker, laid out either
 * next to each other (`"adjacent"`: 16 of them share one 64-byte cache line)
 * or one cache line apart (`"padded"`). Both count the same; the benchmark
 * shows what the layout costs. See the README, part 5.
 *
 * @module
 */
// deno-lint-ignore-file no-unused-vars -- starter: `layout` and CELLS_PER_LINE are for you; delete this line when done

/** The cache line size this lab assumes, in bytes: 64 on most x86-64 and ARM servers. */
export const CACHE_LINE_BYTES = 64;

/** Where the per-Worker counters sit in the buffer. */
export type Layout = "adjacent" | "padded";

const CELLS_PER_LINE = CACHE_LINE_BYTES / Int32Array.BYTES_PER_ELEMENT;

/**
 * The `Int32Array` index of Worker `worker`'s counter: `worker` itself when
 * adjacent, and a whole cache line per Worker when padded, so that no two
 * Workers' counters can share a line wherever the buffer starts.
 * @throws {RangeError} when `worker` is not an integer >= 0.
 *
 * @example
 * ```ts
 * import { counterIndex } from "./false_sharing.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(counterIndex(3, "adjacent"), 3);
 * assert.equal(counterIndex(3, "padded") * 4, 3 * 64); // byte offset
 * ```
 */
export function counterIndex(worker: number, layout: Layout): number {
  if (!Number.isInteger(worker) || worker < 0) {
    throw new RangeError(`counterIndex: worker must be an integer >= 0, got ${worker}`);
  }
  // TODO(part 5): padded counters one cache line (CELLS_PER_LINE cells) apart.
  return worker;
}

/**
 * The bytes a `SharedArrayBuffer` needs to hold `workers` counters in
 * `layout`: when padded, a whole number of cache lines.
 * @throws {RangeError} when `workers` is not an integer >= 1.
 *
 * @example
 * ```ts
 * import { counterBytes } from "./false_sharing.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(counterBytes(4, "adjacent"), 16);
 * assert.equal(counterBytes(4, "padded"), 256);
 * ```
 */
export function counterBytes(workers: number, layout: Layout): number {
  if (!Number.isInteger(workers) || workers < 1) {
    throw new RangeError(`counterBytes: workers must be an integer >= 1, got ${workers}`);
  }
  // TODO(part 5): room for the padded layout too: a whole cache line per counter.
  return workers * Int32Array.BYTES_PER_ELEMENT;
}
