/** @jsxImportSource hono/jsx */
/**
 * The course map: every notes chapter in course order with the lab that practises it, then the
 * labs in the manifest's order with the command that runs each.
 *
 * @example
 * ```tsx
 * import { HomePage } from "./home.tsx";
 * import type { SiteData } from "../load.ts";
 * declare const site: SiteData;
 * const page = <HomePage site={site} />;
 * ```
 * @module
 */
import type { SiteData } from "../load.ts";
import { CLASS_PATH, HOME_PATH, labPath, notePath, relativeHref } from "../paths.ts";
import { Layout } from "./layout.tsx";

/** The two commands a student starts with, as a terminal would show them. */
const LAB_COMMANDS = [
  "deno task lab      # the labs and their status",
  "deno task lab 01   # test your lab 01",
].join("\n");

/**
 * The site's front page.
 *
 * @example
 * ```tsx
 * import { HomePage } from "./home.tsx";
 * import type { SiteData } from "../load.ts";
 * declare const site: SiteData;
 * <HomePage site={site} />;
 * ```
 */
export function HomePage(props: { site: SiteData }) {
  const { site } = props;
  const path = HOME_PATH;
  const href = (to: string) => relativeHref(path, to);
  return (
    <Layout
      site={site}
      path={path}
      title={site.course.title}
      section="home"
      description="Go's concurrency model taught in TypeScript: notes, labs and results."
    >
      <h1>{site.course.title}</h1>
      <p>
        Go's concurrency model (goroutines, channels, <code>select</code>, the memory model,{" "}
        <code>sync</code>, <code>context</code>,{" "}
        <code>errgroup</code>) taught in TypeScript on Deno and Bun. Read a chapter, then build its
        lab on top of the workbook's Go-style primitives; the lab runner tells you what passes.
      </p>
      <pre><code>{LAB_COMMANDS}</code></pre>

      <h2 id="notes">Course map</h2>
      <ol class="map">
        {site.chapters.map((chapter) => (
          <li class="card">
            <h3>
              <a href={href(notePath(chapter.slug))}>{chapter.title}</a>
            </h3>
            {chapter.labs.length > 0
              ? chapter.labs.map((lab) => (
                <p>
                  Lab {lab.id}: <a href={href(labPath(lab.slug))}>{lab.title}</a>
                  <br />
                  <code>deno task lab {lab.id}</code>
                </p>
              ))
              : <p class="muted">Reading only: no lab for this chapter yet.</p>}
          </li>
        ))}
      </ol>

      <h2 id="labs">Labs</h2>
      <div class="table-scroll">
        <table>
          <thead>
            <tr>
              <th>Lab</th>
              <th>Chapter</th>
              <th>Files you edit</th>
              <th>Run</th>
            </tr>
          </thead>
          <tbody>
            {site.labs.map((lab) => {
              const chapter = site.chapters.find((each) => each.slug === lab.chapterSlug);
              return (
                <tr>
                  <td>
                    <a href={href(labPath(lab.entry.slug))}>
                      {lab.entry.id} — {lab.entry.title}
                    </a>
                  </td>
                  <td>
                    {chapter
                      ? <a href={href(notePath(chapter.slug))}>{chapter.title}</a>
                      : lab.entry.note}
                  </td>
                  <td>{lab.entry.files.length} files</td>
                  <td>
                    <code>deno task lab {lab.entry.id}</code>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>

      {site.results
        ? (
          <>
            <h2 id="results">Results</h2>
            <p>
              <a href={href(CLASS_PATH)}>Class overview</a>: {site.results.students.length}{" "}
              {site.results.students.length === 1 ? "student" : "students"}, scores per lab and how
              often each test passed.
            </p>
          </>
        )
        : null}
    </Layout>
  );
}
