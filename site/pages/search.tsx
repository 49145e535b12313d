/** @jsxImportSource hono/jsx */
/**
 * The search page. With its script, it searches the index the build wrote and lists what matches
 * the query in the address; without it, it is the site's index: every chapter, section, lab and
 * the primitives' map, so a reader with scripts off still finds their way.
 *
 * @example
 * ```tsx
 * import { SearchPage } from "./search.tsx";
 * import type { SiteData } from "../load.ts";
 * declare const site: SiteData;
 * const page = <SearchPage site={site} />;
 * ```
 * @module
 */
import type { SiteData } from "../load.ts";
import {
  labPath,
  notePath,
  PRIMITIVES_PATH,
  SEARCH_INDEX_PATH,
  SEARCH_LIBRARY_PATH,
  SEARCH_PATH,
  SEARCH_SCRIPT_PATH,
} from "../paths.ts";
import { Layout } from "./layout.tsx";

/**
 * The search page and site index.
 *
 * @example
 * ```tsx
 * import { SearchPage } from "./search.tsx";
 * import type { SiteData } from "../load.ts";
 * declare const site: SiteData;
 * <SearchPage site={site} />;
 * ```
 */
export function SearchPage(props: { site: SiteData }) {
  const { site } = props;
  return (
    <Layout
      site={site}
      path={SEARCH_PATH}
      title="Search"
      section="search"
      scripts={[SEARCH_LIBRARY_PATH, SEARCH_SCRIPT_PATH]}
    >
      <h1>Search</h1>
      <form
        id="search-page-form"
        role="search"
        action={SEARCH_PATH}
        method="get"
        data-index={SEARCH_INDEX_PATH}
      >
        <label for="search-page-query">Search the notes, the labs and the primitives</label>
        <input id="search-page-query" type="search" name="q" />
        <button type="submit">Search</button>
      </form>
      <p id="search-status" class="search-status" aria-live="polite">
        Searching needs JavaScript; every section of the course is listed below.
      </p>
      <ol id="search-results" class="search-results" />

      <h2 id="index">Every section</h2>
      {site.chapters.map((chapter) => (
        <section aria-labelledby={`index-${chapter.slug}`}>
          <h3 id={`index-${chapter.slug}`}>
            <a href={notePath(chapter.slug)}>Chapter {chapter.number}: {chapter.title}</a>
          </h3>
          <ul class="site-index">
            {chapter.toc.filter((entry) => entry.depth === 2).map((entry) => (
              <li>
                <a href={`${notePath(chapter.slug, entry.page)}#${entry.id}`}>{entry.text}</a>
              </li>
            ))}
          </ul>
        </section>
      ))}
      <h3 id="index-labs">Labs</h3>
      <ul class="site-index">
        {site.labs.map((lab) => (
          <li>
            <a href={labPath(lab.entry.slug)}>{lab.heading}</a>
          </li>
        ))}
        <li>
          <a href={PRIMITIVES_PATH}>{site.primitives.title}</a>
        </li>
      </ul>
    </Layout>
  );
}
