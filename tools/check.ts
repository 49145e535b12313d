/**
 * The authors' command: proves every lab in labs/course.json is sound.
 *
 *     deno task check [--lab <id>] [--no-mutants | --mutants-hidden-only] [--seeds <count>]
 *                     [--timeout <seconds>] [--root <folder>]
 *
 * For each lab, first what can be seen on disk: the starter files exist and
 * carry `// TODO` markers, the solution lists exactly the files the manifest
 * names, there are public and hidden tests, hidden tests do not import the
 * student's files statically (labs.md: they must `await import()` them inside
 * each test), the notes chapter exists (a warning while it does not). Then, in
 * fresh temporary copies laid out as the grader lays them out, with the
 * grader's narrow permissions (read of the copy only, plus the manifest's
 * `permissions`): every public and hidden test passes on the solution, at least
 * one public and one hidden test fails on the unmodified starter, and every
 * `hints` key names a public test and every `points` key a hidden one. Last,
 * the public tests run on the solution under seeds 1 to 20 (`--seeds`) of the
 * primitives' seeded scheduler: a public test that fails only under some
 * interleavings is a defect, reported with the seed that shows it. Then every
 * lab's mutants (check_mutants.ts), all in one pool: the hidden tests must
 * catch each, and the public tests that do are printed, with a summary per lab.
 *
 * Prints a progress line per lab and step; exits 1 with the list of problems
 * when there are any, else 0.
 *
 * @example
 * ```ts
 * // deno run --allow-read --allow-write --allow-run --allow-env tools/check.ts
 * import { main } from "./check.ts";
 * Deno.exit(await main([]));
 * ```
 * @module
 */

import {
  type Course,
  CourseError,
  type LabEntry,
  permissionFlags,
  testNameMatches,
} from "../core/course.ts";
import {
  type CoursePaths,
  coursePaths,
  createSandbox,
  exists,
  hashFile,
  isTestFile,
  joinPath,
  listFiles,
  loadCourse,
  mapPool,
  parallelism,
  parseSeconds,
  plural,
  takeFlag,
  takeOption,
} from "../core/lab_env.ts";
import { summarizeFailure, type TestResult } from "../core/test_report.ts";
import { countResults, runTests, type TestRun } from "../core/test_runner.ts";
import {
  allowSeedVariable,
  exploreSeeds,
  failingTests,
  parseSeedCount,
  runSeedBatch,
  seedEnv,
  seedRange,
} from "../core/seeds.ts";

import PQueue from "p-queue";
import {
  loadMutants,
  type Mutant,
  type MutantOutcome,
  mutantTypeErrors,
  runMutant,
  summarizeMutants,
} from "./check_mutants.ts";

const DEFAULT_SEEDS = 20;

const USAGE =
  `Usage: deno task check [--lab <id>] [--no-mutants] [--seeds <count>] [--timeout <seconds>]
                       [--recheck-alone] [--root <folder>]

For every lab in labs/course.json: starters exist and have // TODO markers; the
solution passes every public and hidden test, and its public tests pass under
every seed from 1 to <count> of the seeded scheduler; the starter fails at least
one of each; the manifest matches the files and the test names; the hidden tests
catch every mutant (grader/hidden/<lab>/mutants/<id>/), and which public tests do.

Options:
  --lab <id>            check only this lab (its id, "04", or its slug); repeatable
  --no-mutants          skip the mutants
  --mutants-hidden-only run only the hidden tests on each mutant (whether it is caught),
                        not the public ones (which of them also catch it): half the time
  --seeds <count>       seeds to run each lab's public tests under (default ${DEFAULT_SEEDS})
  --write-starter-hashes  record each starter's hash in labs/course.json first (the
                        runner shows an untouched lab as "not started")
  --timeout <seconds>   limit for each test run (default 120; 60 at most for a mutant)
  --recheck-alone       check a lab with problems once more, with no other lab running;
                        if it is then sound, its first problems become warnings (a
                        flake under load, to look into) instead of failing the check
  --root <folder>       the course folder, the one with deno.json (default: the current folder)
  --help                show this help`;

const DEFAULT_TIMEOUT_MS = 120_000;
/** A mutant that hangs is caught by the hang: no need to wait as long as for a sound run. */
const MAX_MUTANT_TIMEOUT_MS = 60_000;

/** What checking one lab found. */
export interface LabFindings {
  slug: string;
  problems: string[];
  warnings: string[];
  /** The public and hidden tests that passed on the solution (empty when they did not run). */
  passing?: { public: string[]; hidden: string[] };
  /** How many mutants each suite caught, once the lab's mutants have run. */
  mutantSummary?: string;
}

/**
 * The student files a hidden test imports statically (`import … from "./x.ts"`
 * or `import "./x.ts"`). Student code that runs at import time could then
 * tamper with the test's own imports, so labs.md asks for `await import()`
 * inside each test instead.
 *
 * @example
 * ```ts
 * import { staticStudentImports } from "./check.ts";
 * staticStudentImports('import { add } from "./adder.ts";', ["adder.ts"]); // → ["adder.ts"]
 * ```
 */
export function staticStudentImports(source: string, studentFiles: string[]): string[] {
  const found = new Set<string>();
  const pattern =
    /^\s*(?:import|export)\s+(?:type\s+)?(?:[^"';]*?\s+from\s+)?["']\.\/([^"']+)["']/gm;
  for (const match of source.matchAll(pattern)) {
    const isTypeOnly = /^\s*(?:import|export)\s+type\s/.test(match[0]);
    if (!isTypeOnly && studentFiles.includes(match[1])) found.add(match[1]);
  }
  return [...found];
}

/**
 * Whether the README presents its parts in the manifest's order of `files`:
 * the runner prints the tests part by part, and hints at the earliest failing
 * part, in that order. The parts are the `## Part N — … (\`file.ts\`)`
 * headings; a README without such headings, or files it does not name, are
 * not compared.
 *
 * @example
 * ```ts
 * import { partOrderProblem } from "./check.ts";
 * const readme = "## Part 1 — Adding (`adder.ts`)\n## Part 2 — Totals (`total.ts`)\n";
 * partOrderProblem(readme, ["total.ts", "adder.ts"]); // → "README.md presents …"
 * ```
 */
export function partOrderProblem(readme: string, files: string[]): string | undefined {
  const inReadme = [...readme.matchAll(/^##\s+Part\s+\d+\b.*\(`([^`]+\.ts)`\)\s*$/gm)]
    .map((match) => match[1])
    .filter((file) => files.includes(file));
  const inManifest = files.filter((file) => inReadme.includes(file));
  if (inReadme.join() === inManifest.join()) return undefined;
  return `README.md presents its parts as ${inReadme.join(", ")} but the manifest lists ` +
    `${inManifest.join(", ")}: list the files in the README's part order (the runner shows ` +
    `the tests, and the hint of the earliest failing part, in the manifest's order)`;
}

/**
 * Checks the manifest's test-name keys against the tests that actually ran:
 * every `hints` key must name a public test, every `points` key a hidden test,
 * and no `it` name may be used twice in a lab (the keys would be ambiguous).
 *
 * @example
 * ```ts
 * import { checkTestNames } from "./check.ts";
 * import type { LabEntry } from "../core/course.ts";
 * declare const lab: LabEntry;
 * checkTestNames(lab, ["adder > adds"], ["adder > adds big numbers"]);
 * ```
 */
export function checkTestNames(
  lab: LabEntry,
  publicNames: string[],
  hiddenNames: string[],
): string[] {
  const problems: string[] = [];
  for (const key of Object.keys(lab.hints ?? {})) {
    if (!publicNames.some((name) => testNameMatches(name, key))) {
      const hiddenToo = hiddenNames.some((name) => testNameMatches(name, key));
      problems.push(
        `hints key "${key}" names no public test` +
          (hiddenToo ? " (it is a hidden test: hints must not reveal those)" : ""),
      );
    }
  }
  for (const key of Object.keys(lab.points ?? {})) {
    if (!hiddenNames.some((name) => testNameMatches(name, key))) {
      problems.push(`points key "${key}" names no hidden test`);
    }
  }
  const leaves = [...publicNames, ...hiddenNames].map((name) => name.split(" > ").pop()!);
  const seen = new Set<string>();
  for (const leaf of leaves) {
    if (seen.has(leaf)) problems.push(`the test name "${leaf}" is used more than once`);
    seen.add(leaf);
  }
  return [...new Set(problems)];
}

/** One failing test, restated on a line. */
function describeFailingTest(test: TestResult): string {
  const summary = summarizeFailure(test.message ?? "failed", test.details);
  const values = summary.expected !== undefined || summary.actual !== undefined
    ? ` (expected ${summary.expected ?? "?"}, actual ${summary.actual ?? "?"})`
    : "";
  return `"${test.name}": ${summary.headline}${values}`;
}

/** What is wrong with a run that should pass entirely, or `[]`. */
function problemsOfPassingRun(run: TestRun, what: string): string[] {
  const problems: string[] = [];
  if (run.problem) {
    problems.push(
      `${what}: ${run.problem.headline}` +
        (run.problem.details.length > 0 ? `\n      ${run.problem.details.join("\n      ")}` : ""),
    );
  }
  for (const test of run.results.filter((result) => result.status === "failed")) {
    problems.push(`${what} fails ${describeFailingTest(test)}`);
  }
  if (!run.problem && run.results.length === 0) problems.push(`${what}: no test ran`);
  if (!run.problem && problems.length === 0 && run.exitCode !== 0) {
    problems.push(`${what}: deno test exited with ${run.exitCode} although every test passed`);
  }
  return problems;
}

/** Static checks: what the files on disk say, before anything runs. */
async function checkFiles(paths: CoursePaths, lab: LabEntry): Promise<LabFindings> {
  const problems: string[] = [];
  const warnings: string[] = [];
  const labDir = joinPath(paths.labs, lab.slug);
  const solutionDir = joinPath(paths.solutions, lab.slug);
  const hiddenDir = joinPath(paths.hidden, lab.slug);
  if (!await exists(labDir)) {
    problems.push(`labs/${lab.slug}/ does not exist`);
  } else {
    const names = await listFiles(labDir);
    if (!names.includes("README.md")) {
      problems.push(`labs/${lab.slug}/README.md (the task) is missing`);
    } else {
      const readme = await Deno.readTextFile(joinPath(labDir, "README.md"));
      const misordered = partOrderProblem(readme, lab.files);
      if (misordered) problems.push(`labs/${lab.slug}/${misordered}`);
    }
    if (!names.some(isTestFile)) problems.push(`labs/${lab.slug}/ has no public tests (*_test.ts)`);
    for (const leaked of names.filter((name) => /_hidden_test\.ts$/.test(name))) {
      problems.push(`labs/${lab.slug}/${leaked} is a hidden test in the students' folder`);
    }
    const unrecorded = lab.files.filter((file) => lab.starter?.[file] === undefined);
    if (unrecorded.length > 0) {
      warnings.push(
        `labs/course.json records no starter hash for ${unrecorded.join(", ")}, so the runner ` +
          `cannot show the untouched lab as "not started" (deno task check --write-starter-hashes)`,
      );
    }
    for (const file of lab.files) {
      if (!names.includes(file)) {
        problems.push(`labs/${lab.slug}/${file} (a starter the manifest lists) is missing`);
        continue;
      }
      const text = await Deno.readTextFile(joinPath(labDir, file));
      if (!text.includes("// TODO")) {
        problems.push(`labs/${lab.slug}/${file} has no "// TODO" marker to guide the student`);
      }
      const recorded = lab.starter?.[file];
      if (recorded && recorded !== await hashFile(joinPath(labDir, file))) {
        problems.push(
          `the manifest's starter hash for ${file} does not match the file (after changing a ` +
            `starter, record it: deno task check --write-starter-hashes)`,
        );
      }
    }
  }
  if (!await exists(solutionDir)) {
    problems.push(`solutions/${lab.slug}/ does not exist`);
  } else {
    const names = await listFiles(solutionDir);
    for (const file of lab.files) {
      if (!names.includes(file)) problems.push(`solutions/${lab.slug}/${file} is missing`);
    }
    for (const name of names.filter((name) => !lab.files.includes(name))) {
      problems.push(
        `solutions/${lab.slug}/${name} is not listed in the manifest's files (students would ` +
          `never edit it, so the solution must not need it)`,
      );
    }
  }
  if (!await exists(hiddenDir)) {
    problems.push(`grader/hidden/${lab.slug}/ does not exist`);
  } else {
    const names = await listFiles(hiddenDir);
    const hiddenTests = names.filter(isTestFile);
    if (hiddenTests.length === 0) {
      problems.push(`grader/hidden/${lab.slug}/ has no *_test.ts files`);
    }
    const labNames = await listFiles(labDir);
    for (const name of names) {
      if (labNames.includes(name)) {
        problems.push(
          `grader/hidden/${lab.slug}/${name} has the name of a file in labs/${lab.slug}/ and ` +
            `would replace it when the hidden tests are copied in`,
        );
      }
    }
    for (const name of hiddenTests) {
      const text = await Deno.readTextFile(joinPath(hiddenDir, name));
      for (const file of staticStudentImports(text, lab.files)) {
        problems.push(
          `grader/hidden/${lab.slug}/${name} imports ./${file} statically; load it with ` +
            `await import("./${file}") inside each test`,
        );
      }
    }
  }
  if (!await exists(joinPath(paths.root, lab.note))) {
    warnings.push(`${lab.note} (the lab's chapter) does not exist yet`);
  }
  return { slug: lab.slug, problems, warnings };
}

/** Whether a runner's file name (`./labs/x/a_test.ts`) is one of the given paths (`labs/x/a_test.ts`). */
function isOneOf(file: string | undefined, paths: string[]): boolean {
  return file !== undefined && paths.includes(file.replace(/^\.\//, ""));
}

/**
 * Runs a lab's public and hidden tests on the solution and on the starter and
 * checks each: one `deno test` per variant (a run's type check is its main
 * cost), its results split by file into the two suites.
 */
async function checkRuns(
  paths: CoursePaths,
  lab: LabEntry,
  timeoutMs: number,
  log: (text: string) => void,
): Promise<
  { problems: string[]; publicNames: string[]; hiddenNames: string[]; solutionSound: boolean }
> {
  const problems: string[] = [];
  let solutionSound = true;
  const names = { public: [] as string[], hidden: [] as string[] };
  for (const variant of ["solution", "starter"] as const) {
    const sandbox = await createSandbox(paths, lab, variant, true);
    try {
      const run = await runTests({
        cwd: sandbox.dir,
        files: [...sandbox.publicTests, ...sandbox.hiddenTests],
        permissions: permissionFlags(lab, [sandbox.dir]),
        timeoutMs,
      });
      const unplaced = run.results.filter((test) =>
        !isOneOf(test.file, sandbox.publicTests) && !isOneOf(test.file, sandbox.hiddenTests)
      );
      if (unplaced.length > 0) {
        problems.push(
          `${variant}: could not tell which file ${unplaced.length} test(s) came from ` +
            `(first: "${unplaced[0].name}")`,
        );
      }
      for (const suite of ["public", "hidden"] as const) {
        const files = suite === "public" ? sandbox.publicTests : sandbox.hiddenTests;
        const suiteRun: TestRun = {
          ...run,
          results: run.results.filter((test) => isOneOf(test.file, files)),
        };
        const { passed, failed, total } = countResults(suiteRun.results);
        const what = `${variant}, ${suite} tests`;
        if (variant === "solution") {
          names[suite] = suiteRun.results.map((test) => test.name);
          const found = problemsOfPassingRun(suiteRun, `the solution, ${suite} tests`);
          if (found.length > 0 || unplaced.length > 0) solutionSound = false;
          // A problem of the whole run (say, a type error) is reported once, with the public suite.
          problems.push(...(suite === "hidden" && run.problem ? found.slice(1) : found));
          log(`${lab.slug}: ${what}: ${passed}/${total} pass${found.length === 0 ? "" : " ✗"}`);
        } else {
          let found: string | undefined;
          if (run.problem?.headline.startsWith("the code does not type-check")) {
            found = suite === "public"
              ? `the starter does not type-check:\n      ${run.problem.details.join("\n      ")}`
              : undefined;
          } else if (run.problem && failed === 0) {
            found = `the starter's ${suite} tests could not run: ${run.problem.headline}`;
          } else if (failed === 0) {
            found = `the unmodified starter passes every ${suite} test; at least one must fail`;
          }
          if (found) problems.push(found);
          log(`${lab.slug}: ${what}: ${failed}/${total} fail${found ? " ✗" : ""}`);
        }
      }
    } finally {
      await sandbox.remove();
    }
  }
  return { problems, publicNames: names.public, hiddenNames: names.hidden, solutionSound };
}

/**
 * Runs the public tests on the solution under each of `seeds`: the first
 * alone, the rest in batches (one process per batch, see `runSeedBatch`), one
 * at a time since the labs are checked in parallel already. The first seed
 * that also fails in a run of its own is a problem, named with its failing
 * tests; a seed that fails only inside a batch is a warning (the tests
 * interfere with each other).
 */
async function checkSeeds(
  paths: CoursePaths,
  lab: LabEntry,
  seeds: number[],
  timeoutMs: number,
  log: (text: string) => void,
  warnings: string[],
): Promise<string[]> {
  const sandbox = await createSandbox(paths, lab, "solution", false);
  try {
    const found = await exploreSeeds({
      seeds,
      concurrency: 1,
      run: (seed, typeCheck) =>
        runTests({
          cwd: sandbox.dir,
          files: sandbox.publicTests,
          permissions: allowSeedVariable(permissionFlags(lab, [sandbox.dir])),
          env: seedEnv(seed),
          typeCheck,
          timeoutMs,
        }),
      batch: (batchSeeds) =>
        runSeedBatch({
          cwd: sandbox.dir,
          primitives: "labs/primitives",
          files: sandbox.publicTests,
          seeds: batchSeeds,
          permissions: (batchDir) => permissionFlags(lab, [sandbox.dir, batchDir]),
          timeoutMs,
        }),
    });
    if (found.unreplayable.length > 0) {
      warnings.push(
        `public tests failed under seed(s) ${found.unreplayable.join(", ")} after the tests of ` +
          "earlier seeds had run in the same process, but pass alone: a test leaves a task, " +
          "timer or server behind?" +
          (found.batched ? "" : " Each seed then ran in a process of its own."),
      );
    }
    const failure = found.failures[0];
    log(
      `${lab.slug}: solution, public tests under seeds: ` +
        (failure === undefined
          ? `pass under all ${found.tried}`
          : `fail under seed ${failure.seed} ✗`) +
        (found.batched || seeds.length < 2 ? "" : " (a process per seed)"),
    );
    if (failure === undefined) return [];
    return [
      `the solution fails public tests under seed ${failure.seed} (PRIMITIVES_SEED=` +
      `${failure.seed}): ` +
      failingTests(failure.run).map((name) => `"${name}"`).join(", ") +
      " — a public test that fails only under some interleavings is a defect",
    ];
  } finally {
    await sandbox.remove();
  }
}

/**
 * Checks one lab: files first, then (when the folders exist) the runs and the names.
 *
 * @example
 * ```ts
 * import { checkLab } from "./check.ts";
 * import { coursePaths, loadCourse } from "../core/lab_env.ts";
 * const paths = coursePaths(".");
 * const [lab] = (await loadCourse(paths)).labs;
 * const findings = await checkLab(paths, lab, 120_000, console.log, 20);
 * ```
 */
export async function checkLab(
  paths: CoursePaths,
  lab: LabEntry,
  timeoutMs: number,
  log: (text: string) => void,
  seedCount = DEFAULT_SEEDS,
): Promise<LabFindings> {
  log(`${lab.slug}: checking files…`);
  const findings = await checkFiles(paths, lab);
  const runnable = await exists(joinPath(paths.labs, lab.slug)) &&
    await exists(joinPath(paths.solutions, lab.slug)) &&
    await exists(joinPath(paths.hidden, lab.slug));
  if (!runnable) {
    log(`${lab.slug}: folders missing, tests not run`);
    return findings;
  }
  const runs = await checkRuns(paths, lab, timeoutMs, log);
  findings.problems.push(...runs.problems);
  if (runs.solutionSound) {
    findings.passing = { public: runs.publicNames, hidden: runs.hiddenNames };
  }
  if (runs.publicNames.length > 0 || runs.hiddenNames.length > 0) {
    findings.problems.push(...checkTestNames(lab, runs.publicNames, runs.hiddenNames));
  }
  // Seeds only prove something about a solution that passes on the default schedule.
  if (runs.problems.length === 0 && seedCount > 0) {
    findings.problems.push(
      ...await checkSeeds(
        paths,
        lab,
        seedRange(1, seedCount),
        timeoutMs,
        log,
        findings.warnings,
      ),
    );
  }
  log(
    `${lab.slug}: ${
      findings.problems.length === 0 ? "ok" : plural(findings.problems.length, "problem")
    }`,
  );
  return findings;
}

/** Folders on disk that look like labs but are not in the manifest (work in progress?). */
async function unlistedFolders(paths: CoursePaths, course: Course): Promise<string[]> {
  const listed = new Set(course.labs.map((lab) => lab.slug));
  const warnings: string[] = [];
  for (
    const [base, label] of [[paths.labs, "labs"], [paths.solutions, "solutions"], [
      paths.hidden,
      "grader/hidden",
    ]] as const
  ) {
    if (!await exists(base)) continue;
    for await (const entry of Deno.readDir(base)) {
      if (entry.isDirectory && /^\d{2}-/.test(entry.name) && !listed.has(entry.name)) {
        warnings.push(`${label}/${entry.name}/ is not in labs/course.json`);
      }
    }
  }
  return warnings.sort();
}

/**
 * Records in labs/course.json the hash of every starter file that exists, lab
 * by lab, so that the runner can tell an untouched lab in the repository as it
 * does in the release; returns the manifest as written.
 */
async function writeStarterHashes(paths: CoursePaths): Promise<Course> {
  const manifest = JSON.parse(await Deno.readTextFile(paths.manifest));
  for (const lab of manifest.labs as LabEntry[]) {
    const hashes: Record<string, string> = {};
    for (const file of lab.files) {
      const path = joinPath(paths.labs, lab.slug, file);
      if (await exists(path)) hashes[file] = await hashFile(path);
    }
    lab.starter = hashes;
  }
  await Deno.writeTextFile(paths.manifest, `${JSON.stringify(manifest, null, 2)}\n`);
  console.log(`Recorded the starter hashes in labs/course.json.`);
  return await loadCourse(paths);
}

/**
 * Checks the given labs and runs their mutants, on one queue: a lab's mutants
 * join it as soon as that lab's solution has been checked (what they catch is
 * measured against the tests the solution passes), ahead of nothing but the
 * labs still waiting, so a slow lab checked last no longer runs alone. At most
 * `parallelism()` labs are checked at once, and at most twice that many runs
 * (labs and mutants) go on at once: a mutant's run spends most of its time
 * waiting (on the time limit its bug trips, on a Worker that is never woken,
 * on a server that never exits), and the limits those waits end on are
 * seconds, far above what the load adds. Adds to each lab's findings the
 * mutants the hidden tests miss and the folders that are malformed; prints a
 * line per mutant and a summary per lab. A racy mutant (a race between
 * Workers) that escapes is run once more, alone, once the queue is idle. A lab
 * whose solution does not pass its own tests has its mutants skipped (with a
 * warning): what they catch would mean nothing.
 */
async function checkLabsAndMutants(
  paths: CoursePaths,
  labs: readonly LabEntry[],
  check: (lab: LabEntry) => Promise<LabFindings>,
  mutantOptions: { timeoutMs: number; withPublic: boolean } | undefined,
): Promise<LabFindings[]> {
  const queue = new PQueue({ concurrency: parallelism() * 2 });
  const loaded = mutantOptions === undefined
    ? labs.map(() => ({ mutants: [] as Mutant[], problems: [] as string[] }))
    : await Promise.all(labs.map((lab) => loadMutants(paths, lab)));
  const total = loaded.reduce((sum, { mutants }) => sum + mutants.length, 0);
  console.log(
    `Checking ${plural(labs.length, "lab")}, ${parallelism()} at a time` +
      (total > 0 ? `, and ${plural(total, "mutant")} as each lab is checked…` : "…"),
  );
  let done = 0;
  // Runs that must have the machine to themselves go one at a time, each once the queue is idle.
  let lastAlone: Promise<unknown> = Promise.resolve();
  const alone = <T>(work: () => Promise<T>): Promise<T> => {
    const turn = lastAlone.then(() => queue.onIdle()).then(work);
    lastAlone = turn.catch(() => {});
    return turn;
  };
  const runMutants = async (index: number, found: LabFindings): Promise<MutantOutcome[]> => {
    const { mutants } = loaded[index];
    if (mutants.length === 0 || mutantOptions === undefined) return [];
    if (found.passing === undefined) {
      found.warnings.push(
        `${plural(mutants.length, "mutant")} not run: the solution does not pass its own tests`,
      );
      return [];
    }
    found.problems.push(...await mutantTypeErrors(paths, labs[index], mutants));
    const run = async (mutant: Mutant, count: () => string): Promise<MutantOutcome> => {
      const outcome = await runMutant(
        paths,
        labs[index],
        mutant,
        mutantOptions.timeoutMs,
        found.passing!,
        mutantOptions.withPublic,
      );
      const verdict = outcome.hiddenFailures.length === 0 ? "missed ✗" : "caught";
      const seconds = ((outcome.durationMs ?? 0) / 1000).toFixed(1);
      console.log(`  [${count()}] ${labs[index].slug}: ${mutant.id}: ${verdict} (${seconds} s)`);
      return outcome;
    };
    const outcomes = await Promise.all(
      mutants.map((mutant) =>
        queue.add(() => run(mutant, () => `${++done}/${total}`), { priority: 0 })
      ),
    );
    // A race between Workers shows less often while other runs crowd the cores: a racy mutant
    // that escaped gets one more run, alone, once everything else is done.
    return await Promise.all(
      outcomes.map((outcome, job) =>
        outcome.racy && outcome.hiddenFailures.length === 0
          ? alone(async () => {
            const again = await run(mutants[job], () => "again, alone");
            return again.hiddenFailures.length > 0 ? again : outcome;
          })
          : outcome
      ),
    );
  };
  const mutantRuns: Promise<MutantOutcome[]>[] = [];
  const findings = await mapPool(labs, parallelism(), async (lab, index) => {
    // Priority 1: a lab waiting for a place goes before the mutants already queued.
    const found = await queue.add(() => check(lab), { priority: 1 });
    found.problems.push(...loaded[index].problems);
    mutantRuns.push(
      runMutants(index, found).then((outcomes) => {
        summarizeLabMutants(labs[index], found, outcomes);
        return outcomes;
      }),
    );
    return found;
  });
  await Promise.all(mutantRuns);
  const summaries = findings.flatMap((found) => found.mutantSummary ?? []);
  if (summaries.length > 0) {
    console.log(`\nMutants:\n${summaries.map((line) => `  ${line}`).join("\n")}`);
  }
  return findings;
}

/**
 * Checks each lab that had problems once more, one lab at a time. A lab sound
 * the second time keeps the second findings, with the first problems as
 * warnings; a lab with problems again keeps the second problems.
 *
 * @example
 * ```ts
 * import { type LabFindings, recheckUnsound } from "./check.ts";
 * import type { LabEntry } from "../core/course.ts";
 * declare const labs: LabEntry[];
 * declare const findings: LabFindings[];
 * declare const checkAll: (some: readonly LabEntry[]) => Promise<LabFindings[]>;
 * await recheckUnsound(labs, findings, checkAll); // findings[i] replaced for each lab rechecked
 * ```
 */
export async function recheckUnsound(
  labs: readonly LabEntry[],
  findings: LabFindings[],
  checkAll: (some: readonly LabEntry[]) => Promise<LabFindings[]>,
): Promise<void> {
  for (const [index, lab] of labs.entries()) {
    const first = findings[index];
    if (first.problems.length === 0) continue;
    console.log(
      `\n${lab.slug}: ${plural(first.problems.length, "problem")} in a crowded check; ` +
        `checking it again, alone:\n${first.problems.map((text) => `  - ${text}`).join("\n")}`,
    );
    const [again] = await checkAll([lab]);
    if (again.problems.length === 0) {
      again.warnings.push(
        ...first.problems.map((text) =>
          `flaky under load (sound when checked again alone): ${text}`
        ),
      );
    }
    findings[index] = again;
  }
}

/** Prints a lab's mutant lines and records its summary, racy escapes and problems. */
function summarizeLabMutants(lab: LabEntry, found: LabFindings, mine: MutantOutcome[]): void {
  if (mine.length === 0) return;
  const { lines, summary, problems } = summarizeMutants(lab.slug, mine);
  found.warnings.push(
    ...mine.filter((outcome) => outcome.racy && outcome.hiddenFailures.length === 0).map(
      (outcome) => `the racy mutant ${outcome.id} escaped the hidden tests this run`,
    ),
  );
  console.log(`\n${lines.map((line) => `  ${line}`).join("\n")}`);
  found.mutantSummary = summary;
  found.problems.push(...problems);
}

/**
 * Runs the command with the given arguments and returns its exit status.
 *
 * @example
 * ```ts
 * import { main } from "./check.ts";
 * const status = await main(["--root", "."]);
 * ```
 */
export async function main(args: string[]): Promise<number> {
  const rest = [...args];
  let root: string;
  let timeoutMs = DEFAULT_TIMEOUT_MS;
  let seedCount = DEFAULT_SEEDS;
  const only: string[] = [];
  let withMutants = true;
  let mutantsPublic = true;
  let writeHashes = false;
  let recheckAlone = false;
  try {
    if (takeFlag(rest, "--help", "-h")) {
      console.log(USAGE);
      return 0;
    }
    root = takeOption(rest, "--root") ?? Deno.cwd();
    for (let id = takeOption(rest, "--lab"); id !== undefined; id = takeOption(rest, "--lab")) {
      only.push(id);
    }
    withMutants = !takeFlag(rest, "--no-mutants");
    mutantsPublic = !takeFlag(rest, "--mutants-hidden-only");
    writeHashes = takeFlag(rest, "--write-starter-hashes");
    recheckAlone = takeFlag(rest, "--recheck-alone");
    const timeout = takeOption(rest, "--timeout");
    if (timeout !== undefined) timeoutMs = parseSeconds(timeout, "--timeout");
    const seeds = takeOption(rest, "--seeds");
    if (seeds !== undefined) seedCount = parseSeedCount(seeds, "--seeds");
    if (rest.length > 0) throw new Error(`unexpected argument ${rest[0]}`);
  } catch (error) {
    console.error(`check: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const paths = coursePaths(root);
  let course: Course;
  try {
    course = await loadCourse(paths);
  } catch (error) {
    if (error instanceof CourseError) {
      console.log(`check: ${error.message}`);
      return 1;
    }
    console.error(`check: ${(error as Error).message}`);
    return 2;
  }
  if (writeHashes) course = await writeStarterHashes(paths);
  const unknown = only.filter((id) => !course.labs.some((lab) => lab.id === id || lab.slug === id));
  if (unknown.length > 0) {
    console.error(
      `check: no lab ${unknown.join(", ")} in labs/course.json (labs: ${
        course.labs.map((lab) => lab.id).join(", ")
      })`,
    );
    return 2;
  }
  const labs = only.length === 0
    ? course.labs
    : course.labs.filter((lab) => only.includes(lab.id) || only.includes(lab.slug));
  const started = performance.now();
  const checkAll = (some: readonly LabEntry[]) =>
    checkLabsAndMutants(
      paths,
      some,
      (lab) => checkLab(paths, lab, timeoutMs, (text) => console.log(`  ${text}`), seedCount),
      withMutants
        ? { timeoutMs: Math.min(timeoutMs, MAX_MUTANT_TIMEOUT_MS), withPublic: mutantsPublic }
        : undefined,
    );
  const findings = await checkAll(labs);
  if (recheckAlone) await recheckUnsound(labs, findings, checkAll);
  const warnings = [
    ...findings.flatMap((found) => found.warnings.map((text) => `${found.slug}: ${text}`)),
    ...(only.length === 0 ? await unlistedFolders(paths, course) : []),
  ];
  const problems = findings.flatMap((found) =>
    found.problems.map((text) => `${found.slug}: ${text}`)
  );
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  if (warnings.length > 0) {
    console.log(`\nWarnings (${warnings.length}):`);
    for (const warning of warnings) console.log(`  - ${warning}`);
  }
  if (problems.length > 0) {
    console.log(`\nProblems (${problems.length}):`);
    for (const problem of problems) console.log(`  - ${problem}`);
    console.log(
      `\ncheck: ${plural(problems.length, "problem")} in ${plural(labs.length, "lab")} ` +
        `(${seconds} s)`,
    );
    return 1;
  }
  console.log(`\ncheck: ${plural(labs.length, "lab")}, all sound (${seconds} s)`);
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
