/**
 * Lab 06, part 1: the two servers' handlers.
 *
 * The app server is what users see; the debug server is for operators: a
 * health check, and a way to ask the whole program to stop. Both are Hono
 * apps, served by the primitives' `serve()` in part 2. See the README, part 1.
 *
 * @module
 */
// deno-lint-ignore-file no-unused-vars -- starter: the imports are the tools you need; delete this line when done
import { Hono } from "hono";
import { time } from "../primitives/mod.ts";

/** The longest wait `GET /slow` accepts, in milliseconds. */
export const MAX_SLOW_MS = 600_000;

/**
 * The app server: `GET /` answers 200 at once; `GET /slow?ms=N` answers 200
 * after N milliseconds (a stand-in for a request that takes a while), or 400
 * when `ms` is not a whole number from 0 to {@linkcode MAX_SLOW_MS}.
 *
 * @example
 * ```ts
 * import { newApp } from "./apps.ts";
 * import assert from "node:assert/strict";
 *
 * const response = await newApp().request("/");
 * assert.equal(response.status, 200);
 * ```
 */
export function newApp(): Hono {
  const app = new Hono();
  // TODO(part 1): the app server's two routes.
  //  - GET /        200 with a short text body.
  //  - GET /slow    read the query parameter `ms`; unless it is a whole number
  //                 from 0 to MAX_SLOW_MS (digits only: no sign, no point),
  //                 answer 400 at once. Otherwise wait `ms` milliseconds
  //                 (time.sleep) and answer 200.
  return app;
}

/**
 * The debug server: `GET /healthz` answers 200; `POST /shutdown` calls
 * `requestShutdown` and answers 202 (accepted: the shutdown has begun, and
 * this response is one of the requests it lets finish).
 *
 * @example
 * ```ts
 * import { newDebugApp } from "./apps.ts";
 * import assert from "node:assert/strict";
 *
 * let asked = 0;
 * const debug = newDebugApp(() => asked++);
 * assert.equal((await debug.request("/shutdown", { method: "POST" })).status, 202);
 * assert.equal(asked, 1);
 * ```
 */
export function newDebugApp(requestShutdown: () => void): Hono {
  const app = new Hono();
  // TODO(part 1): the debug server's two routes.
  //  - GET /healthz     200.
  //  - POST /shutdown   call requestShutdown(), then answer 202. Only POST:
  //                     a GET (a crawler, a browser's prefetch) must not stop anything.
  return app;
}
