/**
 * Test runs under seeded schedules (labs/primitives/schedule.ts): the seed a
 * run uses, the environment and permission that hand it to the tests, and
 * exploration, the same tests under many seeds, stopping at a failing one so
 * that it can be replayed. Shared by the lab runner (`--seed`, `--explore`)
 * and the authors' check (`--seeds`).
 *
 * @example
 * ```ts
 * import { exploreSeeds, seedRange } from "./seeds.ts";
 * import { runTests } from "./test_runner.ts";
 * const found = await exploreSeeds({
 *   seeds: seedRange(1, 20),
 *   concurrency: 2,
 *   run: (seed, typeCheck) => runTests({ cwd: ".", files: ["labs/04-channels/drop_test.ts"],
 *     permissions: ["--no-prompt", "--allow-read", "--allow-env=PRIMITIVES_SEED"],
 *     env: { PRIMITIVES_SEED: String(seed) }, typeCheck, timeoutMs: 60_000 }),
 * });
 * console.log(found.failures.map((failure) => failure.seed));
 * ```
 * @module
 */

import { pathToFileURL } from "node:url";
import { forgetTranspiled, joinPath } from "./lab_env.ts";
import { ENTRY_FILE, entrySource, SEED_MARKER_PREFIX, SEED_VARIABLE } from "./test_entry.ts";
import { runPassed, runTests, type TestRun } from "./test_runner.ts";

export { SEED_VARIABLE };

/** The largest seed the tools hand out or accept: the schedule's generator uses 32 bits. */
export const MAX_SEED = 2 ** 32 - 1;

/**
 * Permission flags (as `permissionFlags` in course.ts builds them) extended
 * to let the tests read {@linkcode SEED_VARIABLE}: added to an existing
 * `--allow-env=` list, or as a flag of its own.
 *
 * @example
 * ```ts
 * import { allowSeedVariable } from "./seeds.ts";
 * allowSeedVariable(["--no-prompt", "--allow-env=PORT"]);
 * // → ["--no-prompt", "--allow-env=PORT,PRIMITIVES_SEED"]
 * ```
 */
export function allowSeedVariable(flags: string[]): string[] {
  const prefix = "--allow-env=";
  const at = flags.findIndex((flag) => flag === "--allow-env" || flag.startsWith(prefix));
  if (at === -1) return [...flags, `${prefix}${SEED_VARIABLE}`];
  const names = flags[at] === "--allow-env" ? null : flags[at].slice(prefix.length).split(",");
  if (names === null || names.includes(SEED_VARIABLE)) return [...flags];
  const extended = [...flags];
  extended[at] = `${prefix}${[...names, SEED_VARIABLE].join(",")}`;
  return extended;
}

/**
 * The environment a test run under `seed` needs; the run must also be allowed
 * to read it (see {@linkcode allowSeedVariable}).
 *
 * @example
 * ```ts
 * import { seedEnv } from "./seeds.ts";
 * seedEnv(8841); // → { PRIMITIVES_SEED: "8841" }
 * ```
 */
export function seedEnv(seed: number): Record<string, string> {
  return { [SEED_VARIABLE]: String(seed) };
}

/**
 * A fresh seed for a run nobody asked to replay: short enough to type back.
 *
 * @example
 * ```ts
 * import { randomSeed } from "./seeds.ts";
 * const seed = randomSeed(); // 1 to 99999
 * ```
 */
export function randomSeed(): number {
  return 1 + Math.floor(Math.random() * 99_999);
}

/**
 * Reads a seed given on the command line.
 *
 * @throws {Error} naming the option when `text` is not an integer from 0 to {@linkcode MAX_SEED}.
 * @example
 * ```ts
 * import { parseSeed } from "./seeds.ts";
 * parseSeed("8841", "--seed"); // → 8841
 * ```
 */
export function parseSeed(text: string, option: string): number {
  const seed = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!(seed <= MAX_SEED)) {
    throw new Error(`${option} must be a whole number from 0 to ${MAX_SEED}, not "${text}"`);
  }
  return seed;
}

/**
 * Reads a number of seeds given on the command line.
 *
 * @throws {Error} naming the option when `text` is not an integer from 1 to 100000.
 * @example
 * ```ts
 * import { parseSeedCount } from "./seeds.ts";
 * parseSeedCount("200", "--explore"); // → 200
 * ```
 */
export function parseSeedCount(text: string, option: string): number {
  const count = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!(count >= 1 && count <= 100_000)) {
    throw new Error(`${option} must be a number of seeds from 1 to 100000, not "${text}"`);
  }
  return count;
}

/**
 * The seeds `first`, `first + 1`, … (`count` of them): exploration tries
 * fixed seeds, so two explorations of the same code find the same failure.
 *
 * @example
 * ```ts
 * import { seedRange } from "./seeds.ts";
 * seedRange(1, 3); // → [1, 2, 3]
 * ```
 */
export function seedRange(first: number, count: number): number[] {
  return Array.from({ length: count }, (_, index) => first + index);
}

/**
 * The command that replays a lab's run under `seed`.
 *
 * @example
 * ```ts
 * import { replayCommand } from "./seeds.ts";
 * replayCommand("04", 8841); // → "deno task lab 04 --seed 8841"
 * ```
 */
export function replayCommand(labId: string, seed: number): string {
  return `deno task lab ${labId} --seed ${seed}`;
}

/** A seed under which a run did not pass. */
export interface SeedFailure {
  /** The seed. */
  seed: number;
  /** The run under it. */
  run: TestRun;
}

/** What an exploration found. */
export interface Exploration {
  /** How many seeds were run (fewer than asked when it stopped at a failure). */
  tried: number;
  /** The seeds whose run did not pass, in seed order, each from a run of its own. */
  failures: SeedFailure[];
  /**
   * Seeds under which a test failed in a batch (see {@linkcode runSeedBatch})
   * but not in a run of their own: the failure depended on the tests of the
   * seeds before it in the batch, so no replay command can show it.
   */
  unreplayable: number[];
  /**
   * Whether the seeds after the first ran in batches. Not when the tests
   * cannot share a process: the first seed, which passed alone, failed when
   * run twice in one batch (say, a test starts the one `runMain` a process
   * may have); then each seed had a process of its own.
   */
  batched: boolean;
}

/** What a batch run found: the seeds to look at again, each in a run of its own. */
export interface BatchOutcome {
  /** Seeds under which at least one test failed. */
  failing: number[];
  /** Seeds whose tests did not all run (the batch timed out or crashed before them). */
  unfinished: number[];
}

/** How to explore. */
export interface ExploreOptions {
  /** The seeds to try, in order. */
  seeds: number[];
  /** How many runs at once; the first run is always alone. */
  concurrency: number;
  /**
   * Runs the tests under `seed`. `typeCheck` is true for the first run only:
   * the code does not change between seeds, so one type check is enough.
   */
  run: (seed: number, typeCheck: boolean) => Promise<TestRun>;
  /** Start no new run once one has failed (the default); runs already started finish. */
  stopAtFirstFailure?: boolean;
  /**
   * Runs the tests under many seeds in one process (see
   * {@linkcode runSeedBatch}): much cheaper than a process per seed. When
   * given, and a batch of the first seed twice passes (the tests can share a
   * process), every seed after the first goes through batches of
   * `batchSize`, and only the seeds a batch flags are run again, alone, to
   * be reported.
   */
  batch?: (seeds: number[]) => Promise<BatchOutcome>;
  /** Seeds per batch (default 50). */
  batchSize?: number;
  /** Called after each run, for progress. */
  onRun?: (seed: number, run: TestRun, passed: boolean) => void;
}

/**
 * Runs the same tests under each of `options.seeds`, the first alone (it
 * type-checks; when it cannot even run, say for a type error, nothing more
 * is tried) and the rest `concurrency` at a time.
 *
 * @example
 * ```ts
 * import { exploreSeeds, seedRange } from "./seeds.ts";
 * import type { TestRun } from "./test_runner.ts";
 * declare function runUnder(seed: number, typeCheck: boolean): Promise<TestRun>;
 * const { tried, failures } = await exploreSeeds({
 *   seeds: seedRange(1, 200),
 *   concurrency: 2,
 *   run: runUnder,
 * });
 * ```
 */
export async function exploreSeeds(options: ExploreOptions): Promise<Exploration> {
  const stopAtFirst = options.stopAtFirstFailure ?? true;
  const failures: SeedFailure[] = [];
  const unreplayable: number[] = [];
  const ranAlone = new Set<number>();
  const runOne = async (seed: number, typeCheck: boolean): Promise<boolean> => {
    ranAlone.add(seed);
    const run = await options.run(seed, typeCheck);
    const passed = runPassed(run);
    if (!passed) failures.push({ seed, run });
    options.onRun?.(seed, run, passed);
    return passed;
  };
  const stop = () => stopAtFirst && failures.length > 0;
  let batched = false;
  const done = () => ({
    tried: new Set([...ranAlone, ...(batched ? options.seeds : [])]).size,
    failures: failures.sort((a, b) => a.seed - b.seed),
    unreplayable,
    batched,
  });
  if (options.seeds.length === 0) return done();
  await runOne(options.seeds[0], true);
  if (failures[0]?.run.results.length === 0 || stop()) return done();
  const rest = options.seeds.slice(1);
  const concurrency = Math.max(1, options.concurrency);
  if (options.batch !== undefined && rest.length > 0) {
    const probe = await options.batch([options.seeds[0], options.seeds[0]]);
    batched = probe.failing.length === 0 && probe.unfinished.length === 0;
  }
  if (batched) batched = await exploreInBatches(rest, options, concurrency, runOne, unreplayable);
  if (!batched) {
    // Each seed not yet run alone gets a process of its own.
    const pending = rest.filter((seed) => !ranAlone.has(seed));
    let next = 0;
    const worker = async () => {
      while (next < pending.length && !stop()) await runOne(pending[next++], false);
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
  }
  return done();
}

// After this many seeds that failed in a batch but pass alone, batching is
// given up: the tests interfere with each other when they share a process.
const maxUnreplayable = 2;

/**
 * Runs `seeds` in batches, then alone the seeds a batch flagged; says whether
 * batching held up (see `maxUnreplayable`).
 */
async function exploreInBatches(
  seeds: number[],
  options: ExploreOptions,
  concurrency: number,
  runOne: (seed: number, typeCheck: boolean) => Promise<boolean>,
  unreplayable: number[],
): Promise<boolean> {
  const size = Math.max(1, options.batchSize ?? 50);
  const batches: number[][] = [];
  for (let start = 0; start < seeds.length; start += size) {
    batches.push(seeds.slice(start, start + size));
  }
  const failedInBatch = new Set<number>();
  const unfinished = new Set<number>();
  let next = 0;
  const worker = async () => {
    while (next < batches.length) {
      const outcome = await options.batch!(batches[next++]);
      for (const seed of outcome.failing) failedInBatch.add(seed);
      for (const seed of outcome.unfinished) unfinished.add(seed);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const stopAtFirst = options.stopAtFirstFailure ?? true;
  for (const seed of [...new Set([...failedInBatch, ...unfinished])].sort((a, b) => a - b)) {
    if (await runOne(seed, false)) {
      if (!failedInBatch.has(seed)) continue;
      unreplayable.push(seed);
      if (unreplayable.length >= maxUnreplayable) return false;
    } else if (stopAtFirst) {
      break;
    }
  }
  return true;
}

/** What a batch runs: one lab's test files, under many seeds, in one `deno test`. */
export interface BatchRun {
  /** The folder to run in (the one holding deno.json), an absolute path. */
  cwd: string;
  /** The primitives' folder the tests import, relative to `cwd` (`labs/primitives`). */
  primitives: string;
  /** The test files, relative to `cwd`. */
  files: string[];
  /** The seeds, in order. */
  seeds: number[];
  /** The permission flags, given the folder of the generated module, which the run must also read. */
  permissions: (batchDir: string) => string[];
  /** A deno.json to run with (see `TestRunOptions.configSource`). */
  configSource?: string;
  /** Wall-clock limit for the whole batch. */
  timeoutMs: number;
}

/**
 * Runs `files` under each of `seeds` in ONE `deno test` process, through the
 * entry module of core/test_entry.ts: the first seed from the environment, as
 * in a run of its own; each later one after a marker test that switches to it,
 * on fresh copies of the test modules. The seed a failing test ran under is
 * the one whose pass was running. A later seed's tests start with the
 * primitives in whatever state the earlier seeds left them (task ids, pooled
 * waiters, a leaked task), not fresh as in a run of its own, so a flagged seed
 * must be replayed alone before it is reported.
 *
 * @example
 * ```ts
 * import { runSeedBatch } from "./seeds.ts";
 * const outcome = await runSeedBatch({
 *   cwd: "/course",
 *   primitives: "labs/primitives",
 *   files: ["labs/04-channels/drop_test.ts"],
 *   seeds: [2, 3, 4],
 *   permissions: (batchDir) => ["--no-prompt", `--allow-read=/course,${batchDir}`],
 *   timeoutMs: 120_000,
 * });
 * console.log(outcome.failing);
 * ```
 */
export async function runSeedBatch(batch: BatchRun): Promise<BatchOutcome> {
  const dir = await Deno.makeTempDir({ prefix: "seed-batch-" });
  try {
    const url = (path: string) => pathToFileURL(joinPath(batch.cwd, path)).href;
    const entry = joinPath(dir, ENTRY_FILE);
    await Deno.writeTextFile(
      entry,
      entrySource(batch.seeds.map((seed) => ({ seed, files: batch.files })), [], {
        specifier: url,
        primitives: url(joinPath(batch.primitives, "mod.ts")),
      }),
    );
    let current = batch.seeds[0];
    const failing = new Set<number>();
    const seen = new Set<number>();
    const run = await runTests({
      cwd: batch.cwd,
      files: [entry],
      configSource: batch.configSource,
      typeCheck: false,
      permissions: allowSeedVariable(batch.permissions(dir)),
      env: seedEnv(batch.seeds[0]),
      timeoutMs: batch.timeoutMs,
      onEvent: (event) => {
        if (event.kind !== "result") return;
        if (event.name.startsWith(SEED_MARKER_PREFIX)) {
          current = Number(event.name.slice(SEED_MARKER_PREFIX.length));
        } else if (event.status === "failed") {
          failing.add(current);
        }
        seen.add(current);
      },
    });
    const complete = run.exitCode !== null && run.problem === undefined;
    const unfinished = complete ? [] : batch.seeds.filter((seed) => !seen.has(seed));
    // The seed that was running when the batch broke is suspect too.
    if (!complete && seen.has(current)) failing.add(current);
    return { failing: [...failing].sort((a, b) => a - b), unfinished };
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    await forgetTranspiled([dir]);
  }
}

/**
 * The names of the tests that failed in a run, or the run's own problem when
 * no single test failed (a timeout, a crash).
 *
 * @example
 * ```ts
 * import { failingTests } from "./seeds.ts";
 * import type { TestRun } from "./test_runner.ts";
 * declare const run: TestRun;
 * console.log(failingTests(run).join("; "));
 * ```
 */
export function failingTests(run: TestRun): string[] {
  const failed = run.results.filter((test) => test.status === "failed").map((test) => test.name);
  if (failed.length > 0) return failed;
  return [run.problem?.headline ?? `deno test exited with ${run.exitCode}`];
}
