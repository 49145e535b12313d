import { describe, it } from "node:test";
import assert from "node:assert/strict";
import FakeTimers from "@sinonjs/fake-timers";
import { context, recv, runtime, select, time } from "../primitives/mod.ts";
import { errorOf, realTurns, valueOf, watch } from "../primitives/testing.ts";
import { type Backend, fanOut } from "./fan_out.ts";

const { advance, settle } = realTurns(5);

/**
 * A backend that answers `<name>:<query>` after `ms` of virtual time, or
 * fails with `failure` then; when its context is cancelled first, it notes
 * the time and throws an error of its own (not ctx.err()).
 */
function backend(
  name: string,
  ms: number,
  journal: string[],
  failure?: Error,
): Backend<string> {
  return async (ctx, query) => {
    journal.push(`${name} started`);
    const timer = new time.Timer(ms);
    try {
      const r = await select([recv(timer.c), recv(ctx.done())]);
      if (r.index === 1) {
        journal.push(`${name} cancelled at ${Date.now()} ms`);
        throw new Error(`${name} gave up`);
      }
    } finally {
      timer.stop();
    }
    if (failure !== undefined) {
      journal.push(`${name} failed at ${Date.now()} ms`);
      throw failure;
    }
    journal.push(`${name} answered at ${Date.now()} ms`);
    return `${name}:${query}`;
  };
}

describe("fanOut", () => {
  it("fanOut resolves with every backend's answer, keyed by name, when all answer in time", async () => {
    const clock = FakeTimers.install();
    try {
      const cp = runtime.checkpoint();
      const journal: string[] = [];
      const call = watch(fanOut(
        context.background(),
        {
          users: backend("users", 30, journal),
          orders: backend("orders", 60, journal),
          prices: backend("prices", 10, journal),
        },
        "ada",
        100,
      ));
      await advance(clock, 59);
      assert.equal(
        call.state.settled,
        false,
        "fanOut returned before the slowest backend answered",
      );
      await advance(clock, 1);
      assert.deepEqual(valueOf(call, "fanOut"), {
        users: "users:ada",
        orders: "orders:ada",
        prices: "prices:ada",
      });
      assert.equal(clock.countTimers(), 0, "a timer (the deadline's?) is still armed after fanOut");
      await runtime.assertNoLeaks(cp);
    } finally {
      clock.uninstall();
    }
  });

  it("fanOut cancels the other backends as soon as one fails, and rejects with that backend's error", async () => {
    const clock = FakeTimers.install();
    try {
      const cp = runtime.checkpoint();
      const journal: string[] = [];
      const outage = new Error("orders: database unavailable");
      const call = watch(fanOut(
        context.background(),
        {
          users: backend("users", 80, journal),
          orders: backend("orders", 20, journal, outage),
          prices: backend("prices", 90, journal),
        },
        "ada",
        1000,
      ));
      await advance(clock, 20);
      assert.equal(errorOf(call, "fanOut"), outage, "expected the failing backend's own error");
      assert.deepEqual(journal.slice(3).sort(), [
        "orders failed at 20 ms",
        "prices cancelled at 20 ms",
        "users cancelled at 20 ms",
      ]);
      await runtime.assertNoLeaks(cp);
    } finally {
      clock.uninstall();
    }
  });

  it("fanOut rejects with context.DeadlineExceeded at the deadline, whatever the cancelled backends throw", async () => {
    const clock = FakeTimers.install();
    try {
      const cp = runtime.checkpoint();
      const journal: string[] = [];
      const call = watch(fanOut(
        context.background(),
        { users: backend("users", 50, journal), orders: backend("orders", 500, journal) },
        "ada",
        200,
      ));
      await advance(clock, 199);
      assert.equal(call.state.settled, false, "fanOut gave up before its deadline");
      await advance(clock, 1);
      assert.equal(errorOf(call, "fanOut"), context.DeadlineExceeded);
      assert.ok(journal.includes("orders cancelled at 200 ms"), journal.join("\n"));
      await runtime.assertNoLeaks(cp);
    } finally {
      clock.uninstall();
    }
  });

  it("fanOut rejects with context.Canceled when the caller cancels mid-request", async () => {
    const clock = FakeTimers.install();
    try {
      const cp = runtime.checkpoint();
      const journal: string[] = [];
      const [parent, cancel] = context.withCancel(context.background());
      const call = watch(fanOut(
        parent,
        { users: backend("users", 50, journal), orders: backend("orders", 500, journal) },
        "ada",
        1000,
      ));
      await advance(clock, 70);
      cancel();
      await settle(10);
      assert.equal(errorOf(call, "fanOut"), context.Canceled);
      assert.ok(journal.includes("orders cancelled at 70 ms"), journal.join("\n"));
      await runtime.assertNoLeaks(cp);
    } finally {
      clock.uninstall();
    }
  });

  it("fanOut calls no backend when the caller's context is already done", async () => {
    const journal: string[] = [];
    const [parent, cancel] = context.withCancel(context.background());
    cancel();
    await assert.rejects(
      fanOut(parent, { users: backend("users", 5, journal) }, "ada", 100),
      (error: unknown) => error === context.Canceled,
    );
    assert.deepEqual(journal, [], "a backend was called for a request that was already over");
  });
});
