import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Chan, context, recv, runtime, select } from "../primitives/mod.ts";
import { realTurns, valueOf, watch } from "../primitives/testing.ts";
import { SafeGroup, TaskPanic } from "./safe_group.ts";

const { settle } = realTurns(5);

/** A named function, so that its name shows in the stack of what it throws. */
function parseOrderPayload(): never {
  throw new TypeError("cannot read properties of undefined (reading 'items')");
}

describe("SafeGroup", () => {
  it("each part gets the group's context, a child of the parent; wait() resolves to null when all succeed", async () => {
    const key = Symbol("request");
    const parent = context.withValue(context.background(), key, "req-7");
    const group = new SafeGroup(parent);
    const seen: unknown[] = [];
    for (let i = 0; i < 3; i++) {
      group.go((ctx) => {
        seen.push(ctx.value(key));
        assert.equal(ctx.err(), null, "a part started with a cancelled context");
        return null;
      });
    }
    assert.deepEqual(seen, [], "a part ran inside go(): start it in a go() task");
    assert.equal(await group.wait(), null);
    assert.deepEqual(seen, ["req-7", "req-7", "req-7"]);
  });

  it("wait() resolves to the first error a part returns, and that error cancels the other parts' context", async () => {
    const cp = runtime.checkpoint();
    const group = new SafeGroup(context.background());
    const refused = new Error("orders: connection refused");
    let siblingCtx: context.Context | undefined;
    group.go(async (ctx) => {
      siblingCtx = ctx;
      await select([recv(ctx.done())]); // runs until the group is cancelled
      return ctx.err();
    });
    group.go(() => refused);
    const result = watch(group.wait());
    await settle();
    assert.equal(valueOf(result, "wait()"), refused);
    assert.equal(siblingCtx?.err(), context.Canceled);
    assert.equal(context.cause(siblingCtx!), refused, "the context's cause must be the failure");
    await runtime.assertNoLeaks(cp);
  });

  it("a part that throws becomes a TaskPanic carrying the thrown error and its stack, and nothing crashes", async () => {
    const group = new SafeGroup(context.background());
    group.go(() => parseOrderPayload());
    const err = await group.wait();
    assert.ok(err instanceof TaskPanic, `wait() resolved to ${err}, not a TaskPanic`);
    assert.ok(err.cause instanceof TypeError, "the TaskPanic's cause is not the thrown error");
    assert.match(
      err.message,
      /^errgroup: task panicked: TypeError: cannot read properties of undefined/,
    );
    assert.match(err.stack ?? "", /parseOrderPayload/, "the stack of the throw is lost");
  });

  it("a part that rejects with a value that is not an Error becomes a TaskPanic whose cause is that value", async () => {
    const group = new SafeGroup(context.background());
    group.go(() => Promise.reject("quota exceeded"));
    const err = await group.wait();
    assert.ok(err instanceof TaskPanic, `wait() resolved to ${err}, not a TaskPanic`);
    assert.equal(err.cause, "quota exceeded");
    assert.match(err.message, /quota exceeded/);
  });

  it("with limit 2, at most two parts run at once, and queued parts start in the order of go()", async () => {
    const group = new SafeGroup(context.background(), { limit: 2 });
    const gates = Array.from({ length: 5 }, () => new Chan<void>());
    const started: number[] = [];
    let running = 0;
    let peak = 0;
    gates.forEach((gate, i) =>
      group.go(async () => {
        started.push(i);
        peak = Math.max(peak, ++running);
        await gate.recv();
        running--;
      })
    );
    const waited = watch(group.wait());
    await settle();
    // Two go() tasks started back to back may run in either order, as goroutines
    // do; only the queued parts have an order to keep.
    assert.deepEqual(
      [...started].sort(),
      [0, 1],
      "with limit 2, exactly parts 0 and 1 should have started",
    );
    for (const i of [1, 0, 3, 2, 4]) {
      assert.equal(waited.settled, false, "wait() resolved while parts were running or queued");
      gates[i].close();
      await settle();
    }
    assert.equal(valueOf(waited, "wait() once every part has ended"), null);
    assert.deepEqual(started.slice(2), [2, 3, 4], "the queued parts did not start in go() order");
    assert.equal(peak, 2);
  });

  it("wait() waits for queued parts too: with limit 1, the second part has run when it resolves", async () => {
    const group = new SafeGroup(context.background(), { limit: 1 });
    const ran: string[] = [];
    group.go(async () => {
      await settle(1);
      ran.push("first");
    });
    group.go(async () => {
      await settle(1);
      ran.push("second");
    });
    assert.equal(await group.wait(), null);
    assert.deepEqual(ran, ["first", "second"], "wait() resolved before the queued part ended");
  });

  it("parts still queued when the group fails are dropped without running", async () => {
    const group = new SafeGroup(context.background(), { limit: 1 });
    const ran: string[] = [];
    const broken = new Error("first part failed");
    group.go(() => {
      ran.push("first");
      return broken;
    });
    group.go(() => {
      ran.push("queued");
    });
    assert.equal(await group.wait(), broken);
    assert.deepEqual(ran, ["first"]);
  });

  it("the group's context is cancelled once wait() returns, even when every part succeeded, and the parent lives on", async () => {
    const [parent, cancelParent] = context.withCancel(context.background());
    const group = new SafeGroup(parent);
    let groupCtx: context.Context | undefined;
    group.go((ctx) => {
      groupCtx = ctx;
    });
    assert.equal(await group.wait(), null);
    assert.equal(groupCtx?.err(), context.Canceled, "the group's context outlived wait()");
    assert.equal(parent.err(), null, "the group cancelled its parent");
    cancelParent();
  });

  it("go() throws a TypeError for a part that is not a function, and an Error once wait() has returned", async () => {
    const group = new SafeGroup(context.background());
    assert.throws(() => group.go("not a part" as never), TypeError);
    group.go(() => null);
    await group.wait();
    assert.throws(() => group.go(() => null), /wait\(\) has returned/);
  });

  it("the constructor rejects a limit that is not an integer >= 1 with a RangeError", () => {
    for (const limit of [0, -1, 1.5]) {
      assert.throws(
        () => new SafeGroup(context.background(), { limit }),
        RangeError,
        `limit ${limit}`,
      );
    }
  });
});
