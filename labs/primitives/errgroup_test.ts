import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Chan } from "./chan.ts";
import * as context from "./context.ts";
import { Group, withContext } from "./errgroup.ts";
import { Panic } from "./panic.ts";
import { runtime } from "./runtime.ts";
import { recv, select } from "./select.ts";
import { onDefaultSchedule, realTurns, seededRandom } from "./testing.ts";

const { isSettled, settle } = realTurns(3);

function shuffled<T>(items: T[], random: () => number): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy;
}

/** Goes around the microtask queue `hops` times, so tasks interleave differently. */
async function hop(hops: number): Promise<void> {
  for (let i = 0; i < hops; i++) await Promise.resolve();
}

describe("errgroup.Group.wait", () => {
  it("resolves to the first failure of a reused zero Group, or null (Go's TestZeroGroup)", async () => {
    const checkpoint = runtime.checkpoint();
    const err1 = new Error("errgroup_test: 1");
    const err2 = new Error("errgroup_test: 2");
    const cases: (Error | null)[][] = [[], [null], [err1], [err1, null], [err1, null, err2], [
      null,
      err2,
      err1,
    ]];
    for (const errs of cases) {
      const group = new Group();
      let firstErr: Error | null = null;
      for (const [i, err] of errs.entries()) {
        group.go(() => {
          if (err !== null) throw err;
        });
        if (firstErr === null && err !== null) firstErr = err;
        assert.equal(await group.wait(), firstErr, `after ${i + 1} of ${errs.map(String)}`);
      }
    }
    await runtime.assertNoLeaks(checkpoint);
  });

  it("counts a function as failed when it throws synchronously or returns a rejected promise", async () => {
    const thrown = new Error("thrown");
    const syncGroup = new Group();
    syncGroup.go(() => {
      throw thrown;
    });
    assert.equal(await syncGroup.wait(), thrown);

    const rejected = new Error("rejected");
    const asyncGroup = new Group();
    asyncGroup.go(async () => {
      await Promise.resolve();
      throw rejected;
    });
    assert.equal(await asyncGroup.wait(), rejected);

    const returnsError = new Group();
    returnsError.go(() => new Error("returned, not thrown"));
    assert.equal(await returnsError.wait(), null, "only throwing or rejecting is a failure");
  });

  it("turns a thrown non-Error into an Error whose cause is the thrown value, so throwing undefined still fails", async () => {
    for (const value of ["boom", 42, undefined, null, { code: 7 }]) {
      const group = new Group();
      group.go(() => {
        throw value;
      });
      const err = await group.wait();
      assert.ok(err instanceof Error, `throwing ${String(value)} must fail the group`);
      assert.equal(err.cause, value);
      assert.match(err.message, /^errgroup: task failed with a non-Error value: /);
    }
  });

  it("never rejects, whatever the tasks throw, and reports a Panic as the failure", async () => {
    const group = new Group();
    const panic = new Panic("send on closed channel");
    group.go(async () => {
      const closed = new Chan<number>();
      closed.close();
      await closed.send(1).catch(() => {
        throw panic;
      });
    });
    group.go(() => Promise.reject(new Error("later")));
    const outcome = await group.wait().then((err) => ({ err }), (reason) => ({ rejected: reason }));
    assert.ok("err" in outcome, "wait() rejected");
    assert.ok(outcome.err === panic || outcome.err?.message === "later");
  });

  for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
    it(`the first failure wins when many tasks fail in a random order (seed ${seed})`, async () => {
      const checkpoint = runtime.checkpoint();
      const random = seededRandom(seed);
      const group = new Group();
      const count = 20;
      const gates = Array.from(
        { length: count },
        (_, i) => new Chan<void>(0, { name: `gate ${i}` }),
      );
      const errors = Array.from({ length: count }, (_, i) => new Error(`task ${i}`));
      const failedOrder: number[] = [];
      for (let i = 0; i < count; i++) {
        group.go(async () => {
          await gates[i].recv();
          await hop(Math.floor(random() * 4));
          failedOrder.push(i);
          throw errors[i];
        });
      }
      const waiting = group.wait();
      assert.equal(await isSettled(waiting), false, "wait() returned while tasks were blocked");
      for (const i of shuffled([...Array(count).keys()], random)) gates[i].close();
      const err = await waiting;
      assert.equal(failedOrder.length, count);
      assert.equal(err, errors[failedOrder[0]]);
      await runtime.assertNoLeaks(checkpoint);
    });
  }

  it("resolves to null at once when no task was started", async () => {
    assert.equal(await new Group().wait(), null);
  });

  it("waits for go() calls still queued for a slot, even when the caller did not await them", async () => {
    const checkpoint = runtime.checkpoint();
    const group = new Group();
    group.setLimit(1);
    const finished: number[] = [];
    for (let i = 0; i < 5; i++) {
      void group.go(async () => {
        await hop(3);
        finished.push(i);
      });
    }
    assert.equal(await group.wait(), null);
    assert.deepEqual(finished, [0, 1, 2, 3, 4]);
    await runtime.assertNoLeaks(checkpoint);
  });

  it("can be reused after wait(), and keeps reporting the first failure as Go's does", async () => {
    const group = new Group();
    const first = new Error("first");
    group.go(() => {
      throw first;
    });
    assert.equal(await group.wait(), first);
    let ranAgain = false;
    group.go(() => {
      ranAgain = true;
    });
    group.go(() => {
      throw new Error("second");
    });
    assert.equal(await group.wait(), first);
    assert.equal(ranAgain, true);
  });

  it("a blocked wait() is parked on the errgroup.wait channel, so leak reports name it", async () => {
    const checkpoint = runtime.checkpoint();
    const group = new Group();
    const gate = new Chan<void>(0, { name: "gate" });
    group.go(() => gate.recv());
    const waiting = group.wait();
    const report = (await runtime.leaks(checkpoint)) ?? "";
    assert.match(report, /recv from chan "errgroup\.wait"/);
    assert.match(report, /recv from chan "gate"/);
    gate.close();
    assert.equal(await waiting, null);
    await runtime.assertNoLeaks(checkpoint);
  });
});

describe("errgroup.withContext", () => {
  it("wait() cancels the context with cause Canceled, or the first failure (Go's TestWithContext)", async () => {
    const checkpoint = runtime.checkpoint();
    const doom = new Error("group_test: doomed");
    const cases: { errs: (Error | null)[]; want: Error | null }[] = [
      { errs: [], want: null },
      { errs: [null], want: null },
      { errs: [doom], want: doom },
      { errs: [doom, null], want: doom },
    ];
    for (const { errs, want } of cases) {
      const [group, ctx] = withContext(context.background());
      for (const err of errs) {
        group.go(() => {
          if (err !== null) throw err;
        });
      }
      assert.equal(await group.wait(), want);
      const chosen = await select([recv(ctx.done())], { default: true });
      assert.equal(chosen.index, 0, "ctx.done() was not closed by wait()");
      assert.equal(ctx.err(), context.Canceled);
      assert.equal(context.cause(ctx), want ?? context.Canceled);
    }
    await runtime.assertNoLeaks(checkpoint);
  });

  it("tryGo failures cancel the context with the failure as cause (Go's TestCancelCause)", async () => {
    const doom = new Error("group_test: doomed");
    for (
      const { errs, want } of [{ errs: [doom, null], want: doom }, { errs: [null], want: null }]
    ) {
      const [group, ctx] = withContext(context.background());
      for (const err of errs) {
        assert.equal(
          group.tryGo(() => {
            if (err !== null) throw err;
          }),
          true,
        );
      }
      assert.equal(await group.wait(), want);
      assert.equal(context.cause(ctx), want ?? context.Canceled);
    }
  });

  it("the first failure cancels the context at once, so siblings blocked on ctx.done() stop before wait() returns", async () => {
    const checkpoint = runtime.checkpoint();
    const [group, ctx] = withContext(context.background());
    const refused = new Error("connection refused");
    const trigger = new Chan<void>();
    const stoppedBy: (Error | null)[] = [];
    for (let i = 0; i < 5; i++) {
      group.go(async () => {
        await select([recv(ctx.done())]);
        stoppedBy.push(context.cause(ctx));
      });
    }
    group.go(async () => {
      await trigger.recv();
      throw refused;
    });
    await settle();
    assert.equal(ctx.err(), null, "ctx cancelled before any failure");
    trigger.close();
    await ctx.done().recv();
    assert.equal(
      context.cause(ctx),
      refused,
      "the cause must be the failure, set when it happened",
    );
    assert.equal(await group.wait(), refused);
    assert.deepEqual(stoppedBy, [refused, refused, refused, refused, refused]);
    await runtime.assertNoLeaks(checkpoint);
  });

  it("the derived context is a child of the parent: cancelling the parent cancels it", () => {
    const [parent, cancel] = context.withCancel(context.background());
    const [, ctx] = withContext(parent);
    cancel();
    assert.equal(ctx.err(), context.Canceled);
  });

  it("rejects a missing parent and a non-function task with a TypeError", () => {
    assert.throws(() => withContext(undefined as unknown as context.Context), {
      name: "TypeError",
      message: /withContext\(\): the parent context is undefined/,
    });
    const group = new Group();
    assert.throws(() => group.go("task" as unknown as () => void), {
      name: "TypeError",
      message: /go\(\) needs a function, received string/,
    });
    assert.throws(() => group.tryGo(null as unknown as () => void), TypeError);
  });
});

describe("errgroup.Group limits", () => {
  for (const limit of [1, 3, 10]) {
    for (const awaitGo of [true, false]) {
      it(`never runs more than ${limit} tasks at once over 1025 tasks (${awaitGo ? "awaiting" : "not awaiting"} go())`, async () => {
        const checkpoint = runtime.checkpoint();
        const random = seededRandom(limit * 7 + (awaitGo ? 1 : 0));
        const group = new Group();
        group.setLimit(limit);
        let active = 0;
        let most = 0;
        for (let i = 0; i <= 1 << 10; i++) {
          const started = group.go(async () => {
            active++;
            most = Math.max(most, active);
            if (active > limit) {
              throw new Error(`saw ${active} active tasks; want at most ${limit}`);
            }
            await hop(Math.floor(random() * 5));
            if (random() < 0.05) await settle(1);
            active--;
          });
          if (awaitGo) await started;
        }
        assert.equal(await group.wait(), null);
        assert.equal(most, limit, "the limit should be reached");
        assert.equal(active, 0);
        await runtime.assertNoLeaks(checkpoint);
      });
    }
  }

  it("go() resolves once fn has started, and callers queued for a slot start in call order", () =>
    onDefaultSchedule(async () => {
      const checkpoint = runtime.checkpoint();
      for (const seed of [1, 2, 3]) {
        const random = seededRandom(seed);
        const group = new Group();
        group.setLimit(2);
        const count = 12;
        const gates = Array.from({ length: count }, () => new Chan<void>());
        const startOrder: number[] = [];
        const calls = Array.from({ length: count }, (_, i) =>
          group.go(async () => {
            startOrder.push(i);
            await gates[i].recv();
          }).then(() => {
            assert.ok(startOrder.includes(i), `go() #${i} resolved before its function started`);
          }));
        await Promise.all(calls.slice(0, 2));
        assert.deepEqual(startOrder, [0, 1]);
        assert.equal(await isSettled(calls[2]), false, "a third task started past the limit of 2");
        // Release running tasks in a random order; slots pass to queued callers first come, first served.
        const released = new Set<number>();
        while (released.size < count) {
          const running = startOrder.filter((i) => !released.has(i));
          const pick = running[Math.floor(random() * running.length)];
          released.add(pick);
          gates[pick].close();
          await settle(1);
        }
        assert.equal(await group.wait(), null);
        assert.deepEqual(startOrder, [...Array(count).keys()], `seed ${seed}`);
      }
      await runtime.assertNoLeaks(checkpoint);
    }));

  it("a go() waiting for a slot is parked on the errgroup.limit channel, so leak reports see it", async () => {
    const checkpoint = runtime.checkpoint();
    const group = new Group();
    group.setLimit(1);
    const gate = new Chan<void>();
    await group.go(() => gate.recv());
    const queued = group.go(() => {});
    assert.match((await runtime.leaks(checkpoint)) ?? "", /send to chan "errgroup\.limit"/);
    gate.close();
    await queued;
    assert.equal(await group.wait(), null);
    await runtime.assertNoLeaks(checkpoint);
  });

  it("tryGo starts only while a slot is free (Go's TestTryGo)", async () => {
    const checkpoint = runtime.checkpoint();
    const group = new Group();
    const n = 42;
    group.setLimit(n);
    const ch = new Chan<void>();
    const fn = () => ch.send();
    for (let i = 0; i < n; i++) assert.equal(group.tryGo(fn), true, `tryGo #${i} should start`);
    assert.equal(group.tryGo(fn), false, "tryGo past the limit should fail");
    for (let i = 0; i < n; i++) await ch.recv();
    await group.wait();
    assert.equal(group.tryGo(fn), true, "tryGo should start once all tasks finished");
    await ch.recv();
    await group.wait();

    group.setLimit(1);
    assert.equal(group.tryGo(fn), true);
    assert.equal(group.tryGo(fn), false);
    await ch.recv();
    await group.wait();

    group.setLimit(0);
    for (let i = 0; i < 1 << 10; i++) {
      assert.equal(group.tryGo(fn), false, "a limit of 0 starts nothing");
    }
    assert.equal(await group.wait(), null);

    group.setLimit(-1);
    for (let i = 0; i < 100; i++) {
      assert.equal(group.tryGo(() => {}), true, "no limit: tryGo always starts");
    }
    assert.equal(await group.wait(), null);
    await runtime.assertNoLeaks(checkpoint);
  });

  it("setLimit while tasks are running throws Go's Panic; an idle group may change its limit", async () => {
    const checkpoint = runtime.checkpoint();
    const group = new Group();
    group.setLimit(3);
    const gate = new Chan<void>();
    group.go(() => gate.recv());
    group.go(() => gate.recv());
    assert.throws(
      () => group.setLimit(5),
      new Panic("errgroup: modify limit while 2 goroutines in the group are still active"),
    );
    assert.throws(() => group.setLimit(5), Panic);
    group.setLimit(-1); // removing the limit is allowed at any time, as in Go
    gate.close();
    assert.equal(await group.wait(), null);
    group.setLimit(5);

    const unlimited = new Group();
    const hold = new Chan<void>();
    unlimited.go(() => hold.recv());
    assert.throws(
      () => unlimited.setLimit(2),
      new Panic("errgroup: modify limit while 1 goroutines in the group are still active"),
    );
    hold.close();
    await unlimited.wait();
    unlimited.setLimit(2);
    await runtime.assertNoLeaks(checkpoint);
  });

  it("setLimit rejects a limit that is not an integer", () => {
    const group = new Group();
    for (const bad of [1.5, Number.NaN, "3" as unknown as number]) {
      assert.throws(() => group.setLimit(bad), {
        name: "RangeError",
        message: /n must be an integer/,
      });
    }
    group.setLimit(Infinity); // no limit
    assert.equal(group.tryGo(() => {}), true);
  });
});
