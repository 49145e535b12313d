// Mutant: fetchJson rethrows whatever fetch threw, so a cancelled request rejects with the runtime's AbortError instead of ctx.err().
/**
 * Lab 05, part 5: a context reaches `fetch`.
 *
 * {@linkcode fetchJson} is an outgoing call done by the rules: cancellation
 * travels as `ctx.signal`, the trace id and the remaining time travel as
 * headers, and an interrupted call reports the context's own error.
 *
 * @module
 */
import type { context } from "../primitives/mod.ts";
import { traceId } from "./trace.ts";

/**
 * The server answered, but not with a 2xx status.
 *
 * @example
 * ```ts
 * import { HttpError } from "./fetch_json.ts";
 * import assert from "node:assert/strict";
 *
 * const error = new HttpError("http://127.0.0.1:8080/users", 503);
 * assert.equal(error.message, "GET http://127.0.0.1:8080/users: HTTP 503");
 * assert.equal(error.status, 503);
 * ```
 */
export class HttpError extends Error {
  /** The URL that was fetched. */
  readonly url: string;
  /** The response's status code. */
  readonly status: number;
  /** Says which request failed and with which status. */
  constructor(url: string, status: number) {
    super(`GET ${url}: HTTP ${status}`);
    this.name = "HttpError";
    this.url = url;
    this.status = status;
  }
}

/**
 * GETs `url` and resolves to its body parsed as JSON, for as long as `ctx`
 * allows, and no longer.
 *
 * - If `ctx` is already done, rejects with `ctx.err()` without sending
 *   anything.
 * - `ctx.signal` covers the whole call, the body included: when `ctx` ends
 *   while waiting for the response or while reading its body, the request is
 *   aborted (the server sees the client go away) and `fetchJson` rejects with
 *   exactly `ctx.err()` (`context.Canceled` or `context.DeadlineExceeded`),
 *   never with a `DOMException` or another wrapper.
 * - Headers: `accept: application/json`; `x-trace-id` with the context's
 *   trace id (part 4) when it has one; `x-timeout-ms` with the whole
 *   milliseconds left until the context's deadline (rounded down, at least
 *   0) when it has one.
 * - A non-2xx response rejects with an {@linkcode HttpError}; its body is
 *   discarded so the connection is freed.
 * - Other failures (network errors, a body that is not JSON) reject with
 *   the runtime's error unchanged, unless `ctx` is done by then.
 *
 * @example
 * ```ts ignore
 * import type { context } from "../primitives/mod.ts";
 * import { fetchJson } from "./fetch_json.ts";
 *
 * const [ctx, cancel] = context.withTimeout(context.background(), 2000);
 * try {
 *   const user = await fetchJson<{ name: string }>(ctx, "http://127.0.0.1:8080/users/1");
 *   console.log(user.name);
 * } finally {
 *   cancel();
 * }
 * ```
 */
export async function fetchJson<T = unknown>(ctx: context.Context, url: string | URL): Promise<T> {
  const before = ctx.err();
  if (before !== null) throw before;

  const headers = new Headers({ accept: "application/json" });
  const id = traceId(ctx);
  if (id !== undefined) headers.set("x-trace-id", id);
  const [deadline, hasDeadline] = ctx.deadline();
  if (hasDeadline) {
    const left = Math.max(0, Math.floor(deadline.getTime() - Date.now()));
    headers.set("x-timeout-ms", String(left));
  }

  try {
    const response = await fetch(url, { signal: ctx.signal, headers });
    if (!response.ok) {
      await response.body?.cancel(); // nobody will read it: free the connection
      throw new HttpError(String(url), response.status);
    }
    return await response.json() as T;
  } catch (error) {
    // Once ctx is done, whatever the runtime threw (its abort error, a
    // half-read body) is a consequence of the cancellation: report the cause.
    throw error;
  }
}
