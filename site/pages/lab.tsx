/** @jsxImportSource hono/jsx */
/**
 * A lab's task page: a box with what the student needs at hand (the chapter to read, the files to
 * edit, the commands that run the tests), then the lab's README.
 *
 * @example
 * ```tsx
 * import { LabTaskPage } from "./lab.tsx";
 * import type { SiteData } from "../load.ts";
 * declare const site: SiteData;
 * const page = <LabTaskPage site={site} lab={site.labs[0]} />;
 * ```
 * @module
 */
import type { LabPage, SiteData } from "../load.ts";
import { HOME_PATH, labPath, notePath, relativeHref } from "../paths.ts";
import { splitLeadingHeading } from "../markdown.ts";
import { Layout, Prose, Toc } from "./layout.tsx";

/**
 * The page of one lab.
 *
 * @example
 * ```tsx
 * import { LabTaskPage } from "./lab.tsx";
 * import type { SiteData } from "../load.ts";
 * declare const site: SiteData;
 * <LabTaskPage site={site} lab={site.labs[1]} />;
 * ```
 */
export function LabTaskPage(props: { site: SiteData; lab: LabPage }) {
  const { site, lab } = props;
  const { entry } = lab;
  const path = labPath(entry.slug);
  const href = (to: string) => relativeHref(path, to);
  const chapter = site.chapters.find((each) => each.slug === lab.chapterSlug);
  const index = site.labs.indexOf(lab);
  const previous = site.labs[index - 1];
  const next = site.labs[index + 1];
  const { heading, body } = splitLeadingHeading(lab.html);
  return (
    <Layout site={site} path={path} title={`Lab ${entry.id}: ${entry.title}`} section="labs">
      <p class="breadcrumb">
        <a href={href(`${HOME_PATH}#labs`)}>Labs</a> › Lab {entry.id}
      </p>
      <article>
        <Prose html={heading} class="prose page-title" />
        <section class="lab-box" aria-label="At a glance">
          <dl>
            <dt>Read first</dt>
            <dd>
              {chapter ? <a href={href(notePath(chapter.slug))}>{chapter.title}</a> : entry.note}
            </dd>
            <dt>Files you edit</dt>
            <dd>
              <ul>
                {entry.files.map((file) => (
                  <li>
                    <code>labs/{entry.slug}/{file}</code>
                  </li>
                ))}
              </ul>
            </dd>
            <dt>Run the tests</dt>
            <dd>
              <code>deno task lab {entry.id}</code>, or{" "}
              <code>deno task lab {entry.id} --watch</code> to rerun on every save; on Bun:{" "}
              <code>bun test labs/{entry.slug}</code>
            </dd>
            {entry.hint
              ? (
                <>
                  <dt>Stuck?</dt>
                  <dd>
                    <details>
                      <summary>Show the lab's hint</summary>
                      {entry.hint}
                    </details>
                  </dd>
                </>
              )
              : null}
          </dl>
        </section>
        <div class="with-toc">
          <Toc entries={lab.toc} />
          <div>
            <Prose html={body} />
            <nav class="pager" aria-label="Labs">
              {previous
                ? (
                  <a href={href(labPath(previous.entry.slug))}>
                    ← Lab {previous.entry.id}: {previous.entry.title}
                  </a>
                )
                : <span />}
              {next
                ? (
                  <a href={href(labPath(next.entry.slug))}>
                    Lab {next.entry.id}: {next.entry.title} →
                  </a>
                )
                : <span />}
            </nav>
          </div>
        </div>
      </article>
    </Layout>
  );
}
