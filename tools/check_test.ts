import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  checkTestNames,
  type LabFindings,
  partOrderProblem,
  recheckUnsound,
  staticStudentImports,
} from "./check.ts";
import type { LabEntry } from "../core/course.ts";

describe("staticStudentImports", () => {
  const files = ["tracker.ts", "pool.ts"];

  it("finds static imports of the student's files in every form", () => {
    const source = [
      'import { Tracker } from "./tracker.ts";',
      "import * as pool from './pool.ts';",
      'import "./tracker.ts";',
      'export { Tracker } from "./tracker.ts";',
    ].join("\n");
    assert.deepEqual(staticStudentImports(source, files), ["tracker.ts", "pool.ts"]);
  });

  it("allows dynamic imports, type-only imports, and imports of other modules", () => {
    const source = [
      'import type { Tracker } from "./tracker.ts";',
      'import { go } from "../primitives/mod.ts";',
      'import { helper } from "./helpers.ts";',
      'const { Tracker } = await import("./tracker.ts");',
    ].join("\n");
    assert.deepEqual(staticStudentImports(source, files), []);
  });

  it("finds an import written over several lines", () => {
    const source = 'import {\n  Tracker,\n  shutdown,\n} from "./tracker.ts";';
    assert.deepEqual(staticStudentImports(source, files), ["tracker.ts"]);
  });
});

describe("checkTestNames", () => {
  const lab: LabEntry = {
    id: "04",
    slug: "04-channels",
    title: "Channels",
    note: "notes/04-channels.md",
    files: ["pipeline.ts"],
    hints: { "closes the output": "…", "no such test": "…", "survives cancellation": "…" },
    points: { "survives cancellation": 2, "closes the output": 1, "gone": 3 },
  };
  const publicNames = ["pipeline > closes the output", "pipeline > keeps order"];
  const hiddenNames = ["pipeline (hidden) > survives cancellation"];

  it("names every hints key without a public test and every points key without a hidden one", () => {
    assert.deepEqual(checkTestNames(lab, publicNames, hiddenNames), [
      'hints key "no such test" names no public test',
      'hints key "survives cancellation" names no public test (it is a hidden test: hints must ' +
      "not reveal those)",
      'points key "closes the output" names no hidden test',
      'points key "gone" names no hidden test',
    ]);
  });

  it("accepts keys that all match", () => {
    const sound = { ...lab, hints: { "keeps order": "…" }, points: { "survives cancellation": 2 } };
    assert.deepEqual(checkTestNames(sound, publicNames, hiddenNames), []);
  });

  it("rejects an it name used twice in a lab, even under different describes", () => {
    const sound = { ...lab, hints: undefined, points: undefined };
    assert.deepEqual(
      checkTestNames(sound, ["a > closes the output"], ["b > closes the output"]),
      ['the test name "closes the output" is used more than once'],
    );
  });
});

describe("partOrderProblem", () => {
  const readme = [
    "# Lab",
    "## Part 1 — Timing out (`first.ts`)",
    "text",
    "## Part 2 — A pipeline (`pipeline.ts`)",
    "## Part 3 — Helpers, shared (`helpers.ts`)",
    "## When you are stuck",
  ].join("\n");

  it("accepts a manifest listing the files in the README's part order, unnamed files aside", () => {
    assert.equal(partOrderProblem(readme, ["first.ts", "extra.ts", "pipeline.ts"]), undefined);
    assert.equal(partOrderProblem("# A lab without parts", ["b.ts", "a.ts"]), undefined);
  });

  it("names both orders when they differ", () => {
    assert.equal(
      partOrderProblem(readme, ["pipeline.ts", "first.ts"]),
      "README.md presents its parts as first.ts, pipeline.ts but the manifest lists " +
        "pipeline.ts, first.ts: list the files in the README's part order (the runner shows " +
        "the tests, and the hint of the earliest failing part, in the manifest's order)",
    );
  });
});

describe("recheckUnsound", () => {
  const lab = (id: string): LabEntry => ({
    id,
    slug: `${id}-lab`,
    title: id,
    note: `notes/${id}.md`,
    files: ["a.ts"],
  });
  const labs = [lab("01"), lab("02"), lab("03")];
  const found = (slug: string, problems: string[] = []): LabFindings => ({
    slug,
    problems,
    warnings: [],
  });

  it("checks again, one at a time, only the labs with problems", async () => {
    const asked: string[][] = [];
    const findings = [found("01-lab", ["x"]), found("02-lab"), found("03-lab", ["y"])];
    await recheckUnsound(labs, findings, (some) => {
      asked.push(some.map((entry) => entry.slug));
      return Promise.resolve(some.map((entry) => found(entry.slug)));
    });
    assert.deepEqual(asked, [["01-lab"], ["03-lab"]]);
  });

  it("turns the first problems of a lab sound the second time into warnings", async () => {
    const findings = [found("01-lab", ["the solution fails t under seed 3"])];
    await recheckUnsound(labs.slice(0, 1), findings, () => Promise.resolve([found("01-lab")]));
    assert.deepEqual(findings[0].problems, []);
    assert.deepEqual(findings[0].warnings, [
      "flaky under load (sound when checked again alone): the solution fails t under seed 3",
    ]);
  });

  it("keeps the second problems of a lab that fails again", async () => {
    const findings = [found("01-lab", ["first"])];
    await recheckUnsound(
      labs.slice(0, 1),
      findings,
      () => Promise.resolve([found("01-lab", ["second"])]),
    );
    assert.deepEqual(findings[0].problems, ["second"]);
    assert.deepEqual(findings[0].warnings, []);
  });
});
