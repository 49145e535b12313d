/**
 * What the student reads: the result of one lab's run (each test as ✓/✗, the
 * failure in plain words, `5/8 passing`, the hint, the chapter to read) and the
 * course table (each lab's status and what to do next).
 *
 * Pure text building, so it can be tested without running anything.
 *
 * @example
 * ```ts
 * import { renderLabRun } from "./lab_view.ts";
 * import { makeStyle } from "../core/lab_env.ts";
 * import type { Course, LabEntry } from "../core/course.ts";
 * import type { TestRun } from "../core/test_runner.ts";
 * declare const course: Course, lab: LabEntry, run: TestRun;
 * console.log(renderLabRun(course, lab, run, makeStyle(false)));
 * ```
 * @module
 */

import { type Course, hintFor, type LabEntry } from "../core/course.ts";
import type { Style } from "../core/lab_env.ts";
import { summarizeFailure, type TestResult } from "../core/test_report.ts";
import { countResults, type TestRun } from "../core/test_runner.ts";

/** A lab's state as the course table shows it. */
export type LabStatus =
  | { kind: "not-started" }
  | { kind: "passing"; passed: number; total: number }
  | { kind: "failing"; passed: number; total: number; reason?: string };

/**
 * The status a run stands for. A run with a problem (it does not compile, it
 * hung, a file failed to load) is failing whatever its counts say.
 *
 * @example
 * ```ts
 * import { statusOf } from "./lab_view.ts";
 * import type { TestRun } from "../core/test_runner.ts";
 * declare const run: TestRun;
 * statusOf(run); // → { kind: "failing", passed: 5, total: 8 }
 * ```
 */
export function statusOf(run: TestRun): LabStatus {
  const { passed, failed, total } = countResults(run.results);
  if (run.problem) {
    return { kind: "failing", passed, total, reason: shortReason(run.problem.headline) };
  }
  if (failed === 0 && total > 0 && run.exitCode === 0) return { kind: "passing", passed, total };
  return { kind: "failing", passed, total };
}

function shortReason(headline: string): string {
  if (headline.startsWith("the code does not type-check")) return "does not type-check";
  if (headline.startsWith("the tests did not finish")) return "timed out";
  if (headline.includes("threw outside any test")) return "a test file failed to load";
  if (headline.startsWith("no test reported")) return "no tests found";
  return "the tests could not run";
}

/**
 * The words for a status: `passing (8/8)`, `failing (5/8)`, `not started`.
 *
 * @example
 * ```ts
 * import { describeStatus } from "./lab_view.ts";
 * describeStatus({ kind: "failing", passed: 5, total: 8 }); // → "failing (5/8)"
 * ```
 */
export function describeStatus(status: LabStatus): string {
  switch (status.kind) {
    case "not-started":
      return "not started";
    case "passing":
      return `passing (${status.passed}/${status.total})`;
    case "failing":
      // A run that stopped before any test (a type error, say) has no count worth showing.
      if (status.total === 0 && status.reason) return `failing: ${status.reason}`;
      return `failing (${status.passed}/${status.total})` +
        (status.reason ? `: ${status.reason}` : "");
  }
}

function statusMark(status: LabStatus, style: Style): string {
  switch (status.kind) {
    case "not-started":
      return style.dim("·");
    case "passing":
      return style.green("✓");
    case "failing":
      return style.red("✗");
  }
}

/**
 * The command that opens a lab, as a student types it.
 *
 * @example
 * ```ts
 * import { labCommand } from "./lab_view.ts";
 * import type { LabEntry } from "../core/course.ts";
 * declare const lab: LabEntry;
 * labCommand(lab); // → "deno task lab 04"
 * ```
 */
export function labCommand(lab: LabEntry): string {
  return `deno task lab ${lab.id}`;
}

/**
 * The course table: one row per lab in course order, then the next step (the
 * first lab that does not pass yet).
 *
 * @example
 * ```ts
 * import { renderCourseTable } from "./lab_view.ts";
 * import { makeStyle } from "../core/lab_env.ts";
 * import type { Course } from "../core/course.ts";
 * declare const course: Course;
 * renderCourseTable(course, course.labs.map(() => ({ kind: "not-started" })), makeStyle(false));
 * ```
 */
export function renderCourseTable(course: Course, statuses: LabStatus[], style: Style): string {
  const titleWidth = Math.max(5, ...course.labs.map((lab) => lab.title.length));
  const lines = [style.bold(course.title), ""];
  lines.push(`     ${"#".padEnd(4)}${"lab".padEnd(titleWidth + 2)}status`);
  course.labs.forEach((lab, index) => {
    const status = statuses[index];
    lines.push(
      `  ${statusMark(status, style)}  ${lab.id.padEnd(4)}${lab.title.padEnd(titleWidth + 2)}` +
        describeStatus(status),
    );
  });
  lines.push("");
  const nextIndex = statuses.findIndex((status) => status.kind !== "passing");
  if (nextIndex === -1) {
    lines.push(style.green("Every lab passes. Well done!"));
  } else {
    const lab = course.labs[nextIndex];
    const verb = statuses[nextIndex].kind === "not-started" ? "Start" : "Next";
    lines.push(
      `${verb}: ${style.bold(labCommand(lab))}   (${lab.title}; the chapter is ${lab.note}, ` +
        `the task is labs/${lab.slug}/README.md)`,
    );
  }
  return lines.join("\n");
}

const MAX_PRINTED_LINES = 10;

/**
 * Where a test stands in the README's order: the position, in the manifest's
 * `files` (listed part by part), of the file its test file is named after
 * (`pipeline_test.ts` tests `pipeline.ts`). Tests of no listed file come last.
 */
function partIndex(lab: LabEntry, test: TestResult): number {
  const testFile = test.file?.split("/").pop();
  const index = testFile ? lab.files.indexOf(testFile.replace(/_test\.ts$/, ".ts")) : -1;
  return index === -1 ? lab.files.length : index;
}

/**
 * A run's results in the README's part order (the order the runner reported
 * them in within each part), so that groups print part by part and the first
 * failure is the one of the earliest part.
 *
 * @example
 * ```ts
 * import { inPartOrder } from "./lab_view.ts";
 * import type { LabEntry } from "../core/course.ts";
 * declare const lab: LabEntry; // files: ["first.ts", "pipeline.ts"]
 * inPartOrder(lab, [
 *   { name: "b", leaf: "b", groups: [], status: "failed", file: "./labs/04/pipeline_test.ts" },
 *   { name: "a", leaf: "a", groups: [], status: "failed", file: "./labs/04/first_test.ts" },
 * ]).map((test) => test.name); // → ["a", "b"]
 * ```
 */
export function inPartOrder(lab: LabEntry, results: readonly TestResult[]): TestResult[] {
  return results
    .map((test, position) => ({ test, position, part: partIndex(lab, test) }))
    .sort((a, b) => a.part - b.part || a.position - b.position)
    .map(({ test }) => test);
}

/**
 * Hints for failures that mean the same mistake whatever the test: the
 * primitives' panics, a leak report, a deadlock. They come before the test's
 * own hint, which says what the test wants, not what went wrong.
 */
const FAILURE_HINTS: { pattern: RegExp; hint: string }[] = [
  {
    pattern: /close of closed channel/,
    hint: "two parties both think they own the close. Make one of them the owner (the only " +
      "sender, or one task that waits for all the senders), or guard the close with a flag.",
  },
  {
    pattern: /send on closed channel/,
    hint: "a channel was closed while a sender could still use it. Only the last sender, or a " +
      "task that waits for every sender, may close; a sender parked in a select must be given " +
      "another way out (a done channel closed first) before the close.",
  },
  {
    pattern: /negative WaitGroup counter/,
    hint: "done() ran more often than add(): call add() once per task, before starting it, " +
      "and done() once at its end (in a finally), or use the group's go().",
  },
  {
    pattern: /all goroutines are asleep|deadlock!/,
    hint: "every task is parked on a channel with nobody left to wake it. Look at who should " +
      "send or close on the channels named above, and whether they returned early.",
  },
  {
    pattern: /leaked: \d+ task/,
    hint: "a task you started is still alive after the test. The report names the channel it " +
      "is parked on and where it was created: who was supposed to receive (or send) there, and " +
      "why did they stop? Every wait must also end when the context is done.",
  },
];

/**
 * The hint for what a failure says, when it is one of the mistakes every lab
 * shares (a panic of the primitives, a leak, a deadlock), else `undefined`.
 *
 * @example
 * ```ts
 * import { failureHint } from "./lab_view.ts";
 * failureHint({ name: "x", leaf: "x", groups: [], status: "failed",
 *   message: "Panic: close of closed channel" }); // → "two parties both think they own …"
 * ```
 */
export function failureHint(test: TestResult): string | undefined {
  const text = `${test.message ?? ""}\n${test.details ?? ""}`;
  return FAILURE_HINTS.find(({ pattern }) => pattern.test(text))?.hint;
}

function renderFailure(test: TestResult, indent: string, style: Style): string[] {
  const summary = summarizeFailure(test.message ?? "failed", test.details);
  const lines = [`${indent}${style.red(summary.headline)}`];
  if (summary.expected !== undefined) lines.push(`${indent}expected: ${summary.expected}`);
  if (summary.actual !== undefined) lines.push(`${indent}actual:   ${summary.actual}`);
  for (const detail of summary.details) lines.push(`${indent}${style.dim(detail)}`);
  if (test.output && test.output.length > 0) {
    lines.push(`${indent}${style.dim("it printed:")}`);
    for (const printed of test.output.slice(0, MAX_PRINTED_LINES)) {
      lines.push(`${indent}${style.dim("| ")}${printed}`);
    }
    if (test.output.length > MAX_PRINTED_LINES) {
      lines.push(
        `${indent}${style.dim(`| … ${test.output.length - MAX_PRINTED_LINES} more lines`)}`,
      );
    }
  }
  return lines;
}

/**
 * The tests of a run, grouped under their `describe`s: `✓ name`, `✗ name` with
 * the failure restated, `○ name (skipped)`.
 *
 * @example
 * ```ts
 * import { renderResults } from "./lab_view.ts";
 * import { makeStyle } from "../core/lab_env.ts";
 * renderResults([{ name: "adds", leaf: "adds", groups: [], status: "passed" }], makeStyle(false));
 * // → ["  ✓ adds"]
 * ```
 */
export function renderResults(results: TestResult[], style: Style): string[] {
  const lines: string[] = [];
  let shownGroups: string[] = [];
  for (const test of results) {
    let common = 0;
    while (
      common < shownGroups.length && common < test.groups.length &&
      shownGroups[common] === test.groups[common]
    ) common++;
    for (let depth = common; depth < test.groups.length; depth++) {
      lines.push(`${"  ".repeat(depth + 1)}${style.bold(test.groups[depth])}`);
    }
    shownGroups = test.groups;
    const indent = "  ".repeat(test.groups.length + 1);
    if (test.status === "passed") lines.push(`${indent}${style.green("✓")} ${test.leaf}`);
    else if (test.status === "skipped") {
      lines.push(`${indent}${style.dim(`○ ${test.leaf} (skipped)`)}`);
    } else {
      lines.push(`${indent}${style.red("✗")} ${test.leaf}`);
      lines.push(...renderFailure(test, `${indent}    `, style));
    }
  }
  return lines;
}

/**
 * A progress line: `5/8 passing` with a bar of one block per test.
 *
 * @example
 * ```ts
 * import { progressLine } from "./lab_view.ts";
 * import { makeStyle } from "../core/lab_env.ts";
 * progressLine(2, 3, makeStyle(false)); // → "2/3 passing  ■■□"
 * ```
 */
export function progressLine(passed: number, total: number, style: Style): string {
  const width = Math.min(total, 40);
  const filled = total === 0 ? 0 : Math.round((passed / total) * width);
  const bar = style.green("■".repeat(filled)) + style.dim("□".repeat(width - filled));
  const words = `${passed}/${total} passing`;
  return `${passed === total && total > 0 ? style.green(words) : style.bold(words)}  ${bar}`;
}

/**
 * Everything `deno task lab 04` prints after a run: header, tests, problems,
 * progress line, then either the hint and chapter for the first failing test
 * (of the earliest part, in the README's order) or the way on to the next lab.
 * Tests print part by part. A failure every lab shares (a panic, a leak) gets
 * its own hint first; a run in which no test ran says why instead of `0/0`.
 *
 * @example
 * ```ts
 * import { renderLabRun } from "./lab_view.ts";
 * import { makeStyle } from "../core/lab_env.ts";
 * import type { Course, LabEntry } from "../core/course.ts";
 * import type { TestRun } from "../core/test_runner.ts";
 * declare const course: Course, lab: LabEntry, run: TestRun;
 * console.log(renderLabRun(course, lab, run, makeStyle(false)));
 * ```
 */
export function renderLabRun(course: Course, lab: LabEntry, run: TestRun, style: Style): string {
  const lines = [
    style.bold(`Lab ${lab.id} · ${lab.title}`),
    style.dim(
      `edit ${lab.files.map((file) => `labs/${lab.slug}/${file}`).join(", ")}; ` +
        `the task is labs/${lab.slug}/README.md`,
    ),
  ];
  const results = inPartOrder(lab, run.results);
  if (results.length > 0) lines.push("", ...renderResults(results, style));
  if (run.strayOutput.length > 0) {
    lines.push("", style.dim("printed outside any test:"));
    for (const printed of run.strayOutput.slice(0, MAX_PRINTED_LINES)) {
      lines.push(`  ${style.dim("| ")}${printed}`);
    }
  }
  if (run.problem) {
    lines.push("", `${style.yellow("!")} ${style.yellow(run.problem.headline)}`);
    for (const detail of run.problem.details) lines.push(`    ${detail}`);
    if (run.problem.headline.startsWith("the code does not type-check")) {
      lines.push(`Fix these, or run the tests anyway: ${labCommand(lab)} --no-check`);
    }
  }
  const { passed, total } = countResults(run.results);
  const status = statusOf(run);
  if (total === 0 && status.kind === "failing" && status.reason) {
    lines.push("", style.bold(`No test ran: ${status.reason}.`));
  } else {
    lines.push("", progressLine(passed, total, style));
  }
  if (status.kind === "passing") {
    const index = course.labs.findIndex((entry) => entry.slug === lab.slug);
    const next = course.labs[index + 1];
    lines.push(
      style.green(`Lab ${lab.id} passes.`) +
        (next
          ? ` Next: ${style.bold(labCommand(next))} (${next.title})`
          : " That was the last lab: run `deno task lab` to see the whole course."),
    );
    return lines.join("\n");
  }
  const firstFailing = results.find((test) => test.status === "failed");
  const hint = firstFailing ? hintFor(lab, firstFailing.name) : lab.hint;
  const byFailure = firstFailing ? failureHint(firstFailing) : undefined;
  const about = firstFailing ? ` (${firstFailing.leaf})` : "";
  if (byFailure) {
    lines.push("", `${style.yellow("Hint")}${about}: ${byFailure}`);
    if (hint) lines.push(`${style.yellow("What the test wants")}: ${hint}`);
  } else if (hint) {
    lines.push("", `${style.yellow("Hint")}${about}: ${hint}`);
  }
  lines.push(`Read: ${lab.note}`);
  return lines.join("\n");
}
