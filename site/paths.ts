/**
 * Where every page of the site lives, and how one page links to another.
 *
 * Every link on the site is relative and names a file (`../labs/04-channels.html`, never `/labs/`
 * or `labs/`), so the built folder works the same when opened from the file system, served from
 * the root of a host, or served from a sub-folder.
 *
 * Student names come from folder names the grader wrote, which come from whatever students
 * called their submissions: they may contain `..`, slashes' look-alikes, markup or nothing
 * readable at all. {@link studentSlugs} turns them into file names made of `[a-z0-9-]` only.
 *
 * @example
 * ```ts
 * import { notePath, relativeHref } from "./paths.ts";
 * relativeHref("labs/04-channels.html", notePath("04-channels")); // → "../notes/04-channels.html"
 * ```
 * @module
 */

/** The course map. */
export const HOME_PATH = "index.html";
/** The one stylesheet, shared by every page. */
export const STYLE_PATH = "style.css";
/** The class overview: students × labs, and per-test pass rates. */
export const CLASS_PATH = "results/index.html";

/**
 * The page of a notes chapter, by the chapter's file name without `.md`.
 *
 * @example
 * ```ts
 * import { notePath } from "./paths.ts";
 * notePath("04-channels"); // → "notes/04-channels.html"
 * ```
 */
export function notePath(chapterSlug: string): string {
  return `notes/${chapterSlug}.html`;
}

/**
 * The task page of a lab, by its slug from `labs/course.json`.
 *
 * @example
 * ```ts
 * import { labPath } from "./paths.ts";
 * labPath("04-channels"); // → "labs/04-channels.html"
 * ```
 */
export function labPath(labSlug: string): string {
  return `labs/${labSlug}.html`;
}

/**
 * The results page of one student, by the slug {@link studentSlugs} gave them.
 *
 * @example
 * ```ts
 * import { studentPath } from "./paths.ts";
 * studentPath("ada-lovelace"); // → "results/students/ada-lovelace.html"
 * ```
 */
export function studentPath(studentSlug: string): string {
  return `results/students/${studentSlug}.html`;
}

/**
 * The href that leads from the page at `from` to the file at `to`, both given relative to the
 * site's root (no leading slash). A `#fragment` on `to` is kept.
 *
 * @example
 * ```ts
 * import { relativeHref } from "./paths.ts";
 * relativeHref("results/students/ada.html", "style.css"); // → "../../style.css"
 * relativeHref("index.html", "notes/01-goroutines.html#lab"); // → "notes/01-goroutines.html#lab"
 * ```
 */
export function relativeHref(from: string, to: string): string {
  const hashAt = to.indexOf("#");
  const fragment = hashAt === -1 ? "" : to.slice(hashAt);
  const target = hashAt === -1 ? to : to.slice(0, hashAt);
  const fromDirs = from.split("/").slice(0, -1);
  const toParts = target.split("/");
  let shared = 0;
  while (
    shared < fromDirs.length && shared < toParts.length - 1 && fromDirs[shared] === toParts[shared]
  ) shared++;
  const ups = fromDirs.length - shared;
  const href = "../".repeat(ups) + toParts.slice(shared).join("/");
  return href + fragment;
}

/**
 * Normalises a path inside the repository: resolves `.` and `..` against `base` (a folder, given
 * relative to the repository's root) and reports `null` when the result would climb above the root.
 *
 * @example
 * ```ts
 * import { resolveRepoPath } from "./paths.ts";
 * resolveRepoPath("labs/04-channels", "../../notes/04-channels.md"); // → "notes/04-channels.md"
 * resolveRepoPath("labs", "../../etc/passwd"); // → null
 * ```
 */
export function resolveRepoPath(base: string, relative: string): string | null {
  const parts = relative.startsWith("/") ? [] : base.split("/").filter((part) => part !== "");
  for (const part of relative.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (parts.length === 0) return null;
      parts.pop();
    } else parts.push(part);
  }
  return parts.join("/");
}

/** FNV-1a, 32 bits, as 8 hex digits: a short, stable tag that tells similar names apart. */
function shortHash(text: string): string {
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, "0");
}

/** The readable part of a slug: ASCII letters and digits joined by single dashes, at most 48. */
function readablePart(name: string): string {
  return name
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 48)
    .replace(/-+$/, "");
}

/**
 * Gives every student name a distinct file-name-safe slug made of `[a-z0-9-]` only, so that no
 * name can reach outside the results folder or collide with another. Names are taken in sorted
 * order, so the result does not depend on the order the folders were listed in: the first name
 * with a given readable form keeps it, later ones get a hash of the full name appended, and names
 * with nothing readable in ASCII (`"..", "张伟"`) get `student-<hash>`.
 *
 * @example
 * ```ts
 * import { studentSlugs } from "./paths.ts";
 * studentSlugs(["Ada Lovelace", "../x", "ada lovelace"]);
 * // → Map { "../x" → "x", "Ada Lovelace" → "ada-lovelace", "ada lovelace" → "ada-lovelace-…" }
 * ```
 */
export function studentSlugs(names: Iterable<string>): Map<string, string> {
  const slugs = new Map<string, string>();
  const taken = new Set<string>();
  for (const name of [...new Set(names)].sort()) {
    const readable = readablePart(name);
    let slug = readable === "" ? `student-${shortHash(name)}` : readable;
    if (taken.has(slug)) slug = `${readable || "student"}-${shortHash(name)}`;
    // A hash collision between two names that also share a readable part: count up until free.
    for (let n = 2; taken.has(slug); n++) slug = `${readable || "student"}-${shortHash(name)}-${n}`;
    taken.add(slug);
    slugs.set(name, slug);
  }
  return slugs;
}
