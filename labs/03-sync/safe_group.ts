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
// deno-lint-ignore-file no-unused-vars require-await -- starter: delete this line when done
import { context, go } from "../primitives/mod.ts";

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
    // TODO(part 4): message `errgroup: task panicked: <name>: <message>` for an
    // Error (`show(thrown)` for anything else), cause: the thrown value, and a
    // stack that ends with the thrown Error's own stack.
    super("TODO: implement TaskPanic in safe_group.ts (part 4 of the README)");
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
  // TODO(part 4): the group's context and its cancel (context.withCancelCause),
  // the limit, a queue of parts waiting for a slot, counters of running and
  // unfinished parts, the first error, and whether wait() has returned.

  /**
   * @throws {RangeError} when `limit` is given and is not an integer >= 1.
   */
  constructor(parent: context.Context, options: SafeGroupOptions = {}) {
    // TODO(part 4)
  }

  /**
   * Runs `part` in a new task now, or queues it while `limit` parts run.
   * @throws {TypeError} when `part` is not a function.
   * @throws {Error} when `wait()` has already returned: the group is over.
   */
  go(part: Part): void {
    // TODO(part 4): start part(ctx) in a go() task. Inside the task, a
    // returned Error fails the group, and so does anything thrown (as a
    // TaskPanic): a throw that escapes a go() task crashes the program.
    throw new Error("TODO: implement SafeGroup.go() in safe_group.ts (part 4 of the README)");
  }

  /** Resolves to the first failure, or `null`, once every part has ended; never rejects. */
  async wait(): Promise<Error | null> {
    // TODO(part 4): wait for every part, queued ones included; then cancel
    // the group's context and return the first failure.
    throw new Error("TODO: implement SafeGroup.wait() in safe_group.ts (part 4 of the README)");
  }
}
