import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { gradescopeResults, labLine } from "./results.ts";
import type { LabGrade } from "./score.ts";

function grade(slug: string, id: string, extra: Partial<LabGrade> = {}): LabGrade {
  return {
    version: 1,
    student: "ada",
    lab: { id, slug, title: slug },
    fingerprint: "0".repeat(64),
    score: 2,
    maxScore: 3,
    tests: [
      { name: "g > passes", points: 2, score: 2, status: "passed", output: "" },
      { name: "g > fails", points: 1, score: 0, status: "failed", output: "expected: 1" },
    ],
    notes: [],
    durationMs: 2500,
    gradedAt: "2025-01-01T00:00:00.000Z",
    ...extra,
  };
}

describe("gradescopeResults", () => {
  const results = gradescopeResults([
    grade("01-goroutines", "01"),
    grade("04-channels", "04", {
      score: 0,
      reason: "timed out after 60 s\nmore detail",
      tests: [{
        name: "g > hangs",
        points: 4,
        score: 0,
        status: "failed",
        output: "did not run: timed out after 60 s",
      }],
      maxScore: 4,
      durationMs: 60_000,
    }),
  ]);

  it("lists every hidden test with its lab in the name, its score, maximum, status and output", () => {
    assert.deepEqual(
      results.tests.map((
        test,
      ) => [test.name, test.number, test.score, test.max_score, test.status, test.output]),
      [
        ["01-goroutines: g > passes", "01.1", 2, 2, "passed", ""],
        ["01-goroutines: g > fails", "01.2", 0, 1, "failed", "expected: 1"],
        ["04-channels: g > hangs", "04.1", 0, 4, "failed", "did not run: timed out after 60 s"],
      ],
    );
    assert.deepEqual(results.tests[2].extra_data, { lab: "04", slug: "04-channels" });
  });

  it("shows hidden tests only after the due date unless told otherwise, and never the code's stdout", () => {
    assert.ok(results.tests.every((test) => test.visibility === "after_due_date"));
    assert.equal(results.visibility, "after_due_date");
    assert.equal(results.stdout_visibility, "hidden");
    const published = gradescopeResults([grade("01-goroutines", "01")], "after_published");
    assert.ok(published.tests.every((test) => test.visibility === "after_published"));
  });

  it("totals the score, the time in seconds, and says per lab what happened", () => {
    assert.equal(results.score, 2);
    assert.equal(results.execution_time, 63);
    assert.equal(
      results.output,
      "01-goroutines: 2/3 points\n04-channels: 0/4 points: timed out after 60 s",
    );
    assert.deepEqual(results.extra_data.labs, [
      { id: "01", slug: "01-goroutines", score: 2, max_score: 3 },
      {
        id: "04",
        slug: "04-channels",
        score: 0,
        max_score: 4,
        reason: "timed out after 60 s\nmore detail",
      },
    ]);
  });

  it("is plain JSON that survives a round trip", () => {
    assert.deepEqual(JSON.parse(JSON.stringify(results)), results);
  });
});

describe("labLine", () => {
  it("adds the notes of a lab under its line", () => {
    assert.equal(
      labLine(
        grade("01-goroutines", "01", { notes: ["not handed in, so the starter was graded"] }),
      ),
      "01-goroutines: 2/3 points\n  (not handed in, so the starter was graded)",
    );
  });
});
