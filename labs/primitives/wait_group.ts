/**
 * Go's `sync.WaitGroup`: wait for a collection of tasks to finish.
 *
 * @module
 */
import { Panic } from "./panic.ts";
import { go, park, Parked, unpark } from "./runtime.ts";
import { interleave, mustInterleave, seeded } from "./schedule.ts";

const RESOLVED: Promise<void> = Promise.resolve();

/** One `wait()` call that is blocked until the counter reaches zero. */
class WaitGroupWaiter extends Parked {
  constructor(readonly release: () => void) {
    super();
  }
  describe(): string {
    return "sync.WaitGroup.wait";
  }
}

/**
 * A counter of outstanding tasks, Go's `sync.WaitGroup`. `add(n)` before
 * starting work, `done()` when a piece of work ends, and `await wait()` to
 * block until the counter is back at zero. Every caller of `wait()` is
 * released at the same moment, and the group can be reused afterwards.
 *
 * `go(fn)` (Go 1.25's `WaitGroup.Go`) does the bookkeeping for you: it adds
 * one, starts `fn` as a task, and marks it done when `fn` ends.
 *
 * @example
 * ```ts
 * import { sync } from "./mod.ts";
 * import assert from "node:assert/strict";
 *
 * const wg = new sync.WaitGroup();
 * const fetched: string[] = [];
 * for (const url of ["/a", "/b", "/c"]) {
 *   wg.go(async () => {
 *     await Promise.resolve(); // stands in for real I/O
 *     fetched.push(url);
 *   });
 * }
 * await wg.wait();
 * assert.deepEqual(fetched.sort(), ["/a", "/b", "/c"]);
 * ```
 */
export class WaitGroup {
  #counter = 0;
  #waiters: WaitGroupWaiter[] = [];

  /**
   * Adds `delta` (which may be negative) to the counter. When the counter
   * reaches zero, every blocked `wait()` resolves.
   *
   * As in Go, call `add` before starting the task it counts, not inside it:
   * otherwise `wait()` may see a zero counter and return too early.
   *
   * @throws {Panic} `sync: negative WaitGroup counter` if the counter would drop below zero
   *   (the counter is left unchanged).
   * @throws {RangeError} if `delta` is not an integer.
   */
  add(delta = 1): void {
    if (!Number.isSafeInteger(delta)) {
      throw new RangeError(
        `Cannot add to WaitGroup: delta must be an integer, received ${String(delta)}`,
      );
    }
    const next = this.#counter + delta;
    if (next < 0) throw new Panic("sync: negative WaitGroup counter");
    this.#counter = next;
    if (next === 0 && this.#waiters.length > 0) {
      // Swap in a fresh list first, so the group is ready for its next round
      // (add, then wait) whatever the released callers do next.
      const released = this.#waiters;
      this.#waiters = [];
      for (const waiter of released) {
        unpark(waiter);
        waiter.release();
      }
    }
  }

  /**
   * Decrements the counter by one: `add(-1)`.
   * @throws {Panic} `sync: negative WaitGroup counter` when called more often than `add`.
   */
  done(): void {
    this.add(-1);
  }

  /**
   * Resolves once the counter is zero: at once if it already is, otherwise
   * when the last `done()` brings it there. While blocked, the call shows in
   * leak reports and the goroutine dump as `sync.WaitGroup.wait`.
   */
  wait(): Promise<void> {
    if (seeded && mustInterleave()) return interleave(() => this.wait());
    if (this.#counter === 0) return RESOLVED;
    return new Promise<void>((resolve) => {
      const waiter = new WaitGroupWaiter(resolve);
      this.#waiters.push(waiter);
      park(waiter);
    });
  }

  /**
   * Go 1.25's `WaitGroup.Go`: adds one to the counter, runs `fn` as a new
   * {@linkcode go} task, and calls `done()` when `fn` returns or its promise
   * settles, even if it throws. A throw is not swallowed: it still crashes the
   * program as an unrecovered goroutine panic does, so recover inside `fn` if
   * failure is expected (or use `errgroup`, which collects errors).
   *
   * @throws {TypeError} if `fn` is not a function.
   */
  go(fn: () => unknown): void {
    if (typeof fn !== "function") {
      throw new TypeError(
        `Cannot start task: WaitGroup.go() needs a function, received ${typeof fn}`,
      );
    }
    this.add(1);
    go(() => this.runCounted(fn));
  }

  /**
   * @internal Runs `fn`, then calls `done()` however it ends; the returned
   * promise rejects with `fn`'s error, which `go()` turns into a crash.
   */
  async runCounted(fn: () => unknown): Promise<void> {
    try {
      await fn();
    } finally {
      this.done();
    }
  }
}
