import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { classSummary, csvCell, gradebookCsv, type LabColumn } from "./gradebook.ts";
import type { GradedTest, LabGrade } from "./score.ts";

/** A strict RFC 4180 reader, to check that what the gradebook writes reads back as written. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let index = 0;
  while (index < text.length) {
    if (text[index] === '"') {
      index++;
      for (;;) {
        if (index >= text.length) throw new Error("unterminated quoted cell");
        if (text[index] === '"') {
          if (text[index + 1] === '"') {
            cell += '"';
            index += 2;
            continue;
          }
          index++;
          break;
        }
        cell += text[index++];
      }
    } else if (text[index] === ",") {
      row.push(cell);
      cell = "";
      index++;
    } else if (text.startsWith("\r\n", index)) {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = "";
      index += 2;
    } else {
      if (text[index] === "\n" || text[index] === "\r") throw new Error("bare line break");
      cell += text[index++];
    }
  }
  if (cell !== "" || row.length > 0) throw new Error("the last row does not end in CRLF");
  return rows;
}

const labs: LabColumn[] = [
  { id: "01", slug: "01-goroutines", title: "Goroutines", tests: [{ name: "a", points: 2 }] },
  {
    id: "04",
    slug: "04-channels",
    title: "Channels",
    tests: [{ name: "b", points: 1 }, { name: "c", points: 3 }],
  },
];

function grade(student: string, slug: string, passed: string[], reason?: string): LabGrade {
  const lab = labs.find((one) => one.slug === slug)!;
  const tests: GradedTest[] = lab.tests.map((test) => {
    const ok = passed.includes(test.name);
    return {
      name: test.name,
      points: test.points,
      score: ok ? test.points : 0,
      status: ok ? "passed" : "failed",
      output: "",
    };
  });
  return {
    version: 1,
    student,
    lab: { id: lab.id, slug, title: lab.title },
    fingerprint: "0".repeat(64),
    score: tests.reduce((total, test) => total + test.score, 0),
    maxScore: lab.tests.reduce((total, test) => total + test.points, 0),
    tests,
    ...(reason ? { reason } : {}),
    notes: [],
    durationMs: 1000,
    gradedAt: "2025-01-01T00:00:00.000Z",
  };
}

describe("csvCell", () => {
  it("quotes cells with commas, quotes or edge spaces, doubling quotes, and shows control characters as U+FFFD", () => {
    assert.equal(csvCell("ada"), "ada");
    assert.equal(csvCell("Smith, Jo"), '"Smith, Jo"');
    assert.equal(csvCell('say "hi"'), '"say ""hi"""');
    assert.equal(csvCell("two\nlines"), "two\ufffdlines");
    assert.equal(csvCell("carriage\rreturn"), "carriage\ufffdreturn");
    assert.equal(csvCell("ada\u001b[2J\u0007"), "ada\ufffd[2J\ufffd");
    assert.equal(csvCell(" padded "), '" padded "');
  });

  it("neutralises cells a spreadsheet would run as a formula", () => {
    assert.equal(csvCell("=1+1"), "'=1+1");
    assert.equal(csvCell("+cmd"), "'+cmd");
    assert.equal(csvCell("-2+3"), "'-2+3");
    assert.equal(csvCell("@SUM(A1)"), "'@SUM(A1)");
    assert.equal(csvCell("\t=1"), "\ufffd=1");
    assert.equal(csvCell("\r=1"), "\ufffd=1");
    assert.equal(csvCell('=HYPERLINK("http://x","y")'), `"'=HYPERLINK(""http://x"",""y"")"`);
    assert.equal(csvCell("a=b"), "a=b");
  });

  it("writes numbers plainly, rounded to two decimals", () => {
    assert.equal(csvCell(12), "12");
    assert.equal(csvCell(0.1 + 0.2), "0.3");
  });
});

describe("classSummary", () => {
  const grades = new Map<string, LabGrade[]>([
    ["bob", [grade("bob", "01-goroutines", []), grade("bob", "04-channels", ["b"])]],
    ["ada", [grade("ada", "01-goroutines", ["a"]), grade("ada", "04-channels", ["b", "c"])]],
    ["cy", [grade("cy", "01-goroutines", ["a"], "timed out after 60 s\ndetails")]],
  ]);
  const summary = classSummary("Course", labs, grades, "2025-01-02T00:00:00.000Z");

  it("gives each student, sorted, a score and maximum per lab and in total", () => {
    assert.deepEqual(summary.students.map((student) => student.student), ["ada", "bob", "cy"]);
    assert.deepEqual(summary.students[0], {
      student: "ada",
      labs: {
        "01-goroutines": { score: 2, maxScore: 2 },
        "04-channels": { score: 4, maxScore: 4 },
      },
      total: 6,
      maxScore: 6,
    });
  });

  it("keeps the first line of a lab's reason, and marks a lab a student was not graded on", () => {
    assert.deepEqual(summary.students[2].labs, {
      "01-goroutines": { score: 2, maxScore: 2, reason: "timed out after 60 s" },
      "04-channels": { score: 0, maxScore: 4, reason: "not graded" },
    });
  });

  it("counts per test how many graded students passed it", () => {
    assert.deepEqual(
      summary.labs.map((lab) => lab.tests.map((test) => [test.name, test.passed, test.graded])),
      [[["a", 2, 3]], [["b", 2, 2], ["c", 1, 2]]],
    );
    assert.equal(summary.labs[1].tests[1].passRate, 0.5);
    assert.deepEqual(summary.labs.map((lab) => lab.meanScore), [1.33, 2.5]);
    assert.deepEqual(summary.totals, { students: 3, maxScore: 6, meanScore: 3 });
  });
});

describe("gradebookCsv", () => {
  it("writes a header and one row per student that read back exactly, injection neutralised", () => {
    const evil = '=cmd|" /C calc"!A0';
    const grades = new Map<string, LabGrade[]>([
      [evil, [grade(evil, "01-goroutines", ["a"]), grade(evil, "04-channels", [])]],
      ["Lovelace, Ada", [
        grade("Lovelace, Ada", "01-goroutines", ["a"]),
        grade("Lovelace, Ada", "04-channels", ["b", "c"]),
      ]],
    ]);
    const csv = gradebookCsv(classSummary("Course", labs, grades, "2025-01-02T00:00:00.000Z"));
    assert.deepEqual(parseCsv(csv), [
      ["student", "01-goroutines (max 2)", "04-channels (max 4)", "total (max 6)"],
      [`'${evil}`, "2", "0", "2"],
      ["Lovelace, Ada", "2", "4", "6"],
    ]);
  });

  it("writes only the header for a class of no one", () => {
    const csv = gradebookCsv(classSummary("Course", [], new Map(), "2025-01-02T00:00:00.000Z"));
    assert.equal(csv, "student,total (max 0)\r\n");
  });
});
