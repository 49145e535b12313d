import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { workers } from "./hidden_workers.ts";
import { WorkerGroup } from "./worker_group.ts";

/** Each run takes well under a second on the solution; a Worker that never wakes fails its test after this. */
const LIMIT_MS = 6000;

/** How long a consumer waits alone, on real time, before its producer starts to post. */
const CONSUMER_ALONE_MS = 200;

// Loaded inside each test, after the harness above.
const loadMailbox = () => import("./mailbox.ts");

/**
 * Runs with a sleeping consumer, which takes each message as the producer's
 * notify wakes it, and with a polling one, which spins on take(0) and sees
 * the state change the moment it is stored. A message published before its
 * values are written shows only to a polling consumer that looks within that
 * moment, which is widest while post() still runs in the interpreter: so the
 * last runs are many short ones (each produce job loads mailbox.ts afresh).
 */
const RUNS = [
  { poll: false, capacity: 1, count: 2000, runs: 1 },
  { poll: false, capacity: 16, count: 2000, runs: 1 },
  { poll: true, capacity: 1, count: 2000, runs: 1 },
  { poll: true, capacity: 16, count: 300, runs: 30 },
];

describe("mailbox (hidden)", () => {
  for (const { poll, capacity, count, runs } of RUNS) {
    const many = runs === 1 ? "" : `in each of ${runs} runs with a freshly loaded producer, `;
    it(`${many}a ${poll ? "polling" : "sleeping"} consumer Worker gets ${count} messages of up to ${capacity} values whole and in order`, async () => {
      const { Mailbox } = await loadMailbox();
      const group = await workers.get();
      for (let run = 1; run <= runs; run++) {
        const [, report] = await group.run(
          [
            { kind: "produce", capacity, count, timeoutMs: 4000 },
            { kind: "consume", capacity, count, timeoutMs: 4000, poll },
          ],
          new SharedArrayBuffer(Mailbox.bytesFor(capacity)),
          LIMIT_MS,
        );
        assert.equal(report.received, count);
        assert.equal(
          report.wrong,
          0,
          `run ${run}: ${report.wrong} messages were not as posted; first ${report.first}`,
        );
      }
    });
  }

  it("an empty message, int32 extremes and negative values arrive exactly", async () => {
    const { Mailbox } = await loadMailbox();
    const buffer = new SharedArrayBuffer(Mailbox.bytesFor(3));
    const sender = new Mailbox(buffer, 3);
    const receiver = new Mailbox(buffer, 3);
    for (const message of [[], [2 ** 31 - 1, -(2 ** 31), -1], [0]]) {
      assert.equal(sender.post(message, 0), true);
      assert.deepEqual(receiver.take(0), message);
    }
  });

  it("a shorter message after a longer one carries only its own values", async () => {
    const { Mailbox } = await loadMailbox();
    const buffer = new SharedArrayBuffer(Mailbox.bytesFor(4));
    const box = new Mailbox(buffer, 4);
    box.post([1, 2, 3, 4], 0);
    box.take(0);
    box.post([9], 0);
    assert.deepEqual(box.take(0), [9]);
  });

  it("post of a bad message throws before touching the slot: the mailbox stays empty", async () => {
    const { Mailbox, EMPTY } = await loadMailbox();
    const buffer = new SharedArrayBuffer(Mailbox.bytesFor(2));
    const box = new Mailbox(buffer, 2);
    for (const bad of [[1, 2, 3], [2 ** 31], [-(2 ** 31) - 1], [Number.NaN], [1, 0.25]]) {
      assert.throws(() => box.post(bad, 0), RangeError, `post([${bad}])`);
    }
    assert.equal(new Int32Array(buffer)[0], EMPTY, "a refused post changed the state");
    assert.equal(box.take(0), null);
  });

  it("a mailbox of capacity 0 carries empty messages, and a larger buffer than needed is fine", async () => {
    const { Mailbox } = await loadMailbox();
    assert.equal(Mailbox.bytesFor(0), 8);
    const box = new Mailbox(new SharedArrayBuffer(64), 0);
    assert.equal(box.post([], 0), true);
    assert.deepEqual(box.take(0), []);
    assert.throws(() => box.post([1], 0), RangeError);
    assert.throws(() => Mailbox.bytesFor(-1), RangeError);
    assert.throws(() => Mailbox.bytesFor(1.5), RangeError);
  });

  it("post on a full slot waits about its timeout before giving up", async () => {
    const { Mailbox } = await loadMailbox();
    const box = new Mailbox(new SharedArrayBuffer(Mailbox.bytesFor(1)), 1);
    box.post([1], 0);
    const began = performance.now();
    assert.equal(box.post([2], 40), false);
    const waited = performance.now() - began;
    assert.ok(waited >= 35, `post(…, 40) gave up after ${waited.toFixed(1)} ms`);
    assert.deepEqual(box.take(0), [1], "the first message was replaced");
  });

  it("a consumer that starts first sleeps until the producer's first message, then gets all of them", async () => {
    const { Mailbox } = await loadMailbox();
    const group = await workers.get();
    const buffer = new SharedArrayBuffer(Mailbox.bytesFor(4));
    // The producer's Worker starts before the consumer's round, so that a Worker slow to start on a
    // loaded machine cannot eat the consumer's wait. The pause below decides nothing on a right
    // take(), which passes however the two meet; it gives a wrong one (giving up at once instead of
    // sleeping) an empty mailbox to give up on.
    const producer = await WorkerGroup.start(1);
    try {
      // Only the consumer runs in this round: it must still be waiting, not failing, when the producer comes.
      const consumed = group.run(
        [
          { kind: "consume", capacity: 4, count: 200, timeoutMs: 4000, poll: false },
        ],
        buffer,
        LIMIT_MS,
      );
      await new Promise((resolve) => setTimeout(resolve, CONSUMER_ALONE_MS));
      await producer.run(
        [{ kind: "produce", capacity: 4, count: 200, timeoutMs: 4000 }],
        buffer,
        LIMIT_MS,
      );
      const [report] = await consumed;
      assert.deepEqual([report.received, report.wrong], [200, 0], report.first ?? "");
    } finally {
      producer.terminate();
    }
  });
});
