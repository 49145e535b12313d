// Mutant (racy): PairCounter.bump locks around each increment separately, so a reader can come between the two.
/**
 * Lab 02, part 3: a mutex for Workers, built from one shared `Int32Array`
 * cell, `Atomics.compareExchange` to take it and `Atomics.wait`/`notify` to
 * sleep until it is free; and a pair of counters whose invariant (they are
 * always equal) it protects. See the README, part 3.
 *
 * @module
 */
import { Panic } from "../primitives/mod.ts";

/** The cell's value while nobody holds the mutex. */
export const UNLOCKED = 0;
/** The cell's value while some thread holds the mutex. */
export const LOCKED = 1;

/**
 * A mutual-exclusion lock whose whole state is `cells[index]`, so that every
 * Worker given the same `SharedArrayBuffer` shares it. `lock()` blocks the
 * calling thread: call it in Workers (on the main thread only when you know
 * it is free).
 *
 * @example
 * ```ts
 * import { LOCKED, SharedMutex } from "./shared_mutex.ts";
 * import assert from "node:assert/strict";
 *
 * const cells = new Int32Array(new SharedArrayBuffer(4));
 * const mu = new SharedMutex(cells, 0);
 * mu.lock();
 * assert.equal(cells[0], LOCKED);
 * assert.equal(mu.tryLock(), false);
 * mu.unlock();
 * ```
 */
export class SharedMutex {
  readonly #cells: Int32Array;
  readonly #index: number;

  /** A mutex living in `cells[index]`, which must start as {@linkcode UNLOCKED}. */
  constructor(cells: Int32Array, index: number) {
    this.#cells = cells;
    this.#index = index;
  }

  /** Takes the mutex, sleeping (not spinning) while another thread holds it. */
  lock(): void {
    // Only the thread whose exchange sees UNLOCKED owns the mutex; a woken
    // sleeper has no claim on it and must compete again.
    while (Atomics.compareExchange(this.#cells, this.#index, UNLOCKED, LOCKED) !== UNLOCKED) {
      // Sleeps only if the cell still says LOCKED: an unlock between the
      // exchange and the wait makes wait return at once instead of missing it.
      Atomics.wait(this.#cells, this.#index, LOCKED);
    }
  }

  /** Takes the mutex if it is free, without waiting, and says whether it did. */
  tryLock(): boolean {
    return Atomics.compareExchange(this.#cells, this.#index, UNLOCKED, LOCKED) === UNLOCKED;
  }

  /**
   * Releases the mutex and wakes one sleeping thread, if any.
   * @throws {Panic} `sync: unlock of unlocked mutex` when it is not locked.
   */
  unlock(): void {
    if (Atomics.compareExchange(this.#cells, this.#index, LOCKED, UNLOCKED) !== LOCKED) {
      throw new Panic("sync: unlock of unlocked mutex");
    }
    Atomics.notify(this.#cells, this.#index, 1);
  }
}

/** How many `Int32Array` cells a {@linkcode PairCounter} uses: the lock, then `a` and `b`. */
export const PAIR_CELLS = 3;

/**
 * Two counters, `a` and `b`, in `cells[offset + 1]` and `cells[offset + 2]`,
 * that every Worker sees equal: each change and each read happens under the
 * mutex in `cells[offset]`.
 *
 * @example
 * ```ts
 * import { PairCounter } from "./shared_mutex.ts";
 * import assert from "node:assert/strict";
 *
 * const pair = new PairCounter(new Int32Array(new SharedArrayBuffer(12)));
 * pair.bump();
 * assert.deepEqual(pair.read(), [1, 1]);
 * ```
 */
export class PairCounter {
  readonly #cells: Int32Array;
  readonly #a: number;
  readonly #b: number;
  readonly #mu: SharedMutex;

  /** A pair living in `cells[offset]` to `cells[offset + 2]`, all starting at 0. */
  constructor(cells: Int32Array, offset = 0) {
    this.#cells = cells;
    this.#mu = new SharedMutex(cells, offset);
    this.#a = offset + 1;
    this.#b = offset + 2;
  }

  /** Adds 1 to `a` and to `b`, as one step no reader can come between. */
  bump(): void {
    this.#mu.lock();
    this.#cells[this.#a] += 1;
    this.#mu.unlock();
    this.#mu.lock();
    this.#cells[this.#b] += 1;
    this.#mu.unlock();
  }

  /** Reads `[a, b]` as one step: the two are always equal. */
  read(): [number, number] {
    this.#mu.lock();
    try {
      return [this.#cells[this.#a], this.#cells[this.#b]];
    } finally {
      this.#mu.unlock();
    }
  }
}
