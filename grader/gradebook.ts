/**
 * The class view of a grading run: `summary.json` (every student's score per
 * lab with its maximum, totals, and how often each hidden test passed) and
 * `gradebook.csv` (one row per student, a column per lab and the total), with
 * cells escaped for CSV and neutralised against formula injection, since
 * student names come from folder names anyone could choose.
 *
 * Pure functions only: no file system, no `Deno` global.
 *
 * @example
 * ```ts
 * import { classSummary, gradebookCsv } from "./gradebook.ts";
 * const summary = classSummary("Course", [], new Map(), "2025-01-01T00:00:00.000Z");
 * gradebookCsv(summary); // → "student,total (max 0)\r\n"
 * ```
 * @module
 */

import { spreadsheetSafe } from "../core/csv.ts";
import { stringify } from "csv-stringify/sync";
import { type LabGrade, type ReferenceTest, roundPoints } from "./score.ts";

/** A lab as a column of the gradebook: what it is and what its hidden tests are worth. */
export interface LabColumn {
  id: string;
  slug: string;
  title: string;
  tests: ReferenceTest[];
}

/** How often one hidden test passed across the class. */
export interface TestPassRate {
  name: string;
  points: number;
  passed: number;
  /** Students graded on it. */
  graded: number;
  /** `passed / graded`, to three decimals; `null` when nobody was graded. */
  passRate: number | null;
}

/** One student's line of the summary. */
export interface StudentSummary {
  student: string;
  /** Per lab slug. */
  labs: Record<string, { score: number; maxScore: number; reason?: string }>;
  total: number;
  maxScore: number;
}

/** The whole `summary.json`. */
export interface ClassSummary {
  course: string;
  generatedAt: string;
  labs: {
    id: string;
    slug: string;
    title: string;
    maxScore: number;
    /** Mean score of the class in this lab, to two decimals (`null` without students). */
    meanScore: number | null;
    tests: TestPassRate[];
  }[];
  /** Sorted by name. */
  students: StudentSummary[];
  totals: { students: number; maxScore: number; meanScore: number | null };
}

function sum(numbers: number[]): number {
  return roundPoints(numbers.reduce((total, number) => total + number, 0));
}

/**
 * The class summary from every student's grades for the given labs.
 *
 * @example
 * ```ts
 * import { classSummary } from "./gradebook.ts";
 * import type { LabGrade } from "./score.ts";
 * declare const adaGrades: LabGrade[];
 * const summary = classSummary(
 *   "Go Concurrency in TypeScript",
 *   [{ id: "01", slug: "01-goroutines", title: "Goroutines", tests: [{ name: "a", points: 2 }] }],
 *   new Map([["ada", adaGrades]]),
 *   new Date().toISOString(),
 * );
 * summary.students[0].total;
 * ```
 */
export function classSummary(
  course: string,
  labs: LabColumn[],
  grades: Map<string, LabGrade[]>,
  generatedAt: string,
): ClassSummary {
  const names = [...grades.keys()].sort((a, b) => a < b ? -1 : a > b ? 1 : 0);
  const maxOf = (lab: LabColumn) => sum(lab.tests.map((test) => test.points));
  const students: StudentSummary[] = names.map((student) => {
    const own = grades.get(student) ?? [];
    const perLab: StudentSummary["labs"] = {};
    for (const lab of labs) {
      const grade = own.find((candidate) => candidate.lab.slug === lab.slug);
      perLab[lab.slug] = {
        score: grade?.score ?? 0,
        maxScore: maxOf(lab),
        ...(grade === undefined
          ? { reason: "not graded" }
          : grade.reason === undefined
          ? {}
          : { reason: grade.reason.split("\n")[0] }),
      };
    }
    return {
      student,
      labs: perLab,
      total: sum(Object.values(perLab).map((lab) => lab.score)),
      maxScore: sum(labs.map(maxOf)),
    };
  });
  const labSummaries = labs.map((lab) => {
    const labGrades = names.map((student) =>
      (grades.get(student) ?? []).find((grade) => grade.lab.slug === lab.slug)
    ).filter((grade): grade is LabGrade => grade !== undefined);
    return {
      id: lab.id,
      slug: lab.slug,
      title: lab.title,
      maxScore: maxOf(lab),
      meanScore: labGrades.length === 0
        ? null
        : roundPoints(sum(labGrades.map((grade) => grade.score)) / labGrades.length),
      tests: lab.tests.map((test): TestPassRate => {
        const outcomes = labGrades.map((grade) =>
          grade.tests.find((one) => one.name === test.name)
        );
        const graded = outcomes.filter((outcome) => outcome !== undefined).length;
        const passed = outcomes.filter((outcome) => outcome?.status === "passed").length;
        return {
          name: test.name,
          points: test.points,
          passed,
          graded,
          passRate: graded === 0 ? null : Math.round((passed / graded) * 1000) / 1000,
        };
      }),
    };
  });
  return {
    course,
    generatedAt,
    labs: labSummaries,
    students,
    totals: {
      students: students.length,
      maxScore: sum(labs.map(maxOf)),
      meanScore: students.length === 0
        ? null
        : roundPoints(sum(students.map((student) => student.total)) / students.length),
    },
  };
}

/**
 * One CSV cell (RFC 4180): quoted when it holds a comma, a quote, a line break
 * or edge spaces, quotes doubled. Control characters (tabs, line breaks, escape
 * codes) become U+FFFD. A text starting with `=`, `+`, `-` or `@` gets a leading
 * apostrophe, so a spreadsheet shows it as text instead of running it as a
 * formula. Numbers are written plainly.
 *
 * @example
 * ```ts
 * import { csvCell } from "./gradebook.ts";
 * csvCell('Smith, "Jo"'); // → '"Smith, ""Jo"""'
 * csvCell("=HYPERLINK(\"x\")"); // → "\"'=HYPERLINK(\"\"x\"\")\""
 * csvCell("ada\u001b[2J"); // → "ada\ufffd[2J"
 * csvCell(12.5); // → "12.5"
 * ```
 */
export function csvCell(value: string | number): string {
  return csvRow([value]);
}

/** Formula neutralising and control characters, before csv-stringify quotes what needs it. */
function neutralise(value: string | number): string {
  return typeof value === "number" ? String(roundPoints(value)) : spreadsheetSafe(value);
}

/** One CSV row without its line end. */
function csvRow(values: (string | number)[]): string {
  return stringify([values.map(neutralise)], {
    record_delimiter: "\r\n",
    quoted_match: /^\s|\s$/,
    eof: false,
  });
}

/**
 * The gradebook: a header row, then one row per student (sorted by name) with a
 * column per lab and the total. Rows end in CRLF, as RFC 4180 has it.
 *
 * @example
 * ```ts
 * import { classSummary, gradebookCsv } from "./gradebook.ts";
 * declare const summary: ReturnType<typeof classSummary>;
 * await Deno.writeTextFile("gradebook.csv", gradebookCsv(summary));
 * ```
 */
export function gradebookCsv(summary: ClassSummary): string {
  const header = [
    "student",
    ...summary.labs.map((lab) => `${lab.slug} (max ${lab.maxScore})`),
    `total (max ${summary.totals.maxScore})`,
  ];
  const rows = summary.students.map((student) => [
    student.student,
    ...summary.labs.map((lab) => student.labs[lab.slug]?.score ?? 0),
    student.total,
  ]);
  return [header, ...rows].map(csvRow).join("\r\n") + "\r\n";
}
