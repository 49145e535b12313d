import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { joinPath } from "../core/lab_env.ts";
import { runTests } from "../core/test_runner.ts";
import { ENTRY_FILE, entrySource, LOAD_FAILURE_PREFIX, splitLoadFailures } from "./entry.ts";

const onDeno = typeof Deno !== "undefined";

describe("entrySource", () => {
  it("imports every file once, in the order given, each by a literal path", () => {
    const source = entrySource(["b_hidden_test.ts", "a_hidden_test.ts", "canary_test.ts"]);
    const imports = [...source.matchAll(/import\("(\.\/[^"]+)"\)/g)].map((match) => match[1]);
    assert.deepEqual(imports, ["./b_hidden_test.ts", "./a_hidden_test.ts", "./canary_test.ts"]);
  });

  it("refuses a name that is not a plain .ts file of the lab folder", () => {
    for (const name of ["../x_test.ts", "sub/x_test.ts", 'x");evil("_test.ts', "x_test.js"]) {
      assert.throws(() => entrySource([name]), RangeError, name);
    }
  });
});

describe("splitLoadFailures", () => {
  it("turns a load failure into a sentence naming the file and the error's first line", () => {
    const { tests, failures } = splitLoadFailures([
      { name: "group > passes", leaf: "passes", groups: ["group"], status: "passed" },
      {
        name: `${LOAD_FAILURE_PREFIX}drop_hidden_test.ts`,
        leaf: `${LOAD_FAILURE_PREFIX}drop_hidden_test.ts`,
        groups: [],
        status: "failed",
        message: "\nError: the student's module throws\n    at drop.ts:3:9",
      },
    ]);
    assert.deepEqual(tests.map((test) => test.name), ["group > passes"]);
    assert.deepEqual(failures, [
      "the hidden tests in drop_hidden_test.ts could not load the lab's code: " +
      "Error: the student's module throws",
    ]);
  });

  it("leaves a test of the same name inside a group alone: only the entry's own are load failures", () => {
    const nested = {
      name: `g > ${LOAD_FAILURE_PREFIX}x`,
      leaf: `${LOAD_FAILURE_PREFIX}x`,
      groups: ["g"],
      status: "passed" as const,
    };
    assert.deepEqual(splitLoadFailures([nested]), { tests: [nested], failures: [] });
  });
});

describe("an entry module run by deno test", { skip: !onDeno && "needs Deno" }, () => {
  it("runs every loadable file in one process, reports the one that throws at import, and keeps them unreadable", async () => {
    const dir = await Deno.makeTempDir({ prefix: "entry-test-" });
    try {
      const files: Record<string, string> = {
        "a_hidden_test.ts": 'import { it } from "node:test";\n' +
          'it("a passes", () => {});\n' +
          'it("a cannot read the hidden tests", async () => {\n' +
          '  await Deno.readTextFile(new URL("./b_hidden_test.ts", import.meta.url));\n' +
          "});\n",
        "broken.ts": 'throw new Error("the student\'s module throws");\nexport const x = 1;\n',
        "b_hidden_test.ts": 'import { it } from "node:test";\nimport { x } from "./broken.ts";\n' +
          'it("b uses the broken module", () => { if (x !== 1) throw new Error(); });\n',
        "c_hidden_test.ts": 'import { it } from "node:test";\nit("c passes", () => {});\n',
      };
      for (const [name, text] of Object.entries(files)) {
        await Deno.writeTextFile(joinPath(dir, name), text);
      }
      const hidden = ["a_hidden_test.ts", "b_hidden_test.ts", "c_hidden_test.ts"];
      await Deno.writeTextFile(joinPath(dir, ENTRY_FILE), entrySource(hidden));
      const run = await runTests({
        cwd: dir,
        files: [ENTRY_FILE],
        typeCheck: false,
        permissions: [
          "--no-prompt",
          `--allow-read=${dir}`,
          `--deny-read=${[...hidden, ENTRY_FILE].map((name) => joinPath(dir, name)).join(",")}`,
        ],
        timeoutMs: 60_000,
      });
      assert.ok(run.fromReport, `no report: ${run.problem?.headline}`);
      const { tests, failures } = splitLoadFailures(run.results);
      assert.deepEqual(
        tests.map((test) => `${test.name}: ${test.status}`).sort(),
        ["a cannot read the hidden tests: failed", "a passes: passed", "c passes: passed"],
      );
      assert.equal(failures.length, 1);
      assert.match(failures[0], /^the hidden tests in b_hidden_test\.ts could not load/);
      assert.match(failures[0], /the student's module throws/);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
});
