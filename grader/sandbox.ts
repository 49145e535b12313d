/**
 * Running a lab's hidden tests on one submission, in a fresh temporary folder
 * and a separate Deno process with the narrowest permissions.
 *
 * The folder holds the course's `labs/primitives/` and lab folder (never the
 * student's copies), then only the student's files the manifest lists, then the
 * hidden tests and the grader's canary tests (canary.ts), plus the course's
 * deno.json, package.json and deno.lock (`createSandbox` in core/lab_env.ts
 * builds it). The process may read that folder, except the hidden tests'
 * source; it may not write, run commands, read the environment (but
 * `PRIMITIVES_SEED`) or use the network, except what the lab's manifest
 * `permissions` grant; it fetches nothing (`--cached-only`, `--no-remote`). A
 * preload freezes the realm before the student's code loads
 * (sandbox_preload.ts). Where the machine allows it, it runs in a mount
 * namespace that shows neither the course, the submissions, the output, the
 * user's Deno cache nor other sandboxes (isolation.ts), with a Deno cache of
 * the grading run's own (`makeSandboxCache`), which it may read but not
 * write, and its sandbox at one path for every run (`SANDBOX_MOUNT`), so that
 * what every run shares, compiled once per lab (`warmSharedCache`), is found
 * there. It runs under a wall-clock limit that holds
 * without the grader (`timeout -k`), a heap limit, a memory cap on its whole
 * process group and an output cap, and its process group is killed when it
 * ends. One process runs every hidden test file in one isolate, once per seed
 * (core/test_entry.ts); the files the manifest lists as `unseededTests` run under the
 * first seed only. Its results are read from the JUnit report
 * `deno test` writes into a folder the tested code can neither read nor write;
 * nothing it prints is kept.
 *
 * @example
 * ```ts
 * import { DEFAULT_LIMITS, runSandbox } from "./sandbox.ts";
 * import { coursePaths, loadCourse } from "../core/lab_env.ts";
 * const paths = coursePaths(".");
 * const [lab] = (await loadCourse(paths)).labs;
 * const outcome = await runSandbox(paths, lab, { kind: "solution" }, DEFAULT_LIMITS);
 * console.log(outcome.report?.length, outcome.problem);
 * ```
 * @module
 */

import { type LabEntry, permissionFlags } from "../core/course.ts";
import {
  copyTree,
  type CoursePaths,
  createSandbox,
  denoCacheDir,
  exists,
  fileUrlToPath,
  joinPath,
  type Sandbox,
  walkFiles,
} from "../core/lab_env.ts";
import type { LiveEvent, TestResult } from "../core/test_report.ts";
import { cleanRunnerErrors, runTests, type TestRun } from "../core/test_runner.ts";
import { allowSeedVariable, seedEnv } from "../core/seeds.ts";
import { CANARY_FILE, canarySource, checkCanaries, newCanarySecret } from "./canary.ts";
import {
  ENTRY_FILE,
  type EntryPass,
  entrySource,
  SEED_MARKER_PREFIX,
  splitEntryReport,
} from "../core/test_entry.ts";
import { isolationWrapper, type Namespace, SANDBOX_MOUNT } from "./isolation.ts";
import type { StudentFile } from "./submissions.ts";

/** The limits one lab run gets. */
export interface SandboxLimits {
  /** Wall-clock limit; past it the run's process group is killed. */
  timeoutMs: number;
  /** V8's old-space limit, in MiB (each worker has its own heap: see `memoryMb`). */
  heapMb: number;
  /** Most resident memory of the run's whole process group (workers, child processes), in MiB. */
  memoryMb: number;
  /** Most bytes of printed output kept (stdout and stderr); the rest is dropped, the run goes on. */
  maxOutputBytes: number;
}

/** Limits for a lab run, unless the instructor says otherwise. */
export const DEFAULT_LIMITS: SandboxLimits = {
  timeoutMs: 60_000,
  heapMb: 512,
  memoryMb: 1536,
  maxOutputBytes: 512 * 1024,
};

/** The seeds every hidden run executes under, unless the instructor says otherwise. */
export const DEFAULT_SEEDS = [1, 2];

/** What a grading run's sandboxes share: where they live, what they must not see, the seeds. */
export interface SandboxSetup {
  /** The grading run's temporary folder (see `makeRunTempRoot`); the system's when absent. */
  tempRoot?: string;
  /** The mount namespace tool, when the machine has one. */
  namespace?: Namespace;
  /**
   * The grading run's own Deno cache (see {@linkcode makeSandboxCache}), which runs in the
   * namespace use and see read-only; the user's cache when absent.
   */
  cacheDir?: string;
  /** Folders a sandbox must not see besides /tmp: the course, the submissions, the output. */
  hide?: string[];
  /** Folders to show again inside hidden ones (Deno's executable when it is in the course). */
  show?: string[];
  /** Seeds to run under (`PRIMITIVES_SEED`); an empty list runs once without one. */
  seeds?: number[];
  /**
   * Type-check the code before its first run (a type error then scores nothing). Off
   * by default: the course's side is checked by the reference run, a student's code is
   * graded on what it does, and checking costs more than the tests themselves.
   */
  typeCheck?: boolean;
}

/**
 * The grader's preload (see sandbox_preload.ts), and where a sandbox holds its
 * copy: at the same place relative to `labs/` as in the course, so its import
 * of the primitives reaches the sandbox's own.
 */
export const PRELOAD_SOURCE = fileUrlToPath(new URL("./sandbox_preload.ts", import.meta.url));
/** The preload's path inside a sandbox. */
export const PRELOAD_IN_SANDBOX = "grader/sandbox_preload.ts";

/** What goes into the lab folder over the starters. */
export type SandboxSource =
  | { kind: "solution" }
  | { kind: "submission"; files: StudentFile[] };

/**
 * Builds the sandbox for one lab run: the course's primitives and lab folder,
 * the hidden tests, the course's config files and the grader's preload, and then
 * either the solution or the student's `files` over the starters. Only names the
 * manifest lists for the lab are written; any other name is ignored.
 *
 * @throws {Error} naming the missing folder when the course lacks the lab, its solution or its hidden tests.
 * @example
 * ```ts
 * import { prepareSandbox } from "./sandbox.ts";
 * import { coursePaths, loadCourse } from "../core/lab_env.ts";
 * const paths = coursePaths(".");
 * const [lab] = (await loadCourse(paths)).labs;
 * const bytes = new TextEncoder().encode("export {};\n");
 * const sandbox = await prepareSandbox(paths, lab, { kind: "submission", files: [{ name: lab.files[0], bytes }] });
 * await sandbox.remove();
 * ```
 */
export async function prepareSandbox(
  paths: CoursePaths,
  lab: LabEntry,
  source: SandboxSource,
  tempRoot?: string,
): Promise<Sandbox> {
  const sandbox = await createSandbox(
    paths,
    lab,
    source.kind === "solution" ? "solution" : "starter",
    true,
    tempRoot,
  );
  try {
    const preload = joinPath(sandbox.dir, PRELOAD_IN_SANDBOX);
    await Deno.mkdir(preload.slice(0, preload.lastIndexOf("/")), { recursive: true });
    await Deno.copyFile(PRELOAD_SOURCE, preload);
    if (source.kind === "submission") {
      for (const file of source.files) {
        if (!lab.files.includes(file.name)) continue;
        await Deno.writeFile(joinPath(sandbox.labDir, file.name), file.bytes);
      }
    }
    return sandbox;
  } catch (error) {
    await sandbox.remove();
    throw error;
  }
}

/**
 * The `deno test` flags for a sandbox: read access to the sandbox only, with
 * the hidden tests' own files denied (the runner still loads them: permissions
 * do not apply to the modules it was asked to run), the manifest's extra
 * permissions (loopback network for the server lab), the seed variable when
 * there is a seed, no fetching, the heap limit, and the preload that freezes
 * the realm before the student's code loads. A lab allowed to start runtimes
 * may also start the `confiners` (the namespace's, see isolation.ts), so that
 * its tests can confine a runtime that has no permissions of its own.
 *
 * @example
 * ```ts
 * import { DEFAULT_LIMITS, sandboxFlags } from "./sandbox.ts";
 * import type { LabEntry } from "../core/course.ts";
 * declare const lab: LabEntry;
 * sandboxFlags(lab, "/tmp/sb", "/tmp/sb/labs/04-channels", ["first_hidden_test.ts"], DEFAULT_LIMITS, true);
 * // → { permissions: ["--no-prompt", "--allow-read=/tmp/sb", "--deny-read=/tmp/sb/labs/04-…",
 * //      "--allow-env=PRIMITIVES_SEED"], flags: ["--cached-only", "--no-remote", …] }
 * ```
 */
export function sandboxFlags(
  lab: LabEntry,
  sandboxDir: string,
  labDir: string,
  hiddenFiles: string[],
  limits: SandboxLimits,
  seeded = false,
  confiners: readonly string[] = [],
): { permissions: string[]; flags: string[] } {
  const permissions = permissionFlags(lab, [sandboxDir]);
  // A lab whose tests start runtimes may also start the programs that confine them.
  const run = permissions.findIndex((flag) => flag.startsWith("--allow-run="));
  if (run !== -1 && confiners.length > 0) permissions[run] += `,${confiners.join(",")}`;
  if (hiddenFiles.length > 0) {
    permissions.push(`--deny-read=${hiddenFiles.map((name) => joinPath(labDir, name)).join(",")}`);
  }
  return {
    // One --allow-env flag: the manifest's names, if any, and the seed's.
    permissions: seeded ? allowSeedVariable(permissions) : permissions,
    flags: [
      "--cached-only",
      "--no-remote",
      `--v8-flags=--max-old-space-size=${limits.heapMb}`,
      `--preload=${joinPath(sandboxDir, PRELOAD_IN_SANDBOX)}`,
    ],
  };
}

/**
 * Puts the course's npm packages (deno.json's imports, as deno.lock pins them)
 * into a Deno cache before any sandbox runs: the user's (`DENO_DIR` or Deno's
 * default), or `denoDir`. A sandbox fetches nothing (`--cached-only`), so on a
 * machine whose cache lacks one, every run, the reference solution's included,
 * would fail to load. Tries the cache alone first, and fetches only what it lacks.
 *
 * @throws {Error} saying what Deno printed when the packages can be neither found nor fetched.
 * @example
 * ```ts
 * import { cacheCourseDependencies } from "./sandbox.ts";
 * await cacheCourseDependencies(".", console.log);
 * ```
 */
export async function cacheCourseDependencies(
  root: string,
  log: (line: string) => void,
  denoDir?: string,
): Promise<void> {
  const install = (flags: string[]) =>
    new Deno.Command(Deno.execPath(), {
      args: ["install", "--quiet", ...flags],
      cwd: root,
      env: denoDir === undefined ? undefined : { DENO_DIR: denoDir },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
  if ((await install(["--cached-only"])).success) return;
  log("Fetching the course's npm packages into Deno's cache (sandboxes fetch nothing)…");
  const fetched = await install([]);
  if (fetched.success) return;
  const said = cleanRunnerErrors(new TextDecoder().decode(fetched.stderr))
    .filter((line) => line.trim() !== "").slice(0, 6).join("\n  ");
  throw new Error(
    `the course's npm packages are not in Deno's cache and could not be fetched, and sandboxes ` +
      `fetch nothing (\`deno install\` in ${root} said:\n  ${said})`,
  );
}

/**
 * The npm package names deno.lock pins (`@scope/name` or `name`), from its
 * `npm` keys (`name@version`, with peer dependencies after an underscore).
 *
 * @example
 * ```ts
 * import { lockedPackages } from "./sandbox.ts";
 * lockedPackages({ npm: { "ses@2.3.0": {}, "@endo/env-options@1.1.11": {} } });
 * // → ["ses", "@endo/env-options"]
 * ```
 */
export function lockedPackages(lock: unknown): string[] {
  const npm = (lock as { npm?: unknown } | null)?.npm;
  if (typeof npm !== "object" || npm === null) return [];
  const names = Object.keys(npm).map((key) => /^(@?[^@]+)@/.exec(key)?.[1])
    .filter((name): name is string => name !== undefined && !name.split("/").includes(".."));
  return [...new Set(names)];
}

/**
 * Makes a grading run's own Deno cache in `dir`, for its sandboxes to use
 * instead of the user's: the course's npm packages, copied from the user's
 * cache where it holds them and fetched otherwise (see
 * {@linkcode cacheCourseDependencies}), and nothing else. A sandbox in a
 * namespace then sees none of what the user's cache keeps of other work (the
 * transpiled text of whatever ran on this machine), and what the runs share is
 * cached there and nowhere else (see {@linkcode warmSharedCache}).
 *
 * @throws {Error} as {@linkcode cacheCourseDependencies} does.
 * @example
 * ```ts
 * import { makeSandboxCache } from "./sandbox.ts";
 * await makeSandboxCache(".", "/tmp/grader-run-1/deno-cache", console.log);
 * ```
 */
export async function makeSandboxCache(
  root: string,
  dir: string,
  log: (line: string) => void,
): Promise<void> {
  const userCache = denoCacheDir();
  const registry = joinPath("npm", "registry.npmjs.org");
  const lock = await Deno.readTextFile(joinPath(root, "deno.lock")).then(JSON.parse, () => null);
  await Deno.mkdir(joinPath(dir, registry), { recursive: true });
  if (userCache !== undefined) {
    for (const name of lockedPackages(lock)) {
      const from = joinPath(userCache, registry, name);
      if (await exists(from)) await copyTree(from, joinPath(dir, registry, name));
    }
  }
  await cacheCourseDependencies(root, log, dir);
}

/** What a lab run produced. */
export interface SandboxOutcome {
  /** The tests as the JUnit report has them, or `null` when the run wrote no report. */
  report: TestResult[] | null;
  /** Why the run did not end normally, in words; `undefined` for a normal run. */
  problem?: string;
  /** True when the run was stopped through the signal (the grader is shutting down). */
  aborted: boolean;
  /**
   * Why the report cannot be believed (it contradicts the canary tests); the lab
   * is then zeroed with this reason.
   */
  forged?: string;
  /** For each test that failed, the first seed it failed under (seeded runs only). */
  failingSeeds: Map<string, number>;
  /** Things worth saying that did not stop the run (its output was cut short). */
  notes: string[];
  durationMs: number;
}

function seconds(ms: number): string {
  return String(Math.round(ms / 100) / 10);
}

/** The compiler's own lines of a type-check failure: its messages and where, no source lines. */
function typeErrors(details: string[]): string[] {
  const errors: string[] = [];
  for (const line of details) {
    if (/^TS\d+ \[ERROR\]/.test(line)) errors.push(line);
    else if (/^\s+at \S/.test(line) && errors.length > 0) {
      errors[errors.length - 1] += ` (${line.trim()})`;
    }
  }
  return errors;
}

/**
 * Why a run did not end normally, in words the student can act on; `undefined`
 * for a normal run. Source lines the compiler quotes are left out, since they
 * may come from a hidden test.
 *
 * @example
 * ```ts
 * import { DEFAULT_LIMITS, describeProblem } from "./sandbox.ts";
 * import type { TestRun } from "../core/test_runner.ts";
 * declare const run: TestRun;
 * describeProblem({ ...run, timedOut: true }, DEFAULT_LIMITS); // → "timed out after 60 s"
 * ```
 */
export function describeProblem(run: TestRun, limits: SandboxLimits): string | undefined {
  if (run.timedOut) return `timed out after ${seconds(limits.timeoutMs)} s`;
  if (run.memoryLimited) {
    return `its processes held more than ${limits.memoryMb} MiB of memory together and were ` +
      `stopped (data that only grows, or workers that never end?)`;
  }
  if (run.aborted) return "the grading run was stopped before this lab finished";
  const details = run.problem?.details ?? [];
  if (!run.fromReport) {
    if (details.some((line) => /out of memory|heap limit/i.test(line))) {
      return `ran out of memory (the heap limit is ${limits.heapMb} MiB)`;
    }
    if (run.problem?.headline.startsWith("the code does not type-check")) {
      const errors = typeErrors(details);
      return [run.problem.headline, ...errors.slice(0, 10)].join("\n");
    }
    return `the test run ended (exit code ${run.exitCode}) without writing its report` +
      (run.problem ? `: ${run.problem.headline}` : "");
  }
  if (run.problem) return [run.problem.headline, ...details.slice(0, 10)].join("\n");
  return undefined;
}

/**
 * Replaces the sandbox's own paths in a text with paths relative to it: a path
 * that begins with one of `dirs`, as a plain path or a file URL, but not a
 * longer path that only holds one further in (the run's cache keeps its copy of
 * a sandbox file under `<cache>/gen/file/<the file's path>`).
 *
 * @example
 * ```ts
 * import { relativeTo } from "./sandbox.ts";
 * const clean = relativeTo(["/tmp/grader-sandbox"]);
 * clean("at file:///tmp/grader-sandbox/labs/01/a.ts:3:9"); // → "at labs/01/a.ts:3:9"
 * clean("/c/gen/file/tmp/grader-sandbox/labs/01/a.ts.js"); // → unchanged
 * ```
 */
export function relativeTo(dirs: string[]): (text: string | undefined) => string | undefined {
  if (dirs.length === 0) return (text) => text;
  const alternatives = [...dirs].sort((a, b) => b.length - a.length)
    .map((dir) => dir.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  const pattern = new RegExp(`(^|[^\\w./-])(?:file://)?(?:${alternatives.join("|")})/`, "g");
  return (text) => text?.replace(pattern, "$1");
}

function finish(outcome: SandboxOutcome, started: number): SandboxOutcome {
  outcome.durationMs = performance.now() - started;
  return outcome;
}

/** One sandbox, ready for runs of its entry module. */
interface EntryRunner {
  /**
   * Writes the entry module for `group` and a canary file with a fresh secret (its
   * `secret`), then runs them in one process, the passes one after the other.
   */
  run(group: EntryPass[], how: EntryRunOptions): Promise<{ run: TestRun; secret: string }>;
  /** The passes every seed of `setup.seeds` gives this lab (see core/test_entry.ts). */
  passes: EntryPass[];
  /** The seeds, `undefined` for a run without one. */
  seeds: (number | undefined)[];
  /** Replaces the sandbox's paths, as a run sees them, with paths relative to it. */
  clean: (text: string | undefined) => string | undefined;
}

/** How one process runs an entry module, beyond what every run of the sandbox shares. */
interface EntryRunOptions {
  /** Type-check before running. */
  typeCheck: boolean;
  /** Further `deno test` flags. */
  flags?: string[];
  /** Folders besides the report folder the run may write (Deno's cache, for a warm-up). */
  writable?: string[];
  /** See `TestRunOptions.restartsClock` in core/test_runner.ts. */
  restartsClock?: (event: LiveEvent) => boolean;
  /** Each live event of the run, as it comes. */
  onEvent?: (event: LiveEvent) => void;
  /** Stops the run. */
  signal?: AbortSignal;
}

/**
 * What every run of `sandbox` shares: its permissions and flags (naming the
 * sandbox as the run sees it: at {@linkcode SANDBOX_MOUNT} when there is a
 * namespace), its passes, and the runner.
 */
async function entryRunner(
  paths: CoursePaths,
  lab: LabEntry,
  sandbox: Sandbox,
  reportRoot: string,
  limits: SandboxLimits,
  setup: SandboxSetup,
): Promise<EntryRunner> {
  const hiddenSource = joinPath(paths.hidden, lab.slug);
  const hiddenFiles = await exists(hiddenSource) ? await walkFiles(hiddenSource) : [];
  const seeds: (number | undefined)[] = setup.seeds?.length ? setup.seeds : [undefined];
  const seenDir = setup.namespace === undefined ? sandbox.dir : SANDBOX_MOUNT;
  const { permissions, flags } = sandboxFlags(
    lab,
    seenDir,
    joinPath(seenDir, "labs", lab.slug),
    [...hiddenFiles, CANARY_FILE, ENTRY_FILE],
    limits,
    seeds[0] !== undefined,
    setup.namespace?.confiners,
  );
  const hiddenNames = sandbox.hiddenTests.map((path) => path.slice(path.lastIndexOf("/") + 1));
  const unseeded = new Set(lab.unseededTests ?? []);
  const seededNames = hiddenNames.filter((name) => !unseeded.has(name));
  // Files a second seed would only repeat run under the first seed only; a seed with nothing else
  // is skipped.
  const passes: EntryPass[] = seeds
    .map((seed, index) => ({ seed, files: index === 0 ? hiddenNames : seededNames }))
    .filter((pass) => pass.files.length > 0);
  const run = async (group: EntryPass[], how: EntryRunOptions) => {
    const secret = newCanarySecret();
    await Deno.writeTextFile(joinPath(sandbox.labDir, CANARY_FILE), canarySource(secret));
    await Deno.writeTextFile(
      joinPath(sandbox.labDir, ENTRY_FILE),
      entrySource(group, [CANARY_FILE]),
    );
    const seed = group[0].seed;
    const testRun = await runTests({
      cwd: sandbox.dir,
      files: [`labs/${lab.slug}/${ENTRY_FILE}`],
      permissions,
      flags: [...flags, ...how.flags ?? []],
      typeCheck: how.typeCheck,
      wrapper: isolationWrapper({
        namespace: setup.namespace,
        timeoutMs: limits.timeoutMs * group.length,
        hide: setup.hide ?? [],
        visible: [
          reportRoot,
          ...setup.show ?? [],
          ...setup.cacheDir === undefined ? [] : [setup.cacheDir],
          ...how.writable ?? [],
        ],
        writable: [reportRoot, ...how.writable ?? []],
        sandbox: sandbox.dir,
      }),
      env: {
        ...seed === undefined ? {} : seedEnv(seed),
        ...setup.cacheDir === undefined ? {} : { DENO_DIR: setup.cacheDir },
      },
      timeoutMs: limits.timeoutMs,
      restartsClock: how.restartsClock,
      maxOutputBytes: limits.maxOutputBytes,
      maxMemoryMb: limits.memoryMb,
      ownProcessGroup: true,
      tempDir: reportRoot,
      signal: how.signal,
      onEvent: how.onEvent,
    });
    return { run: testRun, secret };
  };
  const seen = [SANDBOX_MOUNT, sandbox.dir, await Deno.realPath(sandbox.dir)];
  return { run, passes, seeds, clean: relativeTo([...new Set(seen)]) };
}

/**
 * Makes a fresh sandbox of `source` and a report folder, hands `work` the
 * sandbox's {@linkcode EntryRunner}, and removes both afterwards.
 */
async function withEntryRunner<T>(
  paths: CoursePaths,
  lab: LabEntry,
  source: SandboxSource,
  limits: SandboxLimits,
  setup: SandboxSetup,
  work: (runner: EntryRunner) => Promise<T>,
): Promise<T> {
  const sandbox = await prepareSandbox(paths, lab, source, setup.tempRoot);
  const reportRoot = await Deno.makeTempDir({ prefix: "reports-", dir: setup.tempRoot });
  try {
    return await work(await entryRunner(paths, lab, sandbox, reportRoot, limits, setup));
  } finally {
    await sandbox.remove();
    await Deno.remove(reportRoot, { recursive: true }).catch(() => {});
  }
}

/**
 * Fills the grading run's own cache (`setup.cacheDir`) with what every graded
 * run of `lab` shares, so that those runs, which may not write the cache, find
 * it there instead of transpiling and compiling it afresh each time: one run of
 * the hidden tests' entry module on the starters, in the namespace, with the
 * cache writable and every test filtered out (the modules load, no test runs).
 * Only what the hidden tests load before any test runs is cached: the
 * primitives, the preload, the hidden files, and a starter only where a hidden
 * file imports it at the top (they load the student's code inside their
 * tests); never a solution, which a sandbox could then read back. Does nothing
 * (false) without a namespace (a run elsewhere sees its sandbox under its own,
 * fresh name) or a cache of the run's own; a warm-up that fails only leaves the
 * runs slower.
 *
 * @example
 * ```ts
 * import { DEFAULT_LIMITS, makeSandboxCache, warmSharedCache } from "./sandbox.ts";
 * import { detectNamespace } from "./isolation.ts";
 * import { coursePaths, loadCourse } from "../core/lab_env.ts";
 * const paths = coursePaths(".");
 * const [lab] = (await loadCourse(paths)).labs;
 * const cacheDir = "/tmp/grader-run-1/deno-cache";
 * await makeSandboxCache(".", cacheDir, console.log);
 * const setup = { namespace: await detectNamespace(), cacheDir, seeds: [1, 2] };
 * await warmSharedCache(paths, lab, DEFAULT_LIMITS, setup);
 * ```
 */
export async function warmSharedCache(
  paths: CoursePaths,
  lab: LabEntry,
  limits: SandboxLimits,
  setup: SandboxSetup,
): Promise<boolean> {
  const cache = setup.cacheDir;
  if (setup.namespace === undefined || cache === undefined) return false;
  const starters: SandboxSource = { kind: "submission", files: [] };
  return await withEntryRunner(paths, lab, starters, limits, setup, async (runner) => {
    if (runner.passes.length === 0) return false;
    const { run } = await runner.run(runner.passes, {
      typeCheck: false,
      flags: [`--filter=${NO_TEST}`],
      writable: [cache],
    });
    return run.exitCode === 0;
  });
}

/**
 * The hidden files of `lab` (its tests and their helpers) as a warm-up left
 * them transpiled in the run's cache. A sandbox cannot read them there: no
 * literal import can name the cache (its path is made per grading run), and a
 * computed one needs a read permission the sandbox lacks. Should either
 * change, the grader scrubs these texts from what it publishes as it scrubs
 * the source, since Deno reformats what it transpiles and a quote of the
 * cached copy would slip past the source's runs. Empty without a cache or a
 * warm-up.
 *
 * @example
 * ```ts
 * import { transpiledHiddenFiles } from "./sandbox.ts";
 * import { coursePaths, loadCourse } from "../core/lab_env.ts";
 * const paths = coursePaths(".");
 * const [lab] = (await loadCourse(paths)).labs;
 * const texts = await transpiledHiddenFiles(paths, lab, "/tmp/grader-run-1/deno-cache");
 * ```
 */
export async function transpiledHiddenFiles(
  paths: CoursePaths,
  lab: LabEntry,
  cacheDir: string | undefined,
): Promise<string[]> {
  const hidden = joinPath(paths.hidden, lab.slug);
  if (cacheDir === undefined || !await exists(hidden)) return [];
  // Deno keeps a module's transpiled text at <cache>/gen/file/<its path>.js.
  const transpiled = joinPath(cacheDir, "gen", "file", SANDBOX_MOUNT, "labs", lab.slug);
  const texts: string[] = [];
  for (const name of await walkFiles(hidden)) {
    const text = await Deno.readTextFile(joinPath(transpiled, `${name}.js`)).catch(() => null);
    if (text !== null) texts.push(text);
  }
  return texts;
}

/** A `--filter` no test name matches (a name is never empty). */
const NO_TEST = "/^$/";

/**
 * Runs a lab's hidden tests on `source` in a fresh sandbox, which is removed
 * afterwards: every seed of `setup.seeds` in one process, a pass per seed
 * (core/test_entry.ts; the manifest's `unseededTests` in the first pass only),
 * type-checked first when `setup.typeCheck` asks for it. A test passes only
 * when it passed under every seed. When a failure first shows in a later
 * pass, which started from what the earlier passes left, every seed runs
 * again in a process of its own, and those runs decide. Never throws for what
 * the tested code does: a crash, a hang, a flood of output, a forged report
 * all end up in the outcome.
 *
 * @throws {Error} only when the sandbox cannot be built or Deno cannot be started.
 * @example
 * ```ts
 * import { DEFAULT_LIMITS, runSandbox } from "./sandbox.ts";
 * import { coursePaths, loadCourse } from "../core/lab_env.ts";
 * const paths = coursePaths(".");
 * const [lab] = (await loadCourse(paths)).labs;
 * const outcome = await runSandbox(paths, lab, { kind: "solution" }, DEFAULT_LIMITS);
 * ```
 */
export async function runSandbox(
  paths: CoursePaths,
  lab: LabEntry,
  source: SandboxSource,
  limits: SandboxLimits,
  signal?: AbortSignal,
  setup: SandboxSetup = {},
): Promise<SandboxOutcome> {
  const started = performance.now();
  return await withEntryRunner(paths, lab, source, limits, setup, async (runner) => {
    const { run: runEntry, passes, seeds, clean } = runner;
    const outcome: SandboxOutcome = {
      report: null,
      aborted: false,
      failingSeeds: new Map(),
      notes: [],
      durationMs: 0,
    };

    /** Runs `group` in one process, each pass with the whole time limit. */
    const runPasses = async (group: EntryPass[], typeCheck: boolean) => {
      let clockRestarts = group.length - 1;
      let runningSeed = group[0].seed;
      const { run, secret } = await runEntry(group, {
        typeCheck,
        // A pass's marker gives the next pass the whole limit; the wrapper bounds them all.
        restartsClock: (event) =>
          event.kind === "result" && event.name.startsWith(SEED_MARKER_PREFIX) &&
          clockRestarts-- > 0,
        signal,
        // Only to say which seed was running when a run breaks off; never for scores.
        onEvent: (event) => {
          if (event.kind === "result" && event.name.startsWith(SEED_MARKER_PREFIX)) {
            runningSeed = Number(event.name.slice(SEED_MARKER_PREFIX.length));
          }
        },
      });
      outcome.aborted = run.aborted;
      if (run.outputLimited && !outcome.notes.some((note) => note.startsWith("printed"))) {
        outcome.notes.push(
          `printed more than ${Math.round(limits.maxOutputBytes / 1024)} KiB; the rest of ` +
            `its output was dropped (the score comes from the test report alone)`,
        );
      }
      const underSeed = (seed: number | undefined) =>
        seed === undefined || seeds.length === 1 ? "" : ` (under seed ${seed})`;
      const problem = describeProblem(run, limits);
      if (!run.fromReport) {
        outcome.problem = clean(
          problem === undefined ? undefined : problem + underSeed(runningSeed),
        );
        return undefined;
      }
      const { tests, contradiction } = checkCanaries(run.results, secret);
      if (contradiction !== undefined) {
        outcome.forged =
          `the test report contradicts the grader's canary tests (${contradiction})` +
          `${underSeed(runningSeed)}, so none of it can be trusted: the student's code changed ` +
          `how the tests run or report`;
        return undefined;
      }
      const split = splitEntryReport(tests, group.length);
      const trouble = [
        ...split.failures,
        ...problem === undefined ? [] : [problem + underSeed(runningSeed)],
      ];
      if (trouble.length > 0 && outcome.problem === undefined) {
        outcome.problem = clean(trouble.join("\n"));
      }
      return split.passes;
    };

    const combined = new Map<string, TestResult>();
    const merge = (tests: TestResult[], seed: number | undefined) => {
      for (const test of tests) {
        const kept = combined.get(test.name);
        if (kept === undefined || (kept.status === "passed" && test.status !== "passed")) {
          combined.set(test.name, {
            ...test,
            message: clean(test.message),
            details: clean(test.details),
            output: undefined, // what a test printed is never kept
          });
          if (test.status === "failed" && seed !== undefined) {
            outcome.failingSeeds.set(test.name, seed);
          }
        }
      }
    };
    if (passes.length === 0) {
      outcome.report = [];
      outcome.problem = `grader/hidden/${lab.slug}/ holds no hidden test file to run`;
      return finish(outcome, started);
    }
    const batch = await runPasses(passes, setup.typeCheck === true);
    if (batch === undefined) return finish(outcome, started);
    const failedFirst = new Set(
      batch[0].filter((test) => test.status === "failed").map((test) => test.name),
    );
    const failsOnlyLater = batch.slice(1).some((tests) =>
      tests.some((test) => test.status === "failed" && !failedFirst.has(test.name))
    );
    if (!failsOnlyLater) {
      for (const [index, pass] of passes.entries()) merge(batch[index], pass.seed);
    } else {
      // A later pass started from what the earlier ones left behind, so its new failures
      // count only as a process of its own shows them: every seed runs again, alone. All of
      // them, not only the later ones: which pass a result belongs to is read from the order
      // of names, which tests the student's code registers under the same names could shift.
      for (const pass of passes) {
        const alone = await runPasses([pass], false);
        if (alone === undefined) return finish(outcome, started);
        merge(alone[0], pass.seed);
      }
    }
    outcome.report = [...combined.values()];
    return finish(outcome, started);
  });
}
