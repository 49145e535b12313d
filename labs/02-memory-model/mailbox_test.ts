import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { SharedWorkerGroup } from "./worker_group.ts";
import { Mailbox } from "./mailbox.ts";

/** A sender's and a receiver's view of one fresh mailbox, as two Workers would have them. */
function pairOfViews(capacity: number): [Mailbox, Mailbox] {
  const buffer = new SharedArrayBuffer(Mailbox.bytesFor(capacity));
  return [new Mailbox(buffer, capacity), new Mailbox(buffer, capacity)];
}

// One producer and one consumer for the file: starting Workers costs more CPU than the runs.
const workers = new SharedWorkerGroup(2);
after(() => workers.terminate());

describe("mailbox", () => {
  it("a posted message is taken whole, and only once", () => {
    const [sender, receiver] = pairOfViews(4);
    assert.equal(sender.post([7, -8, 9], 0), true);
    assert.deepEqual(receiver.take(0), [7, -8, 9]);
    assert.equal(receiver.take(0), null, "take() returned the same message twice");
  });

  it("post on a full slot returns false after its timeout and leaves the message there", () => {
    const [sender, receiver] = pairOfViews(2);
    assert.equal(sender.post([1], 0), true);
    assert.equal(sender.post([2, 2], 0), false, "post() overwrote a message nobody had taken");
    assert.deepEqual(receiver.take(0), [1]);
    assert.equal(sender.post([2, 2], 0), true, "post() refused a slot that take() had emptied");
  });

  it("take on an empty mailbox returns null once its timeout has passed", () => {
    const [, receiver] = pairOfViews(1);
    const began = performance.now();
    assert.equal(receiver.take(30), null);
    assert.ok(performance.now() - began >= 25, "take(30) gave up long before 30 ms");
  });

  it("post rejects values that do not fit or are not int32 with a RangeError", () => {
    const [sender] = pairOfViews(2);
    assert.throws(() => sender.post([1, 2, 3], 0), RangeError);
    assert.throws(() => sender.post([0.5], 0), RangeError);
    assert.equal(sender.take(0), null, "a refused post left a message in the slot");
  });

  it("bytesFor makes room for the header and the values, and a smaller buffer is refused", () => {
    assert.equal(Mailbox.bytesFor(4), 24);
    assert.throws(() => new Mailbox(new SharedArrayBuffer(20), 4), RangeError);
  });

  for (const poll of [false, true]) {
    const how = poll ? "polling take(0)" : "sleeping in take()";
    it(`a consumer Worker ${how} receives 3000 messages from a producer Worker, each whole and in order`, async () => {
      const group = await workers.get();
      const capacity = 8;
      const count = 3000;
      const [, report] = await group.run([
        { kind: "produce", capacity, count, timeoutMs: 5000 },
        { kind: "consume", capacity, count, timeoutMs: 5000, poll },
      ], new SharedArrayBuffer(Mailbox.bytesFor(capacity)));
      assert.equal(report.received, count);
      assert.equal(
        report.wrong,
        0,
        `${report.wrong} messages were not as posted, first ${report.first}: the receiver saw ` +
          `FULL before the message's values were written, or read them before it saw FULL`,
      );
    });
  }
});
