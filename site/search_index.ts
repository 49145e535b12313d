/**
 * The site's search index, built at build time with MiniSearch: one document per section of every
 * chapter page, per lab's task page and per section of the primitives' README. The search page's
 * script loads it with the same options and searches in the reader's browser; without the script
 * the pages lose nothing.
 *
 * @example
 * ```ts
 * import { buildSearchIndex } from "./search_index.ts";
 * import { loadSite } from "./load.ts";
 * const json = buildSearchIndex(await loadSite({ root: "." }));
 * JSON.parse(json).options.fields; // → ["title", "text"]
 * ```
 * @module
 */
import MiniSearch from "minisearch";
import type { SiteData } from "./load.ts";
import { decodeBasicEntities } from "./markdown.ts";
import { labPath, notePath, PRIMITIVES_PATH } from "./paths.ts";

/** One searchable piece of the site. */
export interface SearchDocument {
  id: number;
  /** The heading of the section, or the page's title. */
  title: string;
  /** Where it is: the chapter or page it belongs to. */
  where: string;
  /** The section's address from the site's root, with its `#fragment`. */
  href: string;
  /** The section's text, without markup. */
  text: string;
  /** The first words of the text, shown under a result. */
  excerpt: string;
}

/** The options the index is built with; the browser loads it with the very same. */
export const SEARCH_OPTIONS = {
  fields: ["title", "text"],
  storeFields: ["title", "where", "href", "excerpt"],
  searchOptions: { boost: { title: 3 }, prefix: true, fuzzy: 0.2 },
};

const EXCERPT_LENGTH = 180;

/**
 * The text of some rendered HTML: tags dropped, the entities the renderer writes decoded, white
 * space folded.
 *
 * @example
 * ```ts
 * import { htmlToText } from "./search_index.ts";
 * htmlToText("<p>Send on a <code>Chan&lt;T&gt;</code>.</p><p>Then</p>"); // → "Send on a Chan<T>. Then"
 * ```
 */
export function htmlToText(html: string): string {
  const withoutTags = html
    // A block's edge separates words; an inline tag (code, a link, emphasis) does not.
    .replace(
      /<\/?(?:p|div|li|ul|ol|h\d|tr|td|th|pre|br|table|thead|tbody|blockquote)\b[^>]*>/g,
      " ",
    )
    .replace(/<[^>]*>/g, "");
  return decodeBasicEntities(withoutTags).replace(/\s+/g, " ").trim();
}

/**
 * Cuts a page's HTML at its `<h2>` and `<h3>` headings into sections with the heading's id and
 * text; what precedes the first heading is a section titled `pageTitle`.
 */
function sectionsOf(
  html: string,
  pageTitle: string,
): { id: string; title: string; text: string }[] {
  return html.split(/(?=^<h[23] )/m).map((block) => {
    const heading = block.match(/^<h[23] id="([^"]+)">([\s\S]*?)<\/h[23]>/);
    return heading
      ? {
        id: heading[1],
        title: htmlToText(heading[2]).replace(/^#\s*/, ""),
        text: htmlToText(block.slice(heading[0].length)),
      }
      : { id: "", title: pageTitle, text: htmlToText(block) };
  }).filter((section) => section.text !== "" || section.id !== "");
}

/**
 * Every searchable section of the site.
 *
 * @example
 * ```ts
 * import { searchDocuments } from "./search_index.ts";
 * import type { SiteData } from "./load.ts";
import { decodeBasicEntities } from "./markdown.ts";
 * declare const site: SiteData;
 * searchDocuments(site).filter((doc) => doc.href.startsWith("notes/"));
 * ```
 */
export function searchDocuments(site: SiteData): SearchDocument[] {
  const documents: SearchDocument[] = [];
  const add = (path: string, where: string, html: string, pageTitle: string) => {
    for (const section of sectionsOf(html, pageTitle)) {
      documents.push({
        id: documents.length,
        title: section.title,
        where,
        href: section.id === "" ? path : `${path}#${section.id}`,
        text: section.text,
        excerpt: section.text.length > EXCERPT_LENGTH
          ? `${section.text.slice(0, EXCERPT_LENGTH).replace(/\s+\S*$/, "")}…`
          : section.text,
      });
    }
  };
  for (const chapter of site.chapters) {
    for (const page of chapter.pages) {
      add(
        notePath(chapter.slug, page.number),
        chapter.title,
        page.html,
        chapter.title,
      );
    }
  }
  for (const lab of site.labs) {
    add(labPath(lab.entry.slug), `Lab ${lab.entry.id}`, lab.html, lab.heading);
  }
  add(PRIMITIVES_PATH, "The primitives", site.primitives.html, site.primitives.title);
  return documents;
}

/**
 * The index as the search page loads it: `{ options, index }`, where `index` is MiniSearch's own
 * serialised form.
 *
 * @example
 * ```ts
 * import { buildSearchIndex } from "./search_index.ts";
 * import type { SiteData } from "./load.ts";
import { decodeBasicEntities } from "./markdown.ts";
 * declare const site: SiteData;
 * const json = buildSearchIndex(site);
 * ```
 */
export function buildSearchIndex(site: SiteData): string {
  const search = new MiniSearch<SearchDocument>(SEARCH_OPTIONS);
  search.addAll(searchDocuments(site));
  return JSON.stringify({ options: SEARCH_OPTIONS, index: search.toJSON() });
}
