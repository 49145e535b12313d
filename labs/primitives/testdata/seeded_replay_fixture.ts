// A workload shaped like the labs' hidden tests, for the replay test: tasks
// that hand values over channels and also wait on real turns of the event
// loop, a test body that settles between steps, and, under fake timers, tasks
// racing time.after against a context that is cancelled first, leaving timer
// channels nobody refers to, which the garbage collector may reclaim at any
// moment. Run as a program with a seed and a number of repetitions, it runs
// the workload that many times under that seed, forcing a collection at
// every step in every other repetition, and prints the traces as JSON. Needs
// a forced GC for the collections: Deno with --v8-flags=--expose-gc, or Bun.
import process from "node:process";
import FakeTimers from "@sinonjs/fake-timers";
import { Chan } from "../chan.ts";
import * as context from "../context.ts";
import { go, runtime } from "../runtime.ts";
import { pausesTaken } from "../schedule.ts";
import { recv, select } from "../select.ts";
import { nextTurn, realTurns } from "../testing.ts";
import * as time from "../time.ts";
import { WaitGroup } from "../wait_group.ts";

const host = globalThis as unknown as { gc?: () => void; Bun?: { gc(force: boolean): void } };

/** A full collection now, or `null` when the host does not expose one. */
export const collectGarbage: (() => void) | null = host.gc ??
  (host.Bun === undefined ? null : () => host.Bun!.gc(true));

/**
 * Runs the workload once and returns what happened, in order, ending with the
 * number of seeded pauses taken. `collect` runs between steps.
 */
export async function mixedWorkload(collect: () => void): Promise<string[]> {
  const trace: string[] = [];
  const { advance, settle } = realTurns(2);

  // Workers that wait on real turns between channel operations, as a lab
  // test's fake work does, while the body settles every other result.
  const jobs = new Chan<number>(2);
  const results = new Chan<string>();
  const workers = new WaitGroup();
  for (const name of ["a", "b", "c"]) {
    workers.add(1);
    go(async () => {
      for await (const job of jobs) {
        await nextTurn();
        await results.send(`${name} did ${job}`);
      }
      workers.done();
    });
  }
  go(async () => {
    for (let job = 0; job < 6; job++) await jobs.send(job);
    jobs.close();
  });
  go(async () => {
    await workers.wait();
    results.close();
  });
  let received = 0;
  for await (const result of results) {
    trace.push(result);
    if (++received % 2 === 0) {
      collect();
      await settle(1);
    }
  }

  // Under fake timers: waits that race a timer against a context cancelled
  // before most timers are due, so their time.after channels become garbage.
  const clock = FakeTimers.install();
  try {
    const [ctx, cancel] = context.withCancel(context.background());
    for (let i = 0; i < 6; i++) {
      go(async () => {
        const r = await select([recv(time.after(5 * (i + 1))), recv(ctx.done())]);
        trace.push(`wait ${i} ${r.index === 0 ? "timed out" : "cancelled"} at ${clock.now}`);
      });
    }
    await advance(clock, 12);
    cancel();
    await settle();
    for (let step = 0; step < 3; step++) {
      collect();
      await settle();
    }
    await advance(clock, 30);
  } finally {
    clock.uninstall();
  }
  trace.push(`${pausesTaken()} pauses`);
  return trace;
}

if (import.meta.main) {
  const [seed, repetitions] = process.argv.slice(2).map(Number);
  if (collectGarbage === null) throw new Error("run with --v8-flags=--expose-gc (Deno) or on Bun");
  const traces: string[][] = [];
  for (let i = 0; i < repetitions; i++) {
    runtime.setSeed(seed);
    traces.push(await mixedWorkload(i % 2 === 1 ? collectGarbage : () => {}));
  }
  console.log(JSON.stringify(traces));
}
