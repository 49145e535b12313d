/**
 * Go's `sync.Mutex`, with its two modes: normal (fast, lets new lockers barge
 * in) and starvation (hands the lock straight to the longest waiter).
 *
 * @module
 */
import { completedVoid, fatal, park, Parked, unpark } from "./runtime.ts";
import { interleave, mustInterleave, seeded } from "./schedule.ts";

/**
 * How long a waiter may wait before the mutex switches to starvation mode:
 * Go's `starvationThresholdNs`, 1 ms.
 */
const starvationThresholdMs = 1;

const RESOLVED: Promise<void> = Promise.resolve();

/**
 * The clock for wait times. `performance` is looked up on every call (not
 * captured at load) so that fake timers installed by a test drive it.
 */
function now(): number {
  return performance.now();
}

/**
 * @internal The promise a lock call returns when it got the lock at once. Every so often
 * the caller resumes on a macrotask instead, so that a task locking and
 * unlocking in a loop cannot starve timers and I/O.
 */
export function acquiredAtOnce(): Promise<void> {
  return completedVoid();
}

/** @internal A parked lock call, linked into a {@linkcode WaiterDeque}. */
export class LockWaiter extends Parked {
  /** @internal */
  prev: LockWaiter | null = null;
  /** @internal */
  next: LockWaiter | null = null;
  /** When the call started to wait, in `performance.now()` milliseconds. */
  readonly waitStart: number = now();
  constructor(readonly operation: string, readonly resolve: () => void) {
    super();
  }
  describe(): string {
    return this.operation;
  }
  /** The waiter now holds the lock: it stops being parked and its caller resumes. */
  grant(): void {
    unpark(this);
    this.resolve();
  }
}

/**
 * @internal A double-ended queue of lock waiters: new waiters join the back,
 * and a woken waiter that lost the race goes back to the front.
 */
export class WaiterDeque {
  #head: LockWaiter | null = null;
  #tail: LockWaiter | null = null;
  #size = 0;
  get size(): number {
    return this.#size;
  }
  pushBack(waiter: LockWaiter): void {
    waiter.prev = this.#tail;
    waiter.next = null;
    if (this.#tail !== null) this.#tail.next = waiter;
    else this.#head = waiter;
    this.#tail = waiter;
    this.#size++;
  }
  pushFront(waiter: LockWaiter): void {
    waiter.prev = null;
    waiter.next = this.#head;
    if (this.#head !== null) this.#head.prev = waiter;
    else this.#tail = waiter;
    this.#head = waiter;
    this.#size++;
  }
  shift(): LockWaiter | null {
    const waiter = this.#head;
    if (waiter === null) return null;
    this.#head = waiter.next;
    if (this.#head !== null) this.#head.prev = null;
    else this.#tail = null;
    waiter.next = waiter.prev = null;
    this.#size--;
    return waiter;
  }
}

/**
 * A mutual exclusion lock, Go's `sync.Mutex`. `await lock()` blocks until the
 * mutex is free, `unlock()` releases it (any task may unlock, as in Go), and
 * `tryLock()` takes it only if that needs no waiting.
 *
 * Like Go's, it has two modes:
 *
 * - **Normal mode.** Waiters queue in FIFO order, but `unlock()` only wakes
 *   the first one: it does not hand the lock over. A task that calls `lock()`
 *   before the woken waiter runs (typically the unlocker itself, relocking in
 *   a loop) takes the mutex, and the woken waiter goes back to the front of
 *   the queue. This keeps throughput high, since the lock rarely sits idle.
 * - **Starvation mode.** Once a waiter has waited longer than 1 ms, the mutex
 *   stops letting newcomers barge: `unlock()` hands ownership straight to the
 *   first waiter, and new `lock()` calls queue at the back even when the
 *   mutex looks free. It returns to normal mode when the waiter that gets the
 *   lock is the last one, or waited no longer than 1 ms.
 *
 * A blocked `lock()` shows in leak reports and the goroutine dump as
 * `sync.Mutex.lock`.
 *
 * @example
 * ```ts
 * import { go, sync } from "./mod.ts";
 * import assert from "node:assert/strict";
 *
 * const mu = new sync.Mutex();
 * const wg = new sync.WaitGroup();
 * let balance = 0;
 * for (let i = 0; i < 10; i++) {
 *   wg.go(async () => {
 *     await mu.lock();
 *     try {
 *       const read = balance;
 *       await Promise.resolve(); // another task could run here, but not in this section
 *       balance = read + 10;
 *     } finally {
 *       mu.unlock();
 *     }
 *   });
 * }
 * await wg.wait();
 * assert.equal(balance, 100);
 * ```
 */
export class Mutex {
  #locked = false;
  #starving = false;
  /** A waiter woken by `unlock()` in normal mode has not run yet: don't wake another. */
  #wokenPending = false;
  readonly #waiters = new WaiterDeque();
  /**
   * @internal When `false`, the mutex never enters starvation mode: Go's
   * mutex before 1.9. Only for tests that show what starvation mode prevents.
   */
  starvationModeEnabled = true;

  /** @internal Whether the mutex is in starvation mode now. */
  get starving(): boolean {
    return this.#starving;
  }

  /** @internal How many lock calls are queued (not counting a woken waiter that has not run yet). */
  get waiting(): number {
    return this.#waiters.size;
  }

  /**
   * Locks the mutex, waiting until it is free. In starvation mode a new
   * caller always queues behind the existing waiters.
   */
  lock(): Promise<void> {
    if (seeded && mustInterleave()) return interleave(() => this.lock());
    if (!this.#locked && !this.#starving) {
      this.#locked = true;
      return acquiredAtOnce();
    }
    return new Promise<void>((resolve) => {
      const waiter = new LockWaiter("sync.Mutex.lock", resolve);
      this.#waiters.pushBack(waiter);
      park(waiter);
    });
  }

  /**
   * Locks the mutex if it is free and nobody is owed it, and says whether it
   * did. Like Go's `TryLock`, rarely the right tool: needing it often points
   * at a design problem.
   */
  tryLock(): boolean {
    if (this.#locked || this.#starving) return false;
    this.#locked = true;
    return true;
  }

  /**
   * Unlocks the mutex. In normal mode the first waiter is woken to compete
   * for it; in starvation mode it becomes the owner directly.
   * @throws {FatalError} `sync: unlock of unlocked mutex` if the mutex is not
   * locked: Go's unrecoverable fatal error, which ends the process on the
   * next macrotask even if the caller catches it.
   */
  unlock(): void {
    if (!this.#locked) throw fatal("sync: unlock of unlocked mutex");
    if (this.#starving) {
      // Hand-off: the mutex stays locked and its owner changes, so a caller
      // of lock() or tryLock() arriving now cannot take it.
      const heir = this.#waiters.shift()!;
      const waited = now() - heir.waitStart;
      if (this.#waiters.size === 0 || waited <= starvationThresholdMs) this.#starving = false;
      heir.grant();
      return;
    }
    this.#locked = false;
    if (this.#wokenPending) return;
    const woken = this.#waiters.shift();
    if (woken === null) return;
    this.#wokenPending = true;
    // The woken waiter competes when it gets to run, after the unlocker's
    // synchronous code: a lock() called right after unlock() wins, as a
    // running goroutine beats one that still has to be scheduled in Go.
    RESOLVED.then(() => this.#compete(woken));
  }

  /** A waiter woken in normal mode tries to take the mutex. */
  #compete(woken: LockWaiter): void {
    this.#wokenPending = false;
    if (!this.#locked) {
      this.#locked = true;
      woken.grant();
      return;
    }
    // It lost to a barging locker. Having waited longer than the threshold,
    // it switches the mutex to starvation mode, so the next unlock() hands
    // the lock to it; either way it keeps its place at the front.
    if (this.starvationModeEnabled && now() - woken.waitStart > starvationThresholdMs) {
      this.#starving = true;
    }
    this.#waiters.pushFront(woken);
  }
}
