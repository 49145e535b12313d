import { describe, it } from "node:test";
import assert from "node:assert/strict";
import FakeTimers from "@sinonjs/fake-timers";
import { Panic, runtime } from "../primitives/mod.ts";
import { realTurns, seededRandom, valueOf, watch } from "../primitives/testing.ts";

// Loaded inside each test, after the helpers above.
const loadMutex = () => import("./fair_mutex.ts");

// advance crosses the milliseconds in which no timer is due in one tick: these tests wait long.
const { settle, advanceSkippingIdle: advance } = realTurns(5);

const timings = [
  { runMs: 600, holdMs: 5, politeEveryMs: 100 },
  { runMs: 1000, holdMs: 20, politeEveryMs: 100 },
  { runMs: 500, holdMs: 3, politeEveryMs: 50 },
];

describe("contend and FairMutex (hidden)", () => {
  it("under other timings the barging mutex still starves the polite task, and FairMutex still serves it", async () => {
    const { BargingMutex, contend, FairMutex } = await loadMutex();
    for (const timing of timings) {
      for (const fair of [false, true]) {
        const clock = FakeTimers.install();
        try {
          const cp = runtime.checkpoint();
          const run = watch(contend(fair ? new FairMutex() : new BargingMutex(), timing));
          await advance(clock, timing.runMs + timing.politeEveryMs + timing.holdMs + 20);
          const report = valueOf(run, `contend(${JSON.stringify(timing)}, fair: ${fair})`);
          const asks = Math.floor(timing.runMs / (timing.politeEveryMs + timing.holdMs));
          const what = `${JSON.stringify(timing)} ${fair ? "fair" : "barging"}: ${
            JSON.stringify(report)
          }`;
          if (fair) {
            assert.ok(report.polite >= asks - 1, `${what}: the polite task was not served`);
            assert.ok(report.longestPoliteWaitMs <= timing.holdMs, `${what}: waited too long`);
          } else {
            assert.ok(report.polite <= 1, `${what}: the barging mutex did not starve`);
          }
          assert.ok(
            report.greedy >= timing.runMs / (timing.holdMs * 1.5),
            `${what}: too few greedy turns`,
          );
          await runtime.assertNoLeaks(cp);
        } finally {
          clock.uninstall();
        }
      }
    }
  });

  it("contend stays pending until the polite task's last sleep has ended, after the greedy task stopped", async () => {
    const { contend, FairMutex } = await loadMutex();
    const clock = FakeTimers.install();
    try {
      // The greedy task stops at 430 ms; the polite task asks near 60, 120 … 420 and wakes
      // past 430 for the last time near 480.
      const run = watch(contend(new FairMutex(), { runMs: 430, holdMs: 5, politeEveryMs: 60 }));
      await advance(clock, 440);
      assert.equal(run.settled, false, "contend resolved while the polite task was still sleeping");
      await advance(clock, 80);
      const report = valueOf(run, "contend() at 520 ms");
      assert.ok(report.polite >= 6, `the polite task got in ${report.polite} times`);
    } finally {
      clock.uninstall();
    }
  });

  it("over 20 seeds, tasks queued at once get FairMutex in call order, one holder at a time", async () => {
    const { FairMutex } = await loadMutex();
    for (let seed = 1; seed <= 20; seed++) {
      const random = seededRandom(seed);
      const mu = new FairMutex();
      const order: number[] = [];
      let holders = 0;
      const count = 2 + Math.floor(random() * 6);
      const tasks = Array.from({ length: count }, async (_, i) => {
        await mu.lock();
        holders++;
        assert.equal(holders, 1, `seed ${seed}: two tasks held the mutex at once`);
        order.push(i);
        await settle(Math.floor(random() * 3));
        holders--;
        mu.unlock();
      });
      await Promise.all(tasks);
      assert.deepEqual(order, [...order.keys()], `seed ${seed}: not in call order`);
      assert.equal(mu.tryLock(), true, `seed ${seed}: the mutex is not free at the end`);
    }
  });

  it("FairMutex: the unlocker relocking at once queues behind every waiter", async () => {
    const { FairMutex } = await loadMutex();
    const mu = new FairMutex();
    const order: string[] = [];
    await mu.lock();
    const b = mu.lock().then(() => order.push("b"));
    const c = mu.lock().then(() => order.push("c"));
    mu.unlock();
    const a = mu.lock().then(() => order.push("a"));
    await b;
    mu.unlock();
    await c;
    mu.unlock();
    await a;
    mu.unlock();
    assert.deepEqual(order, ["b", "c", "a"]);
  });

  it("FairMutex.waiting counts the queued lock() calls and drops as each is handed the mutex", async () => {
    const { FairMutex } = await loadMutex();
    const mu = new FairMutex();
    assert.equal(mu.waiting, 0);
    await mu.lock();
    const waiters = [mu.lock(), mu.lock(), mu.lock()];
    assert.equal(mu.waiting, 3);
    mu.unlock();
    assert.equal(mu.waiting, 2, "unlock() handed over, so one fewer is waiting");
    assert.equal(mu.tryLock(), false, "tryLock() got in between a handoff and its heir");
    await waiters[0];
    mu.unlock();
    await waiters[1];
    mu.unlock();
    await waiters[2];
    assert.equal(mu.waiting, 0);
    mu.unlock();
  });

  it("FairMutex: tryLock fails while the mutex is held, and unlock after the last unlock throws Panic", async () => {
    const { FairMutex } = await loadMutex();
    const mu = new FairMutex();
    await mu.lock();
    mu.unlock();
    assert.throws(() => mu.unlock(), new Panic("sync: unlock of unlocked mutex"));
    assert.equal(mu.tryLock(), true);
    assert.equal(mu.tryLock(), false, "tryLock() took a mutex held by tryLock()");
    mu.unlock();
    await mu.lock();
    assert.equal(mu.tryLock(), false, "tryLock() took a mutex held by lock(), with nobody waiting");
    mu.unlock();
    assert.throws(() => mu.unlock(), new Panic("sync: unlock of unlocked mutex"));
  });
});
