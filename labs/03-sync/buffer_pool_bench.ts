/**
 * Lab 03, part 3: what the buffer pool saves, measured.
 *
 *     deno run labs/03-sync/buffer_pool_bench.ts
 *     bun labs/03-sync/buffer_pool_bench.ts
 *
 * Renders the same fake responses two ways: the baseline allocates a fresh
 * {@linkcode ByteBuffer} per request (its own code path, not the pool with a
 * switch turned off), the pooled run takes one from a {@linkcode BufferPool}
 * and gives it back. Both run the same warm-up rounds first, so that the JIT
 * has compiled both paths before anything is timed; then measured rounds
 * alternate between them (which goes first alternates too) and the report
 * gives medians, which one slow round cannot move. It reports and never
 * judges: timings depend on the machine, the runtime and the garbage
 * collector, and the allocation counts are the part that is certain.
 *
 * @module
 */
import { BufferPool, ByteBuffer } from "./buffer_pool.ts";

/**
 * How big the benchmark is.
 *
 * @example
 * ```ts
 * import type { BenchOptions } from "./buffer_pool_bench.ts";
 *
 * const quick: BenchOptions = { requests: 100, bodyBytes: 8192, warmupRounds: 2, rounds: 5 };
 * ```
 */
export interface BenchOptions {
  /** Responses rendered per round. */
  requests: number;
  /** The size of each response body. */
  bodyBytes: number;
  /** Untimed rounds of each side before measuring. */
  warmupRounds: number;
  /** Timed rounds of each side. */
  rounds: number;
}

/**
 * One side's results.
 *
 * @example
 * ```ts
 * import type { BenchSide } from "./buffer_pool_bench.ts";
 *
 * const side: BenchSide = { medianRoundMs: 2.5, nsPerRequest: 25_000, buffersCreated: 500 };
 * ```
 */
export interface BenchSide {
  /** The median time of one timed round. */
  medianRoundMs: number;
  /** That median divided by the requests of a round, in nanoseconds. */
  nsPerRequest: number;
  /** Buffers allocated over all rounds, warm-up included. */
  buffersCreated: number;
}

/**
 * What {@linkcode runBenchmark} measured.
 *
 * @example
 * ```ts
 * import { runBenchmark } from "./buffer_pool_bench.ts";
 *
 * const report = runBenchmark({ requests: 10, bodyBytes: 256, warmupRounds: 1, rounds: 3 });
 * console.log(report.baseline.buffersCreated, report.pooled.buffersCreated);
 * ```
 */
export interface BenchReport {
  options: BenchOptions;
  baseline: BenchSide;
  pooled: BenchSide;
  /** A checksum of every response rendered, so that no work can be optimised away. */
  checksum: number;
}

const INITIAL_CAPACITY = 4096;
const header = new TextEncoder().encode("HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n\r\n");

/** Renders one response into `buffer` and returns a checksum of it. */
function render(buffer: ByteBuffer, body: Uint8Array, request: number): number {
  buffer.write(header);
  buffer.writeString(`request ${request}\n`);
  buffer.write(body);
  const bytes = buffer.bytes();
  let sum = bytes.length;
  for (let i = 0; i < bytes.length; i += 64) sum = (sum * 31 + bytes[i]) | 0;
  return sum;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/**
 * Runs both sides as {@linkcode BenchOptions} says and reports medians and
 * allocation counts. Asserts nothing about time.
 *
 * @throws {RangeError} when an option is not a whole number (`requests`,
 *   `bodyBytes` and `rounds` at least 1).
 *
 * @example
 * ```ts
 * import { runBenchmark } from "./buffer_pool_bench.ts";
 *
 * const report = runBenchmark({ requests: 20, bodyBytes: 1024, warmupRounds: 1, rounds: 3 });
 * console.log(`${report.pooled.nsPerRequest.toFixed(0)} ns per pooled request`);
 * ```
 */
export function runBenchmark(options: BenchOptions): BenchReport {
  for (const key of ["requests", "bodyBytes", "warmupRounds", "rounds"] as const) {
    const min = key === "warmupRounds" ? 0 : 1;
    if (!Number.isSafeInteger(options[key]) || options[key] < min) {
      throw new RangeError(
        `runBenchmark: ${key} must be an integer >= ${min}, received ${options[key]}`,
      );
    }
  }
  const body = new Uint8Array(options.bodyBytes).fill(0x61);
  const pool = new BufferPool({ initialCapacity: INITIAL_CAPACITY, maxCapacity: 1 << 24 });
  let baselineCreated = 0;
  let checksum = 0;

  const baselineRound = (): void => {
    for (let i = 0; i < options.requests; i++) {
      const buffer = new ByteBuffer(INITIAL_CAPACITY);
      baselineCreated++;
      checksum ^= render(buffer, body, i);
    }
  };
  const pooledRound = (): void => {
    for (let i = 0; i < options.requests; i++) {
      const buffer = pool.get();
      try {
        checksum ^= render(buffer, body, i);
      } finally {
        pool.put(buffer);
      }
    }
  };
  const timed = (round: () => void): number => {
    const start = performance.now();
    round();
    return performance.now() - start;
  };

  for (let i = 0; i < options.warmupRounds; i++) {
    baselineRound();
    pooledRound();
  }
  const baselineMs: number[] = [];
  const pooledMs: number[] = [];
  for (let i = 0; i < options.rounds; i++) {
    if (i % 2 === 0) {
      baselineMs.push(timed(baselineRound));
      pooledMs.push(timed(pooledRound));
    } else {
      pooledMs.push(timed(pooledRound));
      baselineMs.push(timed(baselineRound));
    }
  }
  const side = (ms: number[], buffersCreated: number): BenchSide => ({
    medianRoundMs: median(ms),
    nsPerRequest: (median(ms) * 1e6) / options.requests,
    buffersCreated,
  });
  return {
    options,
    baseline: side(baselineMs, baselineCreated),
    pooled: side(pooledMs, pool.stats.created),
    checksum,
  };
}

if (import.meta.main) {
  const options = { requests: 2000, bodyBytes: 32 * 1024, warmupRounds: 5, rounds: 21 };
  const report = runBenchmark(options);
  const line = (name: string, side: BenchSide) =>
    `${name.padEnd(9)} ${side.nsPerRequest.toFixed(0).padStart(9)} ns/request  ` +
    `${side.buffersCreated.toString().padStart(7)} buffers allocated`;
  console.log(
    `${options.requests} responses of ${options.bodyBytes} bytes per round, ` +
      `${options.warmupRounds} warm-up rounds, median of ${options.rounds}:`,
  );
  console.log(line("baseline", report.baseline));
  console.log(line("pooled", report.pooled));
  const ratio = report.baseline.nsPerRequest / report.pooled.nsPerRequest;
  console.log(
    `pooled is ${ratio.toFixed(2)}x the baseline's speed on this machine ` +
      `(a ratio below 1 means the pool costs more than it saves here)`,
  );
}
