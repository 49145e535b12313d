/**
 * `serve`: an HTTP server whose life is bound to a context, with Go's
 * `http.Server.Shutdown` semantics. The core here is runtime-neutral; the
 * listening itself is done by `serve_deno.ts` (`Deno.serve`) or
 * `serve_bun.ts` (`Bun.serve`).
 *
 * @module
 */
import type { Context } from "./context.ts";
import { listenWithBun } from "./serve_bun.ts";
import { listenWithDeno } from "./serve_deno.ts";

/**
 * The address a server listens on.
 *
 * @example
 * ```ts
 * import type { ListenAddress } from "./serve.ts";
 *
 * const addr: ListenAddress = { hostname: "127.0.0.1", port: 8080 };
 * console.log(`http://${addr.hostname}:${addr.port}/`);
 * ```
 */
export interface ListenAddress {
  /** The host name or IP address, as the runtime reports it. */
  hostname: string;
  /** The TCP port: the real one, also when port 0 asked for any free port. */
  port: number;
}

/**
 * Options for {@linkcode serve}.
 *
 * @example
 * ```ts
 * import type { ServeOptions } from "./mod.ts";
 *
 * const options: ServeOptions = {
 *   hostname: "127.0.0.1",
 *   port: 0, // any free port
 *   onListen: ({ hostname, port }) => console.log(`listening on http://${hostname}:${port}/`),
 * };
 * ```
 */
export interface ServeOptions {
  /** The TCP port to listen on; `0` (the default) picks a free port, which `onListen` reports. */
  port?: number;
  /** The interface to listen on; defaults to `127.0.0.1` (loopback only). */
  hostname?: string;
  /** Called once the server listens, with the address it really listens on. */
  onListen?: (addr: ListenAddress) => void;
}

/**
 * What {@linkcode serve} runs for every request: a function from `Request` to
 * `Response`, or an object with such a `fetch` method, such as a Hono app.
 *
 * @example
 * ```ts
 * import type { ServeHandler } from "./serve.ts";
 * import { Hono } from "hono";
 *
 * const plain: ServeHandler = (request) => new Response(`you asked for ${new URL(request.url).pathname}`);
 * const app = new Hono().get("/", (c) => c.text("hello"));
 * const hono: ServeHandler = app;
 * ```
 */
export type ServeHandler =
  | ((request: Request) => Response | Promise<Response>)
  | { fetch(request: Request): Response | Promise<Response> };

/** What a runtime adapter is given: where to listen, and the wrapped handler, which never throws. */
interface ListenConfig {
  hostname: string;
  port: number;
  handler: (request: Request) => Promise<Response>;
}

/** A server started by a runtime adapter. */
interface ListeningServer {
  readonly addr: ListenAddress;
  /** Stops accepting connections; resolves once every open connection has finished its response. */
  stop(): Promise<void>;
}

type Listen = (config: ListenConfig) => ListeningServer;

function runtimeListen(): Listen {
  if ("Deno" in globalThis) return listenWithDeno;
  if ("Bun" in globalThis) return listenWithBun;
  throw new Error(
    "Cannot serve: this runtime is neither Deno nor Bun (no Deno.serve or Bun.serve)",
  );
}

function toFetch(handler: ServeHandler): (request: Request) => Response | Promise<Response> {
  if (typeof handler === "function") return handler;
  if (handler !== null && typeof handler === "object" && typeof handler.fetch === "function") {
    return (request) => handler.fetch(request);
  }
  throw new TypeError(
    `Cannot serve: the handler must be a function or an object with a fetch method, received ${
      handler === null ? "null" : typeof handler
    }`,
  );
}

function formatAddress(hostname: string, port: number): string {
  return hostname.includes(":") ? `[${hostname}]:${port}` : `${hostname}:${port}`;
}

/** Says why listening failed in a few words, whichever runtime threw. */
function listenFailure(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  const name = error instanceof Error ? error.name : "";
  if (code === "EADDRINUSE" || name === "AddrInUse") return "address already in use";
  if (code === "EADDRNOTAVAIL" || name === "AddrNotAvailable") return "address not available";
  if (code === "EACCES" || name === "PermissionDenied") return "permission denied";
  return error instanceof Error ? error.message : String(error);
}

/**
 * Counts the requests whose handler is still running, and turns a handler
 * failure into a 500 response the same way on every runtime.
 */
class InFlightRequests {
  #count = 0;
  #whenIdle: (() => void)[] = [];

  async handle(
    handler: (request: Request) => Response | Promise<Response>,
    request: Request,
  ): Promise<Response> {
    this.#count++;
    try {
      const response = await handler(request);
      if (response instanceof Response) return response;
      throw new TypeError(`the handler returned ${typeof response} instead of a Response`);
    } catch (error) {
      console.error(`serve: the handler failed for ${request.method} ${request.url}:`, error);
      return new Response("Internal Server Error", { status: 500 });
    } finally {
      if (--this.#count === 0) {
        for (const wake of this.#whenIdle.splice(0)) wake();
      }
    }
  }

  /** Resolves once no handler is running. */
  idle(): Promise<void> {
    if (this.#count === 0) return Promise.resolve();
    return new Promise((resolve) => this.#whenIdle.push(resolve));
  }
}

/**
 * Serves HTTP on `hostname:port` (default `127.0.0.1`, any free port) with
 * `handler` until `ctx` is done, then shuts down gracefully, as Go's
 * `http.Server.Shutdown` does: the listener closes at once, so new
 * connections are refused, and the promise resolves once every in-flight
 * request has finished, including a response body that is still streaming.
 *
 * - A handler that throws (or returns something other than a `Response`) is
 *   logged with `console.error`, and its client gets a 500.
 * - If `ctx` is already done, resolves at once without listening.
 * - Rejects with an `Error` when it cannot listen, such as
 *   `Cannot serve on 127.0.0.1:8080: address already in use`, with the
 *   runtime's error as its `cause`.
 *
 * Runs on Deno (`Deno.serve`; needs `--allow-net`) and Bun (`Bun.serve`).
 *
 * @example
 * ```ts
 * import { context, serve } from "./mod.ts";
 * import assert from "node:assert/strict";
 *
 * const [ctx, cancel] = context.withCancel(context.background());
 * let url = "";
 * const served = serve(ctx, () => new Response("hello"), {
 *   onListen: ({ hostname, port }) => (url = `http://${hostname}:${port}/`),
 * });
 * const response = await fetch(url);
 * assert.equal(await response.text(), "hello");
 * cancel(); // stop accepting, let in-flight requests finish
 * await served;
 * ```
 */
export async function serve(
  ctx: Context,
  handler: ServeHandler,
  options: ServeOptions = {},
): Promise<void> {
  const fetch = toFetch(handler);
  const hostname = options.hostname ?? "127.0.0.1";
  const port = options.port ?? 0;
  if (typeof hostname !== "string" || hostname === "") {
    throw new TypeError(
      `Cannot serve: hostname must be a non-empty string, received ${String(hostname)}`,
    );
  }
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(
      `Cannot serve: port must be an integer from 0 to 65535, received ${String(port)}`,
    );
  }
  if (ctx.err() !== null) return;

  const listen = runtimeListen();
  const inFlight = new InFlightRequests();
  let server: ListeningServer;
  try {
    server = listen({ hostname, port, handler: (request) => inFlight.handle(fetch, request) });
  } catch (error) {
    throw new Error(`Cannot serve on ${formatAddress(hostname, port)}: ${listenFailure(error)}`, {
      cause: error,
    });
  }
  try {
    options.onListen?.({ hostname: server.addr.hostname, port: server.addr.port });
    await ctx.done().recv();
  } finally {
    // The adapters' stop() waits for open connections (streaming bodies
    // included); the count covers the handlers themselves on any runtime.
    await Promise.all([server.stop(), inFlight.idle()]);
  }
}
