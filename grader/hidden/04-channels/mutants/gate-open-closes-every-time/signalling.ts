// Mutant: Gate.open() closes the channel on every call, so a second open() panics with close of closed channel.
/**
 * Part 6 — signalling with and without data: closing a channel is a
 * broadcast that every waiter sees, now and later; a buffered channel with
 * one slot per sender collects reports without making anyone wait.
 *
 * @module
 */
import { Chan, context, go, type ReceiveChan, recv, select } from "../primitives/mod.ts";

/**
 * A one-shot broadcast: {@linkcode Gate.open} closes a channel, which wakes
 * every current waiter at once and lets every later one straight through.
 * Use it to say "start" or "stop" to any number of tasks.
 *
 * @example
 * ```ts
 * import { go } from "../primitives/mod.ts";
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
  #open = false;

  /** Makes a closed gate; `name` appears in leak reports. */
  constructor(name = "gate") {
    this.#signal = new Chan<void>(0, { name });
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
    return this.#open;
  }

  /**
   * Opens the gate, waking every waiter. Returns `true` for the call that
   * opened it and `false` for every later call (closing a channel twice
   * would panic; the flag makes opening idempotent).
   */
  open(): boolean {
    const first = !this.#open;
    this.#open = true;
    this.#signal.close();
    return first;
  }

  /**
   * Waits for the gate to open: resolves to `true` once it is open (at once
   * if it already is), or `false` if `ctx` is done first. Leaves nothing
   * parked either way.
   */
  async wait(ctx: context.Context): Promise<boolean> {
    if (this.#open) return true;
    const r = await select([recv(this.#signal), recv(ctx.done())]);
    return r.index === 0;
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
 * reports how it ended on a `done` channel with exactly one slot per
 * service (a signal with data that never makes the sender wait).
 *
 * Resolves, after every service has returned, to the first error reported,
 * or `null` when every service returned cleanly.
 *
 * @example
 * ```ts
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
  const stop = new Gate("stop");
  const done = new Chan<{ error: unknown } | null>(services.length, { name: "done" });
  for (const service of services) {
    go(async () => {
      try {
        await service(stop.done());
        await done.send(null);
      } catch (error) {
        await done.send({ error });
      }
    });
  }
  let firstError: { error: unknown } | null = null;
  for (let i = 0; i < services.length; i++) {
    const [report] = await done.recv();
    if (report && firstError === null) firstError = report;
    stop.open(); // only the first call closes the channel
  }
  return firstError === null ? null : firstError.error;
}
