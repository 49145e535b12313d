/**
 * The course on disk, as the tools see it: where its parts live, reading the
 * manifest, hashing and copying files, building the throw-away folder a lab's
 * tests run in, terminal colours, and a small worker pool.
 *
 * @example
 * ```ts
 * import { coursePaths, loadCourse } from "./lab_env.ts";
 * const paths = coursePaths(Deno.cwd());
 * const course = await loadCourse(paths);
 * console.log(course.labs.map((lab) => lab.slug));
 * ```
 * @module
 */

import { type Course, type LabEntry, parseCourse } from "./course.ts";

/** Where the parts of a course live, all absolute. */
export interface CoursePaths {
  root: string;
  labs: string;
  manifest: string;
  primitives: string;
  solutions: string;
  hidden: string;
  notes: string;
}

/**
 * Joins path parts with `/` (Deno accepts it on every platform), dropping doubled separators.
 *
 * @example
 * ```ts
 * import { joinPath } from "./lab_env.ts";
 * joinPath("/course/", "labs", "04-channels"); // → "/course/labs/04-channels"
 * ```
 */
export function joinPath(...parts: string[]): string {
  return parts.filter((part) => part !== "").join("/").replace(/(?<!^)\/{2,}/g, "/");
}

/**
 * The file system path of a `file:` URL, with `/` separators (Windows drive letters kept).
 *
 * @example
 * ```ts
 * import { fileUrlToPath } from "./lab_env.ts";
 * fileUrlToPath(new URL("file:///work/my%20course/")); // → "/work/my course/"
 * ```
 */
export function fileUrlToPath(url: URL): string {
  const path = decodeURIComponent(url.pathname);
  return /^\/[A-Za-z]:/.test(path) ? path.slice(1) : path;
}

/**
 * Makes `path` absolute against the current directory, without a trailing slash.
 *
 * @example
 * ```ts
 * import { absolutePath } from "./lab_env.ts";
 * absolutePath("dist/student"); // → "<cwd>/dist/student"
 * ```
 */
export function absolutePath(path: string): string {
  if (/^([A-Za-z]:)?[\\/]/.test(path)) return path.replace(/[\\/]+$/, "") || path;
  return joinPath(Deno.cwd(), path).replace(/\/\.(?=\/|$)/g, "").replace(/\/+$/, "");
}

/**
 * The paths of a course rooted at `root` (the folder holding deno.json).
 *
 * @example
 * ```ts
 * import { coursePaths } from "./lab_env.ts";
 * coursePaths("/work/course").manifest; // → "/work/course/labs/course.json"
 * ```
 */
export function coursePaths(root: string): CoursePaths {
  const base = absolutePath(root);
  return {
    root: base,
    labs: joinPath(base, "labs"),
    manifest: joinPath(base, "labs", "course.json"),
    primitives: joinPath(base, "labs", "primitives"),
    solutions: joinPath(base, "solutions"),
    hidden: joinPath(base, "grader", "hidden"),
    notes: joinPath(base, "notes"),
  };
}

/**
 * Reads and validates `labs/course.json`.
 *
 * @throws {Error} saying the manifest is missing, or a `CourseError` listing its problems.
 * @example
 * ```ts
 * import { coursePaths, loadCourse } from "./lab_env.ts";
 * const course = await loadCourse(coursePaths("."));
 * ```
 */
export async function loadCourse(paths: CoursePaths): Promise<Course> {
  let text: string;
  try {
    text = await Deno.readTextFile(paths.manifest);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new Error(
        `no course manifest at ${paths.manifest}: run this from the course folder (the one ` +
          `with deno.json), or pass --root <folder>`,
      );
    }
    throw error;
  }
  return parseCourse(text, "labs/course.json");
}

/**
 * Whether a file or folder exists (any kind).
 *
 * @example
 * ```ts
 * import { exists } from "./lab_env.ts";
 * await exists("labs/course.json"); // → true in a course folder
 * ```
 */
export async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

/**
 * The names of the plain files directly inside `dir`, sorted; empty when it does not exist.
 *
 * @example
 * ```ts
 * import { listFiles } from "./lab_env.ts";
 * await listFiles("labs/04-channels"); // → ["README.md", "pipeline.ts", "pipeline_test.ts"]
 * ```
 */
export async function listFiles(dir: string): Promise<string[]> {
  const names: string[] = [];
  try {
    for await (const entry of Deno.readDir(dir)) if (entry.isFile) names.push(entry.name);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
  return names.sort();
}

/**
 * Every file under `dir`, as paths relative to it with `/` separators, sorted.
 *
 * @example
 * ```ts
 * import { walkFiles } from "./lab_env.ts";
 * await walkFiles("labs/primitives"); // → ["chan.ts", "mod.ts", ...]
 * ```
 */
export async function walkFiles(dir: string): Promise<string[]> {
  const found: string[] = [];
  async function visit(relative: string) {
    for await (const entry of Deno.readDir(joinPath(dir, relative))) {
      const path = relative === "" ? entry.name : `${relative}/${entry.name}`;
      if (entry.isDirectory) await visit(path);
      else found.push(path);
    }
  }
  await visit("");
  return found.sort();
}

/**
 * Test files by the lab convention: names ending in `_test.ts`.
 *
 * @example
 * ```ts
 * import { isTestFile } from "./lab_env.ts";
 * isTestFile("pipeline_test.ts"); // → true
 * ```
 */
export function isTestFile(name: string): boolean {
  return /_test\.ts$/.test(name);
}

/**
 * SHA-256 of a text in hex, with Windows line endings made Unix ones first so a
 * checkout with CRLF line endings hashes like the original.
 *
 * @example
 * ```ts
 * import { hashText } from "./lab_env.ts";
 * await hashText("a\r\nb") === await hashText("a\nb"); // → true
 * ```
 */
export async function hashText(text: string): Promise<string> {
  const bytes = new TextEncoder().encode(text.replace(/\r\n/g, "\n"));
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

/**
 * SHA-256 (hex) of a file's text, line endings normalised as in {@linkcode hashText}.
 *
 * @example
 * ```ts
 * import { hashFile } from "./lab_env.ts";
 * await hashFile("labs/04-channels/pipeline.ts"); // → "3f…" (64 hex digits)
 * ```
 */
export async function hashFile(path: string): Promise<string> {
  return await hashText(await Deno.readTextFile(path));
}

/**
 * Copies a folder's files into `to` (created as needed), skipping relative paths
 * for which `skip` answers true. Symbolic links are copied as the files they point to.
 *
 * @example
 * ```ts
 * import { copyTree } from "./lab_env.ts";
 * await copyTree("labs/primitives", "/tmp/x/labs/primitives", (path) => path.startsWith("bench/"));
 * ```
 */
export async function copyTree(
  from: string,
  to: string,
  skip: (relative: string) => boolean = () => false,
): Promise<string[]> {
  const copied: string[] = [];
  for (const relative of await walkFiles(from)) {
    if (skip(relative)) continue;
    const target = joinPath(to, relative);
    await Deno.mkdir(target.slice(0, target.lastIndexOf("/")), { recursive: true });
    await Deno.copyFile(joinPath(from, relative), target);
    copied.push(relative);
  }
  return copied;
}

/**
 * The course's deno.json as a test run needs it: without `test` (its `exclude`
 * list may name the lab folders, to keep a bare `deno test` off the failing
 * starters, and Deno drops excluded files even when they are named on the
 * command line), and without `tasks`, `name`, `exports` and `workspace`, which
 * a test run does not use.
 *
 * @example
 * ```ts
 * import { configForTestRuns } from "./lab_env.ts";
 * configForTestRuns({ imports: {}, test: { exclude: ["labs/04-channels/"] } }); // → { imports: {} }
 * ```
 */
export function configForTestRuns(config: Record<string, unknown>): Record<string, unknown> {
  const {
    test: _test,
    tasks: _tasks,
    name: _name,
    exports: _exports,
    workspace: _workspace,
    ...settings
  } = config;
  return settings;
}

/**
 * Writes {@linkcode configForTestRuns} of the deno.json at `source` to `target`.
 *
 * @example
 * ```ts
 * import { writeTestConfig } from "./lab_env.ts";
 * await writeTestConfig("deno.json", "/tmp/run/deno.json");
 * ```
 */
export async function writeTestConfig(source: string, target: string): Promise<void> {
  const config = JSON.parse(await Deno.readTextFile(source));
  await Deno.writeTextFile(target, `${JSON.stringify(configForTestRuns(config), null, 2)}\n`);
}

/**
 * Where Deno keeps its caches (npm packages, transpiled modules): `DENO_DIR`,
 * else Deno's default for this system; `undefined` when that cannot be told
 * (no permission to read the environment, no home folder).
 *
 * @example
 * ```ts
 * import { denoCacheDir } from "./lab_env.ts";
 * denoCacheDir(); // → "/home/ada/.cache/deno" on Linux, unless DENO_DIR says otherwise
 * ```
 */
export function denoCacheDir(): string | undefined {
  const variable = (name: string) => {
    try {
      return Deno.env.get(name) || undefined;
    } catch {
      return undefined; // not allowed to read it
    }
  };
  const explicit = variable("DENO_DIR");
  if (explicit) return absolutePath(explicit);
  const home = variable("HOME");
  switch (Deno.build.os) {
    case "windows": {
      const local = variable("LOCALAPPDATA");
      return local ? joinPath(local, "deno") : undefined;
    }
    case "darwin":
      return home ? joinPath(home, "Library", "Caches", "deno") : undefined;
    default: {
      const xdg = variable("XDG_CACHE_HOME");
      if (xdg) return joinPath(absolutePath(xdg), "deno");
      return home ? joinPath(absolutePath(home), ".cache", "deno") : undefined;
    }
  }
}

/**
 * Removes what Deno transpiled from the modules under `dirs` from Deno's
 * `cache` (by default the one {@linkcode denoCacheDir} finds; the cache keeps
 * one file per module path, `<cache>/gen/file/<path>.js`, and never drops one).
 * Every sandbox has a fresh path, so without this each run of a lab's tests
 * would leave its transpiled copy in the user's cache for good: about 0.8 MB a
 * run, more than 100 MB for one `deno task check`. Best effort: a cache it
 * cannot find or write is left alone.
 *
 * @example
 * ```ts
 * import { forgetTranspiled } from "./lab_env.ts";
 * await forgetTranspiled(["/tmp/lab-04-channels-starter-1a2b"]);
 * ```
 */
export async function forgetTranspiled(
  dirs: string[],
  cache: string | undefined = denoCacheDir(),
): Promise<void> {
  if (cache === undefined || Deno.build.os === "windows") return;
  for (const dir of new Set(dirs)) {
    if (!dir.startsWith("/") || dir.split("/").includes("..")) continue;
    await Deno.remove(joinPath(cache, "gen", "file", dir), { recursive: true }).catch(() => {});
  }
}

/**
 * The folder under `grader/hidden/<slug>/` holding the lab's mutants: one
 * sub-folder per known-wrong solution, with the student files that differ.
 */
export const MUTANTS_DIR = "mutants";

/** Which version of a lab's edited files a sandbox holds. */
export type SandboxVariant = "starter" | "solution";

/** A throw-away copy of one lab, laid out as labs.md describes. */
export interface Sandbox {
  /** The sandbox root: holds deno.json, package.json and labs/. */
  dir: string;
  /** `<dir>/labs/<slug>`. */
  labDir: string;
  /** Public test files, relative to `dir` (`labs/<slug>/x_test.ts`). */
  publicTests: string[];
  /** Hidden test files, relative to `dir`; empty unless hidden tests were asked for. */
  hiddenTests: string[];
  /** Removes the sandbox, and what Deno transpiled from it (see {@linkcode forgetTranspiled}). */
  remove(): Promise<void>;
}

/**
 * Builds the folder a lab's tests run in: `labs/primitives/`, `labs/<slug>/`
 * (with the solution's files over the starters for `"solution"`), the hidden
 * tests copied into the lab folder when `withHidden`, and the course's
 * deno.json (as {@linkcode configForTestRuns} has it), package.json and
 * deno.lock. npm packages come from Deno's cache (deno.json sets
 * `nodeModulesDir: "none"`); the course's `node_modules`, when it has one, is
 * linked in for Bun.
 *
 * @throws {Error} naming the missing folder when the lab, its solution or its hidden tests are absent.
 * @example
 * ```ts
 * import { coursePaths, createSandbox, loadCourse } from "./lab_env.ts";
 * const paths = coursePaths(".");
 * const [lab] = (await loadCourse(paths)).labs;
 * const sandbox = await createSandbox(paths, lab, "solution", true);
 * try { console.log(sandbox.publicTests, sandbox.hiddenTests); } finally { await sandbox.remove(); }
 * ```
 */
export async function createSandbox(
  paths: CoursePaths,
  lab: LabEntry,
  variant: SandboxVariant,
  withHidden: boolean,
  tempDir?: string,
): Promise<Sandbox> {
  const dir = await Deno.makeTempDir({ prefix: `lab-${lab.slug}-${variant}-`, dir: tempDir });
  // Deno names its cached modules by the path it loaded them from, which may be the real one.
  const realDir = await Deno.realPath(dir).catch(() => dir);
  const remove = async () => {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    await forgetTranspiled([dir, realDir]);
  };
  try {
    const labSource = joinPath(paths.labs, lab.slug);
    const labDir = joinPath(dir, "labs", lab.slug);
    await copyTree(paths.primitives, joinPath(dir, "labs", "primitives"));
    if (!await exists(labSource)) throw new Error(`the lab folder ${labSource} does not exist`);
    await copyTree(labSource, labDir);
    const publicTests = (await listFiles(labDir)).filter(isTestFile)
      .map((name) => `labs/${lab.slug}/${name}`);
    if (variant === "solution") {
      const solution = joinPath(paths.solutions, lab.slug);
      if (!await exists(solution)) {
        throw new Error(`the solution folder ${solution} does not exist`);
      }
      await copyTree(solution, labDir);
    }
    let hiddenTests: string[] = [];
    if (withHidden) {
      const hidden = joinPath(paths.hidden, lab.slug);
      if (!await exists(hidden)) {
        throw new Error(`the hidden tests folder ${hidden} does not exist`);
      }
      // Mutants (known-wrong solutions) stay out: the tests never import them.
      const copied = await copyTree(hidden, labDir, (path) => path.startsWith(`${MUTANTS_DIR}/`));
      hiddenTests = copied.filter((name) => !name.includes("/") && isTestFile(name))
        .map((name) => `labs/${lab.slug}/${name}`);
    }
    for (const name of ["package.json", "deno.lock"]) {
      const source = joinPath(paths.root, name);
      if (await exists(source)) await Deno.copyFile(source, joinPath(dir, name));
    }
    const config = joinPath(paths.root, "deno.json");
    if (await exists(config)) await writeTestConfig(config, joinPath(dir, "deno.json"));
    // Deno takes npm packages from its cache; Bun (a lab's tests may start it
    // as a child process) resolves them through node_modules, so link the
    // course's own.
    const modules = joinPath(paths.root, "node_modules");
    if (await exists(modules)) await Deno.symlink(modules, joinPath(dir, "node_modules"));
    return { dir, labDir, publicTests, hiddenTests, remove };
  } catch (error) {
    await remove();
    throw error;
  }
}

/** ANSI styling that turns itself off when colour is not wanted. */
export interface Style {
  enabled: boolean;
  green(text: string): string;
  red(text: string): string;
  yellow(text: string): string;
  dim(text: string): string;
  bold(text: string): string;
}

/**
 * Styling for text written to a stream: colour only when `enabled`.
 *
 * @example
 * ```ts
 * import { makeStyle } from "./lab_env.ts";
 * makeStyle(false).green("ok"); // → "ok"
 * ```
 */
export function makeStyle(enabled: boolean): Style {
  const wrap = (open: number, close: number) => (text: string) =>
    enabled ? `\x1b[${open}m${text}\x1b[${close}m` : text;
  return {
    enabled,
    green: wrap(32, 39),
    red: wrap(31, 39),
    yellow: wrap(33, 39),
    dim: wrap(2, 22),
    bold: wrap(1, 22),
  };
}

/**
 * Whether to colour standard output: only on a terminal, and never when
 * `NO_COLOR` is set (https://no-color.org).
 *
 * @example
 * ```ts
 * import { makeStyle, wantsColor } from "./lab_env.ts";
 * const style = makeStyle(wantsColor());
 * ```
 */
export function wantsColor(): boolean {
  let noColor: string | undefined;
  try {
    noColor = Deno.env.get("NO_COLOR");
  } catch {
    noColor = undefined; // without env permission, fall back to the terminal check alone
  }
  return Deno.stdout.isTerminal() && (noColor === undefined || noColor === "");
}

/**
 * Runs `work` on every item with at most `limit` running at once; results in input order.
 *
 * @example
 * ```ts
 * import { mapPool } from "./lab_env.ts";
 * await mapPool([1, 2, 3], 2, async (n) => n * 2); // → [2, 4, 6]
 * ```
 */
export async function mapPool<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index], index);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}

/**
 * A count with its noun: `1 lab`, `3 labs`.
 *
 * @example
 * ```ts
 * import { plural } from "./lab_env.ts";
 * plural(2, "problem"); // → "2 problems"
 * ```
 */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

/**
 * How many test runs to do at once: the cores, at most 2 (a run type-checks, which is heavy).
 *
 * @example
 * ```ts
 * import { mapPool, parallelism } from "./lab_env.ts";
 * await mapPool(["01", "04"], parallelism(), async (id) => id);
 * ```
 */
export function parallelism(): number {
  return Math.max(1, Math.min(2, navigator.hardwareConcurrency ?? 1));
}

/**
 * Reads a `--name value` or `--name=value` option out of `args`, removing it.
 *
 * @throws {Error} when the option is given without a value.
 * @example
 * ```ts
 * import { takeOption } from "./lab_env.ts";
 * const args = ["--root", "/course", "04"];
 * takeOption(args, "--root"); // → "/course", and args is now ["04"]
 * ```
 */
export function takeOption(args: string[], name: string): string | undefined {
  for (let index = 0; index < args.length; index++) {
    if (args[index] === name) {
      const value = args[index + 1];
      if (value === undefined || value.startsWith("--")) throw new Error(`${name} needs a value`);
      args.splice(index, 2);
      return value;
    }
    if (args[index].startsWith(`${name}=`)) {
      const value = args[index].slice(name.length + 1);
      args.splice(index, 1);
      return value;
    }
  }
  return undefined;
}

/**
 * Reads a boolean `--flag` out of `args`, removing it.
 *
 * @example
 * ```ts
 * import { takeFlag } from "./lab_env.ts";
 * takeFlag(["--watch", "04"], "--watch"); // → true
 * ```
 */
export function takeFlag(args: string[], ...names: string[]): boolean {
  let found = false;
  for (let index = args.length - 1; index >= 0; index--) {
    if (names.includes(args[index])) {
      args.splice(index, 1);
      found = true;
    }
  }
  return found;
}

/**
 * Parses a `--timeout` value in seconds into milliseconds.
 *
 * @throws {Error} when it is not a positive number.
 * @example
 * ```ts
 * import { parseSeconds } from "./lab_env.ts";
 * parseSeconds("90", "--timeout"); // → 90000
 * ```
 */
export function parseSeconds(value: string, option: string): number {
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new Error(`${option} must be a positive number of seconds, not "${value}"`);
  }
  return seconds * 1000;
}
