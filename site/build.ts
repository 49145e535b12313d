/**
 * `deno task site`: builds the static site (the course map, the notes, the labs' task pages and,
 * when there are results, the class overview and one page per student) into a folder.
 *
 * Usage: deno task site [--out <dir>] [--results <dir> | --no-results]
 *
 * The pages come from the Hono app in `app.tsx`, exported with Hono's SSG helper (`toSSG`). Files
 * are written through a file system module that refuses any path outside the output folder, on
 * top of the helper's own check. Afterwards every link of every page is checked, and the build
 * fails on a broken one.
 *
 * @example
 * ```ts
 * import { buildSite } from "./build.ts";
 * const { files } = await buildSite({ root: ".", out: "dist", onProgress: console.log });
 * ```
 * @module
 */
import { toSSG } from "hono/ssg";
import type { FileSystemModule } from "hono/ssg";
import { isAbsolute, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { CourseError } from "../core/course.ts";
import { createApp } from "./app.tsx";
import { checkBuiltSite, listFiles } from "./check_output.ts";
import { loadSite, ResultsError, SiteLoadError } from "./load.ts";

/** The file that marks a folder as written by this build, so a rebuild may empty it first. */
export const BUILD_MARKER = ".site-build";

/** What to build, and where. */
export interface BuildOptions {
  /** The repository's root. */
  root: string;
  /** The output folder; created when missing. */
  out: string;
  /** A grader results folder, or `undefined` for a site without results. */
  results?: string;
  /** Receives one line per step. */
  onProgress?: (line: string) => void;
}

/** Thrown when the build cannot go ahead or its output is broken; the message says why. */
export class BuildError extends Error {
  /**
   * @example
   * ```ts
   * import { BuildError } from "./build.ts";
   * throw new BuildError("the built site has 2 broken links");
   * ```
   */
  constructor(message: string) {
    super(message);
    this.name = "BuildError";
  }
}

/**
 * A file system module for `toSSG` that writes with Deno's API and refuses every path that is not
 * inside `outDir`: the last line of defence should a page path ever be made from a hostile name.
 *
 * @example
 * ```ts
 * import { confinedFileSystem } from "./build.ts";
 * const fs = confinedFileSystem("dist");
 * await fs.writeFile("dist/index.html", "<!DOCTYPE html>");
 * await fs.writeFile("dist/../x.html", ""); // throws: outside dist
 * ```
 */
export function confinedFileSystem(outDir: string): FileSystemModule {
  const base = resolve(outDir);
  const confine = (path: string) => {
    const full = resolve(path);
    const inside = relative(base, full);
    if (inside === "" || inside.startsWith("..") || isAbsolute(inside)) {
      throw new BuildError(`refusing to write ${path}: it is outside the output folder ${outDir}`);
    }
    return full;
  };
  return {
    async writeFile(path: string, data: string | Uint8Array): Promise<void> {
      const full = confine(path);
      if (typeof data === "string") await Deno.writeTextFile(full, data);
      else await Deno.writeFile(full, data);
    },
    async mkdir(path: string, options: { recursive: boolean }): Promise<void> {
      const full = resolve(path);
      if (full !== base) confine(path);
      await Deno.mkdir(full, options);
    },
  };
}

/**
 * Makes `out` ready to receive a fresh build: creates it when missing, empties it when it holds an
 * earlier build (so no page of a student who is no longer in the results lingers), and refuses a
 * folder with other content, so that `--out .` cannot wipe a repository.
 */
async function prepareOutput(out: string): Promise<void> {
  let entries: string[];
  try {
    entries = [...Deno.readDirSync(out)].map((entry) => entry.name);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      await Deno.mkdir(out, { recursive: true });
      return;
    }
    throw new BuildError(`cannot use ${out} as the output folder: ${(error as Error).message}`);
  }
  if (entries.length === 0) return;
  if (!entries.includes(BUILD_MARKER)) {
    throw new BuildError(
      `refusing to build into ${out}: it is not empty and was not written by \`deno task site\` ` +
        `(no ${BUILD_MARKER} file). Choose another --out or empty it yourself.`,
    );
  }
  for (const name of entries) await Deno.remove(join(out, name), { recursive: true });
}

/**
 * Builds the site into `options.out` and checks every link of it.
 *
 * @returns the files written, relative to the output folder, sorted.
 * @throws {BuildError} when the output folder cannot be used or the built site has broken links.
 * @throws {SiteLoadError} or {ResultsError} when the content or the results cannot be read.
 * @example
 * ```ts
 * import { buildSite } from "./build.ts";
 * const { files } = await buildSite({ root: ".", out: "dist", results: "results" });
 * files.includes("results/index.html"); // → true
 * ```
 */
export async function buildSite(options: BuildOptions): Promise<{ files: string[] }> {
  const progress = options.onProgress ?? (() => {});
  const site = await loadSite({
    root: options.root,
    results: options.results,
    onProgress: progress,
  });
  await prepareOutput(options.out);
  progress(`writing pages into ${options.out}`);
  const app = createApp(site);
  const result = await toSSG(app, confinedFileSystem(options.out), { dir: options.out });
  if (!result.success) {
    throw new BuildError(`writing the pages failed: ${result.error?.message ?? "unknown error"}`);
  }
  await Deno.writeTextFile(
    join(options.out, BUILD_MARKER),
    "Written by `deno task site`; the next build empties this folder.\n",
  );
  const files = (await listFiles(options.out)).filter((file) => file !== BUILD_MARKER);
  progress(`checking links of ${files.filter((file) => file.endsWith(".html")).length} pages`);
  const problems = await checkBuiltSite(options.out);
  if (problems.length > 0) {
    throw new BuildError(
      `the built site in ${options.out} is broken:\n  - ${problems.join("\n  - ")}`,
    );
  }
  return { files };
}

const USAGE = `Usage: deno task site [--out <dir>] [--results <dir> | --no-results]

Builds the static site: the course map, the notes, the labs' task pages and, with results,
the class overview and one page per student.

  --out <dir>       where to write the site (default: dist)
  --results <dir>   a grader results folder (<dir>/<student>/results.json); the default is
                    results/ when it exists
  --no-results      build without results even when results/ exists
  --help            show this help`;

/** The parsed command line. */
interface Arguments {
  out: string;
  results?: string;
  noResults: boolean;
}

function parseArguments(args: string[]): Arguments | string {
  const parsed: Arguments = { out: "dist", noResults: false };
  for (let index = 0; index < args.length; index++) {
    const arg = args[index];
    const [flag, inline] = arg.startsWith("--") && arg.includes("=")
      ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)]
      : [arg, undefined];
    if (flag === "--out" || flag === "--results") {
      const value = inline ?? args[++index];
      if (value === undefined || value === "") return `${flag} needs a folder`;
      if (flag === "--out") parsed.out = value;
      else parsed.results = value;
    } else if (flag === "--no-results") parsed.noResults = true;
    else return `unknown argument "${arg}"`;
  }
  if (parsed.noResults && parsed.results !== undefined) {
    return "--results and --no-results contradict each other";
  }
  return parsed;
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * The `deno task site` command: parses `args`, builds, prints progress and a closing line, and
 * returns the exit code (0 built, 1 failed with a message, 2 bad arguments).
 *
 * @example
 * ```ts
 * import { siteCommand } from "./build.ts";
 * Deno.exit(await siteCommand(["--out", "public", "--results", "results"]));
 * ```
 */
export async function siteCommand(args: string[]): Promise<number> {
  if (args.includes("--help") || args.includes("-h")) {
    console.log(USAGE);
    return 0;
  }
  const parsed = parseArguments(args);
  if (typeof parsed === "string") {
    console.error(`site: ${parsed}\n\n${USAGE}`);
    return 2;
  }
  const root = fileURLToPath(new URL("..", import.meta.url));
  let results = parsed.results;
  if (results === undefined && !parsed.noResults && exists(join(root, "results"))) {
    results = join(root, "results");
  }
  const started = performance.now();
  try {
    const { files } = await buildSite({
      root,
      out: parsed.out,
      results,
      onProgress: (line) => console.log(`site: ${line}`),
    });
    const pages = files.filter((file) => file.endsWith(".html")).length;
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    console.log(
      `site: built ${pages} pages into ${parsed.out}/ in ${seconds} s. ` +
        `Open ${join(parsed.out, "index.html")} or run \`deno task serve\`.`,
    );
    return 0;
  } catch (error) {
    if (
      error instanceof BuildError || error instanceof SiteLoadError ||
      error instanceof ResultsError || error instanceof CourseError
    ) {
      console.error(`site: error: ${error.message}`);
      return 1;
    }
    throw error;
  }
}

if (import.meta.main) Deno.exit(await siteCommand(Deno.args));
