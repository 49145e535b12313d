// Mutant: Returns as soon as the shutdown begins instead of waiting for the servers to drain, and main then ends the process with process.exit(), cutting off requests in flight.
/**
 * Lab 06, part 3: the program. Parses the flags, turns SIGINT and SIGTERM
 * into the cancellation of a context, runs the servers under it, and ends
 * with the right status. See the README, part 3.
 *
 *     deno run --allow-net=127.0.0.1 labs/06-server/main.ts --port 8080 --debug-port 8081
 *     bun run labs/06-server/main.ts --port 8080 --debug-port 8081
 *
 * @module
 */
import process from "node:process";
import { context, signal } from "../primitives/mod.ts";
import { FlagError, parseFlags } from "./flags.ts";
import { DrainTimeoutError, runServers, type ServerUrls } from "./run_servers.ts";

/**
 * The one line the program prints on stdout, once both servers listen.
 *
 * @example
 * ```ts
 * import { readinessLine } from "./main.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(
 *   readinessLine({ app: "http://127.0.0.1:8080", debug: "http://127.0.0.1:8081" }),
 *   "listening app=http://127.0.0.1:8080 debug=http://127.0.0.1:8081",
 * );
 * ```
 */
export function readinessLine(urls: ServerUrls): string {
  return `listening app=${urls.app} debug=${urls.debug}`;
}

/**
 * Runs the program with `args` (the arguments after the script name) and
 * resolves to its exit status: 0 after a signal or the shutdown route, 1
 * after a failure (said on stderr), 2 for a bad command line. When the drain
 * outlasts the grace period, it ends the process at once with status 1.
 *
 * @example
 * ```ts ignore
 * // Serves until SIGINT or SIGTERM.
 * import { main } from "./main.ts";
 * process.exitCode = await main(["--port", "0", "--debug-port", "0"]);
 * ```
 */
export async function main(args: string[]): Promise<number> {
  let flags;
  try {
    flags = parseFlags(args);
  } catch (error) {
    if (!(error instanceof FlagError)) throw error;
    console.error(`error: ${error.message}`);
    return 2;
  }
  const [ctx, stop] = signal.notifyContext(context.background(), "SIGINT", "SIGTERM");
  let failure: Error | null;
  try {
    failure = await runServers(ctx, {
      ...flags,
      onReady: (urls) => console.log(readinessLine(urls)),
      log: (line) => console.error(line),
    });
  } finally {
    // Listening for signals keeps the program alive, and a second Ctrl-C must kill it.
    stop();
  }
  if (failure === null) return 0;
  console.error(`error: ${failure.message}`);
  if (failure instanceof DrainTimeoutError) process.exit(1);
  return 1;
}

if (import.meta.main) {
  // No process.exit() on the way out: the program ends when nothing is left
  // running, which is the proof that every server, timer and listener is gone.
  process.exit(await main(process.argv.slice(2)));
}
