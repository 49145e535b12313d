/**
 * The grading benchmark (`deno task grade-bench`): builds a synthetic class
 * from the course's own solutions and starters (every student hands in every
 * lab's solution, the worst case, since a working lab runs all its tests under
 * every seed; with `--starters N`, every Nth student hands in the starters
 * instead), grades it as the instructor would, and reports the wall time per
 * student-lab, what a class of 200 students × 6 labs would take at that pace,
 * and where the time goes: building a sandbox, starting `deno test`, and each
 * lab's hidden tests on its solution, run as the grader runs them (in its
 * namespace, with its cache, under every seed), split into loading (the run
 * with every test filtered out), the first seed's tests and the later seeds'
 * (each part the median of three runs).
 *
 * Every student who hands in the solutions must get full marks: the benchmark
 * lists each student-lab that lost points, and exits with status 1, since a
 * grade that changes with the machine's load is a bug in the hidden tests.
 *
 * Where the machine lets it make a control group (cpu_meter.ts), it also
 * reports the CPU time of the students' part, every sandbox's processes
 * included: CPU seconds divided by the cores is the least wall time the class
 * can take on an idle machine, whatever else was running during the benchmark.
 *
 *     deno task grade-bench [--students 20] [--starters 0] [--jobs N] [--seeds 1,2] [--labs 01,04]
 *
 * @example
 * ```ts
 * import { benchGrading } from "./bench.ts";
 * const result = await benchGrading({ root: ".", students: 4, jobs: 2, seeds: [1] });
 * console.log(result.perStudentLabMs);
 * ```
 * @module
 */

import {
  copyTree,
  coursePaths,
  forgetTranspiled,
  joinPath,
  loadCourse,
  takeOption,
} from "../core/lab_env.ts";
import { runTests } from "../core/test_runner.ts";
import { readLabGrade } from "./store.ts";
import { openCpuMeter } from "./cpu_meter.ts";
import { defaultJobs, GradeError, gradeSubmissions, gradingSetup, selectLabs } from "./grade.ts";
import {
  DEFAULT_LIMITS,
  makeSandboxCache,
  prepareSandbox,
  runSandbox,
  warmSharedCache,
} from "./sandbox.ts";

/** What to measure. */
export interface BenchOptions {
  root: string;
  students: number;
  /** Every `starters`th student hands in the starters (0: nobody does). */
  starters?: number;
  jobs: number;
  seeds: number[];
  labs?: string[];
  log?: (line: string) => void;
}

/** What the benchmark measured, in milliseconds. */
export interface BenchResult {
  studentLabs: number;
  /** Wall time of the whole grading, reference runs included. */
  totalMs: number;
  /** Wall time of the students' part divided by the student-labs. */
  perStudentLabMs: number;
  /** The same pace, for 200 students × 6 labs. */
  projectedClassMs: number;
  /**
   * CPU time of the students' part per student-lab, every process included, when a
   * control group could measure it.
   */
  cpuPerStudentLabMs?: number;
  /** Where the CPU time was read from (see cpu_meter.ts). */
  cpuSource?: string;
  /** Building and removing one sandbox. */
  sandboxMs: number;
  /** One `deno test` process running one empty test. */
  processMs: number;
  /**
   * Each lab's hidden tests on its solution, run as the grader runs them
   * (isolation, cache, every seed), and the parts of that run, by slug.
   */
  labRuns: Record<string, LabRunCost>;
  /** Student-labs graded on the course's solution. */
  solutionLabs: number;
  /**
   * Those of them that lost points, one line each (student, lab, score, the
   * failing tests): a solution loses none, so each line is a hidden test that
   * depends on luck, or on the machine's load, and a grade nobody can trust.
   */
  solutionShortfalls: string[];
}

/** Time a piece of work took: wall, and CPU (every process) when a control group measured it. */
export interface Cost {
  wallMs: number;
  cpuMs?: number;
}

/** One lab's hidden run on its solution, whole and in parts. */
export interface LabRunCost {
  /** The whole run, under every seed. */
  all: Cost;
  /**
   * Loading alone: `deno test` starting, the frozen realm, the primitives and
   * the hidden files, with every test filtered out (as the grader's warm-up
   * runs it); absent where the grader warms nothing (no namespace).
   */
  load?: Cost;
  /** The run under the first seed alone; absent with fewer than two seeds. */
  firstSeed?: Cost;
}

/**
 * The lines of {@linkcode BenchResult.solutionShortfalls}: for each of
 * `students` (who handed in the solutions) and each lab, read from the grades
 * under `out`, the student-labs that lost points or have no grade.
 *
 * @example
 * ```ts
 * import { solutionShortfalls } from "./bench.ts";
 * const lines = await solutionShortfalls("/tmp/bench/out", ["s000"], ["01-goroutines"]);
 * // → [] when s000 got full marks in lab 01
 * ```
 */
export async function solutionShortfalls(
  out: string,
  students: string[],
  slugs: string[],
): Promise<string[]> {
  const lines: string[] = [];
  for (const student of students) {
    for (const slug of slugs) {
      const grade = await readLabGrade(joinPath(out, student, "labs", `${slug}.json`));
      if (grade === undefined) {
        lines.push(`${student} ${slug}: no readable grade was written`);
        continue;
      }
      if (grade.score >= grade.maxScore) continue;
      const failed = grade.tests.filter((test) => test.status === "failed");
      const why = grade.reason ?? failed[0]?.output.split("\n").find((line) => line.trim());
      lines.push(
        `${student} ${slug}: ${grade.score} of ${grade.maxScore}; failed: ` +
          `${failed.slice(0, 3).map((test) => test.name).join("; ") || "none"}` +
          (why === undefined ? "" : ` (${why.trim().slice(0, 200)})`),
      );
    }
  }
  return lines;
}

/** Each part of a lab's run is measured this many times, and the median kept. */
const LAB_RUN_ROUNDS = 3;

function medianOf(numbers: number[]): number {
  const sorted = [...numbers].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

async function timed<T>(work: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const value = await work();
  return [value, performance.now() - started];
}

/**
 * Builds the synthetic class, grades it and measures the parts.
 *
 * @example
 * ```ts
 * import { benchGrading } from "./bench.ts";
 * await benchGrading({ root: ".", students: 2, jobs: 1, seeds: [] });
 * ```
 */
export async function benchGrading(options: BenchOptions): Promise<BenchResult> {
  const log = options.log ?? (() => {});
  const paths = coursePaths(options.root);
  const course = await loadCourse(paths);
  const labs = selectLabs(course, options.labs);
  const work = await Deno.makeTempDir({ prefix: "grade-bench-" });
  const meter = await openCpuMeter();
  try {
    const submissions = joinPath(work, "class");
    const solutionStudents: string[] = [];
    for (let index = 0; index < options.students; index++) {
      const name = `s${String(index).padStart(3, "0")}`;
      const starters = options.starters ?? 0;
      const handsInStarters = starters > 0 && index % starters === starters - 1;
      if (!handsInStarters) solutionStudents.push(name);
      for (const lab of labs) {
        await copyTree(
          joinPath(handsInStarters ? paths.labs : paths.solutions, lab.slug),
          joinPath(submissions, name, lab.slug),
          (file) => !file.endsWith(".ts") || file.endsWith("_test.ts"),
        );
      }
    }
    let referencesDoneAt = 0;
    let referencesCpuMs = 0;
    const started = performance.now();
    const startedCpuMs = await meter?.readMs() ?? 0;
    await gradeSubmissions({
      root: options.root,
      submissions,
      out: joinPath(work, "out"),
      labs: labs.map((lab) => lab.slug),
      jobs: options.jobs,
      seeds: options.seeds,
      log: (line) => {
        if (line.startsWith("reference:")) {
          referencesDoneAt = performance.now();
          // Read without waiting: the next lines may come before the read ends.
          meter?.readMs().then(
            (ms) => referencesCpuMs = Math.max(referencesCpuMs, ms),
            () => {}, // an unreadable meter leaves the references' share at its last reading
          );
        }
        log(line);
      },
    });
    const totalMs = performance.now() - started;
    const totalCpuMs = await meter?.readMs();
    const slugs = labs.map((lab) => lab.slug);
    const shortfalls = await solutionShortfalls(joinPath(work, "out"), solutionStudents, slugs);
    const studentLabs = options.students * labs.length;
    const perStudentLabMs = (totalMs - (referencesDoneAt - started)) / studentLabs;

    const [, sandboxMs] = await timed(async () => {
      const sandbox = await prepareSandbox(paths, labs[0], { kind: "solution" });
      await sandbox.remove();
    });
    const empty = joinPath(work, "empty");
    await Deno.mkdir(empty);
    await Deno.writeTextFile(
      joinPath(empty, "empty_test.ts"),
      'import { it } from "node:test";\nit("does nothing", () => {});\n',
    );
    const [, processMs] = await timed(() =>
      runTests({
        cwd: empty,
        files: ["empty_test.ts"],
        permissions: ["--no-prompt"],
        typeCheck: false,
        timeoutMs: 60_000,
      })
    );
    // Each lab's run as the grader runs it (the same isolation, cache and seeds), and its parts.
    const measure = async <T>(work: () => Promise<T>): Promise<[T, Cost]> => {
      const cpuBefore = await meter?.readMs();
      const [value, wallMs] = await timed(work);
      return [value, {
        wallMs: Math.round(wallMs),
        ...meter && { cpuMs: Math.round(await meter.readMs() - cpuBefore!) },
      }];
    };
    const median = (costs: Cost[]): Cost => ({
      wallMs: medianOf(costs.map((cost) => cost.wallMs)),
      ...meter && { cpuMs: medianOf(costs.map((cost) => cost.cpuMs!)) },
    });
    const labRuns: Record<string, LabRunCost> = {};
    const tempRoot = joinPath(work, "runs");
    await Deno.mkdir(tempRoot);
    const setup = await gradingSetup(paths.root, [paths.root], tempRoot, options.seeds, false);
    if (setup.cacheDir !== undefined) await makeSandboxCache(paths.root, setup.cacheDir, log);
    for (const lab of labs) {
      const warmed = await warmSharedCache(paths, lab, DEFAULT_LIMITS, setup);
      const solutionRun = (seeds: number[]) => () =>
        runSandbox(paths, lab, { kind: "solution" }, DEFAULT_LIMITS, undefined, {
          ...setup,
          seeds,
        });
      // The parts are differences of runs a second or two long: each is the
      // median of a few, taken in turn so that a busy moment spreads over all.
      const samples: Record<keyof LabRunCost, Cost[]> = { all: [], load: [], firstSeed: [] };
      for (let round = 0; round < LAB_RUN_ROUNDS; round++) {
        samples.all.push((await measure(solutionRun(options.seeds)))[1]);
        // Once the cache is warm, the warm-up is a run that loads everything and runs no test;
        // one that failed loaded less, and says nothing of the cost.
        if (warmed) {
          const [loaded, cost] = await measure(() =>
            warmSharedCache(paths, lab, DEFAULT_LIMITS, setup)
          );
          if (loaded) samples.load.push(cost);
        }
        if (options.seeds.length > 1) {
          samples.firstSeed.push((await measure(solutionRun(options.seeds.slice(0, 1))))[1]);
        }
      }
      labRuns[lab.slug] = {
        all: median(samples.all),
        ...samples.load.length > 0 && { load: median(samples.load) },
        ...samples.firstSeed.length > 0 && { firstSeed: median(samples.firstSeed) },
      };
    }
    const cpu = totalCpuMs === undefined ? {} : {
      cpuPerStudentLabMs: Math.round(
        (totalCpuMs - Math.max(referencesCpuMs, startedCpuMs)) / studentLabs,
      ),
      cpuSource: meter!.source,
    };
    return {
      studentLabs,
      totalMs: Math.round(totalMs),
      perStudentLabMs: Math.round(perStudentLabMs),
      projectedClassMs: Math.round(perStudentLabMs * 200 * 6),
      ...cpu,
      sandboxMs: Math.round(sandboxMs),
      processMs: Math.round(processMs),
      labRuns,
      solutionLabs: solutionStudents.length * labs.length,
      solutionShortfalls: shortfalls,
    };
  } finally {
    await meter?.close();
    await Deno.remove(work, { recursive: true }).catch(() => {});
    // The empty test ran at a fresh path: its transpiled copy would stay in the user's cache.
    await forgetTranspiled([work]);
  }
}

/**
 * One lab's line of the report: the whole run, then loading, the first seed's
 * tests and the later seeds' tests, each part as far as it was measured; CPU
 * time where the run's CPU was measured, wall time otherwise.
 *
 * @example
 * ```ts
 * import { labRunLine } from "./bench.ts";
 * labRunLine({
 *   all: { wallMs: 1100, cpuMs: 1000 },
 *   load: { wallMs: 300, cpuMs: 300 },
 *   firstSeed: { wallMs: 900, cpuMs: 800 },
 * });
 * // → "1.0 s in all: loading 0.3 s, the first seed's tests 0.5 s, the later seeds' 0.2 s"
 * ```
 */
export function labRunLine(run: LabRunCost): string {
  const cpu = run.all.cpuMs !== undefined;
  const of = (cost: Cost) => (cpu ? cost.cpuMs ?? 0 : cost.wallMs) / 1000;
  const s = (seconds: number) => `${Math.max(0, seconds).toFixed(1)} s`;
  const parts: string[] = [];
  const loaded = run.load === undefined ? 0 : of(run.load);
  if (run.load !== undefined) parts.push(`loading ${s(loaded)}`);
  if (run.firstSeed !== undefined) {
    parts.push(
      `the first seed's tests ${s(of(run.firstSeed) - loaded)}`,
      `the later seeds' ${s(of(run.all) - of(run.firstSeed))}`,
    );
  } else if (run.load !== undefined) {
    parts.push(`the tests ${s(of(run.all) - loaded)}`);
  }
  return `${s(of(run.all))} in all` + (parts.length > 0 ? `: ${parts.join(", ")}` : "");
}

const USAGE = `Usage: deno task grade-bench [options]

Grades a synthetic class built from the course's solutions (and starters) and
reports the wall time per student-lab, the projection for 200 students x 6
labs, and where the time goes. Exits with status 1 when a student who handed
in the solutions lost points (a hidden test that depends on luck or load).

Options:
  --students N   students in the class (default 20)
  --starters N   every Nth student hands in the starters (default 0: nobody)
  --jobs N       sandboxes at once (default: as the grader picks)
  --seeds LIST   seeds of each hidden run, comma-separated (default 1,2)
  --labs LIST    lab ids to grade, comma-separated (default: every lab)
  -h, --help     this text`;

/**
 * Reads the benchmark's command line, or throws an Error that says what is
 * wrong with it.
 *
 * @example
 * ```ts
 * import { parseBenchArgs } from "./bench.ts";
 * parseBenchArgs(["--students", "10", "--seeds", "1"]).students; // → 10
 * ```
 */
export function parseBenchArgs(
  argv: string[],
): Required<Pick<BenchOptions, "students" | "starters" | "jobs" | "seeds">> & { labs?: string[] } {
  const args = [...argv];
  const count = (name: string, fallback: number, least: number): number => {
    const text = takeOption(args, name);
    const value = text === undefined ? fallback : Number(text);
    if (!Number.isSafeInteger(value) || value < least) {
      throw new Error(`${name} must be a whole number of at least ${least}, received ${text}`);
    }
    return value;
  };
  const students = count("--students", 20, 1);
  const starters = count("--starters", 0, 0);
  const jobs = count("--jobs", defaultJobs(), 1);
  const seedList = takeOption(args, "--seeds") ?? "1,2";
  const seeds = seedList.split(",").filter(Boolean).map(Number);
  if (!seeds.every((seed) => Number.isSafeInteger(seed) && seed >= 0)) {
    throw new Error(`--seeds must list whole numbers of at least 0, received ${seedList}`);
  }
  const labs = takeOption(args, "--labs")?.split(",");
  if (args.length > 0) throw new Error(`unknown argument: ${args.join(" ")}`);
  return { students, starters, jobs, seeds, labs };
}

if (import.meta.main) {
  if (Deno.args.includes("--help") || Deno.args.includes("-h")) {
    console.log(USAGE);
    Deno.exit(0);
  }
  let options: ReturnType<typeof parseBenchArgs>;
  try {
    options = parseBenchArgs(Deno.args);
  } catch (error) {
    console.error(`grade-bench: ${(error as Error).message}\n\n${USAGE}`);
    Deno.exit(2);
  }
  const { students, starters, jobs, seeds, labs } = options;
  let result: BenchResult;
  try {
    result = await benchGrading({ root: Deno.cwd(), students, starters, jobs, seeds, labs });
  } catch (error) {
    // An unknown lab, or hidden tests the reference solution fails: said as the grader says it.
    if (!(error instanceof GradeError)) throw error;
    console.error(`grade-bench: ${error.message}`);
    Deno.exit(1);
  }
  const cores = navigator.hardwareConcurrency ?? 1;
  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  console.log(
    [
      `${result.studentLabs} student-labs (${
        starters > 0 ? `1 student in ${starters} hands in the starters` : "all solutions"
      }), --jobs ${jobs}, seeds ${seeds.join(",") || "none"}`,
      `total ${s(result.totalMs)}; ${s(result.perStudentLabMs)} of wall time per student-lab`,
      `at that pace 200 students × 6 labs take ${
        (result.projectedClassMs / 60_000).toFixed(1)
      } min`,
      ...result.cpuPerStudentLabMs === undefined
        ? [`(no control group to measure CPU time with: wall time only)`]
        : [
          `CPU time of the students' part, every process included (${result.cpuSource}): ` +
          `${s(result.cpuPerStudentLabMs)} per student-lab; 200 × 6 need ${
            (result.cpuPerStudentLabMs * 1200 / 60_000).toFixed(1)
          } CPU-min, at least ${
            (result.cpuPerStudentLabMs * 1200 / 60_000 / cores).toFixed(1)
          } min on this machine's ${cores} cores when nothing else runs`,
        ],
      result.solutionShortfalls.length === 0
        ? `every solution got full marks (${result.solutionLabs} of ${result.solutionLabs} student-labs)`
        : `${result.solutionShortfalls.length} of ${result.solutionLabs} solution student-labs ` +
          `lost points, so their grades depend on luck or on the machine's load:\n  ` +
          result.solutionShortfalls.join("\n  "),
      `where one student-lab's time goes (one process at a time; ${
        result.cpuPerStudentLabMs === undefined ? "wall" : "CPU"
      } time):`,
      `  building and removing its sandbox  ${s(result.sandboxMs)} wall`,
      `  starting deno test (an empty test)  ${s(result.processMs)} wall, once per lab run`,
      ...Object.entries(result.labRuns).map(([slug, run]) => `  ${slug}  ${labRunLine(run)}`),
    ].join("\n"),
  );
  if (result.solutionShortfalls.length > 0) Deno.exit(1);
}
