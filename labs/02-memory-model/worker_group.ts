/**
 * The lab's Worker harness (given: you do not edit it). It starts Workers
 * running `lab_worker.ts`, hands each a job and the same `SharedArrayBuffer`,
 * releases them all at once from a start line, and collects what they report.
 * Every run has a time limit: a Worker stuck in `Atomics.wait` forever is
 * terminated, and the run fails saying which jobs did not finish.
 *
 * @example
 * ```ts ignore
 * import { WorkerGroup } from "./worker_group.ts";
 *
 * const group = await WorkerGroup.start(2);
 * try {
 *   const buffer = new SharedArrayBuffer(4);
 *   await group.run([
 *     { kind: "increment", index: 0, times: 1000 },
 *     { kind: "increment", index: 0, times: 1000 },
 *   ], buffer);
 *   console.log(new Int32Array(buffer)[0]); // 2000 once part 1 is done
 * } finally {
 *   group.terminate();
 * }
 * ```
 * @module
 */
import type { Layout } from "./false_sharing.ts";

/** How long a run may take before its Workers are terminated, by default. */
export const RUN_TIMEOUT_MS = 10_000;
/** How long starting the Workers (loading the modules) may take. */
export const START_TIMEOUT_MS = 30_000;

/** What a Worker does with the shared buffer, and how many times. */
export type Job =
  | { kind: "increment"; index: number; times: number }
  | { kind: "tickets"; index: number; times: number }
  | { kind: "pairs"; offset: number; times: number; readEvery: number }
  | { kind: "hold"; mutexIndex: number; markIndex: number; holdMs: number }
  | { kind: "lockAfter"; mutexIndex: number; markIndex: number }
  | { kind: "produce"; capacity: number; count: number; timeoutMs: number }
  | { kind: "consume"; capacity: number; count: number; timeoutMs: number; poll: boolean }
  | { kind: "hits"; worker: number; layout: Layout; times: number };

/**
 * What a `pairs` job saw: reads where `a !== b`, and the first of them; and
 * reads that found `a` moved on by more than this Worker's own bumps since its
 * previous read, that is, with another Worker's bump in between (a measure of
 * how much the Workers really overlapped).
 */
export interface PairReport {
  reads: number;
  violations: number;
  first: [number, number] | null;
  interleaved: number;
}

/** What a `consume` job received: messages taken, those not as posted, and the first of those. */
export interface ConsumeReport {
  received: number;
  wrong: number;
  first: string | null;
}

/** The value each kind of job reports. */
export interface JobResults {
  /**
   * The job calls `incrementShared` 10 000 increments at a time: how many of
   * those calls saw another Worker's increments land meanwhile (0 when the
   * Workers never ran at once), a measure of how much a lost update had a chance.
   */
  increment: number;
  tickets: number[];
  pairs: PairReport;
  hold: null;
  /** The mark a `lockAfter` job read once it held the mutex (2: the holder had finished). */
  lockAfter: number;
  produce: null;
  consume: ConsumeReport;
  /** How long the `hits` loop took inside the Worker, in ms. */
  hits: number;
}

/** A message from `lab_worker.ts` to the harness. */
export type WorkerReport =
  | { type: "loaded" }
  | { type: "ready" }
  | { type: "done"; value: unknown }
  | { type: "failed"; message: string };

/** A message from the harness to `lab_worker.ts`: one job, the shared buffer, the start line. */
export interface JobMessage {
  job: Job;
  buffer: SharedArrayBuffer;
  /**
   * The start line, `Int32Array` cells: 0 turns 1 when every Worker of the
   * run is ready; 1 counts the Workers that woke up since; 2 turns 1 when they
   * go; then one heartbeat per Worker while it waits for the others.
   */
  start: SharedArrayBuffer;
  /** How many Workers take part in the run (they meet at the start line). */
  workers: number;
}

/**
 * The values message `k` carries through a mailbox of `capacity` values:
 * between 1 and `capacity` values (at least 1), each telling its own
 * position, so that a message mixed with another is recognisable.
 *
 * @example
 * ```ts
 * import { messageFor } from "./worker_group.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(messageFor(2, 4), [14, 15, 16]);
 * ```
 */
export function messageFor(k: number, capacity: number): number[] {
  const length = 1 + (k % Math.max(1, capacity));
  return Array.from({ length }, (_, i) => k * 7 + i);
}

interface Slot {
  worker: Worker;
  onReport: (report: WorkerReport) => void;
  onFailure: (message: string) => void;
}

/** Fails after `ms` of real time (a bound on a wait, not a way to synchronise). */
function limit(ms: number, what: () => string): { promise: Promise<never>; clear(): void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const promise = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(what())), ms);
  });
  return { promise, clear: () => clearTimeout(timer) };
}

function describeJob(job: Job, index: number): string {
  return `Worker ${index} (${job.kind})`;
}

/**
 * A fixed set of Workers running `lab_worker.ts`, reused across runs (a
 * Worker takes a while to start) until {@linkcode WorkerGroup.terminate}.
 *
 * @example
 * ```ts ignore
 * import { WorkerGroup } from "./worker_group.ts";
 *
 * const group = await WorkerGroup.start(4);
 * group.terminate();
 * ```
 */
export class WorkerGroup {
  readonly #slots: Slot[];
  #terminated = false;

  private constructor(slots: Slot[]) {
    this.#slots = slots;
  }

  /** How many Workers the group has. */
  get size(): number {
    return this.#slots.length;
  }

  /** Whether {@linkcode WorkerGroup.terminate} ran (also after a failed or timed-out run). */
  get terminated(): boolean {
    return this.#terminated;
  }

  /**
   * Starts `size` Workers and resolves once each has loaded `lab_worker.ts`;
   * rejects with the error if one fails to load. (Each Worker loads the module
   * of a part when the first job of that part comes: a part that does not load
   * fails the runs that need it, saying why.)
   */
  static async start(size: number, timeoutMs = START_TIMEOUT_MS): Promise<WorkerGroup> {
    const group = new WorkerGroup([]);
    const bound = limit(timeoutMs, () => `the Workers did not start within ${timeoutMs} ms`);
    try {
      // The first Worker alone first: Deno type-checks a Worker's modules
      // when it loads them, and the others then find the result cached.
      await Promise.race([group.#spawn(), bound.promise]);
      const rest = Array.from({ length: size - 1 }, () => group.#spawn());
      await Promise.race([Promise.all(rest), bound.promise]);
    } catch (error) {
      group.terminate();
      throw error;
    } finally {
      bound.clear();
    }
    return group;
  }

  /** Starts one more Worker; resolves once it has loaded its modules. */
  #spawn(): Promise<void> {
    const index = this.#slots.length;
    const worker = new Worker(new URL("./lab_worker.ts", import.meta.url), { type: "module" });
    const slot: Slot = { worker, onReport: () => {}, onFailure: () => {} };
    worker.onmessage = (event: MessageEvent<WorkerReport>) => slot.onReport(event.data);
    worker.onerror = (event: ErrorEvent) => {
      event.preventDefault();
      slot.onFailure(event.message);
    };
    this.#slots.push(slot);
    return new Promise<void>((resolve, reject) => {
      slot.onReport = (report) => report.type === "loaded" && resolve();
      slot.onFailure = (message) =>
        reject(new Error(`Worker ${index} could not load lab_worker.ts: ${message}`));
    });
  }

  /**
   * Gives job `i` to Worker `i`, all sharing `buffer`; once every Worker is
   * at the start line, releases them together and resolves to their reports
   * in job order. Rejects with the first job's failure, or, after
   * `timeoutMs`, terminates the group and rejects naming the jobs that had
   * not finished.
   */
  async run<const J extends readonly Job[]>(
    jobs: J,
    buffer: SharedArrayBuffer,
    timeoutMs = RUN_TIMEOUT_MS,
  ): Promise<{ -readonly [K in keyof J]: JobResults[J[K]["kind"]] }> {
    if (this.#terminated) throw new Error("this WorkerGroup was terminated; start a new one");
    if (jobs.length > this.#slots.length) {
      throw new RangeError(`${jobs.length} jobs for a group of ${this.#slots.length} Workers`);
    }
    const start = new Int32Array(new SharedArrayBuffer((3 + jobs.length) * 4));
    const finished = new Set<number>();
    let readyCount = 0;
    let releaseAll = () => {};
    const allReady = new Promise<void>((resolve) => (releaseAll = resolve));
    const outcomes = jobs.map((job, i) =>
      new Promise<unknown>((resolve, reject) => {
        const slot = this.#slots[i];
        slot.onFailure = (message) =>
          reject(new Error(`${describeJob(job, i)} failed: ${message}`));
        slot.onReport = (report) => {
          if (report.type === "ready" && ++readyCount === jobs.length) releaseAll();
          if (report.type === "done") {
            finished.add(i);
            resolve(report.value);
          }
          if (report.type === "failed") slot.onFailure(report.message);
        };
        const message: JobMessage = {
          job,
          buffer,
          start: start.buffer as SharedArrayBuffer,
          workers: jobs.length,
        };
        slot.worker.postMessage(message);
      })
    );
    allReady.then(() => {
      Atomics.store(start, 0, 1);
      Atomics.notify(start, 0);
    });
    const bound = limit(timeoutMs, () => {
      const stuck = jobs.map(describeJob).filter((_, i) => !finished.has(i));
      return `${stuck.join(", ")} did not finish within ${timeoutMs} ms. A Worker sleeping in ` +
        `Atomics.wait that nobody notifies, or waiting for a state that never comes, never ends; ` +
        `the Workers were terminated.`;
    });
    try {
      const values = await Promise.race([Promise.all(outcomes), bound.promise]);
      // lab_worker.ts reports, for each kind of job, the value JobResults names.
      return values as { -readonly [K in keyof J]: JobResults[J[K]["kind"]] };
    } catch (error) {
      this.terminate();
      throw error;
    } finally {
      bound.clear();
    }
  }

  /** Stops every Worker at once, even one sleeping in `Atomics.wait`. */
  terminate(): void {
    this.#terminated = true;
    for (const slot of this.#slots) slot.worker.terminate();
  }
}

/**
 * One {@linkcode WorkerGroup} for a whole test file: started by the first
 * test that needs it (a Worker costs tens of milliseconds of CPU to start),
 * and started again after a failed run terminated it, so that one test's hung
 * Worker does not fail the tests after it.
 *
 * @example
 * ```ts ignore
 * import { after, it } from "node:test";
 * import { SharedWorkerGroup } from "./worker_group.ts";
 *
 * const workers = new SharedWorkerGroup(4);
 * after(() => workers.terminate());
 * it("runs on the file's Workers", async () => {
 *   const group = await workers.get();
 *   await group.run([{ kind: "increment", index: 0, times: 10 }], new SharedArrayBuffer(4));
 * });
 * ```
 */
export class SharedWorkerGroup {
  readonly #size: number;
  #group: Promise<WorkerGroup> | null = null;

  /** A group of `size` Workers, not started until {@linkcode SharedWorkerGroup.get}. */
  constructor(size: number) {
    this.#size = size;
  }

  /** The running group: the same one as last time, unless it was terminated. */
  async get(): Promise<WorkerGroup> {
    const current = this.#group === null ? null : await this.#group.catch(() => null);
    if (current === null || current.terminated) {
      this.#group = WorkerGroup.start(this.#size);
    }
    return this.#group!;
  }

  /** Stops the Workers, if they were started; a later `get` starts new ones. */
  async terminate(): Promise<void> {
    const current = this.#group === null ? null : await this.#group.catch(() => null);
    this.#group = null;
    current?.terminate();
  }
}
