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
import {
  go,
  holdSoftTimer,
  mainIsRunning,
  realNow,
  releaseSoftTimer,
  type SoftTimer,
} from "./runtime.ts";
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

/** Whether a test has replaced the timers with @sinonjs/fake-timers (it marks them with `clock`). */
function timersAreFaked(): boolean {
  return "clock" in globalThis.setTimeout;
}

/**
 * Lets the process exit while `handle` is pending: Deno's timers are numbers
 * unref'd through `Deno.unrefTimer`, Bun's and Node's are objects with `unref()`.
 */
function unref(handle: unknown): void {
  if (typeof handle === "object" && handle !== null && "unref" in handle) {
    (handle as { unref(): void }).unref();
  } else if (typeof handle === "number" && "Deno" in globalThis) {
    (globalThis as unknown as { Deno: { unrefTimer(id: number): void } }).Deno.unrefTimer(handle);
  }
}

/**
 * Calls `fire` once after `ms` milliseconds (at once for a non-positive
 * duration) and returns the function that cancels it. The timer functions
 * are read from `globalThis` now, and the same pair is used to re-arm and
 * cancel, so a timer started under fake timers stays on them. `onArm` sees
 * each host handle as it is created.
 */
function schedule(ms: number, fire: () => void, onArm?: (handle: unknown) => void): () => void {
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
    onArm?.(handle);
  };
  arm();
  return () => {
    cancelled = true;
    clearTimer(handle);
  };
}

/** Calls `tick` every `period` milliseconds until the returned function is called. */
function scheduleEvery(
  period: number,
  tick: () => void,
  onArm?: (handle: unknown) => void,
): () => void {
  if (period <= maxTimerDelay) {
    const setRepeating = globalThis.setInterval;
    const clearRepeating = globalThis.clearInterval;
    const handle = setRepeating(tick, period);
    onArm?.(handle);
    return () => clearRepeating(handle);
  }
  let cancelStep = () => {};
  const next = () => {
    cancelStep = schedule(period, () => {
      next();
      tick();
    }, onArm);
  };
  next();
  return () => cancelStep();
}

// When the channel of a timer or ticker becomes unreachable, its pending host
// timer is cancelled, as Go 1.23 collects unreferenced timers.
const collected = new FinalizationRegistry<ChannelAlarm>((alarm) => alarm.collect());

/**
 * The host timer behind a channel timer or ticker. It reaches the channel
 * only through a `WeakRef`, so a pending timer never keeps its channel (or
 * the `Timer` holding it) alive: whoever waits on the channel does, through
 * its parked receive. Inside a program's main it does not keep the process
 * alive either (see {@linkcode holdSoftTimer}); outside one it does, like any
 * host timer, because nothing else would wait for it.
 */
class ChannelAlarm implements SoftTimer {
  deadline: number;
  #cancel: (() => void) | null;
  /** Whether it runs on the host's timers, not a test's fake ones. */
  readonly #real = !timersAreFaked();
  readonly #soft = this.#real && mainIsRunning();
  readonly #oneShot: boolean;
  /** The host timer armed last. */
  #handle: unknown;

  /** Arms a one-shot alarm (`period` `null`) or a repeating one, delivering the time on `chan`. */
  constructor(chan: Chan<Date>, ms: number, period: number | null) {
    const target = new WeakRef(chan);
    const onArm = (handle: unknown) => {
      this.#handle = handle;
      if (this.#soft) unref(handle);
    };
    this.#oneShot = period === null;
    this.deadline = realNow() + ms;
    this.#cancel = period === null
      ? schedule(ms, () => {
        this.#finish();
        deliver(target);
      }, onArm)
      : scheduleEvery(period, () => {
        this.deadline = realNow() + period;
        deliver(target);
      }, onArm);
    if (this.#soft) holdSoftTimer(this);
    collected.register(chan, this, this);
  }

  /** Whether it has yet to fire (a repeating alarm: until cancelled). */
  get pending(): boolean {
    return this.#cancel !== null;
  }

  /**
   * Its channel was garbage-collected: cancels the host timer, except for a
   * one-shot alarm in a seeded run. That one draws its pause from the seed's
   * generator when it fires, and when the collector runs is up to the host:
   * cancelling it would make the draws after it, and so the interleaving,
   * differ between two runs of the same seed. It stays armed, firing into
   * nothing, but no longer keeps the process alive or counts as a timer
   * that could wake the program.
   */
  collect(): void {
    if (!(seeded && this.#oneShot)) return this.cancel();
    if (this.#real) unref(this.#handle);
    releaseSoftTimer(this);
  }

  /** Cancels the host timer. */
  cancel(): void {
    this.#cancel?.();
    this.#finish();
  }

  #finish(): void {
    this.#cancel = null;
    releaseSoftTimer(this);
    collected.unregister(this);
  }
}

/**
 * Sends the current time on the channel if it is still alive. Never blocks:
 * a timer's buffer is emptied by every stop and reset, so it is full only if
 * a value fired earlier is still waiting (a ticker then drops this tick).
 */
function deliver(target: WeakRef<Chan<Date>>): void {
  target.deref()?.trySend(new Date());
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
  /** The pending firing of a channel timer; `null` once it fired or was stopped. */
  #alarm: ChannelAlarm | null = null;
  /** Cancels the pending call of an afterFunc timer; `null` once it ran or was stopped. */
  #cancelCall: (() => void) | null = null;

  /**
   * Starts a timer that fires once after `ms` milliseconds; a non-positive
   * duration fires as soon as possible. Without `ms`, the timer starts
   * stopped, like Go's zero `time.Timer` (or `NewTimer` followed by `Stop`):
   * its channel delivers nothing until {@linkcode Timer.reset} arms it.
   *
   * A pending timer that nothing refers to any more (neither the timer nor
   * its channel) is garbage-collected, as in Go 1.23: there is no need to
   * stop it. It never keeps a program alive after `runMain`'s main returns.
   * @throws {TypeError} when `ms` is given and is not a number.
   */
  constructor(ms?: number) {
    const fn = functionForNextTimer;
    functionForNextTimer = undefined;
    if (ms !== undefined) checkDuration("start timer", ms);
    this.#fn = fn;
    this.#chan = new Chan<Date>(fn === undefined ? 1 : 0, {
      name: fn === undefined ? "time.Timer.c" : "time.afterFunc timer (never delivers)",
    });
    this.c = this.#chan;
    if (ms !== undefined) this.#start(ms);
  }

  #start(ms: number): void {
    const fn = this.#fn;
    if (fn === undefined) {
      this.#alarm = new ChannelAlarm(this.#chan, ms, null);
      return;
    }
    // An afterFunc timer is work still to do: like a task about to start, it
    // keeps its function, and the process, alive until it runs.
    this.#cancelCall = schedule(ms, () => {
      this.#cancelCall = null;
      go(fn);
    });
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
    const wasPending = this.#cancelCall !== null || this.#alarm?.pending === true;
    this.#cancelCall?.();
    this.#cancelCall = null;
    this.#alarm?.cancel();
    this.#alarm = null;
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
 * behind by more than one tick. Stop it when done, as Go advises, though
 * since Go 1.23 (and here) an unreferenced ticker is collected anyway.
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
  #alarm: ChannelAlarm | null = null;

  /**
   * Starts a ticker with a period of `ms` milliseconds. A ticker that nothing
   * refers to any more (neither it nor its channel) is garbage-collected, as
   * in Go 1.23, and a running ticker never keeps a program alive after
   * `runMain`'s main returns.
   * @throws {RangeError} when `ms` is not greater than 0 (Go panics: "non-positive interval for NewTicker").
   * @throws {TypeError} when `ms` is not a number.
   */
  constructor(ms: number) {
    checkPeriod("create ticker", ms);
    this.c = this.#chan;
    this.#alarm = new ChannelAlarm(this.#chan, ms, ms);
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
    this.#alarm?.cancel();
    this.#alarm = null;
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
    this.#alarm = new ChannelAlarm(this.#chan, ms, ms);
  }
}

/**
 * Go's `time.Tick`: the channel of a new {@linkcode Ticker} of period `ms`,
 * for callers that never stop it (the ticker is collected once its channel
 * is unreachable, as in Go 1.23). Returns `null`, Go's nil channel, for a
 * non-positive period.
 * @throws {TypeError} when `ms` is not a number.
 *
 * @example
 * ```ts
 * import { time } from "./mod.ts";
 * import assert from "node:assert/strict";
 *
 * const tick = time.tick(5 * time.Millisecond)!;
 * const [at, ok] = await tick.recv();
 * assert.ok(ok && at instanceof Date);
 * assert.equal(time.tick(0), null);
 * ```
 */
export function tick(ms: number): ReceiveChan<Date> | null {
  checkDuration("start ticker for tick()", ms);
  return ms <= 0 ? null : new Ticker(ms).c;
}
