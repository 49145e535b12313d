/** @jsxImportSource hono/jsx */
/**
 * A notes chapter: its table of contents, the chapter, the lab that practises it, and the way to
 * the previous and next chapters.
 *
 * @example
 * ```tsx
 * import { NotePage } from "./note.tsx";
 * import type { SiteData } from "../load.ts";
 * declare const site: SiteData;
 * const page = <NotePage site={site} chapter={site.chapters[0]} />;
 * ```
 * @module
 */
import type { Chapter, SiteData } from "../load.ts";
import { HOME_PATH, labPath, notePath, relativeHref } from "../paths.ts";
import { splitLeadingHeading } from "../markdown.ts";
import { Layout, Prose, Toc } from "./layout.tsx";

/**
 * The page of one chapter.
 *
 * @example
 * ```tsx
 * import { NotePage } from "./note.tsx";
 * import type { SiteData } from "../load.ts";
 * declare const site: SiteData;
 * <NotePage site={site} chapter={site.chapters[3]} />;
 * ```
 */
export function NotePage(props: { site: SiteData; chapter: Chapter }) {
  const { site, chapter } = props;
  const path = notePath(chapter.slug);
  const href = (to: string) => relativeHref(path, to);
  const index = site.chapters.indexOf(chapter);
  const previous = site.chapters[index - 1];
  const next = site.chapters[index + 1];
  const { heading, body } = splitLeadingHeading(chapter.html);
  return (
    <Layout site={site} path={path} title={chapter.title} section="notes">
      <p class="breadcrumb">
        <a href={href(`${HOME_PATH}#notes`)}>Notes</a> › Chapter {chapter.number}
      </p>
      <article>
        <Prose html={heading} class="prose page-title" />
        <div class="with-toc">
          <Toc entries={chapter.toc} />
          <div>
            <Prose html={body} />
            {chapter.labs.map((lab) => (
              <aside class="lab-box" aria-label={`Lab ${lab.id}`}>
                <strong>Practise it:</strong>{" "}
                <a href={href(labPath(lab.slug))}>Lab {lab.id} — {lab.title}</a>, run with{" "}
                <code>deno task lab {lab.id}</code>.
              </aside>
            ))}
            <nav class="pager" aria-label="Chapters">
              {previous ? <a href={href(notePath(previous.slug))}>← {previous.title}</a> : <span />}
              {next ? <a href={href(notePath(next.slug))}>{next.title} →</a> : <span />}
            </nav>
          </div>
        </div>
      </article>
    </Layout>
  );
}
