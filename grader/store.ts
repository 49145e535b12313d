/**
 * Where the grader keeps what it has done, so that a run that is killed can
 * resume: writing files atomically (a reader sees the old file or the new one,
 * never half of one), fingerprints of what a grade depends on (the course's side
 * of a lab and the student's files), and the per-(student, lab) grade files.
 *
 * @example
 * ```ts
 * import { readLabGrade, writeJsonAtomic } from "./store.ts";
 * await writeJsonAtomic("/tmp/out/ada/labs/01-goroutines.json", { score: 1 });
 * const previous = await readLabGrade("/tmp/out/ada/labs/01-goroutines.json");
 * ```
 * @module
 */

import type { LabEntry } from "../core/course.ts";
import {
  type CoursePaths,
  exists,
  hashFile,
  hashText,
  joinPath,
  walkFiles,
} from "../core/lab_env.ts";
import { PRELOAD_SOURCE } from "./sandbox.ts";
import type { LabGrade } from "./score.ts";

/**
 * Bumped whenever a change to the grader changes what a grade means (scoring
 * rules, sandbox layout), so that grades kept from an older grader are redone.
 */
export const GRADER_VERSION = 1;

/** How a temporary file gets its content; replaceable to simulate a crash halfway. */
export type TempWriter = (tempPath: string, bytes: Uint8Array) => Promise<void>;

/** Writes all of `bytes` to a new file and flushes it to disk before returning. */
async function writeAndSync(tempPath: string, bytes: Uint8Array): Promise<void> {
  const file = await Deno.open(tempPath, { write: true, createNew: true, mode: 0o644 });
  try {
    let written = 0;
    while (written < bytes.byteLength) written += await file.write(bytes.subarray(written));
    // Flushed before the rename, so a crash cannot leave the new name on an empty file.
    await file.syncData();
  } finally {
    file.close();
  }
}

/**
 * Writes `data` to `path` atomically: into a temporary file in the same folder
 * (created as needed), then renamed over `path`, so a reader or a later run sees
 * the old content or the new, never part of it. The temporary file's name starts
 * with a dot and ends in `.tmp`; it is removed when the write fails.
 *
 * @throws {Error} the file system's error when the folder cannot be made or written.
 * @example
 * ```ts
 * import { writeFileAtomic } from "./store.ts";
 * await writeFileAtomic("/tmp/out/gradebook.csv", "student,total\r\n");
 * ```
 */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  writeTemp: TempWriter = writeAndSync,
): Promise<void> {
  const slash = path.lastIndexOf("/");
  const dir = slash <= 0 ? (slash === 0 ? "/" : ".") : path.slice(0, slash);
  const base = path.slice(slash + 1);
  await Deno.mkdir(dir, { recursive: true });
  const tempPath = joinPath(dir, `.${base}.${crypto.randomUUID()}.tmp`);
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  try {
    await writeTemp(tempPath, bytes);
    await Deno.rename(tempPath, path);
  } catch (error) {
    await Deno.remove(tempPath).catch(() => {});
    throw error;
  }
}

/**
 * Writes `value` as indented JSON (with a final newline) atomically.
 *
 * @example
 * ```ts
 * import { writeJsonAtomic } from "./store.ts";
 * await writeJsonAtomic("/tmp/out/summary.json", { students: {} });
 * ```
 */
export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`);
}

/**
 * Whether a file name is one of {@linkcode writeFileAtomic}'s temporary files,
 * left behind when a run was killed mid-write.
 *
 * @example
 * ```ts
 * import { isLeftoverTemp } from "./store.ts";
 * isLeftoverTemp(".results.json.0b6f….tmp"); // → true
 * ```
 */
export function isLeftoverTemp(name: string): boolean {
  return /^\..+\.[0-9a-f-]{36}\.tmp$/.test(name);
}

/**
 * Removes the temporary files a killed run left in `dir` (not in its subfolders).
 *
 * @example
 * ```ts
 * import { removeLeftoverTemps } from "./store.ts";
 * await removeLeftoverTemps("/tmp/out/ada/labs");
 * ```
 */
export async function removeLeftoverTemps(dir: string): Promise<void> {
  try {
    for await (const entry of Deno.readDir(dir)) {
      if (entry.isFile && isLeftoverTemp(entry.name)) {
        await Deno.remove(joinPath(dir, entry.name)).catch(() => {});
      }
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
}

/**
 * Reads a JSON file, or `undefined` when it is missing or not valid JSON (a
 * file nobody can trust is treated as one that is not there: it gets redone).
 *
 * @example
 * ```ts
 * import { readJsonFile } from "./store.ts";
 * const value = await readJsonFile("/tmp/out/ada/labs/01-goroutines.json");
 * ```
 */
export async function readJsonFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value);
}

/**
 * The grade a per-lab file holds, when it is one this grader wrote (same
 * {@linkcode GRADER_VERSION}, every field of the right type); `undefined` otherwise.
 *
 * @example
 * ```ts
 * import { parseLabGrade } from "./store.ts";
 * parseLabGrade({ version: 0 }); // → undefined
 * ```
 */
export function parseLabGrade(value: unknown): LabGrade | undefined {
  if (!isRecord(value) || value.version !== GRADER_VERSION) return undefined;
  const lab = value.lab;
  if (
    typeof value.student !== "string" || typeof value.fingerprint !== "string" ||
    !isRecord(lab) || typeof lab.id !== "string" || typeof lab.slug !== "string" ||
    typeof lab.title !== "string" || !isFiniteNumber(value.score) ||
    !isFiniteNumber(value.maxScore) || !isFiniteNumber(value.durationMs) ||
    typeof value.gradedAt !== "string" || !Array.isArray(value.notes) ||
    !value.notes.every((note) => typeof note === "string") ||
    (value.reason !== undefined && typeof value.reason !== "string") ||
    !Array.isArray(value.tests)
  ) return undefined;
  for (const test of value.tests) {
    if (
      !isRecord(test) || typeof test.name !== "string" || !isFiniteNumber(test.points) ||
      !isFiniteNumber(test.score) || (test.status !== "passed" && test.status !== "failed") ||
      typeof test.output !== "string"
    ) return undefined;
  }
  return value as unknown as LabGrade;
}

/**
 * Reads a per-lab grade file; `undefined` when it is missing, unreadable as
 * JSON, or not a grade of this grader's version.
 *
 * @example
 * ```ts
 * import { readLabGrade } from "./store.ts";
 * const kept = await readLabGrade("/tmp/out/ada/labs/01-goroutines.json");
 * if (kept) console.log(kept.score);
 * ```
 */
export async function readLabGrade(path: string): Promise<LabGrade | undefined> {
  return parseLabGrade(await readJsonFile(path));
}

/**
 * A fingerprint of the course's side of a lab: the manifest entry, the
 * primitives, the lab folder, the hidden tests, the config files and the
 * grader's preload a sandbox copies, plus {@linkcode GRADER_VERSION}. A grade made under another
 * fingerprint is redone.
 *
 * @example
 * ```ts
 * import { courseFingerprint } from "./store.ts";
 * import { coursePaths, loadCourse } from "../core/lab_env.ts";
 * const paths = coursePaths(".");
 * const [lab] = (await loadCourse(paths)).labs;
 * await courseFingerprint(paths, lab); // → "5d41…" (64 hex digits)
 * ```
 */
export async function courseFingerprint(paths: CoursePaths, lab: LabEntry): Promise<string> {
  const parts: string[] = [`grader ${GRADER_VERSION}`, JSON.stringify(lab)];
  const folders: [string, string][] = [
    ["labs/primitives", paths.primitives],
    [`labs/${lab.slug}`, joinPath(paths.labs, lab.slug)],
    [`grader/hidden/${lab.slug}`, joinPath(paths.hidden, lab.slug)],
  ];
  for (const [label, dir] of folders) {
    if (!await exists(dir)) {
      parts.push(`${label}: missing`);
      continue;
    }
    for (const relative of await walkFiles(dir)) {
      parts.push(`${label}/${relative} ${await hashFile(joinPath(dir, relative))}`);
    }
  }
  for (const name of ["deno.json", "package.json", "deno.lock"]) {
    const path = joinPath(paths.root, name);
    parts.push(`${name} ${await exists(path) ? await hashFile(path) : "missing"}`);
  }
  parts.push(`preload ${await hashFile(PRELOAD_SOURCE)}`);
  return await hashText(parts.join("\n"));
}

/**
 * A fingerprint of one submission's lab: the course's fingerprint and every file
 * the student handed in (name and content) or why it was refused or missing.
 *
 * @example
 * ```ts
 * import { submissionFingerprint } from "./store.ts";
 * const bytes = new TextEncoder().encode("export const x = 1;\n");
 * await submissionFingerprint("ab".repeat(32), [{ name: "x.ts", bytes }], [], []);
 * ```
 */
export async function submissionFingerprint(
  course: string,
  files: { name: string; bytes: Uint8Array }[],
  missing: string[],
  refused: string[],
): Promise<string> {
  const decoder = new TextDecoder();
  const parts = [`course ${course}`];
  for (const file of [...files].sort((a, b) => a.name < b.name ? -1 : 1)) {
    parts.push(`file ${file.name} ${await hashText(decoder.decode(file.bytes))}`);
  }
  for (const name of [...missing].sort()) parts.push(`missing ${name}`);
  for (const reason of refused) parts.push(`refused ${reason}`);
  return await hashText(parts.join("\n"));
}
