import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  copyTree,
  coursePaths,
  fileUrlToPath,
  joinPath,
  loadCourse,
  walkFiles,
} from "../core/lab_env.ts";
import { type GradeReport, gradeSubmissions, gradingSetup, unconfinedWarning } from "./grade.ts";
import type { LabEntry } from "../core/course.ts";
import type { ClassSummary } from "./gradebook.ts";
import type { GradescopeResults } from "./results.ts";
import type { LabGrade } from "./score.ts";
import { detectNamespace, makeRunTempRoot, SANDBOX_MOUNT } from "./isolation.ts";
import { DEFAULT_LIMITS, makeSandboxCache, warmSharedCache } from "./sandbox.ts";
import { isLeftoverTemp } from "./store.ts";
import { buildClass, type ClassFixture } from "./testdata/class_fixture.ts";

const onDeno = typeof Deno !== "undefined";
const root = fileUrlToPath(new URL("..", import.meta.url));
const LABS = ["01-goroutines", "04-channels", "05-context"];
/** Small enough to keep the test short, large enough for a normal lab run on a busy machine. */
const TIMEOUT_MS = 25_000;
const OUTPUT_CAP = 256 * 1024;
/**
 * Above a lab run's usual resident memory (about 200 MiB; lab 02's four Workers and its
 * type-checked reference run reach 400-700 MiB), well below what the hog reaches.
 */
const MEMORY_MB = 1200;
const LIMITS = { timeoutMs: TIMEOUT_MS, maxOutputBytes: OUTPUT_CAP, memoryMb: MEMORY_MB };

let work = "";
let out = "";
let fixture: ClassFixture;
let report: GradeReport;
const lines: string[] = [];

async function readJson<T>(path: string): Promise<T> {
  return JSON.parse(await Deno.readTextFile(path)) as T;
}
const results = (student: string, base = out) =>
  readJson<GradescopeResults>(`${base}/${student}/results.json`);
const labGrade = (student: string, slug: string, base = out) =>
  readJson<LabGrade>(`${base}/${student}/labs/${slug}.json`);
const labTests = (all: GradescopeResults, slug: string) =>
  all.tests.filter((test) => test.name.startsWith(`${slug}: `));

/** The outcome of each attempt in a "sandbox report: label: outcome; …" failure message. */
function attemptOutcomes(output: string): Map<string, string> {
  const report = /sandbox report: (.*)$/m.exec(output);
  assert.ok(report, `no sandbox report in ${JSON.stringify(output)}`);
  return new Map(
    report[1].split("; ").map((entry) => {
      const at = entry.lastIndexOf(": ");
      return [entry.slice(0, at), entry.slice(at + 2)];
    }),
  );
}

describe("grading a class", { skip: !onDeno && "runs deno test" }, () => {
  before(async () => {
    work = await Deno.makeTempDir({ prefix: "grader-class-test-" });
    out = `${work}/out`;
    fixture = await buildClass(root, `${work}/submissions`, out);
    report = await gradeSubmissions({
      root,
      submissions: fixture.submissions,
      out,
      jobs: 2,
      limits: LIMITS,
      // The labs the class fixture holds; the others' reference runs would only cost time here.
      labs: LABS.map((slug) => slug.slice(0, 2)),
      log: (line) => lines.push(line),
    });
  });
  after(async () => {
    await Deno.remove(work, { recursive: true });
  });

  it("grades every lab of every submission", () => {
    assert.equal(report.stopped, false);
    assert.deepEqual(report.students, fixture.students);
    assert.deepEqual(report.labs, LABS);
    assert.deepEqual([report.graded, report.reused], [fixture.students.length * LABS.length, 0]);
  });

  it("gives the solutions full marks on every lab", async () => {
    const ada = await results("ada");
    for (const slug of LABS) {
      const tests = labTests(ada, slug);
      assert.ok(tests.length > 0, `no ${slug} tests`);
      assert.ok(tests.every((test) => test.status === "passed" && test.score === test.max_score));
      const grade = await labGrade("ada", slug);
      assert.equal(grade.score, grade.maxScore);
      assert.equal(grade.reason, undefined);
    }
    assert.equal(ada.score, ada.tests.reduce((total, test) => total + test.max_score, 0));
  });

  it("gives the starters what their passing tests are worth, and zero for a lab without files", async () => {
    const bert = await results("bert");
    const lab01 = labTests(bert, "01-goroutines");
    const earned = lab01.filter((test) => test.status === "passed")
      .reduce((total, test) => total + test.max_score, 0);
    const grade = await labGrade("bert", "01-goroutines");
    assert.equal(grade.score, earned);
    assert.ok(grade.score < grade.maxScore, "the starter must not pass every hidden test");
    assert.ok(
      lab01.filter((test) => test.status === "failed").every((test) => test.output !== ""),
      "a failed test without a message",
    );
    const lab04 = await labGrade("bert", "04-channels");
    assert.equal(lab04.score, 0);
    assert.match(
      lab04.reason ?? "",
      /^no files for lab 04 \(expected 04-channels\/first\.ts, .*, or the same under labs\/\)/,
    );
    assert.ok(lab04.tests.every((test) => test.output === lab04.reason));
  });

  it("stops a lab that spins forever at the time limit, scores it zero, and grades the other labs", async () => {
    const stuck = await labGrade("carl", "01-goroutines");
    assert.equal(stuck.score, 0);
    assert.equal(stuck.reason, "timed out after 25 s (under seed 1)");
    assert.ok(stuck.tests.every((test) => test.output === `did not run: ${stuck.reason}`));
    const solved = await labGrade("carl", "04-channels");
    assert.equal(solved.score, solved.maxScore);
  });

  it("cuts a flood of output short, says so, and scores the lab from its report alone", async () => {
    const grade = await labGrade("dora", "01-goroutines");
    // dora's code is the solution plus the flood: the report, not the flood, gives full marks.
    assert.equal(grade.score, grade.maxScore);
    assert.ok(grade.notes.some((note) => /^printed more than 256 KiB; the rest/.test(note)));
    const dora = await results("dora");
    assert.ok(!JSON.stringify(dora).includes("####"), "printed garbage reached the results");
  });

  it("gains nothing from patching Object.prototype, Promise.prototype.then or Set.prototype.add: the realm is frozen", async () => {
    const bert = await labGrade("bert", "01-goroutines");
    for (const student of fixture.realmAttacks) {
      const grade = await labGrade(student, "01-goroutines");
      assert.ok(grade.score <= bert.score, `${student} scored ${grade.score} > ${bert.score}`);
      const tracker = grade.tests.filter((test) => test.name.startsWith("Tracker"));
      assert.ok(tracker.length > 0 && tracker.every((test) => test.status === "failed"), student);
      assert.ok(
        tracker.every((test) =>
          /not extensible|read[- ]only|Cannot (assign|define)/.test(test.output)
        ),
        `${student}: ${tracker[0].output}`,
      );
    }
  });

  it("scrubs a hidden test's source that a submission throws into its failure messages", async () => {
    const hidden = await Deno.readTextFile(fixture.eveTargets.courseHiddenTest);
    const published = JSON.stringify(await results("leaked-hidden-source-is-scrubbed")) +
      JSON.stringify(await labGrade("leaked-hidden-source-is-scrubbed", "01-goroutines"));
    const grade = await labGrade("leaked-hidden-source-is-scrubbed", "01-goroutines");
    assert.ok(grade.tests.some((test) => test.output.includes("[hidden course text removed]")));
    for (const line of hidden.split("\n").filter((one) => one.trim().length >= 40)) {
      assert.ok(!published.includes(line.trim()), `leaked: ${line.trim()}`);
    }
  });

  it("scores a lab whose failures carry 256 KiB messages from its report, keeping a short message", async () => {
    const grade = await labGrade("huge-failure-message-is-cut-short", "01-goroutines");
    const tracker = grade.tests.filter((test) => test.name.startsWith("Tracker"));
    assert.ok(tracker.length > 0 && tracker.every((test) => test.status === "failed"));
    for (const test of tracker) assert.match(test.output, /too much: #/, grade.reason);
    const others = grade.tests.filter((test) => !test.name.startsWith("Tracker"));
    assert.ok(others.length > 0 && others.every((test) => test.status === "passed"));
    assert.ok(grade.tests.every((test) => new TextEncoder().encode(test.output).length <= 2048));
  });

  it("keeps the course's solutions out of reach of a literal text import, or out of the results", async () => {
    const student = "solution-text-import-finds-nothing";
    const solution = await Deno.readTextFile(`${root}/solutions/01-goroutines/tracker.ts`);
    const starter = await Deno.readTextFile(`${root}/labs/01-goroutines/tracker.ts`);
    const published = JSON.stringify(await results(student)) +
      JSON.stringify(await labGrade(student, "01-goroutines"));
    const secretLines = solution.split("\n").map((line) => line.trim())
      .filter((line) => line.length >= 40 && !starter.includes(line));
    assert.ok(secretLines.length > 0);
    for (const line of secretLines) assert.ok(!published.includes(line), `leaked: ${line}`);
    if (await detectNamespace()) {
      // In the mount namespace the course is not there at all.
      const grade = await labGrade(student, "01-goroutines");
      const tracker = grade.tests.filter((test) => test.name.startsWith("Tracker"));
      assert.ok(
        tracker.every((test) => /not found|No such file/i.test(test.output)),
        tracker[0].output,
      );
    }
  });

  it("keeps the transpiled hidden tests in the run's own cache out of a sandbox's reach", async (t) => {
    const namespace = await detectNamespace();
    if (!namespace) {
      t.skip("needs bubblewrap");
      return;
    }
    // The transpiled text, as the grading run's warm-up left it: made here the same way.
    const course = await loadCourse(coursePaths(root));
    const lab01 = course.labs.find((lab) => lab.slug === "01-goroutines")!;
    const tempRoot = await makeRunTempRoot();
    let transpiled: string;
    try {
      const setup = await gradingSetup(root, [root], tempRoot, [1, 2], false);
      await makeSandboxCache(root, setup.cacheDir!, () => {});
      assert.ok(await warmSharedCache(coursePaths(root), lab01, DEFAULT_LIMITS, setup));
      const cacheDir = setup.cacheDir!;
      transpiled = await Deno.readTextFile(
        joinPath(
          cacheDir,
          "gen/file",
          SANDBOX_MOUNT,
          "labs/01-goroutines/tracker_hidden_test.ts.js",
        ),
      );
    } finally {
      await Deno.remove(tempRoot, { recursive: true });
    }
    const source = await Deno.readTextFile(
      joinPath(root, "grader/hidden/01-goroutines/tracker_hidden_test.ts"),
    );
    // Lines only the transpiled text has, within what the student's code throws.
    const transpiledOnly = transpiled.slice(0, 4000).split("\n").map((line) => line.trim())
      .filter((line) => line.length >= 40 && !source.includes(line));
    assert.ok(
      transpiledOnly.length > 0,
      "Deno no longer reformats: this attack needs another text",
    );
    const grade = await labGrade("cached-hidden-test-is-out-of-reach", "01-goroutines");
    const tracker = grade.tests.filter((test) => test.name.startsWith("Tracker"));
    assert.ok(tracker.length > 0);
    for (const test of tracker) {
      // Its path is made per run, so no literal import names it, and a computed one needs a read
      // permission the sandbox lacks.
      assert.equal(test.status, "failed");
      assert.match(test.output, /Requires read access/, test.output);
    }
    const published = JSON.stringify(await results("cached-hidden-test-is-out-of-reach")) +
      JSON.stringify(grade);
    for (const line of transpiledOnly) {
      assert.ok(!published.includes(JSON.stringify(line).slice(1, -1)), `leaked: ${line}`);
    }
  });

  it("keeps the user's Deno cache out of a sandbox's sight, where there is a namespace", async (t) => {
    if (!await detectNamespace()) {
      t.skip("needs bubblewrap");
      return;
    }
    const grade = await labGrade("user-deno-cache-is-out-of-sight", "01-goroutines");
    const tracker = grade.tests.filter((test) => test.name.startsWith("Tracker"));
    assert.ok(tracker.length > 0);
    for (const test of tracker) {
      assert.equal(test.status, "failed");
      assert.doesNotMatch(test.output, /the user's cache holds/);
      assert.match(test.output, /not found|No such file/i);
    }
  });

  it("kills a lab whose Worker fills memory past the cap on the whole process group, and says why", async () => {
    const grade = await labGrade("worker-memory-hog-is-killed", "01-goroutines");
    assert.equal(grade.score, 0);
    assert.match(grade.reason ?? "", new RegExp(`more than ${MEMORY_MB} MiB of memory`));
  });

  it("leaves no Cache API or localStorage in the sandbox, and fetches no remote module", async () => {
    const grade = await labGrade("web-storage-and-remote-import-are-gone", "01-goroutines");
    const tracker = grade.tests.filter((test) => test.name.startsWith("Tracker"));
    assert.ok(tracker.length > 0);
    for (const test of tracker) {
      const outcomes = attemptOutcomes(test.output);
      assert.match(outcomes.get("open the Cache API") ?? "", /^TypeError .*(undefined|caches)/);
      assert.match(
        outcomes.get("write localStorage") ?? "",
        /^TypeError .*(undefined|localStorage)/,
      );
      assert.notEqual(outcomes.get("import a remote module"), "ALLOWED");
    }
  });

  it("scores a test only when it passes under every seed, and names the failing seed and its replay", async () => {
    const grade = await labGrade("seed-2-failure-names-its-replay", "01-goroutines");
    const tracker = grade.tests.filter((test) => test.name.startsWith("Tracker"));
    assert.ok(tracker.length > 0);
    for (const test of tracker) {
      assert.equal(test.score, 0);
      assert.match(test.output, /^failed under seed 2 \(replay: deno task lab 01 --seed 2\)\n/);
    }
    const others = grade.tests.filter((test) => !test.name.startsWith("Tracker"));
    assert.ok(others.length > 0 && others.every((test) => test.status === "passed"));
  });

  it("does not count a failure that only what an earlier seed's pass left behind causes", async () => {
    const grade = await labGrade("failure-left-by-an-earlier-seed-does-not-count", "01-goroutines");
    assert.equal(
      grade.score,
      grade.maxScore,
      JSON.stringify(grade.tests.find((t) => t.score === 0)),
    );
  });

  it("lets tests registered under the hidden tests' names launder no failure", async () => {
    const grade = await labGrade("injected-test-names-launder-nothing", "01-goroutines");
    const tracker = grade.tests.filter((test) => test.name.startsWith("Tracker"));
    assert.ok(tracker.length > 0);
    for (const test of tracker) {
      assert.equal(test.score, 0, `${test.name} scored`);
      assert.match(test.output, /^failed under seed 1 /);
    }
  });

  it("grades a student named labs like any other, and lists a hidden folder as skipped with its reason", async () => {
    const labs = await labGrade("labs", "01-goroutines");
    assert.equal(labs.score, labs.maxScore);
    const summary = await readJson<ClassSummary & { skipped: { name: string; reason: string }[] }>(
      `${out}/summary.json`,
    );
    assert.deepEqual(summary.skipped.map((entry) => entry.name), [".hidden-student"]);
    assert.match(summary.skipped[0].reason, /starts with a dot/);
    assert.ok(lines.some((line) => line.startsWith("skipped: .hidden-student: ")));
  });

  it("denies a submission every read, import, network, environment and command outside its sandbox", async () => {
    const eve = await results("eve");
    const tracker = labTests(eve, "01-goroutines").filter((test) => test.name.includes("Tracker"));
    assert.ok(tracker.length > 0);
    for (const test of tracker) {
      assert.equal(test.status, "failed");
      assert.deepEqual(
        Object.fromEntries(attemptOutcomes(test.output)),
        {
          "read another student": "denied",
          "import another student": "denied",
          "read the course's hidden tests": "denied",
          "read the hidden test copy": "denied",
          "fetch a remote host": "denied",
          "read the environment": "denied",
          "run a command": "denied",
        },
      );
    }
  });

  it("denies a submission every write: the report, the results, the hidden tests", async () => {
    const eve = await results("eve");
    const safeGo = labTests(eve, "01-goroutines").filter((test) => test.name.includes("safeGo"));
    assert.ok(safeGo.length > 0);
    for (const test of safeGo) {
      assert.deepEqual(Object.fromEntries(attemptOutcomes(test.output)), {
        "find the report path": "denied",
        "list the temporary folder": "denied",
        "write a report": "denied",
        "write results.json": "denied",
        "write the lab grade": "denied",
        "overwrite a hidden test": "denied",
      });
    }
    await assert.rejects(Deno.lstat(fixture.eveTargets.plantedReport), Deno.errors.NotFound);
    const grade = await labGrade("eve", "01-goroutines");
    assert.equal(eve.score, grade.score, "eve's results.json is not the grader's");
    // Her other files were graded as usual: their hidden tests passed.
    const others = labTests(eve, "01-goroutines").filter((test) =>
      /listDirectory|searchWithTimeout/.test(test.name)
    );
    assert.ok(others.length > 0 && others.every((test) => test.status === "passed"));
  });

  it("credits only what the report shows passed when the code calls Deno.exit(0) mid-run", async () => {
    const finn = labTests(await results("finn"), "01-goroutines");
    const isTracker = (name: string) => fixture.trackerTests.some((it) => name.endsWith(`> ${it}`));
    const trackerTests = finn.filter((test) => isTracker(test.name));
    assert.equal(trackerTests.length, fixture.trackerTests.length);
    assert.ok(trackerTests.every((test) => test.status === "failed" && test.score === 0));
    assert.ok(
      finn.filter((test) => !isTracker(test.name)).every((test) => test.status === "passed"),
      "a test that ran before the exit lost its credit",
    );
    const grade = await labGrade("finn", "01-goroutines");
    assert.match(grade.reason ?? "", /hidden tests did not run/);
  });

  it("keeps the tests' assertions and leak check out of reach of the student's code", async () => {
    const statuses = async (student: string) =>
      (await labGrade(student, "01-goroutines")).tests.map((test) => `${test.status} ${test.name}`);
    // gwen is bert plus code that stubs assert and runtime.assertNoLeaks: it must gain nothing.
    assert.deepEqual(await statuses("gwen"), await statuses("bert"));
  });

  it("prints one progress line per student and lab", () => {
    const total = fixture.students.length * LABS.length;
    const progress = lines.filter((line) => line.startsWith("[") && line.includes(`/${total}] `));
    assert.equal(progress.length, total);
    for (const line of progress) {
      assert.match(
        line,
        new RegExp(
          `^\\[\\d+/${total}\\] [a-z0-9.-]+ \\d\\d-[a-z-]+: \\d+(\\.\\d+)?/\\d+(\\.\\d+)? points \\(\\d+\\.\\d s\\)`,
        ),
      );
    }
    const seen = new Set(progress.map((line) => line.split(" ").slice(1, 3).join(" ")));
    assert.equal(seen.size, total);
    assert.ok(progress.some((line) => line.startsWith(`[${total}/${total}] `)));
    assert.ok(
      lines.some((line) => /^reference: 01-goroutines: the solution passes all/.test(line)),
    );
  });

  it("writes a summary and a gradebook that agree with every student's grades", async () => {
    const summary = await readJson<ClassSummary>(`${out}/summary.json`);
    assert.deepEqual(summary.students.map((student) => student.student), fixture.students);
    const csvRows = (await Deno.readTextFile(`${out}/gradebook.csv`)).trimEnd().split("\r\n");
    assert.equal(csvRows.length, 1 + fixture.students.length);
    for (const [index, student] of fixture.students.entries()) {
      const scores: number[] = [];
      for (const slug of LABS) {
        const grade = await labGrade(student, slug);
        assert.equal(summary.students[index].labs[slug].score, grade.score);
        scores.push(grade.score);
      }
      const total = scores.reduce((sum, score) => sum + score, 0);
      assert.equal(summary.students[index].total, total);
      assert.equal(csvRows[index + 1], [student, ...scores, total].join(","));
    }
    const lab01 = summary.labs.find((lab) => lab.slug === "01-goroutines")!;
    for (const test of lab01.tests) {
      let passed = 0;
      for (const student of fixture.students) {
        const grade = await labGrade(student, "01-goroutines");
        if (grade.tests.find((one) => one.name === test.name)?.status === "passed") passed++;
      }
      assert.deepEqual([test.passed, test.graded], [passed, fixture.students.length], test.name);
    }
  });

  it("leaves only whole files behind, and no temporary ones", async () => {
    for (const file of await walkFiles(out)) {
      assert.ok(!isLeftoverTemp(file.split("/").pop()!), `${file} was left behind`);
      if (file.endsWith(".json")) await readJson(`${out}/${file}`);
    }
  });

  it("resumes a killed run: keeps the grades it made, regrades only what is missing or changed", async () => {
    const out2 = `${work}/out-resumed`;
    const submissions2 = `${work}/submissions-resubmitted`;
    await copyTree(out, out2);
    await copyTree(fixture.submissions, submissions2);
    // Killed after ada's lab 01 was kept and before her lab 05 was: her 05, her results and
    // the class files are missing, and a half-written temporary file is left behind.
    const kept = await labGrade("ada", "01-goroutines", out2);
    kept.notes = ["kept from the first run"];
    await Deno.writeTextFile(`${out2}/ada/labs/01-goroutines.json`, JSON.stringify(kept));
    await Deno.remove(`${out2}/ada/labs/05-context.json`);
    await Deno.writeTextFile(
      `${out2}/ada/labs/.05-context.json.${crypto.randomUUID()}.tmp`,
      '{"version":1,"stu',
    );
    for (const file of ["ada/results.json", "summary.json", "gradebook.csv"]) {
      await Deno.remove(`${out2}/${file}`);
    }
    // Meanwhile bert resubmitted lab 01.
    const bertTracker = `${submissions2}/bert/labs/01-goroutines/tracker.ts`;
    await Deno.writeTextFile(
      bertTracker,
      `${await Deno.readTextFile(bertTracker)}\n// resubmitted\n`,
    );

    const resumedLines: string[] = [];
    const resumed = await gradeSubmissions({
      root,
      submissions: submissions2,
      out: out2,
      jobs: 2,
      limits: LIMITS,
      labs: LABS.map((slug) => slug.slice(0, 2)),
      log: (line) => resumedLines.push(line),
    });
    const total = fixture.students.length * LABS.length;
    assert.deepEqual([resumed.graded, resumed.reused], [2, total - 2]);
    assert.ok(!resumedLines.some((line) => line.startsWith("reference:")), "a reference was rerun");
    const regraded = resumedLines.filter((line) => /^\[\d+\/\d+\] .*\(\d+\.\d s\)/.test(line))
      .map((line) => line.split(" ").slice(1, 3).join(" "));
    assert.deepEqual(regraded.sort(), ["ada 05-context:", "bert 01-goroutines:"]);
    assert.deepEqual((await labGrade("ada", "01-goroutines", out2)).notes, [
      "kept from the first run",
    ]);
    const ada = await results("ada", out2);
    assert.match(ada.output, /\(kept from the first run\)/);
    const lab05 = await labGrade("ada", "05-context", out2);
    assert.equal(lab05.score, lab05.maxScore);
    assert.deepEqual(
      (await walkFiles(`${out2}/ada/labs`)).filter((name) => isLeftoverTemp(name)),
      [],
    );
    assert.notEqual(
      (await labGrade("bert", "01-goroutines", out2)).gradedAt,
      (await labGrade("bert", "01-goroutines")).gradedAt,
    );
    const summary = await readJson<ClassSummary>(`${out2}/summary.json`);
    assert.equal(summary.students.length, fixture.students.length);
  });
});

describe("unconfinedWarning", () => {
  const lab = (slug: string, run: boolean): LabEntry => ({
    id: slug.slice(0, 2),
    slug,
    title: slug,
    note: `notes/${slug}.md`,
    files: ["a.ts"],
    ...(run ? { permissions: { run: ["bun" as const] } } : {}),
  });
  const labs = [lab("01-goroutines", false), lab("06-server", true)];

  it("names the labs that start runtimes when nothing can confine them", () => {
    for (const namespace of [undefined, { bwrap: "bwrap" }]) {
      assert.match(
        unconfinedWarning(labs, namespace) ?? "",
        /^warning: 06-server starts the student's program .* unconfined here/,
      );
    }
  });

  it("says nothing when the namespace can confine them, or no lab starts a runtime", () => {
    const confining = { bwrap: "bwrap", confiners: ["/b/bwrap", "/b/pgrep", "/b/pkill"] };
    assert.equal(unconfinedWarning(labs, confining), undefined);
    assert.equal(unconfinedWarning(labs.slice(0, 1), undefined), undefined);
  });
});
