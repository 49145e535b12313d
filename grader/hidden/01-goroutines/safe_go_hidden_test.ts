import { describe, it } from "node:test";
import assert from "node:assert/strict";
import FakeTimers from "@sinonjs/fake-timers";
import { Chan, Panic, type ReceiveChan, recv, runtime, select } from "../primitives/mod.ts";
import { realTurns } from "../primitives/testing.ts";

// Loaded inside each test, after the helpers above.
const loadSafeGo = () => import("./safe_go.ts");

const { settle } = realTurns(5);

/** Waits a few turns for `done` to close; fails the test instead of hanging if it does not. */
async function waitDone(done: ReceiveChan<void>): Promise<void> {
  const outcome = await Promise.race([done.recv(), settle(20).then(() => "still open" as const)]);
  assert.notEqual(outcome, "still open", "done was not closed after the task ended");
  assert.deepEqual(outcome, [undefined, false], "done delivered a value instead of being closed");
}

async function isClosed(done: ReceiveChan<void>): Promise<boolean> {
  const chosen = await select([recv(done)], { default: true });
  return chosen.index === 0 && !chosen.ok;
}

describe("safeGo (hidden)", () => {
  it("safeGo catches a rejected promise returned by a plain, non-async function", async () => {
    const { safeGo } = await loadSafeGo();
    const refused = new Error("connection refused");
    const reported: Error[] = [];
    const done = safeGo(() => Promise.reject(refused), (error) => reported.push(error));
    await settle();
    assert.deepEqual(reported, [refused]);
    assert.equal(await isClosed(done), true);
  });

  it("safeGo catches a rejection that happens long after the task started, in virtual time", async () => {
    const { safeGo } = await loadSafeGo();
    const clock = FakeTimers.install();
    try {
      const tasksBefore = runtime.numGoroutine();
      const reported: Error[] = [];
      const done = safeGo(async () => {
        await new Promise((resolve) => setTimeout(resolve, 5000));
        throw new Error("lease expired");
      }, (error) => reported.push(error));
      await clock.tickAsync(4999);
      await settle();
      assert.equal(reported.length, 0, "onPanic ran before fn failed");
      assert.equal(await isClosed(done), false, "done was closed while fn was still waiting");
      assert.equal(
        runtime.numGoroutine(),
        tasksBefore + 1,
        "the task was not alive while fn waited",
      );
      await clock.tickAsync(1);
      await settle();
      assert.deepEqual(reported.map((error) => error.message), ["lease expired"]);
      assert.equal(await isClosed(done), true);
      assert.equal(runtime.numGoroutine(), tasksBefore);
    } finally {
      clock.uninstall();
    }
  });

  it("safeGo wraps a thrown string in a RecoveredPanic that keeps the original value", async () => {
    const { safeGo, RecoveredPanic } = await loadSafeGo();
    const reported: Error[] = [];
    const done = safeGo(() => {
      throw "runtime error: invalid memory address";
    }, (error) => reported.push(error));
    await waitDone(done);
    assert.equal(reported.length, 1);
    const [error] = reported;
    assert.ok(error instanceof RecoveredPanic, `expected RecoveredPanic, got ${error}`);
    assert.equal(error.value, "runtime error: invalid memory address");
    assert.match(error.message, /invalid memory address/);
  });

  it("safeGo reports undefined, null, a number, a symbol and an object without a prototype as RecoveredPanic", async () => {
    const { safeGo, RecoveredPanic } = await loadSafeGo();
    const oddValues: unknown[] = [undefined, null, 42, Symbol("oops"), Object.create(null)];
    for (const value of oddValues) {
      const reported: Error[] = [];
      const done = safeGo(async () => {
        await settle(1);
        throw value;
      }, (error) => reported.push(error));
      await waitDone(done);
      const label = typeof value === "symbol" ? value.toString() : typeof value;
      assert.equal(reported.length, 1, `throwing ${label}: onPanic ran ${reported.length} times`);
      const [error] = reported;
      assert.ok(error instanceof RecoveredPanic, `throwing ${label}: got ${error}`);
      assert.equal(error.value, value, `throwing ${label}: the original value was not kept`);
      assert.equal(typeof error.message, "string");
    }
  });

  it("safeGo hands a Panic from the primitives to onPanic unchanged", async () => {
    const { safeGo } = await loadSafeGo();
    const reported: Error[] = [];
    const done = safeGo(() => {
      const ch = new Chan<number>();
      ch.close();
      ch.close();
    }, (error) => reported.push(error));
    await waitDone(done);
    assert.equal(reported.length, 1);
    assert.ok(reported[0] instanceof Panic, `expected the Panic itself, got ${reported[0]}`);
    assert.equal(reported[0].message, "close of closed channel");
  });

  it("safeGo without onPanic logs the failure with console.error and keeps the program running", async () => {
    const { safeGo } = await loadSafeGo();
    const original = console.error;
    const logged: unknown[][] = [];
    console.error = (...args: unknown[]) => {
      logged.push(args);
    };
    try {
      const done = safeGo(() => {
        throw new Error("assignment to entry in nil map");
      });
      await waitDone(done);
      await settle();
    } finally {
      console.error = original;
    }
    assert.equal(logged.length, 1, `console.error was called ${logged.length} times`);
    assert.match(logged[0].map(String).join(" "), /assignment to entry in nil map/);
  });

  it("safeGo's done channel is closed, not sent on: every waiting receiver sees the end", async () => {
    const { safeGo } = await loadSafeGo();
    const done = safeGo(() => settle(2));
    const receivers = [done.recv(), done.recv(), done.recv()];
    await settle();
    const first = await Promise.race([Promise.all(receivers), settle(3).then(() => "timeout")]);
    assert.notEqual(first, "timeout", "some receivers of done were never woken");
    assert.deepEqual(first, [[undefined, false], [undefined, false], [undefined, false]]);
  });

  it("a hundred safeGo tasks, half failing: each failure reported once, every done closed, nothing leaks", async () => {
    const { safeGo } = await loadSafeGo();
    const checkpoint = runtime.checkpoint();
    const reported: string[] = [];
    const finished: number[] = [];
    const dones = Array.from({ length: 100 }, (_, i) =>
      safeGo(async () => {
        for (let turn = 0; turn < i % 4; turn++) await settle(1);
        if (i % 2 === 1) throw new Error(`task ${i} failed`);
        finished.push(i);
      }, (error) => reported.push(error.message)));
    for (const done of dones) await waitDone(done);
    assert.equal(finished.length, 50);
    assert.deepEqual(
      [...reported].sort(),
      Array.from({ length: 50 }, (_, k) => `task ${2 * k + 1} failed`).sort(),
    );
    await runtime.assertNoLeaks(checkpoint);
  });
  it("safeGo closes done only after onPanic has returned, for a thrown string and a late rejection", async () => {
    const { safeGo } = await loadSafeGo();
    const clock = FakeTimers.install();
    try {
      const seenWhileReporting: Promise<boolean>[] = [];
      const dones: ReceiveChan<void>[] = [];
      const report = (index: number) => () => {
        seenWhileReporting[index] = isClosed(dones[index]);
      };
      dones.push(safeGo(() => {
        throw "bad input";
      }, report(0)));
      dones.push(
        safeGo(
          () => new Promise((_, reject) => setTimeout(() => reject(new Error("late")), 50)),
          report(1),
        ),
      );
      await settle();
      await clock.tickAsync(50);
      await settle();
      assert.equal(seenWhileReporting.length, 2, "onPanic was not called for both tasks");
      assert.deepEqual(
        await Promise.all(seenWhileReporting),
        [false, false],
        "done was closed before onPanic ran",
      );
      for (const done of dones) await waitDone(done);
    } finally {
      clock.uninstall();
    }
  });
});
