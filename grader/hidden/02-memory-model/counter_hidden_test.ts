import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { workers } from "./hidden_workers.ts";

/** Each run takes well under a second on the solution; a Worker that never wakes fails its test after this. */
const LIMIT_MS = 6000;
/*
 * A race shows only while Workers really run at the same moment. The racing
 * tests below repeat rounds until the Workers' own reports show that they ran
 * interleaved enough for a race to have shown: on a machine with a free core
 * per Worker that is the first round or two. A busy machine runs short loops
 * one after another, each within its time slice, where no race can show; so
 * each round is twice as long as the one before, up to loops long enough to
 * be preempted midway, and as many steps in all as a fixed-size test takes.
 * How much interleaving is enough was measured on the racy mutants, with four
 * graders' runs at once on two cores: every ticket round with more than 11
 * tickets taken right after another Worker's showed a duplicate (112 rounds),
 * so 5 000 in all needs a round of over 700 and leaves a wide margin.
 */

// Loaded inside each test, after the harness above.
const loadCounter = () => import("./counter.ts");

describe("counter (hidden)", () => {
  it("four Workers incrementing one cell lose no increment in rounds of 100 000 each, doubling up to 1 000 000, until 20 of their 10 000-increment calls ran at once with another Worker's (at most 12 rounds)", async () => {
    const group = await workers.get();
    let interleaved = 0;
    for (let round = 1; round <= 12 && interleaved < 20; round++) {
      const times = Math.min(1_000_000, 100_000 * 2 ** (round - 1));
      const buffer = new SharedArrayBuffer(4);
      const perWorker = await group.run(
        Array.from({ length: 4 }, () => ({ kind: "increment", index: 0, times })),
        buffer,
        LIMIT_MS,
      );
      const count = new Int32Array(buffer)[0];
      assert.equal(count, 4 * times, `round ${round}: ${4 * times - count} increments lost`);
      interleaved += perWorker.reduce((a, b) => a + b, 0);
    }
  });

  it("two pairs of Workers on two cells of one buffer each get their own exact count, and the cells between stay 0", async () => {
    const group = await workers.get();
    const times = 20_000;
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

  it("four Workers taking tickets from a counter at 1000 get each number from 1000 on exactly once in rounds of 10 000 each, doubling up to 200 000, until 5 000 tickets were taken right after another Worker's (at most 7 rounds)", async () => {
    const group = await workers.get();
    let interleaved = 0;
    for (let round = 1; round <= 7 && interleaved < 5_000; round++) {
      const times = Math.min(200_000, 10_000 * 2 ** (round - 1));
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
        for (const [i, t] of tickets.entries()) {
          assert.ok(t >= 1000 && t < 1000 + 4 * times, `round ${round}: ticket ${t} out of range`);
          if (seen[t - 1000]++) duplicates++;
          // A ticket that is not the one after this Worker's previous one: another Worker took one between.
          if (i > 0 && t !== tickets[i - 1] + 1) interleaved++;
        }
      }
      assert.equal(duplicates, 0, `round ${round}: ${duplicates} tickets handed out twice`);
      assert.equal(new Int32Array(buffer)[1], 1000 + 4 * times);
    }
  });

  it("each Worker's own tickets increase: a ticket is the value before that Worker's add", async () => {
    const group = await workers.get();
    const perWorker = await group.run(
      [
        { kind: "tickets", index: 0, times: 5_000 },
        { kind: "tickets", index: 0, times: 5_000 },
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
  });
});
