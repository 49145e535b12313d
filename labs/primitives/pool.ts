/**
 * Go's `sync.Pool`: a cache of reusable objects that the garbage collector is
 * free to empty.
 *
 * @module
 */

/**
 * Each pool is watched by a sentinel: an object nothing refers to, registered
 * here. When the garbage collector reclaims it, a collection has happened, so
 * the pool ages its items (as Go's `poolCleanup` runs at each GC) and a fresh
 * sentinel is armed for the next collection. The registry holds the pool only
 * weakly, so an unused pool is collected with everything in it.
 */
const collections = new FinalizationRegistry<WeakRef<Pool<unknown>>>((poolRef) => {
  const pool = poolRef.deref();
  if (pool === undefined) return;
  pool.gcCycle();
  armSentinel(poolRef);
});

function armSentinel(poolRef: WeakRef<Pool<unknown>>): void {
  collections.register({}, poolRef);
}

/**
 * A set of temporary objects to reuse instead of allocating, Go's
 * `sync.Pool`: `get()` hands out a pooled object, or a new one from the
 * constructor's function; `put(x)` gives one back.
 *
 * Anything in the pool may vanish at any time without notice, so a pool is a
 * cache, never storage: reset objects before (or after) reuse, and never
 * rely on getting back what you put. Go's rule for when items vanish is
 * followed: at every garbage collection the pool's items move to a victim
 * cache, and whatever was in the victim cache is dropped. An item therefore
 * survives one collection (so a burst of work after a GC still finds warm
 * objects) and is gone after two. `get()` looks in the main cache first,
 * then in the victim cache. `put(null)` and `put(undefined)` are ignored, as
 * Go ignores `Put(nil)`.
 *
 * A pool pays off for objects that are expensive to allocate and used
 * briefly, such as large buffers; for small objects the engine's allocator
 * is usually faster than the bookkeeping.
 *
 * Without a `newFn`, an empty pool's `get()` returns `undefined`, so the
 * type must say so: `new Pool<Uint8Array | undefined>()`.
 *
 * @example
 * ```ts
 * import { sync } from "./mod.ts";
 * import assert from "node:assert/strict";
 *
 * const buffers = new sync.Pool(() => new Uint8Array(64 * 1024));
 *
 * function checksum(data: string): number {
 *   const buffer = buffers.get(); // reuses a buffer when one is pooled
 *   try {
 *     const { written } = new TextEncoder().encodeInto(data, buffer);
 *     let sum = 0;
 *     for (let i = 0; i < written; i++) sum = (sum + buffer[i]) % 65521;
 *     return sum;
 *   } finally {
 *     buffers.put(buffer); // give it back for the next call
 *   }
 * }
 *
 * assert.equal(checksum("abc"), 97 + 98 + 99);
 * assert.equal(checksum("abc"), 294);
 * ```
 */
export class Pool<T> {
  readonly #newFn: (() => T) | undefined;
  /** Items put since the last collection; taken from the end (LIFO), the warmest first. */
  #primary: T[] = [];
  /** Items that were in the pool at the last collection; dropped at the next one. */
  #victim: T[] = [];

  /** Makes a pool whose `get()` calls `newFn` when it has nothing pooled. */
  constructor(newFn: () => T);
  /**
   * Makes a pool without a function for new items: an empty pool's `get()`
   * returns `undefined`, so `T` must include `undefined`.
   */
  constructor(...noNewFn: undefined extends T ? [] : never);
  constructor(newFn?: () => T) {
    if (newFn !== undefined && typeof newFn !== "function") {
      throw new TypeError(
        `Cannot create Pool: newFn must be a function or omitted, received ${typeof newFn}`,
      );
    }
    this.#newFn = newFn;
    armSentinel(new WeakRef(this as Pool<unknown>));
  }

  /**
   * Takes an item out of the pool, or, when it is empty, returns `newFn()`
   * (or `undefined` without a `newFn`). The caller must not assume anything
   * about which pooled item it gets.
   */
  get(): T {
    if (this.#primary.length > 0) return this.#primary.pop()!;
    if (this.#victim.length > 0) return this.#victim.pop()!;
    return (this.#newFn === undefined ? undefined : this.#newFn()) as T;
  }

  /** Adds `item` to the pool for reuse; `null` and `undefined` are ignored. */
  put(item: T): void {
    if (item === null || item === undefined) return;
    this.#primary.push(item);
  }

  /**
   * @internal What a garbage collection does to the pool: the victim cache is
   * dropped and the main cache becomes the victim cache. Called by the
   * collection sentinel; tests call it to simulate a collection.
   */
  gcCycle(): void {
    this.#victim = this.#primary;
    this.#primary = [];
  }
}
