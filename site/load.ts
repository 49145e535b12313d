/**
 * Reads everything the site shows from the repository (the manifest, the notes, the labs' task
 * pages, the stylesheet) and, when asked, from a grader results folder, and renders the Markdown
 * once. The app then only lays pages out.
 *
 * It reads through `node:fs/promises`, which Deno and Bun both provide, so the app's tests run on
 * either runtime.
 *
 * @example
 * ```ts
 * import { loadSite } from "./load.ts";
 * const data = await loadSite({ root: ".", results: "results", onProgress: console.log });
 * data.chapters.map((chapter) => chapter.title);
 * ```
 * @module
 */
import { lstat, readdir, readFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Course, type LabEntry, parseCourse } from "../core/course.ts";
import { renderMarkdown, type TocEntry } from "./markdown.ts";
import { labPath, notePath, relativeHref, resolveRepoPath, studentSlugs } from "./paths.ts";
import {
  type ClassResults,
  parseStudentResults,
  parseSummary,
  ResultsError,
  type StudentResults,
  summarise,
} from "./results.ts";

/** A notes chapter, rendered. */
export interface Chapter {
  /** The file name without `.md`: `"04-channels"`. */
  slug: string;
  /** The chapter's number from its file name: 4. */
  number: number;
  /** The repository path: `"notes/04-channels.md"`. */
  file: string;
  /** The first `#` heading, or the slug when there is none. */
  title: string;
  html: string;
  toc: TocEntry[];
  /** The labs whose `note` is this chapter, in course order. */
  labs: LabEntry[];
}

/** A lab's task page, rendered. */
export interface LabPage {
  entry: LabEntry;
  /** The README's first `#` heading, or `Lab NN — title` when it has none. */
  heading: string;
  html: string;
  toc: TocEntry[];
  /** The chapter the lab builds on (from `note`). */
  chapterSlug: string;
}

/** A student of the results, with the slug their page is written under. */
export interface StudentEntry extends StudentResults {
  slug: string;
}

/** The results, ready for the pages: the class overview with every student's slug. */
export interface ResultsData extends Omit<ClassResults, "students"> {
  students: StudentEntry[];
  /** The folder the results were read from, as given. */
  folder: string;
  /** When the grading run finished, from `summary.json` (ISO 8601), when it says. */
  gradedAt?: string;
}

/** Everything the site shows. */
export interface SiteData {
  course: Course;
  chapters: Chapter[];
  labs: LabPage[];
  results: ResultsData | null;
  css: string;
}

/** Where to read from. */
export interface LoadOptions {
  /** The repository's root folder (holding `labs/course.json` and `notes/`). */
  root: string;
  /** A grader results folder, or `undefined` for a site without results. */
  results?: string;
  /** Called with one line per step, for the progress the build prints. */
  onProgress?: (line: string) => void;
}

/** Thrown when the site cannot be built from what is on disk; the message says what and why. */
export class SiteLoadError extends Error {
  /**
   * @example
   * ```ts
   * import { SiteLoadError } from "./load.ts";
   * throw new SiteLoadError("results folder results/ does not exist");
   * ```
   */
  constructor(message: string) {
    super(message);
    this.name = "SiteLoadError";
  }
}

async function readText(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    const code = (error as { code?: string }).code;
    const reason = code === "ENOENT" ? "it does not exist" : (error as Error).message;
    throw new SiteLoadError(`cannot read ${what} ${path}: ${reason}`);
  }
}

/**
 * Turns a link written in a Markdown file into an href on the page that renders it: links to a
 * chapter or to a lab's README become links to their pages; anything else in the repository is
 * not on the site and resolves to `null`.
 */
function linkResolver(
  sourceDir: string,
  pagePath: string,
  chapterSlugs: Set<string>,
  labSlugs: Set<string>,
): (target: string) => string | null {
  return (target) => {
    const hashAt = target.indexOf("#");
    const fragment = hashAt === -1 ? "" : target.slice(hashAt);
    const pathPart = decodeURIComponent(hashAt === -1 ? target : target.slice(0, hashAt));
    const repoPath = resolveRepoPath(sourceDir, pathPart);
    if (repoPath === null) return null;
    const note = repoPath.match(/^notes\/([^/]+)\.md$/);
    if (note && chapterSlugs.has(note[1])) {
      return relativeHref(pagePath, notePath(note[1]) + fragment);
    }
    const lab = repoPath.match(/^labs\/([^/]+?)(?:\/(?:README\.md)?)?$/);
    if (lab && labSlugs.has(lab[1])) return relativeHref(pagePath, labPath(lab[1]) + fragment);
    return null;
  };
}

/**
 * Reads and renders the course, and the results when a folder is given.
 *
 * @throws {SiteLoadError} when a file is missing or the manifest names a chapter that is not there.
 * @throws {ResultsError} when a results file is malformed.
 * @example
 * ```ts
 * import { loadSite } from "./load.ts";
 * const data = await loadSite({ root: "." });
 * data.results; // → null
 * ```
 */
export async function loadSite(options: LoadOptions): Promise<SiteData> {
  const progress = options.onProgress ?? (() => {});
  const root = options.root;
  const courseFile = join(root, "labs", "course.json");
  const course = parseCourse(await readText(courseFile, "the course manifest"), courseFile);
  progress(`course: ${course.title} (${course.labs.length} labs)`);

  const noteFiles = (await readdir(join(root, "notes"))).filter((name) => /\.md$/.test(name))
    .sort();
  if (noteFiles.length === 0) throw new SiteLoadError(`no chapters in ${join(root, "notes")}`);
  const chapterSlugs = new Set(noteFiles.map((name) => name.replace(/\.md$/, "")));
  const labSlugs = new Set(course.labs.map((lab) => lab.slug));
  for (const lab of course.labs) {
    if (!chapterSlugs.has(lab.note.replace(/^notes\//, "").replace(/\.md$/, ""))) {
      throw new SiteLoadError(
        `${courseFile}: lab ${lab.id} names the chapter ${lab.note}, which is not in notes/`,
      );
    }
  }

  const chapters: Chapter[] = [];
  for (const name of noteFiles) {
    const slug = name.replace(/\.md$/, "");
    const file = `notes/${name}`;
    const rendered = renderMarkdown(await readText(join(root, file), "the chapter"), {
      resolveLink: linkResolver("notes", notePath(slug), chapterSlugs, labSlugs),
    });
    const number = Number(slug.match(/^(\d+)/)?.[1] ?? chapters.length + 1);
    chapters.push({
      slug,
      number,
      file,
      title: rendered.title || slug,
      html: rendered.html,
      toc: rendered.toc,
      labs: course.labs.filter((lab) => lab.note === file),
    });
    progress(`rendered ${file}`);
  }

  const labs: LabPage[] = [];
  for (const entry of course.labs) {
    const file = `labs/${entry.slug}/README.md`;
    const rendered = renderMarkdown(await readText(join(root, file), "the lab's task page"), {
      resolveLink: linkResolver(`labs/${entry.slug}`, labPath(entry.slug), chapterSlugs, labSlugs),
    });
    labs.push({
      entry,
      heading: rendered.title || `Lab ${entry.id} — ${entry.title}`,
      html: rendered.html,
      toc: rendered.toc,
      chapterSlug: entry.note.replace(/^notes\//, "").replace(/\.md$/, ""),
    });
    progress(`rendered ${file}`);
  }

  const css = await readText(
    fileURLToPath(new URL("./style.css", import.meta.url)),
    "the stylesheet",
  );
  const results = options.results === undefined
    ? null
    : await loadResults(options.results, course, progress);
  return { course, chapters, labs, results, css };
}

/**
 * Reads a grader results folder: `<folder>/<student>/results.json` for every student, and
 * `<folder>/summary.json` when it is there. A folder that holds `results.json` itself is read as
 * the results of one submission, named after the folder.
 *
 * Only real folders and files are read: symbolic links are skipped, so a results folder cannot
 * make the build read anything outside it. Folders whose name starts with a dot are the grader's
 * own (`.grader/`) and are skipped; a student's folder without `results.json` is skipped with a
 * warning (its grading may not have finished).
 *
 * @throws {SiteLoadError} when the folder is missing, is not a folder, or holds no results.
 * @throws {ResultsError} when a results file is malformed.
 * @example
 * ```ts
 * import { loadResults } from "./load.ts";
 * import type { Course } from "../core/course.ts";
 * declare const course: Course;
 * const results = await loadResults("results", course, console.log);
 * results.students.length;
 * ```
 */
export async function loadResults(
  folder: string,
  course: Course,
  progress: (line: string) => void = () => {},
): Promise<ResultsData> {
  let info;
  try {
    info = await lstat(folder);
  } catch {
    throw new SiteLoadError(
      `results folder ${folder} does not exist: run \`deno task grade <submissions>\` first, ` +
        `or leave out --results to build the site without results`,
    );
  }
  if (!info.isDirectory()) {
    throw new SiteLoadError(`results folder ${folder} is not a folder`);
  }
  const warnings: string[] = [];
  const summaryFile = join(folder, "summary.json");
  const summaryInfo = await isPlainFile(summaryFile)
    ? parseSummary(await readFile(summaryFile, "utf8"), summaryFile)
    : {};

  const found: { name: string; file: string }[] = [];
  const ownFile = join(folder, "results.json");
  if (await isPlainFile(ownFile)) {
    found.push({ name: basename(folder.replace(/[\\/]+$/, "")) || "submission", file: ownFile });
  } else {
    const entries = await readdir(folder, { withFileTypes: true });
    for (const entry of entries.sort((a, b) => a.name < b.name ? -1 : 1)) {
      // Dot folders are the grader's own (`.grader/`): it names no student so.
      if (!entry.isDirectory() || entry.name.startsWith(".")) continue;
      const file = join(folder, entry.name, "results.json");
      if (await isPlainFile(file)) found.push({ name: entry.name, file });
      else warnings.push(`skipped ${join(folder, entry.name)}: it has no results.json`);
    }
  }
  if (found.length === 0) {
    throw new SiteLoadError(
      `results folder ${folder} holds no results: expected ${
        join(folder, "<student>", "results.json")
      } ` + `for each student (as \`deno task grade\` writes them)`,
    );
  }
  const students: StudentResults[] = [];
  for (const { name, file } of found) {
    students.push(parseStudentResults(name, await readFile(file, "utf8"), file, course));
  }
  const unread = (summaryInfo.students ?? []).filter((name) =>
    !found.some((each) => each.name === name)
  );
  if (unread.length > 0) {
    warnings.push(
      `summary.json lists ${unread.length} student(s) without a results.json: ${unread.join(", ")}`,
    );
  }
  for (const warning of warnings) progress(`warning: ${warning}`);
  progress(`results: ${students.length} student(s) from ${folder}`);
  const summary = summarise(students, course, warnings);
  const slugs = studentSlugs(summary.students.map((student) => student.name));
  return {
    ...summary,
    students: summary.students.map((student) => ({
      ...student,
      slug: slugs.get(student.name)!,
    })),
    folder,
    ...(summaryInfo.generatedAt === undefined ? {} : { gradedAt: summaryInfo.generatedAt }),
  };
}

async function isPlainFile(path: string): Promise<boolean> {
  try {
    return (await lstat(path)).isFile();
  } catch {
    return false;
  }
}

export { ResultsError };
