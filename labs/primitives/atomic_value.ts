/**
 * Go's `sync/atomic.Value`: publish a consistently typed value that readers
 * load without locking.
 *
 * @module
 */
import { Panic } from "./panic.ts";

/**
 * What Go would call the value's concrete type: its `typeof`, and for objects
 * also the constructor, so a `Map` and a plain object differ.
 */
interface ValueType {
  readonly kind: string;
  readonly constructorFn: unknown;
}

function typeOfValue(value: unknown): ValueType {
  const kind = typeof value;
  if (kind !== "object" || value === null) return { kind, constructorFn: undefined };
  // Read through the prototype: an own `constructor` property is data, not a type.
  const prototype: unknown = Object.getPrototypeOf(value);
  const constructorFn = prototype === null
    ? null
    : (prototype as { constructor?: unknown }).constructor;
  return { kind, constructorFn };
}

function sameType(a: ValueType, b: ValueType): boolean {
  return a.kind === b.kind && a.constructorFn === b.constructorFn;
}

function isNil(value: unknown): value is null | undefined {
  return value === null || value === undefined;
}

/**
 * A box holding one value of a consistent type, Go's `atomic.Value`:
 * `load()`, `store(v)`, `swap(v)` and `compareAndSwap(old, new)`.
 *
 * JavaScript runs each task's synchronous code without interruption, so every
 * one of these operations is trivially atomic. What the type is for is the
 * pattern Go uses it for: **publication of immutable snapshots**. A writer
 * builds a complete new object (copy-on-write) and `store`s it in one step;
 * readers `load()` whichever snapshot is current and keep using it, even
 * across `await`s, without ever seeing a half-updated one and without a lock.
 * Never mutate a stored object: publish a new one.
 *
 * Go's rules apply: storing `null`/`undefined` panics, and every stored value
 * must have the type of the first one (same `typeof`, and for objects the
 * same constructor).
 *
 * @example
 * ```ts
 * import { sync } from "./mod.ts";
 * import assert from "node:assert/strict";
 *
 * interface Config {
 *   readonly timeoutMs: number;
 *   readonly hosts: readonly string[];
 * }
 * const config = new sync.AtomicValue<Config>();
 * config.store(Object.freeze({ timeoutMs: 500, hosts: ["a.example"] }));
 *
 * // A request handler takes one snapshot and uses it throughout.
 * const seen = config.load()!;
 *
 * // A reload publishes a new snapshot; it never edits the old one.
 * const current = config.load()!;
 * config.store(Object.freeze({ ...current, hosts: [...current.hosts, "b.example"] }));
 *
 * assert.deepEqual(seen.hosts, ["a.example"]); // the handler's view is unchanged
 * assert.deepEqual(config.load()!.hosts, ["a.example", "b.example"]);
 * ```
 */
export class AtomicValue<T> {
  #value: T | undefined = undefined;
  #type: ValueType | undefined = undefined;

  /** The most recently stored value, or `undefined` before the first store. */
  load(): T | undefined {
    return this.#value;
  }

  /**
   * Replaces the value.
   * @throws {Panic} `sync/atomic: store of nil value into Value` for `null` or `undefined`.
   * @throws {Panic} `sync/atomic: store of inconsistently typed value into Value` when the
   *   value's type differs from the first stored value's.
   */
  store(value: T): void {
    if (isNil(value)) throw new Panic("sync/atomic: store of nil value into Value");
    this.#checkType(value, "sync/atomic: store of inconsistently typed value into Value");
    this.#value = value;
  }

  /**
   * Stores `value` and returns the previous value (`undefined` if there was none).
   * @throws {Panic} `sync/atomic: swap of nil value into Value` for `null` or `undefined`.
   * @throws {Panic} `sync/atomic: swap of inconsistently typed value into Value` when the
   *   value's type differs from the first stored value's.
   */
  swap(value: T): T | undefined {
    if (isNil(value)) throw new Panic("sync/atomic: swap of nil value into Value");
    this.#checkType(value, "sync/atomic: swap of inconsistently typed value into Value");
    const previous = this.#value;
    this.#value = value;
    return previous;
  }

  /**
   * Stores `next` only if the current value is `old` (compared with `===`;
   * for objects that means the same snapshot, not an equal one), and says
   * whether it did. On an empty value, it succeeds only when `old` is
   * `undefined` (or `null`).
   * @throws {Panic} `sync/atomic: compare and swap of nil value into Value` when `next`
   *   is `null` or `undefined`.
   * @throws {Panic} `sync/atomic: compare and swap of inconsistently typed values` when
   *   `old` (if not nil) and `next` have different types.
   * @throws {Panic} `sync/atomic: compare and swap of inconsistently typed value into Value`
   *   when `next`'s type differs from the stored value's.
   */
  compareAndSwap(old: T | undefined, next: T): boolean {
    if (isNil(next)) throw new Panic("sync/atomic: compare and swap of nil value into Value");
    const nextType = typeOfValue(next);
    if (!isNil(old) && !sameType(typeOfValue(old), nextType)) {
      throw new Panic("sync/atomic: compare and swap of inconsistently typed values");
    }
    if (this.#type === undefined) {
      if (!isNil(old)) return false;
      this.#type = nextType;
      this.#value = next;
      return true;
    }
    if (!sameType(this.#type, nextType)) {
      throw new Panic("sync/atomic: compare and swap of inconsistently typed value into Value");
    }
    if (this.#value !== old) return false;
    this.#value = next;
    return true;
  }

  /** Records the first value's type, and panics with `message` if `value` has another. */
  #checkType(value: T, message: string): void {
    const type = typeOfValue(value);
    if (this.#type === undefined) this.#type = type;
    else if (!sameType(this.#type, type)) throw new Panic(message);
  }
}
