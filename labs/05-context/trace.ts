/**
 * Lab 05, part 4: request-scoped values that inform and never control.
 *
 * A trace id travels with the context under a key no other module can name,
 * shows up in every log line, and changes nothing else: with or without it,
 * every function computes the same result. See the README, part 4.
 *
 * @module
 */
// deno-lint-ignore-file no-unused-vars -- starter: the imports are the tools you need; delete this line when done
import { context } from "../primitives/mod.ts";
import type { Backend } from "./fan_out.ts";

// TODO(part 4): declare the key the trace id is stored under. No other
// module may be able to name it, so that none can read, overwrite or collide
// with the entry by accident: not a string, and not exported.

/**
 * A child of `parent` that carries `id` as its trace id. The child has the
 * parent's cancellation and deadline. An id that is not 1 to 64 characters,
 * each a letter, digit, `.`, `_` or `-`, is dropped: `parent` is returned
 * as it is (a trace id often comes from a request header, and bad metadata
 * must not fail a request, nor forge log lines).
 *
 * @throws {TypeError} when `id` is not a string (a programming error).
 *
 * @example
 * ```ts
 * import { context } from "../primitives/mod.ts";
 * import { traceId, withTraceId } from "./trace.ts";
 * import assert from "node:assert/strict";
 *
 * const ctx = withTraceId(context.background(), "req-42");
 * assert.equal(traceId(ctx), "req-42");
 * assert.equal(traceId(withTraceId(ctx, "bad id\n")), "req-42"); // dropped
 * ```
 */
export function withTraceId(parent: context.Context, id: string): context.Context {
  // TODO(part 4): a TypeError when id is not a string; `parent` itself when
  // id is not 1 to 64 letters, digits, ".", "_" or "-"; otherwise
  // context.withValue(parent, <your key>, id).
  throw new Error("TODO: implement withTraceId() in trace.ts (part 4 of the README)");
}
/**
 * The trace id of the nearest {@linkcode withTraceId} up the chain, or
 * `undefined` when there is none.
 *
 * @example
 * ```ts
 * import { context } from "../primitives/mod.ts";
 * import { traceId } from "./trace.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(traceId(context.background()), undefined);
 * ```
 */
export function traceId(ctx: context.Context): string | undefined {
  // TODO(part 4): look the key up with ctx.value(); return it only if it is a string.
  throw new Error("TODO: implement traceId() in trace.ts (part 4 of the README)");
}
/**
 * A log line for `ctx`: `[trace=<id>] <message>`, or `[trace=-] <message>`
 * when `ctx` has no trace id.
 *
 * @example
 * ```ts
 * import { context } from "../primitives/mod.ts";
 * import { formatLine, withTraceId } from "./trace.ts";
 * import assert from "node:assert/strict";
 *
 * const ctx = withTraceId(context.background(), "abc");
 * assert.equal(formatLine(ctx, "hello"), "[trace=abc] hello");
 * assert.equal(formatLine(context.background(), "hello"), "[trace=-] hello");
 * ```
 */
export function formatLine(ctx: context.Context, message: string): string {
  // TODO(part 4): "[trace=<id>] <message>", with "-" for a missing id.
  throw new Error("TODO: implement formatLine() in trace.ts (part 4 of the README)");
}
/**
 * Writes log lines prefixed with the trace id of the context each call is
 * given. It keeps no context of its own: the context is an argument of every
 * call, so one logger serves any number of requests at once.
 *
 * @example
 * ```ts
 * import { context } from "../primitives/mod.ts";
 * import { Logger, withTraceId } from "./trace.ts";
 * import assert from "node:assert/strict";
 *
 * const lines: string[] = [];
 * const logger = new Logger((line) => lines.push(line));
 * logger.log(withTraceId(context.background(), "t1"), "start");
 * logger.log(context.background(), "idle");
 * assert.deepEqual(lines, ["[trace=t1] start", "[trace=-] idle"]);
 * ```
 */
export class Logger {
  readonly #write: (line: string) => void;

  /** Sends every line to `write` (default `console.log`). */
  constructor(write: (line: string) => void = console.log) {
    this.#write = write;
  }

  /** Writes {@linkcode formatLine}`(ctx, message)`. */
  log(ctx: context.Context, message: string): void {
    this.#write(formatLine(ctx, message));
  }
}

/**
 * Wraps `backend` so that every call is logged through `logger`, and is
 * otherwise exactly the same call: the same `ctx` and `query` reach the
 * backend, and the same value or the same error comes back.
 *
 * Lines, each prefixed by the logger with the trace id:
 * - before the call: `<name>: start <query as JSON>`
 * - after a success: `<name>: ok`
 * - after a failure while `ctx` is done: `<name>: cancelled (<ctx.err().message>)`
 * - after any other failure: `<name>: failed: <message>` (the error's
 *   `message`, or `String(thrown)` for a thrown non-Error)
 *
 * The wrapper always returns a promise, also when `backend` throws
 * synchronously.
 *
 * @example
 * ```ts
 * import { context } from "../primitives/mod.ts";
 * import { Logger, traced, withTraceId } from "./trace.ts";
 * import assert from "node:assert/strict";
 *
 * const lines: string[] = [];
 * const users = traced("users", (_ctx, q) => Promise.resolve(q.length), new Logger((l) => lines.push(l)));
 * assert.equal(await users(withTraceId(context.background(), "t9"), "ada"), 3);
 * assert.deepEqual(lines, ['[trace=t9] users: start "ada"', "[trace=t9] users: ok"]);
 * ```
 */
export function traced<R>(name: string, backend: Backend<R>, logger: Logger): Backend<R> {
  // TODO(part 4): return an async function (ctx, query) => ... that logs
  // the start, calls backend(ctx, query) with the very same arguments, logs
  // the outcome (ok / cancelled / failed, see the README for the exact
  // lines) and returns the same value or rethrows the same error. A
  // decorator that informs: it must change nothing else.
  throw new Error("TODO: implement traced() in trace.ts (part 4 of the README)");
}
