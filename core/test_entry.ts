/**
 * One test module that runs many test files of a lab folder in one isolate.
 *
 * `deno test` gives every file it is asked to run an isolate of its own, and
 * starting one (the runtime, the Node.js compatibility layer, the grader's
 * frozen realm, the primitives, fake timers) costs more CPU than most hidden
 * test files spend testing: a lab with six hidden files paid for seven
 * isolates per run. The grader (and `deno task check`, for the mutants)
 * therefore runs a generated entry module that imports every hidden test file,
 * and the grader's canary file last, into one isolate; the seed batches of
 * `deno task lab --explore` and `deno task check` (seeds.ts) run through it too.
 *
 * Each file is imported on its own (a dynamic import of a literal path, which
 * Deno resolves like a static one, so files denied to the tested code stay
 * unreadable to it), so a student's file that throws while it loads costs only
 * the tests that import it, as it did when each file ran alone: the failure
 * becomes a test named {@linkcode LOAD_FAILURE_PREFIX} + the file, which
 * {@linkcode splitEntryReport} turns back into words for the student.
 *
 * Seeds. The same process runs the files once per seed, in passes: the first
 * under the seed the process started with (`PRIMITIVES_SEED`), each later one
 * after a marker test that switches the primitives' scheduler, and the
 * variable the tests' child processes inherit, to its seed, on fresh copies of
 * the test modules (a query string makes each import a new module). The
 * lab's own modules and the primitives are shared by the passes, so a later
 * pass starts from what the earlier ones left: the grader runs a pass again
 * in a process of its own before a failure found only there counts
 * (grader/sandbox.ts).
 *
 * @example
 * ```ts
 * import { entrySource } from "./test_entry.ts";
 * const source = entrySource(
 *   [{ files: ["drop_hidden_test.ts"] }, { seed: 2, files: ["drop_hidden_test.ts"] }],
 *   ["grader_canary_hidden_test.ts"],
 * );
 * console.log(source.includes('import("./drop_hidden_test.ts?seed=2")')); // → true
 * ```
 * @module
 */

import type { TestResult } from "./test_report.ts";

/** The entry module's name in the lab folder (the grader denies it to the tested code). */
export const ENTRY_FILE = "one_isolate_entry_test.ts";

/** The start of the name of the test that stands for a file that could not be loaded. */
export const LOAD_FAILURE_PREFIX = "entry: could not load ";

/** The start of the name of the marker test that begins a pass under another seed. */
export const SEED_MARKER_PREFIX = "entry: from here on, seed ";

/**
 * The environment variable the primitives' scheduler reads its seed from
 * (contract 2; labs/primitives/schedule.ts reads the same name).
 */
export const SEED_VARIABLE = "PRIMITIVES_SEED";

/** One pass over hidden test files. */
export interface EntryPass {
  /**
   * The seed a later pass switches to; the first pass runs under the seed the
   * process started with, and needs none.
   */
  seed?: number;
  /** Plain file names in the lab folder, imported in this order. */
  files: string[];
}

function checkedFileName(file: string): string {
  if (!/^[A-Za-z0-9_.-]+\.ts$/.test(file)) {
    throw new RangeError(
      `Cannot write the hidden tests' entry module: "${file}" is not a .ts file name of the lab folder`,
    );
  }
  return file;
}

/** Where an entry module written outside the lab folder finds what it imports. */
export interface EntryImports {
  /** The specifier of a test file, given as the passes name it. */
  specifier: (file: string) => string;
  /** The specifier of the primitives' `mod.ts`. */
  primitives: string;
}

/** An entry module inside the lab folder: plain file names, the primitives beside the lab. */
const LAB_FOLDER_IMPORTS: EntryImports = {
  specifier: (file) => `./${checkedFileName(file)}`,
  primitives: "../primitives/mod.ts",
};

/**
 * The entry module that runs `passes` in order, then imports `after` (the
 * canary file) once, all in one isolate. By default it lives in the lab folder
 * and names plain files of it, with the primitives at `../primitives/mod.ts`;
 * `imports` says otherwise for an entry written elsewhere.
 *
 * @throws {RangeError} when, by default, a name is not a plain `.ts` file name
 * of the lab folder, or when a later pass has no seed.
 * @example
 * ```ts
 * import { entrySource } from "./test_entry.ts";
 * const source = entrySource([{ files: ["a_hidden_test.ts"] }], ["grader_canary_hidden_test.ts"]);
 * await Deno.writeTextFile("/tmp/lab/grader_entry_hidden_test.ts", source);
 * ```
 */
export function entrySource(
  passes: EntryPass[],
  after: string[] = [],
  imports: EntryImports = LAB_FOLDER_IMPORTS,
): string {
  const later = passes.length > 1;
  const lines = [
    "// Generated for one run: every test file in one isolate (core/test_entry.ts).",
    'import { it } from "node:test";',
    ...later ? [`import { runtime } from ${JSON.stringify(imports.primitives)};`] : [],
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
  if (later) {
    lines.push(
      "function fromHereOn(seed: number): void {",
      `  it(${JSON.stringify(SEED_MARKER_PREFIX)} + seed, () => {`,
      `    Deno.env.set(${JSON.stringify(SEED_VARIABLE)}, String(seed));`,
      "    runtime.setSeed(seed);",
      "  });",
      "}",
      "",
    );
  }
  const importLine = (file: string, query = "") =>
    `await load(${JSON.stringify(file)}, () => import(${
      JSON.stringify(imports.specifier(file) + query)
    }));`;
  for (const [index, pass] of passes.entries()) {
    if (index > 0) {
      if (pass.seed === undefined || !Number.isSafeInteger(pass.seed) || pass.seed < 0) {
        throw new RangeError(
          `Cannot write the hidden tests' entry module: pass ${index + 1} needs a seed, ` +
            `a non-negative integer, received ${pass.seed}`,
        );
      }
      lines.push(`fromHereOn(${pass.seed});`);
    }
    const query = index === 0 ? "" : `?seed=${pass.seed}`;
    for (const file of pass.files) lines.push(importLine(file, query));
  }
  for (const file of after) lines.push(importLine(file));
  return lines.join("\n") + "\n";
}

/** A report read back pass by pass. */
export interface EntryReport {
  /** For each pass, in order, the tests that ran in it. */
  passes: TestResult[][];
  /** What could not be loaded, in one line each (the error's first line), without repeats. */
  failures: string[];
}

/**
 * Reads a run's report back pass by pass, without the entry's own tests: the
 * k-th time a name appears, it ran in the k-th pass (passes run in order and a
 * file left out of a pass is left out of every later one); what a name
 * appears more often than there are passes is kept with the first pass, where
 * the reference check sees two tests of one name. Each test that stands for a
 * file that could not be loaded becomes a sentence.
 *
 * @example
 * ```ts
 * import { splitEntryReport } from "./test_entry.ts";
 * const passed = { name: "g > t", leaf: "t", groups: ["g"], status: "passed" as const };
 * const failed = { ...passed, status: "failed" as const };
 * splitEntryReport([passed, failed], 2).passes; // → [[passed], [failed]]
 * ```
 */
export function splitEntryReport(report: TestResult[], passCount: number): EntryReport {
  const passes: TestResult[][] = Array.from({ length: Math.max(1, passCount) }, () => []);
  const failures = new Set<string>();
  const seen = new Map<string, number>();
  for (const test of report) {
    const ownTest = test.groups.length === 0;
    if (ownTest && test.name.startsWith(SEED_MARKER_PREFIX)) continue;
    if (ownTest && test.name.startsWith(LOAD_FAILURE_PREFIX)) {
      const file = test.name.slice(LOAD_FAILURE_PREFIX.length);
      const why = (test.message ?? test.details ?? "").split("\n").find((line) => line.trim());
      failures.add(
        `the hidden tests in ${file} could not load the lab's code` +
          (why === undefined ? "" : `: ${why.trim()}`),
      );
      continue;
    }
    const index = seen.get(test.name) ?? 0;
    seen.set(test.name, index + 1);
    passes[index < passes.length ? index : 0].push(test);
  }
  return { passes, failures: [...failures] };
}
