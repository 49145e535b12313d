/**
 * Lab 06, parts 2 and 4: the app server and the debug server run as one
 * group. Whatever ends first (the caller's context, the debug server's
 * shutdown route, a server that fails) shuts both down; the drain that
 * follows lets in-flight requests finish, but only for a grace period.
 * See the README, parts 2 and 4.
 *
 * @module
 */
// deno-lint-ignore-file no-unused-vars require-await -- starter: the imports are the tools you need; delete this line when done
import {
  Chan,
  context,
  errgroup,
  go,
  type ListenAddress,
  recv,
  select,
  serve,
  time,
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
  // TODO(part 2): the group.
  //  1. `const [running, requestShutdown] = context.withCancelCause(ctx)`: the
  //     shutdown route cancels `running` with a ShutdownRequestedError.
  //  2. `const [group, groupCtx] = errgroup.withContext(running)`.
  //  3. group.go() one task per server: `serve(groupCtx, handler, { port, onListen })`.
  //     A task that throws cancels groupCtx, which stops the other server.
  //     Wrap the error so it says which server failed and keeps serve()'s
  //     message (it names the address and the cause).
  //  4. onListen gives each server's real address: call options.onReady once
  //     BOTH have listened, with URLs like http://127.0.0.1:PORT.
  //  5. `await group.wait()` resolves to the first failure or null.
  //
  // TODO(part 4): the drain with a deadline.
  //  group.wait() returns when both servers have drained: possibly never, if a
  //  request hangs. Once groupCtx is done, log why (context.cause(groupCtx)),
  //  then wait for the group OR a time.Timer of options.graceMs, whichever
  //  comes first (select). If the timer wins, resolve to a DrainTimeoutError
  //  without waiting any longer. To select on group.wait(), have a go() task
  //  send its result on a channel with room for one value.
  //
  // And in any case, call requestShutdown() before returning (in a finally),
  // as every cancel function must be called.
  throw new Error("TODO: implement runServers() in run_servers.ts (parts 2 and 4 of the README)");
}
