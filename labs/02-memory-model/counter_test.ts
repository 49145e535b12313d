import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { WorkerGroup } from "./worker_group.ts";
import { incrementShared, nextTicket } from "./counter.ts";

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
    const group = await WorkerGroup.start(4);
    try {
      const times = 500_000;
      // A lost update needs two Workers in the loop at the same moment; four
      // rounds make that near certain for a racy loop, and change nothing for
      // a correct one.
      for (let round = 1; round <= 4; round++) {
        const buffer = new SharedArrayBuffer(4);
        await group.run(
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
      }
    } finally {
      group.terminate();
    }
  });

  it("four Workers taking tickets at once never get the same one", async () => {
    const group = await WorkerGroup.start(4);
    try {
      const times = 100_000;
      for (let round = 1; round <= 3; round++) {
        const buffer = new SharedArrayBuffer(4);
        const tickets = (await group.run(
          Array.from({ length: 4 }, () => ({ kind: "tickets", index: 0, times })),
          buffer,
        )).flat();
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
    } finally {
      group.terminate();
    }
  });
});
