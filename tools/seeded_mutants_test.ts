// The seeded scheduler finds what a single run misses: each known-wrong
// solution in tools/testdata/seeded/<lab>/<mutant>/ passes its lab's public
// tests on the default schedule, fails them under some seed from 1 to 200,
// and fails again when that seed is replayed.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { findLab, type LabEntry, permissionFlags } from "../core/course.ts";
import {
  coursePaths,
  createSandbox,
  joinPath,
  listFiles,
  loadCourse,
  parallelism,
} from "../core/lab_env.ts";
import {
  allowSeedVariable,
  exploreSeeds,
  failingTests,
  runSeedBatch,
  seedEnv,
  seedRange,
} from "../core/seeds.ts";
import { runPassed, runTests, type TestRun } from "../core/test_runner.ts";
import { patchedFiles } from "./mutant_patch.ts";

const onDeno = typeof Deno !== "undefined";
const fixtures = onDeno ? new URL("./testdata/seeded/", import.meta.url).pathname : "";
const paths = onDeno ? coursePaths(new URL("..", import.meta.url).pathname) : undefined;

interface Mutant {
  slug: string;
  id: string;
  dir: string;
  /** The patches, `<student file>.patch`. */
  files: string[];
}

/** Every fixture, as `<lab slug>/<mutant id>/<student file>.patch` (see mutant_patch.ts). */
function listMutants(): Mutant[] {
  if (!onDeno) return [];
  const mutants: Mutant[] = [];
  for (const lab of Deno.readDirSync(fixtures)) {
    if (!lab.isDirectory) continue;
    for (const mutant of Deno.readDirSync(joinPath(fixtures, lab.name))) {
      if (!mutant.isDirectory) continue;
      const dir = joinPath(fixtures, lab.name, mutant.name);
      const files = [...Deno.readDirSync(dir)].map((entry) => entry.name).sort();
      mutants.push({ slug: lab.name, id: mutant.name, dir, files });
    }
  }
  return mutants.sort((a, b) => `${a.slug}/${a.id}`.localeCompare(`${b.slug}/${b.id}`));
}

describe("seeded mutants", { skip: !onDeno && "needs Deno" }, () => {
  it("exist for every lab the seed reaches (01 to 06), each patch starting with its one-line description", async () => {
    const mutants = listMutants();
    assert.deepEqual([...new Set(mutants.map((mutant) => mutant.slug))], [
      "01-goroutines",
      "02-memory-model",
      "03-sync",
      "04-channels",
      "05-context",
      "06-server",
    ]);
    for (const mutant of mutants) {
      for (const file of mutant.files) {
        const text = await Deno.readTextFile(joinPath(mutant.dir, file));
        assert.match(
          text,
          /^\/\/ Mutant \(seeded\): \S.*\n/,
          `${mutant.slug}/${mutant.id}/${file} does not start with "// Mutant (seeded): <the bug>"`,
        );
      }
    }
  });

  for (const mutant of listMutants()) {
    it(`${mutant.slug}/${mutant.id} passes on the default schedule, fails under a seed <= 200, and the seed replays`, async () => {
      const course = await loadCourse(paths!);
      const found = findLab(course, mutant.slug);
      assert.ok(found.ok, `no lab ${mutant.slug} in the manifest`);
      const lab: LabEntry = found.lab;
      const sandbox = await createSandbox(paths!, lab, "solution", false);
      try {
        const patches: Record<string, string> = {};
        for (const name of mutant.files) {
          patches[name] = await Deno.readTextFile(joinPath(mutant.dir, name));
        }
        const { files, problems } = await patchedFiles(
          patches,
          (file) => Deno.readTextFile(joinPath(sandbox.labDir, file)),
        );
        assert.deepEqual(problems, [], `${mutant.slug}/${mutant.id}`);
        const changed = Object.keys(files);
        for (const [file, text] of Object.entries(files)) {
          await Deno.writeTextFile(joinPath(sandbox.labDir, file), text);
        }
        // The public tests of the mutated files: the ones a student would run.
        const labFiles = await listFiles(sandbox.labDir);
        const tests = changed
          .map((file) => file.replace(/\.ts$/, "_test.ts"))
          .filter((test) => labFiles.includes(test))
          .map((test) => `labs/${lab.slug}/${test}`);
        assert.ok(tests.length > 0, "no public test file beside the mutated files");
        const run = (seed: number | null, typeCheck = true): Promise<TestRun> =>
          runTests({
            cwd: sandbox.dir,
            files: tests,
            permissions: seed === null
              ? permissionFlags(lab, [sandbox.dir])
              : allowSeedVariable(permissionFlags(lab, [sandbox.dir])),
            env: seed === null ? undefined : seedEnv(seed),
            typeCheck,
            timeoutMs: 120_000,
          });

        const unseeded = await run(null);
        assert.ok(
          runPassed(unseeded),
          `the mutant fails on the default schedule: ${failingTests(unseeded).join("; ")}`,
        );

        // As deno task lab --explore 200 does: batches, then the flagged seeds alone.
        const explored = await exploreSeeds({
          seeds: seedRange(1, 200),
          concurrency: parallelism(),
          run: (seed, typeCheck) => run(seed, typeCheck),
          batch: (seeds) =>
            runSeedBatch({
              cwd: sandbox.dir,
              primitives: "labs/primitives",
              files: tests,
              seeds,
              permissions: (batchDir) => permissionFlags(lab, [sandbox.dir, batchDir]),
              timeoutMs: 120_000,
            }),
        });
        const failure = explored.failures[0];
        assert.ok(failure !== undefined, `passed under all ${explored.tried} seeds`);

        const replay = await run(failure.seed, false);
        assert.equal(runPassed(replay), false, `seed ${failure.seed} passed when replayed`);
        assert.deepEqual(failingTests(replay), failingTests(failure.run));
      } finally {
        await sandbox.remove();
      }
    });
  }
});
