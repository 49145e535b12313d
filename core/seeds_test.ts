import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  allowSeedVariable,
  exploreSeeds,
  failingTests,
  MAX_SEED,
  parseSeed,
  parseSeedCount,
  randomSeed,
  replayCommand,
  runSeedBatch,
  SEED_VARIABLE,
  seedEnv,
  seedRange,
} from "./seeds.ts";
import { SEED_VARIABLE as PRIMITIVES_SEED_VARIABLE } from "../labs/primitives/schedule.ts";
import type { TestRun } from "./test_runner.ts";
import { copyTree, fileUrlToPath, forgetTranspiled, joinPath } from "./lab_env.ts";

/** A finished run with one test, passing or failing. */
function runWith(passed: boolean): TestRun {
  return {
    results: [{
      name: "pipeline > closes",
      leaf: "closes",
      groups: ["pipeline"],
      status: passed ? "passed" : "failed",
    }],
    exitCode: passed ? 0 : 1,
    timedOut: false,
    aborted: false,
    strayOutput: [],
  };
}

describe("seed options", () => {
  it("hands the seed over in the variable the primitives' scheduler reads", () => {
    assert.equal(SEED_VARIABLE, PRIMITIVES_SEED_VARIABLE);
    assert.deepEqual(seedEnv(7), { [PRIMITIVES_SEED_VARIABLE]: "7" });
  });

  it("reads a seed from 0 to 2^32-1 and names the option when it is anything else", () => {
    assert.equal(parseSeed("8841", "--seed"), 8841);
    assert.equal(parseSeed("0", "--seed"), 0);
    assert.equal(parseSeed(String(MAX_SEED), "--seed"), MAX_SEED);
    for (const bad of ["-1", "1.5", "abc", "", String(MAX_SEED + 1)]) {
      assert.throws(() => parseSeed(bad, "--seed"), {
        message: `--seed must be a whole number from 0 to ${MAX_SEED}, not "${bad}"`,
      });
    }
  });

  it("lets a run read PRIMITIVES_SEED, in the one --allow-env flag it may already have", () => {
    assert.deepEqual(allowSeedVariable(["--no-prompt", "--allow-read=/s"]), [
      "--no-prompt",
      "--allow-read=/s",
      "--allow-env=PRIMITIVES_SEED",
    ]);
    assert.deepEqual(allowSeedVariable(["--no-prompt", "--allow-env=PORT", "--allow-net=h"]), [
      "--no-prompt",
      "--allow-env=PORT,PRIMITIVES_SEED",
      "--allow-net=h",
    ]);
    assert.deepEqual(allowSeedVariable(["--allow-env=PRIMITIVES_SEED"]), [
      "--allow-env=PRIMITIVES_SEED",
    ]);
    assert.deepEqual(allowSeedVariable(["--allow-env"]), ["--allow-env"]);
  });

  it("reads a count of seeds from 1 to 100000", () => {
    assert.equal(parseSeedCount("200", "--explore"), 200);
    for (const bad of ["0", "100001", "ten"]) {
      assert.throws(() => parseSeedCount(bad, "--explore"), /--explore must be a number of seeds/);
    }
  });

  it("hands the seed to the tests through PRIMITIVES_SEED and replays it with --seed", () => {
    assert.deepEqual(seedEnv(8841), { PRIMITIVES_SEED: "8841" });
    assert.equal(replayCommand("04", 8841), "deno task lab 04 --seed 8841");
    assert.deepEqual(seedRange(5, 3), [5, 6, 7]);
    for (let i = 0; i < 100; i++) {
      const seed = randomSeed();
      assert.ok(Number.isInteger(seed) && seed >= 1 && seed <= 99_999, `random seed ${seed}`);
    }
  });
});

describe("exploreSeeds", () => {
  it("type-checks on the first run only and tries every seed when all pass", async () => {
    const calls: [number, boolean][] = [];
    const found = await exploreSeeds({
      seeds: seedRange(1, 10),
      concurrency: 3,
      run: async (seed, typeCheck) => {
        calls.push([seed, typeCheck]);
        await Promise.resolve();
        return runWith(true);
      },
    });
    assert.deepEqual(found, { tried: 10, failures: [], unreplayable: [], batched: false });
    assert.deepEqual(calls[0], [1, true]);
    assert.ok(calls.slice(1).every(([, typeCheck]) => !typeCheck), "a later run type-checked");
    assert.deepEqual(calls.map(([seed]) => seed).sort((a, b) => a - b), seedRange(1, 10));
  });

  it("stops starting runs after the first failing seed and reports it", async () => {
    const found = await exploreSeeds({
      seeds: seedRange(1, 200),
      concurrency: 2,
      run: async (seed) => {
        await Promise.resolve();
        return runWith(seed !== 7);
      },
    });
    assert.deepEqual(found.failures.map((failure) => failure.seed), [7]);
    assert.ok(found.tried >= 7 && found.tried <= 9, `tried ${found.tried} seeds`);
    assert.deepEqual(failingTests(found.failures[0].run), ["pipeline > closes"]);
  });

  it("keeps going past failures when asked, listing them in seed order", async () => {
    const found = await exploreSeeds({
      seeds: seedRange(1, 12),
      concurrency: 2,
      stopAtFirstFailure: false,
      run: async (seed) => {
        await new Promise((resolve) => setTimeout(resolve, seed % 3));
        return runWith(seed % 4 !== 0);
      },
    });
    assert.equal(found.tried, 12);
    assert.deepEqual(found.failures.map((failure) => failure.seed), [4, 8, 12]);
  });

  it("runs the later seeds in batches and replays alone only the seeds a batch flags", async () => {
    const alone: number[] = [];
    const batches: number[][] = [];
    const found = await exploreSeeds({
      seeds: seedRange(1, 120),
      concurrency: 2,
      batchSize: 50,
      run: (seed) => {
        alone.push(seed);
        return Promise.resolve(runWith(seed !== 77));
      },
      batch: (seeds) => {
        batches.push(seeds);
        return Promise.resolve({
          failing: seeds.filter((seed) => seed === 30 || seed === 77 || seed === 90),
          unfinished: [],
        });
      },
    });
    assert.deepEqual(batches.map((b) => [b[0], b.at(-1)]), [[1, 1], [2, 51], [52, 101], [
      102,
      120,
    ]]);
    assert.deepEqual(alone, [1, 30, 77], "replayed more than the first seed and the flagged ones");
    assert.equal(found.tried, 120);
    assert.deepEqual(found.failures.map((failure) => failure.seed), [77]);
    assert.deepEqual(found.unreplayable, [30]);
    assert.equal(found.batched, true);
  });

  it("gives up batching once two seeds fail in a batch but pass alone, and runs the rest alone", async () => {
    const alone: number[] = [];
    const found = await exploreSeeds({
      seeds: seedRange(1, 8),
      concurrency: 1,
      batchSize: 4,
      run: (seed) => {
        alone.push(seed);
        return Promise.resolve(runWith(true));
      },
      // Clean while a batch holds the first seed only; later, every seed after the first fails.
      batch: (seeds) =>
        Promise.resolve({ failing: seeds[0] === 1 ? [] : seeds.slice(1), unfinished: [] }),
    });
    assert.deepEqual(alone, [1, 3, 4, 2, 5, 6, 7, 8]);
    assert.deepEqual(found, { tried: 8, failures: [], unreplayable: [3, 4], batched: false });
  });

  it("gives every seed a process of its own when the first seed fails twice in one batch", async () => {
    const alone: number[] = [];
    const found = await exploreSeeds({
      seeds: seedRange(1, 6),
      concurrency: 2,
      run: (seed) => {
        alone.push(seed);
        return Promise.resolve(runWith(true));
      },
      batch: (seeds) => Promise.resolve({ failing: seeds.slice(1), unfinished: [] }),
    });
    assert.deepEqual(alone.sort((a, b) => a - b), seedRange(1, 6));
    assert.deepEqual(found, { tried: 6, failures: [], unreplayable: [], batched: false });
  });

  it("replays alone the seeds a broken batch never reached", async () => {
    const alone: number[] = [];
    const found = await exploreSeeds({
      seeds: seedRange(1, 5),
      concurrency: 1,
      run: (seed) => {
        alone.push(seed);
        return Promise.resolve(runWith(true));
      },
      batch: (seeds) =>
        Promise.resolve(
          seeds[0] === 1 ? { failing: [], unfinished: [] } : {
            failing: [3],
            unfinished: [4, 5],
          },
        ),
    });
    assert.deepEqual(alone, [1, 3, 4, 5]);
    assert.deepEqual(found, { tried: 5, failures: [], unreplayable: [3], batched: true });
  });

  it("tries nothing more when the first run could not run any test", async () => {
    let runs = 0;
    const found = await exploreSeeds({
      seeds: seedRange(1, 50),
      concurrency: 2,
      run: () => {
        runs++;
        return Promise.resolve({
          ...runWith(false),
          results: [],
          problem: { headline: "the code does not type-check, so no test ran", details: [] },
        });
      },
    });
    assert.equal(runs, 1);
    assert.deepEqual(failingTests(found.failures[0].run), [
      "the code does not type-check, so no test ran",
    ]);
  });
});

describe("runSeedBatch", { skip: typeof Deno === "undefined" && "needs Deno" }, () => {
  it("runs every seed in one process and flags exactly the seed a test fails under", async () => {
    const dir = await Deno.makeTempDir({ prefix: "seed-batch-test-" });
    try {
      const root = fileUrlToPath(new URL("..", import.meta.url));
      await copyTree(joinPath(root, "labs", "primitives"), joinPath(dir, "labs", "primitives"));
      await Deno.mkdir(joinPath(dir, "labs", "lab"));
      await Deno.writeTextFile(
        joinPath(dir, "labs", "lab", "seed_test.ts"),
        'import { it } from "node:test";\nimport { runtime } from "../primitives/mod.ts";\n' +
          'it("fails under seed 3 only", () => {\n' +
          '  if (runtime.seed() === 3) throw new Error("seed 3");\n' +
          "});\n",
      );
      const outcome = await runSeedBatch({
        cwd: dir,
        primitives: "labs/primitives",
        files: ["labs/lab/seed_test.ts"],
        seeds: [2, 3, 4],
        permissions: (batchDir) => ["--no-prompt", `--allow-read=${dir},${batchDir}`],
        timeoutMs: 60_000,
      });
      assert.deepEqual(outcome, { failing: [3], unfinished: [] });
    } finally {
      await Deno.remove(dir, { recursive: true });
      await forgetTranspiled([dir]); // it ran there: Deno's cache keeps a copy
    }
  });
});
