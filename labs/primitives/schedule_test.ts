import { afterEach, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import process from "node:process";
import { fileURLToPath } from "node:url";
import FakeTimers from "@sinonjs/fake-timers";
import { Chan } from "./chan.ts";
import * as context from "./context.ts";
import { go, runtime } from "./runtime.ts";
import { recv, select } from "./select.ts";
import { pausesTaken, seedFromEnvironment } from "./schedule.ts";
import * as time from "./time.ts";
import * as sync from "./sync.ts";
import { realTurns, valueOf, watch } from "./testing.ts";
import { tracedProgram } from "./testdata/seeded_trace_fixture.ts";

const fixture = fileURLToPath(new URL("./testdata/seeded_trace_fixture.ts", import.meta.url));
const replayFixture = fileURLToPath(
  new URL("./testdata/seeded_replay_fixture.ts", import.meta.url),
);
// The folder holding deno.json, whose imports resolve the replay fixture's npm package.
const courseRoot = fileURLToPath(new URL("../..", import.meta.url));
const isDeno = "Deno" in globalThis;

/**
 * Runs a fixture (by default the trace fixture) as a program on `runtime`
 * ("deno" or "bun") with `env`, and `args` after the script.
 */
function runFixture(
  runtimeName: "deno" | "bun",
  env: Record<string, string>,
  denoFlags: string[] = ["--allow-env=PRIMITIVES_SEED"],
  script = fixture,
  args: string[] = [],
): { status: number | null; stdout: string; stderr: string } {
  // Deno's child_process rewrites the arguments of a spawned process.execPath
  // (adding permissions), so both runtimes are found on PATH by name.
  const command = runtimeName;
  const programArgs = runtimeName === "deno"
    ? ["run", "--quiet", ...denoFlags, script, ...args]
    : [script, ...args];
  const result = spawnSync(command, programArgs, {
    cwd: courseRoot,
    env: { PATH: process.env.PATH ?? "", ...env },
    encoding: "utf8",
  });
  if (result.error) throw new Error(`Cannot run ${runtimeName}: ${result.error.message}`);
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function traceOf(output: string): { seed: number | null; trace: string[] } {
  return JSON.parse(output.trim());
}

describe("seeded schedule", () => {
  let before: number | null;
  beforeEach(() => (before = runtime.seed()));
  afterEach(() => runtime.setSeed(before));

  it("replays the same trace of events when run twice under the same seed", async () => {
    for (const seed of [1, 42, 8841]) {
      runtime.setSeed(seed);
      const first = await tracedProgram();
      runtime.setSeed(seed);
      assert.deepEqual(await tracedProgram(), first, `seed ${seed} gave two different traces`);
    }
  });

  it("gives several distinct interleavings over twenty seeds", async () => {
    const traces = new Set<string>();
    for (let seed = 1; seed <= 20; seed++) {
      runtime.setSeed(seed);
      traces.add(JSON.stringify(await tracedProgram()));
    }
    assert.ok(traces.size >= 5, `only ${traces.size} distinct traces over 20 seeds`);
  });

  it("reports the seed it runs under, and null once seeding is off", () => {
    runtime.setSeed(8841);
    assert.equal(runtime.seed(), 8841);
    runtime.setSeed(null);
    assert.equal(runtime.seed(), null);
  });

  it("rejects a seed that is not a non-negative integer, saying what it got", () => {
    for (const bad of [-1, 1.5, Number.NaN]) {
      assert.throws(() => runtime.setSeed(bad), {
        name: "RangeError",
        message: `Cannot seed the schedule: the seed must be a non-negative integer, received ${
          String(bad)
        }`,
      });
    }
  });

  it("draws select's choice among ready cases from the seed", async () => {
    const choices = async (): Promise<number[]> => {
      const a = new Chan<number>(1);
      const b = new Chan<number>(1);
      const picked: number[] = [];
      for (let i = 0; i < 20; i++) {
        await a.send(0);
        await b.send(1);
        const first = await select([recv(a), recv(b)]);
        await select([recv(a), recv(b)]);
        picked.push(first.index);
      }
      return picked;
    };
    runtime.setSeed(5);
    const once = await choices();
    runtime.setSeed(5);
    assert.deepEqual(await choices(), once);
    assert.ok(once.includes(0) && once.includes(1), `select always picked ${once[0]}`);
  });

  it("never waits for a real turn under fake timers, so tickAsync keeps up", async () => {
    const clock = FakeTimers.install();
    try {
      runtime.setSeed(3);
      const ticks: number[] = [];
      go(async () => {
        for (let i = 1; i <= 5; i++) {
          await time.sleep(10);
          ticks.push(clock.now);
        }
      });
      for (let i = 0; i < 5; i++) await clock.tickAsync(10);
      assert.deepEqual(ticks, [10, 20, 30, 40, 50]);
    } finally {
      clock.uninstall();
    }
  });

  it("fires real timers due at the same instant in an order the seed picks", async () => {
    const orders = new Set<string>();
    for (let seed = 1; seed <= 20; seed++) {
      runtime.setSeed(seed);
      const fired: string[] = [];
      const all = new sync.WaitGroup();
      for (const name of ["a", "b", "c"]) {
        all.add(1);
        time.afterFunc(1, () => {
          fired.push(name);
          all.done();
        });
      }
      await all.wait();
      orders.add(fired.join(","));
    }
    assert.ok(orders.size >= 2, `always ${[...orders].join(" | ")}`);
  });

  it("lets a deadline and a timer due at the same fake instant go off in an order the seed picks", async () => {
    const orders = new Set<string>();
    const clock = FakeTimers.install();
    try {
      for (let seed = 1; seed <= 20; seed++) {
        runtime.setSeed(seed);
        const [ctx, cancel] = context.withTimeout(context.background(), 10);
        const timer = new time.Timer(10);
        const r = watch(select([recv(ctx.done()), recv(timer.c)]));
        clock.tick(10); // fires both at once; each then waits out its seeded pause
        await clock.tickAsync(0);
        orders.add(valueOf(r, `seed ${seed}: select`).index === 0 ? "deadline" : "timer");
        assert.equal(
          ctx.err(),
          context.DeadlineExceeded,
          `seed ${seed}: the deadline never passed`,
        );
        timer.stop();
        cancel();
      }
    } finally {
      clock.uninstall();
    }
    assert.deepEqual([...orders].sort(), ["deadline", "timer"]);
  });

  it("lets a cancel during a deadline's seeded pause win, with Canceled", async () => {
    const clock = FakeTimers.install();
    try {
      for (let seed = 1; seed <= 20; seed++) {
        runtime.setSeed(seed);
        const [ctx, cancel] = context.withTimeout(context.background(), 10);
        clock.tick(10); // the deadline is due; its cancel waits for the seed's pause
        assert.equal(ctx.err(), null, `seed ${seed}: the deadline passed without a pause`);
        cancel();
        await clock.tickAsync(0);
        assert.equal(
          ctx.err(),
          context.Canceled,
          `seed ${seed}: the first cancellation must stick`,
        );
      }
    } finally {
      clock.uninstall();
    }
  });

  it("lets a timer stopped before its seeded pause ends deliver nothing", async () => {
    const clock = FakeTimers.install();
    try {
      // Find a seed whose pause after firing is longer than one microtask.
      for (let seed = 1; seed <= 50; seed++) {
        runtime.setSeed(seed);
        const timer = new time.Timer(5);
        clock.tick(5); // fires, and the delivery waits for the seed's pause
        const stopped = timer.stop();
        await clock.tickAsync(0);
        const r = await select([recv(timer.c)], { default: true });
        if (stopped) assert.equal(r.index, -1, `seed ${seed}: a stopped timer delivered`);
        else assert.equal(r.index, 0, `seed ${seed}: a fired timer delivered nothing`);
      }
    } finally {
      clock.uninstall();
    }
  });

  it("lets realTurns().settle(1) wait until a seeded chain of hand-offs has finished", async () => {
    const { settle } = realTurns(1);
    for (let seed = 1; seed <= 10; seed++) {
      runtime.setSeed(seed);
      const ping = new Chan<number>();
      let received = 0;
      go(async () => {
        for (let i = 0; i < 20; i++) await ping.send(i);
      });
      go(async () => {
        for (let i = 0; i < 20; i++) received += (await ping.recv())[0] === i ? 1 : 0;
      });
      await settle(1);
      assert.equal(received, 20, `seed ${seed}: settle(1) returned mid-chain`);
    }
  });

  it("takes no pause without a seed, and some with one", async () => {
    runtime.setSeed(null);
    await tracedProgram();
    assert.equal(pausesTaken(), 0);
    runtime.setSeed(1);
    await tracedProgram();
    assert.ok(pausesTaken() > 0, "the seeded run took no pause");
  });

  it("keeps the default interleaving without a seed: a ready send resumes its caller first", async () => {
    runtime.setSeed(null);
    const order: string[] = [];
    const ch = new Chan<number>(1);
    go(() => order.push("task"));
    await ch.send(1);
    order.push("sender");
    await new Promise<void>((resolve) => setImmediate(resolve));
    assert.deepEqual(order, ["task", "sender"]);
  });
});

describe("PRIMITIVES_SEED", () => {
  it("seeds a program from the environment, the same trace on Deno and on Bun", () => {
    for (const seed of ["3", "8841"]) {
      const deno = runFixture("deno", { PRIMITIVES_SEED: seed });
      const bun = runFixture("bun", { PRIMITIVES_SEED: seed });
      assert.equal(deno.status, 0, deno.stderr);
      assert.equal(bun.status, 0, bun.stderr);
      assert.equal(traceOf(deno.stdout).seed, Number(seed));
      assert.deepEqual(traceOf(bun.stdout), traceOf(deno.stdout));
    }
  });

  it("replays one trace per seed on Deno and on Bun, whatever real turns the test waits on and whenever the collector runs", () => {
    // Ten runs per seed in one process, every other one forcing a collection
    // at each step, so that timer channels abandoned by a cancelled select
    // are reclaimed in some runs and not in others.
    for (const seed of ["1", "2", "3"]) {
      const deno = runFixture(
        "deno",
        {},
        ["--allow-read", "--v8-flags=--expose-gc"],
        replayFixture,
        [
          seed,
          "10",
        ],
      );
      const bun = runFixture("bun", {}, [], replayFixture, [seed, "10"]);
      assert.equal(deno.status, 0, deno.stderr);
      assert.equal(bun.status, 0, bun.stderr);
      const traces: string[][] = JSON.parse(deno.stdout);
      assert.equal(traces.length, 10);
      for (const [run, trace] of traces.entries()) {
        assert.deepEqual(
          trace,
          traces[0],
          `seed ${seed}: Deno's run ${run} differs from its first`,
        );
      }
      assert.deepEqual(
        JSON.parse(bun.stdout),
        traces,
        `seed ${seed}: Bun's runs differ from Deno's`,
      );
    }
  });

  it("is ignored on Deno without --allow-env, with neither a prompt nor an error", () => {
    const run = runFixture("deno", { PRIMITIVES_SEED: "3" }, ["--no-prompt"]);
    assert.equal(run.status, 0, run.stderr);
    assert.equal(traceOf(run.stdout).seed, null);
  });

  it("stops the program at load with a clear error when it is not a non-negative integer", () => {
    const run = runFixture(isDeno ? "deno" : "bun", { PRIMITIVES_SEED: "soon" });
    assert.notEqual(run.status, 0);
    assert.match(
      run.stderr,
      /Cannot seed the schedule: the environment variable PRIMITIVES_SEED must be a non-negative integer, received NaN/,
    );
  });

  it("reads as null in this test process when unset or unreadable", () => {
    if (process.env.PRIMITIVES_SEED === undefined) assert.equal(seedFromEnvironment(), null);
    else assert.equal(seedFromEnvironment(), Number(process.env.PRIMITIVES_SEED));
  });
});
