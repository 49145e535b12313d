/**
 * Writes the student edition of the course to a new folder, then proves it.
 *
 *     deno task release <dir> [--root <folder>]
 *
 * The edition holds README.md (how to start), deno.json (only the `lab` task),
 * package.json and deno.lock, notes/, labs/ (course.json, primitives, each lab's
 * starters, README and public tests) and the modules tools/lab.ts needs, and
 * nothing of solutions/ or grader/. Its course.json carries no `points` (their
 * keys are hidden test names) and records each starter file's hash, which is
 * how the runner tells a lab the student has not started.
 *
 * The proof: nothing from solutions/ or grader/hidden/ is in the folder (by
 * path, by name, or by content), `deno task lab` run inside it lists every lab
 * as not started, and `deno task lab <first lab>` runs that lab's tests there.
 * Exits 1 when the proof fails (the folder is left for inspection), 2 for a
 * usage error such as a folder that already has files in it.
 *
 * @example
 * ```ts
 * // deno run --allow-read --allow-write --allow-run --allow-env tools/release.ts dist/student
 * import { main } from "./release.ts";
 * Deno.exit(await main(["dist/student"]));
 * ```
 * @module
 */

import { type Course, studentCourse } from "../core/course.ts";
import {
  absolutePath,
  configForTestRuns,
  copyTree,
  type CoursePaths,
  coursePaths,
  exists,
  fileUrlToPath,
  hashFile,
  joinPath,
  loadCourse,
  plural,
  takeFlag,
  takeOption,
  walkFiles,
} from "../core/lab_env.ts";

const USAGE = `Usage: deno task release <dir> [--root <folder>]

Writes the student edition (no solutions, no hidden tests) to <dir>, which must
not exist yet or be empty, then runs \`deno task lab\` inside it to prove it works.

Options:
  --root <folder>   the course folder, the one with deno.json (default: the current folder)
  --help            show this help`;

/**
 * The `lab` task of the student edition; lab.ts needs write for its temporary report.
 *
 * @example
 * ```ts
 * import { STUDENT_LAB_TASK } from "./release.ts";
 * const config = { tasks: { lab: STUDENT_LAB_TASK } };
 * ```
 */
export const STUDENT_LAB_TASK =
  "deno run --allow-read --allow-write --allow-run --allow-env tools/lab.ts";

const toolsUrl = new URL("./", import.meta.url);
const toolsDir = fileUrlToPath(toolsUrl).replace(/\/$/, "");

/**
 * The student edition's deno.json: the course's settings (imports, compiler,
 * fmt, lint) with only the `lab` task; without the package `name` (the
 * edition is no package, and a name without exports draws a warning) and
 * without `test` settings (their excludes name folders of the full course).
 *
 * @example
 * ```ts
 * import { studentDenoConfig } from "./release.ts";
 * studentDenoConfig({ name: "x", tasks: { grade: "…" }, imports: {} });
 * // → { tasks: { lab: "deno run … tools/lab.ts" }, imports: {} }
 * ```
 */
export function studentDenoConfig(config: Record<string, unknown>): Record<string, unknown> {
  return { tasks: { lab: STUDENT_LAB_TASK }, ...configForTestRuns(config) };
}

/**
 * The student edition's README: what the course is and how to work through it.
 *
 * @example
 * ```ts
 * import { studentReadme } from "./release.ts";
 * import type { Course } from "../core/course.ts";
 * declare const course: Course;
 * await Deno.writeTextFile("README.md", studentReadme(course));
 * ```
 */
export function studentReadme(course: Course): string {
  const rows = course.labs.map((lab) =>
    `| ${lab.id} | ${lab.title} | [${lab.note}](${lab.note}) | ` +
    `[labs/${lab.slug}/README.md](labs/${lab.slug}/README.md) | \`deno task lab ${lab.id}\` |`
  );
  const first = course.labs[0];
  return `# ${course.title}

Each lab pairs a chapter of notes with code you finish yourself. Read the
chapter, read the lab's README (the task), fill in the \`// TODO\`s, and run the
lab's tests until they pass.

## Start

You need [Deno](https://deno.com) 2.9 or newer (or run \`npx deno task lab\`).

\`\`\`sh
deno task lab              # every lab, its status, and what to do next
deno task lab ${first.id}           # run lab ${first.id}'s tests (also: deno task lab ${first.slug})
deno task lab ${first.id} --watch   # run them again on every save
deno task lab ${first.id} --explore 200   # run them under 200 seeded schedules
deno task lab ${first.id} --seed 8841    # replay the run under one seed
\`\`\`

A lab you have not touched shows as "not started"; once you edit its files the
command runs its tests and shows "passing" or "failing (n/m)". A failing test
comes with what was expected, what your code did, and a hint.

## Labs

| # | lab | chapter | task | run |
| --- | --- | --- | --- | --- |
${rows.join("\n")}

## What is here

- \`notes/\`: the chapters.
- \`labs/<lab>/\`: the task (README.md), the files you edit, and the public tests (\`*_test.ts\`).
- \`labs/primitives/\`: Go's concurrency toolbox in TypeScript, which every lab imports.
- \`tools/\` and \`core/\`: the \`deno task lab\` command and the course model it reads.

Your work is graded with further tests that are not in this folder, so make
your code right, not just the visible tests green. Bun runs the public tests
too: \`bun install\`, then \`bun test labs/${first.slug}\`.
`;
}

/**
 * The local modules `entry` loads, as paths relative to the course root, from
 * `deno info --json` (so a module added to the runner later ships without
 * anyone updating a list). The runner may load its own folder, tools/, and the
 * shared course model in core/; anything else would not ship.
 *
 * @throws {Error} when `deno info` fails, or the runner imports a local module outside tools/ and core/.
 * @example
 * ```ts
 * import { runnerModules } from "./release.ts";
 * await runnerModules(); // → ["core/course.ts", "core/lab_env.ts", ..., "tools/lab.ts", ...]
 * ```
 */
export async function runnerModules(entry = joinPath(toolsDir, "lab.ts")): Promise<string[]> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", entry],
    cwd: joinPath(toolsDir, ".."),
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!output.success) {
    throw new Error(
      `deno info on ${entry} failed: ${new TextDecoder().decode(output.stderr).trim()}`,
    );
  }
  const graph = JSON.parse(new TextDecoder().decode(output.stdout)) as {
    modules: { specifier: string }[];
  };
  const rootUrl = new URL("../", toolsUrl).href;
  const shipped = ["tools/", "core/"];
  const modules: string[] = [];
  for (const { specifier } of graph.modules) {
    if (!specifier.startsWith("file:")) continue;
    const relative = decodeURIComponent(specifier.slice(rootUrl.length));
    if (!specifier.startsWith(rootUrl) || !shipped.some((dir) => relative.startsWith(dir))) {
      throw new Error(
        `the lab runner imports ${specifier}, outside tools/ and core/; it would not ship`,
      );
    }
    modules.push(relative);
  }
  return modules.sort();
}

/** Whether a folder is missing or empty: the only places a release may go. */
async function isMissingOrEmpty(dir: string): Promise<boolean> {
  if (!await exists(dir)) return true;
  const info = await Deno.stat(dir);
  if (!info.isDirectory) return false;
  for await (const _entry of Deno.readDir(dir)) return false;
  return true;
}

/**
 * Everything in a release folder that must not be there: paths under
 * solutions/ or grader/, hidden test files, files whose content is a solution's
 * or a hidden test's, and `points` in the manifest.
 *
 * @example
 * ```ts
 * import { findLeaks } from "./release.ts";
 * import { coursePaths } from "../core/lab_env.ts";
 * await findLeaks("dist/student", coursePaths(".")); // → [] when the edition is clean
 * ```
 */
export async function findLeaks(dir: string, source: CoursePaths): Promise<string[]> {
  const leaks: string[] = [];
  const released = await walkFiles(dir);
  for (const path of released) {
    const parts = path.split("/");
    if (parts[0] === "solutions" || parts[0] === "grader" || path.includes("grader/hidden/")) {
      leaks.push(`${path} is under solutions/ or grader/`);
    } else if (/_hidden_test\.ts$/.test(path)) {
      leaks.push(`${path} is a hidden test`);
    }
  }
  // Content that only the solutions or hidden tests have.
  const secret = new Map<string, string>();
  for (const [base, label] of [[source.solutions, "solutions"], [source.hidden, "grader/hidden"]]) {
    if (!await exists(base)) continue;
    for (const path of await walkFiles(base)) {
      const hash = await hashFile(joinPath(base, path));
      const starter = joinPath(source.labs, path);
      // A file the solution leaves as the starter has it is no secret.
      if (await exists(starter) && await hashFile(starter) === hash) continue;
      secret.set(hash, `${label}/${path}`);
    }
  }
  for (const path of released) {
    const origin = secret.get(await hashFile(joinPath(dir, path)));
    if (origin) leaks.push(`${path} has the content of ${origin}`);
  }
  const manifest = joinPath(dir, "labs", "course.json");
  if (await exists(manifest)) {
    const course = JSON.parse(await Deno.readTextFile(manifest)) as Course;
    for (const lab of course.labs) {
      if (lab.points) {
        leaks.push(`labs/course.json lists points (hidden test names) for ${lab.slug}`);
      }
    }
  }
  return leaks;
}

/** Writes the edition's files into `dir` (which must be missing or empty). */
async function writeEdition(dir: string, paths: CoursePaths, course: Course): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  // Benchmarks have no task in the student edition.
  await copyTree(
    paths.primitives,
    joinPath(dir, "labs", "primitives"),
    (path) => path.startsWith("bench/"),
  );
  const starterHashes: Record<string, Record<string, string>> = {};
  for (const lab of course.labs) {
    await copyTree(joinPath(paths.labs, lab.slug), joinPath(dir, "labs", lab.slug));
    starterHashes[lab.slug] = {};
    for (const file of lab.files) {
      starterHashes[lab.slug][file] = await hashFile(joinPath(paths.labs, lab.slug, file));
    }
  }
  await Deno.writeTextFile(
    joinPath(dir, "labs", "course.json"),
    `${JSON.stringify(studentCourse(course, starterHashes), null, 2)}\n`,
  );
  if (await exists(paths.notes)) await copyTree(paths.notes, joinPath(dir, "notes"));
  for (const module of await runnerModules()) {
    const target = joinPath(dir, module);
    await Deno.mkdir(target.slice(0, target.lastIndexOf("/")), { recursive: true });
    await Deno.copyFile(joinPath(toolsDir, "..", module), target);
  }
  const config = JSON.parse(await Deno.readTextFile(joinPath(paths.root, "deno.json")));
  await Deno.writeTextFile(
    joinPath(dir, "deno.json"),
    `${JSON.stringify(studentDenoConfig(config), null, 2)}\n`,
  );
  for (const name of ["package.json", "deno.lock"]) {
    const source = joinPath(paths.root, name);
    if (await exists(source)) await Deno.copyFile(source, joinPath(dir, name));
  }
  await Deno.writeTextFile(joinPath(dir, ".gitignore"), "node_modules/\n");
  await Deno.writeTextFile(joinPath(dir, "README.md"), studentReadme(course));
}

/** Runs `deno task lab …` inside the edition; its output and exit code. */
async function runStudentTask(
  dir: string,
  args: string[],
): Promise<{ code: number; text: string }> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["task", "--quiet", "lab", ...args],
    cwd: dir,
    env: { NO_COLOR: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(10 * 60_000),
  }).output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    text: decoder.decode(output.stdout) + decoder.decode(output.stderr),
  };
}

/**
 * What is wrong with the edition when used as a student would, or `[]`: the
 * course table must list every lab as not started, and the first lab's tests
 * must run (and fail, being starters).
 */
async function proveEdition(dir: string, course: Course): Promise<string[]> {
  const failures: string[] = [];
  const table = await runStudentTask(dir, []);
  if (table.code !== 0 && table.code !== 1) {
    failures.push(`\`deno task lab\` exited with ${table.code}:\n${table.text}`);
  } else {
    for (const lab of course.labs) {
      const row = table.text.split("\n").find((line) =>
        line.includes(` ${lab.id}  `) && line.includes(lab.title)
      );
      if (!row) failures.push(`\`deno task lab\` does not list lab ${lab.id} (${lab.title})`);
      else if (!row.includes("not started")) {
        failures.push(
          `\`deno task lab\` shows lab ${lab.id} as "${row.trim()}", not "not started"`,
        );
      }
    }
  }
  const first = course.labs[0];
  const run = await runStudentTask(dir, [first.id]);
  const progress = /(\d+)\/(\d+) passing/.exec(run.text);
  if (run.code !== 0 && run.code !== 1) {
    failures.push(`\`deno task lab ${first.id}\` exited with ${run.code}:\n${run.text}`);
  } else if (!progress || Number(progress[2]) === 0) {
    failures.push(`\`deno task lab ${first.id}\` ran no test:\n${run.text}`);
  } else if (/^! /m.test(run.text)) {
    failures.push(`\`deno task lab ${first.id}\` reports a problem:\n${run.text}`);
  }
  // The runs above remember their statuses in .cache/: the edition ships without them.
  await Deno.remove(joinPath(dir, ".cache"), { recursive: true }).catch(() => {});
  return failures;
}

/**
 * Runs the command with the given arguments and returns its exit status.
 *
 * @example
 * ```ts
 * import { main } from "./release.ts";
 * const status = await main(["dist/student"]);
 * ```
 */
export async function main(args: string[]): Promise<number> {
  const rest = [...args];
  let root: string;
  try {
    if (takeFlag(rest, "--help", "-h")) {
      console.log(USAGE);
      return 0;
    }
    root = takeOption(rest, "--root") ?? Deno.cwd();
    if (rest.length !== 1 || rest[0].startsWith("-")) {
      throw new Error(
        rest.length === 0 ? "which folder? give one" : `unexpected ${rest.join(" ")}`,
      );
    }
  } catch (error) {
    console.error(`release: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const paths = coursePaths(root);
  const dir = absolutePath(rest[0]);
  for (const inside of [paths.labs, paths.notes, paths.solutions, paths.hidden, toolsDir]) {
    if (dir === paths.root || dir === inside || dir.startsWith(`${inside}/`)) {
      console.error(`release: ${dir} is part of the course itself; choose a folder outside it`);
      return 2;
    }
  }
  if (!await isMissingOrEmpty(dir)) {
    console.error(
      `release: ${dir} already exists and is not empty; refusing to mix the student ` +
        `edition with other files. Remove it or choose a new folder.`,
    );
    return 2;
  }
  let course: Course;
  try {
    course = await loadCourse(paths);
  } catch (error) {
    console.error(`release: ${(error as Error).message}`);
    return 2;
  }
  console.log(`Writing the student edition of "${course.title}" to ${dir}…`);
  await writeEdition(dir, paths, course);
  const files = await walkFiles(dir);
  console.log(`  wrote ${files.length} files`);
  console.log("Checking that no solution or hidden test leaked…");
  const leaks = await findLeaks(dir, paths);
  if (leaks.length > 0) {
    console.error(`\nrelease: LEAK: the edition in ${dir} must not be shared:`);
    for (const leak of leaks) console.error(`  - ${leak}`);
    return 1;
  }
  console.log(`Running \`deno task lab\` and \`deno task lab ${course.labs[0].id}\` inside it…`);
  const failures = await proveEdition(dir, course);
  if (failures.length > 0) {
    console.error(`\nrelease: the edition in ${dir} does not work as it should:`);
    for (const failure of failures) console.error(`  - ${failure}`);
    return 1;
  }
  console.log(
    `\nrelease: ${dir} holds ${
      plural(course.labs.length, "lab")
    } for students; no solutions, no hidden ` +
      `tests; \`deno task lab\` works there.`,
  );
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
