/**
 * Helpers for tests of concurrent code, shared by the primitives' own tests
 * and by the labs' public and hidden tests. They are not part of the
 * primitives' API: `mod.ts` does not export them.
 *
 * Most of them let *real* turns of the event loop pass, so that pending
 * hand-offs, promise callbacks and started tasks get to run while virtual time
 * (`@sinonjs/fake-timers`) stands still. The real `setImmediate`,
 * `setTimeout` and `clearTimeout` are captured when this module loads, before
 * any test installs fake timers, as `runtime.ts` does: a helper that waits for
 * real turns or a real time limit must keep reaching the real event loop.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { realTurns, valueOf, watch } from "./testing.ts";
 *
 * const { settle } = realTurns(5);
 * const answer = watch(new Promise<number>((resolve) => setImmediate(() => resolve(42))));
 * assert.equal(answer.settled, false);
 * await settle();
 * assert.equal(valueOf(answer, "the answer"), 42);
 * ```
 *
 * @module
 */
import assert from "node:assert/strict";
import { FatalError, realSetImmediate, runtime } from "./runtime.ts";
import { Panic } from "./panic.ts";
import { seeded, settleSeeded } from "./schedule.ts";

// Captured at load, before any test can replace them with fake timers. A real
// turn here is the very macrotask source the seeded scheduler's pauses use
// (runtime.ts's `setImmediate`), so a test's turns and the pauses run in the
// order they were queued, on Deno and on Bun alike, and a seed replays the
// same interleaving of both.
const realSetTimeout = globalThis.setTimeout.bind(globalThis);
const realClearTimeout = globalThis.clearTimeout.bind(globalThis);

/**
 * Resolves on the next real turn of the event loop (a `setImmediate` captured
 * before any fake timers were installed), after the microtasks queued so far.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { nextTurn } from "./testing.ts";
 *
 * let ranOnAMacrotask = false;
 * setImmediate(() => (ranOnAMacrotask = true));
 * await nextTurn();
 * assert.equal(ranOnAMacrotask, true);
 * ```
 */
export function nextTurn(): Promise<void> {
  return new Promise<void>((resolve) => realSetImmediate(resolve));
}

/**
 * Lets `turns` real turns of the event loop pass, one after the other; under
 * a seeded schedule, also as many more as it takes for the seeded pauses to
 * stop.
 */
async function settleFor(turns: number): Promise<void> {
  if (!Number.isSafeInteger(turns) || turns < 0) {
    throw new RangeError(
      `Cannot settle: the number of turns must be a whole number of at least 0, received ${
        String(turns)
      }`,
    );
  }
  // Under a seed, operations resume after pauses of up to a turn each, so a
  // hand-off may take more turns than on the default schedule: settle until
  // a whole turn passes without a pause.
  if (seeded && turns > 0) return await settleSeeded(turns);
  for (let i = 0; i < turns; i++) await nextTurn();
}

/**
 * A virtual clock that {@linkcode RealTurns.advance} can move: an installed
 * `@sinonjs/fake-timers` clock fits.
 *
 * @example
 * ```ts
 * import FakeTimers from "@sinonjs/fake-timers";
 * import type { TickingClock } from "./testing.ts";
 *
 * const clock = FakeTimers.install();
 * try {
 *   const ticking: TickingClock = clock;
 *   await ticking.tickAsync(10);
 * } finally {
 *   clock.uninstall();
 * }
 * ```
 */
export interface TickingClock {
  /** Moves virtual time on by `ms`, firing the timers that fall due. */
  tickAsync(ms: number): Promise<unknown>;
}

/**
 * A virtual clock that {@linkcode RealTurns.advanceSkippingIdle} can move: one
 * that also says what time it is and how many timers are armed. An installed
 * `@sinonjs/fake-timers` clock fits.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import FakeTimers from "@sinonjs/fake-timers";
 * import type { TimerClock } from "./testing.ts";
 *
 * const clock = FakeTimers.install();
 * try {
 *   const timed: TimerClock = clock;
 *   setTimeout(() => {}, 5);
 *   assert.equal(timed.countTimers(), 1);
 *   await timed.tickAsync(5);
 *   assert.equal(timed.now, 5);
 * } finally {
 *   clock.uninstall();
 * }
 * ```
 */
export interface TimerClock extends TickingClock {
  /** The virtual time, in milliseconds. */
  readonly now: number;
  /** How many timers are armed. */
  countTimers(): number;
}

/**
 * When the next timer armed on `clock` falls due, `Infinity` when none is.
 * fake-timers keeps its armed timers in `clock.timers` (timer id to timer,
 * each with the instant `callAt` it is due); should a version keep them
 * elsewhere, every millisecond counts as one in which a timer may fall due,
 * and {@linkcode RealTurns.advanceSkippingIdle} steps as
 * {@linkcode RealTurns.advance} does.
 */
function nextTimerDue(clock: TimerClock): number {
  const timers = (clock as { timers?: unknown }).timers;
  if (!(timers instanceof Map)) return clock.countTimers() === 0 ? Infinity : clock.now + 1;
  let due = Infinity;
  for (const timer of timers.values() as Iterable<{ callAt?: unknown }>) {
    if (typeof timer.callAt !== "number") return clock.now + 1;
    due = Math.min(due, timer.callAt);
  }
  return due;
}

/**
 * The waiting helpers of one test file, bound to the number of real turns
 * that file gives pending work to settle. Made by {@linkcode realTurns}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type RealTurns, realTurns } from "./testing.ts";
 *
 * const helpers: RealTurns = realTurns(10);
 * assert.equal(helpers.turns, 10);
 * assert.equal(await helpers.promptly(Promise.resolve("sent"), "offer()"), "sent");
 * ```
 */
export interface RealTurns {
  /** How many real turns {@linkcode RealTurns.settle} lets pass when not told otherwise. */
  readonly turns: number;
  /**
   * Lets `turns` real turns of the event loop pass (the bound count by
   * default), so that pending hand-offs, promise callbacks and started tasks
   * run. Virtual time does not move.
   *
   * @throws {RangeError} if `turns` is not a whole number of at least 0.
   */
  settle(turns?: number): Promise<void>;
  /**
   * Whether `promise` has settled (either way) once the bound number of real
   * turns has passed. Never waits longer, and handles a rejection.
   */
  isSettled(promise: Promise<unknown>): Promise<boolean>;
  /**
   * Moves `clock` on by `ms`, one millisecond at a time with two real turns
   * after each, then lets the bound number of real turns pass. The primitives
   * sometimes resume a task on a real macrotask, and a single big tick would
   * run ahead of it.
   */
  advance(clock: TickingClock, ms: number): Promise<void>;
  /**
   * Moves `clock` on by `ms` as {@linkcode RealTurns.advance} does, firing the
   * same timers at the same instants with two real turns after each instant
   * at which timers fired, but crosses a stretch in which no timer is due in
   * one tick, after letting the bound number of real turns pass (what pending
   * work would have had of those idle milliseconds, as far as `settle()`
   * waits for anything). For tests that wait long in virtual time: stepping
   * through idle milliseconds one by one was most of their CPU time.
   */
  advanceSkippingIdle(clock: TimerClock, ms: number): Promise<void>;
  /**
   * Lets the bound number of real turns pass, then resolves to the value
   * `promise` resolved to; fails the test if it is still pending by then or
   * has rejected. For operations that must never wait, like an offer to a
   * channel that drops what it cannot take.
   */
  promptly<T>(promise: Promise<T>, what: string): Promise<T>;
}

/**
 * Makes a test file's waiting helpers, bound to `turns`: how many real turns
 * of the event loop the file gives pending work to settle before it looks.
 * Test files differ there (the primitives' own tests use 3, the labs 5 or
 * 10), so each binds its count once, at the top.
 *
 * @throws {RangeError} if `turns` is not a whole number of at least 0.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import FakeTimers from "@sinonjs/fake-timers";
 * import { realTurns } from "./testing.ts";
 *
 * const { advance, isSettled, settle } = realTurns(3);
 *
 * assert.equal(await isSettled(new Promise(() => {})), false);
 * assert.equal(await isSettled(Promise.reject(new Error("handled"))), true);
 * await settle(1);
 *
 * const clock = FakeTimers.install();
 * try {
 *   let fired = false;
 *   setTimeout(() => (fired = true), 5);
 *   await advance(clock, 4);
 *   assert.equal(fired, false);
 *   await advance(clock, 1);
 *   assert.equal(fired, true);
 * } finally {
 *   clock.uninstall();
 * }
 * ```
 */
export function realTurns(turns: number): RealTurns {
  if (!Number.isSafeInteger(turns) || turns < 0) {
    throw new RangeError(
      `Cannot bind the waiting helpers: turns must be a whole number of at least 0, received ${
        String(turns)
      }`,
    );
  }
  const settle = (count: number = turns): Promise<void> => settleFor(count);
  return {
    turns,
    settle,
    async isSettled(promise: Promise<unknown>): Promise<boolean> {
      let settled = false;
      promise.then(() => (settled = true), () => (settled = true));
      await settle();
      return settled;
    },
    async advance(clock: TickingClock, ms: number): Promise<void> {
      for (let i = 0; i < ms; i++) {
        await clock.tickAsync(1);
        await settle(2);
      }
      await settle();
    },
    async advanceSkippingIdle(clock: TimerClock, ms: number): Promise<void> {
      const end = clock.now + ms;
      while (clock.now < end) {
        let due = nextTimerDue(clock);
        if (due > clock.now + 1) {
          // Idle milliseconds ahead: first the turns they would have given pending work.
          await settle();
          due = nextTimerDue(clock);
        }
        const to = Math.min(end, Math.max(due, clock.now + 1));
        await clock.tickAsync(to - clock.now);
        await settle(2);
      }
      await settle();
    },
    async promptly<T>(promise: Promise<T>, what: string): Promise<T> {
      const watched = watch(promise);
      await settle();
      if (!watched.settled) {
        assert.fail(
          `${what} is still pending after ${turns} turns of the event loop; it must not wait`,
        );
      }
      return valueOf(watched, what);
    },
  };
}

/**
 * How a watched promise has settled so far: not yet, resolved to a value, or
 * rejected. Narrow on `settled`, then on `ok`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type Settled } from "./testing.ts";
 *
 * function show(state: Settled<number>): string {
 *   if (!state.settled) return "pending";
 *   return state.ok ? `resolved to ${state.value}` : `rejected with ${state.error}`;
 * }
 * assert.equal(show({ settled: true, ok: true, value: 3 }), "resolved to 3");
 * ```
 */
export type Settled<T> =
  | { readonly settled: false }
  | { readonly settled: true; readonly ok: true; readonly value: T }
  | { readonly settled: true; readonly ok: false; readonly error: unknown };

/**
 * A promise seen from the outside, without awaiting it: {@linkcode watch}
 * makes one. `state` narrows to the outcome; the other fields read it flat.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { nextTurn, watch, type Watched } from "./testing.ts";
 *
 * const search: Watched<string[]> = watch(Promise.resolve(["gopher"]));
 * await nextTurn();
 * assert.equal(search.settled, true);
 * assert.equal(search.rejected, false);
 * assert.deepEqual(search.value, ["gopher"]);
 * ```
 */
export interface Watched<T> {
  /** The outcome so far. */
  readonly state: Settled<T>;
  /** Whether the promise has settled, either way. */
  readonly settled: boolean;
  /** Whether the promise has rejected. */
  readonly rejected: boolean;
  /** The value it resolved to; `undefined` until it resolves (and if it rejects). */
  readonly value: T | undefined;
  /** The reason it rejected with; `undefined` unless it rejected. */
  readonly error: unknown;
}

/**
 * Records how `promise` settles, so that a test can look at any moment without
 * ever waiting for it (a test that awaits a promise that never settles hangs).
 * Also handles the promise's rejection.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { nextTurn, watch } from "./testing.ts";
 *
 * const call = watch(Promise.reject(new Error("connection reset")));
 * assert.equal(call.settled, false); // its callbacks have not run yet
 * await nextTurn();
 * assert.equal(call.rejected, true);
 * assert.ok(call.state.settled && !call.state.ok);
 * assert.equal((call.state.error as Error).message, "connection reset");
 * ```
 */
export function watch<T>(promise: Promise<T>): Watched<T> {
  let state: Settled<T> = { settled: false };
  promise.then(
    (value) => (state = { settled: true, ok: true, value }),
    (error) => (state = { settled: true, ok: false, error }),
  );
  return {
    get state() {
      return state;
    },
    get settled() {
      return state.settled;
    },
    get rejected() {
      return state.settled && !state.ok;
    },
    get value() {
      return state.settled && state.ok ? state.value : undefined;
    },
    get error() {
      return state.settled && !state.ok ? state.error : undefined;
    },
  };
}

/**
 * Text for a thrown or rejected value in a failure message: `Name: message`
 * for an error, `String(error)` for anything else.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { describeError } from "./testing.ts";
 *
 * assert.equal(describeError(new TypeError("not a function")), "TypeError: not a function");
 * assert.equal(describeError("timeout"), "timeout");
 * ```
 */
export function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/**
 * Text for a value in a failure message: `Name: message` for an error, JSON
 * for plain data, `String(value)` for what JSON cannot show.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { describeValue } from "./testing.ts";
 *
 * assert.equal(describeValue(new RangeError("too big")), "RangeError: too big");
 * assert.equal(describeValue({ hits: 3 }), '{"hits":3}');
 * assert.equal(describeValue(undefined), "undefined");
 * assert.equal(describeValue(10n), "10");
 * ```
 */
export function describeValue(value: unknown): string {
  if (value instanceof Error) return describeError(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    // A BigInt, or an object that refers to itself.
    return String(value);
  }
}

/**
 * The value a watched promise resolved to; fails the test, naming `what`, if
 * it is still pending or has rejected.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { nextTurn, valueOf, watch } from "./testing.ts";
 *
 * const lookup = watch(Promise.resolve("gopher"));
 * assert.throws(() => valueOf(lookup, "lookup()"), /lookup\(\) has not settled yet/);
 * await nextTurn();
 * assert.equal(valueOf(lookup, "lookup()"), "gopher");
 * ```
 */
export function valueOf<T>(watched: { readonly state: Settled<T> }, what: string): T {
  const s = watched.state;
  if (!s.settled) assert.fail(`${what} has not settled yet`);
  if (!s.ok) assert.fail(`${what} rejected with ${describeValue(s.error)}`);
  return s.value;
}

/**
 * Fails the test, naming `what`, unless the watched promise has resolved:
 * {@linkcode valueOf} for a promise whose value does not matter.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { assertResolved, nextTurn, watch } from "./testing.ts";
 *
 * const shutdown = watch(Promise.resolve());
 * await nextTurn();
 * assertResolved(shutdown, "shutdown()");
 * const failed = watch(Promise.reject(new Error("deadline")));
 * await nextTurn();
 * assert.throws(() => assertResolved(failed, "run()"), /run\(\) rejected with Error: deadline/);
 * ```
 */
export function assertResolved(watched: { readonly state: Settled<unknown> }, what: string): void {
  valueOf(watched, what);
}

/**
 * The reason a watched promise rejected with; fails the test, naming `what`,
 * if it is still pending or has resolved.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { errorOf, nextTurn, watch } from "./testing.ts";
 *
 * const outage = new Error("503 Service Unavailable");
 * const call = watch(Promise.reject(outage));
 * await nextTurn();
 * assert.equal(errorOf(call, "fetch()"), outage);
 * const ok = watch(Promise.resolve({ status: 200 }));
 * await nextTurn();
 * assert.throws(() => errorOf(ok, "get()"), /get\(\) resolved to \{"status":200\} instead of rejecting/);
 * ```
 */
export function errorOf(watched: { readonly state: Settled<unknown> }, what: string): unknown {
  const s = watched.state;
  if (!s.settled) assert.fail(`${what} has not settled yet`);
  if (s.ok) assert.fail(`${what} resolved to ${describeValue(s.value)} instead of rejecting`);
  return s.error;
}

/**
 * Fails the test, naming `what` and saying how it settled, unless the watched
 * promise is still pending.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { assertPending, nextTurn, watch } from "./testing.ts";
 *
 * const waiting = watch(new Promise(() => {}));
 * const early = watch(Promise.resolve(7));
 * await nextTurn();
 * assertPending(waiting, "wait()");
 * assert.throws(
 *   () => assertPending(early, "wait()"),
 *   /wait\(\): expected it to be still pending, but it resolved to 7/,
 * );
 * ```
 */
export function assertPending(watched: { readonly state: Settled<unknown> }, what: string): void {
  const s = watched.state;
  if (!s.settled) return;
  if (!s.ok) {
    assert.fail(
      `${what}: expected it to be still pending, but it rejected with ${describeValue(s.error)}`,
    );
  }
  assert.fail(
    `${what}: expected it to be still pending, but it resolved to ${describeValue(s.value)}`,
  );
}

/**
 * Resolves like `promise`, or fails the test, naming `what`, if it is still
 * pending after `turns` real turns of the event loop. Stops counting as soon
 * as `promise` settles.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { withinTurns } from "./testing.ts";
 *
 * assert.equal(await withinTurns(Promise.resolve("done"), "the job"), "done");
 * await assert.rejects(
 *   withinTurns(new Promise(() => {}), "the stuck job", 3),
 *   /the stuck job did not settle within 3 turns/,
 * );
 * ```
 */
export async function withinTurns<T>(promise: Promise<T>, what: string, turns = 500): Promise<T> {
  let pending = true;
  const timeout = (async () => {
    for (let i = 0; i < turns && pending; i++) await nextTurn();
    if (pending) assert.fail(`${what} did not settle within ${turns} turns of the event loop`);
  })();
  try {
    return await Promise.race([promise, timeout as Promise<never>]);
  } finally {
    pending = false;
  }
}

/**
 * Resolves like `promise`, or rejects saying that `what` did not happen within
 * `ms` of real time (on a timer captured before any fake timers were
 * installed). For tests on real time, such as real sockets: the limit only
 * turns a hang into a failure, it does not synchronise anything.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { within } from "./testing.ts";
 *
 * assert.equal(await within(Promise.resolve(200), 5000, "the response"), 200);
 * await assert.rejects(
 *   within(new Promise(() => {}), 1, "the server listening"),
 *   /gave up after 1 ms waiting for the server listening/,
 * );
 * ```
 */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof realSetTimeout> | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = realSetTimeout(
      () => reject(new Error(`gave up after ${ms} ms waiting for ${what}`)),
      ms,
    );
  });
  try {
    return await Promise.race([promise, limit]);
  } finally {
    realClearTimeout(timer);
  }
}

/**
 * Resolves after `ms` on the test's clock: the *current* `setTimeout`, looked
 * up at each call on purpose, so that under fake timers it waits for virtual
 * time (use it for "work that takes a while" in a scenario driven by a fake
 * clock).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import FakeTimers from "@sinonjs/fake-timers";
 * import { delay } from "./testing.ts";
 *
 * const clock = FakeTimers.install();
 * try {
 *   let done = false;
 *   const work = delay(1000).then(() => (done = true));
 *   await clock.tickAsync(999);
 *   assert.equal(done, false);
 *   await clock.tickAsync(1);
 *   await work;
 *   assert.equal(done, true);
 * } finally {
 *   clock.uninstall();
 * }
 * ```
 */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * A small seeded generator of numbers in [0, 1) (mulberry32), so that a
 * scenario drawn at random can be replayed from its seed: the schedule's own
 * generator, shared so that tests and the seeded scheduler agree.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { seededRandom } from "./testing.ts";
 *
 * const a = seededRandom(42);
 * const b = seededRandom(42);
 * assert.deepEqual([a(), a(), a()], [b(), b(), b()]);
 * ```
 */
export { seededRandom } from "./schedule.ts";

/**
 * Runs `body` on the default schedule, whatever seed the process runs under
 * (`PRIMITIVES_SEED`), and puts the seed back afterwards. For a test whose
 * scenario is arranged for the default interleaving and checks that it
 * arose (a writer that publishes while a reader works, a mutex that starves):
 * a seed may legitimately never arrange it, which says nothing about the
 * primitives.
 *
 * @example
 * ```ts
 * import { onDefaultSchedule } from "./testing.ts";
 * import { runtime } from "./mod.ts";
 *
 * const seed = await onDefaultSchedule(() => runtime.seed()); // → null
 * ```
 */
export async function onDefaultSchedule<T>(body: () => T | Promise<T>): Promise<T> {
  const seed = runtime.seed();
  runtime.setSeed(null);
  try {
    return await body();
  } finally {
    runtime.setSeed(seed);
  }
}

/**
 * Runs `action`, which must raise Go's fatal error `message`: it throws a
 * {@linkcode FatalError} (not a `Panic`), and the runtime's fatal handler
 * sees it exactly once. The handler is installed only for the call, so the
 * process is not ended.
 *
 * @example
 * ```ts
 * import { expectFatal } from "./testing.ts";
 * import { sync } from "./mod.ts";
 *
 * expectFatal(() => new sync.Mutex().unlock(), "sync: unlock of unlocked mutex");
 * ```
 */
export function expectFatal(action: () => unknown, message: string): void {
  const seen: FatalError[] = [];
  const restore = runtime.onFatal((error) => seen.push(error));
  try {
    assert.throws(action, (error: unknown) => {
      assert.ok(error instanceof FatalError, `expected a FatalError, got ${describeError(error)}`);
      assert.ok(!(error instanceof Panic), "a fatal error must not be a recoverable Panic");
      assert.equal(error.message, message);
      return true;
    });
  } finally {
    restore();
  }
  assert.equal(seen.length, 1, `the fatal handler saw ${seen.length} errors, expected 1`);
}
