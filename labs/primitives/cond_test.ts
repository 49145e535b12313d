import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Chan } from "./chan.ts";
import { Cond } from "./cond.ts";
import { Mutex } from "./mutex.ts";
import { RWMutex } from "./rw_mutex.ts";
import { go, runtime } from "./runtime.ts";
import { recv, select } from "./select.ts";
import { realTurns } from "./testing.ts";
import { WaitGroup } from "./wait_group.ts";

const { settle } = realTurns(5);

/** Receives at once if a value is ready: `true`, or `false` when none is. */
async function ready<T>(ch: Chan<T>): Promise<boolean> {
  return (await select([recv(ch)], { default: true })).index !== -1;
}

describe("Cond (ports of Go's sync/cond_test.go)", () => {
  it("signal wakes exactly one waiter per call (TestCondSignal)", async () => {
    const mu = new Mutex();
    const cond = new Cond(mu);
    const n = 2;
    const running = new Chan<void>(n);
    const awake = new Chan<void>(n);
    for (let i = 0; i < n; i++) {
      go(async () => {
        await mu.lock();
        await running.send();
        await cond.wait();
        await awake.send();
        mu.unlock();
      });
    }
    for (let i = 0; i < n; i++) await running.recv(); // wait for everyone to run
    for (let left = n; left > 0; left--) {
      await settle();
      assert.equal(await ready(awake), false, "a task woke without a signal");
      await mu.lock();
      cond.signal();
      mu.unlock();
      await awake.recv(); // a signal must wake one
      await settle();
      assert.equal(await ready(awake), false, "one signal woke two tasks");
    }
    cond.signal(); // no waiters: a no-op
  });

  it("signal wakes waiters in the order they started waiting (TestCondSignalGenerations)", async () => {
    const mu = new Mutex();
    const cond = new Cond(mu);
    const n = 100;
    const running = new Chan<void>(n);
    const awake = new Chan<number>(n);
    for (let i = 0; i < n; i++) {
      go(async () => {
        await mu.lock();
        await running.send();
        await cond.wait();
        await awake.send(i);
        mu.unlock();
      });
      if (i > 0) {
        const [woke] = await awake.recv();
        assert.equal(woke, i - 1, `woke task ${woke}, expected ${i - 1}`);
      }
      await running.recv();
      await mu.lock();
      cond.signal();
      mu.unlock();
    }
    assert.deepEqual(await awake.recv(), [n - 1, true]);
  });

  it("broadcast wakes every waiter, and only waiters that waited before it (TestCondBroadcast)", async () => {
    const mu = new Mutex();
    const cond = new Cond(mu);
    const n = 20;
    const running = new Chan<number>(n);
    const awake = new Chan<number>(n);
    let exit = false;
    const wg = new WaitGroup();
    for (let i = 0; i < n; i++) {
      wg.go(async () => {
        await mu.lock();
        while (!exit) {
          await running.send(i);
          await cond.wait();
          await awake.send(i);
        }
        mu.unlock();
      });
    }
    for (let round = 0; round < n; round++) {
      for (let i = 0; i < n; i++) await running.recv(); // everyone waits
      if (round === n - 1) {
        await mu.lock();
        exit = true;
        cond.broadcast();
        mu.unlock();
        break;
      }
      await settle();
      assert.equal(await ready(awake), false, "a task woke without a broadcast");
      await mu.lock();
      cond.broadcast();
      mu.unlock();
      const seen = new Set<number>();
      for (let i = 0; i < n; i++) {
        const [g] = await awake.recv();
        assert.ok(!seen.has(g!), `task ${g} woke twice from one broadcast`);
        seen.add(g!);
      }
    }
    await wg.wait();
  });

  it("wait releases the lock while parked and holds it again when it resolves", async () => {
    const mu = new Mutex();
    const cond = new Cond(mu);
    await mu.lock();
    const waited = cond.wait();
    assert.equal(mu.tryLock(), true, "wait() did not release the lock");
    cond.signal();
    await settle();
    mu.unlock(); // the woken waiter can now take the lock back
    await waited;
    assert.equal(mu.tryLock(), false, "wait() resolved without the lock");
    mu.unlock();
  });

  it("works over an RWMutex's write side", async () => {
    const rw = new RWMutex();
    const cond = new Cond(rw);
    let flag = false;
    go(async () => {
      await rw.lock();
      flag = true;
      cond.broadcast();
      rw.unlock();
    });
    await rw.lock();
    while (!flag) await cond.wait();
    rw.unlock();
  });

  it("a parked wait appears in leak reports and the goroutine dump as sync.Cond.wait", async () => {
    const checkpoint = runtime.checkpoint();
    const mu = new Mutex();
    const cond = new Cond(mu);
    go(async () => {
      await mu.lock();
      await cond.wait();
      mu.unlock();
    });
    assert.match(
      (await runtime.leaks(checkpoint)) ?? "",
      /leaked: 1 task parked on sync\.Cond\.wait/,
    );
    assert.match(runtime.stack(), /task \d+ \[sync\.Cond\.wait\]/);
    cond.broadcast();
    await runtime.assertNoLeaks(checkpoint);
  });

  it("rejects something that is not a Locker", () => {
    // deno-lint-ignore no-explicit-any
    assert.throws(() => new Cond({} as any), {
      name: "TypeError",
      message: "Cannot create Cond: it needs a Locker, an object with lock() and unlock()",
    });
  });
});
