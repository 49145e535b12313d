import { describe, it } from "node:test";
import assert from "node:assert/strict";
import FakeTimers from "@sinonjs/fake-timers";
import { context, runtime, time } from "../primitives/mod.ts";
import { describeError, errorOf, realTurns, valueOf, watch } from "../primitives/testing.ts";
import { processAll } from "./workers.ts";

const { advance } = realTurns(10);

/** Counts how many calls are inside the work function at once. */
function concurrencyMeter() {
  const meter = { active: 0, peak: 0, calls: 0 };
  return {
    meter,
    async during<T>(body: () => Promise<T>): Promise<T> {
      meter.active++;
      meter.calls++;
      meter.peak = Math.max(meter.peak, meter.active);
      try {
        return await body();
      } finally {
        meter.active--;
      }
    },
  };
}

describe("processAll()", () => {
  it("resolves to every job's result in job order, whatever order they finish in", async () => {
    const clock = FakeTimers.install();
    try {
      const durations = [50, 10, 40, 20, 30, 5, 45];
      const result = watch(
        processAll(context.background(), durations, 3, async (_ctx, ms) => {
          await time.sleep(ms);
          return `slept ${ms}`;
        }),
      );
      await advance(clock, 200);
      assert.deepEqual(valueOf(result, "processAll()"), durations.map((ms) => `slept ${ms}`));
    } finally {
      clock.uninstall();
    }
  });

  it("runs exactly W jobs at once when there is enough work, never more", async () => {
    const clock = FakeTimers.install();
    try {
      const { meter, during } = concurrencyMeter();
      const jobs = Array.from({ length: 20 }, (_, i) => i);
      const result = watch(
        processAll(
          context.background(),
          jobs,
          4,
          (_ctx, n) => during(() => time.sleep(10).then(() => n * 2)),
        ),
      );
      await advance(clock, 100);
      assert.deepEqual(valueOf(result, "processAll()"), jobs.map((n) => n * 2));
      assert.equal(meter.calls, 20, "work must be called once per job");
      assert.equal(meter.peak, 4, `expected 4 jobs running at the peak, saw ${meter.peak}`);
    } finally {
      clock.uninstall();
    }
  });

  it("rejects with a failing job's error and leaves no worker running", async () => {
    const cp = runtime.checkpoint();
    const clock = FakeTimers.install();
    try {
      const jobs = Array.from({ length: 10 }, (_, i) => i);
      const result = watch(
        processAll(context.background(), jobs, 2, async (_ctx, n) => {
          await time.sleep(10);
          if (n === 3) throw new Error(`job ${n} failed`);
          return n;
        }),
      );
      await advance(clock, 200);
      const error = errorOf(result, "processAll()");
      assert.ok(
        error instanceof Error && error.message === "job 3 failed",
        `got ${describeError(error)}`,
      );
      await runtime.assertNoLeaks(cp);
    } finally {
      clock.uninstall();
    }
  });

  it("rejects a worker count that is not a positive integer with a RangeError", async () => {
    for (const workers of [0, -1, 1.5, Number.NaN]) {
      await assert.rejects(
        processAll(context.background(), [1], workers, (_ctx, n) => Promise.resolve(n)),
        RangeError,
        `workers = ${workers} must be refused`,
      );
    }
  });
  it("rejects with context.Canceled when the caller cancels, after the running jobs return", async () => {
    const cp = runtime.checkpoint();
    const clock = FakeTimers.install();
    try {
      const [ctx, cancel] = context.withCancel(context.background());
      let started = 0;
      const jobs = Array.from({ length: 10 }, (_, i) => i);
      const result = watch(
        processAll(ctx, jobs, 2, async (_ctx, n) => {
          started++;
          await time.sleep(10);
          return n;
        }),
      );
      await advance(clock, 5);
      cancel();
      await advance(clock, 100);
      assert.equal(errorOf(result, "processAll()"), context.Canceled);
      assert.equal(started, 2, "a job started after the caller cancelled");
      await runtime.assertNoLeaks(cp);
    } finally {
      clock.uninstall();
    }
  });

  it("starts no further job after one fails", async () => {
    const clock = FakeTimers.install();
    try {
      let started = 0;
      const jobs = Array.from({ length: 10 }, (_, i) => i);
      const result = watch(
        processAll(context.background(), jobs, 1, async (_ctx, n) => {
          started++;
          await time.sleep(10);
          if (n === 2) throw new Error(`job ${n} failed`);
          return n;
        }),
      );
      await advance(clock, 200);
      errorOf(result, "processAll()");
      assert.equal(started, 3, "jobs kept starting after job 2 failed");
    } finally {
      clock.uninstall();
    }
  });
});
