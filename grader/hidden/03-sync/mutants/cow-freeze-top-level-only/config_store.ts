// Mutant: update() freezes only the top level of the new snapshot, so its nested arrays and objects stay mutable.
/**
 * Lab 03, part 1: copy-on-write configuration.
 *
 * A {@linkcode ConfigStore} publishes immutable snapshots through a
 * `sync.AtomicValue`: readers take the current snapshot without locking or
 * waiting, and writers, one at a time, clone it, change the clone, freeze it
 * and swap it in.
 *
 * @module
 */
import { sync } from "../primitives/mod.ts";

/**
 * `T` with every property, at every depth, read-only: what a reader gets.
 *
 * @example
 * ```ts
 * import type { Frozen } from "./config_store.ts";
 *
 * const snapshot: Frozen<{ hosts: string[] }> = Object.freeze({ hosts: Object.freeze(["a"]) });
 * // snapshot.hosts.push("b"); // a type error, and a TypeError at run time
 * ```
 */
export type Frozen<T> = T extends (infer E)[] ? readonly Frozen<E>[]
  : T extends object ? { readonly [K in keyof T]: Frozen<T[K]> }
  : T;

/**
 * Freezes `value` and every object or array reachable from it, and returns it.
 *
 * @example
 * ```ts
 * import { deepFreeze } from "./config_store.ts";
 * import assert from "node:assert/strict";
 *
 * const config = deepFreeze({ limits: { rps: 10 } });
 * assert.ok(Object.isFrozen(config.limits));
 * ```
 */
export function deepFreeze<T>(value: T): Frozen<T> {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Reflect.ownKeys(value)) {
      deepFreeze((value as Record<PropertyKey, unknown>)[key]);
    }
  }
  return value as Frozen<T>;
}

/**
 * A configuration that many tasks read and a few update, Go's copy-on-write
 * pattern around `atomic.Value`. The configuration must be plain data
 * (objects, arrays, strings, numbers, booleans, `null`), as JSON would hold.
 *
 * - `current()` is synchronous: it never takes a lock and never waits, and the
 *   snapshot it returns is deeply frozen and never changes afterwards.
 * - `update(change)` hands `change` a private, mutable copy of the current
 *   snapshot; once `change` has finished (it may be async), the copy is
 *   frozen and published in one step. Updates run one at a time, in call
 *   order, each starting from the snapshot the previous one published.
 *
 * @example
 * ```ts
 * import { ConfigStore } from "./config_store.ts";
 * import assert from "node:assert/strict";
 *
 * const store = new ConfigStore({ timeoutMs: 1000, backends: ["10.0.0.1"] });
 * const before = store.current();
 * await store.update((draft) => {
 *   draft.backends.push("10.0.0.2");
 * });
 * assert.deepEqual(before.backends, ["10.0.0.1"]); // an old snapshot never changes
 * assert.deepEqual(store.current().backends, ["10.0.0.1", "10.0.0.2"]);
 * ```
 */
export class ConfigStore<T extends object> {
  readonly #snapshot = new sync.AtomicValue<Frozen<T>>();
  /** Serialises writers only; `current()` never touches it. */
  readonly #writers = new sync.Mutex();

  /** Publishes a frozen copy of `initial`; the caller's object stays its own. */
  constructor(initial: T) {
    this.#snapshot.store(deepFreeze(structuredClone(initial)));
  }

  /** The snapshot published last: deeply frozen, never changed afterwards. */
  current(): Frozen<T> {
    return this.#snapshot.load()!;
  }

  /**
   * Applies `change` to a copy of the current snapshot and publishes the
   * copy, frozen; resolves to the new snapshot. Waits for earlier updates to
   * finish first. If `change` throws or rejects, nothing is published and the
   * update rejects with that error; later updates still run.
   */
  async update(change: (draft: T) => void | Promise<void>): Promise<Frozen<T>> {
    await this.#writers.lock();
    try {
      // Cloned under the lock: a copy taken before it could miss an update
      // that finished while this one waited.
      const draft = structuredClone(this.current()) as T;
      await change(draft);
      const next = Object.freeze(draft) as Frozen<T>;
      this.#snapshot.store(next);
      return next;
    } finally {
      this.#writers.unlock();
    }
  }
}
