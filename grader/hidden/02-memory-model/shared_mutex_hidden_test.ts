import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Panic } from "../primitives/mod.ts";
import { workers } from "./hidden_workers.ts";

/** Each run takes well under a second on the solution; a Worker that never wakes fails its test after this. */
const LIMIT_MS = 6000;

// Loaded inside each test, after the harness above.
const loadMutex = () => import("./shared_mutex.ts");

describe("shared mutex (hidden)", () => {
  it("two SharedMutex objects on one cell, as two Workers have them, exclude each other", async () => {
    const { SharedMutex } = await loadMutex();
    const cells = new Int32Array(new SharedArrayBuffer(4));
    const mine = new SharedMutex(cells, 0);
    const theirs = new SharedMutex(cells, 0);
    mine.lock();
    assert.equal(theirs.tryLock(), false, "a second view of the cell took a locked mutex");
    theirs.unlock(); // Go allows unlocking from another goroutine
    assert.equal(mine.tryLock(), true);
    mine.unlock();
  });

  it("a mutex in cell 2 uses only cell 2, and mutexes in different cells are independent", async () => {
    const { SharedMutex, LOCKED } = await loadMutex();
    const cells = new Int32Array(new SharedArrayBuffer(16));
    const a = new SharedMutex(cells, 2);
    const b = new SharedMutex(cells, 3);
    a.lock();
    assert.deepEqual(Array.from(cells), [0, 0, LOCKED, 0]);
    assert.equal(b.tryLock(), true, "locking cell 2 made the mutex in cell 3 look locked");
    a.unlock();
    b.unlock();
    assert.deepEqual(Array.from(cells), [0, 0, 0, 0]);
  });

  it("a second unlock panics and the mutex stays unlocked and usable", async () => {
    const { SharedMutex, UNLOCKED } = await loadMutex();
    const cells = new Int32Array(new SharedArrayBuffer(4));
    const mu = new SharedMutex(cells, 0);
    mu.lock();
    mu.unlock();
    assert.throws(
      () => mu.unlock(),
      (e: unknown) => e instanceof Panic && /unlock of unlocked/.test(e.message),
    );
    assert.equal(cells[0], UNLOCKED, "a failed unlock changed the cell");
    assert.equal(mu.tryLock(), true);
  });

  // A race shows only while Workers really run at the same moment: the rounds go on until the
  // Workers' reads show that they interleaved enough for one to have shown (on a machine with a
  // free core per Worker, the first rounds). A busy machine runs short loops one after another,
  // each within its time slice; so each round is twice as long as the one before, up to loops
  // long enough to be preempted midway, and as many bumps in all as a fixed-size test takes.
  // Enough: with four graders' runs at once on two cores, every round of the racy mutants
  // (pair-read-unlocked, pair-two-critical-sections, mutex-check-then-set) with more than 75 such
  // reads showed its race, in 336 rounds measured; 1 000 in all needs a round of over 140.
  it("four Workers bumping with a read every second never see a != b and lose nothing, in rounds of 20 000 bumps each, doubling up to 300 000, until 1 000 reads came right after another Worker's bump (at most 7 rounds)", async () => {
    const { PAIR_CELLS } = await loadMutex();
    const group = await workers.get();
    let interleaved = 0;
    for (let round = 1; round <= 7 && interleaved < 1_000; round++) {
      const times = Math.min(300_000, 20_000 * 2 ** (round - 1));
      const buffer = new SharedArrayBuffer(PAIR_CELLS * 4);
      const reports = await group.run(
        Array.from({ length: 4 }, () => ({ kind: "pairs", offset: 0, times, readEvery: 2 })),
        buffer,
        LIMIT_MS,
      );
      const violations = reports.reduce((n, r) => n + r.violations, 0);
      const first = reports.find((r) => r.first !== null)?.first;
      assert.equal(
        violations,
        0,
        `round ${round}: ${violations} reads saw a != b, first [${first}]`,
      );
      const [, a, b] = new Int32Array(buffer);
      assert.deepEqual([a, b], [4 * times, 4 * times], `round ${round}: bumps lost`);
      interleaved += reports.reduce((n, r) => n + r.interleaved, 0);
    }
  });

  it("two PairCounters at different offsets of one buffer, two Workers x 20 000 bumps each, stay apart and exact", async () => {
    const { PAIR_CELLS } = await loadMutex();
    const group = await workers.get();
    const times = 20_000;
    const offset = PAIR_CELLS + 1; // one unused cell between them
    const buffer = new SharedArrayBuffer((offset + PAIR_CELLS) * 4);
    const reports = await group.run(
      [
        { kind: "pairs", offset: 0, times, readEvery: 2 },
        { kind: "pairs", offset, times, readEvery: 2 },
        { kind: "pairs", offset: 0, times, readEvery: 2 },
        { kind: "pairs", offset, times, readEvery: 2 },
      ],
      buffer,
      LIMIT_MS,
    );
    assert.equal(reports.reduce((n, r) => n + r.violations, 0), 0);
    const cells = Array.from(new Int32Array(buffer));
    assert.deepEqual(cells, [0, 2 * times, 2 * times, 0, 0, 2 * times, 2 * times]);
  });

  it("over three rounds, a Worker that asks while another holds the mutex for 50 ms gets it only after the unlock", async () => {
    const group = await workers.get();
    for (let round = 1; round <= 3; round++) {
      const [, mark] = await group.run(
        [
          { kind: "hold", mutexIndex: 0, markIndex: 1, holdMs: 50 },
          { kind: "lockAfter", mutexIndex: 0, markIndex: 1 },
        ],
        new SharedArrayBuffer(8),
        LIMIT_MS,
      );
      assert.equal(mark, 2, `round ${round}: the mutex was taken while still held`);
    }
  });

  it("a Worker sleeping in lock() is woken by unlock(): four Workers each taking the mutex 2000 times all finish", async () => {
    const group = await workers.get();
    const buffer = new SharedArrayBuffer(12);
    // readEvery 1: every bump is followed by a read, so the mutex changes hands constantly.
    const reports = await group.run(
      Array.from({ length: 4 }, () => ({ kind: "pairs", offset: 0, times: 2000, readEvery: 1 })),
      buffer,
      LIMIT_MS,
    );
    assert.equal(reports.length, 4);
    assert.deepEqual(Array.from(new Int32Array(buffer)), [0, 8000, 8000]);
  });
});
