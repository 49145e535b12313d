/**
 * Runs `deno test` on a set of test files in a separate process, with the
 * permissions it is given and a time limit, and returns what the runner itself
 * reported: the JUnit file when the run completed, else the tests that finished
 * before it was stopped, with a sentence saying why the results are incomplete.
 *
 * @example
 * ```ts
 * import { runTests } from "./test_runner.ts";
 * const run = await runTests({
 *   cwd: "/work/course",
 *   files: ["labs/04-channels/pipeline_test.ts"],
 *   permissions: ["--no-prompt", "--allow-read=labs/04-channels,labs/primitives"],
 *   timeoutMs: 120_000,
 * });
 * console.log(run.results.length, run.problem);
 * ```
 * @module
 */

import {
  type FailureSummary,
  type LiveEvent,
  LiveReport,
  type LoadError,
  parseJunit,
  type TestResult,
} from "./test_report.ts";
import { joinPath, writeTestConfig } from "./lab_env.ts";

/** What to run and how. */
export interface TestRunOptions {
  /** Folder to run in: the one holding deno.json. */
  cwd: string;
  /** Test files, relative to `cwd`. */
  files: string[];
  /**
   * A deno.json to run with, after dropping what does not suit a test run
   * (`configForTestRuns` in lab_env.ts); for runs in the course folder itself,
   * whose deno.json may exclude the labs from `deno test`. Without it the run
   * uses the deno.json in `cwd` as it is.
   */
  configSource?: string;
  /**
   * Type-check before running (the default, as `deno test` does). Off, the
   * tests run even when the code has type errors elsewhere.
   */
  typeCheck?: boolean;
  /** Permission flags for the tested code (see `permissionFlags` in course.ts). */
  permissions: string[];
  /**
   * Further `deno test` flags, placed before the permissions: a heap limit such as
   * `--v8-flags=--max-old-space-size=512`, say.
   */
  flags?: string[];
  /**
   * Most bytes of the run's printed output kept, stdout and stderr together. Past
   * it the rest is read and dropped, so a print loop can neither fill memory nor
   * stall the run, and the tests go on to write their report. No cap by default.
   */
  maxOutputBytes?: number;
  /**
   * Runs `deno test` in a process group of its own and kills the whole group when
   * stopping it, so nothing the run started outlives it. Off by default: a run in
   * the caller's group also gets the terminal's Ctrl-C, which suits interactive tools.
   */
  ownProcessGroup?: boolean;
  /**
   * Environment variables for the tests, beside the runner's own; say
   * `{ PRIMITIVES_SEED: "8841" }` (see core/seeds.ts), with the matching
   * `--allow-env` in `permissions`.
   */
  env?: Record<string, string>;
  /** Wall-clock limit; the process is killed past it. */
  timeoutMs: number;
  /**
   * For a run in phases, each with a time limit of its own: a live event for
   * which this returns true starts `timeoutMs` again. What the tested code
   * prints can fake such an event, so bound the whole run too (a `timeout`
   * in `wrapper`).
   */
  restartsClock?: (event: LiveEvent) => boolean;
  /**
   * A command to run `deno test` under, such as `["timeout", "-k", "5", "65"]` or a
   * namespace tool: `deno` and its arguments are appended to it.
   */
  wrapper?: string[];
  /**
   * Most resident memory, in MiB, the run's whole process group may hold (workers and
   * child processes included), polled from /proc on Linux. Past it the group is killed.
   * Needs `ownProcessGroup`. No cap by default.
   */
  maxMemoryMb?: number;
  /** Where the run's temporary report folder goes (the system's default when absent). */
  tempDir?: string;
  /** Stops the run early (for `--watch`, when a file changes mid-run). */
  signal?: AbortSignal;
  /** Called for every line of the runner's live stream that means something, for progress. */
  onEvent?: (event: LiveEvent, live: LiveReport) => void;
}

/** What a run produced. */
export interface TestRun {
  /** Every test that reported, in order. */
  results: TestResult[];
  /** The runner's exit code, `null` when it was killed. */
  exitCode: number | null;
  /** True when the time limit was hit. */
  timedOut: boolean;
  /** True when the run was stopped through `signal`. */
  aborted: boolean;
  /**
   * True when the run printed more than `maxOutputBytes`: the rest was read and
   * dropped, and the run went on (its report still counts).
   */
  outputLimited?: boolean;
  /** True when the run's processes held more than `maxMemoryMb` and were killed. */
  memoryLimited?: boolean;
  /**
   * True when `results` come from the JUnit report the runner wrote, which the
   * tested code cannot reach; false when they were pieced together from the live
   * stream because the run was killed or crashed before writing it (anything the
   * tested code printed could have shaped those).
   */
  fromReport?: boolean;
  /**
   * Why the results are incomplete or do not stand for the code's behaviour
   * (it does not type-check, a test file failed to load, the run timed out),
   * with the runner's own diagnostics; `undefined` for a normal run.
   */
  problem?: FailureSummary;
  /** Lines printed outside any test. */
  strayOutput: string[];
}

const MAX_STDERR_BYTES = 64 * 1024;

/**
 * Lines of `deno test`'s stderr that say nothing about the code under test:
 * config warnings, "Check" progress, backtrace scaffolding, advice to pass
 * `--no-check` (a student cannot pass flags through the lab runner).
 */
function isRunnerNoise(line: string): boolean {
  return /^Warning "exports" field should be specified/.test(line) ||
    /^\s+at file:\/\/\S*deno\.json$/.test(line) ||
    /^(Check|Download|Compile) /.test(line) ||
    /^Stack backtrace:$/.test(line) ||
    /^\s+\d+: <unknown>$/.test(line) ||
    /^error: Test failed$/.test(line) ||
    /^\s*info: The program failed type-checking, but it still might work correctly\.$/.test(line) ||
    /^\s*hint: Re-run with --no-check/.test(line);
}

/**
 * The parts of the runner's stderr worth showing, trimmed of noise and blank runs.
 *
 * @example
 * ```ts
 * import { cleanRunnerErrors } from "./test_runner.ts";
 * cleanRunnerErrors("Check labs/x_test.ts\nerror: Test failed\n"); // → []
 * ```
 */
export function cleanRunnerErrors(stderr: string): string[] {
  const kept: string[] = [];
  // deno-lint-ignore no-control-regex -- colour codes begin with the ESC control character
  const lines = stderr.replace(/\x1b\[[0-9;]*m/g, "").split("\n");
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index].replace(/\r$/, "");
    if (isRunnerNoise(line)) continue;
    if (line.trim() === "" && (kept.length === 0 || kept[kept.length - 1].trim() === "")) continue;
    kept.push(line);
  }
  while (kept.length > 0 && kept[kept.length - 1].trim() === "") kept.pop();
  return kept;
}

/**
 * Explains a run that ended without a usable result, from its stderr (type
 * errors land there) and the files that failed to load.
 *
 * @example
 * ```ts
 * import { explainBrokenRun } from "./test_runner.ts";
 * explainBrokenRun("TS2322 [ERROR]: ...\nerror: Type checking failed.", []).headline;
 * // → "the code does not type-check, so no test ran"
 * ```
 */
export function explainBrokenRun(stderr: string, loadErrors: LoadError[]): FailureSummary {
  const errors = cleanRunnerErrors(stderr);
  const typeCheckAt = errors.findIndex((line) => /^error: Type checking failed\.?$/.test(line));
  if (typeCheckAt !== -1) {
    const diagnostics = errors.filter((_, index) => index !== typeCheckAt);
    while (diagnostics.length > 0 && diagnostics[diagnostics.length - 1].trim() === "") {
      diagnostics.pop();
    }
    return {
      headline: "the code does not type-check, so no test ran",
      details: limitLines(diagnostics, 40),
    };
  }
  if (loadErrors.length > 0) {
    return explainLoadErrors(loadErrors);
  }
  return {
    headline: "the test runner stopped with an error before reporting any failing test",
    details: limitLines(errors, 30),
  };
}

/**
 * Says which test files failed while loading and why: their tests are missing
 * from the results.
 *
 * @example
 * ```ts
 * import { explainLoadErrors } from "./test_runner.ts";
 * explainLoadErrors([{ file: "./labs/x/a_test.ts", lines: ["Error: boom"] }]).headline;
 * ```
 */
export function explainLoadErrors(loadErrors: LoadError[]): FailureSummary {
  const files = loadErrors.map((error) => error.file);
  return {
    headline: `${files.join(", ")} threw outside any test (while loading, or from a task ` +
      `no test awaited), so ${files.length === 1 ? "its" : "their"} tests did not all run`,
    details: limitLines(loadErrors.flatMap((error) => error.lines), 20),
  };
}

function limitLines(lines: string[], max: number): string[] {
  return lines.length <= max
    ? lines
    : [...lines.slice(0, max), `… ${lines.length - max} more lines`];
}

/**
 * Calls `onLine` with each line of a byte stream as it arrives (without its
 * newline), and with the last one even when no newline ends it.
 *
 * @example
 * ```ts
 * import { readLines } from "./test_runner.ts";
 * const child = new Deno.Command("ls", { stdout: "piped" }).spawn();
 * await readLines(child.stdout, (line) => console.log(`> ${line}`));
 * ```
 */
export async function readLines(
  stream: ReadableStream<Uint8Array>,
  onLine: (line: string) => void,
): Promise<void> {
  let pending = "";
  const decoder = new TextDecoder();
  for await (const bytes of stream) {
    pending += decoder.decode(bytes, { stream: true });
    let newline: number;
    while ((newline = pending.indexOf("\n")) !== -1) {
      onLine(pending.slice(0, newline));
      pending = pending.slice(newline + 1);
    }
  }
  pending += decoder.decode();
  if (pending !== "") onLine(pending);
}

async function readCapped(stream: ReadableStream<Uint8Array>, maxBytes: number): Promise<string> {
  const decoder = new TextDecoder();
  let text = "";
  let dropped = 0;
  for await (const chunk of stream) {
    if (text.length < maxBytes) text += decoder.decode(chunk, { stream: true });
    else dropped += chunk.byteLength;
  }
  return dropped > 0 ? `${text}\n… ${dropped} more bytes of errors not shown` : text;
}

/** Longest text between two XML tags kept from a JUnit report before parsing. */
const MAX_REPORT_TEXT = 64 * 1024;

/**
 * A JUnit report with every run of text longer than {@linkcode MAX_REPORT_TEXT}
 * (a 50 MB assertion message) cut short, so that reading it stays fast. The
 * runs cut hold no `<`, `>` or `"` (a tag, or the quote that ends an attribute,
 * is never touched), and an entity is never cut in half.
 *
 * @example
 * ```ts
 * import { trimLongTexts } from "./test_runner.ts";
 * trimLongTexts(`<failure message="${"x".repeat(100_000)}"/>`).length < 70_000; // → true
 * ```
 */
export function trimLongTexts(xml: string): string {
  if (xml.length <= MAX_REPORT_TEXT) return xml;
  return xml.replace(
    new RegExp(`[^<>"]{${MAX_REPORT_TEXT},}`, "g"),
    (text) =>
      `${text.slice(0, MAX_REPORT_TEXT).replace(/&[^;]*$/, "")}… (${
        text.length - MAX_REPORT_TEXT
      } more characters)`,
  );
}

/** One process as /proc/<pid>/stat has it. */
interface ProcessStat {
  pid: number;
  parent: number;
  group: number;
  residentBytes: number;
  /** When it started, in clock ticks since boot: with the pid, names one process for good. */
  started: string;
}

const PAGE_SIZE = 4096;
const MEMORY_POLL_MS = 250;

/**
 * Every process's parent, group, start time and resident memory, from /proc.
 * Read synchronously: a scan of a few hundred small files takes well under a
 * millisecond so, where reading them one awaited call at a time costs ten
 * times the CPU, and a grader polls it four times a second for every run.
 */
function processStats(): ProcessStat[] | undefined {
  const stats: ProcessStat[] = [];
  try {
    for (const entry of Deno.readDirSync("/proc")) {
      if (!/^\d+$/.test(entry.name)) continue;
      try {
        const stat = Deno.readTextFileSync(`/proc/${entry.name}/stat`);
        // The command name (field 2) may hold spaces: fields are counted after its ")".
        const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        stats.push({
          pid: Number(entry.name),
          parent: Number(fields[1]), // field 4
          group: Number(fields[2]), // field 5
          residentBytes: Number(fields[21]) * PAGE_SIZE, // field 24, resident pages
          started: fields[19], // field 22
        });
      } catch {
        // the process ended while being read
      }
    }
  } catch {
    return undefined;
  }
  return stats;
}

/**
 * The processes a run consists of: those in process group `root` (the run's
 * own, whose id is its first process's pid) and every descendant of `root`,
 * even one that left the group (`setsid`), with their resident memory in
 * bytes, from /proc (Linux); `undefined` where /proc cannot be read.
 *
 * @example
 * ```ts
 * import { runProcesses } from "./test_runner.ts";
 * const run = runProcesses(12345);
 * console.log(run?.pids.length, run?.residentBytes); // → 3 73400320
 * ```
 */
export function runProcesses(
  root: number,
): { pids: number[]; residentBytes: number; started: Map<number, string> } | undefined {
  const stats = processStats();
  if (stats === undefined) return undefined;
  const children = new Map<number, ProcessStat[]>();
  for (const stat of stats) children.set(stat.parent, [...children.get(stat.parent) ?? [], stat]);
  const found = new Map<number, ProcessStat>();
  const queue = stats.filter((stat) => stat.group === root || stat.pid === root);
  while (queue.length > 0) {
    const next = queue.pop()!;
    if (found.has(next.pid)) continue;
    found.set(next.pid, next);
    queue.push(...children.get(next.pid) ?? []);
  }
  let residentBytes = 0;
  for (const stat of found.values()) residentBytes += stat.residentBytes;
  const started = new Map([...found.values()].map((stat) => [stat.pid, stat.started]));
  return { pids: [...found.keys()], residentBytes, started };
}

/**
 * Calls `onExceeded` once the run's resident memory passes `maxBytes`; polls
 * until stopped. `killSeen` kills every process the polls saw that is still
 * the same process: one that left the group and outlived its parent included.
 */
function watchRunMemory(
  root: number,
  maxBytes: number,
  onExceeded: () => void,
): { stop: () => void; killSeen: () => Promise<void> } {
  let stopped = false;
  const seen = new Map<number, string>();
  const poll = async () => {
    while (!stopped) {
      const run = runProcesses(root);
      if (run === undefined) return; // no /proc: nothing to watch with
      for (const [pid, started] of run.started) seen.set(pid, started);
      if (run.residentBytes > maxBytes && !stopped) {
        onExceeded();
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, MEMORY_POLL_MS));
    }
  };
  poll();
  return {
    stop: () => (stopped = true),
    killSeen: async () => {
      for (const [pid, started] of seen) {
        try {
          const stat = await Deno.readTextFile(`/proc/${pid}/stat`);
          if (stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19] === started) {
            Deno.kill(pid, "SIGKILL");
          }
        } catch {
          // gone already
        }
      }
    },
  };
}

/**
 * Runs `deno test` on `options.files` in `options.cwd`. Never throws for a
 * failing, crashing or hanging test run: all of that is in the returned
 * {@linkcode TestRun}. Output the tests print is attributed to the test that
 * printed it (from the TAP stream), capped per test.
 *
 * @throws {Error} only when Deno cannot be started or a temporary folder cannot be made.
 * @example
 * ```ts
 * import { runTests } from "./test_runner.ts";
 * const run = await runTests({ cwd: ".", files: ["labs/01-goroutines/tracker_test.ts"],
 *   permissions: ["--no-prompt"], timeoutMs: 60_000 });
 * const failing = run.results.filter((test) => test.status === "failed");
 * ```
 */
export async function runTests(options: TestRunOptions): Promise<TestRun> {
  const reportDir = await Deno.makeTempDir({ prefix: "lab-report-", dir: options.tempDir });
  const reportPath = joinPath(reportDir, "junit.xml");
  try {
    const configFlags: string[] = [];
    if (options.configSource !== undefined) {
      const config = joinPath(reportDir, "deno.json");
      await writeTestConfig(options.configSource, config);
      // The lock file belongs beside the course's own config, not this temporary one.
      configFlags.push(`--config=${config}`, "--no-lock");
    }
    const denoArgs = [
      "test",
      ...configFlags,
      ...(options.typeCheck === false ? ["--no-check"] : []),
      "--reporter=pretty",
      `--junit-path=${reportPath}`,
      ...(options.flags ?? []),
      ...options.permissions,
      ...options.files,
    ];
    const [program, ...args] = [...options.wrapper ?? [], Deno.execPath(), ...denoArgs];
    const command = new Deno.Command(program, {
      args,
      cwd: options.cwd,
      env: { ...options.env, NO_COLOR: "1", RUST_BACKTRACE: "0" },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      detached: options.ownProcessGroup === true,
    });
    const child = command.spawn();
    let timedOut = false;
    let aborted = false;
    let outputLimited = false;
    let memoryLimited = false;
    const kill = () => {
      try {
        // A detached child leads its own process group, whose id is its pid.
        if (options.ownProcessGroup) Deno.kill(-child.pid, "SIGKILL");
        else child.kill("SIGKILL");
      } catch {
        // it already exited
      }
    };
    let printed = 0;
    const capped = (stream: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> => {
      const limit = options.maxOutputBytes;
      if (limit === undefined) return stream;
      return stream.pipeThrough(
        new TransformStream<Uint8Array, Uint8Array>({
          transform(chunk, controller) {
            if (outputLimited) return; // read and dropped, so the run is never stalled on a full pipe
            printed += chunk.byteLength;
            if (printed > limit) {
              outputLimited = true;
              controller.enqueue(chunk.subarray(0, chunk.byteLength - (printed - limit)));
              return;
            }
            controller.enqueue(chunk);
          },
        }),
      );
    };
    const onTimeout = () => {
      timedOut = true;
      kill();
    };
    let timer = setTimeout(onTimeout, options.timeoutMs);
    const memoryWatch = options.maxMemoryMb !== undefined && options.ownProcessGroup
      ? watchRunMemory(child.pid, options.maxMemoryMb * 1024 * 1024, () => {
        memoryLimited = true;
        kill();
      })
      : undefined;
    const onAbort = () => {
      aborted = true;
      kill();
    };
    options.signal?.addEventListener("abort", onAbort, { once: true });
    if (options.signal?.aborted) onAbort();
    const live = new LiveReport();
    const stdoutDone = readLines(capped(child.stdout), (line) => {
      const event = live.push(line);
      if (!event) return;
      options.onEvent?.(event, live);
      if (options.restartsClock?.(event) && !timedOut) {
        clearTimeout(timer);
        timer = setTimeout(onTimeout, options.timeoutMs);
      }
    });
    const stderrDone = readCapped(capped(child.stderr), MAX_STDERR_BYTES);
    const [status, , stderr] = await Promise.all([child.status, stdoutDone, stderrDone]);
    clearTimeout(timer);
    memoryWatch?.stop();
    // Whatever the run started and left behind goes with it, pass or fail.
    if (options.ownProcessGroup) kill();
    await memoryWatch?.killSeen();
    options.signal?.removeEventListener("abort", onAbort);
    const exitCode = timedOut || aborted || memoryLimited ? null : status.code;

    let results: TestResult[] | undefined;
    if (exitCode !== null) {
      try {
        results = parseJunit(trimLongTexts(await Deno.readTextFile(reportPath)));
      } catch {
        results = undefined; // no report (a type error stops the run before any test)
      }
    }
    const fromReport = results !== undefined;
    const streamed = new Map(live.finished.map((test) => [test.name, test]));
    if (results) {
      for (const test of results) {
        const seen = streamed.get(test.name);
        if (seen?.output.length) test.output = seen.output;
        // The stream names each test's file; JUnit only names the outermost test's.
        if (seen?.file) test.file = seen.file;
      }
    } else {
      results = live.finished.map((test) => {
        const parts = test.name.split(" > ");
        return {
          name: test.name,
          leaf: parts[parts.length - 1],
          groups: parts.slice(0, -1),
          status: test.status,
          file: test.file,
          output: test.output.length > 0 ? test.output : undefined,
        } satisfies TestResult;
      });
    }

    let problem: FailureSummary | undefined;
    const anyFailed = results.some((test) => test.status === "failed");
    if (timedOut) {
      const running = live.running.at(-1);
      const last = live.finished.at(-1);
      problem = {
        headline: `the tests did not finish within ${Math.round(options.timeoutMs / 1000)} s ` +
          `and were stopped (an endless loop, or a timer that keeps the program alive?)`,
        details: [
          ...(running ? [`still running: "${running}"`] : []),
          ...(last ? [`last finished: "${last.name}"`] : []),
        ],
      };
    } else if (memoryLimited) {
      problem = {
        headline: `the tests' processes held more than ${options.maxMemoryMb} MiB of memory ` +
          `and were stopped (data that only grows, or workers that never end?)`,
        details: [],
      };
    } else if (aborted) {
      problem = { headline: "the run was stopped before it finished", details: [] };
    } else if (exitCode !== 0 && !anyFailed) {
      problem = explainBrokenRun(stderr, live.loadErrors);
    } else if (live.loadErrors.length > 0) {
      // Some tests ran, but a file could not load: its tests are missing from the count.
      problem = explainLoadErrors(live.loadErrors);
    } else if (results.length === 0) {
      problem = {
        headline: "no test reported a result: are there any it(...) calls?",
        details: [],
      };
    }
    if (problem) {
      // Paths relative to the course read better than file:///tmp/... URLs.
      const base = new URL(`${options.cwd.replace(/\/?$/, "/")}`, "file:///").href;
      problem.details = problem.details.map((line) => line.replaceAll(base, ""));
    }
    return {
      results,
      exitCode,
      timedOut,
      aborted,
      outputLimited,
      memoryLimited,
      fromReport,
      problem,
      strayOutput: live.strayOutput,
    };
  } finally {
    await Deno.remove(reportDir, { recursive: true }).catch(() => {});
  }
}

/**
 * Counts a run's tests: passed, failed (skipped ones count for neither).
 *
 * @example
 * ```ts
 * import { countResults, type TestRun } from "./test_runner.ts";
 * declare const run: TestRun;
 * const { passed, total } = countResults(run.results);
 * ```
 */
export function countResults(
  results: TestResult[],
): { passed: number; failed: number; total: number } {
  const passed = results.filter((test) => test.status === "passed").length;
  const failed = results.filter((test) => test.status === "failed").length;
  return { passed, failed, total: passed + failed };
}

/**
 * Whether a run stands for "everything passes": it completed, nothing failed, something ran.
 *
 * @example
 * ```ts
 * import { runPassed, runTests } from "./test_runner.ts";
 * const run = await runTests({ cwd: ".", files: ["labs/01-goroutines/tracker_test.ts"],
 *   permissions: ["--no-prompt"], timeoutMs: 60_000 });
 * if (!runPassed(run)) Deno.exit(1);
 * ```
 */
export function runPassed(run: TestRun): boolean {
  const { failed, total } = countResults(run.results);
  return run.problem === undefined && run.exitCode === 0 && failed === 0 && total > 0;
}
