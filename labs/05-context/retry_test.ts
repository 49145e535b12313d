import { describe, it } from "node:test";
import assert from "node:assert/strict";
import FakeTimers from "@sinonjs/fake-timers";
import { context, recv, runtime, select, time } from "../primitives/mod.ts";
import { errorOf, realTurns, valueOf, watch } from "../primitives/testing.ts";
import { backoffMs, retry } from "./retry.ts";

const { advance, settle } = realTurns(5);

/** An operation that fails `failures` times, then answers; records when each attempt started. */
function flaky(failures: number, startedAt: number[]) {
  return (_ctx: context.Context, attempt: number): Promise<string> => {
    startedAt.push(Date.now());
    return attempt <= failures
      ? Promise.reject(new Error(`attempt ${attempt} failed`))
      : Promise.resolve(`answer from attempt ${attempt}`);
  };
}

describe("retry", () => {
  it("backoffMs doubles from baseMs and stops growing at maxMs", () => {
    const pace = { baseMs: 100, maxMs: 1000 };
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6].map((failures) => backoffMs(failures, pace)),
      [100, 200, 400, 800, 1000, 1000],
    );
  });

  it("retry resolves with the first success, waiting the backoff between attempts", async () => {
    const clock = FakeTimers.install();
    try {
      const startedAt: number[] = [];
      const call = watch(
        retry(context.background(), flaky(2, startedAt), { attempts: 5, baseMs: 100, maxMs: 1000 }),
      );
      await advance(clock, 300);
      assert.equal(valueOf(call, "retry"), "answer from attempt 3");
      assert.deepEqual(startedAt, [0, 100, 300], "attempts did not start at 0, 100 and 300 ms");
    } finally {
      clock.uninstall();
    }
  });

  it("retry rejects with the last error once every attempt has failed, without a final wait", async () => {
    const clock = FakeTimers.install();
    try {
      const startedAt: number[] = [];
      const call = watch(
        retry(context.background(), flaky(10, startedAt), { attempts: 3, baseMs: 50, maxMs: 1000 }),
      );
      await advance(clock, 150);
      const error = errorOf(call, "retry after its third failed attempt at 150 ms");
      assert.ok(error instanceof Error && error.message === "attempt 3 failed", String(error));
      assert.deepEqual(startedAt, [0, 50, 150]);
    } finally {
      clock.uninstall();
    }
  });

  it("retry stops waiting the moment its context is cancelled and rejects with context.Canceled", async () => {
    const clock = FakeTimers.install();
    try {
      const cp = runtime.checkpoint();
      const startedAt: number[] = [];
      const [ctx, cancel] = context.withCancel(context.background());
      const call = watch(
        retry(ctx, flaky(10, startedAt), { attempts: 10, baseMs: 1000, maxMs: 5000 }),
      );
      await advance(clock, 1200); // attempt 2 failed at 1000 ms; now waiting 2000 ms
      cancel();
      await settle(10);
      assert.equal(errorOf(call, "retry, right after the cancel"), context.Canceled);
      assert.equal(clock.countTimers(), 0, "the backoff's timer is still armed after the cancel");
      await clock.tickAsync(20_000);
      await settle();
      assert.deepEqual(startedAt, [0, 1000], "an attempt started after the context was cancelled");
      await runtime.assertNoLeaks(cp);
    } finally {
      clock.uninstall();
    }
  });

  it("retry rejects with DeadlineExceeded when its deadline falls at the instant a backoff ends, whichever timer fires first", async () => {
    const clock = FakeTimers.install();
    try {
      const cp = runtime.checkpoint();
      const startedAt: number[] = [];
      // Each attempt is a call that fails after 5 ms, or as soon as its context ends.
      const slowFailure = async (ctx: context.Context, attempt: number): Promise<string> => {
        startedAt.push(Date.now());
        const timer = new time.Timer(5);
        try {
          const r = await select([recv(timer.c), recv(ctx.done())]);
          throw new Error(
            r.index === 0 ? `attempt ${attempt} failed` : `attempt ${attempt} aborted`,
          );
        } finally {
          timer.stop();
        }
      };
      const [ctx, cancel] = context.withTimeout(context.background(), 40);
      try {
        // Attempts at 0 and 15 ms; the second backoff (20 ms) ends at 40 ms, with the deadline.
        const call = watch(retry(ctx, slowFailure, { attempts: 3, baseMs: 10, maxMs: 100 }));
        await advance(clock, 39);
        assert.equal(call.settled, false, "retry gave up before its deadline");
        // Both timers due at 40 ms fire in one go. As in Go, either may come first: if the
        // backoff does, a third attempt starts with a context that is about to end.
        clock.tick(1);
        await settle();
        assert.equal(errorOf(call, "retry at its deadline"), context.DeadlineExceeded);
        assert.deepEqual(startedAt.slice(0, 2), [0, 15]);
        assert.ok(
          startedAt.every((ms) => ms <= 40),
          `an attempt started after 40 ms: ${startedAt}`,
        );
        assert.equal(clock.countTimers(), 0, "a timer is still armed after retry settled");
        await runtime.assertNoLeaks(cp);
      } finally {
        cancel();
      }
    } finally {
      clock.uninstall();
    }
  });

  it("retry makes no attempt when the context is already done", async () => {
    const [ctx, cancel] = context.withCancel(context.background());
    cancel();
    const startedAt: number[] = [];
    await assert.rejects(
      retry(ctx, flaky(0, startedAt), { attempts: 3, baseMs: 10, maxMs: 100 }),
      (error: unknown) => error === context.Canceled,
    );
    assert.deepEqual(startedAt, []);
  });
});
