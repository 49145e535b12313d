import { describe, it } from "node:test";
import assert from "node:assert/strict";
import FakeTimers from "@sinonjs/fake-timers";
import { Chan, type ReceiveChan } from "./chan.ts";
import * as context from "./context.ts";
import { currentTask, go, runtime } from "./runtime.ts";
import { recv, select } from "./select.ts";
import { realTurns, seededRandom } from "./testing.ts";

const { settle } = realTurns(3);

/** Go's `select { case <-ctx.Done(): return true; default: return false }`. */
async function isDone(ctx: context.Context): Promise<boolean> {
  const chosen = await select([recv(ctx.done())], { default: true });
  return chosen.index === 0;
}

/** Go's otherContext: a Context that is not one of the module's types, forwarding every method. */
class OtherContext implements context.Context {
  constructor(readonly inner: context.Context) {}
  deadline(): [Date, true] | [undefined, false] {
    return this.inner.deadline();
  }
  done(): ReceiveChan<void> {
    return this.inner.done();
  }
  err(): Error | null {
    return this.inner.err();
  }
  value(key: unknown): unknown {
    return this.inner.value(key);
  }
  get signal(): AbortSignal {
    return this.inner.signal;
  }
}

/** Go's myDoneCtx: forwards everything except done(), which is a fresh channel that never closes. */
class FreshDoneContext extends OtherContext {
  override done(): ReceiveChan<void> {
    return new Chan<void>(0, { name: "fresh" });
  }
}

/** A foreign context with its own done channel, cancelled by hand. */
class ManualContext implements context.Context {
  readonly #done = new Chan<void>(0, { name: "manual.done" });
  #err: Error | null = null;
  readonly #controller = new AbortController();
  deadline(): [undefined, false] {
    return [undefined, false];
  }
  done(): ReceiveChan<void> {
    return this.#done;
  }
  err(): Error | null {
    return this.#err;
  }
  value(): unknown {
    return undefined;
  }
  get signal(): AbortSignal {
    return this.#controller.signal;
  }
  cancel(err: Error): void {
    if (this.#err !== null) return;
    this.#err = err;
    this.#done.close();
    this.#controller.abort(err);
  }
}

/** Go's afterFuncContext: a foreign context offering afterFunc; its cancel runs the callbacks only. */
class AfterFuncContext implements context.Context {
  readonly afterFuncs = new Map<symbol, () => void>();
  readonly #done = new Chan<void>(0, { name: "afterFuncContext.done" });
  #err: Error | null = null;
  deadline(): [undefined, false] {
    return [undefined, false];
  }
  done(): ReceiveChan<void> {
    return this.#done;
  }
  err(): Error | null {
    return this.#err;
  }
  value(): unknown {
    return undefined;
  }
  get signal(): AbortSignal {
    return new AbortController().signal;
  }
  afterFunc(fn: () => void): () => boolean {
    const key = Symbol("afterFunc");
    this.afterFuncs.set(key, fn);
    return () => this.afterFuncs.delete(key);
  }
  cancel(err: Error): void {
    if (this.#err !== null) return;
    this.#err = err;
    for (const fn of this.afterFuncs.values()) go(fn);
    this.afterFuncs.clear();
  }
}

describe("context.background and context.todo", () => {
  it("are never done, have no error, deadline, values or cause, and print their Go names", async () => {
    for (
      const [ctx, name] of [[context.background(), "context.Background"], [
        context.todo(),
        "context.TODO",
      ]] as const
    ) {
      assert.equal(await isDone(ctx), false, `${name} must not be done`);
      assert.equal(ctx.err(), null);
      assert.deepEqual(ctx.deadline(), [undefined, false]);
      assert.equal(ctx.value("anything"), undefined);
      assert.equal(context.cause(ctx), null);
      assert.equal(ctx.signal.aborted, false);
      assert.equal(String(ctx), name);
    }
    assert.equal(context.background(), context.background(), "background() is a singleton");
  });

  it("every never-cancelable context returns one shared channel named context.Background.done", () => {
    const shared = context.background().done();
    assert.equal(shared.name, "context.Background.done");
    assert.equal(context.todo().done(), shared);
    assert.equal(context.withoutCancel(context.background()).done(), shared);
    assert.equal(context.withValue(context.background(), "k", 1).done(), shared);
    const [cancelable, cancel] = context.withCancel(context.background());
    assert.equal(context.withoutCancel(cancelable).done(), shared);
    assert.notEqual(cancelable.done(), shared);
    cancel();
  });

  it("a task blocked on a never-cancelable done channel is reported by the leak check under that name", async () => {
    const checkpoint = runtime.checkpoint();
    const release = new Chan<void>(0, { name: "release" });
    go(() => select([recv(context.background().done()), recv(release)]));
    const report = await runtime.leaks(checkpoint);
    assert.match(report ?? "", /recv from chan "context\.Background\.done"/);
    release.close();
    await runtime.assertNoLeaks(checkpoint);
  });
});

describe("context.withCancel", () => {
  it("cancel() reaches the child and a child of a foreign wrapper synchronously, with Canceled", async () => {
    const tasksBefore = runtime.numGoroutine();
    const [c1, cancel] = context.withCancel(context.background());
    assert.equal(String(c1), "context.Background.WithCancel");
    const wrapper = new OtherContext(c1);
    const [c2] = context.withCancel(wrapper);
    assert.equal(
      runtime.numGoroutine(),
      tasksBefore,
      "a forwarding wrapper must not need a watcher task",
    );
    const contexts = [c1, wrapper, c2];
    for (const [i, ctx] of contexts.entries()) {
      assert.equal(ctx.err(), null, `contexts[${i}].err()`);
      assert.equal(await isDone(ctx), false, `contexts[${i}] done too early`);
    }
    cancel();
    for (const [i, ctx] of contexts.entries()) {
      assert.equal(ctx.err(), context.Canceled, `contexts[${i}].err() right after cancel()`);
    }
    for (const [i, ctx] of contexts.entries()) {
      assert.equal(await isDone(ctx), true, `contexts[${i}] not done`);
    }
  });

  it("cancelling a parent cancels its whole tree, including timer children under a value context", async () => {
    const [parent, cancel] = context.withCancel(context.background());
    const [cancelChild, stopCancelChild] = context.withCancel(parent);
    const valueChild = context.withValue(parent, "key", "value");
    const [timerChild, stopTimerChild] = context.withTimeout(valueChild, 3_600_000);
    for (const ctx of [parent, cancelChild, valueChild, timerChild]) {
      assert.equal(await isDone(ctx), false);
    }
    assert.equal(
      context.childCount(parent),
      2,
      "the cancel child and the timer child register with parent",
    );
    assert.equal(context.childCount(valueChild), 0, "a value context holds no children of its own");
    cancel();
    assert.equal(context.childCount(parent), 0, "cancel() must clear the child set");
    for (const [name, ctx] of Object.entries({ parent, cancelChild, valueChild, timerChild })) {
      assert.equal(await isDone(ctx), true, `${name} not done`);
      assert.equal(ctx.err(), context.Canceled, `${name}.err()`);
    }
    const precancelled = context.withValue(parent, "key", "value");
    assert.equal(await isDone(precancelled), true);
    assert.equal(precancelled.err(), context.Canceled);
    stopCancelChild();
    stopTimerChild();
  });

  it("cancelling a child detaches it from its parent and leaves the parent running", async () => {
    const [cancelable, stop] = context.withCancel(context.background());
    for (const parent of [context.background(), cancelable]) {
      const [child, cancel] = context.withCancel(parent);
      assert.equal(await isDone(child), false);
      if (parent === cancelable) assert.equal(context.childCount(parent), 1);
      cancel();
      assert.equal(context.childCount(parent), 0, "child's cancel must remove it from the parent");
      assert.equal(await isDone(child), true);
      assert.equal(child.err(), context.Canceled);
      assert.equal(await isDone(parent), false, "the parent must not be cancelled by its child");
      assert.equal(parent.err(), null);
    }
    stop();
  });

  it("a child of an already-cancelled parent is done at construction, with the parent's error", async () => {
    const [parent, cancel] = context.withCancel(context.background());
    cancel();
    const [child] = context.withCancel(parent);
    assert.equal(await isDone(child), true);
    assert.equal(child.err(), context.Canceled);
    assert.equal(context.childCount(parent), 0, "a cancelled parent must not adopt children");

    const [expired] = context.withTimeout(context.background(), -1);
    const [late] = context.withCancel(expired);
    assert.equal(late.err(), context.DeadlineExceeded);
  });

  it("done() returns the same open channel on every call, and a closed channel when first asked after cancel", async () => {
    const [ctx, cancel] = context.withCancel(context.background());
    const done = ctx.done();
    assert.equal(ctx.done(), done);
    cancel();
    assert.deepEqual(await done.recv(), [undefined, false]);
    const [late, cancelLate] = context.withCancel(context.background());
    cancelLate();
    assert.deepEqual(await late.done().recv(), [undefined, false]);
  });

  it("wakes every task waiting on done(), and they all see err()", async () => {
    const checkpoint = runtime.checkpoint();
    const [ctx, cancel] = context.withCancel(context.background());
    const seen = new Chan<Error | null>(10);
    for (let i = 0; i < 10; i++) {
      go(async () => {
        await ctx.done().recv();
        await seen.send(ctx.err());
      });
    }
    await settle();
    assert.equal(seen.len, 0, "no waiter may wake before cancel()");
    cancel();
    for (let i = 0; i < 10; i++) assert.deepEqual(await seen.recv(), [context.Canceled, true]);
    await runtime.assertNoLeaks(checkpoint);
  });

  it("a second cancel keeps the first error", async () => {
    const clock = FakeTimers.install({ now: 0 });
    try {
      const [ctx, cancel] = context.withTimeout(context.background(), 10);
      await clock.tickAsync(10);
      assert.equal(ctx.err(), context.DeadlineExceeded);
      cancel();
      assert.equal(
        ctx.err(),
        context.DeadlineExceeded,
        "cancel() after the deadline must not overwrite it",
      );
    } finally {
      clock.uninstall();
    }
  });

  it("value and withoutCancel contexts forward children to the nearest cancelable ancestor", () => {
    const [root, cancelRoot] = context.withCancel(context.background());
    const values = context.withValue(context.withValue(root, "a", 1), "b", 2);
    const [child, cancelChild] = context.withCancel(values);
    assert.equal(context.childCount(root), 1);
    assert.equal(context.childCount(values), 0);
    const detached = context.withoutCancel(root);
    const [orphan, cancelOrphan] = context.withCancel(detached);
    assert.equal(
      context.childCount(root),
      1,
      "a child of withoutCancel must not register with the root",
    );
    cancelRoot();
    assert.equal(child.err(), context.Canceled);
    assert.equal(orphan.err(), null);
    cancelChild();
    cancelOrphan();
    assert.equal(orphan.err(), context.Canceled);
  });

  for (const seed of [1, 2, 3, 4, 5]) {
    it(`a tree of 100 contexts cancelled by concurrent tasks in random order all end done (seed ${seed})`, async () => {
      const checkpoint = runtime.checkpoint();
      const random = seededRandom(seed);
      const [root, cancelRoot] = context.withCancel(context.background());
      const cancels = new Map<context.Context, context.CancelFunc>([[root, cancelRoot]]);
      const queue: context.Context[] = [root];
      while (queue.length > 0 && cancels.size < 100) {
        const parent = queue.shift()!;
        for (let i = 0; i < 4; i++) {
          const [ctx, cancel] = context.withCancel(parent);
          cancels.set(ctx, cancel);
          queue.push(ctx);
        }
      }
      const order = [...cancels.values()].sort(() => random() - 0.5);
      const finished = new Chan<void>(order.length);
      for (const cancel of order) {
        go(async () => {
          cancel();
          await finished.send();
        });
      }
      const waitOrder = [...cancels.keys()].sort(() => random() - 0.5);
      for (const ctx of waitOrder) assert.deepEqual(await ctx.done().recv(), [undefined, false]);
      for (let i = 0; i < order.length; i++) await finished.recv();
      for (const ctx of cancels.keys()) assert.equal(context.childCount(ctx), 0);
      await runtime.assertNoLeaks(checkpoint);
    });
  }

  it("a task that cancels the child once the parent is done does not deadlock", async () => {
    const checkpoint = runtime.checkpoint();
    const [parent, cancelParent] = context.withCancel(context.background());
    const [child, cancelChild] = context.withCancel(parent);
    go(async () => {
      await parent.done().recv();
      cancelChild();
    });
    cancelParent();
    assert.deepEqual(await child.done().recv(), [undefined, false]);
    await runtime.assertNoLeaks(checkpoint);
  });

  it("rejects a missing or non-Context parent with a TypeError that says so", () => {
    assert.throws(() => context.withCancel(null as unknown as context.Context), {
      name: "TypeError",
      message: /withCancel\(\): the parent context is null/,
    });
    assert.throws(
      () => context.withCancelCause(undefined as unknown as context.Context),
      TypeError,
    );
    assert.throws(() => context.withCancel({} as context.Context), {
      name: "TypeError",
      message: /not a Context \(Object has no deadline, done, err, value method\)/,
    });
    assert.throws(
      () => context.withDeadline(null as unknown as context.Context, new Date()),
      TypeError,
    );
    assert.throws(() => context.withTimeout(null as unknown as context.Context, 5), TypeError);
    assert.throws(() => context.withValue(null as unknown as context.Context, "k", "v"), TypeError);
    assert.throws(() => context.withoutCancel(undefined as unknown as context.Context), TypeError);
    assert.throws(() => context.afterFunc(null as unknown as context.Context, () => {}), TypeError);
    assert.throws(() => context.afterFunc(context.background(), 5 as unknown as () => void), {
      name: "TypeError",
      message: /fn must be a function, received number/,
    });
  });
});

describe("context.cause", () => {
  it("is the cause given to cancel, while err() stays Canceled", () => {
    const [ctx, cancel] = context.withCancelCause(context.background());
    assert.equal(context.cause(ctx), null, "no cause before cancellation");
    const signalReadEarly = ctx.signal;
    const overload = new Error("server overloaded");
    cancel(overload);
    assert.equal(
      signalReadEarly.reason,
      context.Canceled,
      "the signal carries err(), not the cause",
    );
    assert.equal(ctx.err(), context.Canceled);
    assert.equal(context.cause(ctx), overload);
    assert.equal(ctx.signal.reason, context.Canceled, "the signal carries err(), not the cause");
  });

  it("is Canceled when cancelled without a cause, or with null", () => {
    const [a, cancelA] = context.withCancelCause(context.background());
    cancelA();
    assert.equal(context.cause(a), context.Canceled);
    const [b, cancelB] = context.withCancelCause(context.background());
    cancelB(null);
    assert.equal(context.cause(b), context.Canceled);
    const [c, cancelC] = context.withCancel(context.background());
    cancelC();
    assert.equal(context.cause(c), context.Canceled);
  });

  it("is inherited by children, value contexts and forwarding wrappers", () => {
    const [parent, cancel] = context.withCancelCause(context.background());
    const [child] = context.withCancel(parent);
    const [timerChild] = context.withTimeout(context.withValue(parent, "k", "v"), 3_600_000);
    const [grandchild] = context.withCancelCause(child);
    const valueChild = context.withValue(grandchild, "k", "v");
    const wrapper = new OtherContext(valueChild);
    const shutdown = new Error("shutdown");
    cancel(shutdown);
    for (const ctx of [child, timerChild, grandchild, valueChild, wrapper]) {
      assert.equal(context.cause(ctx), shutdown, String(ctx));
      assert.equal(ctx.err(), context.Canceled);
    }
  });

  it("keeps the first cancellation's cause, for the context and for children cancelled earlier", () => {
    const [parent, cancelParent] = context.withCancelCause(context.background());
    const [child, cancelChild] = context.withCancelCause(parent);
    const first = new Error("first");
    cancelChild(first);
    cancelParent(new Error("second"));
    assert.equal(context.cause(child), first);
    cancelChild(new Error("third"));
    assert.equal(context.cause(child), first);
    cancelParent(new Error("fourth"));
    assert.equal(context.cause(parent)?.message, "second");
  });

  it("is inherited by children made after the cancellation", () => {
    const [parent, cancel] = context.withCancelCause(context.background());
    const gone = new Error("gone");
    cancel(gone);
    const [child] = context.withCancel(context.withValue(parent, "k", "v"));
    const [timed] = context.withTimeout(parent, 3_600_000);
    assert.equal(context.cause(child), gone);
    assert.equal(context.cause(timed), gone);
  });

  it("is null for never-cancelable contexts and for withoutCancel under a cancelled parent", () => {
    const [parent, cancel] = context.withCancelCause(context.background());
    const detached = context.withValue(context.withoutCancel(parent), "k", "v");
    cancel(new Error("gone"));
    assert.equal(context.cause(detached), null);
    assert.equal(
      context.cause(new OtherContext(detached)),
      null,
      "also when reached through a wrapper",
    );
    assert.equal(context.cause(context.todo()), null);
  });

  it("is err() for a foreign context that wraps none of the module's contexts", () => {
    const manual = new ManualContext();
    assert.equal(context.cause(manual), null);
    manual.cancel(context.DeadlineExceeded);
    assert.equal(context.cause(manual), context.DeadlineExceeded);
  });
});

describe("context deadlines (virtual time)", () => {
  it("withTimeout(5 s) is done with DeadlineExceeded exactly when virtual time reaches 5 s", async () => {
    const clock = FakeTimers.install({ now: 1_000 });
    try {
      const checkpoint = runtime.checkpoint();
      const [ctx, cancel] = context.withTimeout(context.background(), 5_000);
      const woke = new Chan<number>(1);
      go(async () => {
        await ctx.done().recv();
        await woke.send(Date.now());
      });
      await clock.tickAsync(4_999);
      assert.equal(await isDone(ctx), false, "done before the deadline");
      assert.equal(ctx.err(), null);
      await clock.tickAsync(1);
      assert.equal(ctx.err(), context.DeadlineExceeded);
      assert.equal(context.cause(ctx), context.DeadlineExceeded);
      assert.deepEqual(await woke.recv(), [6_000, true]);
      cancel();
      assert.equal(ctx.err(), context.DeadlineExceeded);
      await runtime.assertNoLeaks(checkpoint);
    } finally {
      clock.uninstall();
    }
  });

  it("deadline() is the earlier of a context's own deadline and its parent's", () => {
    const clock = FakeTimers.install({ now: 0 });
    try {
      const [parent, cancelParent] = context.withTimeout(context.background(), 10_000);
      assert.deepEqual(parent.deadline(), [new Date(10_000), true]);
      const [sooner] = context.withTimeout(parent, 5_000);
      assert.deepEqual(sooner.deadline(), [new Date(5_000), true]);
      const [later] = context.withDeadline(parent, new Date(20_000));
      assert.deepEqual(later.deadline(), [new Date(10_000), true]);
      const [plain] = context.withCancel(context.withValue(parent, "k", "v"));
      assert.deepEqual(plain.deadline(), [new Date(10_000), true]);
      assert.deepEqual(context.withValue(sooner, "k", "v").deadline(), [new Date(5_000), true]);
      assert.deepEqual(context.withoutCancel(parent).deadline(), [undefined, false]);
      cancelParent();
    } finally {
      clock.uninstall();
    }
  });

  it("a deadline later than the parent's behaves like withCancel and ends with the parent, as DeadlineExceeded", async () => {
    const clock = FakeTimers.install({ now: 0 });
    try {
      const [parent, cancelParent] = context.withTimeout(context.background(), 1_000);
      const timersBefore = clock.countTimers();
      const [child, cancelChild] = context.withDeadline(parent, new Date(60_000));
      assert.equal(clock.countTimers(), timersBefore, "no timer of its own for a later deadline");
      assert.equal(String(child), String(parent) + ".WithCancel");
      await clock.tickAsync(1_000);
      assert.equal(child.err(), context.DeadlineExceeded);
      assert.equal(context.cause(child), context.DeadlineExceeded);
      cancelChild();
      cancelParent();
    } finally {
      clock.uninstall();
    }
  });

  it("a deadline already past, or exactly now, cancels at once with DeadlineExceeded", async () => {
    const clock = FakeTimers.install({ now: 50_000 });
    try {
      const made = [
        context.withDeadline(context.background(), new Date(49_999)),
        context.withDeadline(context.background(), new Date(50_000)),
        context.withTimeout(context.background(), 0),
        context.withTimeout(context.background(), -5),
      ];
      for (const [ctx, cancel] of made) {
        assert.equal(ctx.err(), context.DeadlineExceeded, String(ctx));
        assert.equal(await isDone(ctx), true);
        cancel();
        assert.equal(ctx.err(), context.DeadlineExceeded);
      }
      assert.equal(clock.countTimers(), 0, "an expired context must not arm a timer");
      const [parent, cancelParent] = context.withCancel(context.background());
      context.withDeadline(parent, new Date(0));
      assert.equal(context.childCount(parent), 0, "an expired child must leave its parent at once");
      cancelParent();
    } finally {
      clock.uninstall();
    }
  });

  it("cancel() before the deadline gives Canceled and clears the timer, also for descendants", async () => {
    const clock = FakeTimers.install({ now: 0 });
    try {
      const [ctx, cancel] = context.withTimeout(context.background(), 5_000);
      const [child] = context.withTimeout(ctx, 1_000);
      assert.equal(clock.countTimers(), 2);
      cancel();
      assert.equal(
        clock.countTimers(),
        0,
        "cancel must clear the timers so nothing keeps the process alive",
      );
      assert.equal(ctx.err(), context.Canceled);
      assert.equal(child.err(), context.Canceled);
      await clock.tickAsync(10_000);
      assert.equal(ctx.err(), context.Canceled, "the deadline must not overwrite Canceled");
    } finally {
      clock.uninstall();
    }
  });

  it("a parent's deadline cancels its descendants with DeadlineExceeded and clears their timers", async () => {
    const clock = FakeTimers.install({ now: 0 });
    try {
      const [parent, cancel] = context.withTimeout(context.background(), 100);
      const [child] = context.withCancel(parent);
      const [timed] = context.withTimeout(context.withValue(child, "k", "v"), 100);
      await clock.tickAsync(100);
      for (const ctx of [parent, child, timed]) {
        assert.equal(ctx.err(), context.DeadlineExceeded, String(ctx));
        assert.equal(await isDone(ctx), true);
      }
      assert.equal(clock.countTimers(), 0);
      cancel();
    } finally {
      clock.uninstall();
    }
  });

  it("deadlines beyond setTimeout's 2^31 - 1 ms limit neither fire early nor late", async () => {
    const clock = FakeTimers.install({ now: 0 });
    try {
      const thousandHours = 1000 * 3_600_000;
      const [ctx, cancel] = context.withTimeout(context.background(), thousandHours);
      await clock.tickAsync(1);
      assert.equal(ctx.err(), null, "fired at once: the delay overflowed setTimeout");
      await clock.tickAsync(2 ** 31);
      assert.equal(ctx.err(), null);
      await clock.tickAsync(thousandHours - 2 ** 31 - 2);
      assert.equal(ctx.err(), null, "fired 1 ms early");
      await clock.tickAsync(1);
      assert.equal(ctx.err(), context.DeadlineExceeded);
      cancel();
    } finally {
      clock.uninstall();
    }
  });

  it("withTimeoutCause and withDeadlineCause report their cause when the deadline passes, not on cancel", async () => {
    const clock = FakeTimers.install({ now: 0 });
    try {
      const slow = new Error("too slow");
      const [timed, cancelTimed] = context.withTimeoutCause(context.background(), 100, slow);
      const [dated, cancelDated] = context.withDeadlineCause(
        context.background(),
        new Date(100),
        slow,
      );
      const [child] = context.withCancel(timed);
      const [early, cancelEarly] = context.withTimeoutCause(context.background(), 100, slow);
      cancelEarly();
      assert.equal(
        context.cause(early),
        context.Canceled,
        "cancel() before the deadline has no special cause",
      );
      await clock.tickAsync(100);
      for (const ctx of [timed, dated, child]) {
        assert.equal(ctx.err(), context.DeadlineExceeded);
        assert.equal(context.cause(ctx), slow);
      }
      const [expired] = context.withDeadlineCause(context.background(), new Date(0), slow);
      assert.equal(context.cause(expired), slow, "a past deadline cancels at once with the cause");
      cancelTimed();
      cancelDated();
    } finally {
      clock.uninstall();
    }
  });

  it("toString shows WithDeadline with the date and the time left, Go style", () => {
    const clock = FakeTimers.install({ now: 0 });
    try {
      const [ctx, cancel] = context.withTimeout(context.background(), 5_000);
      assert.equal(String(ctx), "context.Background.WithDeadline(1970-01-01T00:00:05.000Z [5s])");
      clock.tick(4_750);
      assert.equal(
        String(ctx),
        "context.Background.WithDeadline(1970-01-01T00:00:05.000Z [250ms])",
      );
      const [long, cancelLong] = context.withTimeout(context.background(), 3_600_000 + 1_500);
      assert.match(String(long), /\[1h0m1\.5s\]\)$/);
      cancelLong();
      cancel();
    } finally {
      clock.uninstall();
    }
  });

  it("deadlines reach through foreign wrappers (Go's WithDeadline+otherContext cases)", async () => {
    const clock = FakeTimers.install({ now: 0 });
    try {
      const [inner] = context.withTimeout(context.background(), 1);
      const wrapped = new OtherContext(inner);
      const [outer] = context.withTimeout(wrapped, 3_600_000);
      assert.deepEqual(
        outer.deadline(),
        [new Date(1), true],
        "the wrapper's earlier deadline wins",
      );
      const [innerCancel, cancelInner] = context.withTimeout(context.background(), 1_000);
      const [canceledOuter, cancelOuter] = context.withTimeout(
        new OtherContext(innerCancel),
        3_600_000,
      );
      cancelOuter();
      assert.equal(canceledOuter.err(), context.Canceled, "cancel propagates synchronously");
      await clock.tickAsync(1);
      for (const ctx of [inner, wrapped, outer]) assert.equal(ctx.err(), context.DeadlineExceeded);
      cancelInner();
    } finally {
      clock.uninstall();
    }
  });

  it("rejects a timeout that is not a finite number and a deadline that is not a valid Date", () => {
    assert.throws(() => context.withTimeout(context.background(), Number.NaN), {
      name: "RangeError",
      message: /timeout must be a finite number of milliseconds, received NaN/,
    });
    assert.throws(() => context.withTimeout(context.background(), Infinity), RangeError);
    assert.throws(() => context.withDeadline(context.background(), new Date(Number.NaN)), {
      name: "TypeError",
      message: /deadline must be a valid Date/,
    });
    assert.throws(
      () => context.withDeadline(context.background(), 5 as unknown as Date),
      TypeError,
    );
  });

  for (const testTimeout of [false, true]) {
    for (const seed of [11, 22, 33]) {
      it(`random layers of values, cancels and timeouts keep values and end at the leaf (${testTimeout ? "timeout" : "cancel"}, seed ${seed})`, async () => {
        const clock = FakeTimers.install({ now: 0 });
        try {
          const random = seededRandom(seed);
          const keys: object[] = [];
          const cancels: context.CancelFunc[] = [];
          let timers = 0;
          let ctx = context.background();
          for (
            let i = 0;
            i < 30 || timers === 0 || cancels.length === 0 || keys.length === 0;
            i++
          ) {
            const choice = Math.floor(random() * 3);
            if (choice === 0) {
              const key = { layer: i };
              ctx = context.withValue(ctx, key, key);
              keys.push(key);
            } else if (choice === 1) {
              const [next, cancel] = context.withCancel(ctx);
              ctx = next;
              cancels.push(cancel);
            } else {
              const [next, cancel] = context.withTimeout(ctx, testTimeout ? 1 : 3_600_000_000);
              ctx = next;
              cancels.push(cancel);
              timers++;
            }
          }
          const checkValues = (when: string) => {
            for (const key of keys) assert.equal(ctx.value(key), key, `seed ${seed}, ${when}`);
          };
          assert.ok(String(ctx).startsWith("context.Background."), String(ctx));
          checkValues("before cancel");
          assert.equal(await isDone(ctx), false);
          if (testTimeout) {
            await clock.tickAsync(1);
            assert.equal(ctx.err(), context.DeadlineExceeded, `seed ${seed}`);
          } else {
            cancels[Math.floor(random() * cancels.length)]();
            assert.equal(ctx.err(), context.Canceled, `seed ${seed}`);
          }
          assert.equal(await isDone(ctx), true);
          checkValues("after cancel");
          for (const cancel of cancels) cancel();
          assert.equal(clock.countTimers(), 0);
        } finally {
          clock.uninstall();
        }
      });
    }
  }
});

describe("context.withValue", () => {
  it("finds the nearest binding up the chain, by key identity, through cancel contexts and wrappers", () => {
    class Key {
      constructor(readonly id: number) {}
    }
    const k1 = new Key(1);
    const k2 = new Key(1); // same shape as k1, a different key
    const k3 = new Key(3);
    const check = (ctx: context.Context, name: string, v1?: string, v2?: string, v3?: string) => {
      assert.equal(ctx.value(k1), v1, `${name}.value(k1)`);
      assert.equal(ctx.value(k2), v2, `${name}.value(k2)`);
      assert.equal(ctx.value(k3), v3, `${name}.value(k3)`);
    };
    check(context.background(), "c0");
    const c1 = context.withValue(context.background(), k1, "c1k1");
    check(c1, "c1", "c1k1");
    assert.equal(String(c1), "context.Background.WithValue(Key, c1k1)");
    const c2 = context.withValue(c1, k2, "c2k2");
    check(c2, "c2", "c1k1", "c2k2");
    const [c3] = context.withCancel(context.withValue(c2, k3, "c3k3"));
    check(c3, "c3", "c1k1", "c2k2", "c3k3");
    const c4 = context.withValue(c3, k1, undefined);
    check(c4, "c4", undefined, "c2k2", "c3k3");
    check(new OtherContext(context.background()), "o0");
    const o1 = new OtherContext(context.withValue(context.background(), k1, "c1k1"));
    check(o1, "o1", "c1k1");
    const o2 = context.withValue(o1, k2, "o2k2");
    check(o2, "o2", "c1k1", "o2k2");
    const o3 = new OtherContext(c4);
    check(o3, "o3", undefined, "c2k2", "c3k3");
    const o4 = context.withValue(o3, k3, undefined);
    check(o4, "o4", undefined, "c2k2");
  });

  it("accepts symbols, strings, numbers (NaN matches NaN) and functions as keys", () => {
    const sym = Symbol("user");
    const fnKey = () => {};
    let ctx = context.withValue(context.background(), sym, "ada");
    ctx = context.withValue(ctx, "plain", 1);
    ctx = context.withValue(ctx, Number.NaN, "not a number");
    ctx = context.withValue(ctx, fnKey, "fn");
    assert.equal(ctx.value(sym), "ada");
    assert.equal(ctx.value(Symbol("user")), undefined);
    assert.equal(ctx.value("plain"), 1);
    assert.equal(ctx.value(Number.NaN), "not a number");
    assert.equal(ctx.value(fnKey), "fn");
    assert.equal(
      String(ctx),
      "context.Background.WithValue(Symbol(user), ada).WithValue(plain, 1).WithValue(NaN, not a number)" +
        ".WithValue(function fnKey, fn)",
    );
  });

  it("rejects a null or undefined key with a TypeError naming Go's nil key rule", () => {
    for (const key of [null, undefined]) {
      assert.throws(() => context.withValue(context.background(), key, "bar"), {
        name: "TypeError",
        message: new RegExp(`the key is ${key} \\(Go's "nil key"\\)`),
      });
    }
  });

  it("a value context is done, errs and signals exactly as its parent does", () => {
    const [parent, cancel] = context.withCancel(context.background());
    const child = context.withValue(context.withValue(parent, "a", 1), "b", 2);
    assert.equal(child.done(), parent.done());
    assert.equal(child.signal, parent.signal);
    cancel();
    assert.equal(child.err(), context.Canceled);
    assert.equal(child.signal.reason, context.Canceled);
  });
});

describe("context.withoutCancel", () => {
  it("keeps the parent's values but never its cancellation, deadline or error", async () => {
    const clock = FakeTimers.install({ now: 0 });
    try {
      const user = Symbol("user");
      const [parent, cancel] = context.withTimeout(
        context.withValue(context.background(), user, "ada"),
        100,
      );
      const detached = context.withoutCancel(parent);
      assert.equal(String(detached), String(parent) + ".WithoutCancel");
      assert.equal(detached.value(user), "ada");
      assert.deepEqual(detached.deadline(), [undefined, false]);
      await clock.tickAsync(100);
      assert.equal(parent.err(), context.DeadlineExceeded);
      assert.equal(detached.err(), null);
      assert.equal(await isDone(detached), false);
      assert.equal(detached.signal.aborted, false);
      cancel();
    } finally {
      clock.uninstall();
    }
  });

  it("its children are cancelled only by their own cancel functions", () => {
    const [parent, cancel] = context.withCancel(context.background());
    const [child, cancelChild] = context.withCancel(context.withoutCancel(parent));
    cancel();
    assert.equal(child.err(), null);
    cancelChild();
    assert.equal(child.err(), context.Canceled);
  });
});

describe("context.afterFunc", () => {
  it("runs fn in its own go() task after ctx is cancelled, never inside cancel()", async () => {
    const checkpoint = runtime.checkpoint();
    const [ctx, cancel] = context.withCancel(context.background());
    const ran = new Chan<boolean>(1);
    let called = false;
    context.afterFunc(ctx, () => {
      called = true;
      return ran.send(currentTask() !== undefined);
    });
    await settle();
    assert.equal(called, false, "fn ran before ctx was done");
    cancel();
    assert.equal(called, false, "fn must not run synchronously inside cancel()");
    assert.deepEqual(await ran.recv(), [true, true], "fn must run inside a go() task");
    await runtime.assertNoLeaks(checkpoint);
  });

  it("stop() before cancellation prevents fn and returns true; later stop() calls return false", async () => {
    const [ctx, cancel] = context.withCancel(context.background());
    let calls = 0;
    const stop = context.afterFunc(ctx, () => calls++);
    assert.equal(context.childCount(ctx), 1, "afterFunc registers one child");
    assert.equal(stop(), true);
    assert.equal(context.childCount(ctx), 0, "stop() removes the child");
    assert.equal(stop(), false);
    cancel();
    await settle();
    assert.equal(calls, 0);
  });

  it("stop() after ctx is done returns false and fn still runs exactly once", async () => {
    const [ctx, cancel] = context.withCancel(context.background());
    let calls = 0;
    const stop = context.afterFunc(ctx, () => calls++);
    cancel();
    assert.equal(stop(), false);
    await settle();
    assert.equal(calls, 1);
    assert.equal(stop(), false);
  });

  it("runs fn at once, in a task, when ctx is already done", async () => {
    const checkpoint = runtime.checkpoint();
    const [ctx, cancel] = context.withCancel(context.background());
    cancel();
    const ran = new Chan<Error | null>(1);
    const stop = context.afterFunc(ctx, () => ran.send(ctx.err()));
    assert.deepEqual(await ran.recv(), [context.Canceled, true]);
    assert.equal(stop(), false);
    await runtime.assertNoLeaks(checkpoint);
  });

  it("runs fn when a deadline passes", async () => {
    const clock = FakeTimers.install({ now: 0 });
    try {
      const [ctx, cancel] = context.withTimeout(context.background(), 5_000);
      const ran = new Chan<Error | null>(1);
      context.afterFunc(ctx, () => ran.send(ctx.err()));
      await clock.tickAsync(5_000);
      assert.deepEqual(await ran.recv(), [context.DeadlineExceeded, true]);
      cancel();
    } finally {
      clock.uninstall();
    }
  });

  it("never runs fn for a context that cannot be cancelled; stop() returns true", async () => {
    let calls = 0;
    const stop = context.afterFunc(context.withoutCancel(context.background()), () => calls++);
    await settle();
    assert.equal(stop(), true);
    assert.equal(calls, 0);
  });

  it("works on a foreign context, watching its done channel", async () => {
    const checkpoint = runtime.checkpoint();
    const manual = new ManualContext();
    const ran = new Chan<void>(1);
    context.afterFunc(manual, () => ran.send());
    manual.cancel(context.Canceled);
    assert.deepEqual(await ran.recv(), [undefined, true]);
    await runtime.assertNoLeaks(checkpoint);
  });
});

describe("context signal", () => {
  it("is aborted on cancel with reason === err(), and already aborted when first read after cancel", () => {
    const [early, cancelEarly] = context.withCancel(context.background());
    const signal = early.signal;
    assert.equal(early.signal, signal, "one signal per context");
    assert.equal(signal.aborted, false);
    cancelEarly();
    assert.equal(signal.aborted, true);
    assert.equal(signal.reason, early.err());
    assert.equal(signal.reason, context.Canceled);
    const [late, cancelLate] = context.withCancel(context.background());
    cancelLate();
    assert.equal(late.signal.aborted, true);
    assert.equal(late.signal.reason, context.Canceled);
  });

  it("is aborted with DeadlineExceeded when the deadline passes", async () => {
    const clock = FakeTimers.install({ now: 0 });
    try {
      const [ctx, cancel] = context.withTimeout(context.background(), 250);
      const reasons: unknown[] = [];
      ctx.signal.addEventListener("abort", () => reasons.push(ctx.signal.reason));
      await clock.tickAsync(250);
      assert.deepEqual(reasons, [context.DeadlineExceeded]);
      assert.equal(reasons[0], context.DeadlineExceeded);
      cancel();
    } finally {
      clock.uninstall();
    }
  });

  it("a parent's cancel aborts descendant signals, and abort listeners see the whole tree cancelled", () => {
    const [root, cancel] = context.withCancel(context.background());
    const [child] = context.withCancel(root);
    const [grandchild] = context.withCancel(context.withValue(child, "k", "v"));
    const seen: (Error | null)[] = [];
    root.signal.addEventListener("abort", () => seen.push(grandchild.err()));
    grandchild.signal.addEventListener("abort", () => seen.push(root.err()));
    cancel();
    assert.deepEqual(seen.sort(), [context.Canceled, context.Canceled]);
    assert.equal(child.signal.reason, context.Canceled);
  });

  it("never aborts for contexts that cannot be cancelled", () => {
    const [parent, cancel] = context.withCancel(context.background());
    const detached = context.withoutCancel(parent);
    cancel();
    assert.equal(context.background().signal.aborted, false);
    assert.equal(detached.signal.aborted, false);
  });
});

describe("context child bookkeeping at scale", () => {
  it("a million short-lived children leave a long-lived parent's child set empty", () => {
    const [parent, cancelParent] = context.withCancel(context.background());
    for (let i = 0; i < 1_000_000; i++) {
      const [, cancel] = context.withCancel(parent);
      if (i % 100_000 === 0) assert.equal(context.childCount(parent), 1);
      cancel();
    }
    assert.equal(context.childCount(parent), 0);
    cancelParent();
  });

  it("short-lived timer children and stopped afterFuncs also leave, and leave no timers behind", () => {
    const clock = FakeTimers.install({ now: 0 });
    try {
      const [parent, cancelParent] = context.withCancel(context.background());
      const values = context.withValue(parent, "k", "v");
      for (let i = 0; i < 100_000; i++) {
        const [, cancel] = context.withTimeout(values, 3_600_000);
        const stop = context.afterFunc(parent, () => {});
        assert.equal(context.childCount(parent), 2);
        cancel();
        stop();
      }
      assert.equal(context.childCount(parent), 0);
      assert.equal(clock.countTimers(), 0);
      cancelParent();
    } finally {
      clock.uninstall();
    }
  });

  it("a 100 000-deep chain prints, looks up values, and cancels from the root without overflowing the stack", () => {
    const depth = 100_000;
    const rootKey = Symbol("root");
    const [root, cancelRoot] = context.withCancelCause(
      context.withValue(context.background(), rootKey, "r"),
    );
    const chain: context.Context[] = [root];
    let leaf: context.Context = root;
    for (let i = 1; i < depth; i++) {
      leaf = i % 3 === 0 ? context.withValue(leaf, i, i) : context.withCancel(leaf)[0];
      chain.push(leaf);
    }
    assert.equal(leaf.value(rootKey), "r");
    assert.equal(leaf.value(3), 3);
    const name = String(leaf);
    assert.ok(
      name.startsWith(
        "context.Background.WithValue(Symbol(root), r).WithCancel.WithCancel.WithCancel",
      ),
    );
    assert.ok(name.length > depth * 10);
    const why = new Error("root cancelled");
    cancelRoot(why);
    assert.equal(leaf.err(), context.Canceled);
    assert.equal(context.cause(leaf), why);
    for (const ctx of chain) assert.equal(context.childCount(ctx), 0);
    assert.equal(chain[depth / 2].signal.aborted, true);
  });

  it("a context with 100 000 children cancels them all", () => {
    const [parent, cancel] = context.withCancel(context.background());
    const children = Array.from({ length: 100_000 }, () => context.withCancel(parent)[0]);
    assert.equal(context.childCount(parent), 100_000);
    cancel();
    assert.ok(children.every((child) => child.err() === context.Canceled));
    assert.equal(context.childCount(parent), 0);
  });

  it("childCount refuses contexts the module did not make", () => {
    assert.throws(() => context.childCount(new ManualContext()), TypeError);
    assert.equal(context.childCount(context.background()), 0);
  });
});

describe("context with foreign parents", () => {
  it("wrappers forwarding value() and done() are linked directly: no watcher task", () => {
    const tasksBefore = runtime.numGoroutine();
    const [ctx1, cancel1] = context.withCancel(context.background());
    const ctx2 = new OtherContext(ctx1);
    const [ctx3, cancel3] = context.withCancel(ctx2);
    const [ctx4, cancel4] = context.withTimeout(ctx3, 3_600_000);
    const [ctx5, cancel5] = context.withCancel(new OtherContext(ctx4));
    cancel5();
    const [, cancel6] = context.withTimeout(new OtherContext(ctx5), 3_600_000);
    cancel6();
    cancel1();
    const [late] = context.withCancel(new OtherContext(ctx5));
    assert.equal(
      runtime.numGoroutine(),
      tasksBefore,
      "no task may be started for forwarding wrappers",
    );
    assert.equal(ctx3.err(), context.Canceled);
    assert.equal(late.err(), context.Canceled);
    cancel3();
    cancel4();
    assert.equal(String(ctx3), "OtherContext.WithCancel");
  });

  it("a parent replacing done() with its own channel is watched by one go() task, ending when the child ends", async () => {
    const checkpoint = runtime.checkpoint();
    const tasksBefore = runtime.numGoroutine();
    const [ctx1, cancel1] = context.withCancel(context.background());
    const [, cancel] = context.withCancel(new FreshDoneContext(ctx1));
    assert.equal(
      runtime.numGoroutine(),
      tasksBefore + 1,
      "the wrapper's done() is not ctx1's: a task must watch it",
    );
    const [, cancelTimed] = context.withTimeout(
      new FreshDoneContext(context.background()),
      3_600_000,
    );
    assert.equal(runtime.numGoroutine(), tasksBefore + 2);
    assert.equal(context.childCount(ctx1), 0, "the child must not bypass the wrapper");
    cancel();
    cancelTimed();
    cancel1();
    await runtime.assertNoLeaks(checkpoint);
  });

  it("a foreign parent's own done channel closing cancels the child with its error and cause", async () => {
    const checkpoint = runtime.checkpoint();
    const manual = new ManualContext();
    const [child, cancelChild] = context.withCancel(manual);
    const [grandchild] = context.withCancel(child);
    assert.equal(child.err(), null);
    manual.cancel(context.DeadlineExceeded);
    assert.deepEqual(await child.done().recv(), [undefined, false]);
    assert.equal(child.err(), context.DeadlineExceeded);
    assert.equal(context.cause(child), context.DeadlineExceeded);
    assert.equal(grandchild.err(), context.DeadlineExceeded);
    cancelChild();
    await runtime.assertNoLeaks(checkpoint);
  });

  it("a foreign parent already done cancels the child at construction without a task", () => {
    const manual = new ManualContext();
    manual.cancel(context.Canceled);
    const tasksBefore = runtime.numGoroutine();
    const [child] = context.withCancel(manual);
    assert.equal(child.err(), context.Canceled);
    assert.equal(runtime.numGoroutine(), tasksBefore);
  });

  it("a foreign parent offering afterFunc is used instead of a task, and cancel unregisters", async () => {
    const tasksBefore = runtime.numGoroutine();
    const ctx0 = new AfterFuncContext();
    const [, cancel1] = context.withCancel(ctx0);
    const [, cancel2] = context.withTimeout(ctx0, 3_600_000);
    const stop = context.afterFunc(ctx0, () => {});
    assert.equal(ctx0.afterFuncs.size, 3);
    assert.equal(runtime.numGoroutine(), tasksBefore, "afterFunc parents need no watcher task");
    cancel1();
    cancel2();
    stop();
    assert.equal(ctx0.afterFuncs.size, 0, "cancel and stop must unregister from the parent");

    const checkpoint = runtime.checkpoint();
    const parent = new AfterFuncContext();
    const [child, cancelChild] = context.withCancel(parent);
    const [timed, cancelTimed] = context.withTimeout(parent, 3_600_000);
    const ran = new Chan<void>(1);
    context.afterFunc(parent, () => ran.send());
    parent.cancel(context.Canceled); // runs the callbacks but never closes its done channel
    assert.deepEqual(await child.done().recv(), [undefined, false]);
    assert.deepEqual(await timed.done().recv(), [undefined, false]);
    assert.deepEqual(await ran.recv(), [undefined, true]);
    cancelChild();
    cancelTimed();
    await runtime.assertNoLeaks(checkpoint);
  });
});

describe("context errors", () => {
  it("Canceled and DeadlineExceeded are single Errors with Go's messages; DeadlineExceeded is a timeout", () => {
    assert.ok(context.Canceled instanceof Error);
    assert.ok(context.DeadlineExceeded instanceof Error);
    assert.equal(context.Canceled.message, "context canceled");
    assert.equal(context.DeadlineExceeded.message, "context deadline exceeded");
    const timeoutError = context.DeadlineExceeded as Error & {
      timeout(): boolean;
      temporary(): boolean;
    };
    assert.equal(timeoutError.timeout(), true);
    assert.equal(timeoutError.temporary(), true);
  });
});
