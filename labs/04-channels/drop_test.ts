import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { go, runtime } from "../primitives/mod.ts";
import { Dropper } from "./drop.ts";

// Captured at load: one real turn of the event loop.
const realSetImmediate = globalThis.setImmediate.bind(globalThis);

async function flush(turns = 10): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise<void>((resolve) => realSetImmediate(resolve));
}

type Settled<T> =
  | { settled: false }
  | { settled: true; ok: true; value: T }
  | { settled: true; ok: false; error: unknown };

/** Resolves to the promise's value; fails the test if it rejects or is still pending after a few turns. */
async function promptly<T>(promise: Promise<T>, what: string): Promise<T> {
  const box: { state: Settled<T> } = { state: { settled: false } };
  promise.then(
    (value) => (box.state = { settled: true, ok: true, value }),
    (error) => (box.state = { settled: true, ok: false, error }),
  );
  await flush();
  const s = box.state;
  if (!s.settled) assert.fail(`${what} is still waiting; a dropper must never block its sender`);
  if (!s.ok) {
    assert.fail(
      `${what} rejected with ${s.error instanceof Error ? s.error.message : String(s.error)}`,
    );
  }
  return s.value;
}

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
    await flush(); // the receiver is parked now
    assert.equal(await promptly(dropper.offer("hello"), "offer(hello)"), true);
    await flush();
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
});
