import { describe, it } from "node:test";
import assert from "node:assert/strict";
import FakeTimers from "@sinonjs/fake-timers";
import { Chan } from "./chan.ts";
import { go, runtime } from "./runtime.ts";
import { recv, select } from "./select.ts";
import { RWMutex } from "./rw_mutex.ts";
import { expectFatal, onDefaultSchedule, realTurns, seededRandom } from "./testing.ts";

const { settle } = realTurns(3);

/** Records `name` in `order` once `acquired` resolves. */
function record(acquired: Promise<void>, order: string[], name: string): Promise<void> {
  return acquired.then(() => {
    order.push(name);
  });
}

describe("RWMutex misuse is Go's fatal error", () => {
  it("rUnlock without a read lock is fatal: sync: RUnlock of unlocked RWMutex", async () => {
    const mu = new RWMutex();
    const expected = "sync: RUnlock of unlocked RWMutex";
    expectFatal(() => mu.rUnlock(), expected);
    await mu.lock(); // a write lock is not a read lock
    expectFatal(() => mu.rUnlock(), expected);
    mu.unlock();
    await mu.rLock();
    mu.rUnlock();
    expectFatal(() => mu.rUnlock(), expected);
  });

  it("unlock without the write lock is fatal: sync: Unlock of unlocked RWMutex", async () => {
    const mu = new RWMutex();
    const expected = "sync: Unlock of unlocked RWMutex";
    expectFatal(() => mu.unlock(), expected);
    await mu.rLock(); // a read lock is not a write lock
    expectFatal(() => mu.unlock(), expected);
    mu.rUnlock();
    await mu.lock();
    mu.unlock();
    expectFatal(() => mu.unlock(), expected);
  });
});

describe("RWMutex sharing and exclusion", () => {
  it("many readers hold the lock at the same time, and a writer cannot get in", async () => {
    const mu = new RWMutex();
    for (let i = 0; i < 5; i++) await mu.rLock();
    assert.equal(mu.tryRLock(), true, "another reader may join");
    assert.equal(mu.tryLock(), false, "a writer must wait for the readers");
    for (let i = 0; i < 6; i++) mu.rUnlock();
    assert.equal(mu.tryLock(), true, "once every reader left, a writer gets in");
    mu.unlock();
  });

  it("a writer excludes readers and other writers", async () => {
    const mu = new RWMutex();
    await mu.lock();
    assert.equal(mu.tryRLock(), false);
    assert.equal(mu.tryLock(), false);
    mu.unlock();
    assert.equal(mu.tryRLock(), true);
    mu.rUnlock();
  });

  it("a writer waits for the readers inside, then gets the lock; blocked calls show in leak reports", async () => {
    const checkpoint = runtime.checkpoint();
    const mu = new RWMutex();
    await mu.rLock();
    await mu.rLock();
    const order: string[] = [];
    const writer = record(mu.lock(), order, "writer");
    const report = await runtime.leaks(checkpoint);
    assert.match(report ?? "", /parked on sync\.RWMutex\.lock/);
    mu.rUnlock();
    await settle();
    assert.deepEqual(order, [], "one reader is still inside");
    mu.rUnlock();
    await writer;
    assert.deepEqual(order, ["writer"]);

    const reader = record(mu.rLock(), order, "reader");
    assert.match((await runtime.leaks(checkpoint)) ?? "", /parked on sync\.RWMutex\.rLock/);
    mu.unlock();
    await reader;
    mu.rUnlock();
    await runtime.assertNoLeaks(checkpoint);
  });
});

describe("RWMutex writer preference", () => {
  it("a reader arriving while a writer waits does not get in before the writer", async () => {
    const checkpoint = runtime.checkpoint();
    const mu = new RWMutex();
    await mu.rLock(); // an early reader holds the lock
    const order: string[] = [];
    const writer = record(mu.lock(), order, "writer");
    const lateReader = record(mu.rLock(), order, "late reader");
    assert.equal(mu.tryRLock(), false, "tryRLock must also respect the waiting writer");
    await settle();
    assert.deepEqual(order, [], "the late reader must not join the early one");

    mu.rUnlock(); // the early reader leaves: the writer goes first
    await writer;
    await settle();
    assert.deepEqual(order, ["writer"]);
    mu.unlock();
    await lateReader;
    assert.deepEqual(order, ["writer", "late reader"]);
    mu.rUnlock();
    await runtime.assertNoLeaks(checkpoint);
  });

  it("readers that queued behind a writer all get in before the next writer", () =>
    onDefaultSchedule(async () => {
      const checkpoint = runtime.checkpoint();
      const mu = new RWMutex();
      await mu.lock();
      const order: string[] = [];
      const r1 = record(mu.rLock(), order, "r1");
      const r2 = record(mu.rLock(), order, "r2");
      const w2 = record(mu.lock(), order, "w2");
      mu.unlock();
      await Promise.all([r1, r2]);
      const r3 = record(mu.rLock(), order, "r3"); // w2 waits now: r3 must wait for it
      await settle();
      assert.deepEqual(order, ["r1", "r2"]);

      mu.rUnlock();
      mu.rUnlock();
      await w2;
      await settle();
      assert.deepEqual(order, ["r1", "r2", "w2"]);
      mu.unlock();
      await r3;
      assert.deepEqual(order, ["r1", "r2", "w2", "r3"]);
      mu.rUnlock();
      await runtime.assertNoLeaks(checkpoint);
    }));

  it("writers are served in arrival order", async () => {
    const checkpoint = runtime.checkpoint();
    const mu = new RWMutex();
    await mu.rLock();
    const order: number[] = [];
    const writers = Array.from({ length: 5 }, (_, i) =>
      mu.lock().then(() => {
        order.push(i);
        mu.unlock();
      }));
    mu.rUnlock();
    await Promise.all(writers);
    assert.deepEqual(order, [0, 1, 2, 3, 4]);
    await runtime.assertNoLeaks(checkpoint);
  });
});

describe("RWMutex under random interleavings", () => {
  it("a writer is always alone and readers share, over many seeds", async () => {
    let maxReadersTogether = 0;
    for (let seed = 1; seed <= 25; seed++) {
      const clock = FakeTimers.install();
      try {
        const checkpoint = runtime.checkpoint();
        const random = seededRandom(seed);
        const mu = new RWMutex();
        let readers = 0;
        let writers = 0;
        let finished = 0;
        const tasks = 8;
        const rounds = 6;
        let version = 0;

        const pause = async () => {
          if (random() < 0.5) {
            for (let i = Math.floor(random() * 3); i >= 0; i--) await Promise.resolve();
          } else {
            await new Promise((resolve) => setTimeout(resolve, Math.floor(random() * 3)));
          }
        };

        const workers = Array.from({ length: tasks }, async () => {
          for (let round = 0; round < rounds; round++) {
            await pause();
            if (random() < 0.3) {
              if (random() < 0.3) {
                while (!mu.tryLock()) await new Promise((resolve) => setTimeout(resolve, 1));
              } else {
                await mu.lock();
              }
              writers++;
              assert.equal(writers, 1, `seed ${seed}: two writers inside`);
              assert.equal(readers, 0, `seed ${seed}: a writer inside with readers`);
              const read = version;
              await pause();
              version = read + 1; // a lost update would show in the final count
              writers--;
              mu.unlock();
            } else {
              if (random() < 0.3) {
                while (!mu.tryRLock()) await new Promise((resolve) => setTimeout(resolve, 1));
              } else {
                await mu.rLock();
              }
              readers++;
              maxReadersTogether = Math.max(maxReadersTogether, readers);
              assert.equal(writers, 0, `seed ${seed}: a reader inside with a writer`);
              const seen = version;
              await pause();
              assert.equal(version, seen, `seed ${seed}: data changed under a reader`);
              readers--;
              mu.rUnlock();
            }
          }
          finished++;
        });
        for (let ms = 0; finished < tasks && ms < 10_000; ms++) await clock.tickAsync(1);
        assert.equal(finished, tasks, `seed ${seed}: tasks still blocked: ${runtime.stack()}`);
        await Promise.all(workers);
        await runtime.assertNoLeaks(checkpoint);
      } finally {
        clock.uninstall();
      }
    }
    assert.ok(maxReadersTogether > 1, "the seeds should have readers sharing the lock");
  });
});

describe("RWMutex.rLocker (Go's TestRLocker)", () => {
  it("read-locks: a writer waits for both read locks, and readers wait for the writer", async () => {
    const wl = new RWMutex();
    const rl = wl.rLocker();
    const wlocked = new Chan<boolean>(1);
    const rlocked = new Chan<boolean>(1);
    const n = 10;
    go(async () => {
      for (let i = 0; i < n; i++) {
        await rl.lock();
        await rl.lock();
        await rlocked.send(true);
        await wl.lock();
        await wlocked.send(true);
      }
    });
    for (let i = 0; i < n; i++) {
      await rlocked.recv();
      rl.unlock();
      await settle();
      assert.equal(
        (await select([recv(wlocked)], { default: true })).index,
        -1,
        "rLocker() did not read-lock",
      );
      rl.unlock();
      await wlocked.recv();
      await settle();
      assert.equal(
        (await select([recv(rlocked)], { default: true })).index,
        -1,
        "rLocker() ignored the write lock",
      );
      wl.unlock();
    }
  });
});
