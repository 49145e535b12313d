/**
 * CPU time of this process and everything it starts, read from a Linux
 * control group made for it, so that the grading benchmark can say what a
 * class costs in CPU seconds whatever else the machine is doing. Wall time on
 * a shared machine swings with its load; the CPU time of the same work barely
 * moves, and CPU seconds divided by cores is the least wall time any
 * scheduling of the work can reach.
 *
 * Sandboxes run in pid namespaces (isolation.ts), whose processes the usual
 * `getrusage` children's totals never see; a control group counts them all.
 * Making one needs a writable cgroup file system (root, or a delegated
 * group) and, from Deno, `--allow-all` (Deno guards writes under /sys behind
 * it, whatever `--allow-write` says): where either is missing,
 * {@linkcode openCpuMeter} resolves to `undefined` and the benchmark reports
 * wall time alone.
 *
 * @example
 * ```ts
 * import { openCpuMeter } from "./cpu_meter.ts";
 * const meter = await openCpuMeter();
 * if (meter) {
 *   const before = await meter.readMs();
 *   // … work, child processes included …
 *   console.log(`${(await meter.readMs()) - before} ms of CPU`);
 *   await meter.close();
 * }
 * ```
 * @module
 */

/** Reads the CPU time of a control group. */
export interface CpuMeter {
  /** Where the time is read from, for the report: `"cgroup v1 cpuacct"` or `"cgroup v2"`. */
  source: string;
  /** CPU time (user and system, every process of the group) so far, in milliseconds. */
  readMs(): Promise<number>;
  /** Moves this process back where it was and removes the group (once it is empty). */
  close(): Promise<void>;
}

/**
 * The milliseconds in a cgroup v2 `cpu.stat` (its `usage_usec` line).
 *
 * @throws {Error} when the text has no `usage_usec` line.
 * @example
 * ```ts
 * import { cpuStatMs } from "./cpu_meter.ts";
 * cpuStatMs("usage_usec 2500000\nuser_usec 2000000\n"); // → 2500
 * ```
 */
export function cpuStatMs(text: string): number {
  const match = /^usage_usec (\d+)$/m.exec(text);
  if (match === null) throw new Error(`cpu.stat has no usage_usec line: ${text.slice(0, 80)}`);
  return Number(match[1]) / 1000;
}

/**
 * This process's cgroup v2 path (the `0::` line of `/proc/self/cgroup`), or
 * `undefined` when it has none.
 *
 * @example
 * ```ts
 * import { unifiedCgroup } from "./cpu_meter.ts";
 * unifiedCgroup("4:memory:/x\n0::/user.slice/session-2.scope\n"); // → "/user.slice/session-2.scope"
 * ```
 */
export function unifiedCgroup(procSelfCgroup: string): string | undefined {
  return /^0::(\/.*)$/m.exec(procSelfCgroup)?.[1];
}

async function joinGroup(parent: string, name: string): Promise<string> {
  const dir = `${parent}/${name}`;
  await Deno.mkdir(dir);
  try {
    await Deno.writeTextFile(`${dir}/cgroup.procs`, `${Deno.pid}\n`);
  } catch (error) {
    await Deno.remove(dir).catch(() => {});
    throw error;
  }
  return dir;
}

async function leaveGroup(parent: string, dir: string): Promise<void> {
  await Deno.writeTextFile(`${parent}/cgroup.procs`, `${Deno.pid}\n`).catch(() => {});
  // A sandbox's process that outlived its run keeps the group; it is empty by the next run.
  await Deno.remove(dir).catch(() => {});
}

/**
 * Puts this process in a new control group and returns a meter of the group's
 * CPU time, or `undefined` when the machine does not let it make one.
 *
 * @example
 * ```ts
 * import { openCpuMeter } from "./cpu_meter.ts";
 * const meter = await openCpuMeter();
 * console.log(meter ? `measuring with ${meter.source}` : "wall time only");
 * await meter?.close();
 * ```
 */
export async function openCpuMeter(): Promise<CpuMeter | undefined> {
  if (Deno.build.os !== "linux") return undefined;
  const name = `grade-bench-${Deno.pid}`;
  const v1 = "/sys/fs/cgroup/cpuacct";
  try {
    const dir = await joinGroup(v1, name);
    return {
      source: "cgroup v1 cpuacct",
      readMs: async () => Number(await Deno.readTextFile(`${dir}/cpuacct.usage`)) / 1e6,
      close: () => leaveGroup(v1, dir),
    };
  } catch {
    // No cgroup v1 accounting here; try the unified hierarchy.
  }
  try {
    const own = unifiedCgroup(await Deno.readTextFile("/proc/self/cgroup"));
    if (own === undefined) return undefined;
    const parent = `/sys/fs/cgroup${own === "/" ? "" : own}`;
    const dir = await joinGroup(parent, name);
    return {
      source: "cgroup v2",
      readMs: async () => cpuStatMs(await Deno.readTextFile(`${dir}/cpu.stat`)),
      close: () => leaveGroup(parent, dir),
    };
  } catch {
    return undefined;
  }
}
