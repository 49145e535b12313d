import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { copyTree, fileUrlToPath, forgetTranspiled, joinPath } from "./lab_env.ts";
import type { TestResult } from "./test_report.ts";
import { runTests } from "./test_runner.ts";
import {
  ENTRY_FILE,
  entrySource,
  LOAD_FAILURE_PREFIX,
  SEED_MARKER_PREFIX,
  splitEntryReport,
} from "./test_entry.ts";

const onDeno = typeof Deno !== "undefined";

function result(name: string, status: TestResult["status"], message?: string): TestResult {
  const parts = name.split(" > ");
  return { name, leaf: parts.at(-1)!, groups: parts.slice(0, -1), status, message };
}

describe("entrySource", () => {
  it("imports every file of a pass once, in order, each by a literal path, then the files after", () => {
    const source = entrySource([{ files: ["b_hidden_test.ts", "a_hidden_test.ts"] }], [
      "canary_test.ts",
    ]);
    const imports = [...source.matchAll(/import\("(\.\/[^"]+)"\)/g)].map((match) => match[1]);
    assert.deepEqual(imports, ["./b_hidden_test.ts", "./a_hidden_test.ts", "./canary_test.ts"]);
    assert.ok(!source.includes("setSeed"), "a single pass leaves the seed alone");
  });

  it("starts each later pass with a marker that switches the seed, on fresh copies of the modules", () => {
    const source = entrySource([
      { files: ["a_hidden_test.ts", "w_hidden_test.ts"] },
      { seed: 7, files: ["a_hidden_test.ts"] },
    ]);
    const order = [...source.matchAll(/fromHereOn\((\d+)\);|import\("(\.\/[^"]+)"\)/g)]
      .map((match) => match[1] ?? match[2]);
    assert.deepEqual(order, [
      "./a_hidden_test.ts",
      "./w_hidden_test.ts",
      "7",
      "./a_hidden_test.ts?seed=7",
    ]);
    assert.match(source, /runtime\.setSeed\(seed\)/);
    assert.match(source, /Deno\.env\.set\("PRIMITIVES_SEED", String\(seed\)\)/);
  });

  it("refuses a name that is not a plain .ts file of the lab folder, and a later pass without a seed", () => {
    for (const name of ["../x_test.ts", "sub/x_test.ts", 'x");evil("_test.ts', "x_test.js"]) {
      assert.throws(() => entrySource([{ files: [name] }]), RangeError, name);
      assert.throws(() => entrySource([{ files: [] }], [name]), RangeError, name);
    }
    assert.throws(
      () => entrySource([{ files: ["a_test.ts"] }, { files: ["a_test.ts"] }]),
      /pass 2 needs a seed/,
    );
  });
});

describe("splitEntryReport", () => {
  it("gives the k-th appearance of a name to the k-th pass and drops the entry's markers", () => {
    const report = [
      result("g > t", "passed"),
      result("g > only once", "passed"),
      result(`${SEED_MARKER_PREFIX}2`, "passed"),
      result("g > t", "failed", "under the second seed"),
    ];
    assert.deepEqual(splitEntryReport(report, 2), {
      passes: [[report[0], report[1]], [report[3]]],
      failures: [],
    });
  });

  it("keeps extra appearances of a name with the first pass, where two tests of one name show", () => {
    const twins = [result("g > t", "passed"), result("g > t", "passed"), result("g > t", "passed")];
    assert.deepEqual(splitEntryReport(twins, 2).passes, [[twins[0], twins[2]], [twins[1]]]);
  });

  it("turns a load failure into one sentence naming the file and the error's first line", () => {
    const failure = result(
      `${LOAD_FAILURE_PREFIX}drop_hidden_test.ts`,
      "failed",
      "\nError: the student's module throws\n    at drop.ts:3:9",
    );
    const { passes, failures } = splitEntryReport(
      [result("group > passes", "passed"), failure, failure],
      2,
    );
    assert.deepEqual(passes, [[result("group > passes", "passed")], []]);
    assert.deepEqual(failures, [
      "the hidden tests in drop_hidden_test.ts could not load the lab's code: " +
      "Error: the student's module throws",
    ]);
  });

  it("leaves a test of an entry's name inside a group alone: only the entry's own are special", () => {
    const nested = result(`g > ${LOAD_FAILURE_PREFIX}x`, "passed");
    assert.deepEqual(splitEntryReport([nested], 1), { passes: [[nested]], failures: [] });
  });
});

describe("an entry module run by deno test", { skip: !onDeno && "needs Deno" }, () => {
  it("runs every loadable file in one process, reports the one that throws at import, keeps them unreadable, and switches the seed between passes", async () => {
    const dir = await Deno.makeTempDir({ prefix: "entry-test-" });
    try {
      const root = fileUrlToPath(new URL("..", import.meta.url));
      await copyTree(joinPath(root, "labs", "primitives"), joinPath(dir, "labs", "primitives"));
      const lab = joinPath(dir, "labs", "lab");
      const files: Record<string, string> = {
        "a_hidden_test.ts": 'import { it } from "node:test";\n' +
          'import { runtime } from "../primitives/mod.ts";\n' +
          'it("a sees its seed", () => {\n' +
          '  if (runtime.seed() !== Number(Deno.env.get("PRIMITIVES_SEED"))) throw new Error();\n' +
          "  if (runtime.seed() !== 5) throw new Error(`seed ${runtime.seed()}`);\n" +
          "});\n" +
          'it("a cannot read the hidden tests", async () => {\n' +
          '  await Deno.readTextFile(new URL("./b_hidden_test.ts", import.meta.url));\n' +
          "});\n",
        "broken.ts": 'throw new Error("the student\'s module throws");\nexport const x = 1;\n',
        "b_hidden_test.ts": 'import { it } from "node:test";\nimport { x } from "./broken.ts";\n' +
          'it("b uses the broken module", () => { if (x !== 1) throw new Error(); });\n',
        "c_hidden_test.ts": 'import { it } from "node:test";\nit("c passes", () => {});\n',
      };
      await Deno.mkdir(lab, { recursive: true });
      for (const [name, text] of Object.entries(files)) {
        await Deno.writeTextFile(joinPath(lab, name), text);
      }
      const hidden = ["a_hidden_test.ts", "b_hidden_test.ts", "c_hidden_test.ts"];
      await Deno.writeTextFile(
        joinPath(lab, ENTRY_FILE),
        entrySource([{ files: hidden }, { seed: 5, files: ["a_hidden_test.ts"] }]),
      );
      const run = await runTests({
        cwd: dir,
        files: [`labs/lab/${ENTRY_FILE}`],
        typeCheck: false,
        permissions: [
          "--no-prompt",
          `--allow-read=${dir}`,
          `--deny-read=${[...hidden, ENTRY_FILE].map((name) => joinPath(lab, name)).join(",")}`,
          "--allow-env=PRIMITIVES_SEED",
        ],
        env: { PRIMITIVES_SEED: "4" },
        timeoutMs: 60_000,
      });
      assert.ok(run.fromReport, `no report: ${run.problem?.headline}`);
      const { passes, failures } = splitEntryReport(run.results, 2);
      const statuses = passes.map((tests) =>
        tests.map((test) => `${test.name}: ${test.status}`).sort()
      );
      assert.deepEqual(statuses, [
        ["a cannot read the hidden tests: failed", "a sees its seed: failed", "c passes: passed"],
        ["a cannot read the hidden tests: failed", "a sees its seed: passed"],
      ]);
      assert.equal(failures.length, 1);
      assert.match(failures[0], /^the hidden tests in b_hidden_test\.ts could not load/);
      assert.match(failures[0], /the student's module throws/);
    } finally {
      await Deno.remove(dir, { recursive: true });
      await forgetTranspiled([dir]); // it ran there: Deno's cache keeps a copy
    }
  });
});
