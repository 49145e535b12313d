import { describe, it } from "node:test";
import assert from "node:assert/strict";
import FakeTimers from "@sinonjs/fake-timers";
import { context, recv, runtime, select, time } from "../primitives/mod.ts";
import { errorOf, realTurns, seededRandom, valueOf, watch } from "../primitives/testing.ts";
import type { Backend } from "./fan_out.ts";

// Loaded inside each test, after the helpers above.
const loadFanOut = () => import("./fan_out.ts");

// advance crosses the milliseconds in which no timer is due in one tick: these tests wait long.
const { settle, advanceSkippingIdle: advance } = realTurns(5);

/** What one test backend went through. */
interface Trail {
  calls: number;
  cancelledAt: number | null;
  finishedAt: number | null;
  contexts: context.Context[];
}

/**
 * A backend that answers (or fails with `failure`) after `ms` of virtual
 * time. When its context ends first, it notes the time and throws either
 * ctx.err() or an error of its own (`echo`), to show that fanOut must not
 * report a cancelled backend's error.
 */
function backend<R>(
  ms: number,
  answer: R,
  options: { failure?: Error; echo?: "ctx" | "own"; trail?: Trail } = {},
): Backend<R> {
  const trail = options.trail;
  return async (ctx, _query) => {
    if (trail) {
      trail.calls++;
      trail.contexts.push(ctx);
    }
    const timer = new time.Timer(ms);
    try {
      const r = await select([recv(timer.c), recv(ctx.done())]);
      if (r.index === 1) {
        if (trail) trail.cancelledAt = Date.now();
        throw options.echo === "own" ? new Error("backend: abandoned its work") : ctx.err();
      }
    } finally {
      timer.stop();
    }
    if (trail) trail.finishedAt = Date.now();
    if (options.failure) throw options.failure;
    return answer;
  };
}

/** A backend that ignores its context entirely and settles after `ms`. */
function stubborn<R>(ms: number, result: { value: R } | { error: Error }): Backend<R> {
  return () =>
    new Promise<R>((resolve, reject) =>
      setTimeout(() => ("error" in result ? reject(result.error) : resolve(result.value)), ms)
    );
}

function newTrail(): Trail {
  return { calls: 0, cancelledAt: null, finishedAt: null, contexts: [] };
}

describe("fanOut (hidden)", () => {
  it("over 40 seeds of backend timings, fanOut reports exactly the first failure or the deadline, and cancels every backend still running at that moment", async () => {
    const { fanOut } = await loadFanOut();
    for (let seed = 1; seed <= 40; seed++) {
      const random = seededRandom(seed);
      const count = 2 + Math.floor(random() * 5);
      // Distinct times, so that no two events share a millisecond.
      const pool = Array.from({ length: 190 }, (_, i) => 10 + i);
      const take = () => pool.splice(Math.floor(random() * pool.length), 1)[0];
      const timeoutMs = take();
      const failing = new Set<number>();
      const failures = Math.floor(random() * 3); // 0, 1 or 2 failing backends
      while (failing.size < Math.min(failures, count)) failing.add(Math.floor(random() * count));

      const latencies = Array.from({ length: count }, () => take());
      const errors = latencies.map((_, i) =>
        failing.has(i) ? new Error(`b${i} failed`) : undefined
      );
      const trails = latencies.map(() => newTrail());
      const backends: Record<string, Backend<string>> = {};
      latencies.forEach((ms, i) => {
        backends[`b${i}`] = backend(ms, `answer ${i}`, {
          failure: errors[i],
          echo: random() < 0.5 ? "ctx" : "own",
          trail: trails[i],
        });
      });

      const failTimes = latencies.filter((_, i) => failing.has(i));
      const firstFail = failTimes.length > 0 ? Math.min(...failTimes) : Infinity;
      const allDone = Math.max(...latencies);
      const end = Math.min(firstFail, timeoutMs, allDone);
      const where = `seed ${seed}: latencies ${latencies.join("/")}, failing ${
        [...failing].join(",") || "none"
      }, timeout ${timeoutMs}`;

      const clock = FakeTimers.install();
      try {
        const cp = runtime.checkpoint();
        const call = watch(fanOut(context.background(), backends, "q", timeoutMs));
        await advance(clock, end - 1);
        assert.equal(call.state.settled, false, `${where}: settled before ${end} ms`);
        await advance(clock, 1);
        if (end === firstFail) {
          const expected = errors[latencies.indexOf(firstFail)];
          assert.equal(errorOf(call, `${where}: fanOut`), expected, `${where}: wrong error`);
        } else if (end === timeoutMs) {
          assert.equal(errorOf(call, `${where}: fanOut`), context.DeadlineExceeded, where);
        } else {
          const expected = Object.fromEntries(latencies.map((_, i) => [`b${i}`, `answer ${i}`]));
          assert.deepEqual(valueOf(call, `${where}: fanOut`), expected, where);
        }
        latencies.forEach((ms, i) => {
          const trail = trails[i];
          assert.equal(trail.calls, 1, `${where}: b${i} was called ${trail.calls} times`);
          if (ms <= end) {
            assert.equal(trail.finishedAt, ms, `${where}: b${i} should have finished at ${ms}`);
          } else {
            assert.equal(trail.cancelledAt, end, `${where}: b${i} was not cancelled at ${end} ms`);
          }
        });
        assert.equal(clock.countTimers(), 0, `${where}: a timer is still armed`);
        const leaks = await runtime.leaks(cp);
        assert.equal(leaks, null, `${where}: ${leaks}`);
      } finally {
        clock.uninstall();
      }
    }
  });

  it("a backend that ignores cancellation and fails after the deadline does not replace DeadlineExceeded", async () => {
    const { fanOut } = await loadFanOut();
    const clock = FakeTimers.install();
    try {
      const cp = runtime.checkpoint();
      const call = watch(fanOut(
        context.background(),
        {
          polite: backend(1000, "p", { echo: "own" }),
          late: stubborn<string>(300, { error: new Error("late: upstream reset") }),
        },
        "q",
        100,
      ));
      await advance(clock, 299);
      assert.equal(call.state.settled, false, "fanOut returned while a backend was still running");
      await advance(clock, 1);
      assert.equal(errorOf(call, "fanOut"), context.DeadlineExceeded);
      await runtime.assertNoLeaks(cp);
    } finally {
      clock.uninstall();
    }
  });

  it("fanOut waits for a backend that ignores cancellation, and its late success does not hide the first failure", async () => {
    const { fanOut } = await loadFanOut();
    const clock = FakeTimers.install();
    try {
      const cp = runtime.checkpoint();
      const refused = new Error("users: connection refused");
      const call = watch(fanOut(
        context.background(),
        {
          users: backend(20, "u", { failure: refused }),
          orders: stubborn(80, { value: "o" }),
        },
        "q",
        1000,
      ));
      await advance(clock, 79);
      assert.equal(call.state.settled, false, "fanOut returned while a backend was still running");
      await advance(clock, 1);
      assert.equal(errorOf(call, "fanOut"), refused);
      await runtime.assertNoLeaks(cp);
    } finally {
      clock.uninstall();
    }
  });

  it("a 5-second deadline on virtual time ends the fan-out at exactly 5000 ms with DeadlineExceeded", async () => {
    const { fanOut } = await loadFanOut();
    const clock = FakeTimers.install();
    try {
      const trail = newTrail();
      const call = watch(fanOut(
        context.background(),
        { slow: backend(60_000, "s", { trail }), quick: backend(5, "q") },
        "q",
        5000,
      ));
      await advance(clock, 4999);
      assert.equal(call.state.settled, false, "fanOut gave up before 5000 ms");
      await advance(clock, 1);
      assert.equal(errorOf(call, "fanOut"), context.DeadlineExceeded);
      assert.equal(trail.cancelledAt, 5000);
    } finally {
      clock.uninstall();
    }
  });

  it("the caller's deadline, shorter than timeoutMs, ends the fan-out with DeadlineExceeded", async () => {
    const { fanOut } = await loadFanOut();
    const clock = FakeTimers.install();
    try {
      const cp = runtime.checkpoint();
      const [parent, cancel] = context.withTimeout(context.background(), 50);
      const call = watch(fanOut(parent, { a: backend(400, "a"), b: backend(30, "b") }, "q", 5000));
      await advance(clock, 49);
      assert.equal(call.state.settled, false);
      await advance(clock, 1);
      assert.equal(errorOf(call, "fanOut"), context.DeadlineExceeded);
      cancel();
      await runtime.assertNoLeaks(cp);
    } finally {
      clock.uninstall();
    }
  });

  it("a caller that cancels with a cause of its own still gets context.Canceled", async () => {
    const { fanOut } = await loadFanOut();
    const clock = FakeTimers.install();
    try {
      const [parent, cancel] = context.withCancelCause(context.background());
      const call = watch(fanOut(parent, { a: backend(400, "a", { echo: "own" }) }, "q", 1000));
      await advance(clock, 10);
      cancel(new Error("client closed the connection"));
      await settle(10);
      assert.equal(errorOf(call, "fanOut"), context.Canceled);
    } finally {
      clock.uninstall();
    }
  });

  it("every context handed to a backend is cancelled once fanOut has resolved", async () => {
    const { fanOut } = await loadFanOut();
    const clock = FakeTimers.install();
    try {
      const trails = [newTrail(), newTrail(), newTrail()];
      const call = watch(fanOut(
        context.background(),
        {
          a: backend(10, 1, { trail: trails[0] }),
          b: backend(20, 2, { trail: trails[1] }),
          c: backend(30, 3, { trail: trails[2] }),
        },
        "q",
        100,
      ));
      await advance(clock, 30);
      assert.deepEqual(valueOf(call, "fanOut"), { a: 1, b: 2, c: 3 });
      for (const [i, trail] of trails.entries()) {
        assert.notEqual(trail.contexts[0]?.err(), null, `backend ${i}'s context is still alive`);
      }
      assert.equal(clock.countTimers(), 0, "the deadline's timer is still armed");
    } finally {
      clock.uninstall();
    }
  });

  it("a backend that throws synchronously is reported like a rejection, and the others are cancelled at once", async () => {
    const { fanOut } = await loadFanOut();
    const clock = FakeTimers.install();
    try {
      const cp = runtime.checkpoint();
      const invalid = new TypeError("query must not be empty");
      const trail = newTrail();
      const call = watch(fanOut(
        context.background(),
        {
          other: backend(500, "o", { trail }),
          strict: () => {
            throw invalid;
          },
        },
        "",
        1000,
      ));
      await advance(clock, 1);
      assert.equal(errorOf(call, "fanOut"), invalid);
      assert.equal(trail.cancelledAt, 0, "the other backend was not cancelled when strict threw");
      await runtime.assertNoLeaks(cp);
    } finally {
      clock.uninstall();
    }
  });

  it("fanOut with no backends resolves to an empty object and leaves no timer", async () => {
    const { fanOut } = await loadFanOut();
    const clock = FakeTimers.install();
    try {
      const call = watch(fanOut(context.background(), {}, "q", 1000));
      await settle(10);
      assert.deepEqual(valueOf(call, "fanOut"), {});
      assert.equal(clock.countTimers(), 0);
    } finally {
      clock.uninstall();
    }
  });

  it("a parent whose deadline has already passed rejects with DeadlineExceeded and calls no backend", async () => {
    const { fanOut } = await loadFanOut();
    const [parent, cancel] = context.withTimeout(context.background(), -1);
    const trail = newTrail();
    await assert.rejects(
      fanOut(parent, { a: backend(5, "a", { trail }) }, "q", 1000),
      (error: unknown) => error === context.DeadlineExceeded,
    );
    assert.equal(trail.calls, 0, "a backend was called for a request that was already over");
    cancel();
  });

  it("answers keep their own names and identities when backends finish in reverse order", async () => {
    const { fanOut } = await loadFanOut();
    const clock = FakeTimers.install();
    try {
      const answers = Array.from({ length: 6 }, (_, i) => ({ shard: i }));
      const backends: Record<string, Backend<{ shard: number }>> = {};
      answers.forEach((answer, i) => (backends[`shard-${i}`] = backend(60 - 10 * i, answer)));
      const call = watch(fanOut(context.background(), backends, "q", 100));
      await advance(clock, 60);
      const result = valueOf(call, "fanOut");
      assert.deepEqual(Object.keys(result).sort(), Object.keys(backends).sort());
      answers.forEach((answer, i) => assert.equal(result[`shard-${i}`], answer, `shard-${i}`));
    } finally {
      clock.uninstall();
    }
  });

  it("two fan-outs under one parent are independent: one failing does not cancel the other", async () => {
    const { fanOut } = await loadFanOut();
    const clock = FakeTimers.install();
    try {
      const cp = runtime.checkpoint();
      const [parent, cancel] = context.withCancel(context.background());
      const broken = new Error("shard down");
      const failing = watch(fanOut(parent, { a: backend(10, "a", { failure: broken }) }, "q", 500));
      const healthy = watch(fanOut(parent, { b: backend(40, "b"), c: backend(60, "c") }, "q", 500));
      await advance(clock, 60);
      assert.equal(errorOf(failing, "the failing fan-out"), broken);
      assert.deepEqual(valueOf(healthy, "the healthy fan-out"), { b: "b", c: "c" });
      assert.equal(parent.err(), null, "a fan-out cancelled its caller's context");
      cancel();
      await runtime.assertNoLeaks(cp);
    } finally {
      clock.uninstall();
    }
  });
});
