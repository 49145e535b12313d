import { describe, it } from "node:test";
import assert from "node:assert/strict";
import FakeTimers from "@sinonjs/fake-timers";
import { context, recv, runtime, select, time } from "../primitives/mod.ts";
import { realTurns, valueOf, watch } from "../primitives/testing.ts";
import { budgetFor, DEFAULT_BUDGET_MS, primaryOrFallback, withBudget } from "./budget.ts";
import type { Backend } from "./fan_out.ts";

const { advance } = realTurns(5);

/** Answers `<name>:<query>` after `ms` unless its context ends first; logs what it saw. */
function backend(name: string, ms: number, journal: string[]): Backend<string> {
  return async (ctx, query) => {
    const [due] = ctx.deadline();
    journal.push(`${name} started at ${Date.now()}, due ${due?.getTime() ?? "never"}`);
    const timer = new time.Timer(ms);
    try {
      const r = await select([recv(timer.c), recv(ctx.done())]);
      if (r.index === 1) {
        journal.push(`${name} stopped at ${Date.now()}: ${ctx.err()?.message}`);
        throw ctx.err();
      }
    } finally {
      timer.stop();
    }
    return `${name}:${query}`;
  };
}

describe("budget", () => {
  it("budgetFor grants the given fraction of the time left, rounded down", async () => {
    const clock = FakeTimers.install();
    try {
      const [parent, cancel] = context.withTimeout(context.background(), 1000);
      assert.equal(budgetFor(parent, 0.5), 500);
      await clock.tickAsync(100); // 900 ms left
      assert.equal(budgetFor(parent, 0.5), 450);
      assert.equal(budgetFor(parent, 1 / 7), 128); // 128.57… rounded down
      assert.equal(budgetFor(parent, 1), 900);
      cancel();
    } finally {
      clock.uninstall();
    }
  });

  it("budgetFor raises a small share to minMs, but never past the parent's deadline", () => {
    const clock = FakeTimers.install();
    try {
      const [parent, cancel] = context.withTimeout(context.background(), 100);
      assert.equal(budgetFor(parent, 0.1, { minMs: 30 }), 30);
      assert.equal(budgetFor(parent, 0.5, { minMs: 30 }), 50);
      assert.equal(
        budgetFor(parent, 0.1, { minMs: 250 }),
        100,
        "the share reaches past the deadline",
      );
      cancel();
    } finally {
      clock.uninstall();
    }
  });

  it("budgetFor grants the default budget when the parent has no deadline", () => {
    assert.equal(DEFAULT_BUDGET_MS, 1000);
    assert.equal(budgetFor(context.background(), 0.5), DEFAULT_BUDGET_MS);
    assert.equal(budgetFor(context.background(), 0.5, { defaultMs: 250, minMs: 400 }), 250);
  });

  it("withBudget's context ends at its share of the deadline with DeadlineExceeded, and the parent lives on", async () => {
    const clock = FakeTimers.install();
    try {
      const [parent, cancelParent] = context.withTimeout(context.background(), 400);
      const [child, cancelChild] = withBudget(parent, 0.25);
      assert.deepEqual(child.deadline(), [new Date(100), true]);
      await clock.tickAsync(99);
      assert.equal(child.err(), null, "the child ended before its share was used up");
      await clock.tickAsync(1);
      assert.equal(child.err(), context.DeadlineExceeded);
      assert.equal(parent.err(), null, "ending the child must not end the parent");
      cancelChild();
      cancelParent();
    } finally {
      clock.uninstall();
    }
  });

  it("primaryOrFallback falls back when the primary runs out of its share, and the fallback gets the rest", async () => {
    const clock = FakeTimers.install();
    try {
      const cp = runtime.checkpoint();
      const journal: string[] = [];
      const [request, cancel] = context.withTimeout(context.background(), 300);
      const call = watch(primaryOrFallback(
        request,
        "ada",
        backend("primary", 500, journal),
        backend("fallback", 40, journal),
        0.5,
      ));
      await advance(clock, 190);
      assert.deepEqual(valueOf(call, "primaryOrFallback"), {
        from: "fallback",
        value: "fallback:ada",
      });
      assert.deepEqual(journal, [
        "primary started at 0, due 150",
        "primary stopped at 150: context deadline exceeded",
        "fallback started at 150, due 300",
      ]);
      cancel();
      await runtime.assertNoLeaks(cp);
    } finally {
      clock.uninstall();
    }
  });
  it("primaryOrFallback cancels the primary's context before the fallback starts", async () => {
    let primaryCtx: context.Context | undefined;
    let primaryDoneWhenFallbackStarted: boolean | undefined;
    const primary: Backend<string> = (ctx) => {
      primaryCtx = ctx;
      return Promise.reject(new Error("primary: 503"));
    };
    const fallback: Backend<string> = (_ctx, query) => {
      primaryDoneWhenFallbackStarted = primaryCtx?.err() !== null;
      return Promise.resolve(`fallback:${query}`);
    };
    const [request, cancel] = context.withTimeout(context.background(), 300);
    try {
      const answer = await primaryOrFallback(request, "ada", primary, fallback, 0.5);
      assert.deepEqual(answer, { from: "fallback", value: "fallback:ada" });
      assert.equal(primaryDoneWhenFallbackStarted, true, "the primary's context was still alive");
    } finally {
      cancel();
    }
  });

  it("primaryOrFallback calls no fallback when the caller cancels during the primary", async () => {
    const clock = FakeTimers.install();
    try {
      const journal: string[] = [];
      const [request, cancel] = context.withCancel(context.background());
      const call = watch(primaryOrFallback(
        request,
        "ada",
        backend("primary", 500, journal),
        backend("fallback", 40, journal),
        0.5,
      ));
      await advance(clock, 100);
      cancel();
      await advance(clock, 0);
      assert.equal(call.rejected, true, "primaryOrFallback did not end with the caller's cancel");
      assert.equal(call.error, context.Canceled);
      assert.ok(!journal.some((line) => line.startsWith("fallback")), journal.join("\n"));
    } finally {
      clock.uninstall();
    }
  });
});
