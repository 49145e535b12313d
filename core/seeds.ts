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

import { runPassed, type TestRun } from "./test_runner.ts";

/** The environment variable the primitives read their seed from (contract 2). */
export const SEED_VARIABLE = "PRIMITIVES_SEED";

/** The largest seed the tools hand out or accept: the schedule's generator uses 32 bits. */
export const MAX_SEED = 2 ** 32 - 1;

/**
 * The environment a test run under `seed` needs; the run must also be allowed
 * to read it (`permissionFlags(lab, readable, [SEED_VARIABLE])`).
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
  /** The seeds whose run did not pass, in seed order. */
  failures: SeedFailure[];
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
  let tried = 0;
  let next = 0;
  const runOne = async (typeCheck: boolean): Promise<TestRun> => {
    const seed = options.seeds[next++];
    const run = await options.run(seed, typeCheck);
    tried++;
    const passed = runPassed(run);
    if (!passed) failures.push({ seed, run });
    options.onRun?.(seed, run, passed);
    return run;
  };
  if (options.seeds.length === 0) return { tried, failures };
  const first = await runOne(true);
  if (first.results.length === 0) return { tried, failures };
  const worker = async () => {
    while (next < options.seeds.length && !(stopAtFirst && failures.length > 0)) {
      await runOne(false);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, worker));
  failures.sort((a, b) => a.seed - b.seed);
  return { tried, failures };
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
