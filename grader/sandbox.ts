/**
 * Running a lab's hidden tests on one submission, in a fresh temporary folder
 * and a separate Deno process with the narrowest permissions.
 *
 * The folder holds the course's `labs/primitives/` and lab folder (never the
 * student's copies), then only the student's files the manifest lists, then the
 * hidden tests, plus the course's deno.json, package.json and deno.lock
 * (`createSandbox` in core/lab_env.ts builds it). The process may read that
 * folder, except the hidden tests' source; it may not write, run commands, read
 * the environment or use the network, except loopback for a lab whose manifest
 * `permissions` say so. It runs under a wall-clock limit (its whole process
 * group is killed), a heap limit and an output cap. Its results are read from
 * the JUnit report `deno test` writes into a folder outside the sandbox, which
 * the tested code can neither read nor write; nothing it prints is kept.
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
  type CoursePaths,
  createSandbox,
  exists,
  fileUrlToPath,
  joinPath,
  type Sandbox,
  walkFiles,
} from "../core/lab_env.ts";
import type { TestResult } from "../core/test_report.ts";
import { runTests, type TestRun } from "../core/test_runner.ts";
import type { StudentFile } from "./submissions.ts";

/** The limits one lab run gets. */
export interface SandboxLimits {
  /** Wall-clock limit; past it the run's process group is killed. */
  timeoutMs: number;
  /** V8's old-space limit, in MiB. */
  heapMb: number;
  /** Most bytes the run may print (stdout and stderr); past it the run is killed. */
  maxOutputBytes: number;
}

/** Limits for a lab run, unless the instructor says otherwise. */
export const DEFAULT_LIMITS: SandboxLimits = {
  timeoutMs: 60_000,
  heapMb: 512,
  maxOutputBytes: 512 * 1024,
};

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
): Promise<Sandbox> {
  const sandbox = await createSandbox(
    paths,
    lab,
    source.kind === "solution" ? "solution" : "starter",
    true,
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
 * permissions (loopback network for the server lab), the heap limit, and the
 * preload that freezes what the tests share with the student's code.
 *
 * @example
 * ```ts
 * import { DEFAULT_LIMITS, sandboxFlags } from "./sandbox.ts";
 * import type { LabEntry } from "../core/course.ts";
 * declare const lab: LabEntry;
 * sandboxFlags(lab, "/tmp/sb", "/tmp/sb/labs/04-channels", ["first_hidden_test.ts"], DEFAULT_LIMITS);
 * // → { permissions: ["--no-prompt", "--allow-read=/tmp/sb", "--deny-read=/tmp/sb/labs/04-…"], flags: [...] }
 * ```
 */
export function sandboxFlags(
  lab: LabEntry,
  sandboxDir: string,
  labDir: string,
  hiddenFiles: string[],
  limits: SandboxLimits,
): { permissions: string[]; flags: string[] } {
  const permissions = permissionFlags(lab, [sandboxDir]);
  if (hiddenFiles.length > 0) {
    permissions.push(`--deny-read=${hiddenFiles.map((name) => joinPath(labDir, name)).join(",")}`);
  }
  return {
    permissions,
    flags: [
      `--v8-flags=--max-old-space-size=${limits.heapMb}`,
      `--preload=${joinPath(sandboxDir, PRELOAD_IN_SANDBOX)}`,
    ],
  };
}

/** What a lab run produced. */
export interface SandboxOutcome {
  /** The tests as the JUnit report has them, or `null` when the run wrote no report. */
  report: TestResult[] | null;
  /** Why the run did not end normally, in words; `undefined` for a normal run. */
  problem?: string;
  /** True when the run was stopped through the signal (the grader is shutting down). */
  aborted: boolean;
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
  if (run.outputLimited) {
    return `printed more than ${Math.round(limits.maxOutputBytes / 1024)} KiB of output and ` +
      `was stopped`;
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

/** Replaces the sandbox's own paths in a text with paths relative to it. */
function relativeTo(dirs: string[]): (text: string | undefined) => string | undefined {
  return (text) => {
    if (text === undefined) return undefined;
    let result = text;
    for (const dir of dirs) {
      result = result.replaceAll(`file://${dir}/`, "").replaceAll(`${dir}/`, "");
    }
    return result;
  };
}

/**
 * Runs a lab's hidden tests on `source` in a fresh sandbox, which is removed
 * afterwards. Never throws for what the tested code does: a crash, a hang, a
 * flood of output all end up in the outcome.
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
): Promise<SandboxOutcome> {
  const started = performance.now();
  const sandbox = await prepareSandbox(paths, lab, source);
  try {
    const hiddenSource = joinPath(paths.hidden, lab.slug);
    const hiddenFiles = await exists(hiddenSource) ? await walkFiles(hiddenSource) : [];
    const { permissions, flags } = sandboxFlags(
      lab,
      sandbox.dir,
      sandbox.labDir,
      hiddenFiles,
      limits,
    );
    const run = await runTests({
      cwd: sandbox.dir,
      files: sandbox.hiddenTests,
      permissions,
      flags,
      timeoutMs: limits.timeoutMs,
      maxOutputBytes: limits.maxOutputBytes,
      ownProcessGroup: true,
      signal,
    });
    const clean = relativeTo([...new Set([sandbox.dir, await Deno.realPath(sandbox.dir)])]);
    const report = run.fromReport
      ? run.results.map((test) => ({
        ...test,
        message: clean(test.message),
        details: clean(test.details),
        output: undefined, // what a test printed is never kept
      }))
      : null;
    return {
      report,
      problem: clean(describeProblem(run, limits)),
      aborted: run.aborted,
      durationMs: performance.now() - started,
    };
  } finally {
    await sandbox.remove();
  }
}
