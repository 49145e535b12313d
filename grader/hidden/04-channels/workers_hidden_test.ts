import { describe, it } from "node:test";
import assert from "node:assert/strict";
import FakeTimers from "@sinonjs/fake-timers";
import { context, recv, runtime, select, time } from "../primitives/mod.ts";
import {
  assertPending,
  describeError,
  errorOf,
  realTurns,
  seededRandom,
  valueOf,
  watch,
} from "../primitives/testing.ts";

// advance crosses the milliseconds in which no timer is due in one tick: these tests wait long.
const { settle, advanceSkippingIdle: advance } = realTurns(10);

/** Records every call of the work function: how many run at once, which started, which ended. */
function recorder() {
  const rec = { active: 0, peak: 0, started: [] as number[], ended: [] as number[] };
  return {
    rec,
    async during<T>(job: number, body: () => Promise<T>): Promise<T> {
      rec.active++;
      rec.started.push(job);
      rec.peak = Math.max(rec.peak, rec.active);
      try {
        return await body();
      } finally {
        rec.active--;
        rec.ended.push(job);
      }
    },
  };
}

/** Sleeps `ms` virtual ms, or less if ctx is cancelled (then throws ctx.err()). */
async function sleepCtx(ctx: context.Context, ms: number): Promise<void> {
  const r = await select([recv(time.after(ms)), recv(ctx.done())]);
  if (r.index === 1) throw ctx.err();
}

describe("processAll() (hidden)", () => {
  it("results line up with jobs and concurrency peaks at exactly min(W, N) over 15 seeded schedules", async () => {
    const { processAll } = await import("./workers.ts");
    for (let seed = 1; seed <= 15; seed++) {
      const random = seededRandom(seed);
      const cp = runtime.checkpoint();
      const clock = FakeTimers.install();
      try {
        const workers = 1 + Math.floor(random() * 6);
        const jobs = Array.from(
          { length: Math.floor(random() * 40) },
          () => 1 + Math.floor(random() * 50),
        );
        const { rec, during } = recorder();
        const result = watch(
          processAll(context.background(), jobs, workers, (_ctx, ms) =>
            during(ms, async () => {
              await time.sleep(ms);
              return ms * 3;
            })),
        );
        await advance(clock, jobs.reduce((sum, ms) => sum + ms, 0) + 10);
        assert.deepEqual(valueOf(result, `seed ${seed}: processAll()`), jobs.map((ms) => ms * 3));
        assert.equal(
          rec.started.length,
          jobs.length,
          `seed ${seed}: each job must run exactly once`,
        );
        assert.equal(
          rec.peak,
          Math.min(workers, jobs.length),
          `seed ${seed}: ${workers} workers, ${jobs.length} jobs, peak concurrency was ${rec.peak}`,
        );
        await runtime.assertNoLeaks(cp);
      } finally {
        clock.uninstall();
      }
    }
  });

  it("never exceeds W even when many jobs finish at the same instant", async () => {
    const { processAll } = await import("./workers.ts");
    for (const workers of [1, 2, 3, 7]) {
      const clock = FakeTimers.install();
      try {
        const { rec, during } = recorder();
        const jobs = Array.from({ length: 50 }, (_, i) => i);
        const result = watch(
          processAll(
            context.background(),
            jobs,
            workers,
            (_ctx, n) => during(n, () => time.sleep(10).then(() => n)),
          ),
        );
        await advance(clock, 10 * 50 + 10);
        assert.deepEqual(valueOf(result, "processAll()"), jobs);
        assert.equal(rec.peak, workers, `W = ${workers}: peak concurrency was ${rec.peak}`);
      } finally {
        clock.uninstall();
      }
    }
  });

  it("starts no job once the caller cancels, rejects with context.Canceled, and settles after every running job returned", async () => {
    const { processAll } = await import("./workers.ts");
    for (let seed = 1; seed <= 25; seed++) {
      const random = seededRandom(900 + seed);
      const cp = runtime.checkpoint();
      const clock = FakeTimers.install();
      try {
        const [ctx, cancel] = context.withCancel(context.background());
        const { rec, during } = recorder();
        const lateStarts: number[] = [];
        let cancelled = false;
        const jobs = Array.from({ length: 40 }, () => 1 + Math.floor(random() * 20));
        const result = watch(
          processAll(ctx, jobs, 3, (jobCtx, ms) =>
            during(ms, async () => {
              if (cancelled || jobCtx.err() !== null) lateStarts.push(ms);
              // A job already running when the caller cancels finishes its work anyway.
              await time.sleep(ms);
              return ms;
            })),
        );
        await advance(clock, 1 + Math.floor(random() * 60));
        cancelled = true;
        cancel();
        await settle();
        if (rec.active > 0) {
          assertPending(result, `seed ${seed}: processAll() while jobs are still running`);
        }
        await advance(clock, 30);
        assert.deepEqual(lateStarts, [], `seed ${seed}: jobs started after cancel()`);
        assert.equal(errorOf(result, `seed ${seed}: processAll()`), context.Canceled);
        assert.equal(rec.active, 0);
        await runtime.assertNoLeaks(cp);
      } finally {
        clock.uninstall();
      }
    }
  });

  it("cancelling from inside a job as it starts lets no other job start afterwards", async () => {
    const { processAll } = await import("./workers.ts");
    for (let seed = 1; seed <= 30; seed++) {
      const random = seededRandom(1700 + seed);
      const cp = runtime.checkpoint();
      const clock = FakeTimers.install();
      try {
        const [ctx, cancel] = context.withCancel(context.background());
        const trigger = Math.floor(random() * 6);
        const workers = 2 + Math.floor(random() * 4);
        let cancelled = false;
        const lateStarts: number[] = [];
        const jobs = Array.from({ length: 30 }, (_, i) => i);
        const result = watch(
          processAll(ctx, jobs, workers, async (jobCtx, n) => {
            if (cancelled || jobCtx.err() !== null) lateStarts.push(n);
            if (n === trigger) {
              cancelled = true;
              cancel();
            }
            await time.sleep(5);
            return n;
          }),
        );
        await advance(clock, 20);
        assert.deepEqual(
          lateStarts,
          [],
          `seed ${seed}: jobs started after job ${trigger} cancelled`,
        );
        assert.equal(errorOf(result, `seed ${seed}: processAll()`), context.Canceled);
        await runtime.assertNoLeaks(cp);
      } finally {
        clock.uninstall();
      }
    }
  });

  it("a context cancelled before the call runs no job and rejects with context.Canceled", async () => {
    const { processAll } = await import("./workers.ts");
    const cp = runtime.checkpoint();
    const [ctx, cancel] = context.withCancel(context.background());
    cancel();
    let calls = 0;
    const result = watch(processAll(ctx, [1, 2, 3, 4, 5], 2, (_ctx, n) => {
      calls++;
      return Promise.resolve(n);
    }));
    await settle();
    assert.equal(errorOf(result, "processAll()"), context.Canceled);
    assert.equal(calls, 0, "no job may start under a cancelled context");
    await runtime.assertNoLeaks(cp);
  });

  it("after a failure no new job starts, the running ones see their context cancelled, and it settles after they return", async () => {
    const { processAll } = await import("./workers.ts");
    for (let seed = 1; seed <= 15; seed++) {
      const random = seededRandom(1300 + seed);
      const cp = runtime.checkpoint();
      const clock = FakeTimers.install();
      try {
        const failing = Math.floor(random() * 20);
        const boom = new Error(`job ${failing} failed`);
        const { rec, during } = recorder();
        const lateStarts: number[] = [];
        const sawCancel: number[] = [];
        let runningAtFailure: number[] = [];
        const jobs = Array.from({ length: 20 }, (_, i) => i);
        const result = watch(
          processAll(context.background(), jobs, 4, (ctx, n) =>
            during(n, async () => {
              if (ctx.err() !== null) lateStarts.push(n);
              if (n === failing) {
                // Every other job lasts a multiple of 10 ms, so none ends at this instant.
                await time.sleep(3);
                runningAtFailure = rec.started.filter((j) => j !== n && !rec.ended.includes(j));
                throw boom;
              }
              try {
                await sleepCtx(ctx, 10 * (1 + Math.floor(random() * 3)));
              } catch (error) {
                sawCancel.push(n);
                throw error;
              }
              return n;
            })),
        );
        await advance(clock, 500);
        assert.equal(errorOf(result, `seed ${seed}: processAll()`), boom);
        assert.deepEqual(lateStarts, [], `seed ${seed}: jobs started after job ${failing} failed`);
        assert.deepEqual(
          [...sawCancel].sort((a, b) => a - b),
          [...runningAtFailure].sort((a, b) => a - b),
          `seed ${seed}: the jobs running when job ${failing} failed must see their context cancelled`,
        );
        const stillRunning = rec.started.filter((n) => !rec.ended.includes(n));
        assert.deepEqual(
          stillRunning,
          [],
          `seed ${seed}: settled before jobs ${stillRunning} returned`,
        );
        await runtime.assertNoLeaks(cp);
      } finally {
        clock.uninstall();
      }
    }
  });

  it("waits for a running job that ignores cancellation before rejecting", async () => {
    const { processAll } = await import("./workers.ts");
    const clock = FakeTimers.install();
    try {
      const ended: number[] = [];
      const result = watch(
        processAll(context.background(), [0, 1], 2, async (_ctx, n) => {
          if (n === 0) {
            await time.sleep(10);
            throw new Error("job 0 failed");
          }
          await time.sleep(100); // deaf to cancellation
          ended.push(n);
          return n;
        }),
      );
      await advance(clock, 50);
      assertPending(result, "processAll() while job 1 is still running");
      await advance(clock, 50);
      assert.deepEqual(ended, [1]);
      assert.match(describeError(errorOf(result, "processAll()")), /job 0 failed/);
    } finally {
      clock.uninstall();
    }
  });

  it("starts W workers, not a task per job: 200 jobs on 3 workers start at most 3 + 4 tasks", async () => {
    const { processAll } = await import("./workers.ts");
    const clock = FakeTimers.install();
    try {
      const before = runtime.checkpoint();
      const jobs = Array.from({ length: 200 }, (_, i) => i);
      const result = watch(
        processAll(context.background(), jobs, 3, async (_ctx, n) => {
          await time.sleep(1);
          return n;
        }),
      );
      await advance(clock, 100);
      assert.equal(valueOf(result, "processAll()").length, 200);
      // Task ids increase by one for every go(): the difference counts the tasks started.
      const started = runtime.checkpoint().taskId - before.taskId;
      assert.ok(
        started <= 3 + 4,
        `processAll() started ${started} tasks for 3 workers and 200 jobs`,
      );
    } finally {
      clock.uninstall();
    }
  });

  it("an empty job list resolves to [] and leaves nothing running", async () => {
    const { processAll } = await import("./workers.ts");
    const cp = runtime.checkpoint();
    const result = watch(
      processAll(context.background(), [], 4, (_ctx, n: number) => Promise.resolve(n)),
    );
    await settle();
    assert.deepEqual(valueOf(result, "processAll()"), []);
    await runtime.assertNoLeaks(cp);
  });

  it("passes each job's own value to work and hands it a context derived from the caller's", async () => {
    const { processAll } = await import("./workers.ts");
    const key = Symbol("request id");
    const ctx = context.withValue(context.background(), key, "req-42");
    const seen: string[] = [];
    const result = watch(
      processAll(ctx, ["a", "b", "c"], 2, (jobCtx, job) => {
        seen.push(`${job}@${String(jobCtx.value(key))}`);
        return Promise.resolve(job.toUpperCase());
      }),
    );
    await settle();
    assert.deepEqual(valueOf(result, "processAll()"), ["A", "B", "C"]);
    assert.deepEqual(seen.sort(), ["a@req-42", "b@req-42", "c@req-42"]);
  });
});
