import { describe, it } from "node:test";
import assert from "node:assert/strict";
import FakeTimers from "@sinonjs/fake-timers";
import { Chan, context, recv, runtime, select, time } from "../primitives/mod.ts";
import { errorOf, realTurns, valueOf, watch } from "../primitives/testing.ts";
import type { Backend } from "./fan_out.ts";

// Loaded inside each test, after the helpers above.
const loadBudget = () => import("./budget.ts");

// advance crosses the milliseconds in which no timer is due in one tick: these tests wait long.
const { settle, advanceSkippingIdle: advance } = realTurns(5);

/** A context from outside the primitives whose deadline is fixed and which never ends by itself. */
function frozenDeadline(at: number): context.Context {
  const never = new Chan<void>(0, { name: "frozen.done" });
  return {
    deadline: () => [new Date(at), true],
    done: () => never,
    err: () => null,
    value: () => undefined,
    signal: new AbortController().signal,
  };
}

/** What a test backend saw. */
interface Seen {
  calls: number;
  ctx: context.Context | null;
  startedAt: number | null;
  endedAt: number | null;
}

function newSeen(): Seen {
  return { calls: 0, ctx: null, startedAt: null, endedAt: null };
}

/** Answers after `ms` unless its context ends first (then throws ctx.err()); `failure` fails it instead. */
function backend(name: string, ms: number, seen: Seen, failure?: Error): Backend<string> {
  return async (ctx, query) => {
    seen.calls++;
    seen.ctx = ctx;
    seen.startedAt = Date.now();
    const timer = new time.Timer(ms);
    try {
      const r = await select([recv(timer.c), recv(ctx.done())]);
      seen.endedAt = Date.now();
      if (r.index === 1) throw ctx.err();
    } finally {
      timer.stop();
    }
    if (failure) throw failure;
    return `${name}:${query}`;
  };
}

describe("budget (hidden)", () => {
  it("budgetFor is 0, never negative, once the parent's deadline has passed, even before its timer fired", async () => {
    const { budgetFor } = await loadBudget();
    const clock = FakeTimers.install({ now: 10_000 });
    try {
      const [parent, cancel] = context.withTimeout(context.background(), 100);
      clock.setSystemTime(10_250); // the clock jumps; the parent's timer has not run yet
      assert.equal(parent.err(), null);
      assert.equal(budgetFor(parent, 0.5), 0);
      assert.equal(budgetFor(parent, 1, { minMs: 50 }), 0);
      assert.equal(budgetFor(frozenDeadline(9_000), 0.3, { minMs: 10 }), 0);
      assert.equal(budgetFor(frozenDeadline(10_250), 1), 0, "exactly at the deadline");
      cancel();
    } finally {
      clock.uninstall();
    }
  });

  it("withBudget of a parent whose deadline has fired is born done with DeadlineExceeded, whatever minMs says", async () => {
    const { withBudget } = await loadBudget();
    const clock = FakeTimers.install({ now: 5_000 });
    try {
      const [fired, cancelFired] = context.withTimeout(context.background(), 10);
      await clock.tickAsync(10);
      assert.equal(fired.err(), context.DeadlineExceeded);
      const [child1, cancel1] = withBudget(fired, 0.5, { minMs: 100 });
      assert.equal(child1.err(), context.DeadlineExceeded);
      cancel1();
      cancelFired();
    } finally {
      clock.uninstall();
    }
  });

  it("with a millisecond or two left, the share rounds down to 0 and minMs is capped at what is left", async () => {
    const { budgetFor, withBudget } = await loadBudget();
    const clock = FakeTimers.install({ now: 1_000 });
    try {
      assert.equal(budgetFor(frozenDeadline(1_001), 0.5), 0);
      assert.equal(budgetFor(frozenDeadline(1_001), 0.5, { minMs: 10 }), 1);
      assert.equal(budgetFor(frozenDeadline(1_001), 1), 1);
      assert.equal(budgetFor(frozenDeadline(1_003), 0.5), 1);
      assert.equal(budgetFor(frozenDeadline(1_003), 0.5, { minMs: 2 }), 2);
      const [tiny, cancelTiny] = withBudget(frozenDeadline(1_001), 0.5);
      assert.equal(tiny.err(), context.DeadlineExceeded, "a share of 0 ms must be born done");
      const [one, cancelOne] = withBudget(frozenDeadline(1_001), 0.5, { minMs: 10 });
      assert.deepEqual(one.deadline(), [new Date(1_001), true]);
      assert.equal(one.err(), null);
      await clock.tickAsync(1);
      assert.equal(one.err(), context.DeadlineExceeded);
      cancelTiny();
      cancelOne();
    } finally {
      clock.uninstall();
    }
  });

  it("budgetFor follows floor, then minMs, then the cap, over many remaining times and fractions", async () => {
    const { budgetFor } = await loadBudget();
    const clock = FakeTimers.install({ now: 0 });
    try {
      for (const remaining of [1, 2, 3, 7, 10, 99, 100, 101, 999, 1000, 12_345, 86_400_000]) {
        for (const fraction of [0.001, 0.1, 1 / 3, 0.5, 2 / 3, 0.99, 1]) {
          for (const minMs of [0, 1, 5, 50, 5000]) {
            const got = budgetFor(frozenDeadline(remaining), fraction, { minMs });
            const share = Math.floor(remaining * fraction);
            const want = Math.min(remaining, Math.max(share, minMs));
            assert.equal(got, want, `remaining ${remaining}, fraction ${fraction}, minMs ${minMs}`);
          }
        }
      }
    } finally {
      clock.uninstall();
    }
  });

  it("budgetFor rejects a fraction outside (0, 1] and a bad minMs or defaultMs with a RangeError naming it", async () => {
    const { budgetFor } = await loadBudget();
    const parent = context.background();
    for (const fraction of [0, -0.5, 1.01, NaN, Infinity, "0.5" as unknown as number]) {
      assert.throws(() => budgetFor(parent, fraction), (error: unknown) => {
        assert.ok(error instanceof RangeError, `fraction ${String(fraction)}: got ${error}`);
        assert.match(error.message, /fraction/, `the message should name fraction`);
        return true;
      });
    }
    for (const minMs of [-1, NaN, Infinity]) {
      assert.throws(() => budgetFor(parent, 0.5, { minMs }), (error: unknown) => {
        assert.ok(error instanceof RangeError, `minMs ${minMs}: got ${error}`);
        assert.match(error.message, /minMs/);
        return true;
      });
    }
    for (const defaultMs of [-5, NaN]) {
      assert.throws(() => budgetFor(parent, 0.5, { defaultMs }), (error: unknown) => {
        assert.ok(error instanceof RangeError, `defaultMs ${defaultMs}: got ${error}`);
        assert.match(error.message, /defaultMs/);
        return true;
      });
    }
  });

  it("a cancelled parent without a deadline gives the default budget, and withBudget's child is born cancelled", async () => {
    const { budgetFor, withBudget, DEFAULT_BUDGET_MS } = await loadBudget();
    const [parent, cancel] = context.withCancel(context.background());
    cancel();
    assert.equal(budgetFor(parent, 0.1), DEFAULT_BUDGET_MS);
    const [child, cancelChild] = withBudget(parent, 0.1);
    assert.equal(child.err(), context.Canceled);
    cancelChild();
  });

  it("withBudget with no parent deadline times out after defaultMs, and ends early with its parent", async () => {
    const { withBudget } = await loadBudget();
    const clock = FakeTimers.install();
    try {
      const [child, cancelChild] = withBudget(context.background(), 0.5, { defaultMs: 300 });
      assert.deepEqual(child.deadline(), [new Date(300), true]);
      await clock.tickAsync(300);
      assert.equal(child.err(), context.DeadlineExceeded);
      cancelChild();

      const [parent, cancelParent] = context.withCancel(context.background());
      const [other, cancelOther] = withBudget(parent, 0.5);
      await clock.tickAsync(20);
      cancelParent();
      assert.equal(other.err(), context.Canceled, "the budget's context outlived its parent");
      cancelOther();
      assert.equal(clock.countTimers(), 0, "a budget's timer is still armed after its cancel");
    } finally {
      clock.uninstall();
    }
  });

  it("withBudget never reaches past the parent's deadline, even when minMs asks for more", async () => {
    const { withBudget } = await loadBudget();
    const clock = FakeTimers.install();
    try {
      const [parent, cancelParent] = context.withTimeout(context.background(), 40);
      const [child, cancelChild] = withBudget(parent, 0.1, { minMs: 500 });
      const [due] = child.deadline();
      assert.equal(due?.getTime(), 40);
      await clock.tickAsync(40);
      assert.equal(child.err(), context.DeadlineExceeded);
      cancelChild();
      cancelParent();
    } finally {
      clock.uninstall();
    }
  });

  it("primaryOrFallback returns the primary's answer when it comes within its share, and never calls the fallback", async () => {
    const { primaryOrFallback } = await loadBudget();
    const clock = FakeTimers.install();
    try {
      const cp = runtime.checkpoint();
      const [request, cancel] = context.withTimeout(context.background(), 1000);
      const primarySeen = newSeen();
      const fallbackSeen = newSeen();
      const call = watch(primaryOrFallback(
        request,
        "ada",
        backend("primary", 200, primarySeen),
        backend("fallback", 10, fallbackSeen),
        0.3,
      ));
      await advance(clock, 200);
      assert.deepEqual(valueOf(call, "primaryOrFallback"), {
        from: "primary",
        value: "primary:ada",
      });
      assert.equal(fallbackSeen.calls, 0);
      assert.deepEqual(primarySeen.ctx?.deadline(), [new Date(300), true]);
      assert.notEqual(primarySeen.ctx?.err(), null, "the primary's context was never cancelled");
      cancel();
      await runtime.assertNoLeaks(cp);
    } finally {
      clock.uninstall();
    }
  });

  it("primaryOrFallback with fraction 1 ends at the request's own deadline with DeadlineExceeded, and no fallback", async () => {
    const { primaryOrFallback } = await loadBudget();
    const clock = FakeTimers.install();
    try {
      const cp = runtime.checkpoint();
      const [request, cancel] = context.withTimeout(context.background(), 5000);
      const fallbackSeen = newSeen();
      const call = watch(primaryOrFallback(
        request,
        "ada",
        backend("primary", 60_000, newSeen()),
        backend("fallback", 10, fallbackSeen),
        1,
      ));
      await advance(clock, 4999);
      assert.equal(call.state.settled, false);
      await advance(clock, 1);
      assert.equal(errorOf(call, "primaryOrFallback"), context.DeadlineExceeded);
      await advance(clock, 50);
      assert.equal(fallbackSeen.calls, 0, "the fallback was called after the request was over");
      cancel();
      await runtime.assertNoLeaks(cp);
    } finally {
      clock.uninstall();
    }
  });

  it("primaryOrFallback rejects with Canceled at once when the caller cancels during the primary", async () => {
    const { primaryOrFallback } = await loadBudget();
    const clock = FakeTimers.install();
    try {
      const [request, cancel] = context.withCancel(context.background());
      const fallbackSeen = newSeen();
      const call = watch(primaryOrFallback(
        request,
        "ada",
        backend("primary", 800, newSeen()),
        backend("fallback", 10, fallbackSeen),
        0.5,
      ));
      await advance(clock, 120);
      cancel();
      await settle(10);
      assert.equal(errorOf(call, "primaryOrFallback"), context.Canceled);
      await advance(clock, 20);
      assert.equal(fallbackSeen.calls, 0);
    } finally {
      clock.uninstall();
    }
  });

  it("primaryOrFallback cancels the primary's context before the fallback starts, and hands the fallback the caller's context", async () => {
    const { primaryOrFallback } = await loadBudget();
    const clock = FakeTimers.install();
    try {
      const cp = runtime.checkpoint();
      const [request, cancel] = context.withTimeout(context.background(), 400);
      const primarySeen = newSeen();
      let primaryErrWhenFallbackStarted: Error | null | undefined;
      const fallback: Backend<string> = (ctx, query) => {
        primaryErrWhenFallbackStarted = primarySeen.ctx?.err();
        assert.equal(
          ctx.deadline()[0]?.getTime(),
          400,
          "the fallback did not get all the time left",
        );
        return Promise.resolve(`fallback:${query}`);
      };
      const call = watch(primaryOrFallback(
        request,
        "ada",
        backend("primary", 10, primarySeen, new Error("primary: 503")),
        fallback,
        0.5,
      ));
      await advance(clock, 10);
      assert.deepEqual(valueOf(call, "primaryOrFallback"), {
        from: "fallback",
        value: "fallback:ada",
      });
      assert.equal(primaryErrWhenFallbackStarted, context.Canceled);
      cancel();
      await runtime.assertNoLeaks(cp);
    } finally {
      clock.uninstall();
    }
  });

  it("primaryOrFallback rejects with the fallback's own error when both fail in time", async () => {
    const { primaryOrFallback } = await loadBudget();
    const clock = FakeTimers.install();
    try {
      const [request, cancel] = context.withTimeout(context.background(), 400);
      const last = new Error("fallback: cache miss");
      const call = watch(primaryOrFallback(
        request,
        "ada",
        backend("primary", 10, newSeen(), new Error("primary: 503")),
        backend("fallback", 10, newSeen(), last),
        0.5,
      ));
      await advance(clock, 20);
      assert.equal(errorOf(call, "primaryOrFallback"), last);
      cancel();
    } finally {
      clock.uninstall();
    }
  });

  it("primaryOrFallback on a request that is already over calls neither backend", async () => {
    const { primaryOrFallback } = await loadBudget();
    const [request, cancel] = context.withCancel(context.background());
    cancel();
    const primarySeen = newSeen();
    const fallbackSeen = newSeen();
    await assert.rejects(
      primaryOrFallback(
        request,
        "ada",
        backend("primary", 5, primarySeen),
        backend("fallback", 5, fallbackSeen),
        0.5,
      ),
      (error: unknown) => error === context.Canceled,
    );
    assert.equal(primarySeen.calls + fallbackSeen.calls, 0);
  });
});
