import { describe, it } from "node:test";
import assert from "node:assert/strict";
import FakeTimers from "@sinonjs/fake-timers";
import { Mutex } from "./mutex.ts";
import { runtime } from "./runtime.ts";
import { delay, expectFatal, onDefaultSchedule, seededRandom } from "./testing.ts";

type FakeClock = ReturnType<typeof FakeTimers.install>;

/** Runs `body` with fake timers (and a fake `performance.now()`), always uninstalling them. */
async function withFakeClock(body: (clock: FakeClock) => Promise<void>): Promise<void> {
  const clock = FakeTimers.install();
  try {
    await body(clock);
  } finally {
    clock.uninstall();
  }
}

/** Starts `mu.lock()` and records `name` in `order` once it holds the mutex. */
function lockAndRecord(mu: Mutex, order: string[], name: string): Promise<void> {
  return mu.lock().then(() => {
    order.push(name);
  });
}

describe("Mutex basics", () => {
  it("unlock of an unlocked mutex is Go's fatal error, not a Panic", async () => {
    const mu = new Mutex();
    expectFatal(() => mu.unlock(), "sync: unlock of unlocked mutex");
    await mu.lock();
    mu.unlock();
    expectFatal(() => mu.unlock(), "sync: unlock of unlocked mutex");
  });

  it("tryLock takes a free mutex and fails while it is held", () => {
    const mu = new Mutex();
    assert.equal(mu.tryLock(), true);
    assert.equal(mu.tryLock(), false);
    mu.unlock();
    assert.equal(mu.tryLock(), true);
    mu.unlock();
  });

  it("lock() blocks while the mutex is held and shows as sync.Mutex.lock in leak reports", async () => {
    const checkpoint = runtime.checkpoint();
    const mu = new Mutex();
    await mu.lock();
    const order: string[] = [];
    const waiting = lockAndRecord(mu, order, "waiter");
    const report = await runtime.leaks(checkpoint);
    assert.match(report ?? "", /parked on sync\.Mutex\.lock/);
    assert.deepEqual(order, []);
    mu.unlock();
    await waiting;
    assert.deepEqual(order, ["waiter"]);
    mu.unlock();
    await runtime.assertNoLeaks(checkpoint);
  });

  it("waiters get the mutex in arrival order when nobody barges", async () => {
    await withFakeClock(async (clock) => {
      const checkpoint = runtime.checkpoint();
      const mu = new Mutex();
      await mu.lock();
      const order: number[] = [];
      const waiters = Array.from({ length: 10 }, (_, i) =>
        mu.lock().then(() => {
          order.push(i);
          mu.unlock();
        }));
      await clock.tickAsync(5); // old enough waiters: starvation mode must keep FIFO too
      mu.unlock();
      await Promise.all(waiters);
      assert.deepEqual(order, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      assert.equal(mu.tryLock(), true, "the last waiter must have unlocked");
      mu.unlock();
      await runtime.assertNoLeaks(checkpoint);
    });
  });
});

describe("Mutex normal mode", () => {
  it("a locker arriving before the woken waiter runs barges in; the waiter keeps its place at the front", async () => {
    await withFakeClock(async (clock) => {
      const checkpoint = runtime.checkpoint();
      const mu = new Mutex();
      await mu.lock();
      const order: string[] = [];
      const first = lockAndRecord(mu, order, "first");
      const second = lockAndRecord(mu, order, "second");
      mu.unlock(); // wakes "first", but does not hand the mutex over
      assert.equal(mu.tryLock(), true, "a running locker must be able to barge in");
      await clock.tickAsync(0);
      assert.deepEqual(order, [], "the woken waiter lost the race and must still wait");
      assert.equal(mu.starving, false, "no waiter has waited longer than 1 ms");
      mu.unlock();
      await first;
      assert.deepEqual(
        order,
        ["first"],
        "the woken waiter must be back at the front, before second",
      );
      mu.unlock();
      await second;
      assert.deepEqual(order, ["first", "second"]);
      mu.unlock();
      await runtime.assertNoLeaks(checkpoint);
    });
  });
});

describe("Mutex starvation mode", () => {
  it("after a waiter waited over 1 ms, unlock hands the mutex to the first waiter and newcomers queue behind", async () => {
    await withFakeClock(async (clock) => {
      const checkpoint = runtime.checkpoint();
      const mu = new Mutex();
      await mu.lock();
      const order: string[] = [];
      const w1 = lockAndRecord(mu, order, "w1");
      const w2 = lockAndRecord(mu, order, "w2");
      await clock.tickAsync(2);
      mu.unlock(); // normal mode: wakes w1
      assert.equal(mu.tryLock(), true, "still normal mode: barging works");
      await clock.tickAsync(0); // w1 loses after waiting 2 ms: starvation mode
      assert.equal(mu.starving, true);

      mu.unlock(); // hands off to w1: the mutex never becomes free
      assert.equal(mu.tryLock(), false, "nobody may barge in starvation mode");
      const newcomer = lockAndRecord(mu, order, "newcomer");
      await w1;
      assert.deepEqual(order, ["w1"]);
      assert.equal(mu.starving, true, "w1 waited over 1 ms and others still wait");

      mu.unlock(); // hands off to w2, ahead of the newcomer
      await w2;
      assert.deepEqual(order, ["w1", "w2"]);
      assert.equal(mu.starving, true, "w2 waited over 1 ms and the newcomer still waits");

      mu.unlock(); // hands off to the newcomer, the last waiter: back to normal mode
      await newcomer;
      assert.deepEqual(order, ["w1", "w2", "newcomer"]);
      assert.equal(mu.starving, false, "the last waiter got the lock");
      mu.unlock();
      await runtime.assertNoLeaks(checkpoint);
    });
  });

  it("ends when the waiter that gets the lock waited no longer than 1 ms, even if others wait", async () => {
    await withFakeClock(async (clock) => {
      const checkpoint = runtime.checkpoint();
      const mu = new Mutex();
      await mu.lock();
      const order: string[] = [];
      const old = lockAndRecord(mu, order, "old");
      await clock.tickAsync(2);
      mu.unlock();
      assert.equal(mu.tryLock(), true);
      await clock.tickAsync(0);
      assert.equal(mu.starving, true);
      const fresh1 = lockAndRecord(mu, order, "fresh1");
      const fresh2 = lockAndRecord(mu, order, "fresh2");

      mu.unlock(); // to "old": it starved, and others wait, so starvation mode stays
      await old;
      assert.equal(mu.starving, true);
      mu.unlock(); // to "fresh1", which waited 0 ms: back to normal mode
      await fresh1;
      assert.equal(mu.starving, false);

      mu.unlock(); // normal mode again: wakes fresh2 without handing over
      assert.equal(mu.tryLock(), true, "barging must work again in normal mode");
      await clock.tickAsync(0);
      assert.deepEqual(order, ["old", "fresh1"]);
      mu.unlock();
      await fresh2;
      assert.deepEqual(order, ["old", "fresh1", "fresh2"]);
      mu.unlock();
      await runtime.assertNoLeaks(checkpoint);
    });
  });

  /**
   * The scenario that motivated Go 1.9's starvation mode: a task that unlocks
   * and immediately relocks always wins against a woken waiter, which still
   * has to be scheduled. Returns how many rounds the hog held the mutex before
   * the polite task got it (or -1 if it never did within `maxRounds`), and
   * whether the mutex was seen in starvation mode.
   */
  async function hogVersusPolite(
    clock: FakeClock,
    mu: Mutex,
    maxRounds: number,
  ): Promise<{ politeGotItAfterRounds: number; sawStarvation: boolean; hogRounds: number }> {
    let hogRounds = 0;
    let stopHog = false;
    let hogStopped = false;
    let sawStarvation = false;
    let politeGotItAfterRounds = -1;

    const hog = (async () => {
      while (!stopHog) {
        await mu.lock();
        hogRounds++;
        await delay(1); // hold the lock for 1 ms of work
        if (mu.starving) sawStarvation = true;
        mu.unlock(); // ...and relock at once, in the same synchronous step
      }
      hogStopped = true;
    })();
    await clock.tickAsync(0); // the hog holds the mutex

    const polite = mu.lock().then(() => {
      politeGotItAfterRounds = hogRounds;
      stopHog = true;
      mu.unlock();
    });
    while (politeGotItAfterRounds < 0 && hogRounds < maxRounds) await clock.tickAsync(1);

    stopHog = true; // end the contest either way, then let both tasks finish
    while (!hogStopped || politeGotItAfterRounds < 0) await clock.tickAsync(1);
    await Promise.all([hog, polite]);
    return { politeGotItAfterRounds, sawStarvation, hogRounds };
  }

  it("a hog that relocks every millisecond does not starve a polite locker", async () => {
    await withFakeClock(async (clock) => {
      const checkpoint = runtime.checkpoint();
      const mu = new Mutex();
      const result = await hogVersusPolite(clock, mu, 50);
      assert.ok(result.politeGotItAfterRounds > 0, "the polite task never got the lock");
      assert.ok(
        result.politeGotItAfterRounds <= 3,
        `the polite task waited ${result.politeGotItAfterRounds} hog rounds; starvation mode should end it within 3`,
      );
      assert.equal(result.sawStarvation, true, "the mutex must have switched to starvation mode");
      assert.equal(mu.starving, false, "starvation mode must end once nobody waits");
      await runtime.assertNoLeaks(checkpoint);
    });
  });

  it("without starvation mode, the same hog keeps the polite locker out for as long as it runs", async () => {
    await withFakeClock(async (clock) => {
      const checkpoint = runtime.checkpoint();
      const mu = new Mutex();
      mu.starvationModeEnabled = false;
      const result = await hogVersusPolite(clock, mu, 50);
      assert.equal(result.sawStarvation, false);
      assert.ok(
        result.politeGotItAfterRounds >= 50,
        `the polite task got in after ${result.politeGotItAfterRounds} rounds: barging should have kept it out`,
      );
      await runtime.assertNoLeaks(checkpoint);
    });
  });
});

describe("Mutex mutual exclusion", () => {
  it("at most one task is ever inside the critical section, over many seeded interleavings", () =>
    onDefaultSchedule(async () => {
      let sawStarvationSomewhere = false;
      for (let seed = 1; seed <= 25; seed++) {
        await withFakeClock(async (clock) => {
          const checkpoint = runtime.checkpoint();
          const random = seededRandom(seed);
          const mu = new Mutex();
          const tasks = 6;
          const rounds = 8;
          let inside = 0;
          let counter = 0;

          /** Yields in a random way: a few microtasks, or a short fake sleep. */
          const pause = async () => {
            const choice = random();
            if (choice < 0.4) {
              for (let i = Math.floor(random() * 3); i >= 0; i--) await Promise.resolve();
            } else {
              await delay(Math.floor(random() * 3));
            }
          };

          let finished = 0;
          const workers = Array.from({ length: tasks }, async () => {
            for (let round = 0; round < rounds; round++) {
              await pause();
              if (random() < 0.25) {
                while (!mu.tryLock()) await delay(1);
              } else {
                await mu.lock();
              }
              inside++;
              assert.equal(inside, 1, `seed ${seed}: two tasks inside the critical section`);
              const read = counter;
              await pause();
              counter = read + 1; // a lost update would show in the final count
              if (mu.starving) sawStarvationSomewhere = true;
              inside--;
              mu.unlock();
            }
            finished++;
          });
          // Tick rather than runAllAsync(): a task may resume on a real
          // macrotask (the primitives' fairness yield) and only then set a timer.
          for (let ms = 0; finished < tasks && ms < 10_000; ms++) await clock.tickAsync(1);
          assert.equal(finished, tasks, `seed ${seed}: tasks still blocked: ${runtime.stack()}`);
          await Promise.all(workers);
          assert.equal(counter, tasks * rounds, `seed ${seed}: lost updates`);
          await runtime.assertNoLeaks(checkpoint);
        });
      }
      assert.equal(sawStarvationSomewhere, true, "the seeds should exercise starvation mode too");
    }));
});
