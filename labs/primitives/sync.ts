/**
 * Go's `sync` package (and `sync/atomic`'s `Value`), for tasks started with
 * `go()`: {@linkcode WaitGroup}, {@linkcode Mutex}, {@linkcode RWMutex},
 * {@linkcode Cond}, {@linkcode Once} with {@linkcode onceFunc},
 * {@linkcode onceValue} and {@linkcode onceValues},
 * {@linkcode Pool} and {@linkcode AtomicValue}.
 *
 * JavaScript runs one task's synchronous code at a time, so these locks guard
 * what Go's guard across blocking points: here, the `await`s inside a
 * critical section. A section without an `await` needs no lock at all.
 *
 * `mod.ts` exports this module as the `sync` namespace.
 *
 * @example
 * ```ts
 * import { sync } from "./mod.ts";
 * import assert from "node:assert/strict";
 *
 * const mu = new sync.Mutex();
 * const wg = new sync.WaitGroup();
 * const hits = new Map<string, number>();
 * for (const page of ["/", "/about", "/"]) {
 *   wg.go(async () => {
 *     await mu.lock();
 *     try {
 *       const count = hits.get(page) ?? 0;
 *       await Promise.resolve(); // a blocking point inside the critical section
 *       hits.set(page, count + 1);
 *     } finally {
 *       mu.unlock();
 *     }
 *   });
 * }
 * await wg.wait();
 * assert.equal(hits.get("/"), 2);
 * ```
 *
 * @module
 */
export { WaitGroup } from "./wait_group.ts";
export { Mutex } from "./mutex.ts";
export { RWMutex } from "./rw_mutex.ts";
export { Cond, type Locker } from "./cond.ts";
export { Once, onceFunc, onceValue, onceValues } from "./once.ts";
export { Pool } from "./pool.ts";
export { AtomicValue } from "./atomic_value.ts";
