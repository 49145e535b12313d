/**
 * Lab 06 (given): the command line of the server program.
 *
 *     main.ts [--port N] [--debug-port N] [--grace-ms N]
 *
 * Each option takes its value as the next argument or after `=`. Port 0 asks
 * the system for any free port.
 *
 * @module
 */

/** The app server's port when `--port` is not given. */
export const DEFAULT_PORT = 8080;
/** The debug server's port when `--debug-port` is not given. */
export const DEFAULT_DEBUG_PORT = 8081;
/** How long the drain may take when `--grace-ms` is not given. */
export const DEFAULT_GRACE_MS = 10_000;

/**
 * What the command line asks for.
 *
 * @example
 * ```ts
 * import type { Flags } from "./flags.ts";
 *
 * const flags: Flags = { port: 0, debugPort: 0, graceMs: 500 };
 * ```
 */
export interface Flags {
  /** The app server's port (0: any free port). */
  port: number;
  /** The debug server's port (0: any free port). */
  debugPort: number;
  /** Milliseconds the drain may take once shutdown has begun. */
  graceMs: number;
}

/**
 * A command line that cannot be understood; its message says which argument
 * and why.
 *
 * @example
 * ```ts
 * import { FlagError } from "./flags.ts";
 *
 * const error = new FlagError("--port must be a whole number from 0 to 65535, received -1");
 * console.error(error.message);
 * ```
 */
export class FlagError extends Error {
  /** Makes the error with `message`. */
  constructor(message: string) {
    super(message);
    this.name = "FlagError";
  }
}

const options: Record<string, { key: keyof Flags; max: number; what: string }> = {
  "--port": { key: "port", max: 65535, what: "a whole number from 0 to 65535" },
  "--debug-port": { key: "debugPort", max: 65535, what: "a whole number from 0 to 65535" },
  "--grace-ms": { key: "graceMs", max: 86_400_000, what: "a whole number of milliseconds" },
};

/**
 * Parses the program's arguments (without the runtime and script names).
 *
 * @throws {FlagError} for an unknown argument, a missing value, or a value out of range.
 * @example
 * ```ts
 * import { parseFlags } from "./flags.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(parseFlags(["--port", "0", "--debug-port=9000"]), {
 *   port: 0,
 *   debugPort: 9000,
 *   graceMs: 10_000,
 * });
 * ```
 */
export function parseFlags(args: string[]): Flags {
  const flags: Flags = {
    port: DEFAULT_PORT,
    debugPort: DEFAULT_DEBUG_PORT,
    graceMs: DEFAULT_GRACE_MS,
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const equals = arg.indexOf("=");
    const name = equals === -1 ? arg : arg.slice(0, equals);
    const option = options[name];
    if (option === undefined) {
      throw new FlagError(
        `unknown argument ${JSON.stringify(arg)} (the options are ${
          Object.keys(options).join(", ")
        })`,
      );
    }
    let text: string | undefined;
    if (equals !== -1) text = arg.slice(equals + 1);
    else text = args[++i];
    if (text === undefined) throw new FlagError(`${name} needs a value`);
    const value = /^\d+$/.test(text) ? Number(text) : NaN;
    if (!Number.isSafeInteger(value) || value > option.max) {
      throw new FlagError(`${name} must be ${option.what}, received ${JSON.stringify(text)}`);
    }
    flags[option.key] = value;
  }
  return flags;
}
