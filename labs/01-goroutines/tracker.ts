/**
 * Lab 01, part 1: a Tracker whose background task has a known end.
 *
 * Callers hand events to {@linkcode Tracker.event}; one task, started by the
 * caller with `go(() => tracker.run())`, handles them in order;
 * {@linkcode Tracker.shutdown} stops intake and waits, for as long as its
 * context allows, until every accepted event has been handled.
 *
 * The class below is the course's Go `Tracker`, ported line by line, bugs
 * included. Read the README (part 1), find what is wrong, and fix it.
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
 * The error `event()` must fail with once `shutdown()` has begun: the tracker
 * no longer accepts events. (The course's Go version panics here instead, with
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
  // As in the course: `stop chan struct{}` is declared, but nothing ever makes
  // it, so it stays Go's nil channel. `null` plays that part here: select()
  // treats a case on a null channel as never ready, exactly as Go does.
  readonly #stop: Chan<void> | null = null;

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
   * `shutdown()` has begun.
   */
  async event(ctx: context.Context, data: T): Promise<void> {
    // TODO(part 1): what happens here once shutdown() has closed the queue?
    // And to a call that is already waiting for room when it closes? Both must
    // reject with TrackerClosedError, never with a Panic.
    const chosen = await select([send(this.#queue, data), recv(ctx.done())]);
    if (chosen.index === 1) throw ctx.err()!;
  }

  /**
   * Handles queued events one at a time until the queue is closed by
   * `shutdown()` and empty, then signals that it has stopped. Call it once, in
   * a task of its own.
   */
  async run(): Promise<void> {
    for await (const data of this.#queue) await this.#handle(data);
    // TODO(part 1): Go's `t.stop <- struct{}{}`. Where does this send go, and
    // who receives it? Could more than one shutdown() caller be waiting?
    await select([send(this.#stop, undefined)]);
  }

  /**
   * Stops accepting events, then waits until `run()` has handled every queued
   * event, or until `ctx` is done, whichever comes first. Rejects with
   * `ctx.err()` in the second case. Safe to call more than once, also
   * concurrently.
   */
  async shutdown(ctx: context.Context): Promise<void> {
    // TODO(part 1): a second call closes the queue again (a Panic). The Go
    // version also returns nothing when the deadline wins: the caller cannot
    // tell a clean shutdown from abandoned events.
    this.#queue.close();
    await select([recv(this.#stop), recv(ctx.done())]);
  }
}
