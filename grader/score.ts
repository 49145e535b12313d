/**
 * Scoring: which hidden tests a lab has and what each is worth (from a
 * reference run of the solution and the manifest's `points`), and a student's
 * score from the JUnit report of their run. Only the report counts: a test
 * scores when every entry of its exact name in the report passed; a test the
 * report does not name scores nothing and says "did not run".
 *
 * Pure functions only: no file system, no `Deno` global.
 *
 * @example
 * ```ts
 * import { scoreLab } from "./score.ts";
 * const reference = [{ name: "adder > adds", points: 2 }];
 * scoreLab(reference, [{ name: "adder > adds", leaf: "adds", groups: ["adder"], status: "passed" }]);
 * // → { score: 2, maxScore: 2, tests: [{ name: "adder > adds", status: "passed", ... }] }
 * ```
 * @module
 */

import { type LabEntry, testNameMatches } from "../core/course.ts";
import { summarizeFailure, type TestResult } from "../core/test_report.ts";

/** One hidden test of a lab, as the solution's run names it, and its worth. */
export interface ReferenceTest {
  /** The full name the runner reports: `"describe > it"`. */
  name: string;
  points: number;
}

/** One hidden test of one student. */
export interface GradedTest {
  name: string;
  /** What the test is worth. */
  points: number;
  /** What the student got: `points` or 0. */
  score: number;
  status: "passed" | "failed";
  /** Why it failed, from the JUnit report or the grader; `""` for a pass. Capped. */
  output: string;
}

/** A lab's score and its tests. */
export interface LabScore {
  score: number;
  maxScore: number;
  tests: GradedTest[];
  /** Why the lab as a whole did not run normally (timed out, no files, …). */
  reason?: string;
}

/** What the grader keeps per student and lab (`<out>/<student>/labs/<slug>.json`). */
export interface LabGrade extends LabScore {
  /** The grader version that wrote it. */
  version: number;
  student: string;
  lab: { id: string; slug: string; title: string };
  /** What the grade depends on; a grade under another fingerprint is redone. */
  fingerprint: string;
  /** Things worth knowing that did not stop the grading (a file the starter stood in for). */
  notes: string[];
  /** How long grading took (0 when nothing ran). */
  durationMs: number;
  /** When it was graded (ISO 8601). */
  gradedAt: string;
}

/** Most bytes of a test's `output`: enough for an assertion's message and values. */
export const MAX_TEST_OUTPUT_BYTES = 2048;

/**
 * Rounds points to two decimals, so sums of fractional points print cleanly.
 *
 * @example
 * ```ts
 * import { roundPoints } from "./score.ts";
 * roundPoints(0.1 + 0.2); // → 0.3
 * ```
 */
export function roundPoints(points: number): number {
  return Math.round(points * 100) / 100;
}

/**
 * Cuts `text` to at most `maxBytes` of UTF-8 (never inside a character),
 * saying how much was cut.
 *
 * @example
 * ```ts
 * import { capText } from "./score.ts";
 * capText("x".repeat(5000), 100).length < 200; // → true
 * ```
 */
export function capText(text: string, maxBytes = MAX_TEST_OUTPUT_BYTES): string {
  const bytes = new TextEncoder().encode(text);
  if (bytes.byteLength <= maxBytes) return text;
  const note = (cut: number) => `\n… (${cut} more bytes not shown)`;
  const budget = Math.max(0, maxBytes - new TextEncoder().encode(note(bytes.byteLength)).length);
  let end = budget;
  // A UTF-8 continuation byte (10xxxxxx) is never the start of a character.
  while (end > 0 && (bytes[end] & 0xc0) === 0x80) end--;
  const kept = new TextDecoder().decode(bytes.subarray(0, end));
  return `${kept}${note(bytes.byteLength - end)}`;
}

/**
 * The worth of a hidden test: its entry in the lab's `points` (keyed by the
 * `it` name), else 1.
 *
 * @example
 * ```ts
 * import { pointsFor } from "./score.ts";
 * import type { LabEntry } from "../core/course.ts";
 * declare const lab: LabEntry; // points: { "adds": 3 }
 * pointsFor(lab, "adder > adds"); // → 3
 * ```
 */
export function pointsFor(lab: LabEntry, fullName: string): number {
  for (const [key, points] of Object.entries(lab.points ?? {})) {
    if (testNameMatches(fullName, key)) return points;
  }
  return 1;
}

/** The hidden tests of a lab and what is wrong with the run that found them. */
export interface ReferenceFindings {
  tests: ReferenceTest[];
  /** Why these tests cannot be the yardstick: the solution fails some, names repeat. */
  problems: string[];
  /** `points` keys that name no hidden test (their points are never given). */
  unusedPoints: string[];
}

/**
 * The hidden tests of a lab, from the JUnit report of the solution's run: every
 * test must pass there, or the hidden tests (or the limits) are broken and no
 * student should be graded against them.
 *
 * @example
 * ```ts
 * import { referenceFromReport } from "./score.ts";
 * import type { LabEntry } from "../core/course.ts";
 * declare const lab: LabEntry;
 * const found = referenceFromReport(lab, [
 *   { name: "adder > adds", leaf: "adds", groups: ["adder"], status: "passed" },
 * ]);
 * if (found.problems.length > 0) throw new Error(found.problems.join("\n"));
 * ```
 */
export function referenceFromReport(lab: LabEntry, report: TestResult[]): ReferenceFindings {
  const problems: string[] = [];
  const tests: ReferenceTest[] = [];
  const seen = new Set<string>();
  for (const result of report) {
    if (result.status !== "passed") {
      const why = result.status === "skipped"
        ? "was skipped"
        : `fails: ${summarizeFailure(result.message ?? "failed", result.details).headline}`;
      problems.push(`the solution's hidden test "${result.name}" ${why}`);
      continue;
    }
    if (seen.has(result.name)) {
      problems.push(`two hidden tests are named "${result.name}"; grades are kept by name`);
      continue;
    }
    seen.add(result.name);
    tests.push({ name: result.name, points: pointsFor(lab, result.name) });
  }
  if (report.length === 0) problems.push("the solution's run reported no hidden test");
  const unusedPoints = Object.keys(lab.points ?? {}).filter((key) =>
    !tests.some((test) => testNameMatches(test.name, key))
  );
  return { tests, problems, unusedPoints };
}

/**
 * A failed test's `output`: the report's failure message restated in plain
 * words (the assertion's message, expected and actual values), capped at
 * {@linkcode MAX_TEST_OUTPUT_BYTES}. Nothing the test printed is included.
 *
 * @example
 * ```ts
 * import { failureOutput } from "./score.ts";
 * failureOutput({ name: "a", leaf: "a", groups: [], status: "failed",
 *   message: "Uncaught AssertionError: counted events\n\n3 !== 4\n" });
 * // → "counted events\nexpected: 4\nactual: 3"
 * ```
 */
export function failureOutput(result: TestResult): string {
  const summary = summarizeFailure(result.message ?? "failed without a message", result.details);
  const lines = [summary.headline];
  if (summary.expected !== undefined) lines.push(`expected: ${summary.expected}`);
  if (summary.actual !== undefined) lines.push(`actual: ${summary.actual}`);
  lines.push(...summary.details);
  return capText(lines.join("\n"));
}

/**
 * Scores one lab of one student from the JUnit report of their run, against
 * the lab's hidden tests. `report` is `null` when the run wrote no report (it
 * timed out, printed too much, crashed): then nothing scores. `problem` says
 * why the run did not end normally, in words; it becomes the lab's reason.
 *
 * A reference test passes only when the report names it exactly and every entry
 * with that name passed, so a test the student's code registers under a
 * similar name, or a duplicate, cannot stand in for it.
 *
 * @example
 * ```ts
 * import { scoreLab } from "./score.ts";
 * const lab = scoreLab([{ name: "a", points: 1 }, { name: "b", points: 2 }], null, "timed out after 60 s");
 * lab.score; // → 0
 * lab.tests[1].output; // → "did not run: timed out after 60 s"
 * ```
 */
export function scoreLab(
  reference: ReferenceTest[],
  report: TestResult[] | null,
  problem?: string,
): LabScore {
  const byName = new Map<string, TestResult[]>();
  for (const result of report ?? []) {
    byName.set(result.name, [...byName.get(result.name) ?? [], result]);
  }
  let missing = 0;
  const tests = reference.map((test): GradedTest => {
    const entries = byName.get(test.name) ?? [];
    if (entries.length > 0 && entries.every((entry) => entry.status === "passed")) {
      return {
        name: test.name,
        points: test.points,
        score: test.points,
        status: "passed",
        output: "",
      };
    }
    const failure = entries.find((entry) => entry.status === "failed");
    let output: string;
    if (failure) output = failureOutput(failure);
    else {
      if (entries.length === 0) missing++;
      output = capText(problem === undefined ? "did not run" : `did not run: ${problem}`);
    }
    return { name: test.name, points: test.points, score: 0, status: "failed", output };
  });
  let reason = problem;
  if (reason === undefined && report === null) reason = "the run wrote no test report";
  if (reason === undefined && missing > 0) {
    reason = `${missing} of ${reference.length} hidden tests did not run: the run ended before ` +
      `reaching them (Deno.exit() or a crash?)`;
  }
  return {
    score: roundPoints(tests.reduce((total, test) => total + test.score, 0)),
    maxScore: roundPoints(reference.reduce((total, test) => total + test.points, 0)),
    tests,
    ...(reason === undefined ? {} : { reason: capText(reason) }),
  };
}

/**
 * A lab that could not be run at all (no files, a refused file): every hidden
 * test failed with the same reason.
 *
 * @example
 * ```ts
 * import { zeroLab } from "./score.ts";
 * zeroLab([{ name: "a", points: 2 }], "no files for lab 04").tests[0].output;
 * // → "no files for lab 04"
 * ```
 */
export function zeroLab(reference: ReferenceTest[], reason: string): LabScore {
  const output = capText(reason);
  return {
    score: 0,
    maxScore: roundPoints(reference.reduce((total, test) => total + test.points, 0)),
    tests: reference.map((test) => ({
      name: test.name,
      points: test.points,
      score: 0,
      status: "failed",
      output,
    })),
    reason: output,
  };
}
