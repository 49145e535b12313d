// Mutant: FairMutex.unlock() hands the mutex to the newest waiter (pop) instead of the longest one (shift).
/**
 * Lab 03, part 2: starvation, and the handoff mutex that ends it.
 *
 * {@linkcode contend} runs the course's experiment: one task relocks a mutex
 * in a loop, another asks for it now and then. With the
 * {@linkcode BargingMutex} the polite task is starved; with the
 * {@linkcode FairMutex}, which hands the lock to the longest waiter, it is
 * served within one critical section.
 *
 * @module
 */
import { Panic, sync, time } from "../primitives/mod.ts";

/**
 * What {@linkcode contend} needs of a mutex.
 *
 * @example
 * ```ts
 * import { FairMutex, type Locker } from "./fair_mutex.ts";
 *
 * const mu: Locker = new FairMutex();
 * await mu.lock();
 * mu.unlock();
 * ```
 */
export interface Locker {
  lock(): Promise<void>;
  unlock(): void;
}

/**
 * A mutex that lets newcomers barge past woken waiters: correct (never two
 * holders), but unfair. `unlock()` frees the mutex and wakes the first
 * waiter, which must then compete for it; a task that unlocks and calls
 * `lock()` again at once is still running, and wins. (Given: the baseline.)
 *
 * @example
 * ```ts
 * import { BargingMutex } from "./fair_mutex.ts";
 *
 * const mu = new BargingMutex();
 * await mu.lock();
 * mu.unlock();
 * ```
 */
export class BargingMutex implements Locker {
  #locked = false;
  readonly #waiters: Array<() => void> = [];

  /** Waits until the mutex looks free when this call runs, then takes it. */
  async lock(): Promise<void> {
    while (this.#locked) {
      await new Promise<void>((wake) => this.#waiters.push(wake));
    }
    this.#locked = true;
  }

  /**
   * Frees the mutex and wakes one waiter to compete for it.
   * @throws {Panic} `sync: unlock of unlocked mutex` if it is not locked.
   */
  unlock(): void {
    if (!this.#locked) throw new Panic("sync: unlock of unlocked mutex");
    this.#locked = false;
    this.#waiters.shift()?.();
  }
}

/**
 * A handoff mutex: `unlock()` with tasks waiting does not free the mutex but
 * makes the longest waiter its owner, so waiters get it strictly in the
 * order they asked, and no newcomer, not even the unlocker relocking at once,
 * can overtake them.
 *
 * @example
 * ```ts
 * import { FairMutex } from "./fair_mutex.ts";
 * import assert from "node:assert/strict";
 *
 * const mu = new FairMutex();
 * await mu.lock();
 * const order: string[] = [];
 * const waiter = mu.lock().then(() => order.push("waiter"));
 * mu.unlock(); // handed to the waiter: the mutex stays locked
 * assert.equal(mu.tryLock(), false);
 * await waiter;
 * mu.unlock();
 * assert.deepEqual(order, ["waiter"]);
 * ```
 */
export class FairMutex implements Locker {
  #locked = false;
  /** The waiters' resolve functions, longest waiter first. */
  readonly #waiters: Array<() => void> = [];

  /** How many `lock()` calls are waiting. */
  get waiting(): number {
    return this.#waiters.length;
  }

  /** Takes the mutex, waiting behind every earlier `lock()` that is still waiting. */
  lock(): Promise<void> {
    if (!this.#locked) {
      this.#locked = true;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => this.#waiters.push(resolve));
  }

  /** Takes the mutex only if it is free now, and says whether it did. */
  tryLock(): boolean {
    if (this.#locked) return false;
    this.#locked = true;
    return true;
  }

  /**
   * Releases the mutex: to the longest waiter if there is one (the mutex
   * stays locked, with a new owner), else it becomes free.
   * @throws {Panic} `sync: unlock of unlocked mutex` if it is not locked.
   */
  unlock(): void {
    if (!this.#locked) throw new Panic("sync: unlock of unlocked mutex");
    const heir = this.#waiters.pop();
    if (heir === undefined) {
      this.#locked = false;
      return;
    }
    heir(); // #locked stays true: ownership moves, nobody can slip in between
  }
}

/**
 * How {@linkcode contend} runs its experiment, in milliseconds.
 *
 * @example
 * ```ts
 * import type { ContentionOptions } from "./fair_mutex.ts";
 *
 * const options: ContentionOptions = { runMs: 1000, holdMs: 10, politeEveryMs: 100 };
 * ```
 */
export interface ContentionOptions {
  /** How long the experiment runs. */
  runMs: number;
  /** How long the greedy task holds the mutex each time. */
  holdMs: number;
  /** How long the polite task waits between its requests. */
  politeEveryMs: number;
}

/**
 * What {@linkcode contend} observed.
 *
 * @example
 * ```ts
 * import type { ContentionReport } from "./fair_mutex.ts";
 *
 * const starved: ContentionReport = { greedy: 100, polite: 1, longestPoliteWaitMs: 900 };
 * ```
 */
export interface ContentionReport {
  /** How many times the greedy task took the mutex. */
  greedy: number;
  /** How many times the polite task took the mutex. */
  polite: number;
  /** The longest time between a polite `lock()` call and getting the mutex. */
  longestPoliteWaitMs: number;
}

/**
 * The starvation experiment. A greedy task, while `runMs` has not passed,
 * takes `mu`, holds it for `holdMs` and releases it, straight back to
 * `lock()`. A polite task repeatedly sleeps `politeEveryMs` and then, if
 * `runMs` has not passed, takes `mu`, counts, and releases it at once.
 * Resolves when both tasks have ended.
 *
 * @example
 * ```ts
 * import { contend, FairMutex } from "./fair_mutex.ts";
 * import assert from "node:assert/strict";
 *
 * const report = await contend(new FairMutex(), { runMs: 30, holdMs: 2, politeEveryMs: 10 });
 * assert.ok(report.polite >= 1);
 * ```
 */
export async function contend(mu: Locker, options: ContentionOptions): Promise<ContentionReport> {
  const { runMs, holdMs, politeEveryMs } = options;
  const end = Date.now() + runMs;
  const report: ContentionReport = { greedy: 0, polite: 0, longestPoliteWaitMs: 0 };
  const wg = new sync.WaitGroup();
  wg.go(async () => {
    while (Date.now() < end) {
      await mu.lock();
      try {
        report.greedy++;
        await time.sleep(holdMs); // a long critical section…
      } finally {
        mu.unlock(); // …and straight back to lock()
      }
    }
  });
  wg.go(async () => {
    while (true) {
      await time.sleep(politeEveryMs);
      if (Date.now() >= end) return;
      const askedAt = Date.now();
      await mu.lock();
      report.longestPoliteWaitMs = Math.max(report.longestPoliteWaitMs, Date.now() - askedAt);
      report.polite++;
      mu.unlock();
    }
  });
  await wg.wait();
  return report;
}
