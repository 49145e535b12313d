/**
 * Checks a built site the way a reader would find its faults: every relative link and stylesheet
 * must lead to a file of the site (and every `#fragment` to an element with that id), no page but
 * the search page may contain a `<script>` (and that one only the search's own files), and no
 * chapter page may weigh more than 60 KB. The build runs it after writing, so a broken site is
 * never reported as built; the tests run it too.
 *
 * @example
 * ```ts
 * import { checkBuiltSite } from "./check_output.ts";
 * const problems = await checkBuiltSite("dist");
 * if (problems.length > 0) console.error(problems.join("\n"));
 * ```
 * @module
 */
import { readdir, readFile, stat } from "node:fs/promises";
import { join, normalize, relative, sep } from "node:path";
import { SEARCH_PATH } from "./paths.ts";

/**
 * Every file under `dir`, as paths relative to it with `/` separators, sorted.
 *
 * @example
 * ```ts
 * import { listFiles } from "./check_output.ts";
 * await listFiles("dist"); // → ["index.html", "labs/01-goroutines.html", …]
 * ```
 */
export async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)).split(sep).join("/"))
    .sort();
}

function decodeAttribute(value: string): string {
  return value
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");
}

/** The `id` attributes of a page, for checking `#fragment` links into it. */
function idsOf(html: string): Set<string> {
  return new Set([...html.matchAll(/\sid="([^"]*)"/g)].map((match) => decodeAttribute(match[1])));
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** The most a chapter page may weigh, so a phone on a slow line gets it quickly. */
export const MAX_PAGE_BYTES = 60 * 1024;

/**
 * Lists what is wrong with the site built into `dir`: links (`href`, `src`) that lead to no file
 * of the site or to a missing `#id`, links that climb out of the site's folder, chapter pages over
 * {@link MAX_PAGE_BYTES}, and `<script>`
 * elements. Empty when the site is sound. Links to other sites (`https:`, `mailto:`) are not
 * followed.
 *
 * @example
 * ```ts
 * import { checkBuiltSite } from "./check_output.ts";
 * await checkBuiltSite("dist"); // → [] for a sound site
 * ```
 */
export async function checkBuiltSite(dir: string): Promise<string[]> {
  const problems: string[] = [];
  const pages = (await listFiles(dir)).filter((file) => file.endsWith(".html"));
  const idCache = new Map<string, Set<string>>();
  const idsOfFile = async (file: string) => {
    let ids = idCache.get(file);
    if (!ids) {
      ids = idsOf(await readFile(join(dir, file), "utf8"));
      idCache.set(file, ids);
    }
    return ids;
  };
  for (const page of pages) {
    const html = await readFile(join(dir, page), "utf8");
    for (const script of html.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script>|<script\b/gi)) {
      const allowed = page === SEARCH_PATH && script[1] === "" &&
        /^<script src="search\/[a-z]+\.js" defer(?:="")?>/.test(script[0]);
      if (!allowed) problems.push(`${page}: contains a <script> element other than the search's`);
    }
    const size = new TextEncoder().encode(html).length;
    if (page.startsWith("notes/") && size > MAX_PAGE_BYTES) {
      problems.push(
        `${page}: weighs ${Math.ceil(size / 1024)} KB, over ${MAX_PAGE_BYTES / 1024} KB`,
      );
    }
    if (!/^<!DOCTYPE html>/i.test(html)) {
      problems.push(`${page}: does not start with <!DOCTYPE html>`);
    }
    for (const match of html.matchAll(/\s(?:href|src)="([^"]*)"/g)) {
      const link = decodeAttribute(match[1]);
      if (/^(https?:|mailto:)/i.test(link)) continue;
      if (/^[a-z][a-z0-9+.-]*:/i.test(link) || link.startsWith("//") || link.startsWith("/")) {
        problems.push(`${page}: link "${link}" is not relative to the page`);
        continue;
      }
      const hashAt = link.indexOf("#");
      const pathPart = hashAt === -1 ? link : link.slice(0, hashAt);
      const fragment = hashAt === -1 ? "" : decodeURIComponent(link.slice(hashAt + 1));
      let target = page;
      if (pathPart !== "") {
        const joined = normalize(join(page, "..", decodeURIComponent(pathPart))).split(sep).join(
          "/",
        );
        if (joined.startsWith("../") || joined === "..") {
          problems.push(`${page}: link "${link}" leads outside the site`);
          continue;
        }
        if (!(await isFile(join(dir, joined)))) {
          problems.push(`${page}: link "${link}" leads to ${joined}, which does not exist`);
          continue;
        }
        target = joined;
      }
      if (fragment !== "" && target.endsWith(".html") && !(await idsOfFile(target)).has(fragment)) {
        problems.push(`${page}: link "${link}" names #${fragment}, which ${target} does not have`);
      }
    }
  }
  return problems;
}
