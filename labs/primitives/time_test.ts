import FakeTimers from "@sinonjs/fake-timers";
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Chan, type ReceiveChan } from "./chan.ts";
import { currentTask } from "./runtime.ts";
import { recv, select, send } from "./select.ts";
import * as time from "./time.ts";
import { realTurns } from "./testing.ts";

const { isSettled, settle } = realTurns(3);

type FakeClock = ReturnType<typeof FakeTimers.install>;

/** Runs `body` with fake timers installed at virtual time 0. */
async function withFakeClock(body: (clock: FakeClock) => Promise<void>): Promise<void> {
  const clock = FakeTimers.install({ now: 0 });
  try {
    await body(clock);
  } finally {
    clock.uninstall();
  }
}

/** Receives at once if a value is ready: the value, or `"empty"`. */
async function receiveNow<T>(chan: ReceiveChan<T>): Promise<T | "empty"> {
  const r = await select([recv(chan)], { default: true });
  return r.index === -1 ? "empty" : r.value as T;
}

describe("time constants", () => {
  it("are milliseconds", () => {
    assert.equal(time.Millisecond, 1);
    assert.equal(time.Second, 1000);
    assert.equal(time.Minute, 60 * 1000);
    assert.equal(time.Hour, 60 * 60 * 1000);
  });
});

describe("time.after", () => {
  it("delivers the current time exactly once, exactly at the duration", async () => {
    await withFakeClock(async (clock) => {
      const c = time.after(100);
      assert.equal(c.cap, 1);
      await clock.tickAsync(99);
      assert.equal(c.len, 0);
      await clock.tickAsync(1);
      assert.equal(c.len, 1);
      const [at, ok] = await c.recv();
      assert.equal(ok, true);
      assert.ok(at instanceof Date);
      assert.equal(at.getTime(), 100);
      await clock.tickAsync(1000);
      assert.equal(c.len, 0);
    });
  });

  it("wakes a receiver already waiting on it", async () => {
    await withFakeClock(async (clock) => {
      const received = time.after(50).recv();
      await clock.tickAsync(49);
      assert.equal(await isSettled(received), false);
      await clock.tickAsync(1);
      const [at] = await received;
      assert.equal(at?.getTime(), 50);
    });
  });

  it("fires on the next timer turn for zero and negative durations", async () => {
    await withFakeClock(async (clock) => {
      const zero = time.after(0);
      const negative = time.after(-5);
      assert.equal(zero.len + negative.len, 0);
      await clock.tickAsync(0);
      assert.equal(zero.len, 1);
      assert.equal(negative.len, 1);
    });
  });

  it("waits out durations longer than setTimeout's 2^31-1 ms limit instead of firing at once", async () => {
    await withFakeClock(async (clock) => {
      const long = 2 ** 31 + 5000;
      const c = time.after(long);
      await clock.tickAsync(long - 1);
      assert.equal(c.len, 0);
      await clock.tickAsync(1);
      assert.equal(c.len, 1);
    });
  });

  it("rejects a duration that is not a number with a TypeError", () => {
    assert.throws(() => time.after(Number.NaN), {
      name: "TypeError",
      message:
        "Cannot start timer for after(): the duration must be a number of milliseconds, received NaN",
    });
    assert.throws(() => time.after("5" as unknown as number), TypeError);
  });

  it("works as the timeout case of a select when nothing else is ready", async () => {
    await withFakeClock(async (clock) => {
      const replies = new Chan<string>();
      const selected = select([recv(replies), recv(time.after(30))]);
      await clock.tickAsync(29);
      assert.equal(await isSettled(selected), false);
      await clock.tickAsync(1);
      const r = await selected;
      assert.equal(r.index, 1);
      // The select committed only the timeout: a later sender finds no receiver left behind.
      const r2 = await select([send(replies, "late")], { default: true });
      assert.equal(r2.index, -1);
    });
  });

  it("loses to a value that arrives before the timeout, which the select receives", async () => {
    await withFakeClock(async (clock) => {
      const replies = new Chan<string>();
      const timeout = time.after(30);
      const selected = select([recv(replies), recv(timeout)]);
      await clock.tickAsync(10);
      await replies.send("pong");
      const r = await selected;
      assert.deepEqual(r, { index: 0, value: "pong", ok: true });
      // The timer still fires later; its value waits in the channel, untaken.
      await clock.tickAsync(20);
      assert.equal(timeout.len, 1);
    });
  });
});

describe("time.sleep", () => {
  it("resolves at the duration and not before", async () => {
    await withFakeClock(async (clock) => {
      const slept = time.sleep(250);
      await clock.tickAsync(249);
      assert.equal(await isSettled(slept), false);
      await clock.tickAsync(1);
      assert.equal(await isSettled(slept), true);
      assert.equal(Date.now(), 250);
    });
  });

  it("rejects a duration that is not a number", async () => {
    await assert.rejects(time.sleep(Number.NaN), {
      name: "TypeError",
      message: "Cannot sleep: the duration must be a number of milliseconds, received NaN",
    });
  });
});

describe("time.Timer", () => {
  it("stop() on a pending timer returns true, and the timer never fires", async () => {
    await withFakeClock(async (clock) => {
      const timer = new time.Timer(100);
      await clock.tickAsync(50);
      assert.equal(timer.stop(), true);
      await clock.tickAsync(1000);
      assert.equal(await receiveNow(timer.c), "empty");
    });
  });

  it("stop() returns false once stopped, and false after the value was received", async () => {
    await withFakeClock(async (clock) => {
      const stopped = new time.Timer(100);
      assert.equal(stopped.stop(), true);
      assert.equal(stopped.stop(), false);

      const fired = new time.Timer(100);
      await clock.tickAsync(100);
      await fired.c.recv();
      assert.equal(fired.stop(), false);
    });
  });

  it("stop() after firing discards the unreceived value and returns true (Go 1.23: no stale value)", async () => {
    await withFakeClock(async (clock) => {
      const timer = new time.Timer(100);
      await clock.tickAsync(100);
      assert.equal(timer.c.len, 1);
      assert.equal(timer.stop(), true);
      assert.equal(await receiveNow(timer.c), "empty");
      assert.equal(timer.stop(), false);
    });
  });

  it("reset() on a pending timer returns true and moves the firing to the new duration", async () => {
    await withFakeClock(async (clock) => {
      const timer = new time.Timer(100);
      await clock.tickAsync(60);
      assert.equal(timer.reset(100), true);
      await clock.tickAsync(40); // the original deadline passes silently
      assert.equal(timer.c.len, 0);
      await clock.tickAsync(59);
      assert.equal(timer.c.len, 0);
      await clock.tickAsync(1);
      const [at] = await timer.c.recv();
      assert.equal(at?.getTime(), 160);
    });
  });

  it("reset() after the value was received returns false and fires again", async () => {
    await withFakeClock(async (clock) => {
      const timer = new time.Timer(10);
      await clock.tickAsync(10);
      await timer.c.recv();
      assert.equal(timer.reset(20), false);
      await clock.tickAsync(20);
      const [at] = await timer.c.recv();
      assert.equal(at?.getTime(), 30);
    });
  });

  it("reset() after firing discards the stale value: only the new firing is received", async () => {
    await withFakeClock(async (clock) => {
      const timer = new time.Timer(10);
      await clock.tickAsync(10);
      assert.equal(timer.c.len, 1);
      assert.equal(timer.reset(50), true);
      assert.equal(await receiveNow(timer.c), "empty");
      const next = timer.c.recv();
      await clock.tickAsync(49);
      assert.equal(await isSettled(next), false);
      await clock.tickAsync(1);
      const [at] = await next;
      assert.equal(at?.getTime(), 60);
    });
  });

  it("reset() restarts a stopped timer", async () => {
    await withFakeClock(async (clock) => {
      const timer = new time.Timer(10);
      timer.stop();
      assert.equal(timer.reset(10), false);
      await clock.tickAsync(10);
      assert.equal(timer.c.len, 1);
    });
  });

  it("reset() rejects a duration that is not a number and leaves the timer running", async () => {
    await withFakeClock(async (clock) => {
      const timer = new time.Timer(10);
      assert.throws(() => timer.reset(Number.NaN), {
        name: "TypeError",
        message: "Cannot reset timer: the duration must be a number of milliseconds, received NaN",
      });
      await clock.tickAsync(10);
      assert.equal(timer.c.len, 1);
    });
  });

  it("uses the timer functions installed when it starts, so fake timers drive it", async () => {
    // Made before the fake clock exists: it runs on real timers and is stopped at once.
    const real = new time.Timer(time.Hour);
    await withFakeClock(async (clock) => {
      const fake = new time.Timer(time.Hour);
      await clock.tickAsync(time.Hour);
      assert.equal(fake.c.len, 1);
      assert.equal(real.c.len, 0);
    });
    assert.equal(real.stop(), true);
  });
});

describe("time.afterFunc", () => {
  it("runs the function in a go() task at the duration", async () => {
    await withFakeClock(async (clock) => {
      const ran = new Chan<{ at: number; inTask: boolean }>(1);
      time.afterFunc(40, () => ran.send({ at: Date.now(), inTask: currentTask() !== undefined }));
      await clock.tickAsync(39);
      assert.equal(ran.len, 0);
      await clock.tickAsync(1);
      assert.deepEqual(await ran.recv(), [{ at: 40, inTask: true }, true]);
    });
  });

  it("stop() before it runs returns true and the function never runs", async () => {
    await withFakeClock(async (clock) => {
      let calls = 0;
      const timer = time.afterFunc(40, () => calls++);
      await clock.tickAsync(20);
      assert.equal(timer.stop(), true);
      await clock.tickAsync(1000);
      await settle();
      assert.equal(calls, 0);
    });
  });

  it("stop() after it started returns false, and reset() runs it again", async () => {
    await withFakeClock(async (clock) => {
      let calls = 0;
      const timer = time.afterFunc(40, () => calls++);
      await clock.tickAsync(40);
      await settle();
      assert.equal(calls, 1);
      assert.equal(timer.stop(), false);
      assert.equal(timer.reset(10), false);
      await clock.tickAsync(10);
      await settle();
      assert.equal(calls, 2);
    });
  });

  it("never delivers on its channel", async () => {
    await withFakeClock(async (clock) => {
      const timer = time.afterFunc(10, () => {});
      await clock.tickAsync(100);
      assert.equal(await receiveNow(timer.c), "empty");
    });
  });

  it("rejects a function that is not a function", () => {
    assert.throws(() => time.afterFunc(10, "nope" as unknown as () => void), {
      name: "TypeError",
      message: "Cannot start afterFunc timer: fn must be a function, received string",
    });
  });
});

describe("time.Ticker", () => {
  it("delivers a tick at every period to a receiver that keeps up", async () => {
    await withFakeClock(async (clock) => {
      const ticker = new time.Ticker(100);
      try {
        const times: number[] = [];
        for (let i = 0; i < 3; i++) {
          await clock.tickAsync(100);
          const [at] = await ticker.c.recv();
          times.push(at!.getTime());
        }
        assert.deepEqual(times, [100, 200, 300]);
      } finally {
        ticker.stop();
      }
    });
  });

  it("drops ticks for a slow receiver: it keeps one, the oldest, and never blocks", async () => {
    await withFakeClock(async (clock) => {
      const ticker = new time.Ticker(10);
      try {
        assert.equal(ticker.c.cap, 1);
        await clock.tickAsync(55); // five ticks, nobody receiving
        assert.equal(ticker.c.len, 1);
        const [at] = await ticker.c.recv();
        assert.equal(at?.getTime(), 10);
        assert.equal(await receiveNow(ticker.c), "empty");
        await clock.tickAsync(5);
        const [next] = await ticker.c.recv();
        assert.equal(next?.getTime(), 60);
      } finally {
        ticker.stop();
      }
    });
  });

  it("reset() changes the period: the next tick comes one new period after the call", async () => {
    await withFakeClock(async (clock) => {
      const ticker = new time.Ticker(100);
      try {
        await clock.tickAsync(100);
        await ticker.c.recv();
        await clock.tickAsync(20);
        ticker.reset(30);
        const times: number[] = [];
        for (let i = 0; i < 3; i++) {
          await clock.tickAsync(30);
          const [at] = await ticker.c.recv();
          times.push(at!.getTime());
        }
        assert.deepEqual(times, [150, 180, 210]);
      } finally {
        ticker.stop();
      }
    });
  });

  it("reset() discards a tick sent before the call", async () => {
    await withFakeClock(async (clock) => {
      const ticker = new time.Ticker(10);
      try {
        await clock.tickAsync(10);
        assert.equal(ticker.c.len, 1);
        ticker.reset(50);
        assert.equal(await receiveNow(ticker.c), "empty");
        await clock.tickAsync(50);
        const [at] = await ticker.c.recv();
        assert.equal(at?.getTime(), 60);
      } finally {
        ticker.stop();
      }
    });
  });

  it("stop() ends the ticks and discards an unreceived one; reset() restarts it", async () => {
    await withFakeClock(async (clock) => {
      const ticker = new time.Ticker(10);
      await clock.tickAsync(10);
      ticker.stop();
      assert.equal(await receiveNow(ticker.c), "empty");
      await clock.tickAsync(100);
      assert.equal(ticker.c.len, 0);
      ticker.reset(10);
      await clock.tickAsync(10);
      assert.equal(ticker.c.len, 1);
      ticker.stop();
    });
  });

  it("throws a RangeError for a non-positive period, at creation and on reset", () => {
    for (const bad of [0, -1]) {
      assert.throws(() => new time.Ticker(bad), {
        name: "RangeError",
        message:
          `Cannot create ticker: non-positive interval ${bad}ms, a ticker's period must be greater than 0`,
      });
    }
    const ticker = new time.Ticker(time.Hour);
    try {
      assert.throws(() => ticker.reset(0), {
        name: "RangeError",
        message:
          "Cannot reset ticker: non-positive interval 0ms, a ticker's period must be greater than 0",
      });
    } finally {
      ticker.stop();
    }
  });

  it("ticks at periods longer than setTimeout's 2^31-1 ms limit without firing early", async () => {
    await withFakeClock(async (clock) => {
      const period = 2 ** 31 + 1000;
      const ticker = new time.Ticker(period);
      try {
        await clock.tickAsync(period - 1);
        assert.equal(ticker.c.len, 0);
        await clock.tickAsync(1);
        await ticker.c.recv();
        await clock.tickAsync(period - 1);
        assert.equal(ticker.c.len, 0);
        await clock.tickAsync(1);
        assert.equal(ticker.c.len, 1);
      } finally {
        ticker.stop();
      }
    });
  });
});

describe("time.Timer without a duration (Go's zero Timer)", () => {
  it("starts stopped: delivers nothing, stop() says false, reset() arms it", async () => {
    await withFakeClock(async (clock) => {
      const timer = new time.Timer();
      await clock.tickAsync(time.Hour);
      assert.equal(await receiveNow(timer.c), "empty");
      assert.equal(timer.stop(), false);
      assert.equal(timer.reset(30), false);
      await clock.tickAsync(29);
      assert.equal(await receiveNow(timer.c), "empty");
      await clock.tickAsync(1);
      const at = await receiveNow(timer.c);
      assert.ok(at instanceof Date && at.getTime() === time.Hour + 30, String(at));
    });
  });
});

describe("time.tick", () => {
  it("delivers a tick every period, dropping ticks a slow receiver missed", async () => {
    await withFakeClock(async (clock) => {
      const ticks = time.tick(10)!;
      await clock.tickAsync(10);
      assert.deepEqual((await ticks.recv())[0]?.getTime(), 10);
      await clock.tickAsync(35); // three ticks come due, the channel holds one
      assert.equal(ticks.len, 1);
      assert.deepEqual((await ticks.recv())[0]?.getTime(), 20);
      await clock.tickAsync(5);
      assert.deepEqual((await ticks.recv())[0]?.getTime(), 50);
    });
  });

  it("returns null, Go's nil channel, for a non-positive period, and rejects a non-number", () => {
    assert.equal(time.tick(0), null);
    assert.equal(time.tick(-5), null);
    // deno-lint-ignore no-explicit-any
    assert.throws(() => time.tick("1s" as any), TypeError);
  });
});

describe("ports of Go's time tests", () => {
  it("stopped timers and afterFuncs never fire, while an unrelated after() does (TestAfterStop)", async () => {
    await withFakeClock(async (clock) => {
      let strayCalls = 0;
      time.afterFunc(100, () => strayCalls++).stop();
      const t0 = new time.Timer(50);
      const c1 = new Chan<boolean>(1);
      const t1 = time.afterFunc(150, () => c1.send(true));
      const c2 = time.after(200);
      assert.equal(t0.stop(), true, "t0 was pending");
      assert.equal(t1.stop(), true, "t1 was pending");
      await clock.tickAsync(200);
      assert.ok((await c2.recv())[1]);
      assert.equal(await receiveNow(t0.c), "empty");
      assert.equal(await receiveNow(c1), "empty");
      assert.equal(t1.stop(), false, "t1 was already stopped");
      assert.equal(strayCalls, 0);
    });
  });

  it("a zero or negative sleep returns instead of blocking (TestSleepZeroDeadlock)", async () => {
    await withFakeClock(async (clock) => {
      const done = Promise.all([time.sleep(0), time.sleep(-1)]);
      await clock.tickAsync(0);
      assert.equal(await isSettled(done), true);
    });
  });
});
