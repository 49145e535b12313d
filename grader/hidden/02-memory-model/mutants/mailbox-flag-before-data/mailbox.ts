// Mutant (racy): post claims the slot by storing FULL first and writes the message after it, so a receiver can see FULL before the values.
/**
 * Lab 02, part 4: publication. A one-slot mailbox in shared memory: the
 * sender writes a message with plain writes, then publishes it by storing a
 * flag with `Atomics.store`; a receiver that loads the flag with
 * `Atomics.load` and sees it set is guaranteed to see the whole message. See
 * the README, part 4.
 *
 * @module
 */

/** The state cell's value while the slot holds no message. */
export const EMPTY = 0;
/** The state cell's value while the slot holds a published message. */
export const FULL = 1;
/** Cells before the payload: the state, then the message's length. */
const HEADER_CELLS = 2;
const STATE = 0;
const LENGTH = 1;

/**
 * A one-slot mailbox for whole messages of int32 values, shared by Workers
 * through a `SharedArrayBuffer`: one sender posts, one receiver takes, each
 * waiting (up to a timeout) for the other.
 *
 * @example
 * ```ts
 * import { Mailbox } from "./mailbox.ts";
 * import assert from "node:assert/strict";
 *
 * const buffer = new SharedArrayBuffer(Mailbox.bytesFor(4));
 * const sender = new Mailbox(buffer, 4);
 * const receiver = new Mailbox(buffer, 4); // in a real program, in another Worker
 * assert.equal(sender.post([1, 2, 3], 0), true);
 * assert.deepEqual(receiver.take(0), [1, 2, 3]);
 * assert.equal(receiver.take(0), null); // nothing more was posted
 * ```
 */
export class Mailbox {
  readonly #cells: Int32Array;
  readonly #capacity: number;

  /**
   * The bytes a `SharedArrayBuffer` needs for a mailbox whose messages hold
   * up to `capacity` values.
   * @throws {RangeError} when `capacity` is not an integer >= 0.
   */
  static bytesFor(capacity: number): number {
    if (!Number.isInteger(capacity) || capacity < 0) {
      throw new RangeError(`Mailbox capacity must be an integer >= 0, got ${capacity}`);
    }
    return (HEADER_CELLS + capacity) * Int32Array.BYTES_PER_ELEMENT;
  }

  /**
   * The mailbox in `buffer` (zero-filled when first used: an empty slot), for
   * messages of up to `capacity` values.
   * @throws {RangeError} when `buffer` is smaller than `Mailbox.bytesFor(capacity)`.
   */
  constructor(buffer: SharedArrayBuffer, capacity: number) {
    const bytes = Mailbox.bytesFor(capacity);
    if (buffer.byteLength < bytes) {
      throw new RangeError(
        `Mailbox of capacity ${capacity} needs ${bytes} bytes, the buffer has ${buffer.byteLength}`,
      );
    }
    this.#cells = new Int32Array(buffer, 0, HEADER_CELLS + capacity);
    this.#capacity = capacity;
  }

  /**
   * Waits up to `timeoutMs` for the slot to be empty, then puts `values` in
   * it and publishes them. Resolves `true` once posted, `false` when the slot
   * stayed full for the whole timeout (nothing is written then).
   * @throws {RangeError} when there are more than `capacity` values, or one
   *   is not an integer in the int32 range.
   */
  post(values: readonly number[], timeoutMs: number): boolean {
    if (values.length > this.#capacity) {
      throw new RangeError(
        `Mailbox.post: ${values.length} values do not fit a capacity of ${this.#capacity}`,
      );
    }
    const bad = values.findIndex((v) => !Number.isInteger(v) || v !== (v | 0));
    if (bad !== -1) {
      throw new RangeError(`Mailbox.post: values[${bad}] = ${values[bad]} is not an int32`);
    }
    if (!this.#waitWhile(FULL, timeoutMs)) return false;
    // Plain writes: nobody reads the payload until the flag below says FULL.
    Atomics.store(this.#cells, STATE, FULL);
    this.#cells[LENGTH] = values.length;
    for (let i = 0; i < values.length; i++) this.#cells[HEADER_CELLS + i] = values[i];
    Atomics.notify(this.#cells, STATE);
    return true;
  }

  /**
   * Waits up to `timeoutMs` for a message, takes it out of the slot and
   * returns its values; returns `null` when none came in time.
   */
  take(timeoutMs: number): number[] | null {
    if (!this.#waitWhile(EMPTY, timeoutMs)) return null;
    // The acquire happened in #waitWhile's Atomics.load that saw FULL.
    const length = this.#cells[LENGTH];
    const values = Array.from(this.#cells.subarray(HEADER_CELLS, HEADER_CELLS + length));
    // Only now may the sender reuse the slot.
    Atomics.store(this.#cells, STATE, EMPTY);
    Atomics.notify(this.#cells, STATE);
    return values;
  }

  /** Waits until the state is no longer `state`; false if it still is after `timeoutMs`. */
  #waitWhile(state: number, timeoutMs: number): boolean {
    const deadline = performance.now() + timeoutMs;
    while (Atomics.load(this.#cells, STATE) === state) {
      const left = deadline - performance.now();
      if (left <= 0) return false;
      // Returns at once if the state changed since the load above.
      Atomics.wait(this.#cells, STATE, state, left);
    }
    return true;
  }
}
