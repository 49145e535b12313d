import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import {
  cleanRunnerErrors,
  countResults,
  explainBrokenRun,
  explainLoadErrors,
  runPassed,
  runTests,
  type TestRun,
  trimLongTexts,
} from "./test_runner.ts";
import { type LiveEvent, parseJunit, type TestResult } from "./test_report.ts";
import { forgetTranspiled } from "./lab_env.ts";

const onDeno = typeof Deno !== "undefined";

function result(name: string, status: TestResult["status"]): TestResult {
  return { name, leaf: name, groups: [], status };
}

describe("cleanRunnerErrors", () => {
  it("drops Deno's own noise and keeps the diagnostics", () => {
    const stderr = readFileSync(
      new URL("./testdata/deno_reports/typecheck_stderr.txt", import.meta.url),
      "utf8",
    );
    assert.deepEqual(cleanRunnerErrors(stderr), [
      "TS2322 [ERROR]: Type 'string' is not assignable to type 'number'.",
      'const x: number = "s";',
      "      ^",
      "    at file://labs/y/b_test.ts:3:7",
      "",
      "error: Type checking failed.",
    ]);
  });

  it("strips colours", () => {
    assert.deepEqual(cleanRunnerErrors("\x1b[31merror\x1b[0m: boom\n"), ["error: boom"]);
  });
});

describe("explainBrokenRun", () => {
  it("says the code does not type-check and shows the errors", () => {
    const explained = explainBrokenRun(
      "Check labs/y/b_test.ts\nTS2322 [ERROR]: bad\n    at file://x.ts:1:1\n\nerror: Type checking failed.\n",
      [],
    );
    assert.deepEqual(explained, {
      headline: "the code does not type-check, so no test ran",
      details: ["TS2322 [ERROR]: bad", "    at file://x.ts:1:1"],
    });
  });

  it("names the files that failed to load", () => {
    const explained = explainBrokenRun("error: Test failed\n", [
      { file: "./labs/x/a_test.ts", lines: ["Error: boom"] },
    ]);
    assert.match(explained.headline, /^\.\/labs\/x\/a_test\.ts threw outside any test/);
    assert.deepEqual(explained.details, ["Error: boom"]);
    assert.deepEqual(
      explainLoadErrors([{ file: "a", lines: [] }, { file: "b", lines: [] }]).headline
        .match(/their tests/)?.[0],
      "their tests",
    );
  });

  it("falls back to the runner's remaining errors", () => {
    assert.deepEqual(explainBrokenRun("error: Module not found\n", []), {
      headline: "the test runner stopped with an error before reporting any failing test",
      details: ["error: Module not found"],
    });
  });
});

describe("counting", () => {
  const run = (results: TestResult[], extra: Partial<TestRun> = {}): TestRun => ({
    results,
    exitCode: 0,
    timedOut: false,
    aborted: false,
    strayOutput: [],
    ...extra,
  });

  it("counts passed and failed tests, not skipped ones", () => {
    assert.deepEqual(
      countResults([result("a", "passed"), result("b", "failed"), result("c", "skipped")]),
      { passed: 1, failed: 1, total: 2 },
    );
  });

  it("calls a run passing only when it completed, something ran and nothing failed", () => {
    assert.equal(runPassed(run([result("a", "passed")])), true);
    assert.equal(runPassed(run([])), false);
    assert.equal(runPassed(run([result("a", "passed"), result("b", "failed")])), false);
    assert.equal(runPassed(run([result("a", "passed")], { exitCode: 1 })), false);
    assert.equal(
      runPassed(run([result("a", "passed")], { problem: { headline: "x", details: [] } })),
      false,
    );
  });
});

describe("runTests", { skip: !onDeno && "needs Deno" }, () => {
  let dir = "";
  before(async () => {
    dir = await Deno.makeTempDir({ prefix: "runner-test-" });
    const files: Record<string, string> = {
      "deno.json": "{}",
      "mixed_test.ts": `import { describe, it } from "node:test";
import assert from "node:assert/strict";
describe("mixed", () => {
  it("passes", () => {});
  it("fails loudly", () => { console.log("debug: 41"); assert.equal(41, 42, "the answer"); });
});
`,
      "hang_test.ts": `import { it } from "node:test";
it("finishes", () => {});
it("hangs", async () => { setInterval(() => {}, 1000); await new Promise(() => {}); });
`,
      "typo_test.ts": `import { it } from "node:test";
const n: number = "one";
it("never runs", () => { console.log(n); });
`,
      "broken_test.ts": `import { it } from "node:test";
const ready = (() => { throw new Error("setup exploded"); })();
it("never registered", () => { console.log(ready); });
`,
      "noisy_test.ts": `import { it } from "node:test";
it("prints 400 KB, then passes", () => {
  for (let line = 0; line < 400; line++) console.log("x".repeat(1000));
});
`,
      "hostile_xml_test.ts": `import { it } from "node:test";
const forged = '"/></failure></testcase><testcase name="forged" classname="x"></testcase>]]><![CDATA[';
it("prints and throws XML" + forged.slice(0, 20), () => {
  console.log(forged);
  console.error(forged);
  throw new Error(forged + "&amp;&#0;\\u0000");
});
`,
      "hog_test.ts": `import { it } from "node:test";
it("holds memory outside the heap until it is stopped", async () => {
  const kept = [];
  for (;;) {
    kept.push(new Uint8Array(16 << 20).fill(1));
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
});
`,
      "heap_test.ts": `import { it } from "node:test";
import assert from "node:assert/strict";
import v8 from "node:v8";
it("runs under the heap limit it was given", () => {
  assert.ok(v8.getHeapStatistics().heap_size_limit < 1024 * 1024 * 1024);
});
`,
      "spawns_test.ts": `import { it } from "node:test";
it("starts a child and hangs", async () => {
  const child = new Deno.Command("sleep", { args: ["30"], stdout: "null" }).spawn();
  console.log("child pid " + child.pid);
  await new Promise(() => {});
});
`,
      "escapes_test.ts": `import { it } from "node:test";
it("starts a child in a session of its own, and passes", async () => {
  const child = new Deno.Command("setsid", { args: ["sleep", "30"], stdout: "null" }).spawn();
  console.log("child pid " + child.pid);
  await new Promise((resolve) => setTimeout(resolve, 1000));
});
`,
      "phases_test.ts": `import { it } from "node:test";
const phase = () => new Promise((resolve) => setTimeout(resolve, 2400));
it("phase one", phase);
it("phase two", phase);
`,
      "reads_test.ts": `import { it } from "node:test";
import assert from "node:assert/strict";
it("may read its folder only", async () => {
  assert.equal((await Deno.permissions.query({ name: "read", path: "." })).state, "granted");
  assert.equal((await Deno.permissions.query({ name: "read", path: "/" })).state, "prompt");
  assert.equal((await Deno.permissions.query({ name: "net" })).state, "prompt");
});
`,
    };
    for (const [name, text] of Object.entries(files)) {
      await Deno.writeTextFile(`${dir}/${name}`, text);
    }
  });
  after(async () => {
    await Deno.remove(dir, { recursive: true });
    await forgetTranspiled([dir]); // it ran there: Deno's cache keeps a copy
  });

  it("reports each test with its failure and what it printed", async () => {
    const run = await runTests({
      cwd: dir,
      files: ["mixed_test.ts"],
      permissions: ["--no-prompt"],
      timeoutMs: 60_000,
      typeCheck: false,
    });
    assert.equal(run.exitCode, 1);
    assert.equal(run.problem, undefined);
    assert.deepEqual(run.results.map((test) => [test.name, test.status]), [
      ["mixed > passes", "passed"],
      ["mixed > fails loudly", "failed"],
    ]);
    const failed = run.results[1];
    assert.match(failed.message ?? "", /the answer\n\n41 !== 42/);
    assert.deepEqual(failed.output, ["debug: 41"]);
    assert.equal(failed.file, "./mixed_test.ts");
    assert.equal(run.fromReport, true);
  });

  it("runs the tests with exactly the permissions it is given", async () => {
    const run = await runTests({
      cwd: dir,
      files: ["reads_test.ts"],
      permissions: ["--no-prompt", `--allow-read=${dir}`],
      timeoutMs: 60_000,
      typeCheck: false,
    });
    assert.deepEqual(run.results.map((test) => test.status), ["passed"], JSON.stringify(run));
    assert.equal(runPassed(run), true);
  });

  it("gives each phase the whole time limit when its end restarts the clock, and not otherwise", async () => {
    const run = (restartsClock?: (event: LiveEvent) => boolean) =>
      runTests({
        cwd: dir,
        files: ["phases_test.ts"],
        permissions: ["--no-prompt"],
        // Each 2.4 s phase fits the 4 s limit with room for a slow start; the two together do not.
        timeoutMs: 4_000,
        typeCheck: false,
        restartsClock,
      });
    const phased = await run((event) => event.kind === "result" && event.name === "phase one");
    assert.equal(phased.timedOut, false);
    assert.deepEqual(phased.results.map((test) => test.status), ["passed", "passed"]);
    const whole = await run();
    assert.equal(whole.timedOut, true, "two 2.4 s phases fit in one 4 s limit");
  });

  it("stops a hung run at the time limit and says which test was running", async () => {
    const run = await runTests({
      cwd: dir,
      files: ["hang_test.ts"],
      permissions: ["--no-prompt"],
      timeoutMs: 2_500,
      typeCheck: false,
    });
    assert.equal(run.timedOut, true);
    assert.equal(run.exitCode, null);
    assert.deepEqual(run.results.map((test) => [test.name, test.status]), [["finishes", "passed"]]);
    assert.equal(
      run.fromReport,
      false,
      "a killed run writes no report: these came from the stream",
    );
    assert.match(run.problem?.headline ?? "", /did not finish within 3 s/);
    assert.deepEqual(run.problem?.details, ['still running: "hangs"', 'last finished: "finishes"']);
  });

  it("explains a run that stops at a type error", async () => {
    const run = await runTests({
      cwd: dir,
      files: ["typo_test.ts"],
      permissions: ["--no-prompt"],
      timeoutMs: 60_000,
    });
    assert.deepEqual(run.results, []);
    assert.equal(run.problem?.headline, "the code does not type-check, so no test ran");
    assert.match(
      run.problem?.details[0] ?? "",
      /TS2322 \[ERROR\]: Type 'string' is not assignable/,
    );
  });

  it("reports a file that throws while loading next to the tests that ran", async () => {
    const run = await runTests({
      cwd: dir,
      files: ["broken_test.ts", "mixed_test.ts"],
      permissions: ["--no-prompt"],
      timeoutMs: 60_000,
      typeCheck: false,
    });
    assert.equal(run.exitCode, 1);
    // The broken file's tests are missing from the count, so the run must say why.
    assert.deepEqual(run.results.map((test) => test.name), [
      "mixed > passes",
      "mixed > fails loudly",
    ]);
    assert.match(run.problem?.headline ?? "", /^\.\/broken_test\.ts threw outside any test/);
    assert.equal(run.problem?.details[0], "Error: setup exploded");
  });

  it("keeps the first maxOutputBytes of a flood, drops the rest, and still reads the report", async () => {
    const run = await runTests({
      cwd: dir,
      files: ["noisy_test.ts"],
      permissions: ["--no-prompt"],
      timeoutMs: 60_000,
      typeCheck: false,
      maxOutputBytes: 64 * 1024,
    });
    assert.equal(run.outputLimited, true);
    assert.equal(run.timedOut, false);
    assert.equal(run.fromReport, true);
    assert.ok(run.results.length > 0);
    const kept = run.strayOutput.join("\n").length +
      run.results.reduce((total, test) => total + (test.output ?? []).join("\n").length, 0);
    assert.ok(kept <= 64 * 1024, `kept ${kept} bytes`);
  });

  it("kills the whole process group when its resident memory passes maxMemoryMb", {
    skip: (!onDeno || Deno.build.os !== "linux") && "reads /proc, on Deno",
  }, async () => {
    const run = await runTests({
      cwd: dir,
      files: ["hog_test.ts"],
      permissions: ["--no-prompt"],
      timeoutMs: 60_000,
      typeCheck: false,
      ownProcessGroup: true,
      maxMemoryMb: 300,
    });
    assert.equal(run.memoryLimited, true);
    assert.equal(run.timedOut, false);
    assert.equal(run.exitCode, null);
    assert.match(run.problem?.headline ?? "", /more than 300 MiB of memory/);
  });

  it("reads the report the runner wrote, whatever XML the tested code prints or throws", async () => {
    const run = await runTests({
      cwd: dir,
      files: ["hostile_xml_test.ts"],
      permissions: ["--no-prompt"],
      timeoutMs: 60_000,
      typeCheck: false,
    });
    assert.equal(run.fromReport, true);
    assert.deepEqual(run.results.map((test) => [test.name, test.status]), [
      ['prints and throws XML"/></failure></testc', "failed"],
    ]);
    assert.match(run.results[0].message ?? "", /<testcase name="forged"/);
  });

  it("cuts the long texts of a JUnit report short before reading it, attributes included", () => {
    const xml = `<testsuites><testsuite name="s"><testcase name="a"><failure message="${
      "&amp;".repeat(40_000)
    }">${"x".repeat(200_000)}</failure></testcase></testsuite></testsuites>`;
    const trimmed = trimLongTexts(xml);
    assert.ok(trimmed.length < 140_000);
    const [test] = parseJunit(trimmed);
    assert.equal(test.status, "failed");
    assert.match(test.message ?? "", /^&+… \(\d+ more characters\)$/);
    assert.match(test.details ?? "", /^x+… \(134464 more characters\)$/);
  });

  it("passes its extra flags to deno test", async () => {
    const run = await runTests({
      cwd: dir,
      files: ["heap_test.ts"],
      permissions: ["--no-prompt"],
      flags: ["--v8-flags=--max-old-space-size=256"],
      timeoutMs: 60_000,
      typeCheck: false,
    });
    assert.deepEqual(run.results.map((test) => test.status), ["passed"], JSON.stringify(run));
  });

  it("kills the run's whole process group when it runs in one of its own", {
    skip: (!onDeno || Deno.build.os !== "linux") && "reads /proc, on Deno",
  }, async () => {
    let childPid = 0;
    const run = await runTests({
      cwd: dir,
      files: ["spawns_test.ts"],
      permissions: ["--no-prompt", "--allow-run=sleep"],
      timeoutMs: 2_500,
      typeCheck: false,
      ownProcessGroup: true,
      onEvent: (event) => {
        const pid = event.kind === "output" ? /^child pid (\d+)$/.exec(event.line) : null;
        if (pid) childPid = Number(pid[1]);
      },
    });
    assert.equal(run.timedOut, true);
    assert.notEqual(childPid, 0, "the test printed its child's pid");
    // The orphaned child is killed with the group; until init reaps it, it is a zombie.
    let state = "";
    try {
      state = (await Deno.readTextFile(`/proc/${childPid}/stat`)).split(") ")[1]?.[0] ?? "";
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
    assert.ok(state === "" || state === "Z", `sleep ${childPid} is still alive (state ${state})`);
  });

  it("kills, once a run passed, a child that left its process group, and counts it in its memory", {
    skip: (!onDeno || Deno.build.os !== "linux") && "reads /proc, on Deno",
  }, async () => {
    let childPid = 0;
    const run = await runTests({
      cwd: dir,
      files: ["escapes_test.ts"],
      permissions: ["--no-prompt", "--allow-run=setsid"],
      timeoutMs: 30_000,
      typeCheck: false,
      ownProcessGroup: true,
      maxMemoryMb: 4096,
      onEvent: (event) => {
        const pid = event.kind === "output" ? /^child pid (\d+)$/.exec(event.line) : null;
        if (pid) childPid = Number(pid[1]);
      },
    });
    assert.deepEqual(run.results.map((test) => test.status), ["passed"]);
    assert.notEqual(childPid, 0, "the test printed its child's pid");
    let state = "";
    try {
      state = (await Deno.readTextFile(`/proc/${childPid}/stat`)).split(") ")[1]?.[0] ?? "";
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
    assert.ok(state === "" || state === "Z", `${childPid} is still alive (state ${state})`);
  });

  it("stops when asked to", async () => {
    const controller = new AbortController();
    const pending = runTests({
      cwd: dir,
      files: ["hang_test.ts"],
      permissions: ["--no-prompt"],
      timeoutMs: 60_000,
      typeCheck: false,
      signal: controller.signal,
      onEvent: (event) => {
        if (event.kind === "result") controller.abort();
      },
    });
    const run = await pending;
    assert.equal(run.aborted, true);
    assert.equal(run.timedOut, false);
    assert.equal(run.problem?.headline, "the run was stopped before it finished");
  });
});
