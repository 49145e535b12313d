import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Chan } from "./chan.ts";
import { Panic } from "./panic.ts";
import { go, runtime } from "./runtime.ts";
import { recv, select } from "./select.ts";
import { realTurns } from "./testing.ts";
import FakeTimers from "@sinonjs/fake-timers";

const { isSettled, settle } = realTurns(3);

describe("Chan construction", () => {
  it("new Chan() is unbuffered, with cap and len 0", () => {
    const ch = new Chan<number>();
    assert.equal(ch.cap, 0);
    assert.equal(ch.len, 0);
  });

  it("a bad capacity throws a RangeError that names the value", () => {
    for (const bad of [-1, 1.5, Number.NaN, Infinity, 2 ** 31]) {
      assert.throws(() => new Chan<number>(bad), (error: unknown) => {
        assert.ok(error instanceof RangeError);
        assert.equal(
          error.message,
          `Cannot create channel: capacity must be a non-negative integer, received ${String(bad)}`,
        );
        return true;
      });
    }
  });

  it("len counts buffered values and cap stays fixed", async () => {
    const ch = new Chan<string>(3);
    await ch.send("a");
    await ch.send("b");
    assert.equal(ch.len, 2);
    assert.equal(ch.cap, 3);
    await ch.recv();
    assert.equal(ch.len, 1);
  });
});

describe("Chan send and recv", () => {
  it("an unbuffered send resolves only once a receiver takes the value", async () => {
    const ch = new Chan<number>();
    const sent = ch.send(1);
    assert.equal(await isSettled(sent), false);
    assert.deepEqual(await ch.recv(), [1, true]);
    assert.equal(await isSettled(sent), true);
  });

  it("a buffered send resolves at once while there is room, then blocks", async () => {
    const ch = new Chan<number>(2);
    await ch.send(1);
    await ch.send(2);
    const third = ch.send(3);
    assert.equal(await isSettled(third), false);
    assert.deepEqual(await ch.recv(), [1, true]);
    assert.equal(await isSettled(third), true);
    assert.deepEqual(await ch.recv(), [2, true]);
    assert.deepEqual(await ch.recv(), [3, true]);
  });

  it("a receive waits for a sender", async () => {
    const ch = new Chan<string>();
    const got = ch.recv();
    assert.equal(await isSettled(got), false);
    await ch.send("x");
    assert.deepEqual(await got, ["x", true]);
  });

  for (let capacity = 0; capacity <= 8; capacity++) {
    it(`capacity ${capacity}: blocked senders are served in FIFO order after the buffer`, async () => {
      const ch = new Chan<number>(capacity);
      const total = capacity + 6;
      const sends: Promise<void>[] = [];
      for (let i = 0; i < total; i++) sends.push(ch.send(i));
      await settle();
      const got: number[] = [];
      for (let i = 0; i < total; i++) {
        const [value, ok] = await ch.recv();
        assert.equal(ok, true);
        got.push(value as number);
      }
      assert.deepEqual(got, Array.from({ length: total }, (_, i) => i));
      await Promise.all(sends);
    });

    it(`capacity ${capacity}: blocked receivers are served in FIFO order`, async () => {
      const ch = new Chan<number>(capacity);
      const receivers = Array.from({ length: 6 }, () => ch.recv());
      for (let i = 0; i < 6; i++) await ch.send(i);
      const got = await Promise.all(receivers);
      assert.deepEqual(got, [0, 1, 2, 3, 4, 5].map((i) => [i, true]));
    });
  }

  it("values of many concurrent senders all arrive, each exactly once", async () => {
    const ch = new Chan<number>(4);
    for (let sender = 0; sender < 10; sender++) {
      go(async () => {
        for (let i = 0; i < 100; i++) await ch.send(sender * 100 + i);
      });
    }
    const seen = new Set<number>();
    for (let i = 0; i < 1000; i++) {
      const [value] = await ch.recv();
      assert.equal(seen.has(value as number), false, `value ${value} received twice`);
      seen.add(value as number);
    }
    assert.equal(seen.size, 1000);
  });
});

describe("Chan close", () => {
  it("close wakes every blocked receiver with [undefined, false]", async () => {
    const ch = new Chan<number>();
    const receivers = [ch.recv(), ch.recv(), ch.recv()];
    ch.close();
    assert.deepEqual(await Promise.all(receivers), [[undefined, false], [undefined, false], [
      undefined,
      false,
    ]]);
  });

  it("a closed channel still delivers its buffered values, then [undefined, false]", async () => {
    const ch = new Chan<number>(3);
    await ch.send(1);
    await ch.send(2);
    ch.close();
    assert.deepEqual(await ch.recv(), [1, true]);
    assert.deepEqual(await ch.recv(), [2, true]);
    assert.deepEqual(await ch.recv(), [undefined, false]);
    assert.deepEqual(await ch.recv(), [undefined, false]);
  });

  it("send on a closed channel rejects with Panic('send on closed channel')", async () => {
    const ch = new Chan<number>(1);
    ch.close();
    await assert.rejects(ch.send(1), (error: unknown) => {
      assert.ok(error instanceof Panic);
      assert.equal(error.message, "send on closed channel");
      return true;
    });
  });

  it("a sender blocked when the channel closes rejects with the same panic", async () => {
    const ch = new Chan<number>();
    const blocked = ch.send(1);
    await settle();
    ch.close();
    await assert.rejects(blocked, new Panic("send on closed channel"));
  });

  it("a second close throws Panic('close of closed channel')", () => {
    const ch = new Chan<number>();
    ch.close();
    assert.throws(() => ch.close(), new Panic("close of closed channel"));
  });

  it("for await ranges over values until close, like Go's range", async () => {
    const ch = new Chan<number>();
    go(async () => {
      for (let i = 0; i < 5; i++) await ch.send(i);
      ch.close();
    });
    const got: number[] = [];
    for await (const value of ch) got.push(value);
    assert.deepEqual(got, [0, 1, 2, 3, 4]);
  });

  it("breaking out of for await leaves the channel usable and nothing parked", async () => {
    const checkpoint = runtime.checkpoint();
    const ch = new Chan<number>(5);
    for (let i = 0; i < 5; i++) await ch.send(i);
    for await (const value of ch) if (value === 1) break;
    assert.deepEqual(await ch.recv(), [2, true]);
    await runtime.assertNoLeaks(checkpoint);
  });
});

describe("Chan fairness to the event loop", () => {
  it("a long ping-pong between two tasks lets a timer fire before it ends", async () => {
    // Without periodic yields every hand-off stays on the microtask queue and
    // the timer could fire only after the last round trip.
    const roundTrips = 500_000;
    const ping = new Chan<number>();
    const pong = new Chan<number>();
    let completed = 0;
    const timerFired = new Promise<number>((resolve) => setTimeout(() => resolve(completed), 20));
    go(async () => {
      for await (const n of ping) await pong.send(n);
    });
    for (let i = 0; i < roundTrips; i++) {
      await ping.send(i);
      await pong.recv();
      completed++;
    }
    ping.close();
    const completedWhenFired = await timerFired;
    assert.ok(
      completedWhenFired < roundTrips,
      `the timer fired only after all ${roundTrips} round trips`,
    );
  });

  it("a busy select-with-default loop lets a zero-delay timer run", async () => {
    const idle = new Chan<number>();
    let timerRan = false;
    setTimeout(() => (timerRan = true), 0);
    let spins = 0;
    while (!timerRan && spins < 5_000_000) {
      await select([recv(idle)], { default: true });
      spins++;
    }
    assert.equal(timerRan, true, `the timer did not run during ${spins} polls`);
  });

  it("under fake timers a long ping-pong never resumes on a real macrotask", async () => {
    // Virtual time advances between real turns of the test's own; a task
    // resumed on a real macrotask would fall behind the clock it is driven by.
    const realSetImmediate = setImmediate;
    const realNow = performance.now.bind(performance);
    const clock = FakeTimers.install();
    try {
      let macrotaskRan = false;
      realSetImmediate(() => (macrotaskRan = true));
      const ping = new Chan<number>();
      const pong = new Chan<number>();
      go(async () => {
        for await (const n of ping) await pong.send(n);
      });
      // Far longer, in real time, than the 2 ms slice after which the
      // primitives would otherwise yield.
      const started = realNow();
      for (let i = 0; i < 200_000 || realNow() - started < 10; i++) {
        await ping.send(i);
        await pong.recv();
      }
      ping.close();
      assert.equal(macrotaskRan, false, "a hand-off was deferred to a real macrotask");
    } finally {
      clock.uninstall();
    }
  });
});

describe("ports of Go's runtime/chan_test.go and test/chan", () => {
  it("a buffered value stays receivable in a select with default after close (TestNonblockRecvRace)", async () => {
    for (let i = 0; i < 1000; i++) {
      const c = new Chan<number>(1);
      await c.send(1);
      const seen = new Chan<number>(1);
      go(async () => {
        const r = await select([recv(c)], { default: true });
        await seen.send(r.index);
      });
      c.close();
      await c.recv();
      assert.deepEqual(await seen.recv(), [0, true], `iteration ${i}: the select missed the value`);
    }
  });

  it("five consumers of one channel see every value exactly once (TestMultiConsumer)", async () => {
    const values = 1000;
    const work = new Chan<number>(10);
    const results = new Chan<number>();
    for (let w = 0; w < 5; w++) {
      go(async () => {
        for await (const v of work) await results.send(v);
      });
    }
    go(async () => {
      for (let i = 0; i < values; i++) await work.send(i);
      work.close();
    });
    const seen = new Set<number>();
    let sum = 0;
    for (let i = 0; i < values; i++) {
      const [v] = await results.recv();
      assert.ok(!seen.has(v!), `value ${v} arrived twice`);
      seen.add(v!);
      sum += v!;
    }
    assert.equal(sum, (values * (values - 1)) / 2);
  });

  it("a value passes down a chain of 10 000 tasks (test/chan/goroutines.go)", async () => {
    const n = 10_000;
    const leftmost = new Chan<number>();
    let right = leftmost;
    for (let i = 0; i < n; i++) {
      const left = right;
      right = new Chan<number>();
      const from = right;
      go(async () => {
        const [v] = await from.recv();
        await left.send(v! + 1);
      });
    }
    await right.send(0);
    assert.deepEqual(await leftmost.recv(), [n, true]);
  });

  for (const capacity of [0, 1, 10]) {
    it(`close after buffered values: drained in order, then [undefined, false] forever (TestChan, cap ${capacity})`, async () => {
      const c = new Chan<number>(capacity);
      for (let i = 0; i < capacity; i++) await c.send(i);
      c.close();
      for (let i = 0; i < capacity; i++) assert.deepEqual(await c.recv(), [i, true]);
      for (let i = 0; i < 100; i++) assert.deepEqual(await c.recv(), [undefined, false]);
      assert.equal(c.len, 0);
    });
  }
});
