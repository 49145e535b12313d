/**
 * Go's `golang.org/x/sync/errgroup`: a group of tasks working on parts of one
 * job, with the first failure reported by `wait()`, an optional limit on how
 * many run at once, and (with {@linkcode withContext}) a context cancelled as
 * soon as one task fails.
 *
 * @example
 * ```ts
 * import { context, errgroup } from "./mod.ts";
 * import assert from "node:assert/strict";
 *
 * async function fetchAll(parent: context.Context, ids: number[]): Promise<string[]> {
 *   const [group, ctx] = errgroup.withContext(parent);
 *   const pages: string[] = new Array(ids.length);
 *   ids.forEach((id, i) => {
 *     group.go(async () => {
 *       if (ctx.err() !== null) return; // another page failed: give up early
 *       pages[i] = `page ${id}`;
 *     });
 *   });
 *   const err = await group.wait();
 *   if (err !== null) throw err;
 *   return pages;
 * }
 * assert.deepEqual(await fetchAll(context.background(), [1, 2]), ["page 1", "page 2"]);
 * ```
 *
 * @module
 */
import { Chan } from "./chan.ts";
import { type CancelCauseFunc, type Context, withCancelCause } from "./context.ts";
import { Panic } from "./panic.ts";
import { go as startTask } from "./runtime.ts";

/** A thrown value that is not an Error becomes one, so that `null` can keep meaning "no failure". */
function asError(thrown: unknown): Error {
  if (thrown instanceof Error) return thrown;
  let shown: string;
  try {
    shown = typeof thrown === "string" ? JSON.stringify(thrown) : String(thrown);
  } catch {
    shown = typeof thrown;
  }
  return new Error(`errgroup: task failed with a non-Error value: ${shown}`, { cause: thrown });
}

let attachCancel: (group: Group, cancel: CancelCauseFunc) => void;

/**
 * A collection of tasks that are parts of one job; Go's `errgroup.Group`.
 * `new Group()` has no limit and cancels nothing; {@linkcode withContext}
 * makes one tied to a context.
 *
 * - `go(fn)` runs `fn` in a new task; `fn` fails by throwing or rejecting.
 * - `wait()` resolves once every task has finished, to the first failure or
 *   `null`; it never rejects. The group can be used again afterwards, and
 *   keeps reporting that first failure, as Go's does.
 * - `setLimit(n)` caps how many tasks run at once; `go` then waits for a free
 *   slot and `tryGo` declines instead.
 *
 * @example
 * ```ts
 * import { errgroup } from "./mod.ts";
 * import assert from "node:assert/strict";
 *
 * const group = new errgroup.Group();
 * const broken = new Error("disk full");
 * group.go(() => {});
 * group.go(() => {
 *   throw broken;
 * });
 * group.go(async () => {
 *   await Promise.resolve();
 * });
 * assert.equal(await group.wait(), broken);
 * ```
 */
export class Group {
  #cancel: CancelCauseFunc | null = null;
  /** Go's semaphore channel: one buffered token per running task; null means no limit. */
  #slots: Chan<void> | null = null;
  /** Tasks started and not yet finished (the tokens held, when there is a limit). */
  #active = 0;
  /** Tasks started or waiting for a slot, and not yet finished: what wait() waits for. */
  #unfinished = 0;
  /** Closed when #unfinished drops to 0; made by the first wait() that must block. */
  #idle: Chan<void> | null = null;
  #failed = false;
  #err: Error | null = null;

  static {
    attachCancel = (group, cancel) => {
      group.#cancel = cancel;
    };
  }

  /**
   * Runs `fn` in a new `go()` task. With a limit set and reached, waits for a
   * running task to finish first; waiting callers start in the order they
   * called. The returned promise resolves once `fn` has started (await it to
   * apply back-pressure); it never rejects. `wait()` also waits for calls
   * still queued for a slot.
   *
   * The first `fn` to throw or reject sets the error `wait()` returns and
   * cancels the group's context, if it has one.
   *
   * @throws {TypeError} when `fn` is not a function.
   *
   * @example
   * ```ts
   * import { errgroup } from "./mod.ts";
   * import assert from "node:assert/strict";
   *
   * const group = new errgroup.Group();
   * group.setLimit(2);
   * let running = 0;
   * let most = 0;
   * for (let i = 0; i < 10; i++) {
   *   await group.go(async () => {
   *     most = Math.max(most, ++running);
   *     await new Promise((resolve) => setTimeout(resolve, 1));
   *     running--;
   *   });
   * }
   * assert.equal(await group.wait(), null);
   * assert.equal(most, 2);
   * ```
   */
  go(fn: () => unknown): Promise<void> {
    this.#assertFunction(fn, "go");
    const slots = this.#slots;
    this.#unfinished++;
    if (slots === null || slots.trySend(undefined) === "sent") return this.#start(fn, slots);
    // The channel queues blocked senders in FIFO order: callers start in call order.
    return slots.send(undefined).then(() => this.#start(fn, slots));
  }

  /**
   * Runs `fn` in a new task only if a slot is free now; returns whether it
   * started. Without a limit it always starts. Go's `TryGo`.
   *
   * @throws {TypeError} when `fn` is not a function.
   *
   * @example
   * ```ts
   * import { Chan, errgroup } from "./mod.ts";
   * import assert from "node:assert/strict";
   *
   * const group = new errgroup.Group();
   * group.setLimit(1);
   * const release = new Chan<void>();
   * assert.equal(group.tryGo(() => release.recv()), true);
   * assert.equal(group.tryGo(() => {}), false); // the only slot is taken
   * release.close();
   * assert.equal(await group.wait(), null);
   * ```
   */
  tryGo(fn: () => unknown): boolean {
    this.#assertFunction(fn, "tryGo");
    const slots = this.#slots;
    if (slots !== null && slots.trySend(undefined) !== "sent") return false;
    this.#unfinished++;
    void this.#start(fn, slots);
    return true;
  }

  /**
   * Limits the number of tasks running at once to `n`; a negative `n` (or
   * `Infinity`) removes the limit. `0` lets nothing start. Go's `SetLimit`.
   *
   * @throws {Panic} `errgroup: modify limit while N goroutines in the group are still active`
   *   when tasks are running.
   * @throws {RangeError} when `n` is not an integer.
   *
   * @example
   * ```ts
   * import { Chan, errgroup, Panic } from "./mod.ts";
   * import assert from "node:assert/strict";
   *
   * const group = new errgroup.Group();
   * const release = new Chan<void>();
   * group.go(() => release.recv());
   * assert.throws(
   *   () => group.setLimit(4),
   *   new Panic("errgroup: modify limit while 1 goroutines in the group are still active"),
   * );
   * release.close();
   * await group.wait();
   * group.setLimit(4); // fine once the group is idle
   * ```
   */
  setLimit(n: number): void {
    if (typeof n !== "number" || Number.isNaN(n)) {
      throw new RangeError(
        `Cannot set errgroup limit: n must be an integer, received ${String(n)}`,
      );
    }
    if (n < 0 || n === Infinity) {
      this.#slots = null;
      return;
    }
    if (!Number.isInteger(n)) {
      throw new RangeError(
        `Cannot set errgroup limit: n must be an integer (negative for no limit), received ${n}`,
      );
    }
    if (this.#active !== 0) {
      throw new Panic(
        `errgroup: modify limit while ${this.#active} goroutines in the group are still active`,
      );
    }
    this.#slots = new Chan<void>(n, { name: "errgroup.limit" });
  }

  /**
   * Waits until every task started with `go`/`tryGo` (and every `go` call
   * still waiting for a slot) has finished, then cancels the group's context
   * (cause: the first failure, else `context.Canceled`) and resolves to the
   * first failure, or `null`. Never rejects. Go's `Wait`.
   *
   * @example
   * ```ts
   * import { context, errgroup } from "./mod.ts";
   * import assert from "node:assert/strict";
   *
   * const [group, ctx] = errgroup.withContext(context.background());
   * group.go(() => {});
   * assert.equal(await group.wait(), null);
   * assert.equal(ctx.err(), context.Canceled); // wait() cancels the group's context
   * ```
   */
  async wait(): Promise<Error | null> {
    if (this.#unfinished > 0) {
      this.#idle ??= new Chan<void>(0, { name: "errgroup.wait" });
      await this.#idle.recv();
    }
    this.#cancel?.(this.#err);
    return this.#err;
  }

  /** Starts `fn` holding a slot of `slots` (if any); resolves once `fn` has been called. */
  #start(fn: () => unknown, slots: Chan<void> | null): Promise<void> {
    this.#active++;
    return new Promise<void>((started) => {
      startTask(async () => {
        started();
        try {
          await fn();
        } catch (thrown) {
          this.#fail(thrown);
        } finally {
          this.#active--;
          // Give the slot back to the channel it came from, even if setLimit replaced it since.
          slots?.tryRecv();
          this.#finished();
        }
      });
    });
  }

  #fail(thrown: unknown): void {
    if (this.#failed) return;
    this.#failed = true;
    this.#err = asError(thrown);
    this.#cancel?.(this.#err);
  }

  #finished(): void {
    this.#unfinished--;
    if (this.#unfinished === 0 && this.#idle !== null) {
      this.#idle.close();
      this.#idle = null;
    }
  }

  #assertFunction(fn: unknown, method: string): void {
    if (typeof fn !== "function") {
      throw new TypeError(
        `Cannot start errgroup task: ${method}() needs a function, received ${
          fn === null ? "null" : typeof fn
        }`,
      );
    }
  }
}

/**
 * A new {@linkcode Group} and a context derived from `parent` that is
 * cancelled the first time a task fails (`context.cause(ctx)` is that
 * failure) or when `wait()` returns (cause `context.Canceled`), whichever
 * comes first. Go's `errgroup.WithContext`.
 *
 * @throws {TypeError} when `parent` is missing or not a Context.
 *
 * @example
 * ```ts
 * import { context, errgroup, recv, select } from "./mod.ts";
 * import assert from "node:assert/strict";
 *
 * const [group, ctx] = errgroup.withContext(context.background());
 * const refused = new Error("connection refused");
 * group.go(() => {
 *   throw refused;
 * });
 * group.go(async () => {
 *   await select([recv(ctx.done())]); // stops because its sibling failed
 * });
 * assert.equal(await group.wait(), refused);
 * assert.equal(context.cause(ctx), refused);
 * ```
 */
export function withContext(parent: Context): [Group, Context] {
  if (parent === null || parent === undefined) {
    throw new TypeError(
      `Cannot create errgroup with withContext(): the parent context is ${parent} (use context.background())`,
    );
  }
  const [ctx, cancel] = withCancelCause(parent);
  const group = new Group();
  attachCancel(group, cancel);
  return [group, ctx];
}
