/**
 * The Deno side of {@linkcode serve}: listening with `Deno.serve` and
 * shutting down with `server.shutdown()`. The types below describe the part
 * of Deno's API used here, so this file also type-checks where `Deno` is not
 * declared.
 *
 * @module
 */

interface DenoNetAddr {
  hostname: string;
  port: number;
}

interface DenoHttpServer {
  readonly addr: DenoNetAddr;
  /** Closes the listener, lets in-flight requests finish, then resolves. */
  shutdown(): Promise<void>;
}

interface DenoServeApi {
  serve(options: {
    hostname: string;
    port: number;
    onListen: (addr: DenoNetAddr) => void;
    handler: (request: Request) => Promise<Response>;
  }): DenoHttpServer;
}

/**
 * Listens on `hostname:port` with `Deno.serve` and runs `handler` for every
 * request. Throws Deno's error (`Deno.errors.AddrInUse`, …) when it cannot
 * listen. `stop()` stops accepting connections and resolves once every open
 * one has finished, streaming response bodies included. Used by
 * {@linkcode serve}; call that instead.
 *
 * @example
 * ```ts
 * import { listenWithDeno } from "./serve_deno.ts";
 * import assert from "node:assert/strict";
 *
 * const server = listenWithDeno({
 *   hostname: "127.0.0.1",
 *   port: 0,
 *   handler: () => Promise.resolve(new Response("hi")),
 * });
 * const response = await fetch(`http://127.0.0.1:${server.addr.port}/`);
 * assert.equal(await response.text(), "hi");
 * await server.stop();
 * ```
 */
export function listenWithDeno(config: {
  hostname: string;
  port: number;
  handler: (request: Request) => Promise<Response>;
}): { readonly addr: { hostname: string; port: number }; stop(): Promise<void> } {
  const deno = (globalThis as unknown as { Deno: DenoServeApi }).Deno;
  const server = deno.serve({
    hostname: config.hostname,
    port: config.port,
    // serve() reports the address itself; this replaces Deno's "Listening on" line.
    onListen: () => {},
    handler: config.handler,
  });
  const { hostname, port } = server.addr;
  return { addr: { hostname, port }, stop: () => server.shutdown() };
}
