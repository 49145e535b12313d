/**
 * Benchmarks of the primitives against a baseline written here: the cheapest
 * promise hand-off queue that can carry the same traffic (no select, no close,
 * no leak tracking, no fairness yields). Each scenario alternates baseline and
 * primitive runs and reports medians, so the ratio compares like with like in
 * one process. Runs on Deno (`deno task bench`) and Bun
 * (`bun labs/primitives/bench/primitives_bench.ts`).
 *
 * @module
 */
import { Chan, context, recv, select } from "../mod.ts";

const RESOLVED: Promise<void> = Promise.resolve();

/** The baseline: a bounded promise queue; capacity 0 is a rendezvous (put resolves when taken). */
class BaselineQueue<T> {
  readonly #capacity: number;
  readonly #buffer: T[] = [];
  #bufferHead = 0;
  readonly #takers: ((value: T) => void)[] = [];
  readonly #putters: { value: T; taken: () => void }[] = [];

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  send(value: T): Promise<void> {
    const taker = this.#takers.shift();
    if (taker !== undefined) {
      taker(value);
      return RESOLVED;
    }
    if (this.#buffer.length - this.#bufferHead < this.#capacity) {
      this.#buffer.push(value);
      return RESOLVED;
    }
    return new Promise((taken) => this.#putters.push({ value, taken }));
  }

  recv(): Promise<T> {
    if (this.#buffer.length > this.#bufferHead) {
      const value = this.#buffer[this.#bufferHead++];
      if (this.#bufferHead > 1024) {
        this.#buffer.splice(0, this.#bufferHead);
        this.#bufferHead = 0;
      }
      const putter = this.#putters.shift();
      if (putter !== undefined) {
        this.#buffer.push(putter.value);
        putter.taken();
      }
      return Promise.resolve(value);
    }
    const putter = this.#putters.shift();
    if (putter !== undefined) {
      putter.taken();
      return Promise.resolve(putter.value);
    }
    return new Promise((resolve) => this.#takers.push(resolve));
  }
}

/** The operations a scenario needs, with the same names on the baseline and on `Chan`. */
interface Queue {
  send(value: number): Promise<void>;
  recv(): Promise<unknown>;
}

function baseline(capacity: number): Queue {
  return new BaselineQueue<number>(capacity);
}

function chan(capacity: number): Queue {
  return new Chan<number>(capacity);
}

async function pingPong(make: (capacity: number) => Queue, roundTrips: number): Promise<void> {
  const ping = make(0);
  const pong = make(0);
  const echo = (async () => {
    for (let i = 0; i < roundTrips; i++) await pong.send((await ping.recv()) as number);
  })();
  for (let i = 0; i < roundTrips; i++) {
    await ping.send(i);
    await pong.recv();
  }
  await echo;
}

async function stream(make: (capacity: number) => Queue, messages: number): Promise<void> {
  const q = make(64);
  const consumer = (async () => {
    for (let i = 0; i < messages; i++) await q.recv();
  })();
  for (let i = 0; i < messages; i++) await q.send(i);
  await consumer;
}

async function timed(run: () => Promise<void>): Promise<number> {
  const start = performance.now();
  await run();
  return performance.now() - start;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Alternates baseline and subject runs after a warm-up; returns the medians in ms. */
async function compare(
  run: (make: (capacity: number) => Queue) => Promise<void>,
  repeats: number,
): Promise<{ baselineMs: number; subjectMs: number }> {
  await run(baseline);
  await run(chan);
  const baselineTimes: number[] = [];
  const subjectTimes: number[] = [];
  for (let i = 0; i < repeats; i++) {
    baselineTimes.push(await timed(() => run(baseline)));
    subjectTimes.push(await timed(() => run(chan)));
  }
  return { baselineMs: median(baselineTimes), subjectMs: median(subjectTimes) };
}

async function selectFourChannels(operations: number): Promise<number> {
  const chans = [0, 1, 2, 3].map(() => new Chan<number>(16));
  const producer = (async () => {
    for (let i = 0; i < operations; i++) await chans[i % 4].send(i);
  })();
  const cases = chans.map((ch) => recv(ch));
  const start = performance.now();
  for (let i = 0; i < operations; i++) await select(cases);
  const elapsed = performance.now() - start;
  await producer;
  return (elapsed * 1e6) / operations;
}

/** How late a 20 ms timer fires while two tasks ping-pong without pause (Go preempts; we yield). */
async function timerLatencyDuringPingPong(): Promise<number> {
  const ping = new Chan<number>();
  const pong = new Chan<number>();
  let running = true;
  const echo = (async () => {
    for await (const n of ping) await pong.send(n);
  })();
  const start = performance.now();
  const fired = new Promise<number>((resolve) =>
    setTimeout(() => resolve(performance.now() - start), 20)
  );
  fired.then(() => (running = false));
  while (running) {
    await ping.send(0);
    await pong.recv();
  }
  ping.close();
  await echo;
  return await fired;
}

function contextTreeCancel(contexts: number): number {
  const [root, cancel] = context.withCancel(context.background());
  // A tree of fan-out 10: every context is a child of one created before it.
  const nodes: context.Context[] = [root];
  for (let i = 1; i < contexts; i++) {
    const [child] = context.withCancel(nodes[Math.floor((i - 1) / 10)]);
    nodes.push(child);
  }
  const start = performance.now();
  cancel();
  const elapsed = performance.now() - start;
  if (nodes[contexts - 1].err() !== context.Canceled) throw new Error("the tree was not cancelled");
  return elapsed;
}

const runtimeName = "Bun" in globalThis
  ? `Bun ${(globalThis as unknown as { Bun: { version: string } }).Bun.version}`
  : "Deno" in globalThis
  ? `Deno ${(globalThis as unknown as { Deno: { version: { deno: string } } }).Deno.version.deno}`
  : "unknown";

const roundTrips = 200_000;
const messages = 200_000;
const repeats = 7;

console.log(`primitives benchmark on ${runtimeName} (medians of ${repeats} alternating runs)\n`);
const rows: string[][] = [["scenario", "baseline", "primitives", "ratio", "target"]];
const ping = await compare((make) => pingPong(make, roundTrips), repeats);
rows.push([
  `unbuffered ping-pong, ${roundTrips / 1000}k round trips`,
  `${ping.baselineMs.toFixed(1)} ms`,
  `${ping.subjectMs.toFixed(1)} ms`,
  `${(ping.subjectMs / ping.baselineMs).toFixed(2)}x`,
  "<= 1.3x",
]);
const buffered = await compare((make) => stream(make, messages), repeats);
rows.push([
  `buffered stream (cap 64), ${messages / 1000}k messages`,
  `${buffered.baselineMs.toFixed(1)} ms`,
  `${buffered.subjectMs.toFixed(1)} ms`,
  `${(buffered.subjectMs / buffered.baselineMs).toFixed(2)}x`,
  "<= 1.5x",
]);
await selectFourChannels(20_000);
const selectRuns: number[] = [];
for (let i = 0; i < 3; i++) selectRuns.push(await selectFourChannels(100_000));
const selectNs = median(selectRuns);
rows.push(["select over 4 channels", "", `${selectNs.toFixed(0)} ns/op`, "", "report"]);
const latencies: number[] = [];
for (let i = 0; i < 5; i++) latencies.push(await timerLatencyDuringPingPong());
rows.push([
  "20 ms timer set during endless ping-pong",
  "",
  `fires at ${median(latencies).toFixed(1)} ms (worst ${Math.max(...latencies).toFixed(1)})`,
  "",
  "<= 25 ms",
]);
contextTreeCancel(10_000);
const cancelMs = median([0, 1, 2].map(() => contextTreeCancel(100_000)));
rows.push(["cancel a 100k-context tree", "", `${cancelMs.toFixed(1)} ms`, "", "report"]);

const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
for (const [index, row] of rows.entries()) {
  console.log(`| ${row.map((cell, column) => cell.padEnd(widths[column])).join(" | ")} |`);
  if (index === 0) console.log(`| ${widths.map((width) => "-".repeat(width)).join(" | ")} |`);
}
