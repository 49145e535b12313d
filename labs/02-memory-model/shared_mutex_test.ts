import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Panic } from "../primitives/mod.ts";
import { SharedWorkerGroup } from "./worker_group.ts";
import { LOCKED, PAIR_CELLS, PairCounter, SharedMutex, UNLOCKED } from "./shared_mutex.ts";

// One group for the file: starting Workers costs more CPU than a round of the tests.
const workers = new SharedWorkerGroup(4);
after(() => workers.terminate());

describe("shared mutex", () => {
  it("lock, tryLock and unlock move the cell between UNLOCKED and LOCKED, seen from any view of it", () => {
    const cells = new Int32Array(new SharedArrayBuffer(4));
    const mu = new SharedMutex(cells, 0);
    mu.lock();
    assert.equal(cells[0], LOCKED, "lock() did not store LOCKED in the cell");
    assert.equal(mu.tryLock(), false, "tryLock() took a mutex that was already locked");
    mu.unlock();
    assert.equal(cells[0], UNLOCKED, "unlock() did not store UNLOCKED in the cell");
    assert.equal(mu.tryLock(), true, "tryLock() refused a free mutex");
    assert.equal(cells[0], LOCKED);
    // Another Worker's view of the same cell is the same mutex, and may unlock it, as in Go.
    new SharedMutex(cells, 0).unlock();
    assert.equal(cells[0], UNLOCKED);
  });

  it("unlock of an unlocked mutex panics with Go's message", () => {
    const cells = new Int32Array(new SharedArrayBuffer(4));
    const mu = new SharedMutex(cells, 0);
    assert.throws(
      () => mu.unlock(),
      (error: unknown) =>
        error instanceof Panic && error.message === "sync: unlock of unlocked mutex",
    );
    assert.equal(cells[0], UNLOCKED, "a failed unlock changed the cell");
  });

  it("a PairCounter bumps and reads both counters", () => {
    const pair = new PairCounter(new Int32Array(new SharedArrayBuffer(PAIR_CELLS * 4)));
    pair.bump();
    pair.bump();
    assert.deepEqual(pair.read(), [2, 2]);
  });

  it("lock() in a Worker waits until the Worker holding the mutex unlocks it", async () => {
    const group = await workers.get();
    // cells: [mutex, mark]; the holder sets mark 1 once it holds the mutex, 2 just before unlocking.
    const [, mark] = await group.run([
      { kind: "hold", mutexIndex: 0, markIndex: 1, holdMs: 200 },
      { kind: "lockAfter", mutexIndex: 0, markIndex: 1 },
    ], new SharedArrayBuffer(8));
    assert.equal(mark, 2, "the second Worker got the mutex while the first still held it");
  });

  it("four Workers bumping one PairCounter lose no bump and never read a != b", async () => {
    const group = await workers.get();
    // Two Workers must be inside bump() or read() at the same moment for a
    // race to show. Each Worker reports the reads that found another Worker's
    // bump since its previous read: the rounds go on until 2000 such reads
    // (or, on a busy machine, for up to 6 rounds, each twice as long), which
    // makes a race near certain to show for an unguarded pair, and changes
    // nothing for a guarded one.
    let interleaved = 0;
    for (let round = 1; round <= 6 && interleaved < 2000; round++) {
      const times = Math.min(200_000, 20_000 * 2 ** (round - 1));
      const buffer = new SharedArrayBuffer(PAIR_CELLS * 4);
      const reports = await group.run(
        Array.from({ length: 4 }, () => ({ kind: "pairs", offset: 0, times, readEvery: 4 })),
        buffer,
      );
      for (const [i, report] of reports.entries()) {
        assert.equal(
          report.violations,
          0,
          `round ${round}: Worker ${i} read a != b ${report.violations} times out of ` +
            `${report.reads}, first ${JSON.stringify(report.first)}: a read came between the ` +
            `two increments of a bump`,
        );
      }
      const [, a, b] = new Int32Array(buffer);
      assert.deepEqual([a, b], [4 * times, 4 * times], `round ${round}: bumps were lost`);
      interleaved += reports.reduce((n, r) => n + r.interleaved, 0);
    }
  });
});
