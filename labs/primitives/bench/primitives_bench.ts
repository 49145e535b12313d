/**
 * Benchmarks of the primitives against a baseline written here: the cheapest
 * promise hand-off queue that can carry the same traffic (no select, no close,
 * no leak tracking, no fairness yields).
 *
 * The baseline hands each receiver what `Chan.recv` must hand it, a fresh
 * `[value, true]` pair: allocating that pair is part of Go's `v, ok := <-ch`
 * as this API spells it, not an overhead of the primitives. A second
 * baseline hands the bare value; its ratio is shown too, as the distance to
 * the rawest hand-off a promise allows.
 *
 * Method. Every measurement runs in a fresh child process that exercises one
 * side only, so the scenario's call sites only ever see one kind of queue
 * (monomorphic for the baseline as for `Chan`: neither slows the other's
 * inline caches). A child makes one untimed warm-up pass, then times
 * `repeats` passes and reports their median. The parent alternates baseline
 * and primitives children for several rounds and reports, per scenario, the
 * ratio of each round (the two children of a round ran back to back on the
 * same, possibly busy, machine) with their median and range.
 *
 * Runs on Deno (`deno task bench`) and Bun
 * (`bun labs/primitives/bench/primitives_bench.ts`); `--rounds N` changes
 * the number of rounds (default 5).
 *
 * @module
 */
import { spawnSync } from "node:child_process";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { Chan, context, recv, select } from "../mod.ts";

const RESOLVED: Promise<void> = Promise.resolve();

/** A taker or putter parked on the baseline queue. */
interface Putter<T> {
  value: T;
  taken: () => void;
}

/**
 * The baseline: a bounded promise queue with plain properties; capacity 0 is
 * a rendezvous (send resolves when the value is taken). A receiver gets
 * `received(value)`: the pair `Chan` hands out, or the bare value.
 */
class BaselineQueue<T, R> {
  capacity: number;
  received: (value: T) => R;
  buffer: T[] = [];
  bufferHead = 0;
  takers: ((received: R) => void)[] = [];
  putters: Putter<T>[] = [];

  constructor(capacity: number, received: (value: T) => R) {
    this.capacity = capacity;
    this.received = received;
  }

  send(value: T): Promise<void> {
    const taker = this.takers.shift();
    if (taker !== undefined) {
      taker(this.received(value));
      return RESOLVED;
    }
    if (this.buffer.length - this.bufferHead < this.capacity) {
      this.buffer.push(value);
      return RESOLVED;
    }
    return new Promise((taken) => this.putters.push({ value, taken }));
  }

  recv(): Promise<R> {
    if (this.buffer.length > this.bufferHead) {
      const value = this.buffer[this.bufferHead++];
      if (this.bufferHead > 1024) {
        this.buffer.splice(0, this.bufferHead);
        this.bufferHead = 0;
      }
      const putter = this.putters.shift();
      if (putter !== undefined) {
        this.buffer.push(putter.value);
        putter.taken();
      }
      return Promise.resolve(this.received(value));
    }
    const putter = this.putters.shift();
    if (putter !== undefined) {
      putter.taken();
      return Promise.resolve(this.received(putter.value));
    }
    return new Promise((resolve) => this.takers.push(resolve));
  }
}

/** The operations a scenario needs, with the same names on the baseline and on `Chan`. */
interface Queue {
  send(value: number): Promise<void>;
  recv(): Promise<unknown>;
}

const sides: Record<string, (capacity: number) => Queue> = {
  baseline: (capacity) => new BaselineQueue(capacity, (value: number) => [value, true]),
  "value-only": (capacity) => new BaselineQueue(capacity, (value: number) => value),
  primitives: (capacity) => new Chan<number>(capacity),
};

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

async function selectFourChannels(operations: number): Promise<void> {
  const chans = [0, 1, 2, 3].map(() => new Chan<number>(16));
  const producer = (async () => {
    for (let i = 0; i < operations; i++) await chans[i % 4].send(i);
  })();
  const cases = chans.map((ch) => recv(ch));
  for (let i = 0; i < operations; i++) await select(cases);
  await producer;
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

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

const repeats = 5;
const operations = 200_000;

/** One timed pass: CPU time and wall time, in the scenario's unit. */
interface Sample {
  cpu: number;
  wall: number;
}

/**
 * Times one run per operation, in ns, two ways. The machine is shared, so
 * wall time partly measures the neighbours; the process's own CPU time
 * (user and system) is far steadier. The code under test is single-threaded,
 * but the host's GC helper threads are counted in CPU time, which charges
 * each side for the garbage it makes.
 */
async function timedNsPerOp(run: () => Promise<void>, ops: number): Promise<Sample> {
  const cpuStart = process.cpuUsage();
  const wallStart = performance.now();
  await run();
  const wall = performance.now() - wallStart;
  const cpu = process.cpuUsage(cpuStart);
  return { cpu: ((cpu.user + cpu.system) * 1e3) / ops, wall: (wall * 1e6) / ops };
}

/** A latency or a synchronous duration in ms: only wall time means anything. */
function wallOnly(ms: number): Sample {
  return { cpu: ms, wall: ms };
}

/** A child's work: one scenario on one side. */
type Scenario = (side: string) => Promise<Sample>;

const scenarios: Record<string, Scenario> = {
  "ping-pong": (side) => timedNsPerOp(() => pingPong(sides[side], operations), operations),
  buffered: (side) => timedNsPerOp(() => stream(sides[side], operations), operations),
  select: () => timedNsPerOp(() => selectFourChannels(100_000), 100_000),
  timer: async () => wallOnly(await timerLatencyDuringPingPong()),
  cancel: () => Promise.resolve(wallOnly(contextTreeCancel(100_000))),
};

/** What a child reports: the medians of its timed passes, and the worst wall time. */
interface Measured {
  cpu: number;
  wall: number;
  worst: number;
}

/** Runs one scenario on one side: a warm-up pass, then the timed ones; prints a {@linkcode Measured}. */
async function child(name: string, side: string): Promise<void> {
  const scenario = scenarios[name];
  await scenario(side); // warm-up, untimed
  const samples: Sample[] = [];
  for (let i = 0; i < repeats; i++) samples.push(await scenario(side));
  const measured: Measured = {
    cpu: median(samples.map((sample) => sample.cpu)),
    wall: median(samples.map((sample) => sample.wall)),
    worst: Math.max(...samples.map((sample) => sample.wall)),
  };
  console.log(JSON.stringify(measured));
}

const isDeno = "Deno" in globalThis;
const runtimeName = isDeno
  ? `Deno ${(globalThis as unknown as { Deno: { version: { deno: string } } }).Deno.version.deno}`
  : `Bun ${(globalThis as unknown as { Bun: { version: string } }).Bun.version}`;

/** Runs one child process on this runtime and returns what it measured. */
function measure(name: string, side: string): Measured {
  const file = fileURLToPath(import.meta.url);
  const args = isDeno
    ? ["run", "--allow-read", "--allow-env", file, "--child", name, side]
    : [file, "--child", name, side];
  const result = spawnSync(process.execPath, args, { encoding: "utf8" });
  if (result.status !== 0) {
    throw new Error(`benchmark child ${name}/${side} failed (${result.status}): ${result.stderr}`);
  }
  return JSON.parse(result.stdout);
}

function range(values: number[], digits: number, suffix: string): string {
  const low = Math.min(...values).toFixed(digits);
  const high = Math.max(...values).toFixed(digits);
  return `${median(values).toFixed(digits)}${suffix} (${low}-${high})`;
}

function parent(rounds: number): void {
  console.log(
    `primitives benchmark on ${runtimeName}: ${rounds} rounds, each side in a fresh process, ` +
      `warm-up then median of ${repeats} passes; median (range over rounds); ` +
      "ns/op in process CPU time, ratio also in wall time; the baseline hands receivers " +
      "[value, true] as Chan does, the value-only one the bare value\n",
  );
  const rows: string[][] = [[
    "scenario",
    "baseline",
    "primitives",
    "ratio (CPU)",
    "ratio (wall)",
    "vs value-only (CPU)",
    "target",
  ]];
  const compared = ["baseline", "primitives", "value-only"];
  for (
    const [name, label, target] of [
      ["ping-pong", "unbuffered ping-pong", "<= 1.3x"],
      ["buffered", "buffered stream, cap 64", "<= 1.5x"],
    ]
  ) {
    const runs: Record<string, Measured[]> = { baseline: [], primitives: [], "value-only": [] };
    for (let round = 0; round < rounds; round++) {
      // Rotate which side goes first, so a load spike does not favour one.
      for (let k = 0; k < compared.length; k++) {
        const side = compared[(round + k) % compared.length];
        runs[side].push(measure(name, side));
      }
    }
    const { baseline: base, primitives: prim, "value-only": raw } = runs;
    rows.push([
      label,
      range(base.map((m) => m.cpu), 0, " ns/op"),
      range(prim.map((m) => m.cpu), 0, " ns/op"),
      range(prim.map((m, i) => m.cpu / base[i].cpu), 2, "x"),
      range(prim.map((m, i) => m.wall / base[i].wall), 2, "x"),
      range(prim.map((m, i) => m.cpu / raw[i].cpu), 2, "x"),
      target,
    ]);
  }
  const selects = Array.from({ length: rounds }, () => measure("select", "primitives"));
  rows.push([
    "select over 4 channels",
    "",
    `${range(selects.map((m) => m.cpu), 0, " ns/op")}, wall ${
      range(selects.map((m) => m.wall), 0, "")
    }`,
    "",
    "",
    "",
    "no worse",
  ]);
  const timers = Array.from({ length: rounds }, () => measure("timer", "primitives"));
  rows.push([
    "20 ms timer during endless ping-pong",
    "",
    `fires at ${range(timers.map((m) => m.wall), 1, " ms")}, worst ${
      Math.max(...timers.map((m) => m.worst)).toFixed(1)
    } ms`,
    "",
    "",
    "",
    "<= 25 ms",
  ]);
  const cancels = Array.from({ length: rounds }, () => measure("cancel", "primitives"));
  rows.push([
    "cancel a 100k-context tree",
    "",
    range(cancels.map((m) => m.wall), 1, " ms"),
    "",
    "",
    "",
    "no worse",
  ]);

  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  for (const [index, row] of rows.entries()) {
    console.log(`| ${row.map((cell, column) => cell.padEnd(widths[column])).join(" | ")} |`);
    if (index === 0) console.log(`| ${widths.map((width) => "-".repeat(width)).join(" | ")} |`);
  }
}

const argv = process.argv.slice(2);
const childAt = argv.indexOf("--child");
if (childAt !== -1) {
  await child(argv[childAt + 1], argv[childAt + 2]);
} else {
  const roundsAt = argv.indexOf("--rounds");
  parent(roundsAt === -1 ? 5 : Number(argv[roundsAt + 1]));
}
