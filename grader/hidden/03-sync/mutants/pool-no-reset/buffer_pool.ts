// Mutant: put() pools the buffer without running the reset hook, so the next request gets the previous one's bytes.
/**
 * Lab 03, part 3: a pool of request buffers.
 *
 * {@linkcode BufferPool} reuses {@linkcode ByteBuffer}s through a
 * `sync.Pool`: every buffer is reset by a hook before it goes back, and a
 * buffer that grew past the cap is dropped instead of being kept alive.
 * `buffer_pool_bench.ts` measures what that saves.
 *
 * @module
 */
import { sync } from "../primitives/mod.ts";

const encoder = new TextEncoder();

/**
 * A growable byte buffer, Go's `bytes.Buffer` reduced to writing: it doubles
 * its capacity when a write does not fit. (Given: the thing being pooled.)
 *
 * @example
 * ```ts
 * import { ByteBuffer } from "./buffer_pool.ts";
 * import assert from "node:assert/strict";
 *
 * const buffer = new ByteBuffer(4);
 * buffer.writeString("hello");
 * assert.equal(buffer.length, 5);
 * assert.equal(buffer.capacity, 8);
 * buffer.reset();
 * assert.equal(buffer.length, 0);
 * ```
 */
export class ByteBuffer {
  #bytes: Uint8Array;
  #length = 0;

  /** A buffer with room for `capacity` bytes (an integer >= 1). */
  constructor(capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) {
      throw new RangeError(`ByteBuffer: capacity must be an integer >= 1, received ${capacity}`);
    }
    this.#bytes = new Uint8Array(capacity);
  }

  /** How many bytes have been written since the last reset. */
  get length(): number {
    return this.#length;
  }

  /** How many bytes fit before the buffer must grow. */
  get capacity(): number {
    return this.#bytes.length;
  }

  /** Appends `chunk`, growing the buffer if needed. */
  write(chunk: Uint8Array): void {
    this.#reserve(chunk.length);
    this.#bytes.set(chunk, this.#length);
    this.#length += chunk.length;
  }

  /** Appends `text` as UTF-8. */
  writeString(text: string): void {
    this.#reserve(text.length * 3); // the most UTF-8 bytes a string of this length can need
    this.#length += encoder.encodeInto(text, this.#bytes.subarray(this.#length)).written;
  }

  /** The bytes written so far: a view, valid until the next write or reset. */
  bytes(): Uint8Array {
    return this.#bytes.subarray(0, this.#length);
  }

  /** Forgets what was written and keeps the memory: the length becomes 0. */
  reset(): void {
    this.#length = 0;
  }

  #reserve(more: number): void {
    const needed = this.#length + more;
    if (needed <= this.#bytes.length) return;
    let capacity = this.#bytes.length * 2;
    while (capacity < needed) capacity *= 2;
    const grown = new Uint8Array(capacity);
    grown.set(this.bytes());
    this.#bytes = grown;
  }
}

/**
 * How a {@linkcode BufferPool} makes, cleans and keeps buffers.
 *
 * @example
 * ```ts
 * import type { BufferPoolOptions } from "./buffer_pool.ts";
 *
 * const options: BufferPoolOptions = {
 *   initialCapacity: 4096,
 *   maxCapacity: 64 * 1024,
 *   reset: (buffer) => {
 *     buffer.bytes().fill(0); // this pool holds secrets: wipe them
 *     buffer.reset();
 *   },
 * };
 * ```
 */
export interface BufferPoolOptions {
  /** The capacity of each new buffer: an integer >= 1. */
  initialCapacity: number;
  /** The largest capacity `put()` keeps: an integer >= initialCapacity. */
  maxCapacity: number;
  /** Cleans a buffer before it goes back into the pool; by default `buffer.reset()`. */
  reset?: (buffer: ByteBuffer) => void;
}

/**
 * What a {@linkcode BufferPool} has done so far.
 *
 * @example
 * ```ts
 * import type { PoolStats } from "./buffer_pool.ts";
 *
 * const afterTenSequentialRequests: PoolStats = { created: 1, reused: 9, dropped: 0 };
 * ```
 */
export interface PoolStats {
  /** Buffers allocated because the pool had none to give. */
  created: number;
  /** `get()` calls answered with a pooled buffer. */
  reused: number;
  /** Buffers `put()` refused because they had grown past `maxCapacity`. */
  dropped: number;
}

/**
 * A pool of request buffers on top of `sync.Pool`. `get()` returns a pooled
 * buffer, clean, or a new one; `put(buffer)` cleans it with the reset hook
 * and keeps it, unless it grew past `maxCapacity` (then it is dropped, so one
 * huge response cannot keep its memory alive in the pool). Like any
 * `sync.Pool`, it may lose its buffers at a garbage collection.
 *
 * @example
 * ```ts
 * import { BufferPool } from "./buffer_pool.ts";
 * import assert from "node:assert/strict";
 *
 * const pool = new BufferPool({ initialCapacity: 1024, maxCapacity: 8192 });
 * const buffer = pool.get();
 * buffer.writeString("HTTP/1.1 200 OK\r\n");
 * pool.put(buffer);
 * assert.equal(pool.get(), buffer); // the same buffer, reset
 * assert.equal(buffer.length, 0);
 * ```
 */
export class BufferPool {
  readonly #pool: sync.Pool<ByteBuffer>;
  readonly #maxCapacity: number;
  readonly #reset: (buffer: ByteBuffer) => void;
  /** Buffers in the pool now, so that a second put() of one is caught. */
  readonly #pooled = new WeakSet<ByteBuffer>();
  readonly #stats: PoolStats = { created: 0, reused: 0, dropped: 0 };

  /**
   * @throws {RangeError} naming the option, when `initialCapacity` is not an
   *   integer >= 1 or `maxCapacity` not an integer >= initialCapacity.
   */
  constructor(options: BufferPoolOptions) {
    const { initialCapacity, maxCapacity } = options;
    if (!Number.isSafeInteger(initialCapacity) || initialCapacity < 1) {
      throw new RangeError(
        `BufferPool: initialCapacity must be an integer >= 1, received ${initialCapacity}`,
      );
    }
    if (!Number.isSafeInteger(maxCapacity) || maxCapacity < initialCapacity) {
      throw new RangeError(
        `BufferPool: maxCapacity must be an integer >= initialCapacity (${initialCapacity}), received ${maxCapacity}`,
      );
    }
    this.#maxCapacity = maxCapacity;
    this.#reset = options.reset ?? ((buffer) => buffer.reset());
    this.#pool = new sync.Pool(() => {
      this.#stats.created++;
      return new ByteBuffer(initialCapacity);
    });
  }

  /** A copy of the counters. */
  get stats(): PoolStats {
    return { ...this.#stats };
  }

  /** A clean buffer: a pooled one if there is any, else a new one. */
  get(): ByteBuffer {
    const created = this.#stats.created;
    const buffer = this.#pool.get();
    if (this.#stats.created === created) this.#stats.reused++;
    this.#pooled.delete(buffer);
    return buffer;
  }

  /**
   * Gives `buffer` back: cleans it with the reset hook and keeps it, or drops
   * it (without calling the hook) when its capacity exceeds `maxCapacity`.
   * Returns whether it was kept. The caller must not touch it afterwards.
   *
   * @throws {Error} when `buffer` is already in the pool: two later `get()`s
   *   would hand the same buffer to two requests.
   */
  put(buffer: ByteBuffer): boolean {
    if (this.#pooled.has(buffer)) {
      throw new Error("BufferPool.put: this buffer is already in the pool (put twice?)");
    }
    if (buffer.capacity > this.#maxCapacity) {
      this.#stats.dropped++;
      return false;
    }
    this.#pooled.add(buffer);
    this.#pool.put(buffer);
    return true;
  }
}

/**
 * Runs `fn` with a buffer from `pool` and gives the buffer back when `fn`
 * has finished, whether it resolved or threw; resolves or rejects like `fn`.
 *
 * @example
 * ```ts
 * import { BufferPool, withBuffer } from "./buffer_pool.ts";
 * import assert from "node:assert/strict";
 *
 * const pool = new BufferPool({ initialCapacity: 64, maxCapacity: 1024 });
 * const length = await withBuffer(pool, (buffer) => {
 *   buffer.writeString("pong");
 *   return buffer.length;
 * });
 * assert.equal(length, 4);
 * ```
 */
export async function withBuffer<T>(
  pool: BufferPool,
  fn: (buffer: ByteBuffer) => T | Promise<T>,
): Promise<T> {
  const buffer = pool.get();
  try {
    return await fn(buffer);
  } finally {
    pool.put(buffer);
  }
}
