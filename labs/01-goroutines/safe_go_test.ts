import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { type ReceiveChan, recv, runtime, select } from "../primitives/mod.ts";
import { realTurns } from "../primitives/testing.ts";
import { RecoveredPanic, safeGo } from "./safe_go.ts";

const { settle } = realTurns(5);

/** Whether `done` is closed now, without waiting for it (a select with a default). */
async function isClosed(done: ReceiveChan<void>): Promise<boolean> {
  const chosen = await select([recv(done)], { default: true });
  return chosen.index === 0 && !chosen.ok;
}

describe("safeGo", () => {
  it("safeGo starts fn in a new task on a later turn, not inside the caller", async () => {
    const order: string[] = [];
    const tasksBefore = runtime.numGoroutine();
    const done = safeGo(() => {
      order.push("task");
    });
    assert.equal(runtime.numGoroutine(), tasksBefore + 1, "safeGo did not start a go() task");
    order.push("caller");
    await settle();
    assert.deepEqual(order, ["caller", "task"]);
    assert.equal(await isClosed(done), true);
  });

  it("safeGo hands a thrown Error to onPanic instead of crashing the program", async () => {
    const boom = new Error("index out of range [5] with length 3");
    const reported: Error[] = [];
    const done = safeGo(
      () => {
        throw boom;
      },
      (error) => reported.push(error),
    );
    await settle();
    assert.deepEqual(reported, [boom]);
    assert.equal(await isClosed(done), true, "done was not closed after the task failed");
  });

  it("safeGo hands a rejection from an async fn to onPanic", async () => {
    const boom = new Error("connection reset");
    const reported: Error[] = [];
    const done = safeGo(
      async () => {
        await settle(1);
        throw boom;
      },
      (error) => reported.push(error),
    );
    await settle();
    assert.deepEqual(reported, [boom]);
    assert.equal(await isClosed(done), true, "done was not closed after the task failed");
  });

  it("safeGo closes done once fn has finished, and not before", async () => {
    let finished = false;
    const reported: Error[] = [];
    const done = safeGo(
      async () => {
        await settle(2);
        finished = true;
      },
      (error) => reported.push(error),
    );
    assert.equal(await isClosed(done), false, "done was closed before the task ran");
    const [, ok] = await done.recv();
    assert.equal(ok, false, "done delivered a value instead of being closed");
    assert.equal(finished, true, "done was closed while fn was still running");
    assert.deepEqual(reported, [], "onPanic was called for a task that succeeded");
  });

  it("safeGo closes done only after onPanic has returned", async () => {
    let doneWhileReporting: Promise<boolean> | undefined;
    const done: ReceiveChan<void> = safeGo(
      () => {
        throw new Error("nil map");
      },
      () => {
        // isClosed() looks at the channel now, synchronously, even though it
        // hands its answer back later.
        doneWhileReporting = isClosed(done);
      },
    );
    await settle();
    assert.ok(doneWhileReporting !== undefined, "onPanic was not called");
    assert.equal(await doneWhileReporting, false, "done was already closed while onPanic ran");
    assert.equal(await isClosed(done), true, "done was not closed after onPanic returned");
  });

  it("safeGo hands a thrown string to onPanic as a RecoveredPanic that keeps the value", async () => {
    const reported: Error[] = [];
    const done = safeGo(
      () => {
        throw "out of memory";
      },
      (error) => reported.push(error),
    );
    await settle();
    assert.equal(reported.length, 1, "onPanic was not called exactly once");
    assert.ok(
      reported[0] instanceof RecoveredPanic,
      `expected a RecoveredPanic, got ${reported[0]}`,
    );
    assert.equal(reported[0].value, "out of memory");
    assert.equal(await isClosed(done), true);
  });
});
