/**
 * The grader's results, read for the site: each student's Gradescope `results.json` checked and
 * sorted into the course's labs, and the class overview computed from them (scores per student
 * and lab, pass rates per test).
 *
 * This module is pure: it parses text and computes, and never touches the file system, so that
 * the app stays runtime-neutral and every rule here is tested directly. `load.ts` does the reading.
 *
 * Nothing here trusts the content: names, test names and outputs are kept as plain strings and
 * rendered as escaped text by the pages. Numbers are checked to be finite.
 *
 * @example
 * ```ts
 * import { parseStudentResults, summarise } from "./results.ts";
 * import type { Course } from "../core/course.ts";
 * declare const course: Course;
 * const text = '{"score":1,"tests":[{"name":"04-channels: first wins","score":1,"max_score":1,' +
 *   '"status":"passed","output":"","visibility":"visible"}]}';
 * const student = parseStudentResults("ada", text, "results/ada/results.json", course);
 * const report = summarise([student], course);
 * ```
 * @module
 */
import type { Course, LabEntry } from "../core/course.ts";

/** Thrown when a results file is not valid JSON or not in the grader's format; lists every problem. */
export class ResultsError extends Error {
  /** Each problem on its own, in the order found. */
  readonly problems: string[];
  /**
   * @example
   * ```ts
   * import { ResultsError } from "./results.ts";
   * throw new ResultsError("results/ada/results.json", ["tests must be an array"]);
   * ```
   */
  constructor(source: string, problems: string[]) {
    super(`${source} is not a grader results file:\n  - ${problems.join("\n  - ")}`);
    this.name = "ResultsError";
    this.problems = problems;
  }
}

/** One graded test of one student, as the pages show it. */
export interface TestOutcome {
  /** The test's full name as the grader reported it. */
  name: string;
  /** The name without the lab prefix the grader put in front of it, for tables grouped by lab. */
  shortName: string;
  /** The lab the test belongs to (its two-digit id), or `null` when that cannot be told. */
  labId: string | null;
  score: number;
  maxScore: number;
  /** `"passed"` or `"failed"`; a test without a status passed when it scored its maximum. */
  status: "passed" | "failed";
  /** What the test printed, as the grader capped it. Untrusted: always rendered as text. */
  output: string;
  /** Gradescope's visibility: `visible`, `hidden`, `after_due_date` or `after_published`. */
  visibility: string;
}

/** One student's result in one lab. */
export interface LabOutcome {
  /** The lab's id, or `null` for the tests no lab could be found for. */
  labId: string | null;
  /** The lab's score: the grader's own figure (`extra_data.labs`) when given, else the tests' sum. */
  score: number;
  maxScore: number;
  passed: number;
  tests: TestOutcome[];
  /** Why the lab did not run normally (a crash, a time-out), as the grader put it. */
  reason?: string;
}

/** One student's whole results file. */
export interface StudentResults {
  /** The student's name: the name of their folder in the results. */
  name: string;
  /** The file it was read from, for messages. */
  source: string;
  /** The total score: the file's own `score`, or the sum of the tests' scores when it has none. */
  score: number;
  /** The sum of the tests' maximum scores. */
  maxScore: number;
  /** The file's top-level `output` (for example why a lab could not be graded), or `""`. */
  output: string;
  /** Per lab, in course order, then the tests of no known lab when there are any. */
  labs: LabOutcome[];
}

/** How often one test passed across the class. */
export interface PassRate {
  name: string;
  shortName: string;
  labId: string | null;
  passed: number;
  /** How many students have this test in their results. */
  total: number;
}

/** The class overview. */
export interface ClassResults {
  /** Every student, sorted by name. */
  students: StudentResults[];
  /** The labs that appear in at least one student's results, in course order. */
  labs: LabEntry[];
  /** Whether some tests belong to no known lab (shown as an extra "other" column). */
  hasUnassigned: boolean;
  /** Per test, grouped by lab in course order, tests in the order they were first seen. */
  passRates: PassRate[];
  /** Things worth telling the person building, that did not stop the build. */
  warnings: string[];
}

const VISIBILITIES = new Set(["visible", "hidden", "after_due_date", "after_published"]);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value);
}

/**
 * Which lab a test belongs to: `extra_data.lab`, else a tag naming a lab, else the name's prefix
 * (`"04-channels: …"`, `"04-channels > …"`, `"[04] …"`, `"lab 04 …"`). Returns the lab and the name
 * with that prefix removed.
 */
function labOfTest(
  test: Record<string, unknown>,
  name: string,
  course: Course,
): { labId: string | null; shortName: string } {
  const byKey = (key: unknown): LabEntry | undefined =>
    typeof key === "string"
      ? course.labs.find((lab) => lab.id === key || lab.slug === key)
      : undefined;
  const extra = isRecord(test.extra_data) ? test.extra_data : {};
  const fromExtra = byKey(extra.lab) ?? byKey(extra.slug) ?? byKey(extra.labId);
  const fromTags = Array.isArray(test.tags)
    ? test.tags.map(byKey).find((lab) => lab !== undefined)
    : undefined;
  for (const lab of course.labs) {
    for (const prefix of [lab.slug, `[${lab.id}]`, `[${lab.slug}]`, `lab ${lab.id}`, lab.id]) {
      if (name.toLowerCase().startsWith(prefix.toLowerCase())) {
        const rest = name.slice(prefix.length);
        // A dash separates only when a space follows: "04-channelsX" is not lab 04's "channelsX".
        const separator = rest.match(/^\s*(?::|>|\/|—|–|\||-(?=\s))\s*|^\s+/);
        if (separator && (fromExtra ?? fromTags ?? lab) === lab) {
          return { labId: lab.id, shortName: rest.slice(separator[0].length) || name };
        }
      }
    }
  }
  const known = fromExtra ?? fromTags;
  return { labId: known ? known.id : null, shortName: name };
}

/**
 * Reads one student's `results.json` (Gradescope's format: `{ score, tests: [{ name, score,
 * max_score, status, output, visibility }] }`) and sorts its tests into the course's labs.
 *
 * @throws {ResultsError} listing every problem when the text is not JSON or not in that format.
 * @example
 * ```ts
 * import { parseStudentResults } from "./results.ts";
 * import type { Course } from "../core/course.ts";
 * declare const course: Course;
 * const student = parseStudentResults("ada", '{"tests":[]}', "ada/results.json", course);
 * student.maxScore; // → 0
 * ```
 */
export function parseStudentResults(
  name: string,
  text: string,
  source: string,
  course: Course,
): StudentResults {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ResultsError(source, [`it is not valid JSON (${(error as Error).message})`]);
  }
  const problems: string[] = [];
  if (!isRecord(value)) throw new ResultsError(source, ["it must be a JSON object with tests"]);
  if (!Array.isArray(value.tests)) problems.push("tests must be an array of test results");
  if (value.score !== undefined && !isFiniteNumber(value.score)) {
    problems.push("score must be a number");
  }
  if (value.output !== undefined && typeof value.output !== "string") {
    problems.push("output must be a string");
  }
  const tests: TestOutcome[] = [];
  (Array.isArray(value.tests) ? value.tests : []).forEach((test: unknown, index: number) => {
    const where = `tests[${index}]`;
    if (!isRecord(test)) {
      problems.push(`${where} must be an object`);
      return;
    }
    const testProblems: string[] = [];
    if (typeof test.name !== "string" || test.name === "") {
      testProblems.push(`${where}: name must be a non-empty string`);
    }
    const label = typeof test.name === "string" && test.name !== ""
      ? `${where} (${JSON.stringify(test.name)})`
      : where;
    if (!isFiniteNumber(test.score)) testProblems.push(`${label}: score must be a number`);
    if (test.max_score !== undefined && !isFiniteNumber(test.max_score)) {
      testProblems.push(`${label}: max_score must be a number`);
    }
    if (test.status !== undefined && test.status !== "passed" && test.status !== "failed") {
      testProblems.push(`${label}: status must be "passed" or "failed"`);
    }
    if (test.output !== undefined && typeof test.output !== "string") {
      testProblems.push(`${label}: output must be a string`);
    }
    if (
      test.visibility !== undefined &&
      !(typeof test.visibility === "string" && VISIBILITIES.has(test.visibility))
    ) {
      testProblems.push(`${label}: visibility must be one of ${[...VISIBILITIES].join(", ")}`);
    }
    if (testProblems.length > 0) {
      problems.push(...testProblems);
      return;
    }
    const testName = cleanText(test.name as string);
    const score = test.score as number;
    const maxScore = (test.max_score as number | undefined) ?? score;
    const { labId, shortName } = labOfTest(test, testName, course);
    tests.push({
      name: testName,
      shortName,
      labId,
      score,
      maxScore,
      status: (test.status as "passed" | "failed" | undefined) ??
        (score >= maxScore ? "passed" : "failed"),
      output: cleanText((test.output as string | undefined) ?? ""),
      visibility: (test.visibility as string | undefined) ?? "visible",
    });
  });
  const labTotals = parseLabTotals(value.extra_data, course, problems);
  if (problems.length > 0) throw new ResultsError(source, problems);

  const labs: LabOutcome[] = [];
  const groups: (string | null)[] = [...course.labs.map((lab) => lab.id), null];
  for (const labId of groups) {
    const own = tests.filter((test) => test.labId === labId);
    const total = labId === null ? undefined : labTotals.get(labId);
    if (own.length === 0 && total === undefined) continue;
    labs.push({
      labId,
      score: total?.score ?? sum(own.map((test) => test.score)),
      maxScore: total?.maxScore ?? sum(own.map((test) => test.maxScore)),
      passed: own.filter((test) => test.status === "passed").length,
      tests: own,
      ...(total?.reason === undefined ? {} : { reason: total.reason }),
    });
  }
  return {
    // A folder name may hold any character but "/": shown, never interpreted.
    name: cleanText(name).replace(/[\n\t]/g, "\ufffd"),
    source,
    score: (value.score as number | undefined) ?? sum(labs.map((lab) => lab.score)),
    maxScore: sum(labs.map((lab) => lab.maxScore)),
    output: cleanText((value.output as string | undefined) ?? ""),
    labs,
  };
}

/**
 * The grader's own per-lab figures from `extra_data.labs` (`[{ id, slug, score, max_score,
 * reason? }]`), keyed by lab id. They count even when a lab's tests are missing from `tests`, for
 * example when the lab crashed before any test ran. Absent or empty, the tests' sums are used.
 */
function parseLabTotals(
  extra: unknown,
  course: Course,
  problems: string[],
): Map<string, { score: number; maxScore: number; reason?: string }> {
  const totals = new Map<string, { score: number; maxScore: number; reason?: string }>();
  if (!isRecord(extra) || extra.labs === undefined) return totals;
  if (!Array.isArray(extra.labs)) {
    problems.push("extra_data.labs must be an array");
    return totals;
  }
  extra.labs.forEach((entry: unknown, index: number) => {
    const where = `extra_data.labs[${index}]`;
    if (!isRecord(entry)) {
      problems.push(`${where} must be an object`);
      return;
    }
    const lab = course.labs.find((each) => each.id === entry.id || each.slug === entry.slug);
    // A lab the course no longer lists: its tests still show, as "other tests".
    if (lab === undefined) return;
    if (!isFiniteNumber(entry.score) || !isFiniteNumber(entry.max_score)) {
      problems.push(`${where} (${lab.slug}): score and max_score must be numbers`);
      return;
    }
    if (entry.reason !== undefined && typeof entry.reason !== "string") {
      problems.push(`${where} (${lab.slug}): reason must be a string`);
      return;
    }
    totals.set(lab.id, {
      score: entry.score,
      maxScore: entry.max_score,
      ...(entry.reason === undefined ? {} : { reason: cleanText(entry.reason as string) }),
    });
  });
  return totals;
}

/**
 * Text from a test run made fit to show: terminal colour codes (`ESC[31m`) removed, carriage
 * returns dropped, and any other control character replaced by U+FFFD, so that nothing invisible
 * or terminal-specific reaches a page.
 *
 * @example
 * ```ts
 * import { cleanText } from "./results.ts";
 * cleanText("\u001b[31mfailed\u001b[0m\r\n"); // → "failed\n"
 * ```
 */
export function cleanText(text: string): string {
  return text
    // deno-lint-ignore no-control-regex -- matching control characters is the point here
    .replace(/\u001b\[[0-?]*[ -/]*[@-~]/g, "")
    .replace(/\r/g, "")
    // deno-lint-ignore no-control-regex -- as above
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, "\ufffd");
}

function sum(numbers: number[]): number {
  return numbers.reduce((total, number) => total + number, 0);
}

/** What the site takes from the grader's `summary.json`. */
export interface SummaryInfo {
  /** When the grading run finished (ISO 8601), when the summary says. */
  generatedAt?: string;
  /** The students the summary lists, when it lists them. */
  students?: string[];
}

/**
 * Reads the class summary the grader writes beside the students' folders. The site computes what
 * it shows from the students' own files (so a page can never disagree with itself); from the
 * summary it takes when the run finished and which students it graded, to say so and to warn when
 * a student's file is missing. A summary that is there and broken means the run is broken, and the
 * build says so.
 *
 * @throws {ResultsError} when the text is not a JSON object, or its `generatedAt` or `students`
 * have the wrong type.
 * @example
 * ```ts
 * import { parseSummary } from "./results.ts";
 * parseSummary('{"generatedAt":"2025-01-01T00:00:00.000Z","students":[]}', "results/summary.json");
 * // → { generatedAt: "2025-01-01T00:00:00.000Z", students: [] }
 * ```
 */
export function parseSummary(text: string, source: string): SummaryInfo {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ResultsError(source, [`it is not valid JSON (${(error as Error).message})`]);
  }
  if (!isRecord(value)) throw new ResultsError(source, ["it must be a JSON object"]);
  const problems: string[] = [];
  const info: SummaryInfo = {};
  if (value.generatedAt !== undefined) {
    if (typeof value.generatedAt === "string") info.generatedAt = value.generatedAt;
    else problems.push("generatedAt must be a string");
  }
  if (value.students !== undefined) {
    const names = Array.isArray(value.students)
      ? value.students.map((entry) => isRecord(entry) ? entry.student : undefined)
      : [];
    if (!Array.isArray(value.students) || names.some((name) => typeof name !== "string")) {
      problems.push("students must be an array of { student, … } entries");
    } else info.students = names as string[];
  }
  if (problems.length > 0) throw new ResultsError(source, problems);
  return info;
}

/**
 * The class overview from every student's results: which labs to show as columns, and how often
 * each test passed.
 *
 * @example
 * ```ts
 * import { summarise, type StudentResults } from "./results.ts";
 * import type { Course } from "../core/course.ts";
 * declare const course: Course;
 * declare const students: StudentResults[];
 * const report = summarise(students, course);
 * report.passRates.filter((rate) => rate.passed < rate.total);
 * ```
 */
export function summarise(
  students: StudentResults[],
  course: Course,
  warnings: string[] = [],
): ClassResults {
  const sorted = [...students].sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  const seenLabs = new Set(sorted.flatMap((student) => student.labs.map((lab) => lab.labId)));
  const rates = new Map<string, PassRate>();
  const order: (string | null)[] = [...course.labs.map((lab) => lab.id), null];
  for (const labId of order) {
    for (const student of sorted) {
      for (const test of student.labs.find((lab) => lab.labId === labId)?.tests ?? []) {
        const key = `${labId ?? ""}\u0000${test.name}`;
        const rate = rates.get(key) ??
          { name: test.name, shortName: test.shortName, labId, passed: 0, total: 0 };
        rate.total++;
        if (test.status === "passed") rate.passed++;
        rates.set(key, rate);
      }
    }
  }
  return {
    students: sorted,
    labs: course.labs.filter((lab) => seenLabs.has(lab.id)),
    hasUnassigned: seenLabs.has(null),
    passRates: [...rates.values()],
    warnings,
  };
}

/**
 * A score as people write it: at most two decimals, no trailing zeros.
 *
 * @example
 * ```ts
 * import { formatScore } from "./results.ts";
 * formatScore(2.5); // → "2.5"
 * formatScore(1 / 3); // → "0.33"
 * ```
 */
export function formatScore(score: number): string {
  return String(Math.round(score * 100) / 100);
}
