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
import { createRequire } from "node:module";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Course, type LabEntry, parseCourse } from "../core/course.ts";
import {
  decodeBasicEntities,
  renderMarkdown,
  splitLeadingHeading,
  type TocEntry,
} from "./markdown.ts";
import {
  labPath,
  notePath,
  PRIMITIVES_PATH,
  relativeHref,
  resolveRepoPath,
  studentKey,
} from "./paths.ts";
import {
  type ClassResults,
  parseStudentResults,
  parseSummary,
  ResultsError,
  type StudentResults,
  summarise,
} from "./results.ts";

/** One page of a chapter: a run of whole sections, small enough for a phone. */
export interface ChapterPage {
  /** 1 for the chapter's first page. */
  number: number;
  /** The page's part of the chapter, as HTML; links already lead to the page holding their target. */
  html: string;
}

/** A heading of a chapter, with the page it is on. */
export interface ChapterTocEntry extends TocEntry {
  page: number;
}

/** A notes chapter, rendered and paged by section. */
export interface Chapter {
  /** The file name without `.md`: `"04-channels"`. */
  slug: string;
  /** The chapter's number from its file name: 4. */
  number: number;
  /** The repository path: `"notes/04-channels.md"`. */
  file: string;
  /** The first `#` heading, or the slug when there is none. */
  title: string;
  /** The chapter's `<h1>`, shown on every page. */
  heading: string;
  pages: ChapterPage[];
  /** Every `##` and `###` heading of the chapter, with its page. */
  toc: ChapterTocEntry[];
  /** The labs whose `note` is this chapter, in course order. */
  labs: LabEntry[];
}

/** The primitives' README (the map from Go to TypeScript), rendered. */
export interface PrimitivesPage {
  title: string;
  html: string;
  toc: TocEntry[];
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

/** A student of the results, with the key their private page is written under. */
export interface StudentEntry extends StudentResults {
  /** The page's key ({@link studentKey}); `undefined` when the build has no secret, so no page. */
  key?: string;
}

/** The results, ready for the pages: the class overview with every student's page key. */
export interface ResultsData extends Omit<ClassResults, "students"> {
  students: StudentEntry[];
  /** Whether the overview names the students (the instructor's edition). */
  showNames: boolean;
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
  primitives: PrimitivesPage;
  results: ResultsData | null;
  css: string;
  /** The search page's two scripts: MiniSearch's browser build and the page's own. */
  search: { library: string; script: string };
}

/** Where to read from. */
export interface LoadOptions {
  /** The repository's root folder (holding `labs/course.json` and `notes/`). */
  root: string;
  /** A grader results folder, or `undefined` for a site without results. */
  results?: string;
  /**
   * The instructor's secret that keys each student's page path. Without it no student page is
   * made: the overview alone is built.
   */
  secret?: string;
  /** Name the students on the overview, linked to their pages: the instructor's own edition. */
  showNames?: boolean;
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
 * MiniSearch's browser build (UMD, defines `MiniSearch`), found beside the entry point the npm
 * package resolves to, on Deno and Bun alike.
 */
function searchLibraryFile(): string {
  const entry = createRequire(import.meta.url).resolve("minisearch");
  return join(dirname(dirname(entry)), "umd", "index.js");
}

/** Where each heading id of each chapter landed: chapter slug → id → page number. */
type AnchorPages = Map<string, Map<string, number>>;

/**
 * Turns a link written in a Markdown file into an href on the page that renders it: links to a
 * chapter (and to a section of it, on whichever page the section landed), to a lab's README or to
 * the primitives' README become links to their pages; anything else in the repository is not on
 * the site and resolves to `null`.
 */
function linkResolver(
  sourceDir: string,
  pagePath: string,
  anchors: AnchorPages,
  labSlugs: Set<string>,
): (target: string) => string | null {
  return (target) => {
    const hashAt = target.indexOf("#");
    const fragment = hashAt === -1 ? "" : target.slice(hashAt);
    const pathPart = decodeURIComponent(hashAt === -1 ? target : target.slice(0, hashAt));
    const repoPath = resolveRepoPath(sourceDir, pathPart);
    if (repoPath === null) return null;
    const note = repoPath.match(/^notes\/([^/]+)\.md$/);
    const chapter = note ? anchors.get(note[1]) : undefined;
    if (note && chapter) {
      const page = chapter.get(decodeURIComponent(fragment.slice(1))) ?? 1;
      return relativeHref(pagePath, notePath(note[1], page) + fragment);
    }
    if (/^labs\/primitives(?:\/(?:README\.md)?)?$/.test(repoPath)) {
      return relativeHref(pagePath, PRIMITIVES_PATH + fragment);
    }
    const lab = repoPath.match(/^labs\/([^/]+?)(?:\/(?:README\.md)?)?$/);
    if (lab && labSlugs.has(lab[1])) return relativeHref(pagePath, labPath(lab[1]) + fragment);
    return null;
  };
}

/** Most bytes of a chapter's HTML on one page; the page's frame and contents add about 10 KB. */
export const PAGE_BUDGET_BYTES = 42_000;

/**
 * Cuts rendered HTML into blocks that start at each heading of `level` (the first block is what
 * comes before the first such heading). The renderer starts every heading on a line of its own,
 * and a heading inside a code block is escaped, so the cut never falls inside an element.
 */
function cutAtHeadings(html: string, level: 2 | 3): string[] {
  return html.split(new RegExp(`(?=^<h${level} )`, "m")).filter((block) => block !== "");
}

/** How a chapter is paged: which `##` sections were cut at their `###`s, and blocks per page. */
interface PageLayout {
  deep: boolean[];
  perPage: number[];
}

/**
 * Cuts a chapter's body into blocks: one per `##` section, or one per `###` part of a section
 * larger than `budget` (or, given `deep`, of the sections a first rendering cut so).
 */
function cutBlocks(body: string, budget: number, deep?: boolean[]) {
  const sections = cutAtHeadings(body, 2);
  const cut = deep ?? sections.map((section) => byteLength(section) > budget);
  return {
    blocks: sections.flatMap((section, index) =>
      cut[index] ? cutAtHeadings(section, 3) : [section]
    ),
    deep: cut,
  };
}

function byteLength(text: string): number {
  return new TextEncoder().encode(text).length;
}

/**
 * Groups a chapter's body into pages of whole sections, each within `budget` bytes when its
 * sections allow. Returns the layout, so that the second rendering of the same Markdown (whose
 * links differ in length) is paged exactly the same way, and the first rendering's pages.
 */
function pageLayout(body: string, budget: number): { layout: PageLayout; pages: string[] } {
  const { blocks, deep } = cutBlocks(body, budget);
  const perPage: number[] = [];
  let size = 0;
  for (const block of blocks) {
    const blockSize = byteLength(block);
    if (perPage.length === 0 || size + blockSize > budget) {
      perPage.push(1);
      size = blockSize;
    } else {
      perPage[perPage.length - 1]++;
      size += blockSize;
    }
  }
  return { layout: { deep, perPage }, pages: applyLayout(blocks, perPage) };
}

/** Splits `blocks` into pages holding `perPage[i]` blocks each. */
function applyLayout(blocks: string[], perPage: number[]): string[] {
  const pages: string[] = [];
  let at = 0;
  for (const count of perPage) {
    pages.push(blocks.slice(at, at + count).join(""));
    at += count;
  }
  return pages;
}

function idsIn(html: string): string[] {
  return [...html.matchAll(/\sid="([^"]+)"/g)].map((match) => decodeBasicEntities(match[1]));
}

/**
 * On one page of a chapter, points every in-chapter link (`href="#id"`) whose target landed on
 * another page at that page.
 */
function linkAcrossPages(html: string, slug: string, page: number, ids: Map<string, number>) {
  return html.replace(/\shref="#([^"]+)"/g, (whole, encoded: string) => {
    const target = ids.get(decodeBasicEntities(encoded));
    if (target === undefined || target === page) return whole;
    return ` href="${relativeHref(notePath(slug, page), notePath(slug, target))}#${encoded}"`;
  });
}

/**
 * Reads and renders the course, and the results when a folder is given.
 *
 * Chapters are rendered twice: once to learn how they page and on which page each heading lands,
 * then with every link pointing at the page that holds its target.
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
  const chapterSlugs = noteFiles.map((name) => name.replace(/\.md$/, ""));
  const labSlugs = new Set(course.labs.map((lab) => lab.slug));
  for (const lab of course.labs) {
    if (!chapterSlugs.includes(lab.note.replace(/^notes\//, "").replace(/\.md$/, ""))) {
      throw new SiteLoadError(
        `${courseFile}: lab ${lab.id} names the chapter ${lab.note}, which is not in notes/`,
      );
    }
  }

  const sources = new Map<string, string>();
  for (const slug of chapterSlugs) {
    sources.set(slug, await readText(join(root, "notes", `${slug}.md`), "the chapter"));
  }
  // First pass: how each chapter pages, and where each heading lands.
  const anchors: AnchorPages = new Map(chapterSlugs.map((slug) => [slug, new Map()]));
  const layouts = new Map<string, PageLayout>();
  for (const slug of chapterSlugs) {
    const { body } = splitLeadingHeading(renderMarkdown(sources.get(slug)!).html);
    const { layout, pages } = pageLayout(body, PAGE_BUDGET_BYTES);
    layouts.set(slug, layout);
    pages.forEach((html, index) => {
      for (const id of idsIn(html)) anchors.get(slug)!.set(id, index + 1);
    });
  }
  // Second pass: the pages, with links to where their targets are.
  const chapters: Chapter[] = [];
  for (const slug of chapterSlugs) {
    const file = `notes/${slug}.md`;
    const ids = anchors.get(slug)!;
    const rendered = renderMarkdown(sources.get(slug)!, {
      resolveLink: linkResolver("notes", notePath(slug), anchors, labSlugs),
    });
    const { heading, body } = splitLeadingHeading(rendered.html);
    const layout = layouts.get(slug)!;
    const { blocks } = cutBlocks(body, PAGE_BUDGET_BYTES, layout.deep);
    const pages = applyLayout(blocks, layout.perPage).map((html, index) => ({
      number: index + 1,
      html: linkAcrossPages(html, slug, index + 1, ids),
    }));
    const number = Number(slug.match(/^(\d+)/)?.[1] ?? chapters.length + 1);
    chapters.push({
      slug,
      number,
      file,
      title: rendered.title || slug,
      heading,
      pages,
      toc: rendered.toc.map((entry) => ({ ...entry, page: ids.get(entry.id) ?? 1 })),
      labs: course.labs.filter((lab) => lab.note === file),
    });
    progress(`rendered ${file} (${pages.length} ${pages.length === 1 ? "page" : "pages"})`);
  }

  const labs: LabPage[] = [];
  for (const entry of course.labs) {
    const file = `labs/${entry.slug}/README.md`;
    const rendered = renderMarkdown(await readText(join(root, file), "the lab's task page"), {
      resolveLink: linkResolver(`labs/${entry.slug}`, labPath(entry.slug), anchors, labSlugs),
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

  const primitivesFile = "labs/primitives/README.md";
  const primitivesRendered = renderMarkdown(
    await readText(join(root, primitivesFile), "the primitives' README"),
    { resolveLink: linkResolver("labs/primitives", PRIMITIVES_PATH, anchors, labSlugs) },
  );
  const primitives: PrimitivesPage = {
    title: primitivesRendered.title || "The primitives",
    html: primitivesRendered.html,
    toc: primitivesRendered.toc,
  };
  progress(`rendered ${primitivesFile}`);

  const css = await readText(
    fileURLToPath(new URL("./style.css", import.meta.url)),
    "the stylesheet",
  );
  const search = {
    library: (await readText(searchLibraryFile(), "the search library"))
      .replace(/\n\/\/# sourceMappingURL=\S+\s*$/, "\n"),
    script: await readText(
      fileURLToPath(new URL("./search.js", import.meta.url)),
      "the search script",
    ),
  };
  const results = options.results === undefined ? null : await loadResults(
    options.results,
    course,
    { secret: options.secret, showNames: options.showNames ?? false },
    progress,
  );
  return { course, chapters, labs, primitives, results, css, search };
}

/**
 * Reads a grader results folder: `<folder>/<student>/results.json` for every student, and
 * `<folder>/summary.json` when it is there. A folder that holds `results.json` itself is read as
 * the results of one submission, named after the folder. With the instructor's secret every
 * student gets the key of a private page; without it, none does.
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
 * const results = await loadResults("results", course, { secret: "s3cret", showNames: false });
 * results.students.length;
 * ```
 */
export async function loadResults(
  folder: string,
  course: Course,
  privacy: { secret?: string; showNames: boolean },
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
  const secret = privacy.secret;
  return {
    ...summary,
    students: await Promise.all(summary.students.map(async (student) => ({
      ...student,
      ...(secret === undefined ? {} : { key: await studentKey(secret, student.name) }),
    }))),
    showNames: privacy.showNames,
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
