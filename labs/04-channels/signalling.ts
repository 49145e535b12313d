/**
 * Part 6 — signalling with and without data: closing a channel is a
 * broadcast that every waiter sees, now and later; a buffered channel with
 * one slot per sender collects reports without making anyone wait.
 *
 * @module
 */
// deno-lint-ignore-file no-unused-vars require-await -- starter code; remove this line when done
import { Chan, context, go, type ReceiveChan, recv, select } from "../primitives/mod.ts";

/**
 * A one-shot broadcast: {@linkcode Gate.open} closes a channel, which wakes
 * every current waiter at once and lets every later one straight through.
 * Use it to say "start" or "stop" to any number of tasks.
 *
 * @example
 * ```ts ignore
 * import { Gate } from "./signalling.ts";
 * import assert from "node:assert/strict";
 *
 * const start = new Gate("start");
 * const started: number[] = [];
 * const finished = Promise.all([1, 2, 3].map(async (id) => {
 *   await start.done().recv(); // parks until the gate opens
 *   started.push(id);
 * }));
 * assert.equal(start.open(), true);
 * assert.equal(start.open(), false); // opening twice is harmless
 * await finished;
 * assert.equal(started.length, 3);
 * ```
 */
export class Gate {
  readonly #signal: Chan<void>;

  /** Makes a closed gate; `name` appears in leak reports. */
  constructor(name = "gate") {
    this.#signal = new Chan<void>(0, { name });
    // TODO(part 6): anything else a gate needs to remember?
  }

  /**
   * The channel that is closed when the gate opens. Nothing is ever sent on
   * it: a receive from it returns `[undefined, false]` once the gate is open.
   * Use it as a case in `select`.
   */
  done(): ReceiveChan<void> {
    return this.#signal;
  }

  /** Whether the gate has been opened. */
  get isOpen(): boolean {
    // TODO(part 6): say whether open() has been called (a private field set by open()).
    return false;
  }

  /**
   * Opens the gate, waking every waiter. Returns `true` for the call that
   * opened it and `false` for every later call (never panics).
   */
  open(): boolean {
    // TODO(part 6): closing the channel is the broadcast; closing it twice panics.
    throw new Error("TODO: implement Gate.open() in signalling.ts (part 6 of the README)");
  }

  /**
   * Waits for the gate to open: resolves to `true` once it is open (at once
   * if it already is), or `false` if `ctx` is done first. Leaves nothing
   * parked either way.
   */
  async wait(ctx: context.Context): Promise<boolean> {
    // TODO(part 6): answer true at once when the gate is already open, before any
    // select: with ctx also done, select would pick either ready case at random.
    // Otherwise, one select over the gate's channel and ctx.done().
    throw new Error("TODO: implement Gate.wait() in signalling.ts (part 6 of the README)");
  }
}

/**
 * A long-running service, such as an HTTP server: runs until `stop` is
 * closed, then returns (or throws to report a failure).
 *
 * @example
 * ```ts
 * import type { Service } from "./signalling.ts";
 *
 * const idle: Service = async (stop) => {
 *   await stop.recv(); // [undefined, false] once stop is closed
 * };
 * ```
 */
export type Service = (stop: ReceiveChan<void>) => Promise<void>;

/**
 * Runs every service in its own task and keeps them together: when the first
 * one returns or throws, all the others are told to stop by closing one
 * `stop` channel (a signal without data, seen by all of them). Each service
 * reports how it ended on a `done` channel that never makes it wait (a
 * signal with data).
 *
 * Resolves, after every service has returned, to the first error reported,
 * or `null` when every service returned cleanly.
 *
 * @example
 * ```ts ignore
 * import { type ReceiveChan, recv, select, time } from "../primitives/mod.ts";
 * import { supervise } from "./signalling.ts";
 * import assert from "node:assert/strict";
 *
 * const failing = async () => {
 *   await time.sleep(5);
 *   throw new Error("listen: port in use");
 * };
 * const server = async (stop: ReceiveChan<void>) => {
 *   await select([recv(stop)]); // serve until told to stop
 * };
 * const err = await supervise([failing, server]);
 * assert.equal((err as Error).message, "listen: port in use");
 * ```
 */
export async function supervise(services: readonly Service[]): Promise<unknown> {
  // TODO(part 6): implement supervise():
  //  - a `stop` Gate, shared by every service;
  //  - a `done` channel for the reports ({ error } or null). How many slots
  //    does it need so that no service ever waits to report?
  //  - start each service with go(); report how it ended;
  //  - receive exactly one report per service; after the first report, a clean
  //    return as much as an error, open the gate (a second open is harmless);
  //  - only once every service has reported, return the first error, or null:
  //    a service may still be shutting down after the first error arrived.
  throw new Error("TODO: implement supervise() in signalling.ts (part 6 of the README)");
}
