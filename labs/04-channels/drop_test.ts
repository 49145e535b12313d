import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { go, runtime } from "../primitives/mod.ts";
import { realTurns } from "../primitives/testing.ts";
import { Dropper } from "./drop.ts";

const { promptly, settle } = realTurns(10);

/** Closes the dropper and collects what its receivers would get. */
async function closeAndDrain<T>(dropper: Dropper<T>): Promise<T[]> {
  dropper.close();
  const got: T[] = [];
  for await (const v of dropper.values) got.push(v);
  return got;
}

describe("Dropper", () => {
  it("drops the offers that find the buffer full, and counts them exactly", async () => {
    const dropper = new Dropper<number>(3);
    const accepted: boolean[] = [];
    for (let i = 1; i <= 10; i++) accepted.push(await promptly(dropper.offer(i), `offer(${i})`));
    assert.deepEqual(accepted, [true, true, true, false, false, false, false, false, false, false]);
    assert.equal(dropper.offered, 10);
    assert.equal(dropper.dropped, 7);
    assert.deepEqual(await closeAndDrain(dropper), [1, 2, 3]);
  });

  it("never waits for a receiver, and leaves nothing parked, even when nobody ever reads", async () => {
    const cp = runtime.checkpoint();
    const dropper = new Dropper<string>(0);
    for (let i = 0; i < 50; i++) await promptly(dropper.offer(`event ${i}`), `offer #${i}`);
    assert.equal(dropper.dropped, 50);
    await runtime.assertNoLeaks(cp);
  });

  it("hands a value straight to a receiver that is already waiting, even with no buffer", async () => {
    const dropper = new Dropper<string>(0);
    const received: string[] = [];
    go(async () => {
      for await (const v of dropper.values) received.push(v);
    });
    await settle(); // the receiver is parked now
    assert.equal(await promptly(dropper.offer("hello"), "offer(hello)"), true);
    await settle();
    assert.equal(dropper.dropped, 0);
    assert.deepEqual(received, ["hello"]);
    dropper.close();
  });

  it('with "drop-oldest" a full buffer gives up its oldest values and keeps the newest', async () => {
    const dropper = new Dropper<number>(3, "drop-oldest");
    for (let i = 1; i <= 10; i++) await promptly(dropper.offer(i), `offer(${i})`);
    assert.equal(dropper.dropped, 7);
    assert.deepEqual(await closeAndDrain(dropper), [8, 9, 10]);
  });
  it("offer() after close() rejects with send on closed channel and leaves the counters unchanged", async () => {
    const dropper = new Dropper<string>(2);
    await promptly(dropper.offer("a"), "offer(a)");
    dropper.close();
    await assert.rejects(dropper.offer("late"), { message: "send on closed channel" });
    assert.equal(dropper.offered, 1, "an offer that panicked was counted as offered");
    assert.equal(dropper.dropped, 0, "an offer that panicked was counted as dropped");
  });

  it('with "drop-oldest" and no buffer there is nothing to evict: the new value is dropped', async () => {
    const dropper = new Dropper<string>(0, "drop-oldest");
    assert.equal(await promptly(dropper.offer("a"), "offer(a)"), false);
    assert.equal(dropper.dropped, 1);
  });
});
