import { describe, it } from "node:test";
import assert from "node:assert/strict";
import FakeTimers from "@sinonjs/fake-timers";
import { context, go, Panic, runtime } from "../primitives/mod.ts";
import { assertResolved, delay, realTurns, seededRandom, watch } from "../primitives/testing.ts";

// The student's module is loaded inside each test, after these imports, so
// code it runs at import time cannot change the helpers the tests rely on.
const loadTracker = () => import("./tracker.ts");

const { settle } = realTurns(5);

const background = context.background();

describe("Tracker (hidden)", () => {
  it("two concurrent shutdown() calls both resolve once run() has drained, and neither panics", async () => {
    const { Tracker } = await loadTracker();
    const clock = FakeTimers.install();
    try {
      const checkpoint = runtime.checkpoint();
      const seen: string[] = [];
      const tracker = new Tracker<string>(async (data) => {
        await delay(100);
        seen.push(data);
      });
      go(() => tracker.run());
      for (const data of ["a", "b", "c"]) await tracker.event(background, data);
      const [ctxA, cancelA] = context.withTimeout(background, 5000);
      const [ctxB, cancelB] = context.withTimeout(background, 5000);
      const first = watch(tracker.shutdown(ctxA));
      const second = watch(tracker.shutdown(ctxB));
      await clock.tickAsync(200);
      await settle();
      assert.equal(
        second.error instanceof Panic,
        false,
        `second shutdown() panicked: ${second.error}`,
      );
      assert.equal(
        first.settled || second.settled,
        false,
        "a shutdown() returned before the drain",
      );
      await clock.tickAsync(100);
      await settle();
      assert.deepEqual(seen, ["a", "b", "c"]);
      assertResolved(first, "the first shutdown()");
      assertResolved(second, "the second shutdown()");
      cancelA();
      cancelB();
      await runtime.assertNoLeaks(checkpoint);
    } finally {
      clock.uninstall();
    }
  });

  it("shutdown() whose deadline expires mid-drain rejects, and run() still handles every accepted event and ends", async () => {
    const { Tracker } = await loadTracker();
    const clock = FakeTimers.install();
    try {
      const checkpoint = runtime.checkpoint();
      const seen: number[] = [];
      const tracker = new Tracker<number>(async (n) => {
        await delay(1000);
        seen.push(n);
      });
      go(() => tracker.run());
      for (let n = 1; n <= 4; n++) await tracker.event(background, n);
      const [ctx, cancel] = context.withTimeout(background, 2500);
      const stopping = watch(tracker.shutdown(ctx));
      await clock.tickAsync(2499);
      await settle();
      assert.equal(stopping.settled, false, "shutdown() returned before its deadline");
      await clock.tickAsync(1);
      await settle();
      assert.equal(stopping.rejected, true, "shutdown() did not fail at its deadline");
      assert.equal(stopping.error, context.DeadlineExceeded);
      assert.deepEqual(seen, [1, 2]);
      cancel();
      await clock.tickAsync(2000);
      await settle();
      assert.deepEqual(
        seen,
        [1, 2, 3, 4],
        "run() stopped handling events after shutdown() gave up",
      );
      await runtime.assertNoLeaks(checkpoint);
    } finally {
      clock.uninstall();
    }
  });

  it("a shutdown() that timed out can be retried with a fresh context and then succeeds", async () => {
    const { Tracker } = await loadTracker();
    const clock = FakeTimers.install();
    try {
      const tracker = new Tracker<string>(() => delay(1000));
      go(() => tracker.run());
      for (const data of ["a", "b", "c"]) await tracker.event(background, data);
      const [short, cancelShort] = context.withTimeout(background, 500);
      const attempt = watch(tracker.shutdown(short));
      await clock.tickAsync(500);
      await settle();
      assert.equal(attempt.error, context.DeadlineExceeded);
      cancelShort();
      const [long, cancelLong] = context.withTimeout(background, 10_000);
      const retry = watch(tracker.shutdown(long));
      await settle();
      assert.equal(retry.error instanceof Panic, false, `the retry panicked: ${retry.error}`);
      await clock.tickAsync(2499);
      await settle();
      assert.equal(retry.settled, false, "the retry returned before the drain had finished");
      await clock.tickAsync(1);
      await settle();
      assertResolved(retry, "the retried shutdown()");
      cancelLong();
    } finally {
      clock.uninstall();
    }
  });

  it("an event() waiting for room when shutdown() begins rejects with TrackerClosedError, not a Panic", async () => {
    const { Tracker, TrackerClosedError } = await loadTracker();
    const clock = FakeTimers.install();
    try {
      const checkpoint = runtime.checkpoint();
      const seen: string[] = [];
      const tracker = new Tracker<string>((data) => {
        seen.push(data);
      }, { capacity: 1 });
      await tracker.event(background, "queued");
      const waiting = watch(tracker.event(background, "waiting for room"));
      await settle();
      assert.equal(waiting.settled, false, "event() did not wait while the queue was full");
      const [ctx, cancel] = context.withTimeout(background, 1000);
      const stopping = watch(tracker.shutdown(ctx));
      await settle();
      assert.equal(waiting.rejected, true, "the waiting event() was not refused by shutdown()");
      assert.ok(
        waiting.error instanceof TrackerClosedError,
        `expected TrackerClosedError, got ${waiting.error}`,
      );
      go(() => tracker.run());
      await settle();
      assert.deepEqual(seen, ["queued"]);
      assertResolved(stopping, "shutdown()");
      cancel();
      await runtime.assertNoLeaks(checkpoint);
    } finally {
      clock.uninstall();
    }
  });

  it("shutdown() waits for the handler of the last event even when the queue is already empty", async () => {
    const { Tracker } = await loadTracker();
    const clock = FakeTimers.install();
    try {
      let finished = false;
      const tracker = new Tracker<string>(async () => {
        await delay(1000);
        finished = true;
      });
      go(() => tracker.run());
      await tracker.event(background, "slow");
      await settle(); // run() has taken the event: the queue is empty, the handler busy
      const [ctx, cancel] = context.withTimeout(background, 5000);
      const stopping = watch(tracker.shutdown(ctx));
      await clock.tickAsync(999);
      await settle();
      assert.equal(stopping.settled, false, "shutdown() returned while an event was being handled");
      await clock.tickAsync(1);
      await settle();
      assert.equal(finished, true);
      assertResolved(stopping, "shutdown()");
      cancel();
    } finally {
      clock.uninstall();
    }
  });

  it("run() itself resolves once shutdown() has begun and every queued event is handled", async () => {
    const { Tracker } = await loadTracker();
    const clock = FakeTimers.install();
    try {
      const tracker = new Tracker<string>(() => delay(50));
      const running = watch(tracker.run());
      await tracker.event(background, "a");
      await tracker.event(background, "b");
      await settle();
      assert.equal(running.settled, false, "run() returned while the queue was open");
      const [ctx, cancel] = context.withTimeout(background, 1000);
      const stopping = watch(tracker.shutdown(ctx));
      await clock.tickAsync(100);
      await settle();
      assertResolved(running, "run()");
      assert.equal(stopping.settled, true);
      cancel();
    } finally {
      clock.uninstall();
    }
  });

  it("shutdown() with no run() rejects with DeadlineExceeded, and the queued events stay unhandled", async () => {
    const { Tracker } = await loadTracker();
    const clock = FakeTimers.install();
    try {
      const seen: string[] = [];
      const tracker = new Tracker<string>((data) => {
        seen.push(data);
      });
      await tracker.event(background, "never handled");
      const [ctx, cancel] = context.withTimeout(background, 300);
      const stopping = watch(tracker.shutdown(ctx));
      await clock.tickAsync(300);
      await settle();
      assert.equal(
        stopping.rejected,
        true,
        "shutdown() claimed success though nothing was handled",
      );
      assert.equal(stopping.error, context.DeadlineExceeded);
      assert.deepEqual(seen, []);
      cancel();
    } finally {
      clock.uninstall();
    }
  });

  it("event() after a completed shutdown() rejects with TrackerClosedError", async () => {
    const { Tracker, TrackerClosedError } = await loadTracker();
    const clock = FakeTimers.install();
    try {
      const tracker = new Tracker<string>(() => {});
      go(() => tracker.run());
      await tracker.event(background, "before");
      const [ctx, cancel] = context.withTimeout(background, 1000);
      const stopping = watch(tracker.shutdown(ctx));
      await settle();
      await clock.tickAsync(1000);
      await settle();
      assert.equal(stopping.settled, true);
      cancel();
      // Many attempts: an event() that races the closed queue against another
      // case in one select would panic only some of the time.
      for (let i = 0; i < 20; i++) {
        await assert.rejects(tracker.event(background, `after ${i}`), TrackerClosedError);
      }
    } finally {
      clock.uninstall();
    }
  });

  it("by default the queue holds 10 events: the 11th waits while nothing runs the tracker", async () => {
    const { Tracker } = await loadTracker();
    const tracker = new Tracker<number>(() => {});
    for (let n = 1; n <= 10; n++) {
      const accepted = watch(tracker.event(background, n));
      await settle(1);
      assertResolved(accepted, `event(${n}) with nobody running the tracker`);
    }
    const [ctx, cancel] = context.withCancel(background);
    const eleventh = watch(tracker.event(ctx, 11));
    await settle();
    assert.equal(
      eleventh.settled,
      false,
      "an 11th event was accepted with nobody running the tracker",
    );
    cancel();
    await settle();
    assert.equal(eleventh.error, context.Canceled);
  });

  it("over 40 seeds of producers, deadlines and a shutdown at random moments, exactly the accepted events are handled, each once, and nothing leaks", async () => {
    const { Tracker, TrackerClosedError } = await loadTracker();
    for (let seed = 1; seed <= 40; seed++) {
      const random = seededRandom(seed);
      const clock = FakeTimers.install();
      try {
        const checkpoint = runtime.checkpoint();
        const handled: number[] = [];
        const capacity = 1 + Math.floor(random() * 3);
        const tracker = new Tracker<number>(async (n) => {
          await delay(Math.floor(random() * 30));
          handled.push(n);
        }, { capacity });
        go(() => tracker.run());

        const shutdownAt = Math.floor(random() * 200);
        const producers = Array.from({ length: 16 }, (_, id) => {
          const startAt = Math.floor(random() * 250);
          const patience = 1 + Math.floor(random() * 60);
          const outcome = {
            id,
            startAt,
            accepted: false,
            error: undefined as unknown,
            done: false,
          };
          go(async () => {
            await delay(startAt);
            const [ctx, cancel] = context.withTimeout(background, patience);
            try {
              await tracker.event(ctx, id);
              outcome.accepted = true;
            } catch (error) {
              outcome.error = error;
            } finally {
              cancel();
              outcome.done = true;
            }
          });
          return outcome;
        });
        const [shutdownCtx, cancelShutdown] = context.withTimeout(background, 60_000);
        const stopping = watch(delay(shutdownAt).then(() => tracker.shutdown(shutdownCtx)));

        await clock.tickAsync(1000);
        await settle();
        const where = `seed ${seed} (capacity ${capacity}, shutdown at ${shutdownAt} ms)`;
        assert.equal(stopping.settled, true, `${where}: shutdown() never returned`);
        assert.equal(stopping.rejected, false, `${where}: shutdown() failed: ${stopping.error}`);
        for (const p of producers) {
          assert.equal(p.done, true, `${where}: event(${p.id}) never returned`);
          if (p.accepted) continue;
          assert.ok(
            p.error instanceof TrackerClosedError || p.error === context.DeadlineExceeded,
            `${where}: event(${p.id}) failed with ${p.error}, not TrackerClosedError or its deadline`,
          );
          if (p.startAt > shutdownAt) {
            assert.ok(
              p.error instanceof TrackerClosedError,
              `${where}: event(${p.id}) started after shutdown() and failed with ${p.error}`,
            );
          }
        }
        const accepted = producers.filter((p) => p.accepted).map((p) => p.id);
        assert.deepEqual(
          [...handled].sort((a, b) => a - b),
          accepted.sort((a, b) => a - b),
          `${where}: the handled events differ from the accepted ones`,
        );
        cancelShutdown();
        await runtime.assertNoLeaks(checkpoint);
      } finally {
        clock.uninstall();
      }
    }
  });
});
