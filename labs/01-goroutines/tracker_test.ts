import { describe, it } from "node:test";
import assert from "node:assert/strict";
import FakeTimers from "@sinonjs/fake-timers";
import { context, go, runtime } from "../primitives/mod.ts";
import { delay, realTurns, watch } from "../primitives/testing.ts";
import { Tracker, TrackerClosedError } from "./tracker.ts";

const { settle } = realTurns(5);

const background = context.background();

/** A running tracker whose handler takes 1 s (of the fake clock) per event, with "a", "b", "c" queued. */
async function runSlowTrackerWithThreeEvents(): Promise<
  { tracker: Tracker<string>; seen: string[] }
> {
  const seen: string[] = [];
  const tracker = new Tracker<string>(async (data) => {
    await delay(1000);
    seen.push(data);
  });
  go(() => tracker.run());
  for (const data of ["a", "b", "c"]) await tracker.event(background, data);
  return { tracker, seen };
}

describe("Tracker", () => {
  it("run() hands every accepted event to the handler, in the order they were queued", async () => {
    const seen: string[] = [];
    const tracker = new Tracker<string>((data) => {
      seen.push(data);
    });
    for (const data of ["signup", "login", "logout"]) await tracker.event(background, data);
    go(() => tracker.run());
    await settle();
    assert.deepEqual(seen, ["signup", "login", "logout"]);
  });

  it("event() rejects with the context's error when the queue stays full until the deadline", async () => {
    const clock = FakeTimers.install();
    try {
      const seen: string[] = [];
      const tracker = new Tracker<string>((data) => {
        seen.push(data);
      }, { capacity: 1 });
      await tracker.event(background, "fills the queue");
      const [ctx, cancel] = context.withTimeout(background, 100);
      const waiting = watch(tracker.event(ctx, "waits for room"));
      await clock.tickAsync(99);
      await settle();
      assert.equal(waiting.settled, false, "event() gave up before its deadline");
      await clock.tickAsync(1);
      await settle();
      assert.equal(waiting.rejected, true, "event() did not fail when its deadline passed");
      assert.equal(waiting.error, context.DeadlineExceeded);
      cancel();
      go(() => tracker.run());
      await settle();
      assert.deepEqual(seen, ["fills the queue"], "an event that failed was handled anyway");
    } finally {
      clock.uninstall();
    }
  });

  it("shutdown() resolves as soon as run() has handled every queued event", async () => {
    const clock = FakeTimers.install();
    try {
      const { tracker, seen } = await runSlowTrackerWithThreeEvents();
      const [ctx, cancel] = context.withTimeout(background, 5000);
      const stopping = watch(tracker.shutdown(ctx));
      await clock.tickAsync(2000);
      await settle();
      assert.equal(stopping.settled, false, "shutdown() returned while events were still queued");
      await clock.tickAsync(1000);
      await settle();
      assert.deepEqual(seen, ["a", "b", "c"]);
      assert.equal(
        stopping.settled,
        true,
        "shutdown() is still waiting 2 s before its deadline although run() has drained the queue",
      );
      assert.equal(stopping.rejected, false, `shutdown() failed: ${stopping.error}`);
      cancel();
    } finally {
      clock.uninstall();
    }
  });

  it("shutdown() rejects with the context's error when the deadline passes before the queue is drained", async () => {
    const clock = FakeTimers.install();
    try {
      const { tracker, seen } = await runSlowTrackerWithThreeEvents();
      const [ctx, cancel] = context.withTimeout(background, 1500);
      const stopping = watch(tracker.shutdown(ctx));
      await clock.tickAsync(1500);
      await settle();
      assert.equal(stopping.settled, true, "shutdown() did not return at its deadline");
      assert.equal(stopping.rejected, true, "shutdown() reported success with events still queued");
      assert.equal(stopping.error, context.DeadlineExceeded);
      assert.deepEqual(seen, ["a"]);
      cancel();
    } finally {
      clock.uninstall();
    }
  });

  it("event() after shutdown() rejects with TrackerClosedError instead of panicking", async () => {
    const clock = FakeTimers.install();
    try {
      const tracker = new Tracker<string>(() => {});
      go(() => tracker.run());
      const [ctx, cancel] = context.withTimeout(background, 1000);
      const stopping = watch(tracker.shutdown(ctx));
      await assert.rejects(tracker.event(background, "too late"), TrackerClosedError);
      await clock.tickAsync(1000);
      await settle();
      assert.equal(stopping.settled, true);
      cancel();
    } finally {
      clock.uninstall();
    }
  });

  it("run() ends after shutdown() and leaves no task or parked operation behind", async () => {
    const clock = FakeTimers.install();
    try {
      const checkpoint = runtime.checkpoint();
      const tracker = new Tracker<string>(async () => {
        await delay(10);
      });
      go(() => tracker.run());
      await tracker.event(background, "one");
      await tracker.event(background, "two");
      const [ctx, cancel] = context.withTimeout(background, 1000);
      const stopping = watch(tracker.shutdown(ctx));
      await clock.tickAsync(1000);
      await settle();
      cancel();
      assert.equal(stopping.settled, true);
      await runtime.assertNoLeaks(checkpoint);
    } finally {
      clock.uninstall();
    }
  });

  it("shutdown() may be called twice at once: both calls resolve, and nothing panics", async () => {
    const clock = FakeTimers.install();
    try {
      const { tracker, seen } = await runSlowTrackerWithThreeEvents();
      const [ctx, cancel] = context.withTimeout(background, 5000);
      const first = watch(tracker.shutdown(ctx));
      const second = watch(tracker.shutdown(ctx));
      await clock.tickAsync(3000);
      await settle();
      assert.deepEqual(seen, ["a", "b", "c"]);
      assert.equal(first.rejected, false, `the first shutdown() failed: ${first.error}`);
      assert.equal(second.rejected, false, `the second shutdown() failed: ${second.error}`);
      assert.equal(
        first.settled && second.settled,
        true,
        "a shutdown() is still waiting after the drain",
      );
      cancel();
    } finally {
      clock.uninstall();
    }
  });

  it("event() waiting for room in a full queue rejects with TrackerClosedError once shutdown() begins", async () => {
    const tracker = new Tracker<string>(() => {}, { capacity: 1 });
    await tracker.event(background, "fills the queue");
    const waiting = watch(tracker.event(background, "waits for room"));
    await settle();
    assert.equal(waiting.settled, false, "event() did not wait while the queue was full");
    const [ctx, cancel] = context.withCancel(background);
    const stopping = watch(tracker.shutdown(ctx));
    await settle();
    assert.equal(
      waiting.rejected,
      true,
      "the waiting event() was not refused when shutdown() began",
    );
    assert.ok(
      waiting.error instanceof TrackerClosedError,
      `expected TrackerClosedError, got ${waiting.error}`,
    );
    go(() => tracker.run());
    await settle();
    assert.equal(
      stopping.settled,
      true,
      "shutdown() did not resolve once run() had drained the queue",
    );
    cancel();
  });
});
