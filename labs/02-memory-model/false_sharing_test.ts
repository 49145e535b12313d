import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { SharedWorkerGroup } from "./worker_group.ts";
import { CACHE_LINE_BYTES, counterBytes, counterIndex, type Layout } from "./false_sharing.ts";

const BYTES = Int32Array.BYTES_PER_ELEMENT;

// One group for the file: starting Workers costs more CPU than the runs.
const workers = new SharedWorkerGroup(4);
after(() => workers.terminate());

describe("false sharing", () => {
  it("adjacent counters sit in consecutive cells", () => {
    assert.deepEqual([0, 1, 2, 3].map((w) => counterIndex(w, "adjacent")), [0, 1, 2, 3]);
  });

  it("padded counters sit exactly one 64-byte cache line apart", () => {
    const offsets = [0, 1, 2, 3].map((w) => counterIndex(w, "padded") * BYTES);
    assert.deepEqual(offsets, [0, 64, 128, 192], "byte offsets of the padded counters");
  });

  it("counterBytes holds every counter, in whole cache lines when padded", () => {
    assert.equal(counterBytes(4, "adjacent"), 4 * BYTES);
    assert.equal(counterBytes(4, "padded"), 4 * CACHE_LINE_BYTES);
  });

  it("counterIndex and counterBytes reject a negative number with a RangeError", () => {
    assert.throws(() => counterIndex(-1, "padded"), RangeError);
    assert.throws(() => counterBytes(0, "padded"), RangeError);
  });

  for (const layout of ["adjacent", "padded"] as Layout[]) {
    it(`four Workers counting ${layout} counters each count exactly their own hits`, async () => {
      const group = await workers.get();
      const times = 100_000;
      const buffer = new SharedArrayBuffer(counterBytes(4, layout));
      await group.run(
        [0, 1, 2, 3].map((worker) => ({ kind: "hits", worker, layout, times })),
        buffer,
      );
      const cells = new Int32Array(buffer);
      const counts = [0, 1, 2, 3].map((w) => cells[counterIndex(w, layout)]);
      assert.deepEqual(counts, [times, times, times, times]);
    });
  }
});
