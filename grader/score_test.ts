import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { LabEntry } from "../core/course.ts";
import type { TestResult } from "../core/test_report.ts";
import {
  capText,
  failureOutput,
  MAX_TEST_OUTPUT_BYTES,
  pointsFor,
  referenceFromReport,
  scoreLab,
  zeroLab,
} from "./score.ts";

const lab: LabEntry = {
  id: "04",
  slug: "04-channels",
  title: "Channels",
  note: "notes/04-channels.md",
  files: ["first.ts"],
  points: { "first() returns the fastest answer": 3, "first() cancels the others": 0.5 },
};

function result(
  name: string,
  status: TestResult["status"],
  extra: Partial<TestResult> = {},
): TestResult {
  const parts = name.split(" > ");
  return { name, leaf: parts[parts.length - 1], groups: parts.slice(0, -1), status, ...extra };
}

const reference = [
  { name: "first() (hidden) > first() returns the fastest answer", points: 3 },
  { name: "first() (hidden) > first() cancels the others", points: 0.5 },
  { name: "first() (hidden) > first() with no sources rejects", points: 1 },
];

describe("pointsFor", () => {
  it("gives a hidden test its manifest points by its it() name, and 1 when unlisted", () => {
    assert.equal(pointsFor(lab, "first() (hidden) > first() returns the fastest answer"), 3);
    assert.equal(pointsFor(lab, "first() (hidden) > first() cancels the others"), 0.5);
    assert.equal(pointsFor(lab, "first() (hidden) > first() with no sources rejects"), 1);
  });
});

describe("referenceFromReport", () => {
  it("lists every passing hidden test of the solution with its points", () => {
    const found = referenceFromReport(lab, reference.map((test) => result(test.name, "passed")));
    assert.deepEqual(found, { tests: reference, problems: [], unusedPoints: [] });
  });

  it("refuses a solution run where a test fails, is skipped, repeats a name or nothing ran", () => {
    const found = referenceFromReport(lab, [
      result(reference[0].name, "failed", { message: "Uncaught AssertionError: too slow" }),
      result(reference[1].name, "skipped"),
      result(reference[2].name, "passed"),
      result(reference[2].name, "passed"),
    ]);
    assert.deepEqual(found.problems, [
      `the solution's hidden test "${reference[0].name}" fails: too slow`,
      `the solution's hidden test "${reference[1].name}" was skipped`,
      `two hidden tests are named "${reference[2].name}"; grades are kept by name`,
    ]);
    assert.deepEqual(referenceFromReport(lab, []).problems, [
      "the solution's run reported no hidden test",
    ]);
  });

  it("names points keys that match no hidden test", () => {
    const found = referenceFromReport(lab, [result(reference[2].name, "passed")]);
    assert.deepEqual(found.unusedPoints, [
      "first() returns the fastest answer",
      "first() cancels the others",
    ]);
  });
});

describe("scoreLab", () => {
  it("gives each passing test its points and restates each failure's message", () => {
    const scored = scoreLab(reference, [
      result(reference[0].name, "passed"),
      result(reference[1].name, "passed"),
      result(reference[2].name, "failed", {
        message: "Uncaught AssertionError: rejects with no sources\n\n1 !== 0\n",
      }),
    ]);
    assert.equal(scored.score, 3.5);
    assert.equal(scored.maxScore, 4.5);
    assert.equal(scored.reason, undefined);
    assert.deepEqual(scored.tests.map((test) => [test.status, test.score, test.output]), [
      ["passed", 3, ""],
      ["passed", 0.5, ""],
      ["failed", 0, "rejects with no sources\nexpected: 0\nactual: 1"],
    ]);
  });

  it("never shows what a failing test printed, only the report's message", () => {
    const scored = scoreLab(reference.slice(2), [
      result(reference[2].name, "failed", {
        message: "Uncaught Error: boom",
        output: ["the hidden test's source: it('first() with no sources rejects', …)"],
      }),
    ]);
    assert.equal(scored.tests[0].output, "Error: boom");
  });

  it("fails a test the report does not name, saying it did not run and why the run ended", () => {
    const scored = scoreLab(reference, [result(reference[0].name, "passed")]);
    assert.equal(scored.score, 3);
    assert.deepEqual(scored.tests.map((test) => test.output), ["", "did not run", "did not run"]);
    assert.match(scored.reason ?? "", /^2 of 3 hidden tests did not run/);
  });

  it("scores nothing without a report and gives the run's problem as every test's output", () => {
    const scored = scoreLab(reference, null, "timed out after 60 s");
    assert.equal(scored.score, 0);
    assert.equal(scored.reason, "timed out after 60 s");
    assert.ok(scored.tests.every((test) => test.output === "did not run: timed out after 60 s"));
    assert.equal(scoreLab(reference, null).reason, "the run wrote no test report");
  });

  it("does not let a similarly named test registered by student code stand in for a hidden one", () => {
    const forged = `first() (hidden) > first() with no sources rejects > ${reference[0].name}`;
    const scored = scoreLab(reference.slice(0, 1), [
      result(reference[0].name, "failed", { message: "Uncaught Error: wrong" }),
      result(forged, "passed"),
      result("first() returns the fastest answer", "passed"),
    ]);
    assert.equal(scored.score, 0);
  });

  it("fails a test reported twice when either report failed", () => {
    const scored = scoreLab(reference.slice(0, 1), [
      result(reference[0].name, "passed"),
      result(reference[0].name, "failed", { message: "Uncaught Error: second run failed" }),
    ]);
    assert.equal(scored.tests[0].status, "failed");
    assert.equal(scored.tests[0].output, "Error: second run failed");
  });

  it("counts a skipped test as not run", () => {
    const scored = scoreLab(reference.slice(0, 1), [result(reference[0].name, "skipped")]);
    assert.deepEqual([scored.score, scored.tests[0].output], [0, "did not run"]);
  });
});

describe("zeroLab", () => {
  it("fails every test with the same reason", () => {
    const scored = zeroLab(reference, "no files for lab 04");
    assert.equal(scored.score, 0);
    assert.equal(scored.maxScore, 4.5);
    assert.ok(scored.tests.every((test) => test.output === "no files for lab 04"));
    assert.equal(scored.reason, "no files for lab 04");
  });
});

describe("capText and failureOutput", () => {
  it("cap a long text to the byte limit without splitting a character, saying how much was cut", () => {
    const long = "é".repeat(5000); // 2 bytes each
    const capped = capText(long);
    const bytes = new TextEncoder().encode(capped).byteLength;
    assert.ok(bytes <= MAX_TEST_OUTPUT_BYTES, `${bytes} bytes`);
    assert.ok(!capped.includes("\uFFFD"), "a character was split");
    assert.match(capped, /… \(\d+ more bytes not shown\)$/);
    assert.equal(capText("short"), "short");
  });

  it("keep a failure's output within the cap however long the message", () => {
    const output = failureOutput(
      result("a", "failed", { message: `Uncaught Error: ${"x".repeat(100_000)}` }),
    );
    assert.ok(new TextEncoder().encode(output).byteLength <= MAX_TEST_OUTPUT_BYTES);
  });
});
