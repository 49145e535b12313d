// Mutant: Returns as soon as the shutdown begins instead of waiting for the servers to drain, and main then ends the process with process.exit(), cutting off requests in flight.
/**
 * Lab 06, parts 2 and 4: the app server and the debug server run as one
 * group. Whatever ends first (the caller's context, the debug server's
 * shutdown route, a server that fails) shuts both down; the drain that
 * follows lets in-flight requests finish, but only for a grace period.
 * See the README, parts 2 and 4.
 *
 * @module
 */
import {
  Chan,
  context,
  errgroup,
  go,
  type ListenAddress,
  recv,
  select,
  serve,
} from "../primitives/mod.ts";
import { newApp, newDebugApp } from "./apps.ts";

/**
 * Where the two servers listen, as URLs such as `http://127.0.0.1:8080`.
 *
 * @example
 * ```ts
 * import type { ServerUrls } from "./run_servers.ts";
 *
 * const urls: ServerUrls = { app: "http://127.0.0.1:8080", debug: "http://127.0.0.1:8081" };
 * ```
 */
export interface ServerUrls {
  app: string;
  debug: string;
}

/**
 * Options for {@linkcode runServers}.
 *
 * @example
 * ```ts
 * import type { RunOptions } from "./run_servers.ts";
 *
 * const options: RunOptions = {
 *   port: 0,
 *   debugPort: 0,
 *   graceMs: 10_000,
 *   onReady: ({ app, debug }) => console.log(app, debug),
 *   log: (line) => console.error(line),
 * };
 * ```
 */
export interface RunOptions {
  /** The app server's port on 127.0.0.1 (0: any free port). */
  port: number;
  /** The debug server's port on 127.0.0.1 (0: any free port). */
  debugPort: number;
  /** How long the drain may take once shutdown has begun, in milliseconds. */
  graceMs: number;
  /** Called once, when both servers listen, with their real addresses. */
  onReady?: (urls: ServerUrls) => void;
  /** Told, in a line, when the shutdown begins and why. */
  log?: (line: string) => void;
}

/**
 * The cause of a shutdown asked for on the debug server's `POST /shutdown`.
 *
 * @example
 * ```ts
 * import { ShutdownRequestedError } from "./run_servers.ts";
 *
 * console.log(new ShutdownRequestedError().message); // "shutdown requested on the debug server"
 * ```
 */
export class ShutdownRequestedError extends Error {
  /** Makes the error. */
  constructor() {
    super("shutdown requested on the debug server");
    this.name = "ShutdownRequestedError";
  }
}

/**
 * What {@linkcode runServers} resolves to when the drain outlasts its grace
 * period: in-flight requests were still running, and nobody waits for them.
 *
 * @example
 * ```ts
 * import { DrainTimeoutError } from "./run_servers.ts";
 *
 * const error = new DrainTimeoutError(500);
 * console.log(error.message, error.graceMs);
 * ```
 */
export class DrainTimeoutError extends Error {
  /** The grace period that ran out. */
  readonly graceMs: number;
  /** Makes the error for a grace period of `graceMs`. */
  constructor(graceMs: number) {
    super(`the servers were still draining after the ${graceMs} ms grace period; giving up`);
    this.name = "DrainTimeoutError";
    this.graceMs = graceMs;
  }
}

function urlOf(addr: ListenAddress): string {
  return `http://${addr.hostname}:${addr.port}`;
}

/**
 * Runs the app server ({@linkcode newApp}) and the debug server
 * ({@linkcode newDebugApp}) on 127.0.0.1 until one of these ends them both:
 * `ctx` is done, the debug server's `POST /shutdown` is called, or a server
 * fails (such as a port in use).
 *
 * - `onReady` is called once both servers listen, never before and never
 *   when one of them could not listen.
 * - Once the shutdown begins, both servers stop accepting connections and
 *   their in-flight requests finish; `log` is told why it began.
 * - Resolves to `null` after a clean stop (the context or the shutdown
 *   route), to the first failure (naming the server) after a failure, and to
 *   a {@linkcode DrainTimeoutError} when the drain outlasts `graceMs`; in
 *   that case the servers are still draining, and the caller should end the
 *   process. It never rejects.
 *
 * @example
 * ```ts
 * import { context } from "../primitives/mod.ts";
 * import { runServers } from "./run_servers.ts";
 *
 * const [ctx, cancel] = context.withCancel(context.background());
 * const stopped = runServers(ctx, {
 *   port: 0,
 *   debugPort: 0,
 *   graceMs: 1000,
 *   onReady: () => cancel(),
 * });
 * console.log(await stopped); // null
 * ```
 */
export async function runServers(
  ctx: context.Context,
  options: RunOptions,
): Promise<Error | null> {
  // The shutdown route cancels this context; the group's context is its child.
  const [running, requestShutdown] = context.withCancelCause(ctx);
  const [group, groupCtx] = errgroup.withContext(running);

  const listening: { app?: ListenAddress; debug?: ListenAddress } = {};
  const announce = (name: "app" | "debug", addr: ListenAddress) => {
    listening[name] = addr;
    if (listening.app && listening.debug) {
      options.onReady?.({ app: urlOf(listening.app), debug: urlOf(listening.debug) });
    }
  };
  const servers = [
    { name: "app" as const, handler: newApp(), port: options.port },
    {
      name: "debug" as const,
      handler: newDebugApp(() => requestShutdown(new ShutdownRequestedError())),
      port: options.debugPort,
    },
  ];
  for (const server of servers) {
    group.go(async () => {
      try {
        await serve(groupCtx, server.handler, {
          port: server.port,
          onListen: (addr) => announce(server.name, addr),
        });
      } catch (error) {
        throw new Error(`the ${server.name} server failed: ${(error as Error).message}`, {
          cause: error,
        });
      }
    });
  }

  const finished = new Chan<Error | null>(1);
  go(async () => {
    await finished.send(await group.wait());
  });
  try {
    const first = await select([recv(finished), recv(groupCtx.done())]);
    if (first.index === 0) return first.value ?? null;
    options.log?.(`shutting down: ${context.cause(groupCtx)?.message ?? "stopped"}`);
    // The servers were told to stop: nothing left to wait for.
    return null;
  } finally {
    requestShutdown(null);
  }
}
