/** @jsxImportSource hono/jsx */
/**
 * A page of a notes chapter: the chapter's title, its table of contents (every section, on
 * whichever page it is), the page's sections, and the way to the previous and next pages. Long
 * chapters are paged by section (see `load.ts`), so a phone never loads a whole chapter at once;
 * the lab that practises the chapter is offered on its last page.
 *
 * @example
 * ```tsx
 * import { NotePage } from "./note.tsx";
 * import type { SiteData } from "../load.ts";
 * declare const site: SiteData;
 * const page = <NotePage site={site} chapter={site.chapters[0]} page={1} />;
 * ```
 * @module
 */
import type { Chapter, SiteData } from "../load.ts";
import { HOME_PATH, labPath, notePath, relativeHref } from "../paths.ts";
import { Layout, Prose, Toc } from "./layout.tsx";

/** A page of a chapter in the reading order of the whole course, with its label. */
interface Stop {
  path: string;
  label: string;
}

/** The page before and the page after `page` of `chapter`, across chapter boundaries. */
function neighbours(site: SiteData, chapter: Chapter, page: number) {
  const index = site.chapters.indexOf(chapter);
  const previousChapter = site.chapters[index - 1];
  const nextChapter = site.chapters[index + 1];
  const previous: Stop | undefined = page > 1
    ? { path: notePath(chapter.slug, page - 1), label: `Page ${page - 1}` }
    : previousChapter
    ? {
      path: notePath(previousChapter.slug, previousChapter.pages.length),
      label: previousChapter.title,
    }
    : undefined;
  const next: Stop | undefined = page < chapter.pages.length
    ? { path: notePath(chapter.slug, page + 1), label: `Page ${page + 1}` }
    : nextChapter
    ? { path: notePath(nextChapter.slug), label: nextChapter.title }
    : undefined;
  return { previous, next };
}

/**
 * One page of one chapter.
 *
 * @example
 * ```tsx
 * import { NotePage } from "./note.tsx";
 * import type { SiteData } from "../load.ts";
 * declare const site: SiteData;
 * <NotePage site={site} chapter={site.chapters[3]} page={2} />;
 * ```
 */
export function NotePage(props: { site: SiteData; chapter: Chapter; page: number }) {
  const { site, chapter, page } = props;
  const path = notePath(chapter.slug, page);
  const href = (to: string) => relativeHref(path, to);
  const pageCount = chapter.pages.length;
  const { previous, next } = neighbours(site, chapter, page);
  const toc = chapter.toc.map((entry) => ({
    ...entry,
    href: entry.page === page
      ? `#${entry.id}`
      : href(`${notePath(chapter.slug, entry.page)}#${entry.id}`),
  }));
  return (
    <Layout
      site={site}
      path={path}
      title={pageCount === 1 ? chapter.title : `${chapter.title} (${page}/${pageCount})`}
      section="notes"
    >
      <p class="breadcrumb">
        <a href={href(`${HOME_PATH}#notes`)}>Notes</a> › Chapter {chapter.number}
        {pageCount > 1 ? <>{" "}› page {page} of {pageCount}</> : null}
      </p>
      <article>
        <Prose html={chapter.heading} class="prose page-title" />
        <div class="with-toc">
          <Toc entries={toc} label="Chapter contents" />
          <div>
            <Prose html={chapter.pages[page - 1].html} />
            {page === pageCount
              ? chapter.labs.map((lab) => (
                <aside class="lab-box" aria-label={`Lab ${lab.id}`}>
                  <strong>Practise it:</strong>{" "}
                  <a href={href(labPath(lab.slug))}>Lab {lab.id} — {lab.title}</a>, run with{" "}
                  <code>deno task lab {lab.id}</code>.
                </aside>
              ))
              : null}
            <nav class="pager" aria-label="Pages">
              {previous
                ? <a href={href(previous.path)} rel="prev">← {previous.label}</a>
                : <span />}
              {next ? <a href={href(next.path)} rel="next">{next.label} →</a> : <span />}
            </nav>
          </div>
        </div>
      </article>
    </Layout>
  );
}
