/**
 * Go's `sync.Cond`: a rendezvous point for tasks waiting for, or announcing,
 * a change to state guarded by a lock.
 *
 * @module
 */
import { park, Parked, unpark } from "./runtime.ts";

/**
 * What a {@linkcode Cond} needs from its lock, Go's `sync.Locker`: a
 * {@linkcode Mutex}, or an {@linkcode RWMutex} (its write side).
 */
export interface Locker {
  /** Acquires the lock (may wait). */
  lock(): Promise<void> | void;
  /** Releases the lock. */
  unlock(): void;
}

/** A `wait()` parked until a signal or broadcast. */
class CondWaiter extends Parked {
  next: CondWaiter | null = null;
  constructor(readonly wake: () => void) {
    super();
  }
  describe(): string {
    return "sync.Cond.wait";
  }
}

/**
 * A condition variable, Go's `sync.Cond`: tasks that hold `l` call
 * `await cond.wait()` to release it and sleep until another task calls
 * {@linkcode Cond.signal} (wakes the longest waiter) or
 * {@linkcode Cond.broadcast} (wakes them all); `wait` locks `l` again before
 * it resolves. As in Go, a woken waiter must re-check its condition in a
 * loop, since the state may have changed again before it got the lock back.
 *
 * A parked `wait()` shows in leak reports and the deadlock dump as
 * `sync.Cond.wait`.
 *
 * @example
 * ```ts
 * import { go, sync } from "./mod.ts";
 * import assert from "node:assert/strict";
 *
 * const mu = new sync.Mutex();
 * const ready = new sync.Cond(mu);
 * const queue: string[] = [];
 * go(async () => {
 *   await mu.lock();
 *   queue.push("job");
 *   ready.signal();
 *   mu.unlock();
 * });
 * await mu.lock();
 * while (queue.length === 0) await ready.wait();
 * assert.equal(queue.shift(), "job");
 * mu.unlock();
 * ```
 */
export class Cond {
  #head: CondWaiter | null = null;
  #tail: CondWaiter | null = null;

  /**
   * Makes a condition variable over `l`, which every caller of
   * {@linkcode Cond.wait} must hold.
   * @throws {TypeError} when `l` has no `lock` and `unlock` methods.
   */
  constructor(readonly l: Locker) {
    if (typeof l?.lock !== "function" || typeof l?.unlock !== "function") {
      throw new TypeError(
        "Cannot create Cond: it needs a Locker, an object with lock() and unlock()",
      );
    }
  }

  /**
   * Unlocks `l`, waits for a signal or broadcast, then locks `l` again. The
   * caller joins the queue before it unlocks, so a signal sent right after
   * the unlock is not missed (Go's notify list has the same guarantee).
   */
  wait(): Promise<void> {
    let waiter!: CondWaiter;
    const woken = new Promise<void>((resolve) => {
      waiter = new CondWaiter(resolve);
    });
    if (this.#tail === null) this.#head = waiter;
    else this.#tail.next = waiter;
    this.#tail = waiter;
    park(waiter);
    this.l.unlock();
    return woken.then(() => this.l.lock());
  }

  /** Wakes the task that has waited longest, if any. The caller need not hold `l`. */
  signal(): void {
    const waiter = this.#head;
    if (waiter === null) return;
    this.#head = waiter.next;
    if (this.#head === null) this.#tail = null;
    unpark(waiter);
    waiter.wake();
  }

  /** Wakes every waiting task. The caller need not hold `l`. */
  broadcast(): void {
    let waiter = this.#head;
    this.#head = this.#tail = null;
    while (waiter !== null) {
      unpark(waiter);
      waiter.wake();
      waiter = waiter.next;
    }
  }
}
