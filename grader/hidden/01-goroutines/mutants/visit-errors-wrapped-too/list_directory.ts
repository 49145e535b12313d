// Mutant: listDirectory wraps every error in a ListDirectoryError, including the ones visit throws.
/**
 * Lab 01, part 2: leave concurrency to the caller.
 *
 * Two ways to list a directory. {@linkcode listDirectory} hands each entry to
 * a callback and starts no task at all: a caller who wants it in the
 * background wraps the call in `go()` itself. {@linkcode listDirectoryChan}
 * streams entries over a channel from a task of its own, and takes a context
 * so that a caller who stops reading early can let that task end.
 *
 * The directory source is a parameter, so tests pass an in-memory fake and
 * programs pass `Deno.readDir` (or an adapter over `node:fs/promises`).
 *
 * @module
 */
import { Chan, type context, go, type ReceiveChan, recv, select, send } from "../primitives/mod.ts";

/**
 * One directory entry: the fields of `Deno.DirEntry` that the lab needs, so a
 * `Deno.DirEntry` can be passed as is.
 *
 * @example
 * ```ts
 * import type { DirEntry } from "./list_directory.ts";
 *
 * const entry: DirEntry = { name: "notes.md", isFile: true, isDirectory: false };
 * ```
 */
export interface DirEntry {
  /** The entry's name within its directory, without a path. */
  readonly name: string;
  /** Whether the entry is a regular file. */
  readonly isFile: boolean;
  /** Whether the entry is a directory. */
  readonly isDirectory: boolean;
}

/**
 * Where entries come from: a function shaped like `Deno.readDir`, yielding the
 * entries of `dir` one at a time. The walk may stop early, in which case the
 * iterator's `return()` is called so that the source can release its handle.
 *
 * @example
 * ```ts
 * import type { DirEntry, ReadDir } from "./list_directory.ts";
 *
 * const fromMemory: ReadDir = async function* (dir: string): AsyncGenerator<DirEntry> {
 *   if (dir !== "/") throw new Error(`no such directory: ${dir}`);
 *   yield { name: "a.txt", isFile: true, isDirectory: false };
 *   yield { name: "docs", isFile: false, isDirectory: true };
 * };
 * ```
 */
export type ReadDir = (dir: string) => AsyncIterable<DirEntry>;

/**
 * The callback {@linkcode listDirectory} calls once per entry. Returning
 * `false` (or a promise of `false`) stops the walk; anything else continues.
 *
 * @example
 * ```ts
 * import type { Visit } from "./list_directory.ts";
 *
 * const firstThree: string[] = [];
 * const visit: Visit = (entry) => {
 *   firstThree.push(entry.name);
 *   return firstThree.length < 3; // false once we have three
 * };
 * ```
 */
export type Visit = (entry: DirEntry) => boolean | void | Promise<boolean | void>;

/**
 * A directory could not be read. `dir` names it; `cause` is the source's own
 * error (for example `Deno.errors.NotFound`).
 *
 * @example
 * ```ts
 * import { ListDirectoryError } from "./list_directory.ts";
 * import assert from "node:assert/strict";
 *
 * const error = new ListDirectoryError("/tmp/x", new Error("permission denied"));
 * assert.equal(error.message, 'Cannot list directory "/tmp/x": permission denied');
 * ```
 */
export class ListDirectoryError extends Error {
  /** The directory that could not be read. */
  readonly dir: string;
  /** Wraps `cause`, the source's error, with the directory's name. */
  constructor(dir: string, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(`Cannot list directory "${dir}": ${reason}`, { cause });
    this.name = "ListDirectoryError";
    this.dir = dir;
  }
}

/**
 * Calls `visit` for each entry of `dir`, in the order `readDir` yields them,
 * awaiting it before reading the next entry. Resolves when the listing ends or
 * `visit` returns `false`; either way, by then the source has been closed.
 * Rejects with a {@linkcode ListDirectoryError} when the source fails, and
 * with `visit`'s own error, unchanged, when `visit` throws.
 *
 * It starts no task: it is as concurrent as the caller makes it.
 *
 * @example
 * ```ts
 * import { type DirEntry, listDirectory } from "./list_directory.ts";
 * import assert from "node:assert/strict";
 *
 * async function* photos(_dir: string): AsyncGenerator<DirEntry> {
 *   for (const name of ["a.jpg", "b.jpg", "c.jpg"]) yield { name, isFile: true, isDirectory: false };
 * }
 * const names: string[] = [];
 * await listDirectory(photos, "/photos", (entry) => {
 *   names.push(entry.name);
 *   return names.length < 2; // stop after two
 * });
 * assert.deepEqual(names, ["a.jpg", "b.jpg"]);
 * ```
 */
export async function listDirectory(readDir: ReadDir, dir: string, visit: Visit): Promise<void> {
  // Errors from the callback pass through untouched; only the source's errors
  // get wrapped. `visiting` tells the two apart.
  let visiting = false;
  try {
    // for await calls the iterator's return() on break and on throw, which
    // is what closes the source when the walk stops early.
    for await (const entry of readDir(dir)) {
      visiting = true;
      const verdict = await visit(entry);
      visiting = false;
      if (verdict === false) break;
    }
  } catch (error) {
    throw new ListDirectoryError(dir, error);
  }
}

/**
 * The result of {@linkcode listDirectoryChan}: a channel of entries, and the
 * reason the listing ended early, if it did (Go's `bufio.Scanner` pattern:
 * read until the channel closes, then ask `err()`).
 *
 * @example
 * ```ts
 * import { context } from "../primitives/mod.ts";
 * import { type DirEntry, type Listing, listDirectoryChan } from "./list_directory.ts";
 *
 * async function* empty(_dir: string): AsyncGenerator<DirEntry> {}
 * const listing: Listing = listDirectoryChan(context.background(), empty, "/");
 * for await (const entry of listing.entries) console.log(entry.name);
 * if (listing.err() !== null) throw listing.err();
 * ```
 */
export interface Listing {
  /** The entries, in order; closed when the listing ends, fails or is cancelled. */
  readonly entries: ReceiveChan<DirEntry>;
  /**
   * After `entries` has closed: `null` if every entry was delivered, the
   * context's error if the caller cancelled, or a {@linkcode ListDirectoryError}
   * if the source failed. While entries still flow: `null`.
   */
  err(): Error | null;
}

/**
 * Streams the entries of `dir` over an unbuffered channel, from a task of its
 * own. The task ends when the listing is complete, when the source fails, or
 * when `ctx` is done, so a caller who stops reading early cancels `ctx` and
 * leaves nothing behind. The channel is closed in all three cases, and the
 * source is closed before it.
 *
 * @example
 * ```ts
 * import { context } from "../primitives/mod.ts";
 * import { type DirEntry, listDirectoryChan } from "./list_directory.ts";
 * import assert from "node:assert/strict";
 *
 * async function* numbers(_dir: string): AsyncGenerator<DirEntry> {
 *   for (let i = 0; i < 1000; i++) yield { name: `${i}.log`, isFile: true, isDirectory: false };
 * }
 * const [ctx, cancel] = context.withCancel(context.background());
 * const listing = listDirectoryChan(ctx, numbers, "/var/log");
 * const [first] = await listing.entries.recv();
 * cancel(); // we only wanted the first: the producing task stops
 * assert.equal(first?.name, "0.log");
 * ```
 */
export function listDirectoryChan(ctx: context.Context, readDir: ReadDir, dir: string): Listing {
  const entries = new Chan<DirEntry>(0, { name: `entries of ${dir}` });
  let failure: Error | null = null;
  go(async () => {
    try {
      for await (const entry of readDir(dir)) {
        // A plain `await entries.send(entry)` would wait forever once the
        // caller stops receiving; waiting on ctx.done() as well lets the
        // caller end this task by cancelling.
        const chosen = await select([send(entries, entry), recv(ctx.done())]);
        if (chosen.index === 1) {
          failure = ctx.err();
          return; // leaving for await closes the source
        }
      }
    } catch (error) {
      failure = new ListDirectoryError(dir, error);
    } finally {
      entries.close(); // the sender closes; err() is set before receivers see the close
    }
  });
  return { entries, err: () => failure };
}
