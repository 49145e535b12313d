/**
 * Go's `time` package for channels: one-shot timers, tickers, `after` and
 * `sleep`. Every duration is a number of milliseconds.
 *
 * The timers are built on `globalThis.setTimeout` and `setInterval`, looked
 * up each time a timer starts, so fake timers installed by a test drive them.
 *
 * @module
 */
import { Chan, type ReceiveChan } from "./chan.ts";
import { go } from "./runtime.ts";
import { pause, seeded } from "./schedule.ts";

/**
 * One millisecond, the unit of every duration in this module.
 *
 * @example
 * ```ts
 * import { time } from "./mod.ts";
 *
 * await time.sleep(5 * time.Millisecond);
 * ```
 */
export const Millisecond = 1;

/**
 * One second, in milliseconds.
 *
 * @example
 * ```ts
 * import { time } from "./mod.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(2 * time.Second, 2000);
 * ```
 */
export const Second = 1000;

/**
 * One minute, in milliseconds.
 *
 * @example
 * ```ts
 * import { time } from "./mod.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(time.Minute, 60 * time.Second);
 * ```
 */
export const Minute = 60_000;

/**
 * One hour, in milliseconds.
 *
 * @example
 * ```ts
 * import { time } from "./mod.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(time.Hour, 60 * time.Minute);
 * ```
 */
export const Hour = 3_600_000;

// setTimeout and setInterval fire at once when asked for more than 2^31-1 ms
// (about 24.8 days); longer durations are waited for in steps of this size.
const maxTimerDelay = 2 ** 31 - 1;

function checkDuration(action: string, ms: unknown): asserts ms is number {
  if (typeof ms !== "number" || Number.isNaN(ms)) {
    throw new TypeError(
      `Cannot ${action}: the duration must be a number of milliseconds, received ${String(ms)}`,
    );
  }
}

function checkPeriod(action: string, ms: unknown): asserts ms is number {
  checkDuration(action, ms);
  if (ms <= 0) {
    throw new RangeError(
      `Cannot ${action}: non-positive interval ${ms}ms, a ticker's period must be greater than 0`,
    );
  }
}

/**
 * Calls `fire` once after `ms` milliseconds (at once for a non-positive
 * duration) and returns the function that cancels it. The timer functions
 * are read from `globalThis` now, and the same pair is used to re-arm and
 * cancel, so a timer started under fake timers stays on them.
 */
function schedule(ms: number, fire: () => void): () => void {
  const setTimer = globalThis.setTimeout;
  const clearTimer = globalThis.clearTimeout;
  let remaining = Math.max(0, ms);
  let handle: ReturnType<typeof setTimeout>;
  let cancelled = false;
  // Seeded, the timer fires after a pause of the seed's choosing, so that
  // timers due at the same instant can go off in either order (on real
  // timers; fake ones run each due timer on a real turn of its own, after the
  // previous one's pause has ended). It stays pending, and cancellable, until then.
  const due = () => (seeded ? pause().then(() => cancelled || fire()) : fire());
  const arm = () => {
    const step = Math.min(remaining, maxTimerDelay);
    remaining -= step;
    handle = setTimer(() => (remaining > 0 ? arm() : due()), step);
  };
  arm();
  return () => {
    cancelled = true;
    clearTimer(handle);
  };
}

/** Calls `tick` every `period` milliseconds until the returned function is called. */
function scheduleEvery(period: number, tick: () => void): () => void {
  if (period <= maxTimerDelay) {
    const setRepeating = globalThis.setInterval;
    const clearRepeating = globalThis.clearInterval;
    const handle = setRepeating(tick, period);
    return () => clearRepeating(handle);
  }
  let cancelStep = () => {};
  const next = () => {
    cancelStep = schedule(period, () => {
      next();
      tick();
    });
  };
  next();
  return () => cancelStep();
}

// afterFunc hands its function to the Timer constructor through this slot,
// so that the public constructor keeps Go's one-argument shape.
let functionForNextTimer: (() => unknown) | undefined;

/**
 * A single event, Go's `time.Timer`: after the duration, the current time is
 * delivered on {@linkcode Timer.c} (or, for a timer made by
 * {@linkcode afterFunc}, its function runs in a new task).
 *
 * As in Go 1.23, once {@linkcode Timer.stop} or {@linkcode Timer.reset}
 * returns, no value prepared before the call is ever received: a value that
 * fired but was not yet received is discarded, and the call counts the timer
 * as stopped while active.
 *
 * @example
 * ```ts
 * import { recv, select, time } from "./mod.ts";
 * import assert from "node:assert/strict";
 *
 * const timer = new time.Timer(10 * time.Millisecond);
 * const [firedAt, ok] = await timer.c.recv();
 * assert.ok(ok && firedAt instanceof Date);
 *
 * const idle = new time.Timer(time.Hour);
 * assert.equal(idle.stop(), true); // it was still pending
 * const r = await select([recv(idle.c)], { default: true });
 * assert.equal(r.index, -1); // a stopped timer never delivers
 * ```
 */
export class Timer {
  /**
   * The channel, with room for one value, on which the time is delivered
   * when the timer fires. A timer made by {@linkcode afterFunc} never
   * delivers on it (Go's is `nil`).
   */
  readonly c: ReceiveChan<Date>;
  readonly #chan: Chan<Date>;
  readonly #fn: (() => unknown) | undefined;
  /** Cancels the pending firing; `null` once the timer has fired or been stopped. */
  #cancel: (() => void) | null = null;

  /**
   * Starts a timer that fires once after `ms` milliseconds; a non-positive
   * duration fires as soon as possible.
   * @throws {TypeError} when `ms` is not a number.
   */
  constructor(ms: number) {
    const fn = functionForNextTimer;
    functionForNextTimer = undefined;
    checkDuration("start timer", ms);
    this.#fn = fn;
    this.#chan = new Chan<Date>(fn === undefined ? 1 : 0, {
      name: fn === undefined ? "time.Timer.c" : "time.afterFunc timer (never delivers)",
    });
    this.c = this.#chan;
    this.#start(ms);
  }

  #start(ms: number): void {
    this.#cancel = schedule(ms, () => this.#fire());
  }

  #fire(): void {
    this.#cancel = null;
    const fn = this.#fn;
    if (fn !== undefined) {
      go(fn);
      return;
    }
    // Never blocks: the buffer was emptied by every stop and reset, so it is
    // full only if a value fired earlier is still waiting to be received.
    this.#chan.trySend(new Date());
  }

  /** Discards a fired value that nobody received; says whether there was one. */
  #drain(): boolean {
    return this.#fn === undefined && this.#chan.tryRecv() !== undefined;
  }

  /**
   * Stops the timer. Returns `true` if this call stopped it (for a channel
   * timer, also when it had fired but its value was not yet received: the
   * value is discarded), `false` if it had already delivered or was stopped.
   * For an {@linkcode afterFunc} timer, `false` means the function has
   * already been started.
   *
   * @example
   * ```ts
   * import { time } from "./mod.ts";
   * import assert from "node:assert/strict";
   *
   * const timer = new time.Timer(time.Second);
   * assert.equal(timer.stop(), true);
   * assert.equal(timer.stop(), false); // already stopped
   * ```
   */
  stop(): boolean {
    const wasPending = this.#cancel !== null;
    this.#cancel?.();
    this.#cancel = null;
    const discarded = this.#drain();
    return wasPending || discarded;
  }

  /**
   * Restarts the timer to fire `ms` milliseconds from now, whether it was
   * pending, fired or stopped. Returns whether it was active (as
   * {@linkcode Timer.stop} would have). A value fired before the call is
   * discarded; an {@linkcode afterFunc} timer will run its function again.
   * @throws {TypeError} when `ms` is not a number.
   *
   * @example
   * ```ts
   * import { time } from "./mod.ts";
   * import assert from "node:assert/strict";
   *
   * const timer = new time.Timer(time.Hour);
   * assert.equal(timer.reset(5), true); // it was pending; now fires in 5 ms
   * await timer.c.recv();
   * assert.equal(timer.reset(5), false); // it had fired and been received
   * await timer.c.recv();
   * ```
   */
  reset(ms: number): boolean {
    checkDuration("reset timer", ms);
    const wasActive = this.stop();
    this.#start(ms);
    return wasActive;
  }
}

/**
 * Go's `time.After`: a channel that delivers the current time once, after
 * `ms` milliseconds. Use it as a timeout case in a `select`.
 * @throws {TypeError} when `ms` is not a number.
 *
 * @example
 * ```ts
 * import { Chan, recv, select, time } from "./mod.ts";
 * import assert from "node:assert/strict";
 *
 * const reply = new Chan<string>(); // nobody answers
 * const r = await select([recv(reply), recv(time.after(20))]);
 * assert.equal(r.index, 1); // timed out
 * ```
 */
export function after(ms: number): ReceiveChan<Date> {
  checkDuration("start timer for after()", ms);
  return new Timer(ms).c;
}

/**
 * Go's `time.Sleep`: resolves after `ms` milliseconds (on a later turn of the
 * event loop for a non-positive duration). Rejects with a `TypeError` when
 * `ms` is not a number.
 *
 * @example
 * ```ts
 * import { time } from "./mod.ts";
 *
 * await time.sleep(10 * time.Millisecond);
 * ```
 */
export function sleep(ms: number): Promise<void> {
  return new Promise<void>((resolve) => {
    checkDuration("sleep", ms);
    schedule(ms, resolve);
  });
}

/**
 * Go's `time.AfterFunc`: after `ms` milliseconds, runs `fn` in a new task
 * started with `go()`. The returned timer's `stop()` prevents the call if it
 * has not started (and says so by returning `true`); `reset(ms)` schedules
 * it again, even after it ran.
 * @throws {TypeError} when `ms` is not a number or `fn` is not a function.
 *
 * @example
 * ```ts
 * import { Chan, time } from "./mod.ts";
 * import assert from "node:assert/strict";
 *
 * const done = new Chan<string>(1);
 * time.afterFunc(10, () => done.send("ran"));
 * assert.deepEqual(await done.recv(), ["ran", true]);
 *
 * const cancelled = time.afterFunc(time.Hour, () => console.log("never"));
 * assert.equal(cancelled.stop(), true);
 * ```
 */
export function afterFunc(ms: number, fn: () => unknown): Timer {
  if (typeof fn !== "function") {
    throw new TypeError(
      `Cannot start afterFunc timer: fn must be a function, received ${typeof fn}`,
    );
  }
  checkDuration("start afterFunc timer", ms);
  functionForNextTimer = fn;
  return new Timer(ms);
}

/**
 * Go's `time.Ticker`: delivers the current time on {@linkcode Ticker.c}
 * every period. The channel holds one value; when the receiver is slow, the
 * ticks in between are dropped rather than queued, so a reader never falls
 * behind by more than one tick. Stop it when done: a running ticker keeps
 * the program alive.
 *
 * @example
 * ```ts
 * import { time } from "./mod.ts";
 * import assert from "node:assert/strict";
 *
 * const ticker = new time.Ticker(5 * time.Millisecond);
 * let ticks = 0;
 * for await (const _at of ticker.c) {
 *   if (++ticks === 3) break;
 * }
 * ticker.stop();
 * assert.equal(ticks, 3);
 * ```
 */
export class Ticker {
  /** The channel, with room for one value, on which the ticks are delivered. */
  readonly c: ReceiveChan<Date>;
  readonly #chan = new Chan<Date>(1, { name: "time.Ticker.c" });
  #cancel: (() => void) | null = null;

  /**
   * Starts a ticker with a period of `ms` milliseconds.
   * @throws {RangeError} when `ms` is not greater than 0 (Go panics: "non-positive interval for NewTicker").
   * @throws {TypeError} when `ms` is not a number.
   */
  constructor(ms: number) {
    checkPeriod("create ticker", ms);
    this.c = this.#chan;
    this.#start(ms);
  }

  #start(period: number): void {
    // A full buffer means the receiver has not taken the last tick: drop this one.
    this.#cancel = scheduleEvery(period, () => this.#chan.trySend(new Date()));
  }

  /**
   * Turns the ticker off: no more ticks are sent, and a tick that was sent
   * but not yet received is discarded. The channel is not closed, as in Go.
   *
   * @example
   * ```ts
   * import { recv, select, time } from "./mod.ts";
   * import assert from "node:assert/strict";
   *
   * const ticker = new time.Ticker(time.Second);
   * ticker.stop();
   * const r = await select([recv(ticker.c)], { default: true });
   * assert.equal(r.index, -1);
   * ```
   */
  stop(): void {
    this.#cancel?.();
    this.#cancel = null;
    this.#chan.tryRecv();
  }

  /**
   * Stops the ticker and restarts it with a period of `ms` milliseconds: the
   * next tick arrives `ms` from now. Works on a stopped ticker too. A tick sent
   * before the call is discarded.
   * @throws {RangeError} when `ms` is not greater than 0.
   * @throws {TypeError} when `ms` is not a number.
   *
   * @example
   * ```ts
   * import { time } from "./mod.ts";
   *
   * const ticker = new time.Ticker(time.Hour);
   * ticker.reset(5); // tick every 5 ms instead
   * await ticker.c.recv();
   * ticker.stop();
   * ```
   */
  reset(ms: number): void {
    checkPeriod("reset ticker", ms);
    this.stop();
    this.#start(ms);
  }
}
