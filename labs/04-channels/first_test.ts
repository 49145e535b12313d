import { describe, it } from "node:test";
import assert from "node:assert/strict";
import FakeTimers from "@sinonjs/fake-timers";
import { context, recv, runtime, select, time } from "../primitives/mod.ts";
import {
  assertPending,
  describeError,
  errorOf,
  realTurns,
  valueOf,
  watch,
} from "../primitives/testing.ts";
import { first, type Replica, TimeoutError } from "./first.ts";

const { advance } = realTurns(10);

/**
 * A replica that answers `${name}:${query}` after `ms` virtual milliseconds,
 * or stops when its context is cancelled; it writes what happened to `log`.
 */
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

describe("first()", () => {
  it("resolves to the fastest replica's answer", async () => {
    const clock = FakeTimers.install();
    try {
      const log: string[] = [];
      const replicas = [replica("a", 30, log), replica("b", 10, log), replica("c", 20, log)];
      const result = watch(first(context.background(), replicas, "q", 1000));
      await advance(clock, 10);
      assert.equal(valueOf(result, "first()"), "b:q");
    } finally {
      clock.uninstall();
    }
  });

  it("cancels the losers as soon as the winner answers and leaves no task behind", async () => {
    const cp = runtime.checkpoint();
    const clock = FakeTimers.install();
    try {
      const log: string[] = [];
      const replicas = [replica("a", 30, log), replica("b", 10, log), replica("c", 20, log)];
      const result = watch(first(context.background(), replicas, "q", 1000));
      await advance(clock, 10);
      assert.equal(valueOf(result, "first()"), "b:q");
      assert.deepEqual(
        [...log].sort(),
        ["a cancelled", "b answered", "c cancelled"],
        "the losers' contexts must be cancelled right after the first answer",
      );
      await runtime.assertNoLeaks(cp);
    } finally {
      clock.uninstall();
    }
  });

  it("does not leave a late loser parked on its send when losers ignore cancellation", async () => {
    const cp = runtime.checkpoint();
    const clock = FakeTimers.install();
    try {
      // These replicas answer no matter what: the losers still try to report.
      const stubborn = (name: string, ms: number): Replica<string> => async () => {
        await time.sleep(ms);
        return name;
      };
      const result = watch(
        first(context.background(), [stubborn("slow", 20), stubborn("fast", 5)], "q", 1000),
      );
      await advance(clock, 5);
      assert.equal(valueOf(result, "first()"), "fast");
      await advance(clock, 20); // the loser answers now; nobody is listening any more
      await runtime.assertNoLeaks(cp);
    } finally {
      clock.uninstall();
    }
  });

  it("rejects with a TimeoutError naming the query once timeoutMs passes without an answer", async () => {
    const clock = FakeTimers.install();
    try {
      const log: string[] = [];
      const result = watch(
        first(
          context.background(),
          [replica("a", 60_000, log), replica("b", 90_000, log)],
          "weather",
          5000,
        ),
      );
      await advance(clock, 4999);
      assertPending(result, "first() before its 5000 ms timeout");
      await advance(clock, 1);
      const error = errorOf(result, "first()");
      assert.ok(
        error instanceof TimeoutError,
        `expected a TimeoutError, got ${describeError(error)}`,
      );
      assert.equal(error.message, 'first("weather"): no replica answered within 5000 ms');
    } finally {
      clock.uninstall();
    }
  });

  it("skips a replica that fails and resolves to the next answer", async () => {
    const clock = FakeTimers.install();
    try {
      const log: string[] = [];
      const broken: Replica<string> = async () => {
        await time.sleep(1);
        throw new Error("replica unavailable");
      };
      const result = watch(first(context.background(), [broken, replica("b", 10, log)], "q", 1000));
      await advance(clock, 10);
      assert.equal(valueOf(result, "first()"), "b:q");
    } finally {
      clock.uninstall();
    }
  });
  it("rejects with context.Canceled, not a TimeoutError, when the caller cancels first", async () => {
    const clock = FakeTimers.install();
    try {
      const log: string[] = [];
      const [ctx, cancel] = context.withCancel(context.background());
      const result = watch(first(ctx, [replica("a", 60_000, log)], "weather", 5000));
      await advance(clock, 100);
      cancel();
      await advance(clock, 0);
      assert.equal(errorOf(result, "first()"), context.Canceled);
    } finally {
      clock.uninstall();
    }
  });

  it("calls no replica when the caller's context is already done, and rejects with its error", async () => {
    const [ctx, cancel] = context.withCancel(context.background());
    cancel();
    let calls = 0;
    const counted: Replica<string> = () => {
      calls++;
      return Promise.resolve("answer");
    };
    await assert.rejects(
      first(ctx, [counted, counted], "weather", 5000),
      (e) => e === context.Canceled,
    );
    assert.equal(calls, 0, "a replica was called on a request that was already over");
  });
});
