import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { copyTree, fileUrlToPath } from "../core/lab_env.ts";
import { main } from "./main.ts";
import type { GradescopeResults } from "./results.ts";

const root = fileUrlToPath(new URL("..", import.meta.url));

const onDeno = typeof Deno !== "undefined";
let work = "";
before(async () => {
  if (!onDeno) return;
  work = await Deno.makeTempDir({ prefix: "grader-main-test-" });
});
after(async () => {
  if (onDeno) await Deno.remove(work, { recursive: true });
});

/** Runs the command, collecting what it prints. */
async function grade(args: string[], signal?: AbortSignal) {
  const log: string[] = [];
  const error: string[] = [];
  const status = await main(args, {
    log: (line) => log.push(line),
    error: (line) => error.push(line),
    signal,
  });
  return { status, log, error: error.join("\n") };
}

describe("grade command line", { skip: !onDeno && "needs Deno" }, () => {
  it("shows its usage for --help", async () => {
    const { status, log } = await grade(["--help"]);
    assert.equal(status, 0);
    assert.match(log.join("\n"), /^Usage: deno task grade <submissions>/);
  });

  it("rejects a wrong command line with exit 2 and says what is wrong", async () => {
    const cases: [string[], RegExp][] = [
      [[], /say which submissions to grade/],
      [["subs", "--colour"], /unknown option --colour/],
      [["subs", "--jobs", "0"], /--jobs must be a whole number above 0, not "0"/],
      [["subs", "--timeout-ms", "1.5"], /--timeout-ms must be a whole number/],
      [["subs", "--resume", "--fresh"], /--resume and --fresh contradict each other/],
      [["subs", "more"], /one submissions folder, please/],
      [["subs", "--out"], /--out needs a value/],
      [["subs", "--visibility", "always"], /--visibility is one of hidden, after_due_date/],
      [["subs", "--seeds", "1,x"], /--seeds takes whole numbers, not "x"/],
    ];
    for (const [args, message] of cases) {
      const { status, error } = await grade(args);
      assert.equal(status, 2, args.join(" "));
      assert.match(error, message);
      assert.match(error, /Usage:/);
    }
  });

  it("stops with exit 1 and a clear message when there is nothing it can grade", async () => {
    await Deno.mkdir(`${work}/empty`);
    await Deno.mkdir(`${work}/class/ada/labs/01-goroutines`, { recursive: true });
    const cases: [string[], RegExp][] = [
      [[`${work}/missing`], /the submissions folder .*\/missing does not exist/],
      [[`${work}/empty`], /empty holds no submissions: expected one folder per student/],
      [[`${work}/class`, "--labs", "09"], /there is no lab "09"/],
      [[`${work}/class`, "--out", `${work}/class/out`], /is inside the submissions folder/],
      [[`${work}/class`, "--root", `${work}/empty`], /no course manifest at/],
      [[`${work}/no-labs`], /no submission in .*no-labs holds any of the labs to grade/],
    ];
    await Deno.mkdir(`${work}/no-labs/ada/notes`, { recursive: true });
    for (const [args, message] of cases) {
      const withRoot = args.includes("--root") ? args : ["--root", root, ...args];
      const { status, error } = await grade(withRoot);
      assert.equal(status, 1, args.join(" "));
      assert.match(error, message);
    }
  });

  it("exits 130 and writes no class files when stopped", async () => {
    await Deno.mkdir(`${work}/stopped/ada/labs/01-goroutines`, { recursive: true });
    const controller = new AbortController();
    controller.abort();
    const out = `${work}/stopped-out`;
    const { status, error } = await grade(
      ["--root", root, `${work}/stopped`, "--out", out],
      controller.signal,
    );
    assert.equal(status, 130);
    assert.match(error, /stopped; .* the same command resumes from there/);
    await assert.rejects(Deno.lstat(`${out}/summary.json`), Deno.errors.NotFound);
  });

  it("refuses an output folder another live grading run holds", async () => {
    await Deno.mkdir(`${work}/locked/ada/labs/01-goroutines`, { recursive: true });
    const out = `${work}/locked-out`;
    await Deno.mkdir(`${out}/.grader`, { recursive: true });
    await Deno.writeTextFile(`${out}/.grader/lock`, `${Deno.pid}\n`);
    const { status, error } = await grade(["--root", root, `${work}/locked`, "--out", out]);
    assert.equal(status, 1);
    assert.match(error, new RegExp(`another grading run \\(process ${Deno.pid}\\) is writing`));
  });

  it("grades a single submission folder, reuses its grade on a rerun, and regrades with --fresh", async () => {
    const submission = `${work}/solo/bert`;
    await copyTree(
      `${root}/labs/01-goroutines`,
      `${submission}/labs/01-goroutines`,
      (name) => name.endsWith("_test.ts") || !name.endsWith(".ts"),
    );
    const out = `${work}/solo-out`;
    // A lock left by a killed run (its process is gone) is taken over.
    await Deno.mkdir(`${out}/.grader`, { recursive: true });
    await Deno.writeTextFile(`${out}/.grader/lock`, "999999999\n");
    const args = [
      "--root",
      root,
      submission,
      "--single",
      "--out",
      out,
      "--labs",
      "01",
      "--jobs",
      "1",
      "--seeds",
      "1",
    ];

    const first = await grade(args);
    assert.equal(first.status, 0, first.error);
    assert.match(first.log.join("\n"), /^reference: 01-goroutines: the solution passes all/m);
    assert.match(
      first.log.join("\n"),
      /^\[1\/1\] bert 01-goroutines: \d+\/\d+ points \(\d+\.\d s\)$/m,
    );
    const results = JSON.parse(
      await Deno.readTextFile(`${out}/bert/results.json`),
    ) as GradescopeResults;
    assert.ok(results.tests.length > 0);
    assert.ok(results.tests.every((test) => test.name.startsWith("01-goroutines: ")));
    const csv = await Deno.readTextFile(`${out}/gradebook.csv`);
    assert.match(
      csv,
      new RegExp(
        `^student,01-goroutines \\(max \\d+\\),total \\(max \\d+\\)\\r\\nbert,${results.score},${results.score}\\r\\n$`,
      ),
    );

    const again = await grade(args);
    assert.equal(again.status, 0, again.error);
    assert.match(
      again.log.join("\n"),
      /^\[1\/1\] bert 01-goroutines: \d+\/\d+ points \(reused\)$/m,
    );
    assert.ok(!again.log.some((line) => line.startsWith("reference:")));

    const fresh = await grade([...args, "--fresh"]);
    assert.equal(fresh.status, 0, fresh.error);
    assert.match(fresh.log.join("\n"), /^reference: 01-goroutines/m);
    assert.match(
      fresh.log.join("\n"),
      /^\[1\/1\] bert 01-goroutines: \d+\/\d+ points \(\d+\.\d s\)$/m,
    );

    // Grading lab 04 alone keeps lab 01 in the class files.
    await copyTree(
      `${root}/labs/04-channels`,
      `${submission}/labs/04-channels`,
      (name) => name.endsWith("_test.ts") || !name.endsWith(".ts"),
    );
    const other = await grade(args.map((arg) => arg === "01" ? "04" : arg));
    assert.equal(other.status, 0, other.error);
    const merged = await Deno.readTextFile(`${out}/gradebook.csv`);
    assert.match(merged, /^student,01-goroutines \(max \d+\),04-channels \(max \d+\),total/);
    assert.match(merged, new RegExp(`\\r\\nbert,${results.score},[\\d.]+,[\\d.]+\\r\\n$`));
    const summary = JSON.parse(await Deno.readTextFile(`${out}/summary.json`));
    assert.deepEqual(
      summary.labs.map((lab: { slug: string }) => lab.slug),
      ["01-goroutines", "04-channels"],
    );
    await assert.rejects(Deno.lstat(`${out}/.grader/lock`), Deno.errors.NotFound);
  });
});
