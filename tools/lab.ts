/**
 * The student's command.
 *
 *     deno task lab                 the labs in course order, each with its status, and what to do next
 *     deno task lab 04              run lab 04's public tests (also: 4, channels, 04-channels)
 *     deno task lab 04 --watch      the same, again on every save
 *     deno task lab 04 --seed 8841  replay the run under seed 8841
 *     deno task lab 04 --explore 200  run the tests under seeds 1 to 200, stop at a failing one
 *
 * A lab's public tests run in place (labs/<slug>/) in a separate `deno test`
 * process that may read only the lab folder and the primitives, plus what the
 * manifest's `permissions` adds (lab 05 reaches a local server).
 *
 * Every run is under a seeded schedule (labs/primitives/schedule.ts): a random
 * seed unless `--seed` names one, printed with the command that replays it.
 *
 * A lab is "not started" when the manifest records the starter files' hashes
 * (the student edition does: `deno task release` writes them) and every file
 * the student edits still has exactly that content; such a lab's tests are not
 * run (the starters fail them by design, `deno task check` proves it). Any
 * other lab runs its tests: "passing" when every test passes, else "failing (n/m)".
 * The overview remembers each lab's status in .cache/lab/ (lab_cache.ts) and
 * reruns only the labs whose files changed since their last run.
 *
 * Exit status: 0 when everything shown passes, 1 while anything fails, 2 for a
 * usage error or an unknown lab.
 *
 * @example
 * ```ts
 * // deno run --allow-read --allow-write --allow-run --allow-env tools/lab.ts 04
 * import { main } from "./lab.ts";
 * Deno.exit(await main(["04"]));
 * ```
 * @module
 */

import { type Course, findLab, type LabEntry, permissionFlags } from "../core/course.ts";
import {
  type CoursePaths,
  coursePaths,
  exists,
  hashFile,
  isTestFile,
  joinPath,
  listFiles,
  loadCourse,
  makeStyle,
  mapPool,
  parallelism,
  parseSeconds,
  plural,
  type Style,
  takeFlag,
  takeOption,
  wantsColor,
} from "../core/lab_env.ts";
import {
  describeStatus,
  type LabStatus,
  renderCourseTable,
  renderLabRun,
  statusOf,
} from "./lab_view.ts";
import { runTests, type TestRun } from "../core/test_runner.ts";
import {
  allowSeedVariable,
  exploreSeeds,
  failingTests,
  parseSeed,
  parseSeedCount,
  randomSeed,
  replayCommand,
  runSeedBatch,
  seedEnv,
  seedRange,
} from "../core/seeds.ts";
import { isCacheable, labFingerprint, readCachedStatus, writeCachedStatus } from "./lab_cache.ts";

const USAGE = `Usage:
  deno task lab                  list the labs, their status, and what to do next
  deno task lab <lab>            run a lab's public tests; <lab> is 04, 4, channels or 04-channels
  deno task lab <lab> --watch    run them again whenever a file in the lab folder changes
  deno task lab <lab> --seed <n> replay a run: the same seed gives the same interleaving
  deno task lab <lab> --explore <count>
                                 run the tests under seeds 1 to <count>; on a failure,
                                 print its seed and the command that replays it

Options:
  --no-check            run the tests even if the code does not type-check
  --timeout <seconds>   stop a test run that takes longer than this (default 120)
  --root <folder>       the course folder, the one with deno.json (default: the current folder)
  --help                show this help`;

const DEFAULT_TIMEOUT_MS = 120_000;

/**
 * Whether a lab is untouched: the manifest records its starter hashes and every
 * file still matches them.
 *
 * @example
 * ```ts
 * import { isUntouched } from "./lab.ts";
 * import { coursePaths, loadCourse } from "../core/lab_env.ts";
 * const paths = coursePaths(".");
 * const [lab] = (await loadCourse(paths)).labs;
 * await isUntouched(paths, lab);
 * ```
 */
export async function isUntouched(paths: CoursePaths, lab: LabEntry): Promise<boolean> {
  if (!lab.starter) return false;
  for (const file of lab.files) {
    const expected = lab.starter[file];
    const path = joinPath(paths.labs, lab.slug, file);
    if (expected === undefined || !await exists(path)) return false;
    if (await hashFile(path) !== expected) return false;
  }
  return true;
}

/**
 * Runs a lab's public tests where they are, with the lab's permissions.
 *
 * @example
 * ```ts
 * import { runLab } from "./lab.ts";
 * import { coursePaths, loadCourse } from "../core/lab_env.ts";
 * const paths = coursePaths(".");
 * const [lab] = (await loadCourse(paths)).labs;
 * const run = await runLab(paths, lab, { timeoutMs: 60_000, seed: 8841 });
 * ```
 */
export async function runLab(
  paths: CoursePaths,
  lab: LabEntry,
  options: {
    timeoutMs: number;
    /** The schedule's seed for the run (labs/primitives/schedule.ts). */
    seed: number;
    typeCheck?: boolean;
    signal?: AbortSignal;
    onTestFinished?: (name: string) => void;
  },
): Promise<TestRun> {
  const labDir = joinPath(paths.labs, lab.slug);
  const files = await publicTestFiles(paths, lab);
  if (files.length === 0) {
    return {
      results: [],
      exitCode: null,
      timedOut: false,
      aborted: false,
      strayOutput: [],
      problem: { headline: `there are no *_test.ts files in labs/${lab.slug}/`, details: [] },
    };
  }
  return await runTests({
    cwd: paths.root,
    files,
    configSource: await courseConfig(paths),
    permissions: allowSeedVariable(permissionFlags(lab, [labDir, paths.primitives])),
    env: seedEnv(options.seed),
    timeoutMs: options.timeoutMs,
    typeCheck: options.typeCheck,
    signal: options.signal,
    onEvent: (event) => {
      if (event.kind === "result" && !event.isGroup) options.onTestFinished?.(event.name);
    },
  });
}

/** A lab's public test files, relative to the course folder. */
async function publicTestFiles(paths: CoursePaths, lab: LabEntry): Promise<string[]> {
  const names = (await listFiles(joinPath(paths.labs, lab.slug))).filter(isTestFile);
  return names.map((name) => `labs/${lab.slug}/${name}`);
}

/** The course's deno.json, for runs in the course folder itself, if there is one. */
async function courseConfig(paths: CoursePaths): Promise<string | undefined> {
  const config = joinPath(paths.root, "deno.json");
  return await exists(config) ? config : undefined;
}

/** Writes a line to stderr: progress goes there so stdout holds only the result. */
function progress(text: string): void {
  Deno.stderr.writeSync(new TextEncoder().encode(`${text}\n`));
}

/** A one-line live counter on stderr while tests run, only on a terminal. */
function liveCounter(): { onTestFinished: (name: string) => void; clear: () => void } {
  if (!Deno.stderr.isTerminal()) return { onTestFinished: () => {}, clear: () => {} };
  let count = 0;
  const write = (text: string) => Deno.stderr.writeSync(new TextEncoder().encode(text));
  return {
    onTestFinished: (name) => {
      count++;
      const line = `running… ${count} finished, last: ${name}`;
      write(`\r\x1b[K${line.slice(0, 100)}`);
    },
    clear: () => write("\r\x1b[K"),
  };
}

/** How the command was asked to run tests. */
interface RunSettings {
  timeoutMs: number;
  /** The seed given with --seed; without it each run draws a random one. */
  seed: number | undefined;
  typeCheck: boolean;
  style: Style;
}

/** Runs a lab's tests and stores the status for the overview, unless the run was cut short. */
async function runAndRemember(
  paths: CoursePaths,
  lab: LabEntry,
  key: string,
  settings: RunSettings & { seed: number },
): Promise<LabStatus> {
  const run = await runLab(paths, lab, settings);
  const status = statusOf(run);
  if (isCacheable(run)) await writeCachedStatus(paths, lab.slug, key, status);
  return status;
}

async function courseTable(
  paths: CoursePaths,
  course: Course,
  settings: RunSettings,
): Promise<number> {
  let done = 0;
  const seed = settings.seed ?? randomSeed();
  progress(`Checking ${plural(course.labs.length, "lab")} under seed ${seed}…`);
  const statuses = await mapPool(course.labs, parallelism(), async (lab): Promise<LabStatus> => {
    let status: LabStatus | undefined;
    let note = "";
    if (await isUntouched(paths, lab)) {
      status = { kind: "not-started" };
      note = " (files unchanged, tests not run)";
    } else {
      const key = await labFingerprint(paths, lab, settings.typeCheck);
      status = await readCachedStatus(paths, lab.slug, key);
      if (status) note = " (no file changed since the last run)";
      else status = await runAndRemember(paths, lab, key, { ...settings, seed });
    }
    done++;
    progress(`  [${done}/${course.labs.length}] ${lab.slug}: ${describeStatus(status)}${note}`);
    return status;
  });
  console.log(`\n${renderCourseTable(course, statuses, settings.style)}`);
  return statuses.every((status) => status.kind === "passing") ? 0 : 1;
}

async function oneLab(
  paths: CoursePaths,
  course: Course,
  lab: LabEntry,
  settings: RunSettings,
  signal?: AbortSignal,
): Promise<TestRun> {
  const seed = settings.seed ?? randomSeed();
  progress(
    `Running the public tests of lab ${lab.id} (labs/${lab.slug}) under seed ${seed} ` +
      `(replay: ${replayCommand(lab.id, seed)})…`,
  );
  const counter = liveCounter();
  const key = await labFingerprint(paths, lab, settings.typeCheck);
  const run = await runLab(paths, lab, {
    ...settings,
    seed,
    signal,
    onTestFinished: counter.onTestFinished,
  });
  counter.clear();
  // The overview then knows this lab's status without running it again; a replay of a chosen
  // seed is not the lab's usual run, so it is not remembered.
  if (isCacheable(run) && settings.seed === undefined) {
    await writeCachedStatus(paths, lab.slug, key, statusOf(run));
  }
  if (!run.aborted) console.log(renderLabRun(course, lab, run, settings.style));
  return run;
}

/**
 * Runs a lab's tests under seeds 1 to `count`, stopping at the first failing
 * one, whose run is shown as a normal run is, with its seed and the command
 * that replays it.
 */
async function exploreLab(
  paths: CoursePaths,
  course: Course,
  lab: LabEntry,
  count: number,
  settings: RunSettings,
): Promise<TestRun | undefined> {
  progress(`Running the public tests of lab ${lab.id} under up to ${plural(count, "seed")}…`);
  const found = await exploreSeeds({
    seeds: seedRange(1, count),
    concurrency: parallelism(),
    run: (seed, typeCheck) => runLab(paths, lab, { ...settings, seed, typeCheck }),
    batch: async (seeds) =>
      runSeedBatch({
        cwd: paths.root,
        primitives: "labs/primitives",
        files: await publicTestFiles(paths, lab),
        seeds,
        permissions: (batchDir) =>
          permissionFlags(lab, [joinPath(paths.labs, lab.slug), paths.primitives, batchDir]),
        configSource: await courseConfig(paths),
        timeoutMs: settings.timeoutMs,
      }),
    onRun: (seed, _run, passed) =>
      progress(`  seed ${seed} alone: ${passed ? "passed" : "FAILED"}`),
  });
  if (found.unreplayable.length > 0) {
    progress(
      `Under ${plural(found.unreplayable.length, "seed")} (${found.unreplayable.join(", ")}) ` +
        "a test failed only after the tests of earlier seeds had run in the same process, " +
        "and passes alone: look for a task, timer or server one test leaves behind.",
    );
  }
  if (!found.batched && count > 1) {
    progress("(The tests do not share one process well, so each seed had a process of its own.)");
  }
  const failure = found.failures[0];
  if (failure === undefined) {
    console.log(
      `Every public test passed under each of ${plural(found.tried, "seed")} (1 to ${count}).`,
    );
    return undefined;
  }
  console.log(renderLabRun(course, lab, failure.run, settings.style));
  console.log(
    `\nUnder seed ${failure.seed}, failing: ${failingTests(failure.run).join("; ")}\n` +
      `Replay it: ${replayCommand(lab.id, failure.seed)}`,
  );
  return failure.run;
}

function isRelevantChange(event: Deno.FsEvent): boolean {
  if (event.kind === "access" || event.kind === "other") return false;
  return event.paths.some((path) => {
    const name = path.split(/[\\/]/).pop() ?? "";
    return !name.startsWith(".") && /\.(ts|json)$/.test(name);
  });
}

async function watchLab(
  paths: CoursePaths,
  course: Course,
  lab: LabEntry,
  settings: RunSettings,
): Promise<never> {
  const labDir = joinPath(paths.labs, lab.slug);
  const watcher = Deno.watchFs(labDir, { recursive: true });
  let current: AbortController | undefined;
  let wake: () => void = () => {};
  let pending = true;
  (async () => {
    let debounce: ReturnType<typeof setTimeout> | undefined;
    for await (const event of watcher) {
      if (!isRelevantChange(event)) continue;
      clearTimeout(debounce);
      // Editors save in bursts (write, rename, chmod): wait for the burst to end.
      debounce = setTimeout(() => {
        pending = true;
        current?.abort();
        wake();
      }, 200);
    }
  })();
  for (;;) {
    if (!pending) await new Promise<void>((resolve) => wake = resolve);
    pending = false;
    current = new AbortController();
    if (Deno.stdout.isTerminal()) console.log("\x1b[2J\x1b[H");
    const run = await oneLab(paths, course, lab, settings, current.signal);
    if (!run.aborted) {
      console.log(settings.style.dim(`\nWatching labs/${lab.slug}/ for changes; Ctrl-C to stop.`));
    }
  }
}

/**
 * Runs the command with the given arguments and returns its exit status.
 *
 * @example
 * ```ts
 * import { main } from "./lab.ts";
 * const status = await main(["--help"]); // prints usage, → 0
 * ```
 */
export async function main(args: string[]): Promise<number> {
  const rest = [...args];
  let root: string;
  let timeoutMs = DEFAULT_TIMEOUT_MS;
  let watch: boolean;
  let typeCheck: boolean;
  let seed: number | undefined;
  let explore: number | undefined;
  try {
    if (takeFlag(rest, "--help", "-h")) {
      console.log(USAGE);
      return 0;
    }
    watch = takeFlag(rest, "--watch", "-w");
    typeCheck = !takeFlag(rest, "--no-check");
    root = takeOption(rest, "--root") ?? Deno.cwd();
    const timeout = takeOption(rest, "--timeout");
    if (timeout !== undefined) timeoutMs = parseSeconds(timeout, "--timeout");
    const seedText = takeOption(rest, "--seed");
    if (seedText !== undefined) seed = parseSeed(seedText, "--seed");
    const exploreText = takeOption(rest, "--explore");
    if (exploreText !== undefined) explore = parseSeedCount(exploreText, "--explore");
    const unknown = rest.find((arg) => arg.startsWith("-"));
    if (unknown) throw new Error(`unknown option ${unknown}`);
    if (rest.length > 1) throw new Error(`expected one lab, got ${rest.join(" ")}`);
    if (watch && rest.length === 0) {
      throw new Error("--watch needs a lab: deno task lab 04 --watch");
    }
    if (explore !== undefined && (rest.length === 0 || watch || seed !== undefined)) {
      throw new Error(
        "--explore needs one lab, without --watch or --seed: deno task lab 04 --explore 200",
      );
    }
  } catch (error) {
    console.error(`lab: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (Deno.permissions.querySync({ name: "write" }).state !== "granted") {
    console.error(
      "lab: this command needs --allow-write (the test runner writes its report to a " +
        'temporary file); the "lab" task in deno.json should be: deno run --allow-read ' +
        "--allow-write --allow-run --allow-env tools/lab.ts",
    );
    return 2;
  }
  const paths = coursePaths(root);
  let course: Course;
  try {
    course = await loadCourse(paths);
  } catch (error) {
    console.error(`lab: ${(error as Error).message}`);
    return 2;
  }
  const settings: RunSettings = { timeoutMs, seed, typeCheck, style: makeStyle(wantsColor()) };
  if (rest.length === 0) return await courseTable(paths, course, settings);
  const found = findLab(course, rest[0]);
  if (!found.ok) {
    console.error(`lab: ${found.message}`);
    return 2;
  }
  if (watch) return await watchLab(paths, course, found.lab, settings);
  if (explore !== undefined) {
    return await exploreLab(paths, course, found.lab, explore, settings) === undefined ? 0 : 1;
  }
  const run = await oneLab(paths, course, found.lab, settings);
  return statusOf(run).kind === "passing" ? 0 : 1;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
