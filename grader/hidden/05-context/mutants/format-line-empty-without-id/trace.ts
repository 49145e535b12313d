// Mutant: formatLine prints an empty id instead of "-" when the context carries none.
/**
 * Lab 05, part 4: request-scoped values that inform and never control.
 *
 * A trace id travels with the context under a key no other module can name,
 * shows up in every log line, and changes nothing else: with or without it,
 * every function computes the same result.
 *
 * @module
 */
import { context } from "../primitives/mod.ts";
import type { Backend } from "./fan_out.ts";

// Module-private and unique: no other module can read, overwrite or collide
// with this entry, not even one that uses the string "traceId".
const traceIdKey: unique symbol = Symbol("traceId");

/** What a trace id may look like: it is printed into log lines, so no spaces or control characters. */
const validTraceId = /^[A-Za-z0-9._-]{1,64}$/;

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
  if (typeof id !== "string") {
    throw new TypeError(`Cannot set trace id: id must be a string, received ${typeof id}`);
  }
  if (!validTraceId.test(id)) return parent;
  return context.withValue(parent, traceIdKey, id);
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
  const found: unknown = ctx.value(traceIdKey);
  return typeof found === "string" ? found : undefined;
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
  return `[trace=${traceId(ctx) ?? ""}] ${message}`;
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

/** How a thrown value reads in a log line. */
function describeFailure(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
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
  return async (ctx, query) => {
    logger.log(ctx, `${name}: start ${JSON.stringify(query)}`);
    try {
      const value = await backend(ctx, query);
      logger.log(ctx, `${name}: ok`);
      return value;
    } catch (error) {
      const ended = ctx.err();
      logger.log(
        ctx,
        ended !== null
          ? `${name}: cancelled (${ended.message})`
          : `${name}: failed: ${describeFailure(error)}`,
      );
      throw error;
    }
  };
}
