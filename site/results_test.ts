import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { parseCourse } from "../core/course.ts";
import {
  cleanText,
  formatScore,
  parseStudentResults,
  parseSummary,
  ResultsError,
  type StudentResults,
  summarise,
} from "./results.ts";
import { FIXTURE_RESULTS, REPO_ROOT } from "./test_support.ts";

const course = parseCourse(
  await readFile(join(REPO_ROOT, "labs", "course.json"), "utf8"),
  "labs/course.json",
);

function test(name: string, score: number, maxScore: number, extra: Record<string, unknown> = {}) {
  return {
    name,
    score,
    max_score: maxScore,
    status: score >= maxScore ? "passed" : "failed",
    output: "",
    visibility: "visible",
    ...extra,
  };
}

function parse(value: unknown, name = "ada"): StudentResults {
  return parseStudentResults(name, JSON.stringify(value), `${name}/results.json`, course);
}

async function fixture(name: string): Promise<StudentResults> {
  const file = join(FIXTURE_RESULTS, name, "results.json");
  return parseStudentResults(name, await readFile(file, "utf8"), file, course);
}

describe("parseStudentResults", () => {
  it("sorts tests into labs by their name's prefix and sums each lab", async () => {
    const ada = await fixture("ada-lovelace");
    assert.deepEqual(
      ada.labs.map((lab) => [lab.labId, lab.score, lab.maxScore, lab.passed, lab.tests.length]),
      [
        ["01", 3, 3, 2, 2],
        ["04", 2, 4, 1, 2],
        ["05", 2, 2, 1, 1],
      ],
    );
    assert.equal(ada.score, 7);
    assert.equal(ada.maxScore, 9);
    assert.equal(
      ada.labs[1].tests[1].shortName,
      "pipeline > closes its output when the input closes",
    );
  });

  it("recognises a lab from extra_data, tags, or the prefixes [04] and 'lab 04'", () => {
    const student = parse({
      tests: [
        test("no prefix at all", 1, 1, { extra_data: { lab: "04-channels" } }),
        test("tagged", 1, 1, { tags: ["misc", "05"] }),
        test("[01] bracketed", 1, 1),
        test("Lab 05: spelled out", 1, 1),
        test("04 > by id", 1, 1),
        test("something else entirely", 1, 1),
      ],
    });
    const byName = new Map(student.labs.flatMap((lab) => lab.tests.map((t) => [t.name, t])));
    assert.equal(byName.get("no prefix at all")?.labId, "04");
    assert.equal(byName.get("tagged")?.labId, "05");
    assert.equal(byName.get("[01] bracketed")?.labId, "01");
    assert.equal(byName.get("[01] bracketed")?.shortName, "bracketed");
    assert.equal(byName.get("Lab 05: spelled out")?.labId, "05");
    assert.equal(byName.get("04 > by id")?.shortName, "by id");
    assert.equal(byName.get("something else entirely")?.labId, null);
    // The tests of no known lab come last, after the course's labs.
    assert.deepEqual(student.labs.map((lab) => lab.labId), ["01", "04", "05", null]);
  });

  it("does not take a lab id that merely starts a word for a prefix", () => {
    const student = parse({
      tests: [test("04-channelsX: not a separator", 1, 1), test("0401 tests", 1, 1)],
    });
    assert.deepEqual(student.labs.map((lab) => lab.labId), [null]);
  });

  it("derives the status from the score when it is missing, and the total when score is missing", () => {
    const student = parse({
      tests: [{ name: "04-channels: a", score: 2, max_score: 2 }, {
        name: "04-channels: b",
        score: 1,
        max_score: 2,
      }],
    });
    assert.deepEqual(student.labs[0].tests.map((t) => t.status), ["passed", "failed"]);
    assert.equal(student.score, 3);
    assert.equal(student.labs[0].tests[0].visibility, "visible");
  });

  it("uses the file's own total score when it has one (Gradescope's rule)", () => {
    const student = parse({ score: 10, tests: [test("04-channels: a", 1, 2)] });
    assert.equal(student.score, 10);
    assert.equal(student.maxScore, 2);
  });

  it("takes a lab's score, maximum and reason from extra_data.labs, even without its tests", async () => {
    const ken = await fixture("ken");
    assert.deepEqual(
      ken.labs.map((lab) => [lab.labId, lab.score, lab.maxScore, lab.tests.length, lab.reason]),
      [
        ["01", 0, 2, 1, undefined],
        ["04", 0, 2, 1, undefined],
        ["05", 0, 2, 0, "timed out after 60 s: the run was stopped before it wrote a test report"],
      ],
    );
    assert.equal(ken.maxScore, 6);
    const overridden = parse({
      tests: [test("04-channels: a", 1, 1)],
      extra_data: { labs: [{ id: "04", slug: "04-channels", score: 3, max_score: 10 }] },
    });
    assert.deepEqual([overridden.labs[0].score, overridden.labs[0].maxScore], [3, 10]);
    assert.equal(overridden.maxScore, 10);
    assert.equal(overridden.score, 3, "without a top-level score, the labs' scores add up");
  });

  it("lists the problems of a malformed extra_data.labs", () => {
    assert.throws(
      () => parse({ tests: [], extra_data: { labs: {} } }),
      /extra_data.labs must be an array/,
    );
    assert.throws(
      () =>
        parse({
          tests: [],
          extra_data: {
            labs: [
              "x",
              { id: "04", score: "1", max_score: 2 },
              { slug: "05-context", score: 1, max_score: 2, reason: 7 },
              { id: "99", score: "ignored: not a lab of the course", max_score: 1 },
            ],
          },
        }),
      (error: unknown) =>
        error instanceof ResultsError &&
        error.problems.join("|") ===
          "extra_data.labs[0] must be an object|" +
            "extra_data.labs[1] (04-channels): score and max_score must be numbers|" +
            "extra_data.labs[2] (05-context): reason must be a string",
    );
  });

  it("keeps markup in names and outputs as plain strings, untouched", () => {
    const student = parse({
      output: "<b>x</b>",
      tests: [test("04-channels: <i>t</i>", 0, 1, { output: "<script>alert(1)</script>" })],
    });
    assert.equal(student.output, "<b>x</b>");
    assert.equal(student.labs[0].tests[0].output, "<script>alert(1)</script>");
    assert.equal(student.labs[0].tests[0].shortName, "<i>t</i>");
  });

  it("lists every problem of a malformed file", () => {
    assert.throws(
      () =>
        parse({
          score: "7",
          tests: [
            { name: "", score: "1" },
            3,
            test("04-channels: a", 1, 1, { status: "ok", visibility: "public", output: 5 }),
          ],
        }),
      (error: unknown) => {
        assert.ok(error instanceof ResultsError);
        assert.match(error.message, /^ada\/results.json is not a grader results file:/);
        assert.deepEqual(error.problems, [
          "score must be a number",
          "tests[0]: name must be a non-empty string",
          "tests[0]: score must be a number",
          "tests[1] must be an object",
          'tests[2] ("04-channels: a"): status must be "passed" or "failed"',
          'tests[2] ("04-channels: a"): output must be a string',
          'tests[2] ("04-channels: a"): visibility must be one of visible, hidden, after_due_date, after_published',
        ]);
        return true;
      },
    );
  });

  it("says when the file is not JSON, or not an object with tests", () => {
    assert.throws(
      () => parseStudentResults("x", "{not json", "x/results.json", course),
      /x\/results.json is not a grader results file:\n {2}- it is not valid JSON/,
    );
    assert.throws(() => parse([]), /it must be a JSON object with tests/);
    assert.throws(() => parse({}), /tests must be an array of test results/);
    assert.throws(
      () => parse({ tests: [test("04-channels: a", Infinity, 1)] }),
      /score must be a number/,
    );
  });
});

describe("summarise", () => {
  it("counts, per test, how many students passed it and how many took it", async () => {
    const students = await Promise.all(["ken", "grace_hopper", "ada-lovelace"].map(fixture));
    const report = summarise(students, course);
    assert.deepEqual(report.students.map((s) => s.name), ["ada-lovelace", "grace_hopper", "ken"]);
    const rate = (name: string) => report.passRates.find((r) => r.name === name);
    assert.deepEqual(
      { ...rate("01-goroutines: tracker > shutdown waits for every running task") },
      {
        name: "01-goroutines: tracker > shutdown waits for every running task",
        shortName: "tracker > shutdown waits for every running task",
        labId: "01",
        passed: 1,
        total: 3,
      },
    );
    assert.equal(
      rate("04-channels: first > returns the fastest replica's answer and cancels the rest")
        ?.passed,
      2,
    );
    assert.equal(
      rate("04-channels: first > returns the fastest replica's answer and cancels the rest")?.total,
      3,
    );
    assert.deepEqual(report.labs.map((lab) => lab.id), ["01", "04", "05"]);
    assert.equal(report.hasUnassigned, false);
    // Grouped by lab in course order.
    const labOrder = report.passRates.map((r) => r.labId);
    assert.deepEqual(labOrder, [...labOrder].sort());
  });

  it("shows only the labs somebody has results for, plus an 'other' group when needed", () => {
    const report = summarise([
      parse({ tests: [test("05-context: a", 1, 1), test("mystery", 0, 1)] }),
    ], course);
    assert.deepEqual(report.labs.map((lab) => lab.id), ["05"]);
    assert.equal(report.hasUnassigned, true);
    assert.deepEqual(report.passRates.map((r) => [r.labId, r.passed, r.total]), [["05", 1, 1], [
      null,
      0,
      1,
    ]]);
  });
});

describe("parseSummary", () => {
  it("takes the run's time and its students from the grader's summary", async () => {
    const file = join(FIXTURE_RESULTS, "summary.json");
    assert.deepEqual(parseSummary(await readFile(file, "utf8"), file), {
      generatedAt: "2025-11-23T17:00:00.000Z",
      students: ["ada-lovelace", "grace_hopper", "ken"],
    });
    assert.deepEqual(parseSummary("{}", "r/summary.json"), {});
  });

  it("rejects a summary that is not an object, or whose fields have the wrong type", () => {
    assert.throws(
      () => parseSummary("[1]", "r/summary.json"),
      /r\/summary.json is not a grader results file:\n {2}- it must be a JSON object/,
    );
    assert.throws(() => parseSummary("", "r/summary.json"), /not valid JSON/);
    assert.throws(
      () => parseSummary('{"generatedAt":5,"students":[{"name":"x"}]}', "r/summary.json"),
      (error: unknown) =>
        error instanceof ResultsError &&
        error.problems.join("|") ===
          "generatedAt must be a string|students must be an array of { student, … } entries",
    );
  });
});

describe("cleanText", () => {
  it("removes colour codes and carriage returns and marks other control characters", () => {
    assert.equal(cleanText("\u001b[1;31mFAIL\u001b[0m done\r\n"), "FAIL done\n");
    assert.equal(cleanText("a\u0000b\u0007c\td\u007f"), "a\ufffdb\ufffdc\td\ufffd");
    assert.equal(cleanText("plain <b>text</b> & 中文"), "plain <b>text</b> & 中文");
  });

  it("is applied to test names, outputs, the report and the labs' reasons", () => {
    const student = parse({
      output: "\u001b[33mreport\u001b[0m",
      tests: [test("04-channels: \u0007bell", 0, 1, { output: "\u001b[31mred\u001b[0m" })],
      extra_data: { labs: [{ id: "04", score: 0, max_score: 1, reason: "crash\r\n\u001b[2K" }] },
    });
    assert.equal(student.output, "report");
    assert.equal(student.labs[0].tests[0].shortName, "\ufffdbell");
    assert.equal(student.labs[0].tests[0].output, "red");
    assert.equal(student.labs[0].reason, "crash\n");
  });
});

describe("formatScore", () => {
  it("shows at most two decimals and no trailing zeros", () => {
    assert.equal(formatScore(3), "3");
    assert.equal(formatScore(2.5), "2.5");
    assert.equal(formatScore(2 / 3), "0.67");
  });
});
