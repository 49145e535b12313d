import { describe, it } from "node:test";
import assert from "node:assert/strict";
import FakeTimers from "@sinonjs/fake-timers";
import { context, type ReceiveChan, recv, runtime, select, time } from "../primitives/mod.ts";
import { assertPending, realTurns, valueOf, watch } from "../primitives/testing.ts";
import { Gate, supervise } from "./signalling.ts";

const { advance, settle } = realTurns(10);

describe("Gate", () => {
  it("open() wakes every waiter at once, and none before", async () => {
    const gate = new Gate("start");
    const ctx = context.background();
    const waiters = Array.from({ length: 25 }, () => watch(gate.wait(ctx)));
    await settle();
    waiters.forEach((w, i) => assertPending(w, `waiter ${i} before open()`));
    gate.open();
    await settle();
    assert.deepEqual(
      waiters.map((w, i) => valueOf(w, `waiter ${i}`)),
      waiters.map(() => true),
    );
  });

  it("open() returns true once and false afterwards, without panicking", () => {
    const gate = new Gate();
    assert.equal(gate.isOpen, false);
    assert.equal(gate.open(), true);
    assert.equal(gate.open(), false);
    assert.equal(gate.isOpen, true);
  });

  it("wait() resolves to false when its context is cancelled first, and leaves nothing parked", async () => {
    const cp = runtime.checkpoint();
    const gate = new Gate();
    const [ctx, cancel] = context.withCancel(context.background());
    const waiter = watch(gate.wait(ctx));
    await settle();
    cancel();
    await settle();
    assert.equal(valueOf(waiter, "wait()"), false);
    await runtime.assertNoLeaks(cp);
  });

  it("done() is a channel that is closed, not sent on, when the gate opens", async () => {
    const gate = new Gate();
    const before = await select([recv(gate.done())], { default: true });
    assert.equal(before.index, -1, "done() was ready before open()");
    gate.open();
    const after = await select([recv(gate.done())], { default: true });
    assert.deepEqual(after, { index: 0, value: undefined, ok: false });
  });
  it("wait() answers true on an open gate even if its context is already cancelled", async () => {
    const gate = new Gate();
    gate.open();
    const [ctx, cancel] = context.withCancel(context.background());
    cancel();
    // Both select cases would be ready: a select alone answers false half the time.
    for (let i = 0; i < 20; i++) {
      assert.equal(await gate.wait(ctx), true, `wait #${i} on an open gate answered false`);
    }
  });
});

describe("supervise()", () => {
  it("stops every service when the first one fails, and resolves to its error after all have stopped", async () => {
    const clock = FakeTimers.install();
    try {
      const stopped: string[] = [];
      const server = (name: string) => async (stop: ReceiveChan<void>) => {
        await stop.recv(); // runs until told to stop
        stopped.push(name);
      };
      const failing = async () => {
        await time.sleep(100);
        throw new Error("debug server: port in use");
      };
      const result = watch(supervise([server("app"), failing, server("metrics")]));
      await advance(clock, 99);
      assertPending(result, "supervise() before any service stopped");
      assert.deepEqual(stopped, []);
      await advance(clock, 1);
      assert.deepEqual([...stopped].sort(), ["app", "metrics"]);
      const error = valueOf(result, "supervise()");
      assert.ok(error instanceof Error && error.message === "debug server: port in use");
    } finally {
      clock.uninstall();
    }
  });
  it("a service that returns cleanly also stops the others, and supervise() resolves to null", async () => {
    const clock = FakeTimers.install();
    try {
      const stopped: string[] = [];
      const server = async (stop: ReceiveChan<void>) => {
        await stop.recv();
        stopped.push("app");
      };
      const quitter = () => time.sleep(100);
      const result = watch(supervise([server, quitter]));
      await advance(clock, 100);
      assert.deepEqual(stopped, ["app"], "the other service was not stopped by the clean exit");
      assert.equal(valueOf(result, "supervise()"), null);
    } finally {
      clock.uninstall();
    }
  });

  it("resolves only once every service has returned, even after the first one fails", async () => {
    const clock = FakeTimers.install();
    try {
      const slowToStop = async (stop: ReceiveChan<void>) => {
        await stop.recv();
        await time.sleep(500); // flushing buffers
      };
      const failing = async () => {
        await time.sleep(100);
        throw new Error("port in use");
      };
      const result = watch(supervise([slowToStop, failing]));
      await advance(clock, 599);
      assertPending(result, "supervise() while a service is still stopping");
      await advance(clock, 1);
      const error = valueOf(result, "supervise()");
      assert.ok(error instanceof Error && error.message === "port in use");
    } finally {
      clock.uninstall();
    }
  });
});
