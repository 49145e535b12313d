/**
 * Builds a class of test submissions from the real course, each student
 * standing for one way a submission can behave in the grader:
 *
 * - `ada`: the solutions of every lab (full marks).
 * - `bert`: the unmodified starters of lab 01, nothing else.
 * - `carl`: lab 01 whose tracker.ts spins forever at import; lab 04 solved.
 * - `dora`: lab 01 whose tracker.ts prints a megabyte of garbage, including
 *   lines that look like passing tests, at import.
 * - `eve`: lab 01 whose tracker.ts tries to read another student's files and the
 *   hidden tests, fetch a remote host, read the environment and run a command,
 *   and whose safe_go.ts tries to write the JUnit report, the results and the
 *   hidden tests; each reports what happened by throwing.
 * - `finn`: lab 01 whose tracker.ts prints "ok" lines for every tracker test,
 *   then calls `Deno.exit(0)` at import.
 * - `gwen`: lab 01's starters, whose tracker.ts replaces the assertions and the
 *   leak check the hidden tests share with it by functions that never throw.
 *
 * The attacks below are named by what each must get. Each is lab 01's starters
 * (or solution) plus the attack at the end of tracker.ts:
 *
 * - `then-getter-gains-nothing`: defines a `then` getter on `Object.prototype`
 *   (it made the runner report every test `ok`).
 * - `promise-then-patch-gains-nothing`: replaces `Promise.prototype.then`.
 * - `set-add-patch-gains-nothing`: replaces `Set.prototype.add` (the leak check's).
 * - `leaked-hidden-source-is-scrubbed`: the solution, whose tracker.ts throws
 *   the text of a hidden test (read through a module import) from every test.
 * - `worker-memory-hog-is-killed`: the solution, whose tracker.ts starts a
 *   Worker that fills memory outside the heap limit.
 * - `web-storage-and-remote-import-are-gone`: the solution, whose tracker.ts
 *   tries `caches`, `localStorage` and a remote import, and reports how each ended.
 * - `huge-failure-message-is-cut-short`: the solution, whose tracker.ts throws
 *   a 256 KiB message at import, so every tracker test fails with it (over the
 *   output cap and the longest text read from a report).
 * - `solution-text-import-finds-nothing`: lab 01's starters, whose tracker.ts
 *   imports the course's solution of itself as text by its absolute path (a
 *   literal import needs no read permission) and throws it.
 * - `cached-hidden-test-is-out-of-reach`: the solution, whose tracker.ts finds
 *   the grading run's Deno cache from an npm module's stack, imports the
 *   transpiled text of a hidden test kept there, and throws it.
 * - `user-deno-cache-is-out-of-sight`: lab 01's starters, whose tracker.ts
 *   imports a file of the user's Deno cache (where the transpiled text of
 *   whatever ran on the machine is kept) by its absolute path and throws it.
 * - `seed-2-failure-names-its-replay`: the solution, whose Tracker.event
 *   throws while the primitives' scheduler runs under seed 2.
 * - `failure-left-by-an-earlier-seed-does-not-count`: the solution, whose
 *   Tracker.event throws under seed 2 only once it has run under seed 1 in the
 *   same process: a failure that a fresh process under seed 2 never shows.
 * - `injected-test-names-launder-nothing`: the solution, whose Tracker.event
 *   throws under seed 1, and whose tracker.ts registers passing tests under
 *   the hidden tracker tests' names, to shift which seed's pass each result is
 *   read as (lab 01's hidden tests load the student's code inside a test, so
 *   these nest under it; sandbox_test.ts covers a module imported at the top).
 * - `labs`: a student named like the course's folder, handing in lab 01's
 *   solution in the solutions' shape (`labs/01-goroutines/…` here is
 *   `<student>/<lab>/`): graded as one student among the others.
 * - `.hidden-student`: a folder whose name starts with a dot: skipped, with a reason.
 *
 * Hostile code is added at the end of a solution file, so the file still
 * type-checks and the hidden tests reach it; it runs when a test imports it.
 *
 * @example
 * ```ts
 * import { buildClass } from "./class_fixture.ts";
 * const dir = await Deno.makeTempDir();
 * const fixture = await buildClass(".", `${dir}/submissions`, `${dir}/out`);
 * console.log(fixture.students);
 * ```
 * @module
 */

import { copyTree, denoCacheDir, joinPath } from "../../core/lab_env.ts";

/** What the class fixture built, for the tests' assertions. */
export interface ClassFixture {
  /** The submissions folder. */
  submissions: string;
  /** The student names, sorted. */
  students: string[];
  /** Paths eve's code tries to reach (each must be denied). */
  eveTargets: {
    otherStudentFile: string;
    courseHiddenTest: string;
    resultsFile: string;
    labGradeFile: string;
    plantedReport: string;
  };
  /** The `it` names of lab 01's tracker tests, which finn forges as passing. */
  trackerTests: string[];
  /** The attacks on the realm, by student name; each must score what the starter scores. */
  realmAttacks: string[];
}

/** Attacks on the realm the tests share, each appended to a starter's tracker.ts. */
const REALM_ATTACKS: Record<string, string> = {
  "then-getter-gains-nothing": `Object.defineProperty(Object.prototype, "then", {
  configurable: true,
  get() {
    return undefined;
  },
});`,
  "promise-then-patch-gains-nothing": `const realThen = Promise.prototype.then;
Promise.prototype.then = function (this: Promise<unknown>, _onFulfilled?: unknown, onRejected?: unknown) {
  return realThen.call(this, () => undefined, onRejected as undefined);
} as typeof realThen;`,
  "set-add-patch-gains-nothing": `Set.prototype.add = function () {
  return this;
};`,
};

/**
 * Copies the solution (or starter) files of a lab into a student's folder, in
 * the course's shape (`labs/<slug>/`) or the solutions' (`<slug>/`).
 */
async function handIn(
  root: string,
  student: string,
  slug: string,
  from: "solutions" | "labs",
  shape: "course" | "solutions" = "course",
) {
  const source = from === "solutions"
    ? joinPath(root, "solutions", slug)
    : joinPath(root, "labs", slug);
  await copyTree(
    source,
    shape === "course" ? joinPath(student, "labs", slug) : joinPath(student, slug),
    (name) => !name.endsWith(".ts") || name.endsWith("_test.ts"),
  );
}

/** Appends `code` to a file a student handed in. */
async function append(path: string, code: string): Promise<void> {
  await Deno.writeTextFile(path, `${await Deno.readTextFile(path)}\n${code}\n`);
}

/** Code that tries each action and throws one line saying how each ended. */
function attempts(actions: Record<string, string>): string {
  const lines = Object.entries(actions).map(([label, action]) =>
    `await attempt(${JSON.stringify(label)}, async () => { ${action} });`
  );
  return `const sandboxReport: string[] = [];
async function attempt(label: string, action: () => Promise<unknown>): Promise<void> {
  try {
    await action();
    sandboxReport.push(label + ": ALLOWED");
  } catch (error) {
    // Deno says NotCapable for a denied call, and a TypeError naming the permission for an import.
    const { name, message } = error as Error;
    const denied = name === "NotCapable" || /^Requires [a-z]+ access/.test(message);
    sandboxReport.push(label + ": " + (denied ? "denied" : name + " " + message));
  }
}
${lines.join("\n")}
throw new Error("sandbox report: " + sandboxReport.join("; "));`;
}

/**
 * Builds the class under `submissions` from the course at `root`; `out` is the
 * folder the grader will write to (eve's code aims at it).
 *
 * @example
 * ```ts
 * import { buildClass } from "./class_fixture.ts";
 * const fixture = await buildClass("/work/main", "/tmp/class/submissions", "/tmp/class/out");
 * fixture.students; // → ["ada", "bert", "carl", "dora", "eve", "finn", "gwen"]
 * ```
 */
export async function buildClass(
  root: string,
  submissions: string,
  out: string,
): Promise<ClassFixture> {
  const student = (name: string) => joinPath(submissions, name);
  for (const slug of ["01-goroutines", "04-channels", "05-context"]) {
    await handIn(root, student("ada"), slug, "solutions");
  }
  await handIn(root, student("bert"), "01-goroutines", "labs");
  await handIn(root, student("gwen"), "01-goroutines", "labs");
  for (const name of ["carl", "dora", "eve", "finn"]) {
    await handIn(root, student(name), "01-goroutines", "solutions");
  }
  await handIn(root, student("carl"), "04-channels", "solutions");

  const tracker = (name: string) => joinPath(student(name), "labs/01-goroutines/tracker.ts");
  for (const [name, attack] of Object.entries(REALM_ATTACKS)) {
    await handIn(root, student(name), "01-goroutines", "labs");
    await append(tracker(name), attack);
  }
  for (
    const name of [
      "leaked-hidden-source-is-scrubbed",
      "worker-memory-hog-is-killed",
      "web-storage-and-remote-import-are-gone",
    ]
  ) await handIn(root, student(name), "01-goroutines", "solutions");
  await append(
    tracker("leaked-hidden-source-is-scrubbed"),
    `const leaked = await import(["./tracker_hidden_test.ts"][0], { with: { type: "text" } });
throw new Error(String(leaked.default).slice(0, 4000));`,
  );
  await handIn(root, student("huge-failure-message-is-cut-short"), "01-goroutines", "solutions");
  await append(
    tracker("huge-failure-message-is-cut-short"),
    `throw new Error("too much: " + "#".repeat(256 * 1024));`,
  );
  await handIn(root, student("solution-text-import-finds-nothing"), "01-goroutines", "labs");
  await append(
    tracker("solution-text-import-finds-nothing"),
    `import solutionText from ${
      JSON.stringify(joinPath(root, "solutions/01-goroutines/tracker.ts"))
    } with { type: "text" };
throw new Error("the solution: " + solutionText.slice(0, 3000));`,
  );
  await handIn(root, student("cached-hidden-test-is-out-of-reach"), "01-goroutines", "solutions");
  await append(
    tracker("cached-hidden-test-is-out-of-reach"),
    `import FakeTimers from "@sinonjs/fake-timers";
let stack = "";
const clock = FakeTimers.createClock();
clock.setTimeout(() => {
  stack = new Error().stack ?? "";
}, 0);
clock.tick(1);
const at = stack.indexOf("/npm/registry.npmjs.org/");
// A frame reads "at callTimer (/tmp/…/deno-cache/npm/…" or "(file:///tmp/…".
const start = Math.max(stack.lastIndexOf("(", at), stack.lastIndexOf(" ", at)) + 1;
const cache = stack.slice(start, at).replace("file://", "");
const cached = await import(
  [\`\${cache}/gen/file/tmp/grader-sandbox/labs/01-goroutines/tracker_hidden_test.ts.js\`][0],
  { with: { type: "text" } }
);
throw new Error("cached: " + String(cached.default).slice(0, 4000));`,
  );
  await handIn(root, student("user-deno-cache-is-out-of-sight"), "01-goroutines", "labs");
  const userCache = denoCacheDir();
  await append(
    tracker("user-deno-cache-is-out-of-sight"),
    `const cached = await import(${
      JSON.stringify(`${userCache}/npm/registry.npmjs.org/ses/registry.json`)
    }, { with: { type: "json" } });
throw new Error("the user's cache holds: " + JSON.stringify(cached.default).slice(0, 200));`,
  );
  const hiddenSource = await Deno.readTextFile(
    joinPath(root, "grader/hidden/01-goroutines/tracker_hidden_test.ts"),
  );
  const trackerTests = [...hiddenSource.matchAll(/^\s*it\("((?:[^"\\]|\\.)*)"/gm)].map((match) =>
    JSON.parse(`"${match[1]}"`) as string
  );
  const trackerGroup = /^describe\("([^"]+)"/m.exec(hiddenSource)![1];
  // Tracker.event throws when `fails` holds, judged by the seed it runs under.
  const seedDependent = (fails: string) =>
    `import { runtime as scheduler } from "../primitives/mod.ts";
let ranUnderSeed1 = false;
const event = Tracker.prototype.event;
Tracker.prototype.event = function (this: Tracker<string>, ...args: Parameters<typeof event>) {
  if (scheduler.seed() === 1) ranUnderSeed1 = true;
  if (${fails}) throw new Error("this code fails under seed " + scheduler.seed());
  return event.apply(this, args);
} as typeof event;`;
  for (
    const [name, fails, extra] of [
      ["seed-2-failure-names-its-replay", "scheduler.seed() === 2", ""],
      [
        "failure-left-by-an-earlier-seed-does-not-count",
        "scheduler.seed() === 2 && ranUnderSeed1",
        "",
      ],
      [
        "injected-test-names-launder-nothing",
        "scheduler.seed() === 1",
        `import { it as register } from "node:test";
for (const name of ${
          JSON.stringify(trackerTests.map((test) => `${trackerGroup} > ${test}`))
        }) register(name, () => {});`,
      ],
    ]
  ) {
    await handIn(root, student(name), "01-goroutines", "solutions");
    await append(tracker(name), `${seedDependent(fails)}\n${extra}`);
  }
  await handIn(root, student("labs"), "01-goroutines", "solutions", "solutions");
  await handIn(root, student(".hidden-student"), "01-goroutines", "solutions");
  await append(
    tracker("worker-memory-hog-is-killed"),
    `const hog = "const kept = []; for (;;) kept.push(new Uint8Array(32 << 20).fill(7));";
new Worker("data:application/javascript," + encodeURIComponent(hog), { type: "module" });
await new Promise(() => {});`,
  );
  await append(
    tracker("web-storage-and-remote-import-are-gone"),
    attempts({
      "open the Cache API":
        `await (globalThis as unknown as { caches: CacheStorage }).caches.open("x");`,
      "write localStorage":
        `(globalThis as unknown as { localStorage: Storage }).localStorage.setItem("k", "v");`,
      "import a remote module": `await import(["https://example.com/x.ts"][0]);`,
    }),
  );
  await append(tracker("carl"), "for (;;) {\n  // spins forever: the grader must stop it\n}");

  const forged = [
    "running 10 tests from ./labs/01-goroutines/tracker_hidden_test.ts",
    "Tracker (hidden) ...",
    ...trackerTests.map((name) => `  ${name} ... ok (1ms)`),
    "Tracker (hidden) ... ok (10ms)",
  ];
  await append(
    tracker("dora"),
    `const forgedLines = ${JSON.stringify(forged)};
for (let line = 0; line < 1000; line++) {
  console.log(forgedLines[line % forgedLines.length] + " " + "#".repeat(1000));
}`,
  );
  await append(
    tracker("finn"),
    `for (const line of ${JSON.stringify(forged)}) console.log(line);
Deno.exit(0);`,
  );

  await append(
    tracker("gwen"),
    `import assertToTamper from "node:assert/strict";
import { runtime as runtimeToTamper } from "../primitives/mod.ts";
for (const key of Object.keys(assertToTamper)) {
  try {
    (assertToTamper as unknown as Record<string, unknown>)[key] = () => {};
  } catch {
    // frozen by the grader
  }
}
try {
  (runtimeToTamper as unknown as Record<string, unknown>).assertNoLeaks = () => Promise.resolve();
} catch {
  // frozen by the grader
}`,
  );

  const eveTargets = {
    otherStudentFile: joinPath(student("ada"), "labs/01-goroutines/tracker.ts"),
    courseHiddenTest: joinPath(root, "grader/hidden/01-goroutines/tracker_hidden_test.ts"),
    resultsFile: joinPath(out, "eve/results.json"),
    labGradeFile: joinPath(out, "eve/labs/01-goroutines.json"),
    plantedReport: joinPath(submissions, "..", "planted-junit.xml"),
  };
  const quoted = (text: string) => JSON.stringify(text);
  await append(
    tracker("eve"),
    attempts({
      "read another student": `await Deno.readTextFile(${quoted(eveTargets.otherStudentFile)});`,
      "import another student": `await import([${
        quoted(eveTargets.otherStudentFile)
      }][0], { with: { type: "text" } });`,
      "read the course's hidden tests": `await Deno.readTextFile(${
        quoted(eveTargets.courseHiddenTest)
      });`,
      "read the hidden test copy":
        `await Deno.readTextFile(new URL("./tracker_hidden_test.ts", import.meta.url));`,
      "fetch a remote host": `await fetch("https://example.com/");`,
      "read the environment": `Deno.env.get("HOME");`,
      "run a command": `await new Deno.Command("true").output();`,
    }),
  );
  await append(
    joinPath(student("eve"), "labs/01-goroutines/safe_go.ts"),
    attempts({
      "find the report path": `await Deno.readTextFile("/proc/self/cmdline");`,
      "list the temporary folder": `for await (const _ of Deno.readDir("/tmp")) break;`,
      "write a report": `await Deno.writeTextFile(${
        quoted(eveTargets.plantedReport)
      }, "<testsuites/>");`,
      "write results.json": `await Deno.writeTextFile(${
        quoted(eveTargets.resultsFile)
      }, '{"score":999}');`,
      "write the lab grade": `await Deno.writeTextFile(${quoted(eveTargets.labGradeFile)}, "{}");`,
      "overwrite a hidden test":
        `await Deno.writeTextFile(new URL("./safe_go_hidden_test.ts", import.meta.url), "");`,
    }),
  );
  return {
    submissions,
    students: [
      "ada",
      "bert",
      "carl",
      "dora",
      "eve",
      "finn",
      "gwen",
      "huge-failure-message-is-cut-short",
      "labs",
      "leaked-hidden-source-is-scrubbed",
      "seed-2-failure-names-its-replay",
      "failure-left-by-an-earlier-seed-does-not-count",
      "injected-test-names-launder-nothing",
      "solution-text-import-finds-nothing",
      "user-deno-cache-is-out-of-sight",
      "cached-hidden-test-is-out-of-reach",
      ...Object.keys(REALM_ATTACKS),
      "web-storage-and-remote-import-are-gone",
      "worker-memory-hog-is-killed",
    ].sort(),
    eveTargets,
    trackerTests,
    realmAttacks: Object.keys(REALM_ATTACKS),
  };
}
