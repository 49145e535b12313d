import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Chan } from "./chan.ts";
import { Panic } from "./panic.ts";
import { currentTask, go, runtime } from "./runtime.ts";
import { recv, select } from "./select.ts";
import { WaitGroup } from "./wait_group.ts";
import { realTurns } from "./testing.ts";

const { isSettled, settle } = realTurns(3);

describe("WaitGroup.wait", () => {
  it("resolves at once when the counter is already zero", async () => {
    const wg = new WaitGroup();
    assert.equal(await isSettled(wg.wait()), true);
    wg.add(2);
    wg.done();
    wg.done();
    assert.equal(await isSettled(wg.wait()), true);
  });

  it("releases every one of many waiters exactly when the last done() brings the counter to zero", async () => {
    const checkpoint = runtime.checkpoint();
    const wg = new WaitGroup();
    wg.add(3);
    let released = 0;
    const waiters = Array.from({ length: 50 }, () => wg.wait().then(() => released++));
    wg.done();
    wg.done();
    await settle();
    assert.equal(released, 0, "no waiter may return while the counter is above zero");
    wg.done();
    await Promise.all(waiters);
    assert.equal(released, 50);
    await runtime.assertNoLeaks(checkpoint);
  });

  it("can be reused: after one round completes, a new add() makes wait() block again", async () => {
    const checkpoint = runtime.checkpoint();
    const wg = new WaitGroup();
    for (let round = 1; round <= 3; round++) {
      wg.add(round);
      const waiting = wg.wait();
      for (let i = 0; i < round; i++) {
        assert.equal(await isSettled(waiting), false, `round ${round}: released too early`);
        wg.done();
      }
      assert.equal(await isSettled(waiting), true, `round ${round}: not released`);
    }
    await runtime.assertNoLeaks(checkpoint);
  });

  it("a blocked wait() shows in leak reports as sync.WaitGroup.wait", async () => {
    const checkpoint = runtime.checkpoint();
    const wg = new WaitGroup();
    wg.add(1);
    const waiting = wg.wait();
    const report = await runtime.leaks(checkpoint);
    assert.match(report ?? "", /parked on sync\.WaitGroup\.wait/);
    wg.done();
    await waiting;
    await runtime.assertNoLeaks(checkpoint);
  });
});

describe("WaitGroup counter", () => {
  it("done() below zero throws Panic(sync: negative WaitGroup counter)", () => {
    const wg = new WaitGroup();
    assert.throws(() => wg.done(), new Panic("sync: negative WaitGroup counter"));
    assert.throws(() => wg.done(), Panic);
  });

  it("a negative add() throws the same Panic and leaves the counter unchanged", async () => {
    const wg = new WaitGroup();
    wg.add(1);
    assert.throws(() => wg.add(-2), new Panic("sync: negative WaitGroup counter"));
    const waiting = wg.wait();
    assert.equal(await isSettled(waiting), false, "the counter should still be 1");
    wg.done();
    assert.equal(await isSettled(waiting), true);
  });

  it("add() without an argument adds one", async () => {
    const wg = new WaitGroup();
    wg.add();
    const waiting = wg.wait();
    assert.equal(await isSettled(waiting), false);
    wg.done();
    assert.equal(await isSettled(waiting), true);
  });

  it("add() rejects a delta that is not an integer with a RangeError naming it", () => {
    const wg = new WaitGroup();
    for (const bad of [1.5, Number.NaN, Infinity]) {
      assert.throws(() => wg.add(bad), {
        name: "RangeError",
        message: `Cannot add to WaitGroup: delta must be an integer, received ${String(bad)}`,
      });
    }
  });
});

describe("WaitGroup.go", () => {
  it("counts each task until it ends, including async tasks that block", async () => {
    const checkpoint = runtime.checkpoint();
    const wg = new WaitGroup();
    const gate = new Chan<void>();
    const finished: number[] = [];
    for (let i = 0; i < 3; i++) {
      wg.go(async () => {
        await gate.recv();
        finished.push(i);
      });
    }
    const waiting = wg.wait();
    assert.equal(await isSettled(waiting), false);
    gate.close(); // lets every task finish
    await waiting;
    assert.deepEqual(finished.sort(), [0, 1, 2]);
    await runtime.assertNoLeaks(checkpoint);
  });

  it("runs fn in a tracked go() task, not in the caller", async () => {
    const wg = new WaitGroup();
    let started = false;
    let ranInTask = false;
    wg.go(() => {
      started = true;
      ranInTask = currentTask() !== undefined;
    });
    assert.equal(started, false, "go() must not run fn inside the caller's stack");
    await wg.wait();
    assert.equal(started, true);
    assert.equal(ranInTask, true);
  });

  it("when fn throws or rejects, the task still counts as done and the error is rethrown", async () => {
    // go() turns the rejection of this wrapper into a crash (an unhandled
    // rejection); the test runners treat that as a failure, so the wrapper
    // that WaitGroup.go() starts is exercised directly.
    const wg = new WaitGroup();
    const thrown = new Error("task failed");
    wg.add(2);
    await assert.rejects(
      wg.runCounted(() => {
        throw thrown;
      }),
      (error) => error === thrown,
    );
    await assert.rejects(
      wg.runCounted(() => Promise.reject(thrown)),
      (error) => error === thrown,
    );
    assert.equal(await isSettled(wg.wait()), true, "both failed tasks must have called done()");
  });

  it("rejects a non-function with a TypeError and does not touch the counter", async () => {
    const wg = new WaitGroup();
    // deno-lint-ignore no-explicit-any
    assert.throws(() => wg.go(42 as any), {
      name: "TypeError",
      message: "Cannot start task: WaitGroup.go() needs a function, received number",
    });
    assert.equal(await isSettled(wg.wait()), true);
  });
});

describe("Go's TestWaitGroup", () => {
  it("two reused groups act as barriers: nobody passes wg2 until its last done()", async () => {
    const wg1 = new WaitGroup();
    const wg2 = new WaitGroup();
    for (let round = 0; round < 2; round++) {
      const n = 16;
      wg1.add(n);
      wg2.add(n);
      const exited = new Chan<boolean>(n);
      for (let i = 0; i < n; i++) {
        go(async () => {
          wg1.done();
          await wg2.wait();
          await exited.send(true);
        });
      }
      await wg1.wait();
      for (let i = 0; i < n; i++) {
        await settle();
        const early = await select([recv(exited)], { default: true });
        assert.equal(early.index, -1, `round ${round}: wg2 released a task too soon`);
        wg2.done();
      }
      for (let i = 0; i < n; i++) await exited.recv(); // blocks if the barrier forgot someone
    }
  });
});
