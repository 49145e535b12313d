import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { WorkerGroup } from "./worker_group.ts";

/** Each run takes well under a second on the solution; a Worker that never wakes fails its test after this. */
const LIMIT_MS = 6000;

// Loaded inside each test, after the harness above.
const loadCounter = () => import("./counter.ts");

describe("counter (hidden)", () => {
  it("over five rounds, four Workers x 1 000 000 increments of one cell always total exactly 4 000 000", async () => {
    const group = await WorkerGroup.start(4);
    try {
      const times = 1_000_000;
      for (let round = 1; round <= 5; round++) {
        const buffer = new SharedArrayBuffer(4);
        await group.run(
          Array.from({ length: 4 }, () => ({ kind: "increment", index: 0, times })),
          buffer,
          LIMIT_MS,
        );
        const count = new Int32Array(buffer)[0];
        assert.equal(count, 4 * times, `round ${round}: ${4 * times - count} increments lost`);
      }
    } finally {
      group.terminate();
    }
  });

  it("two pairs of Workers on two cells of one buffer each get their own exact count, and the cells between stay 0", async () => {
    const group = await WorkerGroup.start(4);
    try {
      const times = 200_000;
      const buffer = new SharedArrayBuffer(4 * 4);
      await group.run(
        [
          { kind: "increment", index: 1, times },
          { kind: "increment", index: 3, times },
          { kind: "increment", index: 1, times },
          { kind: "increment", index: 3, times },
        ],
        buffer,
        LIMIT_MS,
      );
      assert.deepEqual(Array.from(new Int32Array(buffer)), [0, 2 * times, 0, 2 * times]);
    } finally {
      group.terminate();
    }
  });

  it("incrementShared adds to what the cell already holds, and times 0 changes nothing", async () => {
    const { incrementShared } = await loadCounter();
    const cells = new Int32Array(new SharedArrayBuffer(8));
    cells[1] = -10;
    incrementShared(cells, 1, 25);
    assert.equal(cells[1], 15);
    incrementShared(cells, 0, 0);
    assert.deepEqual(Array.from(cells), [0, 15]);
  });

  it("over three rounds, four Workers x 200 000 tickets from a counter at 1000 get each of 1000..800 999 exactly once", async () => {
    const group = await WorkerGroup.start(4);
    try {
      const times = 200_000;
      for (let round = 1; round <= 3; round++) {
        const buffer = new SharedArrayBuffer(8);
        new Int32Array(buffer)[1] = 1000;
        const perWorker = await group.run(
          Array.from({ length: 4 }, () => ({ kind: "tickets", index: 1, times })),
          buffer,
          LIMIT_MS,
        );
        const seen = new Uint8Array(4 * times);
        let duplicates = 0;
        for (const tickets of perWorker) {
          for (const t of tickets) {
            assert.ok(
              t >= 1000 && t < 1000 + 4 * times,
              `round ${round}: ticket ${t} out of range`,
            );
            if (seen[t - 1000]++) duplicates++;
          }
        }
        assert.equal(duplicates, 0, `round ${round}: ${duplicates} tickets handed out twice`);
        assert.equal(new Int32Array(buffer)[1], 1000 + 4 * times);
      }
    } finally {
      group.terminate();
    }
  });

  it("each Worker's own tickets increase: a ticket is the value before that Worker's add", async () => {
    const group = await WorkerGroup.start(2);
    try {
      const perWorker = await group.run(
        [
          { kind: "tickets", index: 0, times: 50_000 },
          { kind: "tickets", index: 0, times: 50_000 },
        ],
        new SharedArrayBuffer(4),
        LIMIT_MS,
      );
      for (const [w, tickets] of perWorker.entries()) {
        const bad = tickets.findIndex((t, i) => i > 0 && t <= tickets[i - 1]);
        assert.equal(
          bad,
          -1,
          `Worker ${w}: ticket ${bad} (${tickets[bad]}) not above the one before`,
        );
      }
      assert.equal(Math.min(perWorker[0][0], perWorker[1][0]), 0, "nobody got ticket 0");
    } finally {
      group.terminate();
    }
  });
});
