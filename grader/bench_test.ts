import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { labRunLine, parseBenchArgs, solutionShortfalls } from "./bench.ts";
import type { GradedTest } from "./score.ts";
import { GRADER_VERSION, writeJsonAtomic } from "./store.ts";

describe("grade-bench's command line", () => {
  it("takes every option, and defaults to 20 students, no starters and seeds 1,2", () => {
    const defaults = parseBenchArgs([]);
    assert.deepEqual(
      [defaults.students, defaults.starters, defaults.seeds, defaults.labs],
      [20, 0, [1, 2], undefined],
    );
    assert.ok(defaults.jobs >= 1);
    const given = parseBenchArgs([
      "--students=10",
      "--starters",
      "3",
      "--jobs",
      "2",
      "--seeds",
      "1",
      "--labs",
      "01,04",
    ]);
    assert.deepEqual(given, { students: 10, starters: 3, jobs: 2, seeds: [1], labs: ["01", "04"] });
  });

  it("refuses a count that is not a whole number, naming the option and the value", () => {
    assert.throws(
      () => parseBenchArgs(["--students", "ten"]),
      /--students must be a whole number of at least 1, received ten/,
    );
    assert.throws(
      () => parseBenchArgs(["--jobs", "0"]),
      /--jobs must be .* at least 1, received 0/,
    );
    assert.throws(() => parseBenchArgs(["--seeds", "1,x"]), /--seeds must list .* received 1,x/);
  });

  it("refuses an argument it does not know instead of running a benchmark nobody asked for", () => {
    assert.throws(() => parseBenchArgs(["--help-me"]), /unknown argument: --help-me/);
  });
});

describe("grade-bench's check that every solution got full marks", () => {
  const grade = (student: string, slug: string, score: number, tests: GradedTest[]) => ({
    version: GRADER_VERSION,
    student,
    lab: { id: slug.slice(0, 2), slug, title: slug },
    fingerprint: "f",
    notes: [],
    durationMs: 1,
    gradedAt: "2026-12-03T00:00:00Z",
    score,
    maxScore: 3,
    tests,
  });
  const passed: GradedTest = { name: "g > a", points: 2, score: 2, status: "passed", output: "" };
  const failed: GradedTest = {
    name: "g > b",
    points: 1,
    score: 0,
    status: "failed",
    output: "\nAssertionError: expected 3, got 2\n  at b_hidden_test.ts:9",
  };

  it("names each student-lab below full marks with its failing tests and why, and one with no grade", async () => {
    const out = await Deno.makeTempDir();
    try {
      const fullMarks: GradedTest[] = [passed, {
        ...failed,
        score: 1,
        status: "passed",
        output: "",
      }];
      const handedIn: [string, GradedTest[]][] = [["s000", fullMarks], ["s001", [passed, failed]]];
      for (const [student, tests] of handedIn) {
        await Deno.mkdir(`${out}/${student}/labs`, { recursive: true });
        const score = tests.reduce((total, test) => total + test.score, 0);
        await writeJsonAtomic(
          `${out}/${student}/labs/01-goroutines.json`,
          grade(student, "01-goroutines", score, tests),
        );
      }
      const lines = await solutionShortfalls(out, ["s000", "s001"], [
        "01-goroutines",
        "04-channels",
      ]);
      assert.deepEqual(lines, [
        "s000 04-channels: no readable grade was written",
        "s001 01-goroutines: 2 of 3; failed: g > b (AssertionError: expected 3, got 2)",
        "s001 04-channels: no readable grade was written",
      ]);
    } finally {
      await Deno.remove(out, { recursive: true });
    }
  });
});

describe("grade-bench's line for one lab", () => {
  it("splits the run's CPU time into loading, the first seed's tests and the later seeds'", () => {
    assert.equal(
      labRunLine({
        all: { wallMs: 1400, cpuMs: 1000 },
        load: { wallMs: 350, cpuMs: 300 },
        firstSeed: { wallMs: 1000, cpuMs: 800 },
      }),
      "1.0 s in all: loading 0.3 s, the first seed's tests 0.5 s, the later seeds' 0.2 s",
    );
  });

  it("uses wall time when no CPU was measured, and names only the parts that were", () => {
    assert.equal(
      labRunLine({ all: { wallMs: 2600 }, load: { wallMs: 400 } }),
      "2.6 s in all: loading 0.4 s, the tests 2.2 s",
    );
    assert.equal(labRunLine({ all: { wallMs: 900 } }), "0.9 s in all");
  });

  it("never prints a negative part when a noisy machine made a part slower than the whole", () => {
    assert.equal(
      labRunLine({ all: { wallMs: 800 }, firstSeed: { wallMs: 900 } }),
      "0.8 s in all: the first seed's tests 0.9 s, the later seeds' 0.0 s",
    );
  });
});
