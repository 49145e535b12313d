import { describe, it } from "node:test";
import assert from "node:assert/strict";
import FakeTimers from "@sinonjs/fake-timers";
import {
  assertPending,
  assertResolved,
  delay,
  describeError,
  describeValue,
  errorOf,
  nextTurn,
  realTurns,
  seededRandom,
  type TimerClock,
  valueOf,
  watch,
  within,
  withinTurns,
} from "./testing.ts";

// This file's own view of the real event loop, captured before any test
// installs fake timers, to check the helpers against it.
const realSetImmediate = globalThis.setImmediate.bind(globalThis);

/**
 * Counts real turns of the event loop: a callback that queues itself again on
 * every turn. Started before the helper under test queues anything, so that
 * after n turns of the helper it has run exactly n times.
 */
function turnCounter(): { readonly count: number; stop(): void } {
  let count = 0;
  let running = true;
  const tick = () => {
    if (!running) return;
    count++;
    realSetImmediate(tick);
  };
  realSetImmediate(tick);
  return {
    get count() {
      return count;
    },
    stop() {
      running = false;
    },
  };
}

/** A promise that resolves to `value` on the `turns`-th real turn from now. */
function resolvesAfterTurns<T>(turns: number, value: T): Promise<T> {
  return new Promise((resolve) => {
    let left = turns;
    const tick = () => (--left <= 0 ? resolve(value) : realSetImmediate(tick));
    realSetImmediate(tick);
  });
}

/** Lets `n` real turns pass, by this file's own captured setImmediate. */
async function ownTurns(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise<void>((resolve) => realSetImmediate(resolve));
}

describe("nextTurn and settle", () => {
  it("nextTurn resolves after the microtasks and the macrotask queued before it", async () => {
    const order: string[] = [];
    realSetImmediate(() => order.push("macrotask"));
    queueMicrotask(() => order.push("microtask"));
    await nextTurn();
    order.push("after nextTurn");
    assert.deepEqual(order, ["microtask", "macrotask", "after nextTurn"]);
  });

  it("settle(n) lets exactly n real turns pass, and the bound count when given none", async () => {
    const { settle } = realTurns(4);
    for (const [given, expected] of [[undefined, 4], [0, 0], [1, 1], [2, 2], [7, 7]] as const) {
      const counter = turnCounter();
      await settle(given);
      counter.stop();
      assert.equal(counter.count, expected, `settle(${given}) let ${counter.count} turns pass`);
    }
  });

  it("settle and nextTurn keep reaching the real event loop while fake timers are installed", async () => {
    const { settle } = realTurns(3);
    const clock = FakeTimers.install();
    try {
      const settling = watch(settle());
      const turning = watch(nextTurn());
      await ownTurns(5);
      assert.equal(settling.settled, true, "settle() waited on the fake setImmediate");
      assert.equal(turning.settled, true, "nextTurn() waited on the fake setImmediate");
      assert.equal(clock.now, 0, "virtual time moved");
    } finally {
      clock.uninstall();
    }
  });

  it("settle rejects a count that is not a whole number of at least 0, naming it", async () => {
    const { settle } = realTurns(3);
    await assert.rejects(settle(-1), { name: "RangeError", message: /received -1/ });
    await assert.rejects(settle(1.5), { name: "RangeError", message: /received 1\.5/ });
  });

  it("realTurns rejects a bound count that is not a whole number of at least 0, naming it", () => {
    assert.throws(() => realTurns(-2), { name: "RangeError", message: /received -2/ });
    assert.throws(() => realTurns(Number.NaN), { name: "RangeError", message: /received NaN/ });
    assert.equal(realTurns(10).turns, 10);
  });
});

describe("isSettled", () => {
  it("isSettled is false for a pending promise and true for a resolved or rejected one", async () => {
    const { isSettled } = realTurns(3);
    assert.equal(await isSettled(new Promise(() => {})), false);
    assert.equal(await isSettled(Promise.resolve("value")), true);
    assert.equal(await isSettled(Promise.reject(new Error("handled by isSettled"))), true);
  });

  it("isSettled looks after exactly the bound number of real turns", async () => {
    const { isSettled } = realTurns(3);
    assert.equal(await isSettled(resolvesAfterTurns(3, "third")), true);
    assert.equal(await isSettled(resolvesAfterTurns(4, "fourth")), false);
    const { isSettled: isSettledSooner } = realTurns(1);
    assert.equal(await isSettledSooner(resolvesAfterTurns(2, "second")), false);
  });
});

describe("advance", () => {
  it("advance fires each timer at its own virtual millisecond", async () => {
    const { advance } = realTurns(5);
    const clock = FakeTimers.install();
    try {
      const firedAt: number[] = [];
      setTimeout(() => firedAt.push(Date.now()), 5);
      setTimeout(() => firedAt.push(Date.now()), 7);
      await advance(clock, 4);
      assert.deepEqual(firedAt, []);
      await advance(clock, 1);
      assert.deepEqual(firedAt, [5]);
      await advance(clock, 10);
      assert.deepEqual(firedAt, [5, 7]);
      assert.equal(clock.now, 15);
    } finally {
      clock.uninstall();
    }
  });

  it("advance lets two real turns pass after every millisecond, and the bound count at the end", async () => {
    const { advance } = realTurns(6);
    const clock = FakeTimers.install();
    try {
      const counter = turnCounter();
      const turnsAtEachMillisecond: number[] = [];
      const interval = setInterval(() => turnsAtEachMillisecond.push(counter.count), 1);
      await advance(clock, 4);
      clearInterval(interval);
      counter.stop();
      const gaps = turnsAtEachMillisecond.slice(1).map((turns, i) =>
        turns - turnsAtEachMillisecond[i]
      );
      assert.equal(turnsAtEachMillisecond.length, 4);
      assert.ok(gaps.every((gap) => gap >= 2), `real turns between milliseconds: ${gaps}`);
      assert.ok(
        counter.count - turnsAtEachMillisecond[3] >= 2 + 6,
        `only ${counter.count - turnsAtEachMillisecond[3]} real turns after the last tick`,
      );
    } finally {
      clock.uninstall();
    }
  });
});

/**
 * A fake clock seen through a wrapper that counts its ticks; with `showTimers`
 * false the wrapper hides fake-timers' timer table, as a version that kept it
 * elsewhere would.
 */
function countingTicks(
  clock: ReturnType<typeof FakeTimers.install>,
  { showTimers }: { showTimers: boolean },
): TimerClock & { readonly ticks: number } {
  let ticks = 0;
  const wrapper = {
    get now() {
      return clock.now;
    },
    get ticks() {
      return ticks;
    },
    countTimers: () => clock.countTimers(),
    tickAsync: (ms: number) => (ticks++, clock.tickAsync(ms)),
  };
  if (showTimers) {
    // read on each use: fake-timers makes its table when the first timer is armed
    Object.defineProperty(wrapper, "timers", {
      get: () => (clock as unknown as { timers?: unknown }).timers,
    });
  }
  return wrapper;
}

describe("advanceSkippingIdle", () => {
  it("fires every timer at its own virtual millisecond, also one armed a few real turns after another fired", async () => {
    const { advanceSkippingIdle } = realTurns(10);
    const clock = FakeTimers.install();
    try {
      const firedAt: number[] = [];
      setTimeout(() => firedAt.push(Date.now()), 3000);
      setTimeout(() => {
        firedAt.push(Date.now());
        // armed only after eight real turns, as a task resumed after a few hand-offs might
        resolvesAfterTurns(8, "rearm").then(() => setTimeout(() => firedAt.push(Date.now()), 4));
      }, 9000);
      await advanceSkippingIdle(clock, 8999);
      assert.deepEqual(firedAt, [3000]);
      await advanceSkippingIdle(clock, 1001);
      assert.deepEqual(firedAt, [3000, 9000, 9004]);
      assert.equal(clock.now, 10000);
    } finally {
      clock.uninstall();
    }
  });

  it("crosses a stretch with no timer due in one tick", async () => {
    const { advanceSkippingIdle } = realTurns(3);
    const clock = FakeTimers.install();
    try {
      const counting = countingTicks(clock, { showTimers: true });
      let fired = false;
      setTimeout(() => (fired = true), 50_000);
      await advanceSkippingIdle(counting, 100_000);
      assert.equal(fired, true);
      assert.equal(clock.now, 100_000);
      assert.ok(counting.ticks <= 3, `${counting.ticks} ticks for two idle stretches`);
    } finally {
      clock.uninstall();
    }
  });

  it("steps one millisecond at a time, as advance does, on a clock that does not show its timers", async () => {
    const { advanceSkippingIdle } = realTurns(2);
    const clock = FakeTimers.install();
    try {
      const opaque = countingTicks(clock, { showTimers: false });
      const firedAt: number[] = [];
      setTimeout(() => firedAt.push(Date.now()), 7);
      await advanceSkippingIdle(opaque, 10);
      assert.deepEqual(firedAt, [7]);
      assert.equal(clock.now, 10);
      assert.equal(
        opaque.ticks,
        8,
        "a tick per millisecond while a timer is armed, then one to the end",
      );
    } finally {
      clock.uninstall();
    }
  });
});

describe("promptly", () => {
  it("promptly resolves to the value of a promise that settles within the bound turns", async () => {
    const { promptly } = realTurns(10);
    assert.equal(await promptly(resolvesAfterTurns(10, "sent"), "offer(1)"), "sent");
  });

  it("promptly fails, naming the operation, when the promise is still pending after the bound turns", async () => {
    const { promptly } = realTurns(10);
    await assert.rejects(promptly(resolvesAfterTurns(11, "late"), "offer(2)"), {
      name: "AssertionError",
      message: "offer(2) is still pending after 10 turns of the event loop; it must not wait",
    });
  });

  it("promptly fails, saying with what, when the promise rejects", async () => {
    const { promptly } = realTurns(2);
    await assert.rejects(promptly(Promise.reject(new TypeError("closed")), "offer(3)"), {
      name: "AssertionError",
      message: "offer(3) rejected with TypeError: closed",
    });
  });
});

describe("watch", () => {
  it("a watched promise reads as pending until its callbacks have run", () => {
    const call = watch(Promise.resolve(1));
    assert.deepEqual(call.state, { settled: false });
    assert.equal(call.settled, false);
    assert.equal(call.rejected, false);
    assert.equal(call.value, undefined);
    assert.equal(call.error, undefined);
  });

  it("a watched promise that resolves shows its value, flat and in state", async () => {
    const call = watch(Promise.resolve({ hits: 3 }));
    await nextTurn();
    assert.deepEqual(call.state, { settled: true, ok: true, value: { hits: 3 } });
    assert.equal(call.settled, true);
    assert.equal(call.rejected, false);
    assert.deepEqual(call.value, { hits: 3 });
    assert.equal(call.error, undefined);
  });

  it("a watched promise that rejects shows its error, flat and in state", async () => {
    const outage = new Error("outage");
    const call = watch(Promise.reject(outage));
    await nextTurn();
    assert.deepEqual(call.state, { settled: true, ok: false, error: outage });
    assert.equal(call.settled, true);
    assert.equal(call.rejected, true);
    assert.equal(call.value, undefined);
    assert.equal(call.error, outage);
  });
});

describe("valueOf, assertResolved, errorOf and assertPending", () => {
  it("valueOf returns the value, and fails saying why when the promise is pending or rejected", async () => {
    const pending = watch(new Promise<number>(() => {}));
    const resolved = watch(Promise.resolve(42));
    const rejected = watch(Promise.reject(new RangeError("too many")));
    await nextTurn();
    assert.equal(valueOf(resolved, "count()"), 42);
    assert.throws(() => valueOf(pending, "count()"), {
      name: "AssertionError",
      message: "count() has not settled yet",
    });
    assert.throws(() => valueOf(rejected, "count()"), {
      name: "AssertionError",
      message: "count() rejected with RangeError: too many",
    });
  });

  it("assertResolved passes only for a resolved promise", async () => {
    const pending = watch(new Promise<void>(() => {}));
    const resolved = watch(Promise.resolve());
    const rejected = watch(Promise.reject(new Error("deadline")));
    await nextTurn();
    assertResolved(resolved, "shutdown()");
    assert.throws(() => assertResolved(pending, "shutdown()"), /shutdown\(\) has not settled yet/);
    assert.throws(
      () => assertResolved(rejected, "shutdown()"),
      /shutdown\(\) rejected with Error: deadline/,
    );
  });

  it("errorOf returns the rejection, and fails saying why when the promise is pending or resolved", async () => {
    const outage = new Error("outage");
    const pending = watch(new Promise(() => {}));
    const resolved = watch(Promise.resolve(["a", "b"]));
    const rejected = watch(Promise.reject(outage));
    await nextTurn();
    assert.equal(errorOf(rejected, "fetch()"), outage);
    assert.throws(() => errorOf(pending, "fetch()"), {
      name: "AssertionError",
      message: "fetch() has not settled yet",
    });
    assert.throws(() => errorOf(resolved, "fetch()"), {
      name: "AssertionError",
      message: 'fetch() resolved to ["a","b"] instead of rejecting',
    });
  });

  it("assertPending passes only for a pending promise, and says how the promise settled otherwise", async () => {
    const pending = watch(new Promise(() => {}));
    const resolved = watch(Promise.resolve("early"));
    const rejected = watch(Promise.reject(new Error("boom")));
    await nextTurn();
    assertPending(pending, "wait()");
    assert.throws(() => assertPending(resolved, "wait()"), {
      name: "AssertionError",
      message: 'wait(): expected it to be still pending, but it resolved to "early"',
    });
    assert.throws(() => assertPending(rejected, "wait()"), {
      name: "AssertionError",
      message: "wait(): expected it to be still pending, but it rejected with Error: boom",
    });
  });
});

describe("describeValue", () => {
  it("describeValue shows an error as name and message, data as JSON, and the rest as text", () => {
    class TrackerClosedError extends Error {
      override name = "TrackerClosedError";
    }
    assert.equal(describeValue(new TrackerClosedError("closed")), "TrackerClosedError: closed");
    assert.equal(describeValue("late"), '"late"');
    assert.equal(describeValue([1, { ok: true }]), '[1,{"ok":true}]');
    assert.equal(describeValue(null), "null");
    assert.equal(describeValue(undefined), "undefined");
    assert.equal(describeValue(12n), "12");
    const cyclic: { self?: unknown } = {};
    cyclic.self = cyclic;
    assert.equal(describeValue(cyclic), "[object Object]");
  });
});

describe("describeError", () => {
  it("describeError shows an error as name and message, and anything else as String() does", () => {
    assert.equal(describeError(new SyntaxError("bad JSON")), "SyntaxError: bad JSON");
    assert.equal(describeError("job 0 failed"), "job 0 failed");
    assert.equal(describeError({ message: "job 0 failed" }), "[object Object]");
    assert.equal(describeError(undefined), "undefined");
  });
});

describe("withinTurns", () => {
  it("withinTurns resolves like the promise when it settles in time", async () => {
    assert.equal(await withinTurns(resolvesAfterTurns(3, "done"), "the job", 5), "done");
    const outage = new Error("outage");
    await assert.rejects(withinTurns(Promise.reject(outage), "the job", 5), outage);
  });

  it("withinTurns fails, naming what, once the promise is still pending after the given turns", async () => {
    await assert.rejects(withinTurns(resolvesAfterTurns(10, "late"), "the slow job", 8), {
      name: "AssertionError",
      message: "the slow job did not settle within 8 turns of the event loop",
    });
    await assert.rejects(withinTurns(new Promise(() => {}), "the stuck job"), {
      name: "AssertionError",
      message: "the stuck job did not settle within 500 turns of the event loop",
    });
  });
});

describe("within", () => {
  it("within resolves or rejects like the promise when it settles in time", async () => {
    assert.equal(await within(Promise.resolve(200), 60_000, "the response"), 200);
    const refused = new Error("connection refused");
    await assert.rejects(within(Promise.reject(refused), 60_000, "the response"), refused);
  });

  it("within gives up on real time, saying what it waited for, even under fake timers", async () => {
    const clock = FakeTimers.install();
    try {
      const waiting = watch(within(new Promise(() => {}), 1, "the server listening"));
      // Bounded, so that a limit on the fake clock fails the test instead of hanging it.
      for (let turn = 0; turn < 100_000 && !waiting.settled; turn++) await ownTurns(1);
      assert.equal(waiting.rejected, true, "within() did not give up after 1 ms of real time");
      assert.ok(waiting.error instanceof Error);
      assert.equal(waiting.error.message, "gave up after 1 ms waiting for the server listening");
      assert.equal(clock.now, 0, "virtual time moved");
    } finally {
      clock.uninstall();
    }
  });
});

describe("delay", () => {
  it("delay waits on the test's clock: under fake timers, for virtual time", async () => {
    const clock = FakeTimers.install();
    try {
      const waited = watch(delay(1000));
      await clock.tickAsync(999);
      await ownTurns(2);
      assert.equal(waited.settled, false, "delay() ended before its time");
      await clock.tickAsync(1);
      await ownTurns(2);
      assert.equal(waited.settled, true, "delay() did not end on time");
    } finally {
      clock.uninstall();
    }
  });
});

describe("seededRandom", () => {
  it("seededRandom replays the same mulberry32 sequence for a seed, in [0, 1)", () => {
    const random = seededRandom(1);
    assert.deepEqual(
      [random(), random(), random()],
      [0.6270739405881613, 0.002735721180215478, 0.5274470399599522],
    );
    const again = seededRandom(42);
    const draws = Array.from({ length: 1000 }, () => again());
    assert.ok(draws.every((x) => x >= 0 && x < 1));
    const replay = seededRandom(42);
    assert.deepEqual(Array.from({ length: 1000 }, () => replay()), draws);
    assert.notDeepEqual(seededRandom(43)(), draws[0]);
  });
});
