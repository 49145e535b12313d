import { describe, it } from "node:test";
import assert from "node:assert/strict";
import FakeTimers from "@sinonjs/fake-timers";
import { Panic, runtime } from "../primitives/mod.ts";
import { realTurns, valueOf, watch } from "../primitives/testing.ts";
import { BargingMutex, contend, FairMutex } from "./fair_mutex.ts";

const { advance, settle } = realTurns(5);

/** The course's experiment: one second, the greedy task holds 10 ms, the polite one asks every 100 ms. */
const experiment = { runMs: 1000, holdMs: 10, politeEveryMs: 100 };

describe("contend and FairMutex", () => {
  it("with the barging mutex, the polite task gets in at most once in a second of relocking", async () => {
    const clock = FakeTimers.install();
    try {
      const run = watch(contend(new BargingMutex(), experiment));
      await advance(clock, 1200);
      const report = valueOf(run, "contend(new BargingMutex())");
      assert.ok(report.greedy >= 90, `the greedy task locked only ${report.greedy} times`);
      assert.ok(
        report.polite <= 1,
        `the polite task got in ${report.polite} times: the greedy task must hold the mutex ` +
          `for holdMs and relock it at once, so that a barging mutex starves the polite one`,
      );
      assert.ok(report.longestPoliteWaitMs >= 800, `longest wait ${report.longestPoliteWaitMs} ms`);
    } finally {
      clock.uninstall();
    }
  });

  it("with FairMutex, the polite task is served every time within one critical section", async () => {
    const clock = FakeTimers.install();
    try {
      const run = watch(contend(new FairMutex(), experiment));
      await advance(clock, 1200);
      const report = valueOf(run, "contend(new FairMutex())");
      assert.ok(report.polite >= 8, `the polite task got in only ${report.polite} times`);
      assert.ok(
        report.longestPoliteWaitMs <= experiment.holdMs,
        `the polite task waited ${report.longestPoliteWaitMs} ms; a handoff serves it ` +
          `as soon as the current holder unlocks`,
      );
      assert.ok(report.greedy >= 80, `the greedy task locked only ${report.greedy} times`);
    } finally {
      clock.uninstall();
    }
  });

  it("contend resolves once both tasks have ended, and leaves no task behind", async () => {
    const clock = FakeTimers.install();
    try {
      const cp = runtime.checkpoint();
      // The greedy task stops at 250 ms; the polite task asks near 100 and 200 ms, and its
      // last sleep ends near 300 ms, when it sees that the time is up.
      const run = watch(contend(new FairMutex(), { runMs: 250, holdMs: 10, politeEveryMs: 100 }));
      await advance(clock, 270);
      assert.equal(
        run.settled,
        false,
        "contend resolved at 270 ms, while the polite task was still sleeping: wait for both tasks",
      );
      await advance(clock, 100);
      assert.equal(valueOf(run, "contend() 370 ms after it started").polite, 2);
      await runtime.assertNoLeaks(cp);
    } finally {
      clock.uninstall();
    }
  });

  it("FairMutex gives the lock to one holder at a time, in the order the waiters asked", async () => {
    const mu = new FairMutex();
    const order: string[] = [];
    await mu.lock();
    const waiters = ["a", "b", "c"].map((name) =>
      watch(
        mu.lock().then(() => {
          order.push(name);
        }),
      )
    );
    await settle();
    assert.deepEqual(order, [], "a waiter got the mutex while it was held");
    assert.equal(mu.waiting, 3, "waiting must count the queued lock() calls");
    for (const name of ["a", "b", "c"]) {
      mu.unlock();
      await settle();
      assert.equal(order.at(-1), name, `after an unlock, ${name} should hold the mutex`);
    }
    assert.equal(mu.waiting, 0);
    mu.unlock();
    assert.ok(waiters.every((w) => w.settled));
  });

  it("FairMutex.unlock hands the mutex over: a lock() or tryLock() right after it does not get in first", async () => {
    const mu = new FairMutex();
    const order: string[] = [];
    await mu.lock();
    const waiter = mu.lock().then(() => order.push("waiter"));
    await settle();
    mu.unlock();
    assert.equal(mu.tryLock(), false, "tryLock() took a mutex that was handed to a waiter");
    const newcomer = mu.lock().then(() => order.push("newcomer"));
    await waiter;
    mu.unlock();
    await newcomer;
    mu.unlock();
    assert.deepEqual(order, ["waiter", "newcomer"]);
  });

  it("FairMutex is free again after an unlock with nobody waiting, and tryLock() takes a free mutex", async () => {
    const mu = new FairMutex();
    await mu.lock();
    mu.unlock();
    assert.equal(mu.tryLock(), true, "tryLock() on a free mutex must take it");
    assert.equal(mu.tryLock(), false, "tryLock() on a held mutex must fail");
    mu.unlock();
    const again = watch(mu.lock());
    await settle();
    assert.equal(again.settled, true, "lock() on a free mutex must not wait");
  });

  it("FairMutex.unlock of an unlocked mutex throws Panic('sync: unlock of unlocked mutex')", () => {
    assert.throws(() => new FairMutex().unlock(), new Panic("sync: unlock of unlocked mutex"));
  });
});
