/**
 * The course manifest (`labs/course.json`): its types, its validation, and the
 * questions every tool asks of it (which lab did the student mean, which hint
 * fits a failing test, which permissions a lab's tests get).
 *
 * This module is pure (no file system, no `Deno` global) so that it can be
 * tested directly and shipped to students with the lab runner; the one
 * exception, {@linkcode locateRuntimes}, asks the host where its runtime
 * binaries are, and {@linkcode permissionFlags} takes a replacement for it.
 *
 * @example
 * ```ts
 * import { findLab, parseCourse } from "./course.ts";
 * const course = parseCourse(
 *   '{"title":"T","labs":[{"id":"04","slug":"04-channels","title":"Channels",' +
 *     '"note":"notes/04-channels.md","files":["pipeline.ts"]}]}',
 *   "labs/course.json",
 * );
 * findLab(course, "channels"); // → { ok: true, lab: { id: "04", ... } }
 * ```
 * @module
 */

/** Extra permissions a lab's tests need beyond reading the lab and the primitives. */
export interface LabPermissions {
  /** Hosts the tests may reach, e.g. `["127.0.0.1"]` for a lab that serves HTTP locally. */
  net?: string[];
  /** Environment variables the tests may read. */
  env?: string[];
  /**
   * Runtime binaries the tests may start as child processes, by name: `"deno"`
   * (the running Deno, `Deno.execPath()`) and `"bun"` (the first `bun` on
   * `PATH`, when there is one). Nothing else can be granted.
   */
  run?: RuntimeName[];
}

/** The runtimes a lab's tests may be allowed to start. */
export type RuntimeName = "deno" | "bun";

const RUNTIME_NAMES: readonly RuntimeName[] = ["deno", "bun"];

/** Where each runtime binary is on this machine; a missing one is not installed. */
export type RuntimePaths = Partial<Record<RuntimeName, string>>;

/** One lab as listed in `labs/course.json`. */
export interface LabEntry {
  /** Two digits, the lab's position in the course map: `"04"`. */
  id: string;
  /** Folder name under `labs/`, `solutions/` and `grader/hidden/`: `"04-channels"`. */
  slug: string;
  /** Human title: `"Channels"`. */
  title: string;
  /** The notes chapter to read, relative to the course root: `"notes/04-channels.md"`. */
  note: string;
  /** The files the student edits, relative to the lab folder. */
  files: string[];
  /** Lab-wide hint, shown when no per-test hint matches the first failing test. */
  hint?: string;
  /** Hints keyed by the exact public test name written in `it(...)`. */
  hints?: Record<string, string>;
  /** Points keyed by the exact hidden test name; unlisted hidden tests are worth 1. */
  points?: Record<string, number>;
  /** Extra permissions for this lab's tests. */
  permissions?: LabPermissions;
  /**
   * Hidden test files (names in `grader/hidden/<slug>/`) that the grader runs
   * under its first seed only, because a second seed would only repeat them:
   * either the primitives' scheduler cannot change what they test (code on
   * real threads, such as Workers), or another hidden file of the lab runs the
   * same scenarios under every seed (lab 06 starts the program on Bun in one
   * file, on Deno in another). Every other hidden test file runs under every
   * seed.
   */
  unseededTests?: string[];
  /**
   * SHA-256 (hex) of each starter file as released, keyed by file name. Written by
   * `deno task release`; the lab runner reports a lab whose files all still match
   * as "not started".
   */
  starter?: Record<string, string>;
}

/** The whole manifest. */
export interface Course {
  title: string;
  labs: LabEntry[];
}

/**
 * Thrown when a manifest is not valid JSON or breaks the schema; lists every problem.
 *
 * @example
 * ```ts
 * import { CourseError, parseCourse } from "./course.ts";
 * try {
 *   parseCourse("{}", "labs/course.json");
 * } catch (error) {
 *   if (error instanceof CourseError) console.error(error.problems.join("\n"));
 * }
 * ```
 */
export class CourseError extends Error {
  /** Each problem on its own, in the order found. */
  readonly problems: string[];
  /**
   * @example
   * ```ts
   * import { CourseError } from "./course.ts";
   * throw new CourseError("labs/course.json", ["labs[0].id must be two digits"]);
   * ```
   */
  constructor(source: string, problems: string[]) {
    super(`${source} is not a valid course manifest:\n  - ${problems.join("\n  - ")}`);
    this.name = "CourseError";
    this.problems = problems;
  }
}

const LAB_KEYS = new Set([
  "id",
  "slug",
  "title",
  "note",
  "files",
  "hint",
  "hints",
  "points",
  "permissions",
  "unseededTests",
  "starter",
]);
const PERMISSION_KEYS = new Set(["net", "env", "run"]);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === "string" && value.trim() !== "";
}

/** A plain file name inside the lab folder: no folders, no `..`, ends in `.ts`. */
function isPlainTsFileName(name: string): boolean {
  return /^[A-Za-z0-9_.-]+\.ts$/.test(name) && !name.startsWith(".");
}

/** What is wrong with a `permissions.run` list, as sentences; empty when it is valid. */
function runPermissionProblems(label: string, list: unknown): string[] {
  const allowed = RUNTIME_NAMES.map((name) => `"${name}"`).join(" or ");
  if (!Array.isArray(list) || list.length === 0) {
    return [`${label}: permissions.run must be a non-empty list of runtimes (${allowed})`];
  }
  const problems: string[] = [];
  const seen = new Set<unknown>();
  for (const item of list) {
    if (!(RUNTIME_NAMES as readonly unknown[]).includes(item)) {
      problems.push(
        `${label}: permissions.run entry ${JSON.stringify(item)} is not a runtime the tests ` +
          `may start (use ${allowed}: no other program can be granted)`,
      );
    } else if (seen.has(item)) {
      problems.push(`${label}: permissions.run lists "${item}" twice`);
    }
    seen.add(item);
  }
  return problems;
}

/**
 * Every way `value` breaks the course.json schema, as readable sentences; empty
 * when it is valid. Unknown keys are reported too, so a typo such as `"hint"`
 * for `"hints"` does not silently drop data.
 *
 * @example
 * ```ts
 * import { validateCourse } from "./course.ts";
 * validateCourse({ title: "T", labs: [] }); // → ["labs must list at least one lab"]
 * ```
 */
export function validateCourse(value: unknown): string[] {
  const problems: string[] = [];
  if (!isRecord(value)) return ["the manifest must be a JSON object with title and labs"];
  if (!isNonEmptyString(value.title)) problems.push("title must be a non-empty string");
  for (const key of Object.keys(value)) {
    if (key !== "title" && key !== "labs") problems.push(`unknown top-level key "${key}"`);
  }
  if (!Array.isArray(value.labs)) {
    problems.push("labs must be an array");
    return problems;
  }
  if (value.labs.length === 0) problems.push("labs must list at least one lab");
  const seenIds = new Set<string>();
  const seenSlugs = new Set<string>();
  value.labs.forEach((lab: unknown, index: number) => {
    const where = `labs[${index}]`;
    if (!isRecord(lab)) {
      problems.push(`${where} must be an object`);
      return;
    }
    const label = typeof lab.slug === "string" ? `${where} (${lab.slug})` : where;
    for (const key of Object.keys(lab)) {
      if (!LAB_KEYS.has(key)) problems.push(`${label}: unknown key "${key}"`);
    }
    if (typeof lab.id !== "string" || !/^\d{2}$/.test(lab.id)) {
      problems.push(`${label}: id must be two digits such as "04"`);
    } else if (seenIds.has(lab.id)) {
      problems.push(`${label}: id "${lab.id}" is used by another lab`);
    } else seenIds.add(lab.id);
    if (typeof lab.slug !== "string" || !/^\d{2}-[a-z0-9]+(-[a-z0-9]+)*$/.test(lab.slug)) {
      problems.push(`${label}: slug must look like "04-channels" (digits, dash, lowercase words)`);
    } else {
      if (typeof lab.id === "string" && !lab.slug.startsWith(`${lab.id}-`)) {
        problems.push(`${label}: slug must start with the id "${lab.id}-"`);
      }
      if (seenSlugs.has(lab.slug)) problems.push(`${label}: slug is used by another lab`);
      seenSlugs.add(lab.slug);
    }
    if (!isNonEmptyString(lab.title)) problems.push(`${label}: title must be a non-empty string`);
    if (typeof lab.note !== "string" || !/^notes\/[^/]+\.md$/.test(lab.note)) {
      problems.push(`${label}: note must name a chapter such as "notes/04-channels.md"`);
    }
    if (!Array.isArray(lab.files) || lab.files.length === 0) {
      problems.push(`${label}: files must list at least one file the student edits`);
    } else {
      const seenFiles = new Set<string>();
      for (const file of lab.files) {
        if (typeof file !== "string" || !isPlainTsFileName(file)) {
          problems.push(`${label}: files entry ${JSON.stringify(file)} must be a .ts file name`);
        } else if (/_test\.ts$/.test(file)) {
          problems.push(`${label}: files entry "${file}" is a test; list the files students edit`);
        } else if (seenFiles.has(file)) {
          problems.push(`${label}: files lists "${file}" twice`);
        } else seenFiles.add(file);
      }
    }
    if (lab.hint !== undefined && !isNonEmptyString(lab.hint)) {
      problems.push(`${label}: hint must be a non-empty string`);
    }
    if (lab.hints !== undefined) {
      if (!isRecord(lab.hints)) problems.push(`${label}: hints must map test names to text`);
      else {
        for (const [name, text] of Object.entries(lab.hints)) {
          if (!isNonEmptyString(text)) {
            problems.push(`${label}: hint for "${name}" must be a non-empty string`);
          }
        }
      }
    }
    if (lab.points !== undefined) {
      if (!isRecord(lab.points)) problems.push(`${label}: points must map test names to numbers`);
      else {
        for (const [name, points] of Object.entries(lab.points)) {
          if (typeof points !== "number" || !Number.isFinite(points) || points <= 0) {
            problems.push(`${label}: points for "${name}" must be a positive number`);
          }
        }
      }
    }
    if (lab.permissions !== undefined) {
      if (!isRecord(lab.permissions)) {
        problems.push(`${label}: permissions must be an object such as {"net": ["127.0.0.1"]}`);
      } else {
        for (const [kind, list] of Object.entries(lab.permissions)) {
          if (!PERMISSION_KEYS.has(kind)) {
            problems.push(`${label}: permissions.${kind} is not supported (use net, env or run)`);
          } else if (kind === "run") {
            problems.push(...runPermissionProblems(label, list));
          } else if (
            !Array.isArray(list) || list.length === 0 ||
            !list.every((item) => typeof item === "string" && /^[A-Za-z0-9_.:\[\]-]+$/.test(item))
          ) {
            problems.push(`${label}: permissions.${kind} must be a non-empty list of names`);
          }
        }
      }
    }
    if (lab.unseededTests !== undefined) {
      const list = lab.unseededTests;
      if (
        !Array.isArray(list) || list.length === 0 ||
        !list.every((name) => typeof name === "string" && isPlainTsFileName(name))
      ) {
        problems.push(
          `${label}: unseededTests must be a non-empty list of hidden test file names ` +
            `such as "counter_hidden_test.ts"`,
        );
      } else if (new Set(list).size !== list.length) {
        problems.push(`${label}: unseededTests lists a file twice`);
      }
    }
    if (lab.starter !== undefined) {
      if (!isRecord(lab.starter)) problems.push(`${label}: starter must map files to hashes`);
      else {
        const files = Array.isArray(lab.files) ? lab.files : [];
        for (const [file, hash] of Object.entries(lab.starter)) {
          if (!files.includes(file)) {
            problems.push(`${label}: starter hash for "${file}", which files does not list`);
          }
          if (typeof hash !== "string" || !/^[0-9a-f]{64}$/.test(hash)) {
            problems.push(`${label}: starter hash for "${file}" must be 64 hex digits`);
          }
        }
      }
    }
  });
  return problems;
}

/**
 * Parses and validates the text of a course.json.
 *
 * @throws {CourseError} listing every problem when the text is not valid JSON or
 * breaks the schema.
 * @example
 * ```ts
 * import { parseCourse } from "./course.ts";
 * const text = await Deno.readTextFile("labs/course.json");
 * const course = parseCourse(text, "labs/course.json");
 * ```
 */
export function parseCourse(text: string, source: string): Course {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new CourseError(source, [`it is not valid JSON (${(error as Error).message})`]);
  }
  const problems = validateCourse(value);
  if (problems.length > 0) throw new CourseError(source, problems);
  return value as Course;
}

/** The outcome of looking a lab up by what the student typed. */
export type LabLookup =
  | { ok: true; lab: LabEntry }
  | { ok: false; message: string };

/**
 * The part of the slug after the number: `"channels"` for `"04-channels"`.
 *
 * @example
 * ```ts
 * import { labTopic, type LabEntry } from "./course.ts";
 * declare const lab: LabEntry; // slug "04-channels"
 * labTopic(lab); // → "channels"
 * ```
 */
export function labTopic(lab: LabEntry): string {
  return lab.slug.slice(lab.id.length + 1);
}

/**
 * Finds the lab the student means: `"04"`, `"4"`, `"04-channels"`, `"channels"`,
 * or an unambiguous start of the topic (`"chan"`). Case does not matter.
 *
 * @example
 * ```ts
 * import { findLab, type Course } from "./course.ts";
 * declare const course: Course;
 * const found = findLab(course, "4");
 * if (!found.ok) console.error(found.message);
 * ```
 */
export function findLab(course: Course, query: string): LabLookup {
  const wanted = query.trim().toLowerCase();
  const exact = course.labs.find((lab) =>
    lab.id === wanted || lab.slug === wanted || labTopic(lab) === wanted ||
    (/^\d+$/.test(wanted) && Number(lab.id) === Number(wanted))
  );
  if (exact) return { ok: true, lab: exact };
  const byPrefix = wanted === ""
    ? []
    : course.labs.filter((lab) => labTopic(lab).startsWith(wanted));
  if (byPrefix.length === 1) return { ok: true, lab: byPrefix[0] };
  const listing = course.labs.map((lab) => `  ${lab.id}  ${lab.slug}  (${lab.title})`).join("\n");
  if (byPrefix.length > 1) {
    return {
      ok: false,
      message: `"${query}" matches more than one lab (${
        byPrefix.map((lab) => lab.slug).join(", ")
      }); say which one:\n${listing}`,
    };
  }
  return { ok: false, message: `there is no lab "${query}". The labs are:\n${listing}` };
}

/**
 * Whether the runner's full test name (`"describe > it"`) is the test written as
 * `it(name)`. Manifest keys name the `it`, runners report the whole path.
 *
 * @example
 * ```ts
 * import { testNameMatches } from "./course.ts";
 * testNameMatches("pipeline > closes the output", "closes the output"); // → true
 * ```
 */
export function testNameMatches(fullName: string, key: string): boolean {
  return fullName === key || fullName.endsWith(` > ${key}`);
}

/**
 * The hint for a failing public test: its own entry in `hints`, else the
 * lab-wide `hint`, else `undefined`.
 *
 * @example
 * ```ts
 * import { hintFor, type LabEntry } from "./course.ts";
 * declare const lab: LabEntry;
 * hintFor(lab, "pipeline > closes the output");
 * ```
 */
export function hintFor(lab: LabEntry, failingTest: string): string | undefined {
  for (const [key, text] of Object.entries(lab.hints ?? {})) {
    if (testNameMatches(failingTest, key)) return text;
  }
  return lab.hint;
}

/**
 * Where the runtime binaries are on this machine: the running Deno
 * (`Deno.execPath()`), and the first `bun` on `PATH`, as the `PATH` entry
 * names it (Deno checks `--allow-run` against that path when a test starts
 * `bun` by name). Outside Deno, or without permission to look, a runtime is
 * simply not found.
 *
 * @example
 * ```ts
 * import { locateRuntimes } from "./course.ts";
 * locateRuntimes(); // → { deno: "/usr/local/bin/deno", bun: "/home/me/.bun/bin/bun" }
 * ```
 */
export function locateRuntimes(): RuntimePaths {
  const deno = (globalThis as { Deno?: { execPath(): string } }).Deno;
  if (deno === undefined) return {};
  const found: RuntimePaths = {};
  try {
    found.deno = deno.execPath();
  } catch {
    // not allowed to ask: not found
  }
  const bun = findOnPath("bun");
  if (bun !== undefined) found.bun = bun;
  return found;
}

/**
 * The first file named `name` in a folder of `PATH`, as that `PATH` entry
 * names it (Deno checks `--allow-run` against that path when a program is
 * started by name); `undefined` outside Deno, or when it is not there or
 * cannot be looked for.
 *
 * @example
 * ```ts
 * import { findOnPath } from "./course.ts";
 * findOnPath("bwrap"); // → "/usr/bin/bwrap" where bubblewrap is installed
 * ```
 */
export function findOnPath(name: string): string | undefined {
  const deno = (globalThis as {
    Deno?: {
      env: { get(name: string): string | undefined };
      statSync(path: string): { isFile: boolean };
    };
  }).Deno;
  if (deno === undefined) return undefined;
  let searchPath = "";
  try {
    searchPath = deno.env.get("PATH") ?? "";
  } catch {
    return undefined; // not allowed to read PATH
  }
  for (const dir of searchPath.split(":")) {
    if (dir === "") continue;
    const candidate = `${dir.replace(/\/+$/, "")}/${name}`;
    try {
      if (deno.statSync(candidate).isFile) return candidate;
    } catch {
      // not there, or not readable: keep looking
    }
  }
  return undefined;
}

/**
 * The `deno test` permission flags for a lab's tests: read access to the given
 * folders, plus whatever the manifest's `permissions` field adds, and never a
 * prompt. `run` becomes `--allow-run` for the absolute paths of the runtimes
 * it names that `locate` finds (a runtime that is not installed is left out),
 * and nothing when none is found.
 *
 * @example
 * ```ts
 * import { permissionFlags, type LabEntry } from "./course.ts";
 * declare const lab: LabEntry;
 * permissionFlags(lab, ["/tmp/sandbox"]);
 * // → ["--no-prompt", "--allow-read=/tmp/sandbox", "--allow-net=127.0.0.1"] for a net lab
 * permissionFlags(lab, ["/tmp/sandbox"], () => ({ deno: "/opt/deno", bun: "/opt/bun" }));
 * // → [..., "--allow-run=/opt/deno,/opt/bun"] for a lab with "run": ["deno", "bun"]
 * ```
 */
export function permissionFlags(
  lab: LabEntry,
  readable: string[],
  locate: () => RuntimePaths = locateRuntimes,
): string[] {
  const flags = ["--no-prompt"];
  if (readable.length > 0) flags.push(`--allow-read=${readable.join(",")}`);
  const extra = lab.permissions ?? {};
  if (extra.net) flags.push(`--allow-net=${extra.net.join(",")}`);
  if (extra.env) flags.push(`--allow-env=${extra.env.join(",")}`);
  if (extra.run) {
    const found = locate();
    const binaries = extra.run.map((name) => found[name]).filter((path) => path !== undefined);
    if (binaries.length > 0) flags.push(`--allow-run=${binaries.join(",")}`);
  }
  return flags;
}

/**
 * The manifest as shipped to students: hidden-test points removed (their names
 * would reveal the hidden tests) and each lab's starter hashes recorded so the
 * runner can tell an untouched lab.
 *
 * @example
 * ```ts
 * import { studentCourse, type Course } from "./course.ts";
 * declare const course: Course;
 * studentCourse(course, { "04-channels": { "pipeline.ts": "ab".repeat(32) } });
 * ```
 */
export function studentCourse(
  course: Course,
  starterHashes: Record<string, Record<string, string>>,
): Course {
  return {
    title: course.title,
    labs: course.labs.map((lab) => {
      const { points: _hiddenPoints, starter: _oldHashes, ...visible } = lab;
      const hashes = starterHashes[lab.slug];
      return hashes ? { ...visible, starter: hashes } : visible;
    }),
  };
}
