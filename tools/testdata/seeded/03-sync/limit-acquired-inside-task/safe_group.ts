// Mutant (seeded): SafeGroup takes its concurrency seat (a buffered channel, as Go's errgroup does) inside the started task instead of before it, so queued parts get their seats in the order their tasks happen to start, not in the order of go().
/**
 * Lab 03, part 4: a hardened errgroup, in the style of Kratos's.
 *
 * {@linkcode SafeGroup} runs the parts of one job. Each part gets the
 * group's context as its argument (it cannot pick the wrong one, and the
 * caller never holds it), returns an `Error` to fail, and a part that throws
 * becomes a {@linkcode TaskPanic} carrying its stack instead of crashing the
 * program. A limit caps how many parts run at once.
 *
 * @module
 */
import { Chan, context, go, sync } from "../primitives/mod.ts";

/** Text for a thrown value that is not an `Error`. */
function show(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/**
 * A part that threw (or rejected) instead of returning an error: Go's
 * recovered panic. `cause` is the thrown value itself, and `stack` ends with
 * the stack of the thrown `Error`, so the report says where it happened.
 *
 * @example
 * ```ts
 * import { TaskPanic } from "./safe_group.ts";
 * import assert from "node:assert/strict";
 *
 * const boom = new TypeError("x is undefined");
 * const recovered = new TaskPanic(boom);
 * assert.equal(recovered.cause, boom);
 * assert.match(recovered.message, /task panicked: TypeError: x is undefined/);
 * assert.ok(recovered.stack?.includes(boom.stack!));
 * ```
 */
export class TaskPanic extends Error {
  override name = "TaskPanic";

  /** Wraps `thrown`, the value a part threw or rejected with. */
  constructor(thrown: unknown) {
    const shown = thrown instanceof Error ? `${thrown.name}: ${thrown.message}` : show(thrown);
    super(`errgroup: task panicked: ${shown}`, { cause: thrown });
    if (thrown instanceof Error && thrown.stack !== undefined) {
      this.stack = `${this.name}: ${this.message}\nthe task's stack:\n${thrown.stack}`;
    }
  }
}

/**
 * One part of a job: it receives the group's context and fails by returning
 * an `Error` (or resolving to one); `null` or nothing means success.
 *
 * @example
 * ```ts
 * import type { Part } from "./safe_group.ts";
 *
 * const ping: Part = async (ctx) => (ctx.err() !== null ? ctx.err() : null);
 * ```
 */
export type Part = (
  ctx: context.Context,
) => Error | null | undefined | void | Promise<Error | null | undefined | void>;

/**
 * Options of a {@linkcode SafeGroup}.
 *
 * @example
 * ```ts
 * import type { SafeGroupOptions } from "./safe_group.ts";
 *
 * const options: SafeGroupOptions = { limit: 4 };
 * ```
 */
export interface SafeGroupOptions {
  /** How many parts may run at once: an integer >= 1. No limit when omitted. */
  limit?: number;
}

/**
 * A group of parts of one job, hardened as Kratos's errgroup is:
 *
 * - `go(part)` runs `part(ctx)` with the group's context, a child of
 *   `parent`, cancelled (with the failure as its cause) at the first failure
 *   and in any case when `wait()` returns: it is only valid inside the group.
 * - A part fails by returning an `Error`; a part that throws or rejects fails
 *   with a {@linkcode TaskPanic}, and the program keeps running.
 * - With `limit`, at most that many parts run at once; the others queue and
 *   start in the order of their `go()` calls, and once the group has failed,
 *   queued parts are dropped without running.
 * - `wait()` resolves, once every part has ended or been dropped, to the
 *   first failure or `null`; it never rejects. The group is then over:
 *   `go()` throws.
 *
 * @example
 * ```ts
 * import { context } from "../primitives/mod.ts";
 * import { SafeGroup } from "./safe_group.ts";
 * import assert from "node:assert/strict";
 *
 * const group = new SafeGroup(context.background(), { limit: 2 });
 * const pages: string[] = [];
 * for (const id of [1, 2, 3]) {
 *   group.go(async (ctx) => {
 *     if (ctx.err() !== null) return ctx.err();
 *     pages.push(`page ${id}`);
 *   });
 * }
 * assert.equal(await group.wait(), null);
 * assert.equal(pages.length, 3);
 * ```
 */
export class SafeGroup {
  readonly #ctx: context.Context;
  readonly #cancel: context.CancelCauseFunc;
  /** Go's `sem chan token`: a part holds one seat while it runs; `null` without a limit. */
  readonly #seats: Chan<void> | null;
  /** What wait() waits for: added in go(), before the task starts, as Go's errgroup does. */
  readonly #parts = new sync.WaitGroup();
  #err: Error | null = null;
  #over = false;

  /**
   * @throws {RangeError} when `limit` is given and is not an integer >= 1.
   */
  constructor(parent: context.Context, options: SafeGroupOptions = {}) {
    const { limit } = options;
    if (limit !== undefined && (!Number.isSafeInteger(limit) || limit < 1)) {
      throw new RangeError(`SafeGroup: limit must be an integer >= 1, received ${limit}`);
    }
    this.#seats = limit === undefined ? null : new Chan<void>(limit);
    [this.#ctx, this.#cancel] = context.withCancelCause(parent);
  }

  /**
   * Runs `part` in a new task now, or queues it while `limit` parts run.
   * @throws {TypeError} when `part` is not a function.
   * @throws {Error} when `wait()` has already returned: the group is over.
   */
  go(part: Part): void {
    if (typeof part !== "function") {
      throw new TypeError(`SafeGroup.go: part must be a function, received ${typeof part}`);
    }
    if (this.#over) {
      throw new Error("SafeGroup.go: the group is over (wait() has returned); make a new one");
    }
    this.#parts.add(1);
    go(async () => {
      try {
        if (this.#seats !== null) {
          // go() must not block its caller, so the task waits for its seat.
          await this.#seats.send();
          if (this.#err !== null) return; // the job has failed: drop the queued part unrun
        }
        const result = await part(this.#ctx);
        if (result instanceof Error) this.#fail(result);
      } catch (thrown) {
        this.#fail(new TaskPanic(thrown));
      } finally {
        await this.#seats?.recv(); // frees the seat
        this.#parts.done();
      }
    });
  }

  /** Resolves to the first failure, or `null`, once every part has ended; never rejects. */
  async wait(): Promise<Error | null> {
    await this.#parts.wait();
    this.#over = true;
    this.#cancel(this.#err);
    return this.#err;
  }

  #fail(err: Error): void {
    if (this.#err !== null) return;
    this.#err = err;
    this.#cancel(err);
  }
}
