import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mutantProblems, summarizeMutants } from "./check_mutants.ts";
import type { LabEntry } from "../core/course.ts";

const lab: LabEntry = {
  id: "01",
  slug: "01-adder",
  title: "Adder",
  note: "notes/01-adder.md",
  files: ["adder.ts", "total.ts"],
};

describe("mutantProblems", () => {
  it("accepts a kebab-case folder of labelled patches of student files", () => {
    const patches = { "adder.ts.patch": "// Mutant: adds one too many.\n--- solution/adder.ts\n" };
    assert.deepEqual(mutantProblems(lab, "adds-one-too-many", patches), []);
    const racy = { "adder.ts.patch": "// Mutant (racy): two threads add at once.\n@@ -1 +1 @@\n" };
    assert.deepEqual(mutantProblems(lab, "adds-without-atomics", racy), []);
  });

  it("names an empty folder, a patch of another file, a whole file and a missing label", () => {
    const where = "grader/hidden/01-adder/mutants";
    assert.deepEqual(mutantProblems(lab, "empty", {}), [
      `${where}/empty/ holds no patch: put one per student file the mutant changes (<file>.patch)`,
    ]);
    const notOurs =
      "is not a patch of one of the student's files (adder.ts.patch, total.ts.patch): " +
      "a mutant changes only those";
    assert.deepEqual(
      mutantProblems(lab, "Bad_Name", {
        "helper.ts.patch": "// Mutant: x\n",
        "adder.ts": "// Mutant: a whole copy of the file\n",
        "total.ts.patch": "--- solution/total.ts // Mutant: not on the first line\n",
      }),
      [
        `${where}/Bad_Name/: the folder name must be kebab-case, naming the bug`,
        `${where}/Bad_Name/helper.ts.patch ${notOurs}`,
        `${where}/Bad_Name/adder.ts ${notOurs}`,
        `${where}/Bad_Name/total.ts.patch must start with a line "// Mutant: <the bug, in one sentence>" ` +
        `(or "// Mutant (racy): …" for a race between threads)`,
      ],
    );
  });
});

describe("summarizeMutants", () => {
  const outcome = (
    id: string,
    hidden: string[],
    publics: string[] | null,
    runProblems: string[] = [],
  ) => ({
    id,
    description: `the ${id} bug`,
    hiddenFailures: hidden,
    publicFailures: publics,
    runProblems,
  });

  it("counts the mutants each suite catches and names the public tests that do", () => {
    const { lines, summary, problems } = summarizeMutants("01-adder", [
      outcome("a", ["h > one", "h > two"], ["p > adds"]),
      outcome("b", ["h > one"], []),
      outcome("c", ["h > two"], ["p > adds", "p > totals"], ["hidden tests: the run timed out"]),
    ]);
    assert.deepEqual(lines, [
      '01-adder: mutant a: 2 hidden tests, public: "adds"',
      "01-adder: mutant b: 1 hidden test, no public test",
      '01-adder: mutant c: 1 hidden test, public: "adds", "totals" [hidden tests: the run timed out]',
    ]);
    assert.equal(summary, "01-adder: mutants caught by hidden tests 3/3, by public tests 2/3");
    assert.deepEqual(problems, []);
  });

  it("reports every mutant no hidden test catches as a problem", () => {
    const { lines, summary, problems } = summarizeMutants("01-adder", [
      outcome("d", [], ["p > x"]),
    ]);
    assert.deepEqual(lines, ['01-adder: mutant d: MISSED by the hidden tests, public: "x"']);
    assert.equal(summary, "01-adder: mutants caught by hidden tests 0/1, by public tests 1/1");
    assert.deepEqual(problems, ["no hidden test catches the mutant d (the d bug)"]);
  });

  it("says the public tests were not run when only the hidden ones were", () => {
    const { lines, summary, problems } = summarizeMutants("01-adder", [
      outcome("e", ["h > one"], null),
      outcome("f", [], null),
    ]);
    assert.deepEqual(lines, [
      "01-adder: mutant e: 1 hidden test, public tests not run",
      "01-adder: mutant f: MISSED by the hidden tests, public tests not run",
    ]);
    assert.equal(summary, "01-adder: mutants caught by hidden tests 1/2, public tests not run");
    assert.deepEqual(problems, ["no hidden test catches the mutant f (the f bug)"]);
  });

  it("says 'at least' when the hidden run stopped at the first failing file", () => {
    const { lines, problems } = summarizeMutants("01-adder", [
      { ...outcome("h", ["h > one"], null), stoppedEarly: true },
    ]);
    assert.deepEqual(lines, [
      "01-adder: mutant h: at least 1 hidden test, public tests not run",
    ]);
    assert.deepEqual(problems, []);
  });

  it("lets a racy mutant escape one run with a note instead of a problem", () => {
    const { lines, problems } = summarizeMutants("02-memory", [
      { ...outcome("g", [], null), racy: true },
    ]);
    assert.deepEqual(lines, [
      "02-memory: mutant g: missed by the hidden tests this run (a race: caught only most of " +
      "the time), public tests not run",
    ]);
    assert.deepEqual(problems, []);
  });
});
