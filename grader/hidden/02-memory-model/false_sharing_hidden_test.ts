import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { workers } from "./hidden_workers.ts";

/** Each run takes well under a second on the solution; a Worker that never wakes fails its test after this. */
const LIMIT_MS = 6000;

// Loaded inside each test, after the harness above.
const loadFalseSharing = () => import("./false_sharing.ts");

describe("false sharing (hidden)", () => {
  it("no two of 64 padded counters share a 64-byte line, even when the buffer starts mid-line", async () => {
    const { counterIndex } = await loadFalseSharing();
    const offsets = Array.from({ length: 64 }, (_, w) => counterIndex(w, "padded") * 4);
    for (const start of [0, 4, 32, 60]) {
      const lines = new Set(offsets.map((o) => Math.floor((start + o) / 64)));
      assert.equal(lines.size, 64, `with the buffer starting ${start} bytes into a line`);
    }
    assert.deepEqual(
      offsets.slice(60),
      [60 * 64, 61 * 64, 62 * 64, 63 * 64],
      "padding wastes no more than a line",
    );
  });

  it("adjacent counters of 64 Workers are cells 0 to 63", async () => {
    const { counterIndex } = await loadFalseSharing();
    const indexes = Array.from({ length: 64 }, (_, w) => counterIndex(w, "adjacent"));
    assert.deepEqual(indexes, Array.from({ length: 64 }, (_, w) => w));
  });

  it("counterBytes fits the last counter exactly and is a whole number of lines when padded, for 1 to 9 Workers", async () => {
    const { counterBytes, counterIndex } = await loadFalseSharing();
    for (let workers = 1; workers <= 9; workers++) {
      for (const layout of ["adjacent", "padded"] as const) {
        const bytes = counterBytes(workers, layout);
        assert.ok(
          (counterIndex(workers - 1, layout) + 1) * 4 <= bytes,
          `${workers} ${layout}: too small`,
        );
      }
      assert.equal(counterBytes(workers, "padded"), workers * 64, `${workers} padded`);
      assert.equal(counterBytes(workers, "adjacent"), workers * 4, `${workers} adjacent`);
    }
  });

  it("counterIndex and counterBytes reject a Worker number or count that is not a valid integer", async () => {
    const { counterBytes, counterIndex } = await loadFalseSharing();
    for (const w of [-1, 1.5, Number.NaN]) {
      assert.throws(() => counterIndex(w, "padded"), RangeError, `counterIndex(${w})`);
    }
    for (const n of [0, -2, 2.5]) {
      assert.throws(() => counterBytes(n, "adjacent"), RangeError, `counterBytes(${n})`);
    }
  });

  it("two Workers x 10 000 hits, in both layouts, leave exactly their own counts and nothing else", async () => {
    const { counterBytes, counterIndex } = await loadFalseSharing();
    // Two Workers are enough to check where each one counts; part 5's benchmark measures the cost.
    const group = await workers.get();
    const times = 10_000;
    for (const layout of ["adjacent", "padded"] as const) {
      const buffer = new SharedArrayBuffer(counterBytes(2, layout));
      await group.run(
        [0, 1].map((worker) => ({ kind: "hits", worker, layout, times })),
        buffer,
        LIMIT_MS,
      );
      const cells = new Int32Array(buffer);
      const total = cells.reduce((a, b) => a + b, 0);
      assert.equal(total, 2 * times, `${layout}: the counts add up to ${total}`);
      for (const w of [0, 1]) {
        assert.equal(cells[counterIndex(w, layout)], times, `${layout}: Worker ${w}'s counter`);
      }
    }
  });
});
