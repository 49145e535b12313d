/**
 * Part 5's benchmark (given): four Workers each add to their own counter,
 * with the counters adjacent (one shared cache line) and padded (a line
 * each), and the time each layout takes is printed. It reports and never
 * asserts: timings depend on the machine, its load and its cache line size.
 *
 * ```sh
 * deno run --allow-read labs/02-memory-model/false_sharing_bench.ts
 * bun labs/02-memory-model/false_sharing_bench.ts
 * ```
 *
 * @example
 * ```ts ignore
 * // Run it as a program (see above); importing it runs the benchmark.
 * import "./false_sharing_bench.ts";
 * ```
 * @module
 */
import { counterBytes, counterIndex, type Layout } from "./false_sharing.ts";
import { WorkerGroup } from "./worker_group.ts";

const WORKERS = Math.max(2, Math.min(4, navigator.hardwareConcurrency));
const TIMES = 5_000_000;
const ROUNDS = 5;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** One round: the slowest Worker's loop time, in ms (the round lasts that long). */
async function round(group: WorkerGroup, layout: Layout): Promise<number> {
  const buffer = new SharedArrayBuffer(counterBytes(WORKERS, layout));
  const jobs = Array.from({ length: WORKERS }, (_, worker) => ({
    kind: "hits" as const,
    worker,
    layout,
    times: TIMES,
  }));
  const times = await group.run(jobs, buffer, 120_000);
  const cells = new Int32Array(buffer);
  for (let worker = 0; worker < WORKERS; worker++) {
    const count = cells[counterIndex(worker, layout)];
    if (count !== TIMES) {
      throw new Error(`${layout}: Worker ${worker} counted ${count}, not ${TIMES}`);
    }
  }
  return Math.max(...times);
}

const cores = navigator.hardwareConcurrency;
console.log(
  `${WORKERS} Workers x ${TIMES} Atomics.add each, ${ROUNDS} rounds per layout, ${cores} cores`,
);
const group = await WorkerGroup.start(WORKERS);
try {
  const results: Record<Layout, number[]> = { adjacent: [], padded: [] };
  // Alternate the layouts, so that a change in the machine's load hits both alike.
  for (let r = 0; r < ROUNDS; r++) {
    for (const layout of ["adjacent", "padded"] as const) {
      results[layout].push(await round(group, layout));
    }
  }
  for (const layout of ["adjacent", "padded"] as const) {
    const ms = median(results[layout]);
    const ns = (ms * 1e6) / TIMES;
    console.log(
      `${layout.padEnd(8)}  median ${ms.toFixed(0).padStart(6)} ms   ${ns.toFixed(1)} ns per add`,
    );
  }
  const ratio = median(results.adjacent) / median(results.padded);
  console.log(`adjacent / padded: ${ratio.toFixed(2)}x`);
} finally {
  group.terminate();
}
