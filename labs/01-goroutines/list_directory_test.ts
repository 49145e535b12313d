import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { context, runtime } from "../primitives/mod.ts";
import { realTurns } from "../primitives/testing.ts";
import {
  type DirEntry,
  listDirectory,
  listDirectoryChan,
  ListDirectoryError,
  type ReadDir,
} from "./list_directory.ts";

/** What a fake directory did: which entries it handed out and whether it was closed. */
interface SourceLog {
  yielded: string[];
  closed: boolean;
}

/**
 * An in-memory directory shaped like `Deno.readDir`: yields `names` in order,
 * then fails with `failWith` if given, and records when the walk closes it.
 */
function fakeDirectory(names: string[], failWith?: Error): { readDir: ReadDir; log: SourceLog } {
  const log: SourceLog = { yielded: [], closed: false };
  async function* readDir(_dir: string): AsyncGenerator<DirEntry> {
    try {
      for (const name of names) {
        log.yielded.push(name);
        yield { name, isFile: !name.endsWith("/"), isDirectory: name.endsWith("/") };
      }
      if (failWith !== undefined) throw failWith;
    } finally {
      log.closed = true;
    }
  }
  return { readDir, log };
}

const photos = ["a.jpg", "b.jpg", "c.jpg", "d.jpg", "e.jpg"];

const { settle } = realTurns(10);

describe("listDirectory (callback form)", () => {
  it("listDirectory visits every entry once, in the order the source yields them", async () => {
    const { readDir, log } = fakeDirectory(["notes.md", "src/", "deno.json"]);
    const visited: DirEntry[] = [];
    await listDirectory(readDir, "/project", (entry) => {
      visited.push(entry);
    });
    assert.deepEqual(visited.map((entry) => entry.name), ["notes.md", "src/", "deno.json"]);
    assert.equal(visited[1].isDirectory, true);
    assert.equal(log.closed, true);
  });

  it("listDirectory stops reading and closes the source when visit returns false", async () => {
    const { readDir, log } = fakeDirectory(photos);
    const visited: string[] = [];
    await listDirectory(readDir, "/photos", (entry) => {
      visited.push(entry.name);
      return entry.name !== "b.jpg";
    });
    assert.deepEqual(visited, ["a.jpg", "b.jpg"]);
    assert.deepEqual(
      log.yielded,
      ["a.jpg", "b.jpg"],
      "the walk kept reading after visit said stop",
    );
    assert.equal(log.closed, true, "the source was not closed when the walk stopped early");
  });

  it("listDirectory rejects with a ListDirectoryError naming the directory when the source fails", async () => {
    const denied = new Error("permission denied");
    const { readDir } = fakeDirectory(["a.jpg"], denied);
    const visited: string[] = [];
    const listing = listDirectory(readDir, "/root/private", (entry) => {
      visited.push(entry.name);
    });
    await assert.rejects(listing, (error: unknown) => {
      assert.ok(error instanceof ListDirectoryError, `expected a ListDirectoryError, got ${error}`);
      assert.equal(error.dir, "/root/private");
      assert.equal(error.cause, denied);
      assert.match(error.message, /\/root\/private/);
      assert.match(error.message, /permission denied/);
      return true;
    });
    assert.deepEqual(visited, ["a.jpg"]);
  });

  it("listDirectory waits for an async visit to finish before reading the next entry", async () => {
    const { readDir, log } = fakeDirectory(["one", "two", "three"]);
    const trace: string[] = [];
    await listDirectory(readDir, "/", async (entry) => {
      trace.push(`start ${entry.name} (read so far: ${log.yielded.length})`);
      await Promise.resolve();
      trace.push(`end ${entry.name}`);
    });
    assert.deepEqual(trace, [
      "start one (read so far: 1)",
      "end one",
      "start two (read so far: 2)",
      "end two",
      "start three (read so far: 3)",
      "end three",
    ]);
  });

  it("listDirectory lets an error thrown by visit through unchanged, not wrapped", async () => {
    const { readDir } = fakeDirectory(photos);
    const broken = new TypeError("thumbnail failed");
    await assert.rejects(
      listDirectory(readDir, "/photos", () => {
        throw broken;
      }),
      (error) => error === broken,
    );
  });
});

describe("listDirectoryChan (channel form)", () => {
  it("listDirectoryChan delivers every entry, then closes the channel with err() null", async () => {
    const checkpoint = runtime.checkpoint();
    const { readDir, log } = fakeDirectory(photos);
    const listing = listDirectoryChan(context.background(), readDir, "/photos");
    const received: string[] = [];
    for await (const entry of listing.entries) received.push(entry.name);
    assert.deepEqual(received, photos);
    assert.equal(listing.err(), null);
    assert.equal(log.closed, true);
    await runtime.assertNoLeaks(checkpoint);
  });

  it("listDirectoryChan's task ends when the caller cancels after reading part of the listing", async () => {
    const checkpoint = runtime.checkpoint();
    const { readDir, log } = fakeDirectory(photos);
    const [ctx, cancel] = context.withCancel(context.background());
    const listing = listDirectoryChan(ctx, readDir, "/photos");
    const [first] = await listing.entries.recv();
    const [second] = await listing.entries.recv();
    assert.deepEqual([first?.name, second?.name], ["a.jpg", "b.jpg"]);
    await settle(); // the listing task goes as far as it can before the cancel, every run
    cancel(); // the caller has what it wanted and walks away
    await runtime.assertNoLeaks(checkpoint);
    assert.equal(log.closed, true, "the source was not closed when the caller cancelled");
    assert.equal(listing.err(), context.Canceled);
  });

  it("listDirectoryChan reports a source failure through err() once the channel has closed", async () => {
    const denied = new Error("permission denied");
    const { readDir } = fakeDirectory(["a.jpg", "b.jpg"], denied);
    const listing = listDirectoryChan(context.background(), readDir, "/root/private");
    const received: string[] = [];
    for await (const entry of listing.entries) received.push(entry.name);
    assert.deepEqual(received, ["a.jpg", "b.jpg"]);
    const error = listing.err();
    assert.ok(error instanceof ListDirectoryError, `expected a ListDirectoryError, got ${error}`);
    assert.equal(error.cause, denied);
  });
  it("listDirectoryChan reads no further ahead than the entry it is waiting to hand over", async () => {
    const { readDir, log } = fakeDirectory(photos);
    const [ctx, cancel] = context.withCancel(context.background());
    try {
      const listing = listDirectoryChan(ctx, readDir, "/photos");
      await listing.entries.recv();
      await listing.entries.recv();
      await settle();
      assert.deepEqual(
        log.yielded,
        ["a.jpg", "b.jpg", "c.jpg"],
        "with an unbuffered channel the task holds one entry while it waits for a receiver",
      );
    } finally {
      cancel();
    }
  });
});
