import { describe, it } from "node:test";
import assert from "node:assert/strict";
import FakeTimers from "@sinonjs/fake-timers";
import { Chan, context, recv, runtime, select, time } from "../primitives/mod.ts";
import { realTurns, seededRandom, valueOf, watch } from "../primitives/testing.ts";

// Loaded inside each test, after the helpers above.
const loadGroup = () => import("./safe_group.ts");

// advance crosses the milliseconds in which no timer is due in one tick: these tests wait long.
const { settle, advanceSkippingIdle: advance } = realTurns(5);

/** Waits `ms` of virtual time, or returns the context's error once it is cancelled. */
async function work(ctx: context.Context, ms: number): Promise<Error | null> {
  const r = await select([recv(time.after(ms)), recv(ctx.done())]);
  return r.index === 1 ? ctx.err() : null;
}

describe("SafeGroup (hidden)", () => {
  it("over 30 seeds of durations and failures, wait() reports the first failure, cancels at that moment, and nothing leaks", async () => {
    const { SafeGroup } = await loadGroup();
    for (let seed = 1; seed <= 30; seed++) {
      const random = seededRandom(seed);
      const clock = FakeTimers.install();
      try {
        const cp = runtime.checkpoint();
        const group = new SafeGroup(context.background());
        const count = 2 + Math.floor(random() * 6);
        const durations = Array.from({ length: count }, (_, i) => 10 * (i + 1)).sort(() =>
          random() - 0.5
        );
        const fails = durations.map(() => random() < 0.4);
        const failures = durations.map((ms) => new Error(`part that fails at ${ms} ms`));
        const cancelledAt: (number | null)[] = durations.map(() => null);
        durations.forEach((ms, i) =>
          group.go(async (ctx) => {
            const err = await work(ctx, ms);
            if (err !== null) {
              cancelledAt[i] = Date.now();
              return err;
            }
            if (!fails[i]) return null;
            if (random() < 0.5) throw failures[i];
            return failures[i];
          })
        );
        const result = watch(group.wait());
        await advance(clock, 10 * count + 5);
        const err = valueOf(result, `seed ${seed}: wait()`);
        const failing = durations.map((ms, i) => ({ ms, i })).filter(({ i }) => fails[i]);
        if (failing.length === 0) {
          assert.equal(err, null, `seed ${seed}`);
        } else {
          const first = failing.reduce((a, b) => (a.ms < b.ms ? a : b));
          const got = err instanceof Error && err.name === "TaskPanic" ? err.cause : err;
          assert.equal(got, failures[first.i], `seed ${seed}: not the first failure`);
          durations.forEach((ms, i) => {
            if (ms > first.ms) {
              assert.equal(cancelledAt[i], first.ms, `seed ${seed}: part ${i} was not cancelled`);
            }
          });
        }
        await runtime.assertNoLeaks(cp);
      } finally {
        clock.uninstall();
      }
    }
  });

  it("with limit 1, parts run one after another in go() order, wait() waits for the queued ones, then ends their context", async () => {
    const { SafeGroup } = await loadGroup();
    const group = new SafeGroup(context.background(), { limit: 1 });
    const log: string[] = [];
    const contexts: context.Context[] = [];
    for (const name of ["a", "b", "c"]) {
      group.go(async (ctx) => {
        contexts.push(ctx);
        log.push(`start ${name}`);
        await settle(2);
        log.push(`end ${name}`);
      });
    }
    const result = watch(group.wait());
    await settle(30);
    assert.equal(valueOf(result, "wait()"), null);
    assert.deepEqual(log, ["start a", "end a", "start b", "end b", "start c", "end c"]);
    for (const ctx of contexts) {
      assert.equal(ctx.err(), context.Canceled, "the group's context outlived wait()");
      assert.equal(context.cause(ctx), context.Canceled);
    }
  });

  it("over 20 seeds, a limit is never exceeded and every part runs exactly once", async () => {
    const { SafeGroup } = await loadGroup();
    for (let seed = 1; seed <= 20; seed++) {
      const random = seededRandom(seed);
      const limit = 1 + Math.floor(random() * 4);
      const group = new SafeGroup(context.background(), { limit });
      const runs: number[] = [];
      let running = 0;
      let peak = 0;
      const count = Math.floor(random() * 15);
      for (let i = 0; i < count; i++) {
        const pause = Math.floor(random() * 4);
        group.go(async () => {
          runs.push(i);
          peak = Math.max(peak, ++running);
          await settle(pause);
          running--;
        });
      }
      assert.equal(await group.wait(), null);
      // Each part runs once. Their start order is go() order on the default schedule; under the
      // primitives' seeded scheduler two parts started together may begin in either order, as
      // goroutines may.
      assert.deepEqual([...runs].sort((a, b) => a - b), [...runs.keys()], `seed ${seed}`);
      assert.equal(runs.length, count, `seed ${seed}`);
      assert.ok(peak <= limit, `seed ${seed}: ${peak} ran at once with limit ${limit}`);
      if (runtime.seed() === null) {
        assert.deepEqual(runs, [...runs.keys()], `seed ${seed}: parts did not start in go() order`);
        // A part may also end before the next one starts when the scheduler pauses elsewhere.
        if (count >= limit) assert.equal(peak, limit, `seed ${seed}: the limit was never reached`);
      }
    }
  });

  it("a failure while parts are queued drops them all, and wait() resolves once the running ones end", async () => {
    const { SafeGroup } = await loadGroup();
    const group = new SafeGroup(context.background(), { limit: 2 });
    const release = new Chan<void>();
    const ran: string[] = [];
    const broken = new Error("boom");
    group.go(async () => {
      ran.push("slow");
      await release.recv();
    });
    group.go(async () => {
      ran.push("failing");
      await settle(1);
      return broken;
    });
    for (const name of ["q1", "q2", "q3"]) group.go(() => void ran.push(name));
    const result = watch(group.wait());
    await settle(10);
    assert.equal(result.settled, false, "wait() resolved while a part was still running");
    release.close();
    await settle(10);
    assert.equal(valueOf(result, "wait()"), broken);
    // The two running parts may start in either order (goroutines do); none of the queued ran.
    assert.deepEqual([...ran].sort(), ["failing", "slow"]);
  });

  it("a part may call go() while wait() is pending, and wait() waits for what it started", async () => {
    const { SafeGroup } = await loadGroup();
    const group = new SafeGroup(context.background(), { limit: 2 });
    const ran: string[] = [];
    group.go(async () => {
      await settle(2);
      group.go(async () => {
        await settle(3);
        ran.push("child");
      });
      ran.push("parent");
    });
    assert.equal(await group.wait(), null);
    assert.deepEqual(ran, ["parent", "child"]);
  });

  it("two concurrent wait() calls both resolve to the same first failure", async () => {
    const { SafeGroup } = await loadGroup();
    const group = new SafeGroup(context.background());
    const broken = new Error("first");
    group.go(async () => {
      await settle(2);
      return broken;
    });
    const [a, b] = await Promise.all([group.wait(), group.wait()]);
    assert.equal(a, broken);
    assert.equal(b, broken);
  });

  it("throws of odd values become TaskPanics with that value as cause, and nothing crashes", async () => {
    const { SafeGroup, TaskPanic } = await loadGroup();
    const bare = Object.create(null);
    for (const value of [undefined, null, 42, Symbol("odd"), bare, "text"]) {
      const group = new SafeGroup(context.background());
      group.go(() => {
        throw value;
      });
      const err = await group.wait();
      assert.ok(err instanceof TaskPanic, `throwing ${String(typeof value)}: got ${err}`);
      assert.equal(err.cause, value);
      assert.match(err.message, /^errgroup: task panicked: /);
    }
  });

  it("a part that rejects after an await keeps the stack of the function that threw", async () => {
    const { SafeGroup, TaskPanic } = await loadGroup();
    async function decodeInvoiceBatch(): Promise<never> {
      await settle(1);
      throw new RangeError("invoice 17: negative amount");
    }
    const group = new SafeGroup(context.background());
    group.go(() => decodeInvoiceBatch());
    const err = await group.wait();
    assert.ok(err instanceof TaskPanic);
    assert.match(err.message, /task panicked: RangeError: invoice 17: negative amount/);
    assert.match(err.stack ?? "", /decodeInvoiceBatch/, "the stack of the throw is lost");
  });

  it("a later failure changes neither the first error nor the context's cause", async () => {
    const { SafeGroup } = await loadGroup();
    const group = new SafeGroup(context.background());
    const first = new Error("first");
    let partCtx: context.Context | undefined;
    group.go((ctx) => {
      partCtx = ctx;
      return first;
    });
    group.go(async () => {
      await settle(2);
      throw new Error("second");
    });
    group.go(async () => {
      await settle(3);
      return new Error("third");
    });
    assert.equal(await group.wait(), first);
    assert.equal(context.cause(partCtx!), first);
  });

  it("the parent's cancellation reaches the parts, and wait() reports what they returned", async () => {
    const { SafeGroup } = await loadGroup();
    const [parent, cancel] = context.withCancel(context.background());
    const group = new SafeGroup(parent);
    group.go(async (ctx) => {
      await select([recv(ctx.done())]);
      return ctx.err();
    });
    const result = watch(group.wait());
    await settle();
    assert.equal(result.settled, false);
    cancel();
    await settle();
    assert.equal(valueOf(result, "wait()"), context.Canceled);
  });

  it("wait() with no parts resolves to null at once and ends the group", async () => {
    const { SafeGroup } = await loadGroup();
    const group = new SafeGroup(context.background(), { limit: 3 });
    const result = watch(group.wait());
    await settle(1);
    assert.equal(valueOf(result, "wait() with no parts"), null);
    assert.throws(() => group.go(() => null), /wait\(\) has returned/);
  });

  it("go() starts the part in a task of its own, on a later turn, never inside the call", async () => {
    const { SafeGroup } = await loadGroup();
    const cp = runtime.checkpoint();
    const group = new SafeGroup(context.background());
    let ran = false;
    const release = new Chan<void>();
    group.go(async () => {
      ran = true;
      await release.recv();
    });
    assert.equal(ran, false, "the part ran inside go()");
    await settle();
    assert.equal(ran, true);
    assert.equal(runtime.goroutines().filter((t) => t.id > cp.taskId).length, 1);
    release.close();
    assert.equal(await group.wait(), null);
    await runtime.assertNoLeaks(cp);
  });

  it("go() with something that is not a function throws a TypeError and leaves wait() unaffected", async () => {
    const { SafeGroup } = await loadGroup();
    const group = new SafeGroup(context.background());
    assert.throws(() => group.go("not a part" as never), TypeError);
    assert.equal(await settledValue(group.wait()), null);
  });
});

/** Resolves like `promise`, failing the test if it is still pending after a few turns. */
async function settledValue<T>(promise: Promise<T>): Promise<T> {
  const watched = watch(promise);
  await settle();
  return valueOf(watched, "wait()");
}
