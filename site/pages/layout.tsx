/** @jsxImportSource hono/jsx */
/**
 * The frame every page shares: the document head (viewport, colour schemes, the stylesheet), the
 * site navigation, and small pieces several pages use (a score, a status badge, a table of
 * contents).
 *
 * Every link is made with {@link relativeHref} from the page's own path, so the built site works
 * from the file system as well as from a server. Text goes through hono/jsx, which escapes it;
 * the only HTML inserted as is comes from {@link Prose}, which takes the Markdown renderer's output
 * (authors' content, with raw HTML already escaped).
 *
 * @example
 * ```tsx
 * import { Layout } from "./layout.tsx";
 * import type { SiteData } from "../load.ts";
 * declare const site: SiteData;
 * const page = <Layout site={site} path="index.html" title="Course map" section="home">…</Layout>;
 * ```
 * @module
 */
import type { Child } from "hono/jsx";
import { raw } from "hono/html";
import type { SiteData } from "../load.ts";
import type { TocEntry } from "../markdown.ts";
import {
  CLASS_PATH,
  HOME_PATH,
  PRIMITIVES_PATH,
  relativeHref,
  SEARCH_PATH,
  STYLE_PATH,
} from "../paths.ts";
import { formatScore } from "../results.ts";

/**
 * The Content-Security-Policy of every page, in a `<meta>` tag and, from `serve.ts`, as a header:
 * no scripts, styles and images only from the site itself, forms only to the site's own search
 * page. The site needs no more, and a mistake in escaping could not run code.
 */
export const SITE_CSP =
  "default-src 'none'; style-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'";

/**
 * The policy of the search page, the one page with a script: the site's own search script and
 * library, and the index they fetch from the site. Inline scripts stay forbidden.
 */
export const SEARCH_CSP = `${SITE_CSP}; script-src 'self'; connect-src 'self'`;

/** Which part of the site a page belongs to, to mark it in the navigation. */
export type Section = "home" | "notes" | "labs" | "primitives" | "search" | "results";

/** What {@link Layout} needs. */
export interface LayoutProps {
  site: SiteData;
  /** The page's own path from the site's root, e.g. `"notes/04-channels.html"`. */
  path: string;
  /** The page's title; the course's title is appended in `<title>`. */
  title: string;
  section: Section;
  /**
   * Link from the server's root (`/style.css`) instead of from the page: for pages a server shows
   * at a path that is not their own, such as the 404 page.
   */
  absolute?: boolean;
  /** A one-line description for `<meta name="description">`. */
  description?: string;
  /**
   * A page for one reader only (a student's results): search engines are asked not to index it,
   * and links from it send no `Referer`, so its address does not travel.
   */
  private?: boolean;
  /** Scripts the page loads, paths from the site's root; only the search page has any. */
  scripts?: string[];
  children?: Child;
}

/**
 * A whole HTML document around a page's content.
 *
 * @example
 * ```tsx
 * import { Layout } from "./layout.tsx";
 * import type { SiteData } from "../load.ts";
 * declare const site: SiteData;
 * <Layout site={site} path="labs/04-channels.html" title="Channels" section="labs"><p>…</p></Layout>;
 * ```
 */
export function Layout(props: LayoutProps) {
  const { site, path } = props;
  const href = (to: string) => props.absolute ? `/${to}` : relativeHref(path, to);
  const courseTitle = site.course.title;
  const fullTitle = props.title === courseTitle ? courseTitle : `${props.title} · ${courseTitle}`;
  const current = (section: Section) => props.section === section ? "page" : undefined;
  return (
    <>
      {raw("<!DOCTYPE html>")}
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <meta name="color-scheme" content="light dark" />
          <meta
            http-equiv="Content-Security-Policy"
            content={props.scripts ? SEARCH_CSP : SITE_CSP}
          />
          {props.private
            ? (
              <>
                <meta name="robots" content="noindex, nofollow, noarchive" />
                <meta name="referrer" content="no-referrer" />
              </>
            )
            : null}
          {props.description ? <meta name="description" content={props.description} /> : null}
          <title>{fullTitle}</title>
          <link rel="stylesheet" href={href(STYLE_PATH)} />
          {
            // deno-lint-ignore jsx-key -- rendered on the server: hono/jsx would print a key
            (props.scripts ?? []).map((script) => <script src={href(script)} defer />)
          }
        </head>
        <body>
          <header class="site-header">
            <nav aria-label="Site">
              <a class="brand" href={href(HOME_PATH)}>{courseTitle}</a>
              <a href={href(`${HOME_PATH}#notes`)} aria-current={current("notes")}>Notes</a>
              <a href={href(`${HOME_PATH}#labs`)} aria-current={current("labs")}>Labs</a>
              <a href={href(PRIMITIVES_PATH)} aria-current={current("primitives")}>Primitives</a>
              {site.results
                ? <a href={href(CLASS_PATH)} aria-current={current("results")}>Results</a>
                : null}
            </nav>
            <form class="search-form" role="search" action={href(SEARCH_PATH)} method="get">
              <label for="site-search" class="visually-hidden">Search the course</label>
              <input id="site-search" type="search" name="q" placeholder="Search" />
              <button type="submit">Search</button>
            </form>
          </header>
          <main>{props.children}</main>
          <footer class="site-footer">
            {courseTitle}: Go's concurrency model, taught in TypeScript on Deno and Bun. Built with
            {" "}
            <code>deno task site</code>; every page reads without scripts (search uses one).
          </footer>
        </body>
      </html>
    </>
  );
}

/**
 * Rendered Markdown from the notes or a lab's README. This is the one place HTML is inserted
 * without escaping: the renderer escaped any raw HTML in the Markdown, and no student data ever
 * reaches it.
 *
 * @example
 * ```tsx
 * import { Prose } from "./layout.tsx";
 * <Prose html="<p>rendered by markdown.ts</p>" />;
 * ```
 */
export function Prose(props: { html: string; class?: string }) {
  return <div class={props.class ?? "prose"} dangerouslySetInnerHTML={{ __html: props.html }} />;
}

/**
 * A table of contents for the headings of a rendered document: a folded `<details>` on a narrow
 * screen, an open list beside the text on a wide one (CSS picks, no JavaScript). An entry links to
 * `#id` on the same page, or to its own `href` when it lives on another page.
 *
 * @example
 * ```tsx
 * import { Toc } from "./layout.tsx";
 * <Toc entries={[{ depth: 2, id: "select", text: "Select" }]} />;
 * ```
 */
export function Toc(props: { entries: (TocEntry & { href?: string })[]; label?: string }) {
  if (props.entries.length === 0) return null;
  const label = props.label ?? "Contents";
  const list = (
    <ol>
      {props.entries.map((entry) => (
        <li class={`depth-${entry.depth}`}>
          <a href={entry.href ?? `#${entry.id}`}>{entry.text}</a>
        </li>
      ))}
    </ol>
  );
  // Two copies, one shown at a time by CSS: folded on a narrow screen, where it would push the
  // text a whole screen down, and always open beside the text on a wide one. No script decides.
  return (
    <nav class="toc" aria-label={label}>
      <details class="toc-narrow">
        <summary>{label}</summary>
        {list}
      </details>
      <div class="toc-wide">
        <p class="toc-title">{label}</p>
        {list}
      </div>
    </nav>
  );
}

/**
 * `score / max`, coloured by how much of it was earned.
 *
 * @example
 * ```tsx
 * import { Score } from "./layout.tsx";
 * <Score score={3} max={4} />; // 3 / 4, in the "partial" colour
 * ```
 */
export function Score(props: { score: number; max: number }) {
  const { score, max } = props;
  const kind = max > 0 && score >= max ? "full" : score <= 0 ? "zero" : "partial";
  return <span class={`score ${kind}`}>{formatScore(score)} / {formatScore(max)}</span>;
}

/**
 * A passed/failed badge. The word is in the text, not only in the colour.
 *
 * @example
 * ```tsx
 * import { Status } from "./layout.tsx";
 * <Status status="failed" />;
 * ```
 */
export function Status(props: { status: "passed" | "failed" }) {
  return <span class={`status ${props.status}`}>{props.status}</span>;
}

/**
 * A share as a bar and a percentage, e.g. how many students passed a test.
 *
 * @example
 * ```tsx
 * import { Rate } from "./layout.tsx";
 * <Rate part={3} whole={4} />; // a bar three quarters full, "75%"
 * ```
 */
export function Rate(props: { part: number; whole: number }) {
  const percent = props.whole === 0 ? 0 : Math.round((props.part / props.whole) * 100);
  // The bar's width is a class in steps of 5%, not a style attribute: the CSP allows no inline
  // styles.
  const step = Math.round(percent / 5) * 5;
  return (
    <span class="rate">
      <span class="track" aria-hidden="true">
        <span class={`fill w-${step}`} />
      </span>
      <span>{percent}%</span>
    </span>
  );
}
