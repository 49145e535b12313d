// The three commands end to end, as subprocesses with the permissions their
// deno.json tasks give them, on the fixture course in tools/testdata/course.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { exists, forgetTranspiled, joinPath, walkFiles } from "../core/lab_env.ts";
import { mutantPatch } from "./mutant_patch.ts";
import { makeFixtureCourse } from "./testdata/make_fixture.ts";

const onDeno = typeof Deno !== "undefined";
const toolsDir = onDeno ? new URL(".", import.meta.url) : undefined;
const TASK_PERMISSIONS = ["--allow-read", "--allow-write", "--allow-run", "--allow-env"];

async function tool(
  name: "lab.ts" | "check.ts" | "release.ts",
  args: string[],
  permissions = TASK_PERMISSIONS,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", ...permissions, new URL(name, toolsDir).pathname, ...args],
    env: { NO_COLOR: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

function explain(result: { code: number; stdout: string; stderr: string }): string {
  return `exit ${result.code}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`;
}

describe("deno task lab", { skip: !onDeno && "needs Deno" }, () => {
  let root = "";
  before(async () => {
    root = await makeFixtureCourse();
  });
  after(async () => {
    await Deno.remove(root, { recursive: true });
  });

  it("lists the labs in course order with their status and the next step", async () => {
    const result = await tool("lab.ts", ["--root", root]);
    assert.equal(result.code, 1, explain(result));
    assert.match(result.stdout, /^\nFixture Course\n/, explain(result));
    assert.ok(
      result.stdout.includes("\n  ✗  01  Adder  failing (1/3)\n  ✗  02  Echo   failing (1/2)\n"),
      explain(result),
    );
    assert.ok(
      result.stdout.includes("\nNext: deno task lab 01   (Adder; the chapter is notes/01-adder.md"),
      explain(result),
    );
    assert.match(result.stderr, /\[1\/2\] \d\d-\w+: failing/);
    assert.match(result.stderr, /\[2\/2\] \d\d-\w+: failing/);
    assert.equal(
      result.stdout.includes("\x1b["),
      false,
      "no colours when stdout is not a terminal",
    );
  });

  it("answers from its cache for unchanged labs, and reruns a lab once one of its files changes", async () => {
    await tool("lab.ts", ["--root", root]);
    const warm = await tool("lab.ts", ["--root", root]);
    assert.equal(warm.code, 1, explain(warm));
    for (const slug of ["01-adder", "02-echo"]) {
      assert.match(warm.stderr, new RegExp(`${slug}: failing \\(\\d/\\d\\) \\(no file changed`));
    }
    const adder = joinPath(root, "labs/01-adder/adder.ts");
    const starter = await Deno.readTextFile(adder);
    try {
      await Deno.writeTextFile(adder, `${starter}// the student was here\n`);
      const changed = await tool("lab.ts", ["--root", root]);
      assert.match(changed.stderr, /01-adder: failing \(1\/3\)\n/, explain(changed));
      assert.match(changed.stderr, /02-echo: failing \(1\/2\) \(no file changed/);
    } finally {
      await Deno.writeTextFile(adder, starter);
    }
  });

  it("runs one lab's public tests and explains the failures", async () => {
    const result = await tool("lab.ts", ["--root", root, "01"]);
    assert.equal(result.code, 1, explain(result));
    const expected = [
      "Lab 01 · Adder",
      "edit labs/01-adder/adder.ts; the task is labs/01-adder/README.md",
      "",
      "  adder",
      "    ✗ adds two numbers",
      "        Error: TODO: implement add(2, 3)",
      "    ✗ totals a list",
      "        total of [1, 2, 3]",
      "        expected: 6",
      "        actual:   -1",
      "    ✓ totals an empty list as 0",
      "",
      "1/3 passing  ■□□",
      "",
      "Hint (adds two numbers): Return a + b from add().",
      "Read: notes/01-adder.md",
      "",
    ];
    assert.equal(result.stdout, expected.join("\n"), explain(result));
  });

  it("grants a lab the permissions its manifest entry asks for", async () => {
    const result = await tool("lab.ts", ["--root", root, "echo"]);
    assert.equal(result.code, 1, explain(result));
    assert.ok(result.stdout.includes("\n  ✓ may reach the local host\n"), explain(result));
    assert.ok(
      result.stdout.includes(
        "\n  ✗ shouts a word\n      the values differ\n      expected: 'HI!'\n      actual:   'hi'\n",
      ),
      explain(result),
    );
  });

  it("reports a solved lab as passing, exits 0, and points to the next lab", async () => {
    const starterPath = joinPath(root, "labs/01-adder/adder.ts");
    const starter = await Deno.readTextFile(starterPath);
    await Deno.copyFile(joinPath(root, "solutions/01-adder/adder.ts"), starterPath);
    try {
      const result = await tool("lab.ts", ["--root", root, "01-adder"]);
      assert.equal(result.code, 0, explain(result));
      assert.ok(
        result.stdout.endsWith(
          "\n3/3 passing  ■■■\nLab 01 passes. Next: deno task lab 02 (Echo)\n",
        ),
        explain(result),
      );
    } finally {
      await Deno.writeTextFile(starterPath, starter);
    }
  });

  it("runs under a printed seed, replays a given one, and explores until a seed fails", async () => {
    const random = await tool("lab.ts", ["--root", root, "01"]);
    assert.match(random.stderr, /under seed (\d+) \(replay: deno task lab 01 --seed \1\)/);
    const replay = await tool("lab.ts", ["--root", root, "01", "--seed", "8841"]);
    assert.match(replay.stderr, /under seed 8841 \(replay: deno task lab 01 --seed 8841\)/);
    const explore = await tool("lab.ts", ["--root", root, "01", "--explore", "3"]);
    assert.equal(explore.code, 1, explain(explore));
    assert.match(
      explore.stdout,
      /\nUnder seed 1, failing: .+\nReplay it: deno task lab 01 --seed 1\n$/,
    );
    const bad = await tool("lab.ts", ["--root", root, "01", "--explore", "3", "--seed", "2"]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^lab: --explore needs one lab, without --watch or --seed/);
  });

  it("explores a solved lab under every seed asked for", async () => {
    const starterPath = joinPath(root, "labs/01-adder/adder.ts");
    const starter = await Deno.readTextFile(starterPath);
    await Deno.copyFile(joinPath(root, "solutions/01-adder/adder.ts"), starterPath);
    try {
      const result = await tool("lab.ts", ["--root", root, "01-adder", "--explore", "3"]);
      assert.equal(result.code, 0, explain(result));
      assert.ok(
        result.stdout.endsWith("Every public test passed under each of 3 seeds (1 to 3).\n"),
        explain(result),
      );
    } finally {
      await Deno.writeTextFile(starterPath, starter);
    }
  });

  it("rejects an unknown lab with the list of labs", async () => {
    const result = await tool("lab.ts", ["--root", root, "07"]);
    assert.equal(result.code, 2, explain(result));
    assert.equal(
      result.stderr,
      'lab: there is no lab "07". The labs are:\n  01  01-adder  (Adder)\n  02  02-echo  (Echo)\n',
    );
  });

  it("prints usage for --help and for a bad option", async () => {
    const help = await tool("lab.ts", ["--help"]);
    assert.equal(help.code, 0);
    assert.ok(help.stdout.startsWith("Usage:\n  deno task lab "), help.stdout);
    const bad = await tool("lab.ts", ["--root", root, "--frobnicate"]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^lab: unknown option --frobnicate\n\nUsage:/);
  });

  it("says which permission is missing instead of prompting", async () => {
    const result = await tool("lab.ts", ["--root", root, "01"], [
      "--allow-read",
      "--allow-run",
      "--allow-env",
    ]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /^lab: this command needs --allow-write/);
  });
});

describe("deno task check", { skip: !onDeno && "needs Deno" }, () => {
  it("passes a sound course, with a progress line per lab and step", async () => {
    const root = await makeFixtureCourse();
    try {
      const result = await tool("check.ts", ["--root", root, "--seeds", "2"]);
      assert.equal(result.code, 0, explain(result));
      for (
        const line of [
          "  01-adder: solution, public tests: 3/3 pass",
          "  01-adder: solution, hidden tests: 3/3 pass",
          "  01-adder: starter, public tests: 2/3 fail",
          "  01-adder: starter, hidden tests: 2/3 fail",
          "  02-echo: solution, public tests: 2/2 pass",
          "  02-echo: starter, hidden tests: 1/1 fail",
          "  01-adder: solution, public tests under seeds: pass under all 2 (a process per seed)",
          "  - 02-echo: notes/02-echo.md (the lab's chapter) does not exist yet",
          '  01-adder: mutant loop-stops-before-last-value: 1 hidden test, public: "totals a list"',
          "  01-adder: mutants caught by hidden tests 1/1, by public tests 1/1",
        ]
      ) assert.ok(result.stdout.includes(`${line}\n`), `missing "${line}"\n${explain(result)}`);
      assert.match(result.stdout, /\ncheck: 2 labs, all sound \(\d+\.\d s\)\n$/);
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  });

  it("with --mutants-hidden-only, stops a mutant's hidden run at the first failing file, and runs an escaped racy mutant again alone", async () => {
    const root = await makeFixtureCourse();
    try {
      // A "racy" mutant that changes nothing escapes every run: it must get its second run.
      const solution = await Deno.readTextFile(joinPath(root, "solutions/01-adder/adder.ts"));
      const racy = joinPath(root, "grader/hidden/01-adder/mutants/never-shows");
      await Deno.mkdir(racy);
      await Deno.writeTextFile(
        joinPath(racy, "adder.ts.patch"),
        mutantPatch("adder.ts", solution, `${solution}// a comment\n`, "// Mutant (racy): none."),
      );
      // A second hidden file, after adder_hidden_test.ts, that the mutant fails too.
      await Deno.writeTextFile(
        joinPath(root, "grader/hidden/01-adder/later_hidden_test.ts"),
        'import { it } from "node:test";\nimport assert from "node:assert/strict";\n' +
          'it("totals three numbers", async () => {\n' +
          '  const { total } = await import("./adder.ts");\n' +
          "  assert.equal(total([1, 2, 3]), 6);\n});\n",
      );
      const result = await tool("check.ts", [
        "--root",
        root,
        "--lab",
        "01",
        "--seeds",
        "1",
        "--mutants-hidden-only",
      ]);
      assert.equal(result.code, 0, explain(result));
      for (
        const line of [
          "  01-adder: mutant loop-stops-before-last-value: at least 1 hidden test, public tests not run",
          "  [again, alone] 01-adder: never-shows: missed ✗",
          "  - 01-adder: the racy mutant never-shows escaped the hidden tests this run",
        ]
      ) assert.ok(result.stdout.includes(line), `missing "${line}"\n${explain(result)}`);
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  });

  it("checks only the labs --lab names, and skips the mutants with --no-mutants", async () => {
    const root = await makeFixtureCourse();
    try {
      const result = await tool("check.ts", ["--root", root, "--lab", "02", "--no-mutants"]);
      assert.equal(result.code, 0, explain(result));
      assert.ok(!result.stdout.includes("01-adder"), explain(result));
      assert.ok(!result.stdout.includes("mutant"), explain(result));
      assert.match(result.stdout, /\ncheck: 1 lab, all sound \(\d+\.\d s\)\n$/);
      const unknown = await tool("check.ts", ["--root", root, "--lab", "09"]);
      assert.equal(unknown.code, 2, explain(unknown));
      assert.match(unknown.stderr, /no lab 09 in labs\/course\.json \(labs: 01, 02\)/);
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  });

  it("lists every problem of a broken course and exits 1", async () => {
    const root = await makeFixtureCourse();
    try {
      const file = (path: string) => joinPath(root, path);
      // A solution that no longer passes, a starter that already does, a stale hint key,
      // a hidden test importing the student's file statically, a stray solution file.
      await Deno.writeTextFile(
        file("solutions/02-echo/echo.ts"),
        "export function shout(text: string): string {\n  return text;\n}\n",
      );
      await Deno.writeTextFile(
        file("labs/01-adder/adder.ts"),
        "// TODO: nothing left to do\n" +
          await Deno.readTextFile(file("solutions/01-adder/adder.ts")),
      );
      const manifest = JSON.parse(await Deno.readTextFile(file("labs/course.json")));
      manifest.labs[0].hints = { "adds three numbers": "…" };
      await Deno.writeTextFile(file("labs/course.json"), JSON.stringify(manifest));
      await Deno.writeTextFile(
        file("grader/hidden/02-echo/static_hidden_test.ts"),
        'import { it } from "node:test";\nimport { shout } from "./echo.ts";\nit("is a function", () => {\n  if (typeof shout !== "function") throw new Error("no");\n});\n',
      );
      await Deno.writeTextFile(file("solutions/02-echo/helper.ts"), "export const x = 1;\n");
      // A mutant no test can catch (a comment), two malformed ones, one the solution moved
      // away from, and one that does not type-check.
      const mutants = file("grader/hidden/01-adder/mutants");
      const solution = await Deno.readTextFile(file("solutions/01-adder/adder.ts"));
      const mutant = async (id: string, name: string, text: string) => {
        await Deno.mkdir(`${mutants}/${id}`, { recursive: true });
        await Deno.writeTextFile(`${mutants}/${id}/${name}`, text);
      };
      await mutant(
        "same-as-solution",
        "adder.ts.patch",
        mutantPatch(
          "adder.ts",
          solution,
          solution + "// a comment\n",
          "// Mutant: nothing is wrong.",
        ),
      );
      await mutant("Unlabelled", "adder.ts.patch", "--- solution/adder.ts\n+++ mutant/adder.ts\n");
      await mutant("Unlabelled", "helper.ts.patch", "// Mutant: a stray file\n");
      const moved = solution.replace("export function", "export  function");
      await mutant(
        "solution-moved-away",
        "adder.ts.patch",
        mutantPatch(
          "adder.ts",
          moved,
          moved.replace("a + b", "a - b"),
          "// Mutant: made against another solution.",
        ),
      );
      await mutant(
        "returns-a-string",
        "adder.ts.patch",
        mutantPatch(
          "adder.ts",
          solution,
          "export function add(a: number, b: number): number {\n  return `${a + b}`;\n}\n" +
            "export function total(values: readonly number[]): number {\n  return values.length;\n}\n",
          "// Mutant: add() returns its result as a string.",
        ),
      );
      const result = await tool("check.ts", ["--root", root, "--seeds", "2"]);
      assert.equal(result.code, 1, explain(result));
      const problems = result.stdout.slice(result.stdout.indexOf("\nProblems ("));
      for (
        const expected of [
          "01-adder: the unmodified starter passes every public test; at least one must fail",
          "01-adder: the unmodified starter passes every hidden test; at least one must fail",
          '01-adder: hints key "adds three numbers" names no public test',
          '02-echo: the solution, public tests fails "shouts a word": the values differ ' +
          "(expected 'HI!', actual 'hi')",
          '02-echo: the solution, hidden tests fails "shouts an empty text as a lone mark"',
          "02-echo: grader/hidden/02-echo/static_hidden_test.ts imports ./echo.ts statically",
          "02-echo: solutions/02-echo/helper.ts is not listed in the manifest's files",
          "01-adder: no hidden test catches the mutant same-as-solution (nothing is wrong.)",
          "01-adder: the mutant returns-a-string does not type-check: TS2322 [ERROR]: Type " +
          "'string' is not assignable to type 'number'.",
          "01-adder: grader/hidden/01-adder/mutants/Unlabelled/: the folder name must be kebab-case",
          "01-adder: grader/hidden/01-adder/mutants/Unlabelled/adder.ts.patch must start with a " +
          'line "// Mutant: <the bug, in one sentence>"',
          "01-adder: grader/hidden/01-adder/mutants/Unlabelled/helper.ts.patch is not a patch of " +
          "one of the student's files (adder.ts.patch)",
          "01-adder: grader/hidden/01-adder/mutants/solution-moved-away/adder.ts.patch: it no " +
          "longer applies to the solution's file",
        ]
      ) assert.ok(problems.includes(expected), `missing "${expected}"\n${explain(result)}`);
      assert.match(result.stdout, /\ncheck: \d+ problems in 2 labs/);
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  });
});

describe("deno task release", { skip: !onDeno && "needs Deno" }, () => {
  it("writes a student edition without solutions or hidden tests, and proves it works", async () => {
    const root = await makeFixtureCourse();
    const parent = await Deno.makeTempDir({ prefix: "release-test-" });
    const edition = joinPath(parent, "student");
    try {
      const result = await tool("release.ts", ["--root", root, edition]);
      assert.equal(result.code, 0, explain(result));
      assert.match(result.stdout, /\nrelease: .*student holds 2 labs for students; no solutions/);
      const files = await walkFiles(edition);
      assert.deepEqual(files.filter((path) => !/^(tools|core)\//.test(path)), [
        ".gitignore",
        "README.md",
        "deno.json",
        "deno.lock",
        "labs/01-adder/README.md",
        "labs/01-adder/adder.ts",
        "labs/01-adder/adder_test.ts",
        "labs/02-echo/README.md",
        "labs/02-echo/echo.ts",
        "labs/02-echo/echo_test.ts",
        "labs/course.json",
        "labs/primitives/mod.ts",
        "notes/01-adder.md",
        "package.json",
      ]);
      assert.ok(files.includes("tools/lab.ts"));
      assert.equal(
        files.some((path) =>
          /(^|\/)(check|release)\.ts$|_test\.ts$/.test(path) &&
          path.startsWith("tools/")
        ),
        false,
      );
      const manifest = await Deno.readTextFile(joinPath(edition, "labs/course.json"));
      assert.equal(manifest.includes("points"), false);
      assert.equal(manifest.includes("totals a long list exactly"), false);
      assert.match(manifest, /"starter": \{\n\s+"adder\.ts": "[0-9a-f]{64}"/);
      const config = JSON.parse(await Deno.readTextFile(joinPath(edition, "deno.json")));
      assert.deepEqual(Object.keys(config.tasks), ["lab"]);

      const again = await tool("release.ts", ["--root", root, edition]);
      assert.equal(again.code, 2);
      assert.match(again.stderr, /already exists and is not empty; refusing/);
      assert.equal(await exists(joinPath(edition, "solutions")), false);
    } finally {
      await Deno.remove(root, { recursive: true });
      await Deno.remove(parent, { recursive: true });
      await forgetTranspiled([root, parent]); // it ran there: Deno's cache keeps a copy
    }
  });
});
