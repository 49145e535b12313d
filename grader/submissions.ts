/**
 * Finding the submissions and the files each hands in for a lab. A submission
 * has the solutions' shape (`<slug>/<file>.ts`) or the course's
 * (`labs/<slug>/<file>.ts`); only the files the manifest lists for a lab are taken, each a regular file under a size cap. Symbolic
 * links and other special files are refused with a reason rather than followed,
 * so a submission cannot make the grader copy something from outside it.
 *
 * @example
 * ```ts
 * import { collectLabFiles, findSubmissions } from "./submissions.ts";
 * import { coursePaths, loadCourse } from "../core/lab_env.ts";
 * const [lab] = (await loadCourse(coursePaths("."))).labs;
 * for (const submission of await findSubmissions("submissions")) {
 *   const files = await collectLabFiles(submission, lab);
 *   console.log(submission.student, files.present.map((file) => file.name));
 * }
 * ```
 * @module
 */

import type { LabEntry } from "../core/course.ts";
import { absolutePath, joinPath } from "../core/lab_env.ts";

/** Largest file a student may hand in, by default. */
export const DEFAULT_MAX_FILE_BYTES = 256 * 1024;

/** One student's submission. */
export interface Submission {
  /** The student's name: their folder's name. */
  student: string;
  /** The submission folder. */
  dir: string;
  /**
   * The folder holding the submission's lab folders (`<slug>/`): its `labs/`, or the
   * submission folder itself; `null` when it has none the grader may read.
   */
  labsDir: string | null;
  /** Why `labsDir` is `null`, or where it was found when not at the top. */
  note?: string;
}

/** A problem with the submissions folder as a whole: nothing can be graded. */
export class SubmissionsError extends Error {
  /**
   * @example
   * ```ts
   * import { SubmissionsError } from "./submissions.ts";
   * throw new SubmissionsError("submissions folder ./subs does not exist");
   * ```
   */
  constructor(message: string) {
    super(message);
    this.name = "SubmissionsError";
  }
}

async function lstatOrNull(path: string): Promise<Deno.FileInfo | null> {
  try {
    return await Deno.lstat(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
}

/** Names a file manager or an archive leaves beside the real folders. */
function isClutter(name: string): boolean {
  return name.startsWith(".") || name === "__MACOSX";
}

/** Whether `dir` holds a folder named after one of `slugs`. */
async function holdsLab(dir: string, slugs: readonly string[]): Promise<boolean> {
  for (const slug of slugs) {
    if ((await lstatOrNull(joinPath(dir, slug)))?.isDirectory) return true;
  }
  return false;
}

/**
 * The folder holding a submission's lab folders: `labs/` (the course's shape),
 * the submission folder itself when it holds a lab folder (the solutions'
 * shape), and the same one level down, for an archive's wrapper folder.
 */
async function locateLabs(
  dir: string,
  slugs: readonly string[],
): Promise<{ labsDir: string | null; note?: string }> {
  const labs = joinPath(dir, "labs");
  const info = await lstatOrNull(labs);
  if (info?.isSymlink) {
    return {
      labsDir: null,
      note: "its labs/ is a symbolic link, which the grader does not follow",
    };
  }
  if (info?.isDirectory) return { labsDir: labs };
  if (await holdsLab(dir, slugs)) return { labsDir: dir };
  // An archive often wraps the work in one folder (ada/workbook-main/labs/…).
  const folders: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (isClutter(entry.name)) continue;
    if (entry.isDirectory) folders.push(entry.name);
  }
  if (folders.length === 1) {
    const wrapper = joinPath(dir, folders[0]);
    if ((await lstatOrNull(joinPath(wrapper, "labs")))?.isDirectory) {
      return {
        labsDir: joinPath(wrapper, "labs"),
        note: `its labs/ was found inside ${folders[0]}/`,
      };
    }
    if (await holdsLab(wrapper, slugs)) {
      return { labsDir: wrapper, note: `its lab folders were found inside ${folders[0]}/` };
    }
  }
  return {
    labsDir: null,
    note: `it has no lab folder (expected <lab>/ or labs/<lab>/, such as ${slugs[0] ?? "01-…"}/)`,
  };
}

/** The last part of a path. */
function baseName(path: string): string {
  const trimmed = path.replace(/[\\/]+$/, "");
  return trimmed.slice(trimmed.search(/[^\\/]*$/)) || trimmed;
}

/** An entry of the submissions folder that is not graded, and why. */
export interface Skipped {
  name: string;
  reason: string;
}

/** What a submissions folder holds. */
export interface FoundSubmissions {
  submissions: Submission[];
  /** Entries left out, each with its reason (hidden folders, plain files). */
  skipped: Skipped[];
}

/**
 * The submissions in `folder`: one per entry, sorted by name, whatever the
 * names are (a folder named `labs` is a student like any other). Hidden entries
 * (a name starting with `.`), `__MACOSX` and plain files are skipped, each with
 * its reason; a student folder that is a symbolic link is listed with no
 * readable labs. With `single`, `folder` is one submission, named after itself.
 *
 * @throws {SubmissionsError} when the folder is missing, is not a folder, or holds no submission.
 * @example
 * ```ts
 * import { findSubmissions } from "./submissions.ts";
 * const { submissions, skipped } = await findSubmissions("submissions", ["01-goroutines"]);
 * submissions.map((submission) => submission.student); // → ["ada", "bert"]
 * ```
 */
export async function findSubmissions(
  folder: string,
  slugs: readonly string[],
  single = false,
): Promise<FoundSubmissions> {
  const info = await lstatOrNull(folder);
  if (info === null) throw new SubmissionsError(`the submissions folder ${folder} does not exist`);
  const target = info.isSymlink ? await Deno.stat(folder).catch(() => null) : info;
  if (!target?.isDirectory) {
    throw new SubmissionsError(
      `${folder} is not a folder: give the folder that holds one folder per student`,
    );
  }
  if (single) {
    const student = baseName(absolutePath(folder));
    return {
      submissions: [{ student, dir: folder, ...await locateLabs(folder, slugs) }],
      skipped: [],
    };
  }
  const submissions: Submission[] = [];
  const skipped: Skipped[] = [];
  for await (const entry of Deno.readDir(folder)) {
    const dir = joinPath(folder, entry.name);
    if (isClutter(entry.name)) {
      skipped.push({
        name: entry.name,
        reason: entry.name === "__MACOSX"
          ? "an archive's metadata folder, not a student"
          : "a hidden name (it starts with a dot); rename it to have it graded",
      });
    } else if (entry.isSymlink) {
      submissions.push({
        student: entry.name,
        dir,
        labsDir: null,
        note: "the submission folder is a symbolic link, which the grader does not follow",
      });
    } else if (entry.isDirectory) {
      submissions.push({ student: entry.name, dir, ...await locateLabs(dir, slugs) });
    } else {
      skipped.push({ name: entry.name, reason: "a file, not a student's folder" });
    }
  }
  if (submissions.length === 0) {
    throw new SubmissionsError(
      `${folder} holds no submissions: expected one folder per student, each with ` +
        `<lab>/<file>.ts or labs/<lab>/<file>.ts inside`,
    );
  }
  const byName = (a: { name?: string; student?: string }, b: typeof a) => {
    const [x, y] = [a.student ?? a.name ?? "", b.student ?? b.name ?? ""];
    return x < y ? -1 : x > y ? 1 : 0;
  };
  return { submissions: submissions.sort(byName), skipped: skipped.sort(byName) };
}

/** One file a student handed in. */
export interface StudentFile {
  /** The file's name in the lab folder (one of the manifest's `files`). */
  name: string;
  bytes: Uint8Array;
}

/** What a submission hands in for one lab. */
export interface LabFiles {
  /** Files taken, in the manifest's order. */
  present: StudentFile[];
  /** Manifest files the submission does not have. */
  missing: string[];
  /** Why a file (or the lab folder) was refused, one sentence each. */
  refused: string[];
}

/** Reads at most `maxBytes + 1` bytes, so a file that grows after `lstat` is still caught. */
async function readCapped(path: string, maxBytes: number): Promise<Uint8Array> {
  const file = await Deno.open(path, { read: true });
  try {
    const buffer = new Uint8Array(maxBytes + 1);
    let filled = 0;
    while (filled < buffer.byteLength) {
      const count = await file.read(buffer.subarray(filled));
      if (count === null) break;
      filled += count;
    }
    return buffer.slice(0, filled);
  } finally {
    file.close();
  }
}

function kib(bytes: number): string {
  return `${Math.ceil(bytes / 1024)} KiB`;
}

/**
 * The files `submission` hands in for `lab`: only those the manifest lists,
 * each a regular file of at most `maxFileBytes`. A symbolic link, a folder or
 * another special file in their place, or an oversized file, is refused with a
 * reason (the lab is then not run); a missing file is listed as missing.
 *
 * @example
 * ```ts
 * import { collectLabFiles, type Submission } from "./submissions.ts";
 * import type { LabEntry } from "../core/course.ts";
 * declare const submission: Submission;
 * declare const lab: LabEntry;
 * const { present, missing, refused } = await collectLabFiles(submission, lab);
 * ```
 */
export async function collectLabFiles(
  submission: Submission,
  lab: LabEntry,
  maxFileBytes = DEFAULT_MAX_FILE_BYTES,
): Promise<LabFiles> {
  const result: LabFiles = { present: [], missing: [], refused: [] };
  if (submission.labsDir === null) {
    result.missing = [...lab.files];
    return result;
  }
  const labDir = joinPath(submission.labsDir, lab.slug);
  const where = submission.labsDir.endsWith("/labs") ? `labs/${lab.slug}` : lab.slug;
  const folder = await lstatOrNull(labDir);
  if (folder === null) {
    result.missing = [...lab.files];
    return result;
  }
  if (folder.isSymlink || !folder.isDirectory) {
    result.refused.push(
      `${where} is ${folder.isSymlink ? "a symbolic link" : "not a folder"}; ` +
        `hand in a real folder with the files in it`,
    );
    return result;
  }
  for (const name of lab.files) {
    const path = joinPath(labDir, name);
    const info = await lstatOrNull(path);
    if (info === null) result.missing.push(name);
    else if (info.isSymlink) {
      result.refused.push(`${where}/${name} is a symbolic link; hand in the file itself`);
    } else if (!info.isFile) {
      result.refused.push(`${where}/${name} is not a regular file`);
    } else if (info.size > maxFileBytes) {
      result.refused.push(
        `${where}/${name} is ${kib(info.size)}, over the ${kib(maxFileBytes)} limit`,
      );
    } else {
      const bytes = await readCapped(path, maxFileBytes);
      if (bytes.byteLength > maxFileBytes) {
        result.refused.push(`${where}/${name} is over the ${kib(maxFileBytes)} limit`);
      } else result.present.push({ name, bytes });
    }
  }
  return result;
}
