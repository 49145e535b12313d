import { describe, it } from "node:test";
import assert from "node:assert/strict";
import FakeTimers from "@sinonjs/fake-timers";
import { Chan, context, recv, runtime, select, time } from "../primitives/mod.ts";
import {
  assertPending,
  describeError,
  errorOf,
  realTurns,
  seededRandom,
  valueOf,
  watch,
} from "../primitives/testing.ts";
import type { Replica } from "./first.ts";

// advance crosses the milliseconds in which no timer is due in one tick: these tests wait long.
const { settle, advanceSkippingIdle: advance } = realTurns(10);

/** Answers `${name}:${query}` after `ms` virtual ms unless cancelled first; logs which. */
function replica(name: string, ms: number, log: string[]): Replica<string> {
  return async (ctx, query) => {
    const r = await select([recv(time.after(ms)), recv(ctx.done())]);
    if (r.index === 1) {
      log.push(`${name} cancelled`);
      throw ctx.err();
    }
    log.push(`${name} answered`);
    return `${name}:${query}`;
  };
}

/** Waits only for its context; logs the cancellation. */
function silent(name: string, log: string[]): Replica<string> {
  return async (ctx) => {
    await ctx.done().recv();
    log.push(`${name} cancelled`);
    throw ctx.err();
  };
}

describe("first() (hidden)", () => {
  it("the fastest replica wins 20 seeded races, at exactly its time, and every loser is cancelled with nothing left behind", async () => {
    const { first } = await import("./first.ts");
    for (let seed = 1; seed <= 20; seed++) {
      const random = seededRandom(seed);
      const cp = runtime.checkpoint();
      const clock = FakeTimers.install();
      try {
        const count = 2 + Math.floor(random() * 5);
        const delays = new Set<number>();
        while (delays.size < count) delays.add(1 + Math.floor(random() * 500));
        const ms = [...delays];
        const fastest = Math.min(...ms);
        const winner = `r${ms.indexOf(fastest)}`;
        const log: string[] = [];
        const result = watch(
          first(context.background(), ms.map((d, i) => replica(`r${i}`, d, log)), "q", 10_000),
        );
        await advance(clock, fastest - 1);
        assertPending(result, `seed ${seed}: first() before the fastest replica answered`);
        await advance(clock, 1);
        assert.equal(valueOf(result, `seed ${seed}: first()`), `${winner}:q`);
        const expected = ms.map((_, i) => `r${i} ${`r${i}` === winner ? "answered" : "cancelled"}`)
          .sort();
        assert.deepEqual(
          [...log].sort(),
          expected,
          `seed ${seed}: every loser must be cancelled at once`,
        );
        await runtime.assertNoLeaks(cp);
      } finally {
        clock.uninstall();
      }
    }
  });

  it("late losers that ignore cancellation never stay parked, whether they answer or fail", async () => {
    const { first } = await import("./first.ts");
    for (let seed = 1; seed <= 20; seed++) {
      const random = seededRandom(100 + seed);
      const cp = runtime.checkpoint();
      const clock = FakeTimers.install();
      try {
        const stubborn = (i: number, ms: number, fails: boolean): Replica<number> => async () => {
          await time.sleep(ms);
          if (fails) throw new Error(`replica ${i} failed late`);
          return i;
        };
        const count = 2 + Math.floor(random() * 6);
        const replicas = [stubborn(0, 5, false)];
        for (let i = 1; i < count; i++) {
          replicas.push(stubborn(i, 6 + Math.floor(random() * 100), random() < 0.5));
        }
        // Shuffle, so the winner is not always the first replica started.
        replicas.sort(() => random() - 0.5);
        const result = watch(first(context.background(), replicas, "q", 10_000));
        await advance(clock, 5);
        assert.equal(valueOf(result, `seed ${seed}: first()`), 0);
        await advance(clock, 200); // every loser reports now, to nobody
        await runtime.assertNoLeaks(cp);
      } finally {
        clock.uninstall();
      }
    }
  });

  it("a 5 s timeout rejects with a TimeoutError after exactly 5000 virtual ms, cancelling every replica", async () => {
    const { first, TimeoutError } = await import("./first.ts");
    const cp = runtime.checkpoint();
    const clock = FakeTimers.install();
    try {
      const log: string[] = [];
      const result = watch(
        first(
          context.background(),
          [silent("a", log), silent("b", log), silent("c", log)],
          "weather",
          5 * time.Second,
        ),
      );
      await advance(clock, 4999);
      assertPending(result, "first() before its timeout");
      assert.deepEqual(log, [], "a replica was cancelled before the timeout");
      await advance(clock, 1);
      const error = errorOf(result, "first()");
      assert.ok(
        error instanceof TimeoutError,
        `expected a TimeoutError, got ${describeError(error)}`,
      );
      assert.equal(error.message, 'first("weather"): no replica answered within 5000 ms');
      assert.equal(error.query, "weather");
      assert.equal(error.timeoutMs, 5000);
      assert.deepEqual([...log].sort(), ["a cancelled", "b cancelled", "c cancelled"]);
      await runtime.assertNoLeaks(cp);
    } finally {
      clock.uninstall();
    }
  });

  it("an answer one millisecond before the timeout wins", async () => {
    const { first } = await import("./first.ts");
    const clock = FakeTimers.install();
    try {
      const log: string[] = [];
      const result = watch(
        first(context.background(), [replica("late", 4999, log), silent("s", log)], "q", 5000),
      );
      await advance(clock, 4999);
      assert.equal(valueOf(result, "first()"), "late:q");
    } finally {
      clock.uninstall();
    }
  });

  it("leaves no timer pending once it has an answer", async () => {
    const { first } = await import("./first.ts");
    const clock = FakeTimers.install();
    try {
      const answer = new Chan<string>(1, { name: "test answer" });
      const viaChannel: Replica<string> = async (ctx) => {
        const r = await select([recv(answer), recv(ctx.done())]);
        if (r.index === 1) throw ctx.err();
        return r.value ?? "closed";
      };
      const result = watch(first(context.background(), [viaChannel], "q", 60_000));
      await settle();
      await answer.send("ready");
      await settle();
      assert.equal(valueOf(result, "first()"), "ready");
      assert.equal(
        clock.countTimers(),
        0,
        "the timeout's timer is still pending after first() settled",
      );
    } finally {
      clock.uninstall();
    }
  });

  it("an already-cancelled context rejects with context.Canceled and calls no replica", async () => {
    const { first } = await import("./first.ts");
    const cp = runtime.checkpoint();
    const [ctx, cancel] = context.withCancel(context.background());
    cancel();
    let calls = 0;
    const counted: Replica<string> = (c) => {
      calls++;
      return Promise.reject(c.err());
    };
    const result = watch(first(ctx, [counted, counted], "q", 1000));
    await settle();
    assert.equal(errorOf(result, "first()"), context.Canceled);
    assert.equal(calls, 0, "no replica may be asked once the caller has given up");
    await runtime.assertNoLeaks(cp);
  });

  it("cancelling the caller's context mid-flight rejects with context.Canceled, not a TimeoutError, and cancels every replica", async () => {
    const { first } = await import("./first.ts");
    const cp = runtime.checkpoint();
    const clock = FakeTimers.install();
    try {
      const [ctx, cancel] = context.withCancel(context.background());
      const log: string[] = [];
      const result = watch(first(ctx, [silent("a", log), replica("b", 800, log)], "q", 1000));
      await advance(clock, 300);
      cancel();
      await settle();
      assert.equal(errorOf(result, "first()"), context.Canceled);
      assert.deepEqual([...log].sort(), ["a cancelled", "b cancelled"]);
      await runtime.assertNoLeaks(cp);
    } finally {
      clock.uninstall();
    }
  });

  it("a caller's deadline shorter than timeoutMs rejects with context.DeadlineExceeded", async () => {
    const { first } = await import("./first.ts");
    const clock = FakeTimers.install();
    try {
      const [ctx, cancel] = context.withTimeout(context.background(), 200);
      const log: string[] = [];
      const result = watch(first(ctx, [silent("a", log)], "q", 1000));
      await advance(clock, 200);
      assert.equal(errorOf(result, "first()"), context.DeadlineExceeded);
      cancel();
    } finally {
      clock.uninstall();
    }
  });

  it("rejects with an AggregateError holding every failure when all replicas fail", async () => {
    const { first } = await import("./first.ts");
    const cp = runtime.checkpoint();
    const clock = FakeTimers.install();
    try {
      const failAfter = (ms: number): Replica<string> => async () => {
        await time.sleep(ms);
        throw new Error(`down after ${ms}`);
      };
      const result = watch(
        first(context.background(), [failAfter(30), failAfter(10), failAfter(20)], "q", 1000),
      );
      await advance(clock, 30);
      const error = errorOf(result, "first()");
      assert.ok(
        error instanceof AggregateError,
        `expected an AggregateError, got ${describeError(error)}`,
      );
      assert.deepEqual(
        error.errors.map((e: Error) => e.message).sort(),
        ["down after 10", "down after 20", "down after 30"],
      );
      assert.match(error.message, /all 3 replicas failed/);
      await runtime.assertNoLeaks(cp);
    } finally {
      clock.uninstall();
    }
  });

  it("refuses an empty replica list with a RangeError", async () => {
    const { first } = await import("./first.ts");
    await assert.rejects(first(context.background(), [], "q", 1000), RangeError);
  });

  it("runs the replicas concurrently and leaves the caller's context uncancelled", async () => {
    const { first } = await import("./first.ts");
    const clock = FakeTimers.install();
    try {
      const ctx = context.withValue(context.background(), "request", 7);
      const [caller, cancelCaller] = context.withCancel(ctx);
      const log: string[] = [];
      const result = watch(first(caller, [silent("stuck", log), replica("b", 10, log)], "q", 1000));
      await advance(clock, 10);
      assert.equal(valueOf(result, "first()"), "b:q");
      assert.equal(
        caller.err(),
        null,
        "first() must cancel a context of its own, never the caller's",
      );
      cancelCaller();
    } finally {
      clock.uninstall();
    }
  });
});
