/**
 * The one test module a hidden run hands to `deno test`.
 *
 * `deno test` gives every file it is asked to run an isolate of its own, and
 * starting one (the runtime, the Node.js compatibility layer, the frozen realm
 * of sandbox_preload.ts, the primitives, fake timers) costs more CPU than most
 * hidden test files spend testing: a lab with six hidden files paid for seven
 * isolates per run. The grader therefore runs a generated entry module that
 * imports every hidden test file, and the canary file last, into one isolate.
 *
 * Each file is imported on its own (a dynamic import of a literal path, which
 * Deno resolves like a static one, so the files stay unreadable to the tested
 * code), so a student's file that throws while it loads costs only the hidden
 * tests that import it, as it did when each file ran alone: the failure
 * becomes a test named {@linkcode LOAD_FAILURE_PREFIX} + the file, which
 * {@linkcode splitLoadFailures} turns back into words for the student.
 *
 * @example
 * ```ts
 * import { entrySource } from "./entry.ts";
 * const source = entrySource(["drop_hidden_test.ts", "grader_canary_hidden_test.ts"]);
 * console.log(source.includes('import("./drop_hidden_test.ts")')); // → true
 * ```
 * @module
 */

import type { TestResult } from "../core/test_report.ts";

/** The entry module's name in the sandbox's lab folder (denied to the tested code). */
export const ENTRY_FILE = "grader_entry_hidden_test.ts";

/** The start of the name of the test that stands for a file that could not be loaded. */
export const LOAD_FAILURE_PREFIX = "grader: could not load ";

/**
 * The entry module that imports `files` (plain file names in the lab folder),
 * in order, into one isolate.
 *
 * @throws {RangeError} when a name is not a plain `.ts` file name of the lab folder.
 * @example
 * ```ts
 * import { entrySource } from "./entry.ts";
 * await Deno.writeTextFile("/tmp/lab/grader_entry_hidden_test.ts", entrySource(["a_hidden_test.ts"]));
 * ```
 */
export function entrySource(files: string[]): string {
  const lines = [
    "// Written by the grader for one run: every hidden test file in one isolate.",
    'import { it } from "node:test";',
    "",
    "async function load(file: string, module: () => Promise<unknown>): Promise<void> {",
    "  try {",
    "    await module();",
    "  } catch (error) {",
    `    it(${JSON.stringify(LOAD_FAILURE_PREFIX)} + file, () => {`,
    "      throw error;",
    "    });",
    "  }",
    "}",
    "",
  ];
  for (const file of files) {
    if (!/^[A-Za-z0-9_.-]+\.ts$/.test(file)) {
      throw new RangeError(
        `Cannot write the hidden tests' entry module: "${file}" is not a .ts file name of the lab folder`,
      );
    }
    const name = JSON.stringify(file);
    const path = JSON.stringify(`./${file}`);
    lines.push(`await load(${name}, () => import(${path}));`);
  }
  return lines.join("\n") + "\n";
}

/**
 * Separates the tests that stand for files that could not be loaded from the
 * others, and says for each, in one line, what went wrong (the error's first
 * line, as the report has it).
 *
 * @example
 * ```ts
 * import { LOAD_FAILURE_PREFIX, splitLoadFailures } from "./entry.ts";
 * const { tests, failures } = splitLoadFailures([
 *   { name: LOAD_FAILURE_PREFIX + "drop_hidden_test.ts", leaf: "", groups: [], status: "failed",
 *     message: "SyntaxError: Unexpected token" },
 * ]);
 * // tests → [], failures → ["the hidden tests in drop_hidden_test.ts could not load the lab's code: SyntaxError: Unexpected token"]
 * ```
 */
export function splitLoadFailures(
  report: TestResult[],
): { tests: TestResult[]; failures: string[] } {
  const tests: TestResult[] = [];
  const failures: string[] = [];
  for (const test of report) {
    if (!test.name.startsWith(LOAD_FAILURE_PREFIX) || test.groups.length > 0) {
      tests.push(test);
      continue;
    }
    const file = test.name.slice(LOAD_FAILURE_PREFIX.length);
    const why = (test.message ?? test.details ?? "").split("\n").find((line) => line.trim());
    failures.push(
      `the hidden tests in ${file} could not load the lab's code` +
        (why === undefined ? "" : `: ${why.trim()}`),
    );
  }
  return { tests, failures };
}
