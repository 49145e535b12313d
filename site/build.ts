/**
 * `deno task site`: builds the static site (the course map, the notes, the labs' task pages and,
 * when there are results, the class overview and one page per student) into a folder.
 *
 * Usage: deno task site [--out <dir>] [--results <dir> | --no-results] [--secret-file <path>]
 *        [--links <path>] [--base-url <url>] [--show-names]
 *
 * With results, the class overview names nobody unless `--show-names` says so, and each student
 * gets a private page at a path keyed with the instructor's secret (`--secret-file`, or the
 * environment variable `SITE_SECRET`); without a secret no student page is written. The addresses
 * go into `links.csv`, beside the output folder and never inside it, for the instructor to send.
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
import { stringify } from "csv-stringify/sync";
import { toSSG } from "hono/ssg";
import type { FileSystemModule } from "hono/ssg";
import { dirname, isAbsolute, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { CourseError } from "../core/course.ts";
import { createApp } from "./app.tsx";
import { checkBuiltSite, listFiles } from "./check_output.ts";
import { loadSite, ResultsError, SiteLoadError } from "./load.ts";
import { studentPath } from "./paths.ts";
import { spreadsheetSafe } from "../core/csv.ts";

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
  /** The instructor's secret that keys the students' page paths; without it, no student page. */
  secret?: string;
  /** Name the students on the overview (the instructor's own edition). */
  showNames?: boolean;
  /** Where to write `links.csv`; by default beside the output folder. Never inside it. */
  linksFile?: string;
  /** The address the site will be published at, to make the links in `links.csv` absolute. */
  baseUrl?: string;
  /** Receives one line per step. */
  onProgress?: (line: string) => void;
}

/** The shortest secret accepted: anything shorter could be guessed. */
export const MIN_SECRET_LENGTH = 16;

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
export async function buildSite(
  options: BuildOptions,
): Promise<{ files: string[]; linksFile?: string }> {
  const progress = options.onProgress ?? (() => {});
  if (options.secret !== undefined && options.secret.length < MIN_SECRET_LENGTH) {
    throw new BuildError(
      `the secret is ${options.secret.length} characters long; use at least ${MIN_SECRET_LENGTH} ` +
        `random characters (for example: openssl rand -hex 32 > site-secret.txt)`,
    );
  }
  const linksFile = resolve(options.linksFile ?? join(dirname(resolve(options.out)), "links.csv"));
  if (isInside(resolve(options.out), linksFile)) {
    throw new BuildError(
      `refusing to write ${linksFile} inside the output folder ${options.out}: it holds every ` +
        `student's private address, and the output folder is what gets published`,
    );
  }
  const site = await loadSite({
    root: options.root,
    results: options.results,
    secret: options.secret,
    showNames: options.showNames,
    onProgress: progress,
  });
  if (site.results && options.secret === undefined) {
    progress(
      "warning: no student pages written: they need the instructor's secret " +
        "(--secret-file <path> or SITE_SECRET); the class overview is built alone",
    );
  }
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
  const students = site.results?.students.filter((student) => student.key !== undefined) ?? [];
  if (students.length === 0) return { files };
  await writeAtomically(linksFile, studentLinksCsv(students, options.baseUrl));
  progress(`wrote ${students.length} private links into ${linksFile}: send each its own`);
  return { files, linksFile };
}

function isInside(folder: string, path: string): boolean {
  const inside = relative(folder, path);
  return inside === "" || (!inside.startsWith("..") && !isAbsolute(inside));
}

async function writeAtomically(path: string, text: string): Promise<void> {
  const temporary = `${path}.${crypto.randomUUID()}.tmp`;
  try {
    await Deno.writeTextFile(temporary, text, { mode: 0o600 });
    await Deno.rename(temporary, path);
  } catch (error) {
    await Deno.remove(temporary).catch(() => {});
    throw new BuildError(
      `the site is built, but ${path} could not be written (${(error as Error).message}); ` +
        `choose another place with --links`,
    );
  }
}

/**
 * `links.csv`: one row per student with the address of their private page, relative to the site's
 * root or, given `baseUrl`, absolute. Names go through {@linkcode spreadsheetSafe}, so opening the
 * file runs nothing.
 *
 * @example
 * ```ts
 * import { studentLinksCsv } from "./build.ts";
 * studentLinksCsv([{ name: "=ada", key: "0f".repeat(16) }], "https://course.example/");
 * // → "student,url\n'=ada,https://course.example/results/s/0f0f….html\n"
 * ```
 */
export function studentLinksCsv(
  students: { name: string; key?: string }[],
  baseUrl?: string,
): string {
  const base = baseUrl === undefined ? "" : baseUrl.replace(/\/?$/, "/");
  const rows = students.filter((student) => student.key !== undefined).map((student) => [
    spreadsheetSafe(student.name),
    `${base}${studentPath(student.key!)}`,
  ]);
  return stringify([["student", "url"], ...rows]);
}

const USAGE = `Usage: deno task site [--out <dir>] [--results <dir> | --no-results]
                       [--secret-file <path>] [--links <path>] [--base-url <url>] [--show-names]

Builds the static site: the course map, the notes, the labs' task pages, the primitives' map,
search and, with results, the class overview and one private page per student.

  --out <dir>          where to write the site (default: dist)
  --results <dir>      a grader results folder (<dir>/<student>/results.json); the default is
                       results/ when it exists
  --no-results         build without results even when results/ exists
  --secret-file <path> the instructor's secret (at least ${MIN_SECRET_LENGTH} characters; or set
                       SITE_SECRET): each student's page lives at a path keyed with it, linked from
                       no other page. Without a secret no student page is written.
  --links <path>       where to write links.csv (student, url) for sending out; default: beside
                       the output folder, never inside it
  --base-url <url>     the address the site is published at, to make those links absolute
  --show-names         name the students on the overview: the instructor's own edition, not for
                       publishing
  --help               show this help`;

/** The parsed command line. */
interface Arguments {
  out: string;
  results?: string;
  noResults: boolean;
  secretFile?: string;
  links?: string;
  baseUrl?: string;
  showNames: boolean;
}

function parseArguments(args: string[]): Arguments | string {
  const parsed: Arguments = { out: "dist", noResults: false, showNames: false };
  const valued: Record<string, keyof Arguments> = {
    "--out": "out",
    "--results": "results",
    "--secret-file": "secretFile",
    "--links": "links",
    "--base-url": "baseUrl",
  };
  for (let index = 0; index < args.length; index++) {
    const arg = args[index];
    const [flag, inline] = arg.startsWith("--") && arg.includes("=")
      ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)]
      : [arg, undefined];
    if (flag in valued) {
      const value = inline ?? args[++index];
      if (value === undefined || value === "") return `${flag} needs a value`;
      (parsed as unknown as Record<string, string>)[valued[flag]] = value;
    } else if (flag === "--no-results") parsed.noResults = true;
    else if (flag === "--show-names") parsed.showNames = true;
    else return `unknown argument "${arg}"`;
  }
  if (parsed.baseUrl !== undefined && !/^https?:\/\/[^\s]+$/.test(parsed.baseUrl)) {
    return `--base-url must be an http(s) address, received "${parsed.baseUrl}"`;
  }
  if (parsed.noResults && parsed.results !== undefined) {
    return "--results and --no-results contradict each other";
  }
  return parsed;
}

/** The secret from `--secret-file`, else from `SITE_SECRET`, trimmed; `undefined` when neither. */
async function readSecret(file: string | undefined): Promise<string | undefined> {
  if (file !== undefined) {
    try {
      return (await Deno.readTextFile(file)).trim();
    } catch (error) {
      throw new BuildError(`cannot read the secret file ${file}: ${(error as Error).message}`);
    }
  }
  const fromEnv = Deno.env.get("SITE_SECRET")?.trim();
  return fromEnv === "" ? undefined : fromEnv;
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
      secret: await readSecret(parsed.secretFile),
      showNames: parsed.showNames,
      linksFile: parsed.links,
      baseUrl: parsed.baseUrl,
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
