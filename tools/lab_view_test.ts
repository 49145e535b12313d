import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Course, LabEntry } from "../core/course.ts";
import { makeStyle } from "../core/lab_env.ts";
import {
  describeStatus,
  failureHint,
  inPartOrder,
  labCommand,
  progressLine,
  renderCourseTable,
  renderLabRun,
  renderResults,
  statusOf,
} from "./lab_view.ts";
import type { TestResult } from "../core/test_report.ts";
import type { TestRun } from "../core/test_runner.ts";

const plain = makeStyle(false);

const channels: LabEntry = {
  id: "04",
  slug: "04-channels",
  title: "Channels",
  note: "notes/04-channels.md",
  files: ["timeout.ts", "pipeline.ts"],
  hint: "Read about select first.",
  hints: { "closes the output": "The sender closes, never the receiver." },
};
const context: LabEntry = {
  id: "05",
  slug: "05-context",
  title: "Context",
  note: "notes/05-context.md",
  files: ["search.ts"],
};
const course: Course = { title: "Go Concurrency in TypeScript", labs: [channels, context] };

function test(name: string, status: TestResult["status"], extra: Partial<TestResult> = {}) {
  const parts = name.split(" > ");
  return { name, leaf: parts.at(-1)!, groups: parts.slice(0, -1), status, ...extra };
}

function run(results: TestResult[], extra: Partial<TestRun> = {}): TestRun {
  const failed = results.some((result) => result.status === "failed");
  return {
    results,
    exitCode: failed ? 1 : 0,
    timedOut: false,
    aborted: false,
    strayOutput: [],
    ...extra,
  };
}

const failing = run([
  test("pipeline > passes values in order", "passed"),
  test("pipeline > closes the output", "failed", {
    message: "Uncaught AssertionError: channel still open\n\nfalse !== true\n",
    output: ["sent 3"],
  }),
  test("timeout > gives up", "failed", { message: "Uncaught Error: TODO: implement timeout" }),
  test("timeout > later", "skipped"),
]);

describe("statusOf", () => {
  it("is passing when every test passes", () => {
    assert.deepEqual(statusOf(run([test("a", "passed"), test("b", "skipped")])), {
      kind: "passing",
      passed: 1,
      total: 1,
    });
  });

  it("counts passes out of the tests that ran", () => {
    assert.deepEqual(statusOf(failing), { kind: "failing", passed: 1, total: 3 });
  });

  it("is failing, with a short reason, when the run has a problem", () => {
    const broken = run([], {
      exitCode: 1,
      problem: { headline: "the code does not type-check, so no test ran", details: [] },
    });
    assert.deepEqual(statusOf(broken), {
      kind: "failing",
      passed: 0,
      total: 0,
      reason: "does not type-check",
    });
    assert.equal(describeStatus(statusOf(broken)), "failing: does not type-check");
    const hung = statusOf(run([test("a", "passed")], {
      problem: { headline: "the tests did not finish within 120 s", details: [] },
    }));
    assert.equal(describeStatus(hung), "failing (1/1): timed out");
  });

  it("is not passing when no test ran", () => {
    assert.equal(statusOf(run([])).kind, "failing");
  });
});

describe("renderResults", () => {
  it("groups tests under their describes and marks each", () => {
    const lines = renderResults(failing.results, plain);
    assert.deepEqual(lines, [
      "  pipeline",
      "    ✓ passes values in order",
      "    ✗ closes the output",
      "        channel still open",
      "        expected: true",
      "        actual:   false",
      "        it printed:",
      "        | sent 3",
      "  timeout",
      "    ✗ gives up",
      "        Error: TODO: implement timeout",
      "    ○ later (skipped)",
    ]);
  });

  it("prints only the groups that change between tests", () => {
    const lines = renderResults([
      test("a > b > one", "passed"),
      test("a > b > two", "passed"),
      test("a > c > three", "passed"),
      test("top", "passed"),
    ], plain);
    assert.deepEqual(lines, [
      "  a",
      "    b",
      "      ✓ one",
      "      ✓ two",
      "    c",
      "      ✓ three",
      "  ✓ top",
    ]);
  });

  it("uses no escape codes without colour and some with it", () => {
    assert.equal(renderResults(failing.results, plain).join("\n").includes("\x1b["), false);
    assert.equal(
      renderResults(failing.results, makeStyle(true)).join("\n").includes("\x1b["),
      true,
    );
  });
});

describe("progressLine", () => {
  it("shows passed out of total with a bar", () => {
    assert.equal(progressLine(5, 8, plain), "5/8 passing  ■■■■■□□□");
    assert.equal(progressLine(0, 0, plain), "0/0 passing  ");
  });
});

describe("renderLabRun", () => {
  it("ends a failing run with progress, the first failing test's hint and the chapter", () => {
    const text = renderLabRun(course, channels, failing, plain);
    const lines = text.split("\n");
    assert.equal(lines[0], "Lab 04 · Channels");
    assert.equal(
      lines[1],
      "edit labs/04-channels/timeout.ts, labs/04-channels/pipeline.ts; the task is " +
        "labs/04-channels/README.md",
    );
    assert.deepEqual(lines.slice(-4), [
      "1/3 passing  ■□□",
      "",
      "Hint (closes the output): The sender closes, never the receiver.",
      "Read: notes/04-channels.md",
    ]);
  });

  it("falls back to the lab's hint when the failing test has none", () => {
    const text = renderLabRun(course, channels, run([test("timeout > gives up", "failed")]), plain);
    assert.match(text, /\nHint \(gives up\): Read about select first\.\n/);
  });

  it("points to the next lab once everything passes", () => {
    const text = renderLabRun(course, channels, run([test("a", "passed")]), plain);
    assert.match(text, /Lab 04 passes\. Next: deno task lab 05 \(Context\)$/);
    const last = renderLabRun(course, context, run([test("a", "passed")]), plain);
    assert.match(last, /That was the last lab/);
  });

  it("shows a run's problem and, for type errors, how to run anyway", () => {
    const broken = run([], {
      exitCode: 1,
      problem: {
        headline: "the code does not type-check, so no test ran",
        details: ["TS2322 [ERROR]: Type 'string' is not assignable to type 'number'."],
      },
    });
    const text = renderLabRun(course, channels, broken, plain);
    assert.ok(
      text.includes("\n! the code does not type-check, so no test ran\n    TS2322 [ERROR]"),
      text,
    );
    assert.match(text, /run the tests anyway: deno task lab 04 --no-check/);
    assert.doesNotMatch(text, /0\/0 passing/);
    assert.match(text, /\nNo test ran: does not type-check\.\n/);
  });

  it("shows what was printed outside any test", () => {
    const text = renderLabRun(
      course,
      channels,
      run([test("a", "failed")], {
        strayOutput: ["loading…"],
      }),
      plain,
    );
    assert.ok(text.includes("printed outside any test:\n  | loading…"), text);
  });
  it("prints tests part by part and hints at the earliest failing part, whatever the file order", () => {
    const file = (name: string) => ({ file: `./labs/04-channels/${name}` });
    const text = renderLabRun(
      course,
      channels,
      run([
        test("pipeline > closes the output", "failed", file("pipeline_test.ts")),
        test("helpers > formats", "passed", file("helpers_test.ts")),
        test("timeout > gives up", "failed", file("timeout_test.ts")),
        test("timeout > waits", "passed", file("timeout_test.ts")),
      ]),
      plain,
    );
    const order = ["  timeout", "    ✗ gives up", "    ✓ waits", "  pipeline", "  helpers"]
      .map((line) => text.indexOf(`\n${line}\n`));
    assert.ok(order.every((at, i) => at !== -1 && (i === 0 || at > order[i - 1])), text);
    assert.match(text, /\nHint \(gives up\): Read about select first\.\n/);
  });

  it("gives a panic its own hint, before what the test wants", () => {
    const panicked = run([
      test("pipeline > closes the output", "failed", {
        message: "Panic: close of closed channel",
        details: "Panic: close of closed channel\n    at merge (pipeline.ts:40:9)",
      }),
    ]);
    const lines = renderLabRun(course, channels, panicked, plain).split("\n");
    assert.match(lines.at(-3)!, /^Hint \(closes the output\): two parties both think they own/);
    assert.equal(lines.at(-2), "What the test wants: The sender closes, never the receiver.");
  });
});

describe("renderCourseTable", () => {
  it("lists the labs in order with their status and sends the student to the first unfinished one", () => {
    const text = renderCourseTable(course, [
      { kind: "passing", passed: 8, total: 8 },
      { kind: "not-started" },
    ], plain);
    assert.deepEqual(text.split("\n"), [
      "Go Concurrency in TypeScript",
      "",
      "     #   lab       status",
      "  ✓  04  Channels  passing (8/8)",
      "  ·  05  Context   not started",
      "",
      "Start: deno task lab 05   (Context; the chapter is notes/05-context.md, the task is " +
      "labs/05-context/README.md)",
    ]);
  });

  it("says Next for a lab already begun, and congratulates when all pass", () => {
    const next = renderCourseTable(course, [
      { kind: "failing", passed: 5, total: 8 },
      { kind: "not-started" },
    ], plain);
    assert.ok(next.includes("  ✗  04  Channels  failing (5/8)\n"), next);
    assert.match(next, /\nNext: deno task lab 04 /);
    const done = renderCourseTable(course, [
      { kind: "passing", passed: 8, total: 8 },
      { kind: "passing", passed: 3, total: 3 },
    ], plain);
    assert.match(done, /Every lab passes\. Well done!$/);
  });

  it("spells the command for a lab", () => {
    assert.equal(labCommand(channels), "deno task lab 04");
  });
});

describe("failureHint", () => {
  it("names the mistake behind each panic, a leak and a deadlock, and nothing else", () => {
    const failed = (message: string, details?: string) => test("t", "failed", { message, details });
    assert.match(failureHint(failed("Panic: send on closed channel"))!, /^a channel was closed/);
    assert.match(failureHint(failed("Panic: close of closed channel"))!, /own the close/);
    assert.match(failureHint(failed("Panic: sync: negative WaitGroup counter"))!, /add\(\)/);
    assert.match(
      failureHint(failed('Error: leaked: 1 task parked on send to chan "jobs"'))!,
      /still alive/,
    );
    assert.match(
      failureHint(failed("fatal error: all goroutines are asleep - deadlock!"))!,
      /parked/,
    );
    assert.equal(failureHint(failed("AssertionError: 1 !== 2")), undefined);
  });
});

describe("inPartOrder", () => {
  it("orders by the manifest's files and keeps the runner's order within a part", () => {
    const at = (name: string, file?: string) => test(name, "passed", file ? { file } : {});
    const ordered = inPartOrder(channels, [
      at("p1", "./labs/04-channels/pipeline_test.ts"),
      at("none"),
      at("t1", "labs/04-channels/timeout_test.ts"),
      at("p2", "./labs/04-channels/pipeline_test.ts"),
      at("t2", "labs/04-channels/timeout_test.ts"),
    ]);
    assert.deepEqual(ordered.map((result) => result.name), ["t1", "t2", "p1", "p2", "none"]);
  });
});
