/**
 * Mutants: known-wrong solutions kept with a lab's hidden tests, one realistic
 * bug each, that prove the tests can tell a wrong solution from a right one.
 *
 * A mutant lives in `grader/hidden/<slug>/mutants/<mutant-id>/` and holds, for
 * each student file it changes, a patch against the solution's file
 * (`<file>.patch`, see mutant_patch.ts) whose first line is
 * `// Mutant: <the bug, in one sentence>`. `deno task check` lays it over the
 * solution in a fresh sandbox and runs the public and the hidden tests on it:
 * at least one hidden test must fail (the grader takes points for the bug), and
 * the public tests that fail are reported (how much the student sees of it).
 *
 * @example
 * ```ts
 * import { loadMutants, runMutant } from "./check_mutants.ts";
 * import { coursePaths, loadCourse } from "../core/lab_env.ts";
 * const paths = coursePaths(".");
 * const [lab] = (await loadCourse(paths)).labs;
 * const { mutants, problems } = await loadMutants(paths, lab);
 * const outcome = await runMutant(paths, lab, mutants[0], 30_000);
 * console.log(problems, outcome.hiddenFailures, outcome.publicFailures);
 * ```
 * @module
 */

import { type LabEntry, permissionFlags } from "../core/course.ts";
import {
  copyTree,
  type CoursePaths,
  createSandbox,
  exists,
  isTestFile,
  joinPath,
  listFiles,
  MUTANTS_DIR,
  plural,
} from "../core/lab_env.ts";
import { runTests, type TestRun } from "../core/test_runner.ts";
import { ENTRY_FILE, entrySource } from "../core/test_entry.ts";
import { PATCH_SUFFIX, patchedFiles } from "./mutant_patch.ts";

/** One known-wrong solution, as read from its folder. */
export interface Mutant {
  /** The folder name: kebab-case, naming the bug. */
  id: string;
  /** What the bug is: the text of the first patch's `// Mutant:` line. */
  description: string;
  /**
   * A race between real threads (`// Mutant (racy):`), which a test can catch only most of the
   * time: a run that misses it is worth a warning, not a problem.
   */
  racy: boolean;
  /** The student files it replaces, by name, with their text (the solution's, patched). */
  files: Record<string, string>;
}

/** What running the tests on one mutant showed. */
export interface MutantOutcome {
  id: string;
  description: string;
  /** See {@linkcode Mutant}'s `racy`. */
  racy?: boolean;
  /** Hidden tests that passed on the solution but not on the mutant. */
  hiddenFailures: string[];
  /** Public tests that passed on the solution but not on the mutant; `null` when not run. */
  publicFailures: string[] | null;
  /** Why a run's results are incomplete (a time-out, a crash), when they are. */
  runProblems: string[];
  /**
   * The hidden run stopped at the first failing file, so `hiddenFailures` names
   * the failures up to there: the mutant is caught by at least that many.
   */
  stoppedEarly?: boolean;
  /** How long the two runs took together, in milliseconds. */
  durationMs?: number;
}

const MUTANT_LINE = /^\/\/ Mutant(?: \(racy\))?: \S/;
const KEBAB_CASE = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/**
 * What is wrong with a mutant's folder, or `[]`: its name must be kebab-case,
 * it must hold at least one patch, each named after a file the manifest lists
 * as the student's (`<file>.patch`), each starting with a `// Mutant: …` line.
 *
 * @example
 * ```ts
 * import { mutantProblems } from "./check_mutants.ts";
 * import type { LabEntry } from "../core/course.ts";
 * declare const lab: LabEntry; // files: ["adder.ts"]
 * mutantProblems(lab, "adds-one-too-many", { "adder.ts.patch": "// Mutant: adds one too many\n…" }); // → []
 * ```
 */
export function mutantProblems(
  lab: LabEntry,
  id: string,
  patches: Record<string, string>,
): string[] {
  const where = `grader/hidden/${lab.slug}/${MUTANTS_DIR}/${id}`;
  const problems: string[] = [];
  if (!KEBAB_CASE.test(id)) {
    problems.push(`${where}/: the folder name must be kebab-case, naming the bug`);
  }
  const names = Object.keys(patches);
  if (names.length === 0) {
    problems.push(
      `${where}/ holds no patch: put one per student file the mutant changes (<file>${PATCH_SUFFIX})`,
    );
  }
  for (const name of names) {
    const file = name.slice(0, -PATCH_SUFFIX.length);
    if (!name.endsWith(PATCH_SUFFIX) || !lab.files.includes(file)) {
      problems.push(
        `${where}/${name} is not a patch of one of the student's files (${
          lab.files.map((one) => one + PATCH_SUFFIX).join(", ")
        }): a mutant changes only those`,
      );
    } else if (!MUTANT_LINE.test(patches[name])) {
      problems.push(
        `${where}/${name} must start with a line "// Mutant: <the bug, in one sentence>" ` +
          `(or "// Mutant (racy): …" for a race between threads)`,
      );
    }
  }
  return problems;
}

/**
 * Reads a lab's mutants, sorted by id, each patch applied to the solution,
 * with what is wrong with their folders. A mutant with a problem (a patch that
 * no longer applies among them) is left out of `mutants`.
 *
 * @example
 * ```ts
 * import { loadMutants } from "./check_mutants.ts";
 * import { coursePaths, loadCourse } from "../core/lab_env.ts";
 * const paths = coursePaths(".");
 * const [lab] = (await loadCourse(paths)).labs;
 * const { mutants } = await loadMutants(paths, lab);
 * ```
 */
export async function loadMutants(
  paths: CoursePaths,
  lab: LabEntry,
): Promise<{ mutants: Mutant[]; problems: string[] }> {
  const base = joinPath(paths.hidden, lab.slug, MUTANTS_DIR);
  const mutants: Mutant[] = [];
  const problems: string[] = [];
  if (!await exists(base)) return { mutants, problems };
  const ids: string[] = [];
  for await (const entry of Deno.readDir(base)) {
    if (entry.isDirectory) ids.push(entry.name);
    else problems.push(`grader/hidden/${lab.slug}/${MUTANTS_DIR}/${entry.name} is not a folder`);
  }
  for (const id of ids.sort()) {
    const dir = joinPath(base, id);
    const patches: Record<string, string> = {};
    for (const name of await listFiles(dir)) {
      patches[name] = await Deno.readTextFile(joinPath(dir, name));
    }
    const found = mutantProblems(lab, id, patches);
    problems.push(...found);
    if (found.length > 0) continue;
    const { files, problems: unapplied } = await patchedFiles(
      patches,
      (file) => Deno.readTextFile(joinPath(paths.solutions, lab.slug, file)),
    );
    problems.push(
      ...unapplied.map((problem) => `grader/hidden/${lab.slug}/${MUTANTS_DIR}/${id}/${problem}`),
    );
    if (unapplied.length > 0) continue;
    const firstLine = Object.values(patches)[0].split("\n")[0];
    mutants.push({
      id,
      description: firstLine.replace(/^\/\/ Mutant(?: \(racy\))?:\s*/, "").trim(),
      racy: firstLine.startsWith("// Mutant (racy):"),
      files,
    });
  }
  return { mutants, problems };
}

/**
 * Type-checks every mutant of a lab in one `deno check`, each laid over its
 * own copy of the solution (a sibling folder of the lab's, so its imports
 * resolve as in the lab), and returns a problem per mutant that does not
 * type-check. A realistic bug type-checks: the lab runner refuses to run
 * tests on code that does not, so a student would never see them fail on it.
 *
 * @example
 * ```ts
 * import { loadMutants, mutantTypeErrors } from "./check_mutants.ts";
 * import { coursePaths, loadCourse } from "../core/lab_env.ts";
 * const paths = coursePaths(".");
 * const [lab] = (await loadCourse(paths)).labs;
 * const { mutants } = await loadMutants(paths, lab);
 * await mutantTypeErrors(paths, lab, mutants); // → [] when every mutant type-checks
 * ```
 */
export async function mutantTypeErrors(
  paths: CoursePaths,
  lab: LabEntry,
  mutants: readonly Mutant[],
): Promise<string[]> {
  if (mutants.length === 0) return [];
  const sandbox = await createSandbox(paths, lab, "solution", false);
  try {
    const checked: string[] = [];
    for (const mutant of mutants) {
      const folder = `labs/${lab.slug}~${mutant.id}`;
      await copyTree(sandbox.labDir, joinPath(sandbox.dir, folder), isTestFile);
      for (const [name, text] of Object.entries(mutant.files)) {
        await Deno.writeTextFile(joinPath(sandbox.dir, folder, name), text);
        checked.push(`${folder}/${name}`);
      }
    }
    const output = await new Deno.Command(Deno.execPath(), {
      args: ["check", "--quiet", ...checked],
      cwd: sandbox.dir,
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (output.success) return [];
    const errors = new TextDecoder().decode(output.stderr)
      // deno-lint-ignore no-control-regex -- colour codes begin with the ESC control character
      .replace(/\x1b\[[0-9;]*m/g, "");
    const problems = mutants.flatMap((mutant) => {
      const marker = `/labs/${lab.slug}~${mutant.id}/`;
      const at = errors.indexOf(marker);
      if (at === -1) return [];
      // The error's own line: the last line before the location that names the mutant.
      const before = errors.slice(0, at).split("\n");
      const message = before.reverse().find((line) => /\[ERROR\]/.test(line))?.trim();
      return [`the mutant ${mutant.id} does not type-check: ${message ?? "see deno check"}`];
    });
    return problems.length > 0
      ? problems
      : [`the mutants do not type-check: ${errors.split("\n").slice(0, 3).join(" ")}`];
  } finally {
    await sandbox.remove();
  }
}

/** Why a run's results do not cover every test, in a few words, or `undefined`. */
function runProblem(run: TestRun): string | undefined {
  if (run.timedOut) return "the run timed out";
  if (run.problem) return run.problem.headline;
  return undefined;
}

/** The names of `expected` that did not pass in `run` (failed, or never reported). */
function notPassing(run: TestRun, expected: string[]): string[] {
  const passed = new Set(run.results.filter((test) => test.status === "passed").map((t) => t.name));
  return expected.filter((name) => !passed.has(name));
}

/**
 * Of the tests a fail-fast run did not pass, those it reported as failed (the
 * tests after the stop are reported as skipped); all of them when none
 * failed, as when the run hung and was killed.
 */
function failedBeforeTheStop(run: TestRun, notPassed: string[]): string[] {
  const failed = new Set(
    run.results.filter((test) => test.status === "failed").map((test) => test.name),
  );
  const reported = notPassed.filter((name) => failed.has(name));
  return reported.length > 0 ? reported : notPassed;
}

/**
 * Lays a mutant over the solution in a fresh sandbox and runs the public and
 * the hidden tests on it, each suite in its own run so that a hang in one does
 * not hide what the other catches. `expected` names the tests that pass on the
 * solution (a test the mutant keeps from reporting counts as failing). The
 * runs skip the type check: a mutant is a runtime bug, and checking types
 * costs most of a run. With `withPublic` false only the hidden tests run (what
 * decides whether the mutant is caught), at half the cost, and they stop after
 * the first hidden test file that fails (`--fail-fast`): whether the mutant is
 * caught is known by then, and a mutant that hangs the program would otherwise
 * make every later file wait out its time limits too.
 *
 * @example
 * ```ts
 * import { loadMutants, runMutant } from "./check_mutants.ts";
 * import { coursePaths, loadCourse } from "../core/lab_env.ts";
 * const paths = coursePaths(".");
 * const [lab] = (await loadCourse(paths)).labs;
 * const [mutant] = (await loadMutants(paths, lab)).mutants;
 * const outcome = await runMutant(paths, lab, mutant, 30_000, { public: ["…"], hidden: ["…"] });
 * ```
 */
export async function runMutant(
  paths: CoursePaths,
  lab: LabEntry,
  mutant: Mutant,
  timeoutMs: number,
  expected: { public: string[]; hidden: string[] },
  withPublic = true,
): Promise<MutantOutcome> {
  const started = performance.now();
  const sandbox = await createSandbox(paths, lab, "solution", true);
  try {
    for (const [name, text] of Object.entries(mutant.files)) {
      await Deno.writeTextFile(joinPath(sandbox.labDir, name), text);
    }
    const run = (files: string[]) =>
      runTests({
        cwd: sandbox.dir,
        files,
        permissions: permissionFlags(lab, [sandbox.dir]),
        typeCheck: false,
        timeoutMs,
        flags: withPublic ? [] : ["--fail-fast"],
      });
    const publicRun = withPublic ? await run(sandbox.publicTests) : null;
    // The hidden tests run as the grader runs them: every file in one isolate.
    const hiddenNames = sandbox.hiddenTests.map((path) => path.slice(path.lastIndexOf("/") + 1));
    await Deno.writeTextFile(
      joinPath(sandbox.labDir, ENTRY_FILE),
      entrySource([{ files: hiddenNames }]),
    );
    const hiddenRun = await run([`labs/${lab.slug}/${ENTRY_FILE}`]);
    const hiddenFailures = notPassing(hiddenRun, expected.hidden);
    const runProblems = [
      ...[publicRun && runProblem(publicRun)].filter(Boolean).map((text) =>
        `public tests: ${text}`
      ),
      ...[runProblem(hiddenRun)].filter(Boolean).map((text) => `hidden tests: ${text}`),
    ];
    return {
      id: mutant.id,
      description: mutant.description,
      racy: mutant.racy,
      publicFailures: publicRun && notPassing(publicRun, expected.public),
      hiddenFailures: withPublic ? hiddenFailures : failedBeforeTheStop(hiddenRun, hiddenFailures),
      runProblems,
      stoppedEarly: !withPublic,
      durationMs: performance.now() - started,
    };
  } finally {
    await sandbox.remove();
  }
}

/** The leaf of a test's full name (`"describe > it"` → `"it"`). */
function leafOf(name: string): string {
  return name.split(" > ").pop()!;
}

/**
 * Lines describing a lab's mutant outcomes, its summary line, and the problems
 * (mutants the hidden tests miss).
 *
 * @example
 * ```ts
 * import { summarizeMutants } from "./check_mutants.ts";
 * const { summary, problems } = summarizeMutants("01-adder", [{
 *   id: "adds-one", description: "adds one too many", hiddenFailures: ["a > b"],
 *   publicFailures: [], runProblems: [],
 * }]);
 * // summary → "01-adder: mutants caught by hidden tests 1/1, by public tests 0/1"
 * ```
 */
export function summarizeMutants(
  slug: string,
  outcomes: MutantOutcome[],
): { lines: string[]; summary: string; problems: string[] } {
  const lines: string[] = [];
  const problems: string[] = [];
  for (const outcome of outcomes) {
    const notes = outcome.runProblems.length > 0 ? ` [${outcome.runProblems.join("; ")}]` : "";
    const publicText = outcome.publicFailures === null
      ? "public tests not run"
      : outcome.publicFailures.length === 0
      ? "no public test"
      : `public: ${outcome.publicFailures.map((name) => `"${leafOf(name)}"`).join(", ")}`;
    const missed = outcome.hiddenFailures.length === 0;
    const hiddenText = missed
      ? outcome.racy
        ? "missed by the hidden tests this run (a race: caught only most of the time)"
        : "MISSED by the hidden tests"
      : `${outcome.stoppedEarly ? "at least " : ""}${
        plural(outcome.hiddenFailures.length, "hidden test")
      }`;
    lines.push(`${slug}: mutant ${outcome.id}: ${hiddenText}, ${publicText}${notes}`);
    if (missed && !outcome.racy) {
      problems.push(
        `no hidden test catches the mutant ${outcome.id} (${outcome.description})${notes}`,
      );
    }
  }
  const byHidden = outcomes.filter((outcome) => outcome.hiddenFailures.length > 0).length;
  const byPublic = outcomes.filter((outcome) => (outcome.publicFailures ?? []).length > 0).length;
  const publicRan = outcomes.some((outcome) => outcome.publicFailures !== null);
  const summary = `${slug}: mutants caught by hidden tests ${byHidden}/${outcomes.length}, ` +
    (publicRan ? `by public tests ${byPublic}/${outcomes.length}` : "public tests not run");
  return { lines, summary, problems };
}
