/**
 * Go's `sync.RWMutex`: many readers or one writer, with writer preference.
 *
 * @module
 */
import type { Locker } from "./cond.ts";
import { acquiredAtOnce, LockWaiter, WaiterDeque } from "./mutex.ts";
import { fatal, park } from "./runtime.ts";
import { interleave, mustInterleave, seeded } from "./schedule.ts";

/**
 * A reader/writer mutual exclusion lock, Go's `sync.RWMutex`: any number of
 * readers (`rLock`/`rUnlock`) or a single writer (`lock`/`unlock`).
 *
 * Writers are preferred, as in Go: once a writer is waiting, new `rLock()`
 * calls block until that writer has had the lock, so a steady stream of
 * readers cannot starve it. When the writer unlocks, every reader that queued
 * meanwhile gets in before the next writer. Writers among themselves are
 * served in FIFO order.
 *
 * A consequence Go also has: a task must not `rLock()` again while it holds a
 * read lock. If a writer arrives in between, the inner `rLock()` waits for the
 * writer, which waits for the outer read lock: a deadlock.
 *
 * Blocked calls show in leak reports as `sync.RWMutex.rLock` or
 * `sync.RWMutex.lock`.
 *
 * @example
 * ```ts
 * import { sync } from "./mod.ts";
 * import assert from "node:assert/strict";
 *
 * const mu = new sync.RWMutex();
 * const prices = new Map<string, number>([["tea", 3]]);
 *
 * async function price(item: string): Promise<number | undefined> {
 *   await mu.rLock(); // readers share the lock
 *   try {
 *     return prices.get(item);
 *   } finally {
 *     mu.rUnlock();
 *   }
 * }
 *
 * async function setPrice(item: string, value: number): Promise<void> {
 *   await mu.lock(); // a writer has it alone
 *   try {
 *     prices.set(item, value);
 *   } finally {
 *     mu.unlock();
 *   }
 * }
 *
 * await Promise.all([price("tea"), setPrice("tea", 4), price("tea")]);
 * assert.equal(await price("tea"), 4);
 * ```
 */
export class RWMutex {
  /** Readers holding the lock now. */
  #readers = 0;
  #writerHolds = false;
  /** The writer that announced itself and waits for the current readers to leave. */
  #pendingWriter: LockWaiter | null = null;
  /** Readers that arrived while a writer was pending or holding: they get in when it unlocks. */
  #blockedReaders: LockWaiter[] = [];
  /** Writers queued behind the pending or holding writer. */
  readonly #queuedWriters = new WaiterDeque();

  /** A writer holds the lock or waits for readers to leave: new readers must wait. */
  get #writerAnnounced(): boolean {
    return this.#writerHolds || this.#pendingWriter !== null;
  }

  /** Locks for reading: waits while a writer holds the lock or is waiting for it. */
  rLock(): Promise<void> {
    if (seeded && mustInterleave()) return interleave(() => this.rLock());
    if (!this.#writerAnnounced) {
      this.#readers++;
      return acquiredAtOnce();
    }
    return new Promise<void>((resolve) => {
      const waiter = new LockWaiter("sync.RWMutex.rLock", resolve);
      this.#blockedReaders.push(waiter);
      park(waiter);
    });
  }

  /** Locks for reading if that needs no waiting, and says whether it did. */
  tryRLock(): boolean {
    if (this.#writerAnnounced) return false;
    this.#readers++;
    return true;
  }

  /**
   * Releases one read lock. The last reader out lets a waiting writer in.
   * @throws {FatalError} `sync: RUnlock of unlocked RWMutex` if no read lock
   * is held: Go's unrecoverable fatal error (see `Mutex.unlock`).
   */
  rUnlock(): void {
    if (this.#readers === 0) throw fatal("sync: RUnlock of unlocked RWMutex");
    this.#readers--;
    if (this.#readers === 0 && this.#pendingWriter !== null) {
      const writer = this.#pendingWriter;
      this.#pendingWriter = null;
      this.#writerHolds = true;
      writer.grant();
    }
  }

  /**
   * Locks for writing. From the moment this call waits, new readers queue
   * behind it; it gets the lock once the readers already inside have left.
   */
  lock(): Promise<void> {
    if (seeded && mustInterleave()) return interleave(() => this.lock());
    if (!this.#writerAnnounced && this.#readers === 0) {
      this.#writerHolds = true;
      return acquiredAtOnce();
    }
    return new Promise<void>((resolve) => {
      const waiter = new LockWaiter("sync.RWMutex.lock", resolve);
      if (this.#writerAnnounced) this.#queuedWriters.pushBack(waiter);
      else this.#pendingWriter = waiter;
      park(waiter);
    });
  }

  /** Locks for writing if nobody holds the lock in either mode, and says whether it did. */
  tryLock(): boolean {
    if (this.#writerAnnounced || this.#readers > 0) return false;
    this.#writerHolds = true;
    return true;
  }

  /**
   * Go's `RLocker`: a {@linkcode Locker} whose `lock` and `unlock` are this
   * mutex's `rLock` and `rUnlock`, for a {@linkcode Cond} whose waiters read.
   *
   * @example
   * ```ts
   * import { sync } from "./mod.ts";
   * import assert from "node:assert/strict";
   *
   * const mu = new sync.RWMutex();
   * const reader = mu.rLocker();
   * await reader.lock();
   * assert.equal(mu.tryLock(), false); // a reader holds it
   * reader.unlock();
   * assert.equal(mu.tryLock(), true);
   * ```
   */
  rLocker(): Locker {
    return { lock: () => this.rLock(), unlock: () => this.rUnlock() };
  }

  /**
   * Releases the write lock: every reader that queued while the writer was
   * waiting or holding gets in, then the next writer announces itself and
   * waits for those readers to leave.
   * @throws {FatalError} `sync: Unlock of unlocked RWMutex` if no write lock
   * is held: Go's unrecoverable fatal error (see `Mutex.unlock`).
   */
  unlock(): void {
    if (!this.#writerHolds) throw fatal("sync: Unlock of unlocked RWMutex");
    this.#writerHolds = false;
    const readers = this.#blockedReaders;
    this.#blockedReaders = [];
    this.#readers += readers.length;
    for (const reader of readers) reader.grant();
    const nextWriter = this.#queuedWriters.shift();
    if (nextWriter === null) return;
    if (this.#readers === 0) {
      this.#writerHolds = true;
      nextWriter.grant();
    } else {
      this.#pendingWriter = nextWriter;
    }
  }
}
