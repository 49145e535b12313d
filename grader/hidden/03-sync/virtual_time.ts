/**
 * Moving a fake clock on without stepping through idle milliseconds, for the
 * hidden tests (a helper, not a test file: the grader copies it beside them).
 *
 * `realTurns(n).advance(clock, ms)` moves virtual time one millisecond at a
 * time and lets two real turns pass after each, so that whatever a timer set
 * off runs before the next timer fires. In most of those milliseconds no
 * timer is due, and once the loop has settled nothing can happen in them, yet
 * stepping through them was most of the CPU time of the hidden tests that
 * wait long in virtual time. The advance made here fires the same timers at
 * the same instants and lets the same two turns pass after each instant at
 * which timers fired; a stretch in which no timer is due it crosses in one
 * tick, after letting the file's whole number of turns pass (what pending
 * work would have had of the idle milliseconds, as far as the file's own
 * `settle()` waits for anything).
 *
 * @example
 * ```ts
 * import FakeTimers from "@sinonjs/fake-timers";
 * import { realTurns } from "../primitives/testing.ts";
 * import { skippingIdleTime } from "./virtual_time.ts";
 * const { settle } = realTurns(5);
 * const advance = skippingIdleTime(settle);
 * const clock = FakeTimers.install();
 * try {
 *   await advance(clock, 5000); // a few ticks, not 5000
 * } finally {
 *   clock.uninstall();
 * }
 * ```
 * @module
 */

/** What the advance needs of an installed `@sinonjs/fake-timers` clock. */
export interface FakeClock {
  readonly now: number;
  tickAsync(ms: number): Promise<unknown>;
  countTimers(): number;
}

/**
 * When the next timer armed on `clock` falls due, `Infinity` when none is.
 * fake-timers keeps its armed timers in `clock.timers` (timer id to timer,
 * each with the instant `callAt` it is due), made when the first timer is
 * armed; should a later version keep them elsewhere, every millisecond counts
 * as one a timer may fall due in, and the advance steps as `advance()` does.
 */
export function nextTimerDue(clock: FakeClock): number {
  const timers = (clock as unknown as { timers?: Map<unknown, { callAt?: unknown }> }).timers;
  if (!(timers instanceof Map)) return clock.countTimers() === 0 ? Infinity : clock.now + 1;
  let due = Infinity;
  for (const timer of timers.values()) {
    if (typeof timer.callAt !== "number") return clock.now + 1;
    due = Math.min(due, timer.callAt);
  }
  return due;
}

/**
 * `realTurns(n).advance`, skipping the milliseconds in which no timer is due:
 * give it the file's `settle`.
 */
export function skippingIdleTime(
  settle: (turns?: number) => Promise<void>,
): (clock: FakeClock, ms: number) => Promise<void> {
  return async (clock, ms) => {
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
  };
}
