/**
 * Lays the fixture course (tools/testdata/course) out in a fresh temporary
 * folder the way a real course looks: the `.fixture` suffix dropped from its
 * test files (kept there so `deno test tools/` does not run them), and the
 * workbook's own deno.json, package.json and deno.lock beside it so npm imports
 * resolve as they do in the real course. Its deno.json also excludes the labs
 * from `deno test`, as a course may do to keep a bare `deno test` off the
 * failing starters: the tools must run the labs' tests all the same.
 *
 * @example
 * ```ts
 * import { makeFixtureCourse } from "./make_fixture.ts";
 * const root = await makeFixtureCourse();
 * try { console.log(root); } finally { await Deno.remove(root, { recursive: true }); }
 * ```
 * @module
 */

import { copyTree, exists, fileUrlToPath, joinPath, walkFiles } from "../../core/lab_env.ts";

const fixtureDir = fileUrlToPath(new URL("./course", import.meta.url));
const workbookRoot = fileUrlToPath(new URL("../..", import.meta.url));

/**
 * Copies the fixture course to a new temporary folder and returns its path.
 *
 * @example
 * ```ts
 * import { makeFixtureCourse } from "./make_fixture.ts";
 * const root = await makeFixtureCourse(); // e.g. /tmp/fixture-course-1a2b3c
 * ```
 */
export async function makeFixtureCourse(): Promise<string> {
  const root = await Deno.makeTempDir({ prefix: "fixture-course-" });
  await copyTree(fixtureDir, root);
  for (const file of await walkFiles(root)) {
    if (file.endsWith(".fixture")) {
      await Deno.rename(joinPath(root, file), joinPath(root, file.slice(0, -".fixture".length)));
    }
  }
  for (const name of ["package.json", "deno.lock"]) {
    const source = joinPath(workbookRoot, name);
    if (await exists(source)) await Deno.copyFile(source, joinPath(root, name));
  }
  const config = JSON.parse(await Deno.readTextFile(joinPath(workbookRoot, "deno.json")));
  config.test = { exclude: ["labs/", "solutions/", "grader/"] };
  await Deno.writeTextFile(joinPath(root, "deno.json"), JSON.stringify(config, null, 2));
  return root;
}

if (import.meta.main) console.log(await makeFixtureCourse());
