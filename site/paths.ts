/**
 * Where every page of the site lives, and how one page links to another.
 *
 * Every link on the site is relative and names a file (`../labs/04-channels.html`, never `/labs/`
 * or `labs/`), so the built folder works the same when opened from the file system, served from
 * the root of a host, or served from a sub-folder.
 *
 * A student's page is named by {@link studentKey}, a keyed hash of the student's id: never the
 * name itself, which may hold `..`, markup or nothing readable, and which would let anyone who
 * knows a classmate's name open their grades.
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

/** The primitives' README, the map from Go to TypeScript. */
export const PRIMITIVES_PATH = "primitives.html";
/** The search page: a form that works with the one optional script, and a site index without it. */
export const SEARCH_PATH = "search.html";
/** The search index the search page's script loads. */
export const SEARCH_INDEX_PATH = "search/index.json";
/** The search library (MiniSearch's browser build), copied from the npm package at build time. */
export const SEARCH_LIBRARY_PATH = "search/minisearch.js";
/** The search page's own script. */
export const SEARCH_SCRIPT_PATH = "search/search.js";

/**
 * A page of a notes chapter, by the chapter's file name without `.md`: long chapters are paged by
 * section, the first page at the chapter's own name and the others numbered from 2.
 *
 * @example
 * ```ts
 * import { notePath } from "./paths.ts";
 * notePath("04-channels"); // → "notes/04-channels.html"
 * notePath("04-channels", 3); // → "notes/04-channels-3.html"
 * ```
 */
export function notePath(chapterSlug: string, page = 1): string {
  return page === 1 ? `notes/${chapterSlug}.html` : `notes/${chapterSlug}-${page}.html`;
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
 * The results page of one student, by the key {@link studentKey} gave them.
 *
 * @example
 * ```ts
 * import { studentPath } from "./paths.ts";
 * studentPath("3f2a9c0e6b1d47a8c5e2f09b7d6a4c13"); // → "results/s/3f2a9c0e6b1d47a8c5e2f09b7d6a4c13.html"
 * ```
 */
export function studentPath(studentKey: string): string {
  return `results/s/${studentKey}.html`;
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

/**
 * The private key of a student's page: an HMAC-SHA-256 of the student's id keyed with the
 * instructor's secret, as 32 hex digits (128 bits). Without the secret nobody can compute it, and
 * the same secret gives the same key on every build, so links sent out once keep working.
 *
 * @example
 * ```ts
 * import { studentKey } from "./paths.ts";
 * await studentKey("correct horse battery staple", "ada"); // → 32 hex digits
 * ```
 */
export async function studentKey(secret: string, studentId: string): Promise<string> {
  const encoder = new TextEncoder();
  const key = await crypto.subtle.importKey(
    "raw",
    encoder.encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(studentId)));
  return [...mac.slice(0, 16)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}
