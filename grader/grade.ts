/**
 * Grading a class: every lab of every submission, in sandboxes, a few at a
 * time, with results written as they come so that a run that is killed resumes
 * where it stopped.
 *
 * Before any student, each lab's solution is run the same way (the reference
 * run): it names the hidden tests and their points, and proves that the hidden
 * tests pass on the solution under the grader's limits (it is also where the
 * course's side is type-checked, once). A lab whose solution does not pass
 * stops the grading: scores against broken tests mean nothing.
 *
 * Every entry of the submissions folder is graded or listed as skipped with its
 * reason; a grading run holds a lock on `out`, and cleans up the temporary
 * folders of earlier runs that were killed. Published texts are scrubbed of
 * the hidden tests' and the solutions' text (scrub.ts).
 *
 * Output, under `out`:
 * - `<student>/labs/<slug>.json`: one grade per student and lab (kept between
 *   runs and reused while nothing it depends on changed; `fresh` regrades).
 * - `<student>/results.json`: Gradescope's results for every lab graded so far.
 * - `summary.json` and `gradebook.csv`: the class, this run's grades merged with
 *   those kept from earlier runs (a `--labs` subset drops nothing); `summary.json`
 *   also lists the skipped entries.
 * - `.grader/reference/<slug>.json`: the reference runs, kept the same way.
 * - `.grader/lock`: the process id of the run writing to `out`, while it runs.
 *
 * @example
 * ```ts
 * import { gradeSubmissions } from "./grade.ts";
 * const report = await gradeSubmissions({
 *   root: ".",
 *   submissions: "submissions",
 *   out: "results",
 *   labs: ["01", "04"],
 *   log: console.log,
 * });
 * console.log(report.graded, report.reused);
 * ```
 * @module
 */

import { type Course, CourseError, findLab, type LabEntry } from "../core/course.ts";
import {
  absolutePath,
  type CoursePaths,
  coursePaths,
  denoCacheDir,
  exists,
  joinPath,
  loadCourse,
  mapPool,
  plural,
  walkFiles,
} from "../core/lab_env.ts";
import { type ClassSummary, classSummary, gradebookCsv, type LabColumn } from "./gradebook.ts";
import { gradescopeResults, type Visibility } from "./results.ts";
import {
  cacheCourseDependencies,
  DEFAULT_LIMITS,
  DEFAULT_SEEDS,
  makeSandboxCache,
  runSandbox,
  type SandboxLimits,
  type SandboxOutcome,
  type SandboxSetup,
  transpiledHiddenFiles,
  warmSharedCache,
} from "./sandbox.ts";
import { assertionMessages, Scrubber } from "./scrub.ts";
import {
  detectNamespace,
  foldersToShow,
  makeRunTempRoot,
  type Namespace,
  removeStaleRunFolders,
} from "./isolation.ts";
import {
  capText,
  type LabGrade,
  type LabScore,
  referenceFromReport,
  type ReferenceTest,
  scoreLab,
  zeroLab,
} from "./score.ts";
import {
  courseFingerprint,
  GRADER_VERSION,
  readJsonFile,
  readLabGrade,
  removeLeftoverTemps,
  submissionFingerprint,
  writeFileAtomic,
  writeJsonAtomic,
} from "./store.ts";
import {
  collectLabFiles,
  DEFAULT_MAX_FILE_BYTES,
  findSubmissions,
  type Skipped,
  type Submission,
} from "./submissions.ts";

/** How to grade. */
export interface GradeOptions {
  /** The course folder (the one with deno.json and labs/course.json). */
  root: string;
  /** A folder of submissions (one folder per student), or one submission folder. */
  submissions: string;
  /** Where results go. */
  out: string;
  /** Labs to grade, by id or slug (`"01"`, `"04-channels"`); all when absent. */
  labs?: string[];
  /** Sandboxes at once (default: {@linkcode defaultJobs}). */
  jobs?: number;
  /** Regrade everything instead of reusing the grades kept from an earlier run. */
  fresh?: boolean;
  /** Limits for each lab run; the rest from `DEFAULT_LIMITS`. */
  limits?: Partial<SandboxLimits>;
  /** Largest file a student may hand in (default 256 KiB). */
  maxFileBytes?: number;
  /** Seeds every hidden run executes under (default `DEFAULT_SEEDS`); a test scores only under all. */
  seeds?: number[];
  /** Type-check each student's code before running it (off by default: see `SandboxSetup`). */
  typeCheck?: boolean;
  /** When students see the hidden tests' results in Gradescope (default `after_due_date`). */
  visibility?: Visibility;
  /** Progress lines. */
  log?: (line: string) => void;
  /** Stops the grading: runs under way are killed, and nothing half-done is kept. */
  signal?: AbortSignal;
}

/** What a grading run did. */
export interface GradeReport {
  students: string[];
  /** Slugs of the labs graded. */
  labs: string[];
  /** Lab grades made in this run. */
  graded: number;
  /** Lab grades reused from an earlier run. */
  reused: number;
  /** True when the run was stopped through the signal before it finished. */
  stopped: boolean;
  /** The class summary, written to `summary.json` (absent when stopped). */
  summary?: ClassSummary;
  /** The output folder, absolute. */
  out: string;
}

/** A problem that stops the grading before or instead of grading anyone. */
export class GradeError extends Error {
  /**
   * @example
   * ```ts
   * import { GradeError } from "./grade.ts";
   * throw new GradeError("there is no lab \"9\"");
   * ```
   */
  constructor(message: string) {
    super(message);
    this.name = "GradeError";
  }
}

/** Names under `out` that are the grader's own files, so no student may have them. */
const RESERVED_NAMES = new Set(["summary.json", "gradebook.csv"]);

/** How many times the students' time limit a reference run gets, for its type check. */
const REFERENCE_TIME_FACTOR = 3;

/** The folder kept for the reference runs (a dot folder: no student can be named so). */
const REFERENCE_DIR = ".grader/reference";

/**
 * The labs to grade: all of the course's, or those named (by id, number or slug), in course order.
 *
 * @throws {GradeError} naming a lab that is not in the course.
 * @example
 * ```ts
 * import { selectLabs } from "./grade.ts";
 * import type { Course } from "../core/course.ts";
 * declare const course: Course;
 * selectLabs(course, ["4", "01"]).map((lab) => lab.slug); // → ["01-goroutines", "04-channels"]
 * ```
 */
export function selectLabs(course: Course, wanted?: string[]): LabEntry[] {
  if (wanted === undefined || wanted.length === 0) return course.labs;
  const chosen = new Set<string>();
  for (const query of wanted) {
    const found = findLab(course, query);
    if (!found.ok) throw new GradeError(found.message);
    chosen.add(found.lab.slug);
  }
  return course.labs.filter((lab) => chosen.has(lab.slug));
}

/** A name as it may be printed on a terminal: control and bidirectional characters shown as `?`. */
function printable(name: string): string {
  // deno-lint-ignore no-control-regex -- the point is to find control characters
  return name.replace(/[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g, "?");
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(1);
}

interface Reference {
  version: number;
  slug: string;
  fingerprint: string;
  tests: ReferenceTest[];
}

function parseReference(value: unknown, slug: string, fingerprint: string): Reference | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const reference = value as Partial<Reference>;
  if (
    reference.version !== GRADER_VERSION || reference.slug !== slug ||
    reference.fingerprint !== fingerprint || !Array.isArray(reference.tests) ||
    reference.tests.length === 0 ||
    !reference.tests.every((test) =>
      typeof test?.name === "string" && typeof test.points === "number" &&
      Number.isFinite(test.points)
    )
  ) return undefined;
  return reference as Reference;
}

/**
 * The hidden tests of a lab and their points, from a run of the solution (kept
 * under `out` and reused while the course's side of the lab is unchanged).
 * Returns the problems instead when the solution does not pass them all.
 */
async function labReference(
  paths: CoursePaths,
  lab: LabEntry,
  fingerprint: string,
  out: string,
  options: {
    fresh: boolean;
    limits: SandboxLimits;
    setup: SandboxSetup;
    log: (line: string) => void;
  },
  signal?: AbortSignal,
): Promise<{ tests: ReferenceTest[] } | { problems: string[] } | { stopped: true }> {
  const file = joinPath(out, REFERENCE_DIR, `${lab.slug}.json`);
  if (!options.fresh) {
    const kept = parseReference(await readJsonFile(file), lab.slug, fingerprint);
    if (kept) return { tests: kept.tests };
  }
  // The course's side is type-checked here, once, so that students' runs may skip it;
  // the check (several seconds on a busy machine) gets time beyond the students' limit.
  const limits = {
    ...options.limits,
    timeoutMs: options.limits.timeoutMs * REFERENCE_TIME_FACTOR,
  };
  const outcome = await runSandbox(paths, lab, { kind: "solution" }, limits, signal, {
    ...options.setup,
    typeCheck: true,
  });
  if (outcome.aborted) return { stopped: true };
  if (outcome.forged !== undefined) return { problems: [outcome.forged] };
  if (outcome.report === null) {
    return {
      problems: [
        `the solution's run did not finish: ${outcome.problem ?? "no report"} (a machine ` +
        `slower than expected? raise --timeout-ms)`,
      ],
    };
  }
  const found = referenceFromReport(lab, outcome.report);
  if (outcome.problem !== undefined) found.problems.unshift(outcome.problem);
  if (found.problems.length > 0) return { problems: found.problems };
  for (const key of found.unusedPoints) {
    options.log(`warning: ${lab.slug}: the points key "${key}" names no hidden test`);
  }
  const points = found.tests.reduce((total, test) => total + test.points, 0);
  options.log(
    `reference: ${lab.slug}: the solution passes all ${found.tests.length} hidden tests ` +
      `(${points} points) in ${seconds(outcome.durationMs)} s`,
  );
  await writeJsonAtomic(
    file,
    {
      version: GRADER_VERSION,
      slug: lab.slug,
      fingerprint,
      tests: found.tests,
    } satisfies Reference,
  );
  return { tests: found.tests };
}

/**
 * A lab's score from its sandbox's outcome: zero when the report is forged,
 * and each failing test's output names the first seed it failed under and the
 * command that replays it.
 */
function scoreOutcome(
  lab: LabEntry,
  reference: ReferenceTest[],
  outcome: SandboxOutcome,
): LabScore {
  if (outcome.forged !== undefined) return zeroLab(reference, outcome.forged);
  const score = scoreLab(reference, outcome.report, outcome.problem);
  return {
    ...score,
    tests: score.tests.map((test) => {
      const seed = outcome.failingSeeds.get(test.name);
      if (seed === undefined || test.status === "passed") return test;
      return {
        ...test,
        output: capText(
          `failed under seed ${seed} (replay: deno task lab ${lab.id} --seed ${seed})\n` +
            test.output,
        ),
      };
    }),
  };
}

/**
 * The scrubber for a lab's published texts: its hidden files (as written, and as
 * the run's cache holds them transpiled) and solution are secret; its lab
 * folder, the primitives, the hidden tests' names and their assertions'
 * messages are not.
 */
async function labScrubber(
  paths: CoursePaths,
  lab: LabEntry,
  reference: ReferenceTest[],
  cacheDir: string | undefined,
): Promise<Scrubber> {
  const read = async (dir: string) => {
    if (!await exists(dir)) return [];
    return await Promise.all(
      (await walkFiles(dir)).map((name) => Deno.readTextFile(joinPath(dir, name))),
    );
  };
  const hidden = await read(joinPath(paths.hidden, lab.slug));
  const secrets = [
    ...hidden,
    ...await transpiledHiddenFiles(paths, lab, cacheDir),
    ...await read(joinPath(paths.solutions, lab.slug)),
  ];
  const open = [
    ...await read(joinPath(paths.labs, lab.slug)),
    ...await read(paths.primitives),
    reference.map((test) => test.name).join("\n"),
    ...hidden.flatMap(assertionMessages),
  ];
  return new Scrubber(secrets, open);
}

/** Grades one lab of one submission; `undefined` when stopped through the signal. */
async function gradeLab(
  paths: CoursePaths,
  submission: Submission,
  lab: LabEntry,
  reference: ReferenceTest[],
  courseFp: string,
  options: {
    fresh: boolean;
    limits: SandboxLimits;
    maxFileBytes: number;
    out: string;
    setup: SandboxSetup;
    scrubber: Scrubber;
  },
  signal?: AbortSignal,
): Promise<{ grade: LabGrade; reused: boolean } | undefined> {
  const files = await collectLabFiles(submission, lab, options.maxFileBytes);
  const fingerprint = await submissionFingerprint(
    courseFp,
    files.present,
    files.missing,
    files.refused,
  );
  const file = joinPath(options.out, submission.student, "labs", `${lab.slug}.json`);
  if (!options.fresh) {
    const kept = await readLabGrade(file);
    if (
      kept && kept.fingerprint === fingerprint && kept.student === submission.student &&
      kept.lab.slug === lab.slug
    ) return { grade: kept, reused: true };
  }
  const started = performance.now();
  const notes: string[] = [];
  let score: LabScore;
  if (files.refused.length > 0) {
    score = zeroLab(reference, files.refused.join("\n"));
  } else if (files.present.length === 0) {
    const expected = `${lab.files.map((name) => `${lab.slug}/${name}`).join(", ")}, ` +
      `or the same under labs/`;
    score = zeroLab(
      reference,
      `no files for lab ${lab.id} (expected ${expected})` +
        (submission.note !== undefined && submission.labsDir === null
          ? `: ${submission.note}`
          : ""),
    );
  } else {
    if (submission.note !== undefined) notes.push(submission.note);
    if (files.missing.length > 0) {
      notes.push(`not handed in, so the starter was graded: ${files.missing.join(", ")}`);
    }
    const outcome = await runSandbox(
      paths,
      lab,
      { kind: "submission", files: files.present },
      options.limits,
      signal,
      options.setup,
    );
    if (outcome.aborted) return undefined;
    notes.push(...outcome.notes);
    score = scoreOutcome(lab, reference, outcome);
  }
  const scrub = (text: string) => options.scrubber.scrub(text);
  const grade: LabGrade = {
    version: GRADER_VERSION,
    student: submission.student,
    lab: { id: lab.id, slug: lab.slug, title: lab.title },
    fingerprint,
    ...score,
    tests: score.tests.map((test) => ({ ...test, output: scrub(test.output) })),
    ...(score.reason === undefined ? {} : { reason: scrub(score.reason) }),
    notes: notes.map(scrub),
    durationMs: Math.round(performance.now() - started),
    gradedAt: new Date().toISOString(),
  };
  await writeJsonAtomic(file, grade);
  return { grade, reused: false };
}

/**
 * {@linkcode mapPool}, except that the first item to fail stops the others (their
 * sandboxes are killed through `stop`), and it returns only once every item has
 * settled, so that no sandbox is left running when the failure is reported.
 */
async function poolUntilFailure<T>(
  items: readonly T[],
  jobs: number,
  stop: AbortController,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let failure: { error: unknown } | undefined;
  await mapPool(items, jobs, async (item) => {
    if (failure !== undefined || stop.signal.aborted) return;
    try {
      await work(item);
    } catch (error) {
      failure ??= { error };
      stop.abort();
    }
  });
  if (failure !== undefined) throw failure.error;
}

/** Progress of a grading run, for a progress bar. */
export interface GradeProgress {
  done: number;
  total: number;
  /** The student and lab just finished. */
  student: string;
  lab: string;
  /** Milliseconds since the students' grading began. */
  elapsedMs: number;
}

/** The lock that keeps two grading runs out of one output folder. */
const LOCK_FILE = ".grader/lock";

/**
 * Takes the output folder's lock (a file holding this process's id), taking
 * over one whose process is gone; returns its release.
 *
 * @throws {GradeError} when another live grading run holds it.
 */
async function lockOutput(out: string): Promise<() => Promise<void>> {
  const path = joinPath(out, LOCK_FILE);
  await Deno.mkdir(joinPath(out, ".grader"), { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const file = await Deno.open(path, { write: true, createNew: true });
      await file.write(new TextEncoder().encode(`${Deno.pid}\n`));
      file.close();
      return async () => await Deno.remove(path).catch(() => {});
    } catch (error) {
      if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
      const holder = Number((await Deno.readTextFile(path).catch(() => "")).trim());
      const alive = Number.isInteger(holder) && holder > 0 &&
        await Deno.stat(`/proc/${holder}`).then(() => true, () => false);
      if (alive) {
        throw new GradeError(
          `another grading run (process ${holder}) is writing to ${out}; wait for it to ` +
            `finish, or use another --out`,
        );
      }
      await Deno.remove(path).catch(() => {}); // left by a run that was killed
    }
  }
  throw new GradeError(`could not take the lock ${path}: another run keeps taking it`);
}

/** The grades kept under `out` for a student, by lab slug. */
async function keptGrades(out: string, student: string): Promise<Map<string, LabGrade>> {
  const grades = new Map<string, LabGrade>();
  const dir = joinPath(out, student, "labs");
  if (!await exists(dir)) return grades;
  for await (const entry of Deno.readDir(dir)) {
    if (!entry.isFile || !entry.name.endsWith(".json")) continue;
    const grade = await readLabGrade(joinPath(dir, entry.name));
    if (grade && grade.student === student) grades.set(grade.lab.slug, grade);
  }
  return grades;
}

/**
 * How many sandboxes run at once unless the instructor says otherwise: twice
 * the machine's cores. A lab run is not all CPU: lab 06's hidden tests spend
 * most of their time waiting for servers to drain, so with one run per core
 * the cores sit idle for much of a class; the tests' own time limits leave a
 * wide margin for a machine this busy.
 *
 * @example
 * ```ts
 * import { defaultJobs } from "./grade.ts";
 * defaultJobs(); // → 4 on a 2-core machine
 * ```
 */
export function defaultJobs(): number {
  return 2 * Math.max(1, navigator.hardwareConcurrency ?? 1);
}

/**
 * What a grading run's sandboxes share: the namespace, when this machine can
 * make one, hiding the `hidden` folders (the course, the submissions, the
 * output), and then also the user's Deno cache, since the sandboxes use one of
 * the run's own under `tempRoot` (which the caller fills, see
 * `makeSandboxCache`); the folders to show again inside the hidden ones; the
 * seeds and whether to type-check.
 *
 * @example
 * ```ts
 * import { gradingSetup } from "./grade.ts";
 * import { makeRunTempRoot } from "./isolation.ts";
 * const setup = await gradingSetup(".", ["."], await makeRunTempRoot(), [1, 2], false);
 * console.log(setup.namespace !== undefined, setup.cacheDir);
 * ```
 */
export async function gradingSetup(
  root: string,
  hidden: string[],
  tempRoot: string,
  seeds: number[],
  typeCheck: boolean,
): Promise<SandboxSetup> {
  const namespace = await detectNamespace();
  // In a namespace, sandboxes use a Deno cache of this run's own (makeSandboxCache), and the
  // user's, with the transpiled text of whatever else ran here, is hidden from them.
  const cacheDir = namespace === undefined ? undefined : joinPath(tempRoot, "deno-cache");
  const userCache = denoCacheDir();
  const hidesUserCache = cacheDir !== undefined && userCache !== undefined;
  const hide = [...new Set([...hidden, ...hidesUserCache ? [userCache] : []].map(absolutePath))];
  return {
    tempRoot,
    namespace,
    cacheDir,
    hide,
    // A run sees the run's own cache anyway (SandboxSetup.cacheDir), and the user's must stay hidden.
    show: foldersToShow(absolutePath(root), hide, cacheDir === undefined ? userCache : undefined),
    seeds,
    typeCheck,
  };
}

/**
 * The warning for labs whose tests start the student's program on a runtime
 * with no permissions of its own (their manifest's `run`), when the namespace
 * cannot confine it (see `Namespace.confiners`); `undefined` when there is
 * nothing to say.
 *
 * @example
 * ```ts
 * import { unconfinedWarning } from "./grade.ts";
 * import type { LabEntry } from "../core/course.ts";
 * declare const labs: LabEntry[];
 * unconfinedWarning(labs, undefined); // → "warning: 06-server starts the student's program …"
 * ```
 */
export function unconfinedWarning(
  labs: readonly LabEntry[],
  namespace: Namespace | undefined,
): string | undefined {
  const slugs = labs.filter((lab) => lab.permissions?.run).map((lab) => lab.slug);
  if (namespace?.confiners !== undefined || slugs.length === 0) return undefined;
  return `warning: ${slugs.join(", ")} start${slugs.length === 1 ? "s" : ""} the student's ` +
    "program on runtimes without permissions of their own (Bun), and they run unconfined " +
    "here: they can write wherever the sandbox can be written, the test report included " +
    "(confining them needs bubblewrap usable inside a sandbox, and procps' pgrep and pkill)";
}

/**
 * Grades every selected lab of every submission and writes the results (see
 * the module's description). Runs `jobs` sandboxes at once; prints a progress
 * line per student and lab: `[12/600] alice 04-channels: 47/56 points (8.1 s)`.
 * The class's summary and gradebook merge this run's grades with those kept
 * for other labs and students, so grading a subset of labs drops nothing.
 *
 * @throws {SubmissionsError} when the submissions folder is missing or holds no submission.
 * @throws {GradeError} for an unknown lab, no submission holding any lab, an output folder
 * inside the submissions or locked by another run, or a lab whose solution does not pass
 * its hidden tests.
 * @example
 * ```ts
 * import { gradeSubmissions } from "./grade.ts";
 * const report = await gradeSubmissions({ root: ".", submissions: "subs", out: "results" });
 * report.summary?.totals.meanScore;
 * ```
 */
export async function gradeSubmissions(
  options: GradeOptions & { single?: boolean; onProgress?: (progress: GradeProgress) => void },
): Promise<GradeReport> {
  const log = options.log ?? (() => {});
  const fresh = options.fresh ?? false;
  const jobs = options.jobs ?? defaultJobs();
  const limits: SandboxLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const maxFileBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const paths = coursePaths(options.root);
  let course: Course;
  try {
    course = await loadCourse(paths);
  } catch (error) {
    // A missing manifest means a wrong --root: say so like any other input problem.
    if (error instanceof Error && !(error instanceof CourseError)) {
      throw new GradeError(error.message);
    }
    throw error;
  }
  const labs = selectLabs(course, options.labs);
  const out = absolutePath(options.out);
  const submissionsDir = absolutePath(options.submissions);
  if (out === submissionsDir || out.startsWith(`${submissionsDir}/`)) {
    throw new GradeError(
      `the output folder ${out} is inside the submissions folder; put it elsewhere, or it ` +
        `would be graded as a student next time`,
    );
  }
  const found = await findSubmissions(
    options.submissions,
    course.labs.map((lab) => lab.slug),
    options.single,
  );
  const skipped: Skipped[] = [...found.skipped];
  const submissions: Submission[] = [];
  for (const submission of found.submissions) {
    if (RESERVED_NAMES.has(submission.student)) {
      skipped.push({
        name: submission.student,
        reason: `the name of a file the grader writes in ${out}; rename that folder to grade it`,
      });
    } else submissions.push(submission);
  }
  for (const entry of skipped) log(`skipped: ${printable(entry.name)}: ${entry.reason}`);
  const holdsAny = await Promise.all(
    submissions.map(async (submission) =>
      submission.labsDir !== null &&
      (await Promise.all(
        labs.map((lab) => exists(joinPath(submission.labsDir!, lab.slug))),
      )).some(Boolean)
    ),
  );
  if (!holdsAny.some(Boolean)) {
    throw new GradeError(
      `no submission in ${options.submissions} holds any of the labs to grade ` +
        `(${labs.map((lab) => lab.slug).join(", ")}): each student's folder should hold ` +
        `<lab>/<file>.ts or labs/<lab>/<file>.ts`,
    );
  }
  const report: GradeReport = {
    students: submissions.map((submission) => submission.student),
    labs: labs.map((lab) => lab.slug),
    graded: 0,
    reused: 0,
    stopped: false,
    out,
  };
  const started = performance.now();
  try {
    await cacheCourseDependencies(paths.root, log);
  } catch (error) {
    throw new GradeError((error as Error).message);
  }
  const release = await lockOutput(out);
  await removeStaleRunFolders();
  const tempRoot = await makeRunTempRoot();
  const setup = await gradingSetup(
    paths.root,
    [paths.root, submissionsDir, out],
    tempRoot,
    options.seeds ?? DEFAULT_SEEDS,
    options.typeCheck ?? false,
  );
  const { namespace, cacheDir } = setup;
  if (namespace === undefined) {
    log(
      "warning: bubblewrap (bwrap) is missing or not allowed here, so sandboxes run without a " +
        "mount namespace: a student's module import can still read any file by its path " +
        "(Debian: apt-get install bubblewrap)",
    );
  }
  const unconfined = unconfinedWarning(labs, namespace);
  if (unconfined !== undefined) log(unconfined);
  log(
    `Grading ${plural(submissions.length, "submission")} × ${plural(labs.length, "lab")}, ` +
      `${jobs} at a time, seeds ${setup.seeds!.join(",") || "none"}, into ${out}`,
  );
  // Runs stop when the caller says so, and also when grading fails, so none outlives it.
  const stop = new AbortController();
  const forwardStop = () => stop.abort();
  options.signal?.addEventListener("abort", forwardStop, { once: true });
  if (options.signal?.aborted) stop.abort();
  try {
    return await gradeAll();
  } finally {
    options.signal?.removeEventListener("abort", forwardStop);
    await Deno.remove(tempRoot, { recursive: true }).catch(() => {});
    await release();
  }

  async function gradeAll(): Promise<GradeReport> {
    const signal = stop.signal;
    const stopped = () => options.signal?.aborted === true;
    await removeLeftoverTemps(out);
    await removeLeftoverTemps(joinPath(out, REFERENCE_DIR));
    if (cacheDir !== undefined) {
      try {
        await makeSandboxCache(paths.root, cacheDir, log);
      } catch (error) {
        throw new GradeError((error as Error).message);
      }
    }

    const fingerprints = new Map<string, string>();
    for (const lab of labs) fingerprints.set(lab.slug, await courseFingerprint(paths, lab));
    const references = new Map<string, ReferenceTest[]>();
    const problems: string[] = [];
    await poolUntilFailure(labs, jobs, stop, async (lab) => {
      if (cacheDir !== undefined && !await warmSharedCache(paths, lab, limits, setup)) {
        log(
          `note: ${lab.slug}: what every run shares could not be compiled ahead, so each run ` +
            `compiles it itself (slower, graded the same)`,
        );
      }
      const found = await labReference(
        paths,
        lab,
        fingerprints.get(lab.slug)!,
        out,
        { fresh, limits, setup, log },
        signal,
      );
      if ("tests" in found) references.set(lab.slug, found.tests);
      else if ("problems" in found) {
        problems.push(...found.problems.map((problem) => `${lab.slug}: ${problem}`));
      }
    });
    if (stopped()) return { ...report, stopped: true };
    if (problems.length > 0) {
      throw new GradeError(
        `the hidden tests cannot be trusted, so nobody was graded:\n  - ${problems.join("\n  - ")}`,
      );
    }
    const scrubbers = new Map<string, Scrubber>();
    for (const lab of labs) {
      scrubbers.set(lab.slug, await labScrubber(paths, lab, references.get(lab.slug)!, cacheDir));
    }

    const tasks = submissions.flatMap((submission) => labs.map((lab) => ({ submission, lab })));
    let done = 0;
    for (const submission of submissions) {
      await removeLeftoverTemps(joinPath(out, submission.student));
      await removeLeftoverTemps(joinPath(out, submission.student, "labs"));
    }
    const gradingStarted = performance.now();
    await poolUntilFailure(tasks, jobs, stop, async ({ submission, lab }) => {
      const result = await gradeLab(
        paths,
        submission,
        lab,
        references.get(lab.slug)!,
        fingerprints.get(lab.slug)!,
        { fresh, limits, maxFileBytes, out, setup, scrubber: scrubbers.get(lab.slug)! },
        signal,
      );
      if (result === undefined) return;
      const { grade, reused } = result;
      if (reused) report.reused++;
      else report.graded++;
      done++;
      const timing = reused ? "reused" : `${seconds(grade.durationMs)} s`;
      const why = grade.reason === undefined ? "" : `: ${printable(grade.reason.split("\n")[0])}`;
      log(
        `[${done}/${tasks.length}] ${printable(submission.student)} ${lab.slug}: ` +
          `${grade.score}/${grade.maxScore} points (${timing})${why}`,
      );
      options.onProgress?.({
        done,
        total: tasks.length,
        student: submission.student,
        lab: lab.slug,
        elapsedMs: performance.now() - gradingStarted,
      });
    });
    if (stopped()) return { ...report, stopped: true };

    // Every student with grades kept under `out`, for every lab of the course that has a
    // reference: this run's labs and students, and those graded by earlier runs.
    const columns: LabColumn[] = [];
    for (const lab of course.labs) {
      const tests = references.get(lab.slug) ??
        (await readJsonFile(joinPath(out, REFERENCE_DIR, `${lab.slug}.json`)) as
          | Reference
          | undefined)?.tests;
      if (Array.isArray(tests)) {
        columns.push({ id: lab.id, slug: lab.slug, title: lab.title, tests });
      }
    }
    const students = new Set(submissions.map((submission) => submission.student));
    for await (const entry of Deno.readDir(out)) {
      if (entry.isDirectory && !entry.name.startsWith(".")) students.add(entry.name);
    }
    const grades = new Map<string, LabGrade[]>();
    for (const student of students) {
      const kept = await keptGrades(out, student);
      if (kept.size === 0) continue;
      const ordered = columns.map((column) => kept.get(column.slug))
        .filter((grade): grade is LabGrade => grade !== undefined);
      grades.set(student, ordered);
      await writeJsonAtomic(
        joinPath(out, student, "results.json"),
        gradescopeResults(ordered, options.visibility),
      );
    }
    const summary = classSummary(course.title, columns, grades, new Date().toISOString());
    await writeJsonAtomic(joinPath(out, "summary.json"), { ...summary, skipped });
    await writeFileAtomic(joinPath(out, "gradebook.csv"), gradebookCsv(summary));
    log(
      `Graded ${report.graded}, reused ${report.reused} in ${
        seconds(performance.now() - started)
      } s; class mean ${summary.totals.meanScore ?? 0}/${summary.totals.maxScore}. ` +
        `Results in ${out} (summary.json, gradebook.csv, <student>/results.json)`,
    );
    return { ...report, summary };
  }
}
