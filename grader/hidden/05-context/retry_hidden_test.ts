import { describe, it } from "node:test";
import assert from "node:assert/strict";
import FakeTimers from "@sinonjs/fake-timers";
import { context, recv, runtime, select, time } from "../primitives/mod.ts";
import { errorOf, realTurns, valueOf, watch } from "../primitives/testing.ts";

// Loaded inside each test, after the helpers above.
const loadRetry = () => import("./retry.ts");

// advance crosses the milliseconds in which no timer is due in one tick: these tests wait long.
const { settle, advanceSkippingIdle: advance } = realTurns(5);

/**
 * An operation whose every attempt takes `workMs` of virtual time and then
 * fails, unless its context ends first (then it throws an error of its own,
 * as many real clients do). Records when each attempt started.
 */
function slowFailure(workMs: number, startedAt: number[]) {
  return async (ctx: context.Context, attempt: number): Promise<string> => {
    startedAt.push(Date.now());
    const timer = new time.Timer(workMs);
    try {
      const r = await select([recv(timer.c), recv(ctx.done())]);
      if (r.index === 1) throw new Error(`attempt ${attempt}: connection aborted`);
    } finally {
      timer.stop();
    }
    throw new Error(`attempt ${attempt}: 503 Service Unavailable`);
  };
}

/** An operation that fails at once, every time. */
function instantFailure(startedAt: number[]) {
  return (_ctx: context.Context, attempt: number): Promise<string> => {
    startedAt.push(Date.now());
    return Promise.reject(new Error(`attempt ${attempt} failed`));
  };
}

describe("retry (hidden)", () => {
  it("a cancel at any moment of the schedule starts no attempt afterwards, rejects with Canceled right then, and leaves no timer", async () => {
    const { retry } = await loadRetry();
    const options = { attempts: 6, baseMs: 100, maxMs: 400 };
    // Each attempt works 10 ms: they start at 0, 110, 320, 730, 1140 and 1550.
    const schedule = [0, 110, 320, 730, 1140, 1550];
    const cancelTimes = [
      1,
      9,
      10,
      11,
      50,
      109,
      111,
      200,
      319,
      321,
      500,
      729,
      731,
      1000,
      1139,
      1549,
    ];
    for (const cancelAt of cancelTimes) {
      const clock = FakeTimers.install();
      try {
        const cp = runtime.checkpoint();
        const startedAt: number[] = [];
        const [ctx, cancel] = context.withCancel(context.background());
        const call = watch(retry(ctx, slowFailure(10, startedAt), options));
        await advance(clock, cancelAt);
        assert.equal(call.state.settled, false, `cancel at ${cancelAt}: retry ended early`);
        cancel();
        await settle(10);
        assert.equal(errorOf(call, `retry cancelled at ${cancelAt} ms`), context.Canceled);
        assert.equal(clock.countTimers(), 0, `cancel at ${cancelAt}: a timer is still armed`);
        await clock.tickAsync(10_000);
        await settle();
        const expected = schedule.filter((t) => t <= cancelAt);
        assert.deepEqual(startedAt, expected, `cancel at ${cancelAt}: attempts started at`);
        const leaks = await runtime.leaks(cp);
        assert.equal(leaks, null, `cancel at ${cancelAt}: ${leaks}`);
      } finally {
        clock.uninstall();
      }
    }
  });

  it("a 5-second deadline during a 4-second backoff ends retry at exactly 5000 ms with DeadlineExceeded", async () => {
    const { retry } = await loadRetry();
    const clock = FakeTimers.install();
    try {
      const startedAt: number[] = [];
      const [ctx, cancel] = context.withTimeout(context.background(), 5000);
      const call = watch(
        retry(ctx, instantFailure(startedAt), { attempts: 10, baseMs: 1000, maxMs: 8000 }),
      );
      await advance(clock, 4999);
      assert.equal(call.state.settled, false, "retry gave up before the deadline");
      await advance(clock, 1);
      assert.equal(errorOf(call, "retry at its deadline"), context.DeadlineExceeded);
      assert.equal(clock.countTimers(), 0, "the 4-second backoff's timer is still armed");
      await clock.tickAsync(10_000);
      await settle();
      assert.deepEqual(startedAt, [0, 1000, 3000]);
      cancel();
    } finally {
      clock.uninstall();
    }
  });

  it("an attempt that fails because the context ended during it is reported as ctx.err(), and no attempt follows", async () => {
    const { retry } = await loadRetry();
    const clock = FakeTimers.install();
    try {
      const startedAt: number[] = [];
      const [ctx, cancel] = context.withTimeout(context.background(), 250);
      const call = watch(retry(ctx, slowFailure(100, startedAt), {
        attempts: 5,
        baseMs: 10,
        maxMs: 10,
      }));
      await advance(clock, 250); // attempts at 0 and 110; the third, at 220, is cut short
      assert.equal(errorOf(call, "retry"), context.DeadlineExceeded);
      await clock.tickAsync(1000);
      await settle();
      assert.deepEqual(startedAt, [0, 110, 220]);
      cancel();
    } finally {
      clock.uninstall();
    }
  });

  it("retryIf returning false stops at once with that attempt's error, after being asked about every failure", async () => {
    const { retry } = await loadRetry();
    const clock = FakeTimers.install();
    try {
      const asked: string[] = [];
      const notFound = new Error("404 Not Found");
      let calls = 0;
      const fn = (): Promise<string> => {
        calls++;
        return Promise.reject(calls < 3 ? new Error(`503 #${calls}`) : notFound);
      };
      const call = watch(retry(context.background(), fn, {
        attempts: 10,
        baseMs: 5,
        maxMs: 5,
        retryIf: (error) => {
          const message = (error as Error).message;
          asked.push(message);
          return message.startsWith("503");
        },
      }));
      await advance(clock, 10);
      assert.equal(errorOf(call, "retry"), notFound);
      assert.deepEqual(asked, ["503 #1", "503 #2", "404 Not Found"]);
      await clock.tickAsync(100);
      assert.equal(calls, 3, "retry kept going after retryIf said no");
    } finally {
      clock.uninstall();
    }
  });

  it("an attempt that succeeds after the context was cancelled still resolves with its value", async () => {
    const { retry } = await loadRetry();
    const clock = FakeTimers.install();
    try {
      const [ctx, cancel] = context.withCancel(context.background());
      const stubborn = () =>
        new Promise<string>((resolve) => setTimeout(() => resolve("finished anyway"), 100));
      const call = watch(retry(ctx, stubborn, { attempts: 3, baseMs: 10, maxMs: 10 }));
      await advance(clock, 50);
      cancel();
      await advance(clock, 50);
      assert.equal(valueOf(call, "retry"), "finished anyway");
    } finally {
      clock.uninstall();
    }
  });

  it("retry on a context that is already done, cancelled or expired, makes no attempt and rejects with its error", async () => {
    const { retry } = await loadRetry();
    const [cancelled, cancel] = context.withCancel(context.background());
    cancel();
    const [expired, cancelExpired] = context.withTimeout(context.background(), -1);
    for (const ctx of [cancelled, expired]) {
      const startedAt: number[] = [];
      await assert.rejects(
        retry(ctx, instantFailure(startedAt), { attempts: 3, baseMs: 1, maxMs: 1 }),
        (error: unknown) => error === ctx.err(),
      );
      assert.deepEqual(startedAt, [], `an attempt was made under ${ctx.err()?.message}`);
    }
    cancelExpired();
  });

  it("retry rejects bad options with a RangeError naming the option, before calling fn", async () => {
    const { retry } = await loadRetry();
    let calls = 0;
    const fn = () => {
      calls++;
      return Promise.resolve("x");
    };
    const bad: [string, { attempts: number; baseMs: number; maxMs: number }][] = [
      ["attempts", { attempts: 0, baseMs: 1, maxMs: 2 }],
      ["attempts", { attempts: 1.5, baseMs: 1, maxMs: 2 }],
      ["attempts", { attempts: NaN, baseMs: 1, maxMs: 2 }],
      ["baseMs", { attempts: 2, baseMs: -1, maxMs: 2 }],
      ["baseMs", { attempts: 2, baseMs: Infinity, maxMs: Infinity }],
      ["maxMs", { attempts: 2, baseMs: 10, maxMs: 5 }],
      ["maxMs", { attempts: 2, baseMs: 10, maxMs: NaN }],
    ];
    for (const [name, options] of bad) {
      await assert.rejects(retry(context.background(), fn, options), (error: unknown) => {
        assert.ok(error instanceof RangeError, `${JSON.stringify(options)}: got ${error}`);
        assert.match(error.message, new RegExp(name), `the message should name ${name}`);
        return true;
      });
    }
    assert.equal(calls, 0, "fn was called despite bad options");
  });

  it("backoffMs stays finite for huge failure counts, is 0 for baseMs 0, and rejects a count below 1", async () => {
    const { backoffMs } = await loadRetry();
    assert.equal(backoffMs(2000, { baseMs: 100, maxMs: 5000 }), 5000);
    assert.equal(backoffMs(1100, { baseMs: 0, maxMs: 0 }), 0);
    assert.equal(backoffMs(1100, { baseMs: 0, maxMs: 100 }), 0);
    assert.equal(backoffMs(1, { baseMs: 7, maxMs: 7 }), 7);
    assert.equal(backoffMs(3, { baseMs: 7, maxMs: 100 }), 28);
    for (const failures of [0, -1, 1.5, NaN]) {
      assert.throws(() => backoffMs(failures, { baseMs: 1, maxMs: 2 }), RangeError);
    }
  });

  it("a synchronously throwing fn counts as a failed attempt, is retried, and passes ctx and the attempt number", async () => {
    const { retry } = await loadRetry();
    const clock = FakeTimers.install();
    try {
      const ctx = context.withValue(context.background(), "request", 1);
      const seen: [context.Context, number][] = [];
      const fn = (given: context.Context, attempt: number): Promise<number> => {
        seen.push([given, attempt]);
        if (attempt < 3) throw new Error(`sync failure ${attempt}`);
        return Promise.resolve(attempt * 10);
      };
      const call = watch(retry(ctx, fn, { attempts: 3, baseMs: 1, maxMs: 1 }));
      await advance(clock, 2);
      assert.equal(valueOf(call, "retry"), 30);
      assert.deepEqual(seen.map(([, attempt]) => attempt), [1, 2, 3]);
      for (const [given] of seen) assert.equal(given, ctx, "fn did not get retry's own ctx");
    } finally {
      clock.uninstall();
    }
  });

  it("with baseMs 0 every attempt is still made, without waiting, and the last error is reported", async () => {
    const { retry } = await loadRetry();
    const clock = FakeTimers.install();
    try {
      const startedAt: number[] = [];
      const call = watch(
        retry(context.background(), instantFailure(startedAt), {
          attempts: 4,
          baseMs: 0,
          maxMs: 0,
        }),
      );
      await advance(clock, 10);
      const error = errorOf(call, "retry");
      assert.ok(error instanceof Error && error.message === "attempt 4 failed", String(error));
      assert.equal(startedAt.length, 4);
      assert.ok(startedAt.every((at) => at < 10), `attempts started at ${startedAt.join(", ")} ms`);
    } finally {
      clock.uninstall();
    }
  });

  it("a retry that succeeds leaves no timer and no task behind", async () => {
    const { retry } = await loadRetry();
    const clock = FakeTimers.install();
    try {
      const cp = runtime.checkpoint();
      let calls = 0;
      const fn = () => (++calls < 4 ? Promise.reject(new Error("busy")) : Promise.resolve("ok"));
      const call = watch(retry(context.background(), fn, { attempts: 4, baseMs: 50, maxMs: 60 }));
      await advance(clock, 170);
      assert.equal(valueOf(call, "retry"), "ok");
      assert.equal(clock.countTimers(), 0);
      await runtime.assertNoLeaks(cp);
    } finally {
      clock.uninstall();
    }
  });

  it("twenty retries under one parent all stop at the parent's cancel, and none starts another attempt", async () => {
    const { retry } = await loadRetry();
    const clock = FakeTimers.install();
    try {
      const cp = runtime.checkpoint();
      const [parent, cancel] = context.withCancel(context.background());
      const starts: number[][] = Array.from({ length: 20 }, () => []);
      const calls = starts.map((startedAt, i) =>
        watch(retry(parent, i % 2 === 0 ? instantFailure(startedAt) : slowFailure(7, startedAt), {
          attempts: 50,
          baseMs: 3 + i,
          maxMs: 40 + 5 * i,
        }))
      );
      await advance(clock, 250);
      const before = starts.map((s) => s.length);
      cancel();
      await settle(10);
      calls.forEach((call, i) => assert.equal(errorOf(call, `retry ${i}`), context.Canceled));
      assert.equal(clock.countTimers(), 0, "timers are still armed after the cancel");
      await clock.tickAsync(5000);
      await settle();
      assert.deepEqual(starts.map((s) => s.length), before, "attempts started after the cancel");
      await runtime.assertNoLeaks(cp);
    } finally {
      clock.uninstall();
    }
  });
  it("when the last attempt fails because the context was cancelled during it, retry rejects with ctx.err()", async () => {
    const { retry } = await loadRetry();
    const clock = FakeTimers.install();
    try {
      const startedAt: number[] = [];
      const [ctx, cancel] = context.withCancel(context.background());
      const call = watch(retry(ctx, slowFailure(100, startedAt), {
        attempts: 2,
        baseMs: 10,
        maxMs: 10,
      }));
      await advance(clock, 150); // attempts at 0 and 110; the last one is cut short at 150
      cancel();
      await settle();
      assert.equal(errorOf(call, "retry"), context.Canceled);
      assert.deepEqual(startedAt, [0, 110]);
    } finally {
      clock.uninstall();
    }
  });

  it("after the last attempt fails, retry rejects at once, with no wait and no timer left", async () => {
    const { retry } = await loadRetry();
    const clock = FakeTimers.install();
    try {
      const startedAt: number[] = [];
      const call = watch(retry(context.background(), instantFailure(startedAt), {
        attempts: 3,
        baseMs: 100,
        maxMs: 1000,
      }));
      await advance(clock, 300); // attempts at 0, 100 and 300
      const error = errorOf(call, "retry, right after its last attempt");
      assert.equal((error as Error).message, "attempt 3 failed");
      assert.deepEqual(startedAt, [0, 100, 300]);
      assert.equal(clock.countTimers(), 0, "a timer is still armed after the last attempt");
    } finally {
      clock.uninstall();
    }
  });
});
