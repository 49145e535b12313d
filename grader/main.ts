/**
 * The instructor's command: grades every lab of every submission with the
 * hidden tests, each in a sandbox, and writes Gradescope results, a class
 * summary and a CSV gradebook.
 *
 *     deno task grade <submissions> [--out <dir>] [--labs 01,04] [--jobs N]
 *                     [--seeds 1,2] [--timeout-ms N] [--memory-mb N] [--type-check]
 *                     [--single] [--visibility after_due_date] [--resume|--fresh]
 *                     [--root <course>]
 *
 * Exits 0 when everything was graded, 1 when grading could not start or the
 * hidden tests cannot be trusted, 2 for a wrong command line, 130 when stopped
 * with Ctrl-C (a rerun resumes where it stopped).
 *
 * @example
 * ```ts
 * // deno run --allow-read --allow-write --allow-run --allow-env grader/main.ts submissions
 * import { main } from "./main.ts";
 * Deno.exit(await main(["submissions", "--labs", "01"]));
 * ```
 * @module
 */

import { CourseError } from "../core/course.ts";
import { takeFlag, takeOption } from "../core/lab_env.ts";
import { defaultJobs, GradeError, gradeSubmissions } from "./grade.ts";
import { DEFAULT_LIMITS, DEFAULT_SEEDS } from "./sandbox.ts";
import { progressReporter } from "./progress.ts";
import { HIDDEN_VISIBILITY, VISIBILITIES, type Visibility } from "./results.ts";
import { SubmissionsError } from "./submissions.ts";

const USAGE =
  `Usage: deno task grade <submissions> [--out <dir>] [--labs 01,04] [--jobs N] [--seeds 1,2]
                       [--timeout-ms N] [--memory-mb N] [--type-check] [--single]
                       [--visibility after_due_date] [--resume | --fresh] [--root <course>]

Runs the hidden tests of every lab on every submission, each in a fresh sandbox
(read of its own folder only, no write, network, environment or commands, a frozen
realm, a mount namespace where bubblewrap is installed; a time, memory and output
limit), once per seed, and writes:
  <out>/<student>/results.json     Gradescope's results for every lab graded so far
  <out>/<student>/labs/<lab>.json  one grade per lab, reused by the next run
  <out>/summary.json               scores per student and lab, pass rate per test
  <out>/gradebook.csv              one row per student, a column per lab, the total
The class files merge this run's grades with those earlier runs kept (--labs drops
nothing); one run at a time may write to <out>.

<submissions> is a folder with one folder per student (any name: a folder starting
with "." is skipped and listed), each holding <lab>/<file>.ts, as solutions/ does,
or labs/<lab>/<file>.ts; with --single, it is one student's submission.

Options:
  --out <dir>        where results go (default: results)
  --labs <list>      labs to grade, by number or name, comma-separated (default: all)
  --jobs <n>         sandboxes at once (default: twice the cores, ${defaultJobs()} here)
  --seeds <list>     PRIMITIVES_SEED values every run executes under; a test scores
                     only when it passes under all (default: ${
    DEFAULT_SEEDS.join(",")
  }; "" for none)
  --timeout-ms <n>   wall-clock limit of one lab run (default: ${DEFAULT_LIMITS.timeoutMs})
  --memory-mb <n>    resident memory of one run's processes together (default: ${DEFAULT_LIMITS.memoryMb})
  --type-check       type-check each student's code first (a type error scores 0)
  --single           <submissions> is one submission, named after its folder
  --visibility <v>   when students see the hidden tests' results in Gradescope: hidden,
                     after_due_date (default), after_published or visible
  --resume           reuse the grades an earlier run kept, where nothing changed (default)
  --fresh            regrade everything
  --root <folder>    the course folder, with deno.json (default: the current folder)
  --help             show this help`;

/** Where the command's words go, and what stops it. */
export interface MainIo {
  log: (line: string) => void;
  error: (line: string) => void;
  signal?: AbortSignal;
  /** Draws a progress bar on this terminal instead of a line per lab. */
  terminal?: { write: (text: string) => void; columns: () => number };
}

/** `--seeds 1,2,3`: non-negative whole numbers, no repeats; `""` for none. */
function parseSeeds(value: string): number[] {
  const seeds = value.split(",").map((part) => part.trim()).filter((part) => part !== "");
  for (const seed of seeds) {
    if (!/^\d+$/.test(seed)) throw new Error(`--seeds takes whole numbers, not "${seed}"`);
  }
  return [...new Set(seeds.map(Number))];
}

function positiveInteger(value: string, option: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) {
    throw new Error(`${option} must be a whole number above 0, not "${value}"`);
  }
  return Number(value);
}

/**
 * Runs the command with the given arguments and returns its exit status.
 *
 * @example
 * ```ts
 * import { main } from "./main.ts";
 * const status = await main(["submissions", "--out", "results", "--fresh"]);
 * ```
 */
export async function main(
  args: string[],
  io: MainIo = { log: console.log, error: console.error },
): Promise<number> {
  const rest = [...args];
  let options;
  try {
    if (takeFlag(rest, "--help", "-h")) {
      io.log(USAGE);
      return 0;
    }
    const out = takeOption(rest, "--out") ?? "results";
    const labs = takeOption(rest, "--labs")?.split(",").map((lab) => lab.trim())
      .filter((lab) => lab !== "");
    const jobs = takeOption(rest, "--jobs");
    const timeout = takeOption(rest, "--timeout-ms");
    const memory = takeOption(rest, "--memory-mb");
    const seeds = takeOption(rest, "--seeds");
    const typeCheck = takeFlag(rest, "--type-check");
    const single = takeFlag(rest, "--single");
    const visibility = takeOption(rest, "--visibility") ?? HIDDEN_VISIBILITY;
    if (!(VISIBILITIES as readonly string[]).includes(visibility)) {
      throw new Error(`--visibility is one of ${VISIBILITIES.join(", ")}, not "${visibility}"`);
    }
    const root = takeOption(rest, "--root") ?? Deno.cwd();
    const resume = takeFlag(rest, "--resume");
    const fresh = takeFlag(rest, "--fresh");
    if (resume && fresh) throw new Error("--resume and --fresh contradict each other");
    const unknown = rest.find((arg) => arg.startsWith("-"));
    if (unknown !== undefined) throw new Error(`unknown option ${unknown}`);
    if (rest.length === 0) throw new Error("say which submissions to grade");
    if (rest.length > 1) throw new Error(`one submissions folder, please, not ${rest.join(" ")}`);
    options = {
      root,
      submissions: rest[0],
      out,
      labs,
      fresh,
      jobs: jobs === undefined ? undefined : positiveInteger(jobs, "--jobs"),
      limits: {
        ...(timeout === undefined ? {} : { timeoutMs: positiveInteger(timeout, "--timeout-ms") }),
        ...(memory === undefined ? {} : { memoryMb: positiveInteger(memory, "--memory-mb") }),
      },
      seeds: seeds === undefined ? undefined : parseSeeds(seeds),
      typeCheck,
      single,
      visibility: visibility as Visibility,
    };
  } catch (error) {
    io.error(`grade: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  try {
    const progress = io.terminal ? progressReporter(io.terminal) : undefined;
    const report = await gradeSubmissions({
      ...options,
      log: progress ? progress.log(io.log) : io.log,
      onProgress: progress?.update,
      signal: io.signal,
    }).finally(() => progress?.finish());
    if (report.stopped) {
      io.error(
        `grade: stopped; the grades finished so far are kept in ${report.out}, and the same ` +
          `command resumes from there`,
      );
      return 130;
    }
    return 0;
  } catch (error) {
    const expected = error instanceof SubmissionsError || error instanceof GradeError ||
      error instanceof CourseError;
    // Anything else is the grader's own fault: keep the stack for the bug report.
    io.error(`grade: ${expected ? error.message : (error as Error).stack ?? error}`);
    return 1;
  }
}

if (import.meta.main) {
  const controller = new AbortController();
  const stop = () => {
    // A second Ctrl-C leaves at once; the first lets the runs under way be killed cleanly.
    if (controller.signal.aborted) Deno.exit(130);
    console.error("\ngrade: stopping (Ctrl-C again to leave at once)…");
    controller.abort();
  };
  Deno.addSignalListener("SIGINT", stop);
  if (Deno.build.os !== "windows") Deno.addSignalListener("SIGTERM", stop);
  const encoder = new TextEncoder();
  const status = await main(Deno.args, {
    log: console.log,
    error: console.error,
    signal: controller.signal,
    terminal: Deno.stdout.isTerminal()
      ? {
        write: (text) => Deno.stdout.writeSync(encoder.encode(text)),
        columns: () => Deno.consoleSize().columns,
      }
      : undefined,
  });
  Deno.exit(status);
}
