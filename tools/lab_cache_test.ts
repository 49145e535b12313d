import { afterEach, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { LabEntry } from "../core/course.ts";
import { type CoursePaths, coursePaths, joinPath } from "../core/lab_env.ts";
import type { TestRun } from "../core/test_runner.ts";
import { isCacheable, labFingerprint, readCachedStatus, writeCachedStatus } from "./lab_cache.ts";

const lab: LabEntry = {
  id: "01",
  slug: "01-adder",
  title: "Adder",
  note: "notes/01-adder.md",
  files: ["adder.ts"],
};

describe("the lab status cache", () => {
  let paths: CoursePaths;
  beforeEach(async () => {
    const root = await Deno.makeTempDir({ prefix: "lab-cache-" });
    paths = coursePaths(root);
    await Deno.mkdir(joinPath(paths.labs, lab.slug), { recursive: true });
    await Deno.mkdir(paths.primitives, { recursive: true });
    await Deno.writeTextFile(joinPath(paths.labs, lab.slug, "adder.ts"), "export const a = 1;\n");
    await Deno.writeTextFile(joinPath(paths.primitives, "mod.ts"), "export const go = 1;\n");
  });
  afterEach(async () => {
    await Deno.remove(paths.root, { recursive: true });
  });

  it("gives the same fingerprint to the same files, and another once any input changes", async () => {
    const first = await labFingerprint(paths, lab, true);
    assert.match(first, /^[0-9a-f]{64}$/);
    assert.equal(await labFingerprint(paths, lab, true), first);
    assert.notEqual(await labFingerprint(paths, lab, false), first, "typeCheck is an input");
    assert.notEqual(await labFingerprint(paths, { ...lab, hint: "new" }, true), first);
    await Deno.writeTextFile(joinPath(paths.primitives, "mod.ts"), "export const go = 2;\n");
    const afterPrimitives = await labFingerprint(paths, lab, true);
    assert.notEqual(afterPrimitives, first, "a change to the primitives was not noticed");
    await Deno.writeTextFile(joinPath(paths.labs, lab.slug, "adder_test.ts"), "// a new test\n");
    assert.notEqual(await labFingerprint(paths, lab, true), afterPrimitives);
  });

  it("returns a stored status only under the key it was stored with", async () => {
    const status = { kind: "failing", passed: 2, total: 3 } as const;
    assert.equal(await readCachedStatus(paths, lab.slug, "k1"), undefined);
    await writeCachedStatus(paths, lab.slug, "k1", status);
    assert.deepEqual(await readCachedStatus(paths, lab.slug, "k1"), status);
    assert.equal(await readCachedStatus(paths, lab.slug, "k2"), undefined);
    await writeCachedStatus(paths, lab.slug, "k2", { kind: "passing", passed: 3, total: 3 });
    assert.deepEqual(await readCachedStatus(paths, lab.slug, "k2"), {
      kind: "passing",
      passed: 3,
      total: 3,
    });
  });

  it("treats a damaged cache file as no cache", async () => {
    await Deno.mkdir(joinPath(paths.root, ".cache", "lab"), { recursive: true });
    await Deno.writeTextFile(joinPath(paths.root, ".cache", "lab", `${lab.slug}.json`), "{ trunc");
    assert.equal(await readCachedStatus(paths, lab.slug, "k1"), undefined);
  });

  it("never remembers a run that timed out, was stopped or printed too much", () => {
    const run: TestRun = {
      results: [],
      exitCode: 0,
      timedOut: false,
      aborted: false,
      strayOutput: [],
    };
    assert.equal(isCacheable(run), true);
    assert.equal(isCacheable({ ...run, timedOut: true }), false);
    assert.equal(isCacheable({ ...run, aborted: true }), false);
    assert.equal(isCacheable({ ...run, outputLimited: true }), false);
  });
});
