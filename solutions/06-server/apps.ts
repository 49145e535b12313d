/**
 * Lab 06, part 1: the two servers' handlers.
 *
 * The app server is what users see; the debug server is for operators: a
 * health check, and a way to ask the whole program to stop. Both are Hono
 * apps, served by the primitives' `serve()` in part 2. See the README, part 1.
 *
 * @module
 */
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
  app.get("/", (c) => c.text("hello from the app server\n"));
  app.get("/slow", async (c) => {
    const text = c.req.query("ms") ?? "";
    const ms = /^\d+$/.test(text) ? Number(text) : NaN;
    if (!(ms <= MAX_SLOW_MS)) {
      return c.text(`ms must be a whole number from 0 to ${MAX_SLOW_MS}\n`, 400);
    }
    await time.sleep(ms);
    return c.text(`slept ${ms} ms\n`);
  });
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
  app.get("/healthz", (c) => c.text("ok\n"));
  app.post("/shutdown", (c) => {
    requestShutdown();
    return c.text("shutting down\n", 202);
  });
  return app;
}
