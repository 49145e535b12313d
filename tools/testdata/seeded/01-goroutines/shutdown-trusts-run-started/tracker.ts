// Mutant (seeded): shutdown() skips waiting for the drain when run() has not yet set its running flag, as if go() started the task at once: when the task starts late, shutdown() resolves while accepted events are still queued.
/**
 * Lab 01, part 1: a Tracker whose background task has a known end.
 *
 * Callers hand events to {@linkcode Tracker.event}; one task, started by the
 * caller with `go(() => tracker.run())`, handles them in order;
 * {@linkcode Tracker.shutdown} stops intake and waits, for as long as its
 * context allows, until every accepted event has been handled.
 *
 * @module
 */
import { Chan, type context, recv, select, send } from "../primitives/mod.ts";

/**
 * What the tracker does with each event. It may be async; `run()` waits for it
 * before taking the next event, so events are handled one at a time, in order.
 *
 * @example
 * ```ts
 * import type { EventHandler } from "./tracker.ts";
 *
 * const logEvent: EventHandler<string> = (data) => console.log("event:", data);
 * ```
 */
export type EventHandler<T> = (data: T) => void | Promise<void>;

/**
 * Settings for a new {@linkcode Tracker}.
 *
 * @example
 * ```ts
 * import { Tracker, type TrackerOptions } from "./tracker.ts";
 *
 * const options: TrackerOptions = { capacity: 100 };
 * const tracker = new Tracker<string>(() => {}, options);
 * ```
 */
export interface TrackerOptions {
  /** How many events may wait in the queue before `event()` blocks. Default 10, as in the course. */
  capacity?: number;
}

/**
 * The error `event()` fails with once `shutdown()` has begun: the tracker no
 * longer accepts events. (The course's Go version panics here instead, with
 * "send on closed channel".)
 *
 * @example
 * ```ts
 * import { context } from "../primitives/mod.ts";
 * import { Tracker, TrackerClosedError } from "./tracker.ts";
 * import assert from "node:assert/strict";
 *
 * const tracker = new Tracker<string>(() => {});
 * const [ctx, cancel] = context.withTimeout(context.background(), 1000);
 * await assert.rejects(tracker.shutdown(ctx)); // nobody runs it: the deadline passes
 * cancel();
 * await assert.rejects(tracker.event(context.background(), "late"), TrackerClosedError);
 * ```
 */
export class TrackerClosedError extends Error {
  /** Creates the error; the message says why the event was refused. */
  constructor() {
    super("Cannot track event: the tracker is shutting down and accepts no more events");
    this.name = "TrackerClosedError";
  }
}

/**
 * Queues events for one background task to handle, and shuts down gracefully.
 *
 * The caller decides where `run()` runs (usually `go(() => tracker.run())`),
 * and the caller learns when it stopped: `shutdown(ctx)` resolves once `run()`
 * has handled every accepted event, or rejects with `ctx.err()` when the
 * context is done first.
 *
 * @example
 * ```ts
 * import { context, go } from "../primitives/mod.ts";
 * import { Tracker } from "./tracker.ts";
 * import assert from "node:assert/strict";
 *
 * const seen: string[] = [];
 * const tracker = new Tracker<string>((data) => {
 *   seen.push(data);
 * });
 * go(() => tracker.run());
 * await tracker.event(context.background(), "signup");
 * await tracker.event(context.background(), "login");
 *
 * const [ctx, cancel] = context.withTimeout(context.background(), 5000);
 * try {
 *   await tracker.shutdown(ctx);
 * } finally {
 *   cancel();
 * }
 * assert.deepEqual(seen, ["signup", "login"]);
 * ```
 */
export class Tracker<T = string> {
  readonly #handle: EventHandler<T>;
  readonly #queue: Chan<T>;
  // Closed (never sent on) when shutdown begins. event() selects on it so that
  // a send parked on a full queue gives up before the queue itself is closed:
  // closing a channel under a parked sender would make that sender panic.
  readonly #closing = new Chan<void>(0, { name: "tracker closing" });
  // Closed by run() once it has handled the last event. Closing, rather than
  // sending one value as the course's Go code does, wakes every shutdown()
  // caller, not just the first.
  readonly #drained = new Chan<void>(0, { name: "tracker drained" });
  #closed = false;
  // Set by run() when it starts, so that shutdown() knows whether anybody
  // will ever drain the queue.
  #running = false;

  /**
   * Makes a tracker that hands each event to `handle`.
   * @throws {RangeError} when `options.capacity` is not a non-negative integer.
   */
  constructor(handle: EventHandler<T>, options: TrackerOptions = {}) {
    this.#handle = handle;
    this.#queue = new Chan<T>(options.capacity ?? 10, { name: "tracker events" });
  }

  /**
   * Queues `data`. Waits while the queue is full; rejects with `ctx.err()` if
   * `ctx` is done first, and with {@linkcode TrackerClosedError} once
   * `shutdown()` has begun. A resolved `event()` is a promise that `run()` will
   * handle the event before `shutdown()` resolves.
   */
  async event(ctx: context.Context, data: T): Promise<void> {
    if (this.#closed) throw new TrackerClosedError();
    const chosen = await select([
      send(this.#queue, data),
      recv(ctx.done()),
      recv(this.#closing),
    ]);
    if (chosen.index === 1) throw ctx.err()!;
    if (chosen.index === 2) throw new TrackerClosedError();
  }

  /**
   * Handles queued events one at a time until the queue is closed by
   * `shutdown()` and empty, then signals that it has stopped. Call it once, in
   * a task of its own.
   */
  async run(): Promise<void> {
    this.#running = true;
    try {
      for await (const data of this.#queue) await this.#handle(data);
    } finally {
      this.#drained.close();
    }
  }

  /**
   * Stops accepting events, then waits until `run()` has handled every queued
   * event, or until `ctx` is done, whichever comes first. Rejects with
   * `ctx.err()` in the second case; `run()` keeps draining regardless. Safe to
   * call more than once, also concurrently: every call waits for the same end.
   */
  async shutdown(ctx: context.Context): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      this.#closing.close(); // first: parked event() calls leave the queue
      this.#queue.close(); // then: run() drains what was accepted and ends
    }
    // Nobody runs the tracker: there is nothing to wait for.
    if (!this.#running) return;
    const chosen = await select([recv(this.#drained), recv(ctx.done())]);
    if (chosen.index === 1) throw ctx.err()!;
  }
}
