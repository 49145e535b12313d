import { describe, it } from "node:test";
import assert from "node:assert/strict";
import FakeTimers from "@sinonjs/fake-timers";
import { context, runtime } from "../primitives/mod.ts";
import { realTurns } from "../primitives/testing.ts";

// Loaded inside each test, after the helpers above.
const loadListDirectory = () => import("./list_directory.ts");

const { settle } = realTurns(5);

interface Entry {
  readonly name: string;
  readonly isFile: boolean;
  readonly isDirectory: boolean;
}

interface SourceLog {
  yielded: string[];
  closed: boolean;
}

/** An in-memory directory: yields `names`, then throws `failWith` if given; records closing. */
function fakeDirectory(names: string[], failWith?: Error) {
  const log: SourceLog = { yielded: [], closed: false };
  async function* readDir(_dir: string): AsyncGenerator<Entry> {
    try {
      for (const name of names) {
        log.yielded.push(name);
        yield { name, isFile: true, isDirectory: false };
      }
      if (failWith !== undefined) throw failWith;
    } finally {
      log.closed = true;
    }
  }
  return { readDir, log };
}

const files = Array.from({ length: 8 }, (_, i) => `file-${i}.txt`);

describe("listDirectory (hidden)", () => {
  it("listDirectory stopped after k entries reads exactly k entries and closes the source, for every k", async () => {
    const { listDirectory } = await loadListDirectory();
    for (let k = 1; k <= files.length; k++) {
      const { readDir, log } = fakeDirectory(files);
      let visits = 0;
      await listDirectory(readDir, "/data", () => {
        visits++;
        return visits < k;
      });
      assert.equal(visits, k, `stopping at entry ${k}: visit ran ${visits} times`);
      assert.deepEqual(log.yielded, files.slice(0, k), `stopping at entry ${k}: read too far`);
      assert.equal(log.closed, true, `stopping at entry ${k}: the source was left open`);
    }
  });

  it("listDirectory rejects with visit's own error, unchanged, and closes the source when visit throws", async () => {
    const { listDirectory, ListDirectoryError } = await loadListDirectory();
    const { readDir, log } = fakeDirectory(files);
    const invalid = new TypeError("thumbnail generator crashed");
    await assert.rejects(
      listDirectory(readDir, "/data", (entry) => {
        if (entry.name === "file-2.txt") throw invalid;
      }),
      (error: unknown) => {
        assert.equal(error, invalid, "visit's error was replaced or wrapped");
        assert.equal(error instanceof ListDirectoryError, false);
        return true;
      },
    );
    assert.deepEqual(log.yielded, files.slice(0, 3));
    assert.equal(log.closed, true, "the source was left open after visit threw");
  });

  it("listDirectory stops when an async visit resolves to false, and continues on true or undefined", async () => {
    const { listDirectory } = await loadListDirectory();
    const { readDir, log } = fakeDirectory(files);
    const verdicts: (boolean | undefined)[] = [true, undefined, true, false];
    const visited: string[] = [];
    await listDirectory(readDir, "/data", async (entry) => {
      visited.push(entry.name);
      await settle(1);
      return verdicts[visited.length - 1];
    });
    assert.deepEqual(visited, files.slice(0, 4));
    assert.equal(log.closed, true);
  });

  it("listDirectory starts no task: the walk runs in the caller's own flow", async () => {
    const { listDirectory } = await loadListDirectory();
    const { readDir } = fakeDirectory(files);
    const tasksBefore = runtime.numGoroutine();
    const tasksSeen: number[] = [];
    await listDirectory(readDir, "/data", () => {
      tasksSeen.push(runtime.numGoroutine());
    });
    assert.deepEqual(tasksSeen, files.map(() => tasksBefore), "listDirectory started a task");
    assert.equal(runtime.numGoroutine(), tasksBefore);
  });

  it("listDirectory wraps a source that fails before yielding anything, and never calls visit", async () => {
    const { listDirectory, ListDirectoryError } = await loadListDirectory();
    const notFound = new Error("No such file or directory (os error 2)");
    const missing = (_dir: string): AsyncIterable<Entry> => {
      throw notFound;
    };
    let visits = 0;
    await assert.rejects(
      listDirectory(missing, "/nope", () => {
        visits++;
      }),
      (error: unknown) => {
        assert.ok(error instanceof ListDirectoryError, `expected ListDirectoryError, got ${error}`);
        assert.equal(error.cause, notFound);
        assert.equal(error.dir, "/nope");
        return true;
      },
    );
    assert.equal(visits, 0);
  });

  it("listDirectory on an empty directory resolves without calling visit", async () => {
    const { listDirectory } = await loadListDirectory();
    const { readDir, log } = fakeDirectory([]);
    let visits = 0;
    await listDirectory(readDir, "/empty", () => {
      visits++;
    });
    assert.equal(visits, 0);
    assert.equal(log.closed, true);
  });
});

describe("listDirectoryChan (hidden)", () => {
  it("listDirectoryChan cancelled after k entries, for every k, leaves nothing behind and closes the source", async () => {
    const { listDirectoryChan } = await loadListDirectory();
    for (let k = 0; k < files.length; k++) {
      const checkpoint = runtime.checkpoint();
      const { readDir, log } = fakeDirectory(files);
      const [ctx, cancel] = context.withCancel(context.background());
      const listing = listDirectoryChan(ctx, readDir, "/data");
      const received: string[] = [];
      for (let i = 0; i < k; i++) {
        const [entry, ok] = await listing.entries.recv();
        assert.equal(ok, true, `entry ${i} missing`);
        received.push(entry!.name);
      }
      assert.deepEqual(received, files.slice(0, k));
      cancel();
      const report = await runtime.leaks(checkpoint);
      assert.equal(report, null, `cancelled after ${k} entries: ${report}`);
      assert.equal(log.closed, true, `cancelled after ${k} entries: the source was left open`);
      assert.equal(listing.err(), context.Canceled, `cancelled after ${k} entries: err()`);
      assert.deepEqual(
        await listing.entries.recv(),
        [undefined, false],
        "the channel was not closed",
      );
    }
  });

  it("listDirectoryChan whose reader stalls past the context's deadline ends with err() DeadlineExceeded", async () => {
    const { listDirectoryChan } = await loadListDirectory();
    const clock = FakeTimers.install();
    try {
      const checkpoint = runtime.checkpoint();
      const { readDir, log } = fakeDirectory(files);
      const [ctx, cancel] = context.withTimeout(context.background(), 100);
      const listing = listDirectoryChan(ctx, readDir, "/data");
      const [first] = await listing.entries.recv();
      assert.equal(first?.name, "file-0.txt");
      await clock.tickAsync(99);
      await settle();
      assert.equal(listing.err(), null, "err() reported a failure while the listing was running");
      await clock.tickAsync(1);
      await runtime.assertNoLeaks(checkpoint);
      assert.equal(listing.err(), context.DeadlineExceeded);
      assert.equal(log.closed, true);
      cancel();
    } finally {
      clock.uninstall();
    }
  });

  it("listDirectoryChan cancelled before anyone receives closes an empty channel with err() Canceled", async () => {
    const { listDirectoryChan } = await loadListDirectory();
    const checkpoint = runtime.checkpoint();
    const { readDir } = fakeDirectory(files);
    const [ctx, cancel] = context.withCancel(context.background());
    const listing = listDirectoryChan(ctx, readDir, "/data");
    cancel();
    await runtime.assertNoLeaks(checkpoint);
    assert.deepEqual(await listing.entries.recv(), [undefined, false]);
    assert.equal(listing.err(), context.Canceled);
  });

  it("listDirectoryChan keeps err() null when the caller cancels after the listing completed", async () => {
    const { listDirectoryChan } = await loadListDirectory();
    const { readDir } = fakeDirectory(files);
    const [ctx, cancel] = context.withCancel(context.background());
    const listing = listDirectoryChan(ctx, readDir, "/data");
    const received: string[] = [];
    for await (const entry of listing.entries) received.push(entry.name);
    cancel();
    await settle();
    assert.deepEqual(received, files);
    assert.equal(listing.err(), null, "a cancel after the end was reported as a failure");
  });

  it("listDirectoryChan under 30 seeds of random reader pauses and cancel points never leaks", async () => {
    const { listDirectoryChan } = await loadListDirectory();
    for (let seed = 1; seed <= 30; seed++) {
      const checkpoint = runtime.checkpoint();
      const { readDir, log } = fakeDirectory(files);
      const [ctx, cancel] = context.withCancel(context.background());
      const listing = listDirectoryChan(ctx, readDir, "/data");
      const stopAfter = seed % (files.length + 1);
      let received = 0;
      while (received < stopAfter) {
        const [, ok] = await listing.entries.recv();
        if (!ok) break;
        received++;
        await settle(seed % 3); // a reader of varying speed
      }
      cancel();
      const report = await runtime.leaks(checkpoint);
      assert.equal(report, null, `seed ${seed}, stopped after ${stopAfter}: ${report}`);
      assert.equal(log.closed, true, `seed ${seed}: the source was left open`);
    }
  });
});
