/**
 * A student's `results.json` in Gradescope's autograder format, built from
 * their per-lab grades: one entry per hidden test, named `"<lab slug>: <test>"`,
 * with its score, maximum, status, the failure message as `output` (from the
 * JUnit report or the grader, never from what the code printed) and visibility
 * `after_due_date`, so that a hidden test's name and message reach no student before the due date.
 *
 * Pure functions only: no file system, no `Deno` global.
 *
 * @example
 * ```ts
 * import { gradescopeResults } from "./results.ts";
 * import type { LabGrade } from "./score.ts";
 * declare const grades: LabGrade[];
 * const json = JSON.stringify(gradescopeResults(grades), null, 2);
 * ```
 * @module
 */

import { type LabGrade, roundPoints } from "./score.ts";

/** Gradescope's visibility for a hidden test: shown once the due date has passed, never before. */
export const HIDDEN_VISIBILITY = "after_due_date";

/** Gradescope's visibilities, from most hidden to most shown. */
export const VISIBILITIES = ["hidden", "after_due_date", "after_published", "visible"] as const;
/** When the students see a test's result and message. */
export type Visibility = typeof VISIBILITIES[number];

/** One test in Gradescope's format. */
export interface GradescopeTest {
  name: string;
  /** `"<lab id>.<position>"`, so Gradescope keeps the course's order. */
  number: string;
  score: number;
  max_score: number;
  status: "passed" | "failed";
  output: string;
  output_format: "text";
  visibility: string;
  tags: string[];
  extra_data: { lab: string; slug: string };
}

/** A whole results.json in Gradescope's format. */
export interface GradescopeResults {
  score: number;
  /** Seconds spent running the tests. */
  execution_time: number;
  /** One line per lab: its score, and why it did not run normally when it did not. */
  output: string;
  output_format: "text";
  test_output_format: "text";
  test_name_format: "text";
  visibility: string;
  /** What the tested code printed is never shown (it is not even kept). */
  stdout_visibility: "hidden";
  tests: GradescopeTest[];
  extra_data: {
    labs: { id: string; slug: string; score: number; max_score: number; reason?: string }[];
  };
}

/**
 * One line about a lab: `01-goroutines: 47/56 points`, with the reason and
 * notes when there are any.
 *
 * @example
 * ```ts
 * import { labLine } from "./results.ts";
 * import type { LabGrade } from "./score.ts";
 * declare const grade: LabGrade;
 * labLine(grade); // → "04-channels: 0/56 points: timed out after 60 s"
 * ```
 */
export function labLine(grade: LabGrade): string {
  const parts = [`${grade.lab.slug}: ${grade.score}/${grade.maxScore} points`];
  if (grade.reason !== undefined) parts.push(grade.reason.split("\n")[0]);
  return [parts.join(": "), ...grade.notes.map((note) => `  (${note})`)].join("\n");
}

/**
 * Gradescope's results.json for one student from their graded labs, in the
 * order given.
 *
 * @example
 * ```ts
 * import { gradescopeResults } from "./results.ts";
 * import type { LabGrade } from "./score.ts";
 * declare const grades: LabGrade[];
 * gradescopeResults(grades).tests.every((test) => test.visibility === "after_due_date"); // → true
 * ```
 */
export function gradescopeResults(
  grades: LabGrade[],
  visibility: Visibility = HIDDEN_VISIBILITY,
): GradescopeResults {
  const tests: GradescopeTest[] = [];
  for (const grade of grades) {
    grade.tests.forEach((test, index) => {
      tests.push({
        name: `${grade.lab.slug}: ${test.name}`,
        number: `${grade.lab.id}.${index + 1}`,
        score: test.score,
        max_score: test.points,
        status: test.status,
        output: test.output,
        output_format: "text",
        visibility,
        tags: [grade.lab.slug],
        extra_data: { lab: grade.lab.id, slug: grade.lab.slug },
      });
    });
  }
  return {
    score: roundPoints(grades.reduce((total, grade) => total + grade.score, 0)),
    execution_time: Math.round(grades.reduce((total, grade) => total + grade.durationMs, 0) / 1000),
    output: grades.map(labLine).join("\n"),
    output_format: "text",
    test_output_format: "text",
    test_name_format: "text",
    visibility,
    stdout_visibility: "hidden",
    tests,
    extra_data: {
      labs: grades.map((grade) => ({
        id: grade.lab.id,
        slug: grade.lab.slug,
        score: grade.score,
        max_score: grade.maxScore,
        ...(grade.reason === undefined ? {} : { reason: grade.reason }),
      })),
    },
  };
}
