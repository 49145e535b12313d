/**
 * The Bun side of {@linkcode serve}: listening with `Bun.serve` and shutting
 * down with `server.stop()`. The types below describe the part of Bun's API
 * used here, so this file type-checks without Bun's type package.
 *
 * @module
 */

interface BunServer {
  readonly hostname: string | undefined;
  readonly port: number | undefined;
  /** Closes the listener; resolves once in-flight requests have finished. */
  stop(closeActiveConnections?: boolean): Promise<void>;
}

interface BunServeApi {
  serve(options: {
    hostname: string;
    port: number;
    fetch: (request: Request) => Promise<Response>;
  }): BunServer;
}

/**
 * Listens on `hostname:port` with `Bun.serve` and runs `handler` for every
 * request. Throws Bun's error (with `code: "EADDRINUSE"`, …) when it cannot
 * listen. `stop()` stops accepting connections and resolves once every open
 * one has finished, streaming response bodies included. Used by
 * {@linkcode serve}; call that instead.
 *
 * @example
 * ```ts ignore
 * // Bun only.
 * import { listenWithBun } from "./serve_bun.ts";
 * import assert from "node:assert/strict";
 *
 * const server = listenWithBun({
 *   hostname: "127.0.0.1",
 *   port: 0,
 *   handler: () => Promise.resolve(new Response("hi")),
 * });
 * const response = await fetch(`http://127.0.0.1:${server.addr.port}/`);
 * assert.equal(await response.text(), "hi");
 * await server.stop();
 * ```
 */
export function listenWithBun(config: {
  hostname: string;
  port: number;
  handler: (request: Request) => Promise<Response>;
}): { readonly addr: { hostname: string; port: number }; stop(): Promise<void> } {
  const bun = (globalThis as unknown as { Bun: BunServeApi }).Bun;
  const server = bun.serve({
    hostname: config.hostname,
    port: config.port,
    fetch: (request) => config.handler(request),
  });
  return {
    addr: { hostname: server.hostname ?? config.hostname, port: server.port ?? config.port },
    stop: () => server.stop(),
  };
}
