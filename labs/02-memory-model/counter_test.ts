import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { SharedWorkerGroup } from "./worker_group.ts";
import { incrementShared, nextTicket } from "./counter.ts";

// One group for the file: starting Workers costs more CPU than a round of the tests.
const workers = new SharedWorkerGroup(4);
after(() => workers.terminate());

describe("counter", () => {
  it("incrementShared adds times to its own cell and leaves the others alone", () => {
    const cells = new Int32Array(new SharedArrayBuffer(12));
    incrementShared(cells, 1, 500);
    assert.deepEqual(Array.from(cells), [0, 500, 0]);
  });

  it("nextTicket returns the counter's value and advances it by one", () => {
    const cells = new Int32Array(new SharedArrayBuffer(4));
    cells[0] = 41;
    assert.equal(nextTicket(cells, 0), 41);
    assert.equal(nextTicket(cells, 0), 42);
    assert.equal(cells[0], 43);
  });

  it("four Workers incrementing one cell at once lose no increment", async () => {
    const group = await workers.get();
    // A lost update needs two Workers in the loop at the same moment. The
    // harness calls incrementShared 10 000 increments at a time and reports how
    // many calls overlapped another Worker's: the rounds go on until 20 did
    // (the first round or two, unless the machine is busy), which makes a
    // racy loop fail near certainly and changes nothing for a correct one. A
    // busy machine runs short loops one after another, so each round doubles.
    let overlapping = 0;
    for (let round = 1; round <= 10 && overlapping < 20; round++) {
      const times = Math.min(500_000, 50_000 * 2 ** (round - 1));
      const buffer = new SharedArrayBuffer(4);
      const perWorker = await group.run(
        Array.from({ length: 4 }, () => ({ kind: "increment", index: 0, times })),
        buffer,
      );
      const count = new Int32Array(buffer)[0];
      assert.equal(
        count,
        4 * times,
        `round ${round}: 4 Workers x ${times} increments left the cell at ${count}, so ` +
          `${4 * times - count} were lost: two Workers read the same value and both wrote it + 1`,
      );
      overlapping += perWorker.reduce((a, b) => a + b, 0);
    }
  });

  it("four Workers taking tickets at once never get the same one", async () => {
    const group = await workers.get();
    // Two tickets can be the same only if two Workers took them at the same
    // moment: the rounds go on until 20 000 tickets were taken right after
    // another Worker's (a ticket that is not the one after this Worker's
    // previous), or, on a busy machine, for up to 6 rounds, each twice as long.
    let interleaved = 0;
    for (let round = 1; round <= 6 && interleaved < 20_000; round++) {
      const times = Math.min(100_000, 10_000 * 2 ** (round - 1));
      const buffer = new SharedArrayBuffer(4);
      const perWorker = await group.run(
        Array.from({ length: 4 }, () => ({ kind: "tickets", index: 0, times })),
        buffer,
      );
      for (const mine of perWorker) {
        interleaved += mine.filter((t, i) => i > 0 && t !== mine[i - 1] + 1).length;
      }
      const tickets = perWorker.flat();
      const distinct = new Set(tickets);
      assert.equal(
        distinct.size,
        tickets.length,
        `round ${round}: ${tickets.length - distinct.size} tickets were handed out twice`,
      );
      assert.ok(
        tickets.every((t) => t >= 0 && t < 4 * times),
        `round ${round}: a ticket outside 0..${4 * times - 1}`,
      );
      assert.equal(new Int32Array(buffer)[0], 4 * times);
    }
  });
});
