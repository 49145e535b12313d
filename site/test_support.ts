/**
 * Helpers shared by the site's tests: where the repository is, and a results folder with hostile
 * student names and outputs, made fresh in a temporary folder (such names are not committed, as
 * some file systems cannot hold them).
 *
 * @example
 * ```ts
 * import { hostileResults, REPO_ROOT } from "./test_support.ts";
 * const { dir, cleanup } = await hostileResults();
 * try {
 *   // build with --results dir
 * } finally {
 *   await cleanup();
 * }
 * ```
 * @module
 */
import { cp, mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * `false` on Deno; on another runtime (Bun), the reason to skip a test of the build, the server
 * or the browser, which use Deno's API. The app's and the modules' own tests run everywhere.
 */
export const DENO_ONLY: string | false = "Deno" in globalThis
  ? false
  : "needs Deno: the build and the server write and serve files with Deno's API";

/** The repository's root folder. */
export const REPO_ROOT: string = fileURLToPath(new URL("..", import.meta.url));

/** The committed results fixture: three students, labs 01, 04 and 05. */
export const FIXTURE_RESULTS: string = fileURLToPath(
  new URL("./testdata/results", import.meta.url),
);

/** A results folder whose one student file is malformed. */
export const BROKEN_RESULTS: string = fileURLToPath(
  new URL("./testdata/broken_results", import.meta.url),
);

/** A student name that is an HTML tag with an event handler. */
export const TAG_NAME = "<img src=x onerror=alert(1)>";
/**
 * A student name with parent-folder steps (backslashes, which Linux allows in names; a slash it
 * does not, and a leading dot is the grader's own folders).
 */
export const TRAVERSAL_NAME = "evil\\..\\..\\escaped";
/** What the hostile student's test printed. */
export const SCRIPT_OUTPUT = "<script>alert(1)</script>";

/**
 * A temporary folder holding the fixture's results plus hostile ones: a student named
 * {@link TAG_NAME} whose failing test printed {@link SCRIPT_OUTPUT} and whose test name is markup,
 * a student named {@link TRAVERSAL_NAME}, and a symbolic link posing as a student folder that points
 * outside the results (which must be ignored). `outside` is the folder the link points into.
 *
 * @example
 * ```ts
 * import { hostileResults } from "./test_support.ts";
 * const { dir, cleanup } = await hostileResults();
 * await cleanup();
 * ```
 */
export async function hostileResults(): Promise<
  { base: string; dir: string; outside: string; cleanup: () => Promise<void> }
> {
  const base = await mkdtemp(join(tmpdir(), "site-results-"));
  const dir = join(base, "results");
  await cp(FIXTURE_RESULTS, dir, { recursive: true });
  const tagStudent = join(dir, TAG_NAME);
  await mkdir(tagStudent);
  await writeFile(
    join(tagStudent, "results.json"),
    JSON.stringify({
      score: 1,
      output: `grader note: ${SCRIPT_OUTPUT}`,
      tests: [
        {
          name: "04-channels: first > <b onmouseover=alert(2)>bold</b> name",
          score: 0,
          max_score: 2,
          status: "failed",
          output: `${SCRIPT_OUTPUT}\n</pre><iframe src="javascript:alert(3)"></iframe>`,
          visibility: "visible",
        },
        {
          name: "01-goroutines: tracker > shutdown waits for every running task",
          score: 1,
          max_score: 2,
          status: "failed",
          output: "& &amp; \u001b[31mred\u001b[0m",
          visibility: "visible",
        },
      ],
    }),
  );
  const traversalStudent = join(dir, TRAVERSAL_NAME);
  await mkdir(traversalStudent);
  await writeFile(
    join(traversalStudent, "results.json"),
    JSON.stringify({
      tests: [{
        name: "05-context: retry > stops at cancel",
        score: 1,
        max_score: 1,
        status: "passed",
        output: "",
        visibility: "visible",
      }],
    }),
  );
  const outside = join(base, "outside-student");
  await mkdir(outside);
  await writeFile(
    join(outside, "results.json"),
    JSON.stringify({ tests: [{ name: "SECRET-OUTSIDE", score: 1, max_score: 1 }] }),
  );
  await symlink(outside, join(dir, "linked-student"));
  // The grader's own folder, as `deno task grade` leaves it: not a student.
  await mkdir(join(dir, ".grader", "reference"), { recursive: true });
  return {
    base,
    dir,
    outside,
    cleanup: () => rm(base, { recursive: true, force: true, maxRetries: 5 }),
  };
}

/**
 * A fresh, empty temporary folder and a function that removes it.
 *
 * @example
 * ```ts
 * import { tempFolder } from "./test_support.ts";
 * const { dir, cleanup } = await tempFolder();
 * await cleanup();
 * ```
 */
export async function tempFolder(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), "site-"));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true, maxRetries: 5 }) };
}
