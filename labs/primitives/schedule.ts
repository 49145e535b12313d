/**
 * Seeded schedules: one seed, one interleaving.
 *
 * JavaScript runs one task at a time, and code without I/O interleaves its
 * tasks the same way on every run, so an order-dependent bug can pass a
 * thousand runs. With a seed (the environment variable `PRIMITIVES_SEED`, a
 * non-negative integer read at load, or {@linkcode setSeed}), every primitive
 * operation that could let another task run (send, receive, select, lock,
 * wait) takes effect when it is called and then resumes its caller after a
 * pause the seed's generator picks: just the await, a few microtasks, or a
 * turn of the event loop; a task started with `go`, a timer that fires and
 * a context whose deadline passes wait for such a pause too. `select` draws its random choice from the same
 * generator. The same seed then gives the same interleaving, run after run,
 * on Deno and on Bun, for a program whose only other inputs are virtual time
 * and its own logic.
 *
 * Two inputs that look like the host's choice are not. Real turns of the
 * event loop: a pause that waits for one queues a `setImmediate`, the one
 * macrotask source that the test helpers' turns (`testing.ts`) queue on too,
 * and callbacks of one source run in the order they were queued on both
 * runtimes, so a test that settles for real turns between steps interleaves
 * with the pauses the same way every run. (Across sources the order is the
 * host's: from inside a `setImmediate` callback, Deno runs a
 * `MessageChannel` message before the next immediate and Bun does so always;
 * a real `setTimeout(0)` came last on both in our measurements, but it waits
 * for real time.) And the garbage collector: a timer whose channel is
 * collected stops firing, as in Go 1.23, except in a seeded run, where a
 * one-shot timer still fires (into nothing), since its firing draws a pause
 * from the generator whether or not the collector ran first. Real time, I/O
 * and Workers stay outside the seed.
 *
 * The pause comes after an operation, never between its call and its effect:
 * a task's own operations keep their program order (`isClosed(done)` called
 * before `done.close()` looks before the close, as in Go), and a pause after
 * one operation is the pause before the next.
 *
 * Without a seed nothing changes: the operations test the live binding
 * {@linkcode seeded} once and take their usual path.
 *
 * @example
 * ```ts
 * import { Chan, go, runtime } from "./mod.ts";
 * import assert from "node:assert/strict";
 *
 * async function race(): Promise<string[]> {
 *   const trace: string[] = [];
 *   const done = new Chan<void>();
 *   for (const name of ["a", "b"]) {
 *     go(async () => {
 *       trace.push(`${name} starts`);
 *       await done.send();
 *       trace.push(`${name} ends`);
 *     });
 *   }
 *   await done.recv();
 *   await done.recv();
 *   return trace;
 * }
 * const previous = runtime.seed();
 * runtime.setSeed(8841);
 * const first = await race();
 * runtime.setSeed(8841);
 * assert.deepEqual(await race(), first); // the same seed replays the same interleaving
 * runtime.setSeed(previous);
 * ```
 *
 * @module
 */
import process from "node:process";
import { realSetImmediate, timersAreFaked } from "./runtime.ts";

/** The environment variable that seeds the schedule when the primitives load. */
export const SEED_VARIABLE = "PRIMITIVES_SEED";

/**
 * A small seeded generator of numbers in [0, 1) (mulberry32): the same seed
 * gives the same sequence on every engine, since it uses only 32-bit integer
 * arithmetic.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { seededRandom } from "./schedule.ts";
 *
 * const a = seededRandom(42);
 * const b = seededRandom(42);
 * const draws = [a(), a(), a()];
 * assert.deepEqual([b(), b(), b()], draws);
 * assert.ok(draws.every((x) => x >= 0 && x < 1));
 * ```
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Whether a seed is set. A live binding: the primitives test it on their hot
 * paths (`if (seeded) …`), one well-predicted branch when it is `false`.
 *
 * @example
 * ```ts
 * import { seeded } from "./schedule.ts";
 * console.log(seeded ? "seeded schedule" : "default schedule");
 * ```
 */
export let seeded = false;

let currentSeed: number | null = null;
let generator: () => number = Math.random;

/**
 * The random numbers of the primitives (select's poll order): the seed's
 * generator while seeded, `Math.random` otherwise. A live binding, swapped by
 * {@linkcode setSeed}, so an unseeded call costs nothing extra.
 *
 * @example
 * ```ts
 * import { random } from "./schedule.ts";
 * const coin = random() < 0.5 ? "heads" : "tails";
 * ```
 */
export let random: () => number = Math.random;

function checkSeed(seed: unknown, source: string): asserts seed is number {
  if (typeof seed !== "number" || !Number.isSafeInteger(seed) || seed < 0) {
    throw new RangeError(
      `Cannot seed the schedule: ${source} must be a non-negative integer, received ${
        String(seed)
      }`,
    );
  }
}

/**
 * Seeds the schedule with `seed`, restarting its generator (so a program run
 * after `setSeed(n)` replays the interleaving of any other run after
 * `setSeed(n)`), or turns seeding off with `null`.
 *
 * @throws {RangeError} when `seed` is neither `null` nor a non-negative integer.
 * @example
 * ```ts
 * import { getSeed, setSeed } from "./schedule.ts";
 * import assert from "node:assert/strict";
 *
 * const previous = getSeed();
 * setSeed(7);
 * assert.equal(getSeed(), 7);
 * setSeed(previous);
 * ```
 */
export function setSeed(seed: number | null): void {
  activity = 0;
  if (seed === null) {
    seeded = false;
    currentSeed = null;
    generator = random = Math.random;
    return;
  }
  checkSeed(seed, "the seed");
  seeded = true;
  currentSeed = seed;
  generator = random = seededRandom(seed);
}

/**
 * The seed the schedule runs under, or `null` when it is not seeded.
 *
 * @example
 * ```ts
 * import { getSeed } from "./schedule.ts";
 * console.log(`seed: ${getSeed() ?? "none"}`);
 * ```
 */
export function getSeed(): number | null {
  return currentSeed;
}

/**
 * Reads `PRIMITIVES_SEED` without ever prompting or throwing for want of a
 * permission: on Deno only when reading it is already granted (a test run
 * without `--allow-env` simply runs unseeded), elsewhere from `process.env`.
 *
 * @throws {RangeError} when the variable is set to something other than a non-negative integer.
 * @example
 * ```ts
 * import { seedFromEnvironment } from "./schedule.ts";
 * const seed = seedFromEnvironment(); // null when PRIMITIVES_SEED is unset or unreadable
 * ```
 */
export function seedFromEnvironment(): number | null {
  const deno = (globalThis as { Deno?: typeof Deno }).Deno;
  let text: string | undefined;
  if (deno !== undefined) {
    const access = deno.permissions.querySync({ name: "env", variable: SEED_VARIABLE });
    if (access.state !== "granted") return null;
    text = deno.env.get(SEED_VARIABLE);
  } else {
    text = process.env[SEED_VARIABLE];
  }
  if (text === undefined || text.trim() === "") return null;
  const seed = /^\s*\d+\s*$/.test(text) ? Number(text) : Number.NaN;
  checkSeed(seed, `the environment variable ${SEED_VARIABLE}`);
  return seed;
}

// ---------------------------------------------------------------------------
// Pauses.

const RESOLVED: Promise<void> = Promise.resolve();

// Counts the pauses taken, so that a leak check can wait until a whole turn
// of the event loop passes without one (see settleSeeded).
let activity = 0;

/**
 * How many pauses the schedule has taken since it was last seeded: `0`, and
 * staying so, on the default schedule.
 *
 * @example
 * ```ts
 * import { pausesTaken } from "./schedule.ts";
 * console.log(`${pausesTaken()} seeded pauses so far`);
 * ```
 */
export function pausesTaken(): number {
  return activity;
}

async function microtasks(count: number): Promise<void> {
  for (let i = 0; i < count; i++) await RESOLVED;
}

/**
 * A pause of the seed's choosing, for a seeded run only: a resolved promise
 * (just the await), two to nine microtasks, or a real turn of the event loop.
 * Under fake timers a real turn could let a test's `tickAsync` run ahead of
 * the resumed task, so a longer run of microtasks stands in for it. Used
 * directly for what starts or wakes a task outside any awaited operation
 * (`go`, a timer firing, a context's deadline passing).
 *
 * @example
 * ```ts
 * import { pause, setSeed } from "./schedule.ts";
 * setSeed(3);
 * await pause(); // as long as seed 3's generator says
 * setSeed(null);
 * ```
 */
export function pause(): Promise<void> {
  activity++;
  const draw = generator();
  if (draw < 0.4) return RESOLVED;
  if (draw < 0.75) return microtasks(2 + Math.floor((draw - 0.4) / 0.35 * 8));
  if (timersAreFaked()) return microtasks(16);
  return new Promise<void>((resolve) => realSetImmediate(resolve));
}

// An operation re-entered by interleave() must run directly; this flag says
// so for exactly one synchronous call.
let direct = false;

/**
 * In a seeded run, whether an operation must go through
 * {@linkcode interleave}: `true`, except for the call interleave itself
 * makes. Operations write `if (seeded && mustInterleave()) return interleave(() => this.op())`.
 *
 * @example
 * ```ts
 * import { interleave, mustInterleave, seeded } from "./schedule.ts";
 *
 * function ready(): Promise<string> {
 *   if (seeded && mustInterleave()) return interleave(ready);
 *   return Promise.resolve("done");
 * }
 * await ready();
 * ```
 */
export function mustInterleave(): boolean {
  if (!direct) return true;
  direct = false;
  return false;
}

/**
 * Runs the operation `op` now and resumes its caller after a pause of the
 * seed's choosing, also when it rejects: other tasks may run in between. `op`
 * is called once, synchronously, and must begin with the
 * `seeded && mustInterleave()` test.
 *
 * @example
 * ```ts
 * import { interleave, mustInterleave, seeded } from "./schedule.ts";
 *
 * function answer(): Promise<number> {
 *   if (seeded && mustInterleave()) return interleave(answer);
 *   return Promise.resolve(42);
 * }
 * console.log(await answer());
 * ```
 */
export async function interleave<T>(op: () => Promise<T>): Promise<T> {
  direct = true;
  let outcome: Promise<T>;
  try {
    outcome = op();
  } finally {
    direct = false;
  }
  try {
    return await outcome;
  } finally {
    await pause();
  }
}

/**
 * Lets real turns of the event loop pass, at least `turns` of them and then
 * until a whole turn passes without a seeded pause (at most `maxTurns`), so
 * that a leak check does not mistake a task still pausing for a leaked one.
 *
 * @example
 * ```ts
 * import { settleSeeded } from "./schedule.ts";
 * await settleSeeded(5);
 * ```
 */
export async function settleSeeded(turns: number, maxTurns = 1000): Promise<void> {
  for (let turn = 0; turn < maxTurns; turn++) {
    const before = activity;
    await new Promise<void>((resolve) => realSetImmediate(resolve));
    if (turn + 1 >= turns && activity === before) return;
  }
}

setSeed(seedFromEnvironment());
