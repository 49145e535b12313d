/**
 * The Worker side of the lab's harness (given: you do not edit it). Each
 * Worker takes one job at a time from `worker_group.ts`, loads the module of
 * your part that the job exercises (the first job of a part loads it, so a
 * part that does not load yet fails only its own jobs), waits at the start
 * line with the others, runs the job on the shared buffer, and reports back.
 *
 * @example
 * ```ts ignore
 * // Started by WorkerGroup.start(), never imported:
 * new Worker(new URL("./lab_worker.ts", import.meta.url), { type: "module" });
 * ```
 * @module
 */
import type * as Counter from "./counter.ts";
import type * as Mailboxes from "./mailbox.ts";
import {
  type ConsumeReport,
  type Job,
  type JobMessage,
  messageFor,
  type PairReport,
  type WorkerReport,
} from "./worker_group.ts";

/** The longest a Worker waits for something that another Worker should do soon. */
const PATIENCE_MS = 5_000;

const port = self as unknown as {
  postMessage(report: WorkerReport): void;
  onmessage: ((event: MessageEvent<JobMessage>) => void) | null;
};

/** Where {@linkcode think} leaves its result, so that the compiler cannot drop the work. */
let thought = 0;

/**
 * A fraction of a microsecond of work between two steps on shared memory, as
 * a real program has. Without it a compiled loop of plain increments takes a
 * few milliseconds in all, and four Workers would hardly ever run it at the
 * same moment; with it they overlap, and so do their races.
 */
function think(): void {
  let x = thought | 1;
  for (let i = 0; i < 40; i++) x = Math.imul(x ^ (x >>> 13), 0x5bd1e995);
  thought = x;
}

/** Blocks this Worker for `ms` (it is holding a lock: the point is to keep it). */
function block(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Waits until `cells[index]` is no longer `value`, or throws after PATIENCE_MS. */
function awaitChange(cells: Int32Array, index: number, value: number, what: string): void {
  const deadline = performance.now() + PATIENCE_MS;
  while (Atomics.load(cells, index) === value) {
    const left = deadline - performance.now();
    if (left <= 0) throw new Error(`gave up after ${PATIENCE_MS} ms waiting for ${what}`);
    Atomics.wait(cells, index, value, left);
  }
}

function pairs(
  pair: { bump(): void; read(): [number, number] },
  job: Extract<Job, { kind: "pairs" }>,
): PairReport {
  const report: PairReport = { reads: 0, violations: 0, first: null, interleaved: 0 };
  let previous = 0;
  for (let i = 1; i <= job.times; i++) {
    think();
    pair.bump();
    if (i % job.readEvery !== 0) continue;
    const [a, b] = pair.read();
    report.reads++;
    if (a !== b) {
      report.violations++;
      report.first ??= [a, b];
    }
    // This Worker bumped readEvery times since its previous read; more means another Worker did too.
    if (a - previous > job.readEvery) report.interleaved++;
    previous = a;
  }
  return report;
}

/** Increments per call of `incrementShared` in an `increment` job. */
const CHUNK = 10_000;

/**
 * Runs an `increment` job as calls of CHUNK increments, and counts the calls
 * during which another Worker's increments landed on the cell: each is some
 * tens of microseconds in which two Workers really ran the loop at once.
 * (Calls that long keep the harness's own steps between them a small part of
 * the time, so that what it counts is overlap of your loops, not of its own.)
 */
function increment(
  cells: Int32Array,
  job: Extract<Job, { kind: "increment" }>,
  incrementShared: typeof Counter.incrementShared,
): number {
  let interleaved = 0;
  for (let done = 0; done < job.times; done += CHUNK) {
    const times = Math.min(CHUNK, job.times - done);
    const before = Atomics.load(cells, job.index);
    incrementShared(cells, job.index, times);
    if (Atomics.load(cells, job.index) - before !== times) interleaved++;
  }
  return interleaved;
}

function consume(
  mailbox: { take(timeoutMs: number): number[] | null },
  job: Extract<Job, { kind: "consume" }>,
): ConsumeReport {
  const report: ConsumeReport = { received: 0, wrong: 0, first: null };
  for (let k = 0; k < job.count; k++) {
    let values = mailbox.take(job.poll ? 0 : job.timeoutMs);
    // Polling: ask again and again, the way a spinning reader does, but nap
    // for a few microseconds now and then, so that on a busy machine the
    // producer can get the core this Worker would otherwise keep.
    const deadline = performance.now() + job.timeoutMs;
    for (let polls = 1; values === null && job.poll && performance.now() < deadline; polls++) {
      if (polls % 256 === 0) block(0.02);
      values = mailbox.take(0);
    }
    if (values === null) throw new Error(`message ${k} did not arrive within ${job.timeoutMs} ms`);
    report.received++;
    const expected = messageFor(k, job.capacity);
    if (values.join() !== expected.join()) {
      report.wrong++;
      report.first ??= `message ${k}: took [${values}], posted [${expected}]`;
    }
  }
  return report;
}

/** How many copies of mailbox.ts this Worker has loaded for `produce` jobs. */
let copies = 0;

/**
 * Loads what `job` needs and returns it ready to run. A `produce` job gets a
 * copy of mailbox.ts loaded afresh, so that it starts with code that has
 * never run. Such code runs in the interpreter for its first few hundred
 * calls, several times slower than once compiled, so that any moment
 * `post()` leaves open between two of its writes is wider, and a polling
 * receiver has a real chance to look right then.
 */
async function prepare(job: Job, buffer: SharedArrayBuffer): Promise<() => unknown> {
  const cells = new Int32Array(buffer);
  switch (job.kind) {
    case "increment": {
      const { incrementShared } = await import("./counter.ts");
      return () => increment(cells, job, incrementShared);
    }
    case "tickets": {
      const { nextTicket } = await import("./counter.ts");
      return () =>
        Array.from({ length: job.times }, () => {
          think();
          return nextTicket(cells, job.index);
        });
    }
    case "pairs": {
      const { PairCounter } = await import("./shared_mutex.ts");
      return () => pairs(new PairCounter(cells, job.offset), job);
    }
    case "hold": {
      const { SharedMutex } = await import("./shared_mutex.ts");
      return () => {
        const mutex = new SharedMutex(cells, job.mutexIndex);
        mutex.lock();
        Atomics.store(cells, job.markIndex, 1);
        Atomics.notify(cells, job.markIndex);
        block(job.holdMs);
        Atomics.store(cells, job.markIndex, 2);
        mutex.unlock();
        return null;
      };
    }
    case "lockAfter": {
      const { SharedMutex } = await import("./shared_mutex.ts");
      return () => {
        awaitChange(cells, job.markIndex, 0, "the holder to take the mutex");
        const mutex = new SharedMutex(cells, job.mutexIndex);
        mutex.lock();
        const mark = Atomics.load(cells, job.markIndex);
        mutex.unlock();
        return mark;
      };
    }
    case "produce": {
      const { Mailbox }: typeof Mailboxes = await import(`./mailbox.ts?copy=${++copies}`);
      return () => {
        const mailbox = new Mailbox(buffer, job.capacity);
        for (let k = 0; k < job.count; k++) {
          if (!mailbox.post(messageFor(k, job.capacity), job.timeoutMs)) {
            throw new Error(`post of message ${k} found the slot full for ${job.timeoutMs} ms`);
          }
        }
        return null;
      };
    }
    case "consume": {
      const { Mailbox } = await import("./mailbox.ts");
      return () => consume(new Mailbox(buffer, job.capacity), job);
    }
    case "hits": {
      const { counterIndex } = await import("./false_sharing.ts");
      return () => {
        const index = counterIndex(job.worker, job.layout);
        const began = performance.now();
        for (let i = 0; i < job.times; i++) Atomics.add(cells, index, 1);
        return performance.now() - began;
      };
    }
  }
}

/** The start line's cells (see `JobMessage.start`). */
const RELEASED = 0;
const ARRIVED = 1;
const GO = 2;
const BEATS = 3;
/** The longest the Workers of a run wait for each other at the start line before starting anyway. */
const MEET_MS = 1;
/** How recent a heartbeat must be to show that its Worker is on a core now. */
const GLANCE_MS = 0.05;

/**
 * Returns once the Workers of the run are on a core at the same moment, or
 * after MEET_MS (the job then starts anyway). Waking from `Atomics.wait`
 * takes each thread a different while, and on a busy machine one Worker's
 * whole job can run before the next is scheduled: a race between them could
 * not show. So each Worker spins here, counting its own heartbeat, and the
 * first to see as many heartbeats move at once as the machine has cores for
 * them gives the signal to go.
 */
function meet(line: Int32Array, workers: number): void {
  const seat = Atomics.add(line, ARRIVED, 1);
  const together = Math.min(workers, navigator.hardwareConcurrency || 1);
  const last = Int32Array.from({ length: workers }, (_, w) => Atomics.load(line, BEATS + w));
  let looked = performance.now();
  const deadline = looked + MEET_MS;
  for (let spins = 1; Atomics.load(line, GO) === 0; spins++) {
    Atomics.add(line, BEATS + seat, 1);
    if (spins % 64 !== 0) continue;
    // Who else moved since my last look? It counts only if that was a few
    // microseconds ago: had this thread been descheduled meanwhile, the
    // others may have moved while it was off its core, and be off theirs now.
    const now = performance.now();
    let present = 1;
    for (let w = 0; w < workers; w++) {
      const beat = Atomics.load(line, BEATS + w);
      if (w !== seat && beat !== last[w]) present++;
      last[w] = beat;
    }
    if ((present >= together && now - looked < GLANCE_MS) || now > deadline) {
      Atomics.store(line, GO, 1);
    }
    looked = now;
  }
}

port.onmessage = async ({ data: { job, buffer, start, workers } }) => {
  try {
    const task = await prepare(job, buffer);
    const line = new Int32Array(start);
    port.postMessage({ type: "ready" });
    awaitChange(line, RELEASED, 0, "the start line");
    meet(line, workers);
    port.postMessage({ type: "done", value: task() });
  } catch (error) {
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    port.postMessage({ type: "failed", message });
  }
};
port.postMessage({ type: "loaded" });
