/**
 * Remembers each lab's last status, keyed by a fingerprint of everything its
 * public tests depend on, so that `deno task lab` (the overview) reruns only
 * the labs whose files changed since their last run and answers at once for
 * the others.
 *
 * The cache lives in `<course>/.cache/lab/<slug>.json` (`.cache/` is ignored
 * by git). A run that timed out or was stopped is never stored: its outcome
 * says more about the machine than about the code.
 *
 * @example
 * ```ts
 * import { labFingerprint, readCachedStatus, writeCachedStatus } from "./lab_cache.ts";
 * import { coursePaths, loadCourse } from "../core/lab_env.ts";
 * const paths = coursePaths(".");
 * const [lab] = (await loadCourse(paths)).labs;
 * const key = await labFingerprint(paths, lab, true);
 * const known = await readCachedStatus(paths, lab.slug, key);
 * if (!known) await writeCachedStatus(paths, lab.slug, key, { kind: "passing", passed: 8, total: 8 });
 * ```
 * @module
 */

import type { LabEntry } from "../core/course.ts";
import { type CoursePaths, exists, hashText, joinPath, walkFiles } from "../core/lab_env.ts";
import type { TestRun } from "../core/test_runner.ts";
import type { LabStatus } from "./lab_view.ts";

/** Bumped when the stored shape or the meaning of a status changes. */
const CACHE_VERSION = 1;

/** The folder holding the cached statuses. */
function cacheDir(paths: CoursePaths): string {
  return joinPath(paths.root, ".cache", "lab");
}

/** Every file under `dir`, as `<label>/<path>` and its text, in a stable order. */
async function filesOf(dir: string, label: string): Promise<string[]> {
  if (!await exists(dir)) return [];
  const parts: string[] = [];
  for (const path of await walkFiles(dir)) {
    parts.push(`${label}/${path}`, await Deno.readTextFile(joinPath(dir, path)));
  }
  return parts;
}

/**
 * A fingerprint of what a lab's public run depends on: every file of the lab
 * folder (the student's files and the tests) and of the primitives, the
 * course's deno.json and deno.lock, the lab's manifest entry, and whether the
 * run type-checks. Any change to one of them gives another fingerprint.
 *
 * @example
 * ```ts
 * import { labFingerprint } from "./lab_cache.ts";
 * import { coursePaths, loadCourse } from "../core/lab_env.ts";
 * const paths = coursePaths(".");
 * const [lab] = (await loadCourse(paths)).labs;
 * await labFingerprint(paths, lab, true); // → "9c1e…" (64 hex digits)
 * ```
 */
export async function labFingerprint(
  paths: CoursePaths,
  lab: LabEntry,
  typeCheck: boolean,
): Promise<string> {
  const parts = [
    `version ${CACHE_VERSION}`,
    `typeCheck ${typeCheck}`,
    JSON.stringify(lab),
    ...await filesOf(joinPath(paths.labs, lab.slug), "lab"),
    ...await filesOf(paths.primitives, "primitives"),
  ];
  for (const name of ["deno.json", "deno.lock"]) {
    const path = joinPath(paths.root, name);
    if (await exists(path)) parts.push(name, await Deno.readTextFile(path));
  }
  return await hashText(parts.join("\0"));
}

/**
 * The status stored for a lab under `key`, or `undefined` when there is none,
 * it was stored under another fingerprint, or the cache file is unreadable.
 *
 * @example
 * ```ts
 * import { readCachedStatus } from "./lab_cache.ts";
 * import { coursePaths } from "../core/lab_env.ts";
 * await readCachedStatus(coursePaths("."), "04-channels", "9c1e…"); // → undefined
 * ```
 */
export async function readCachedStatus(
  paths: CoursePaths,
  slug: string,
  key: string,
): Promise<LabStatus | undefined> {
  try {
    const stored = JSON.parse(await Deno.readTextFile(joinPath(cacheDir(paths), `${slug}.json`)));
    return stored?.key === key && typeof stored.status?.kind === "string"
      ? stored.status
      : undefined;
  } catch {
    return undefined; // missing or damaged: the lab simply runs again
  }
}

/**
 * Stores a lab's status under `key`, replacing what was there. Failing to
 * write (a read-only checkout) only costs the next run its shortcut.
 *
 * @example
 * ```ts
 * import { writeCachedStatus } from "./lab_cache.ts";
 * import { coursePaths } from "../core/lab_env.ts";
 * await writeCachedStatus(coursePaths("."), "04-channels", "9c1e…", { kind: "not-started" });
 * ```
 */
export async function writeCachedStatus(
  paths: CoursePaths,
  slug: string,
  key: string,
  status: LabStatus,
): Promise<void> {
  const dir = cacheDir(paths);
  const target = joinPath(dir, `${slug}.json`);
  try {
    await Deno.mkdir(dir, { recursive: true });
    const temporary = `${target}.${crypto.randomUUID()}.tmp`;
    await Deno.writeTextFile(temporary, `${JSON.stringify({ key, status })}\n`);
    await Deno.rename(temporary, target); // whole or not at all, even with two runs at once
  } catch {
    // A cache that cannot be written is no error: the lab runs again next time.
  }
}

/**
 * Whether a run's status may be remembered: not when it timed out or was
 * stopped, since another run of the same files could end differently.
 *
 * @example
 * ```ts
 * import { isCacheable } from "./lab_cache.ts";
 * import type { TestRun } from "../core/test_runner.ts";
 * declare const run: TestRun;
 * isCacheable(run); // → true for a run that finished
 * ```
 */
export function isCacheable(run: TestRun): boolean {
  return !run.timedOut && !run.aborted && !run.outputLimited;
}
