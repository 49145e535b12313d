/**
 * Markdown to HTML for the site: the notes chapters and the labs' task pages.
 *
 * Everything happens at build time, so the pages need no JavaScript: code
 * blocks are highlighted here with highlight.js (TypeScript, Go, shell), every
 * heading gets a stable `id` and an entry in the table of contents, links
 * between Markdown files are rewritten to the pages that render them, and raw
 * HTML in the source is shown as text instead of being passed through, so no
 * Markdown file can smuggle a `<script>` into a page.
 *
 * @example
 * ```ts
 * import { renderMarkdown } from "./markdown.ts";
 * const page = renderMarkdown("# Channels\n\n## Select\n\n```ts\nawait ch.send(1);\n```\n");
 * page.title; // → "Channels"
 * page.toc; // → [{ depth: 2, id: "select", text: "Select" }]
 * ```
 * @module
 */
import hljs from "highlight.js";
import { Marked, type Tokens } from "marked";

/** One heading of a rendered document, for its table of contents. */
export interface TocEntry {
  /** 1 to 6, as in `<h1>`…`<h6>`. */
  depth: number;
  /** The heading's `id` attribute, unique within the document. */
  id: string;
  /** The heading as plain text (not HTML). */
  text: string;
}

/** A rendered Markdown document. */
export interface RenderedMarkdown {
  /** The text of the first level-1 heading, or `""` when there is none. */
  title: string;
  /** The body as HTML. Safe to embed: raw HTML in the source was escaped. */
  html: string;
  /** Every level-2 and level-3 heading, in document order. */
  toc: TocEntry[];
}

/** How {@link renderMarkdown} treats links. */
export interface RenderOptions {
  /**
   * Maps a relative link target (as written, e.g. `../../notes/04-channels.md#select`) to the href
   * the page should use, or `null` when the target is not part of the site (the link then renders
   * as its text alone, so that no page links to a file that does not exist). Absolute `http(s):`
   * and `mailto:` links and in-page `#fragment` links are kept as written and never reach this
   * function. Without it, every relative link renders as text.
   */
  resolveLink?: (target: string) => string | null;
}

/** Raw HTML made only of attribute-free `<details>`, `<summary>…</summary>` and `</details>`. */
const FOLDING_TAGS = /^(?:\s*(?:<details>|<\/details>|<summary>[^<>]*<\/summary>)\s*)+$/;

/** Code block languages, as written after the fence, mapped to highlight.js's names. */
const LANGUAGE_ALIASES: Record<string, string> = {
  ts: "typescript",
  typescript: "typescript",
  tsx: "typescript",
  js: "javascript",
  javascript: "javascript",
  go: "go",
  golang: "go",
  sh: "bash",
  bash: "bash",
  shell: "bash",
  console: "bash",
  json: "json",
};

const HTML_ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/**
 * Escapes text for HTML element content and attribute values.
 *
 * @example
 * ```ts
 * import { escapeHtml } from "./markdown.ts";
 * escapeHtml('<a href="x">'); // → "&lt;a href=&quot;x&quot;&gt;"
 * ```
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char]);
}

/**
 * Undoes the entities {@link escapeHtml} and marked write (`&lt;`, `&gt;`, `&quot;`, `&#39;`,
 * `&amp;`), once: a TOC label, an id read back from the HTML or a search excerpt is plain text.
 *
 * @example
 * ```ts
 * import { decodeBasicEntities } from "./markdown.ts";
 * decodeBasicEntities("Chan&lt;T&gt; &amp;amp;"); // → "Chan<T> &amp;"
 * ```
 */
export function decodeBasicEntities(text: string): string {
  return text
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&");
}

/**
 * A heading's anchor, GitHub style: lower case, punctuation dropped, spaces to dashes. Letters of
 * every script are kept (the notes have Chinese headings), so the id reads like the heading.
 *
 * @example
 * ```ts
 * import { headingId } from "./markdown.ts";
 * headingId("Part 1 — Timing out (`first.ts`)"); // → "part-1--timing-out-firstts"
 * ```
 */
export function headingId(text: string): string {
  const id = text
    .normalize("NFC")
    .toLowerCase()
    .trim()
    .replace(/[^\p{L}\p{M}\p{N}\s_-]/gu, "")
    .replace(/\s/g, "-");
  return id === "" ? "section" : id;
}

/** Whether a link target leaves the site for the web (kept as written) or stays on this page. */
function isExternal(href: string): boolean {
  return /^(https?:|mailto:)/i.test(href);
}

/** Only these schemes are ever emitted; anything else (`javascript:`, `data:`) renders as text. */
function hasScheme(href: string): boolean {
  return /^[a-z][a-z0-9+.-]*:/i.test(href);
}

/**
 * Renders a Markdown document to HTML with highlighted code, heading ids, a table of contents and
 * rewritten links.
 *
 * @example
 * ```ts
 * import { renderMarkdown } from "./markdown.ts";
 * const { html } = renderMarkdown("Read [the notes](../../notes/04-channels.md).", {
 *   resolveLink: (target) => target.endsWith("04-channels.md") ? "../notes/04-channels.html" : null,
 * });
 * // html contains <a href="../notes/04-channels.html">the notes</a>
 * ```
 */
export function renderMarkdown(source: string, options: RenderOptions = {}): RenderedMarkdown {
  const toc: TocEntry[] = [];
  const usedIds = new Map<string, number>();
  let title = "";

  function uniqueId(text: string): string {
    const base = headingId(text);
    const seen = usedIds.get(base) ?? 0;
    usedIds.set(base, seen + 1);
    return seen === 0 ? base : `${base}-${seen}`;
  }

  const marked = new Marked({ gfm: true, async: false });
  marked.use({
    renderer: {
      heading({ tokens, depth }: Tokens.Heading): string {
        const inner = this.parser.parseInline(tokens);
        const text = decodeBasicEntities(this.parser.parseInline(tokens, this.parser.textRenderer));
        const id = uniqueId(text);
        if (depth === 1 && title === "") title = text;
        if (depth === 2 || depth === 3) toc.push({ depth, id, text });
        return `<h${depth} id="${escapeHtml(id)}"><a class="anchor" href="#${
          escapeHtml(id)
        }" aria-hidden="true">#</a>${inner}</h${depth}>\n`;
      },
      code({ text, lang }: Tokens.Code): string {
        const written = (lang ?? "").trim().split(/\s+/)[0].toLowerCase();
        const language = LANGUAGE_ALIASES[written];
        const body = language && hljs.getLanguage(language)
          ? hljs.highlight(text, { language, ignoreIllegals: true }).value
          : escapeHtml(text);
        const label = written === "" ? "" : ` data-lang="${escapeHtml(written)}"`;
        const className = language ? `hljs language-${escapeHtml(written)}` : "hljs";
        return `<pre${label}><code class="${className}">${body}\n</code></pre>\n`;
      },
      // Raw HTML in a Markdown file is shown, not obeyed: the site promises no scripts at all.
      // The one exception is a folded answer: bare <details>, <summary>text</summary> and
      // </details>, which carry no attribute and so nothing that could run.
      html({ text, block }: Tokens.HTML | Tokens.Tag): string {
        if (FOLDING_TAGS.test(text)) {
          return text.replace(
            /<summary>([^<>]*)<\/summary>/g,
            (_, label: string) => `<summary>${escapeHtml(decodeBasicEntities(label))}</summary>`,
          );
        }
        return block
          ? `<pre class="raw-html">${escapeHtml(text.trimEnd())}</pre>\n`
          : escapeHtml(text);
      },
      link({ href, title: linkTitle, tokens }: Tokens.Link): string {
        const inner = this.parser.parseInline(tokens);
        const titleAttribute = linkTitle ? ` title="${escapeHtml(linkTitle)}"` : "";
        if (isExternal(href)) {
          return `<a href="${escapeHtml(href)}"${titleAttribute} rel="noopener">${inner}</a>`;
        }
        if (href.startsWith("#")) {
          return `<a href="${escapeHtml(href)}"${titleAttribute}>${inner}</a>`;
        }
        if (hasScheme(href)) return inner;
        const resolved = options.resolveLink?.(href) ?? null;
        if (resolved === null) {
          return `<span class="offsite" title="${escapeHtml(href)}">${inner}</span>`;
        }
        return `<a href="${escapeHtml(resolved)}"${titleAttribute}>${inner}</a>`;
      },
      // The site ships no images; keep the description so nothing silently disappears.
      image({ text }: Tokens.Image): string {
        return `<span class="image-alt">[${escapeHtml(text)}]</span>`;
      },
      table(token: Tokens.Table): string | false {
        // Wide tables scroll sideways on a phone instead of widening the page.
        const header = token.header.map((cell) => this.tablecell(cell)).join("");
        const rows = token.rows
          .map((row) => `<tr>${row.map((cell) => this.tablecell(cell)).join("")}</tr>\n`)
          .join("");
        return `<div class="table-scroll"><table>\n<thead>\n<tr>${header}</tr>\n</thead>\n${
          rows === "" ? "" : `<tbody>\n${rows}</tbody>\n`
        }</table></div>\n`;
      },
    },
  });

  const html = markChineseText(marked.parse(source, { async: false }));
  return { title, html, toc };
}

/** Chinese characters and the punctuation written with them. */
const CHINESE_RUN = /[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff01-\uff60]+/g;

/**
 * Wraps every run of Chinese text in `<span lang="zh">`, so screen readers pronounce it and
 * browsers pick a Chinese font for it; the page itself is English. Only text between tags is
 * touched, never a tag or an attribute.
 *
 * @example
 * ```ts
 * import { markChineseText } from "./markdown.ts";
 * markChineseText("<p>a goroutine (协程)</p>"); // → '<p>a goroutine (<span lang="zh">协程</span>)</p>'
 * ```
 */
export function markChineseText(html: string): string {
  return html.split(/(<[^>]*>)/).map((part, index) =>
    index % 2 === 1 ? part : part.replace(CHINESE_RUN, (run) => `<span lang="zh">${run}</span>`)
  ).join("");
}

/**
 * Splits rendered HTML that opens with a level-1 heading into that heading and the rest, so a page
 * can put the title above what it adds (a lab's summary box, a table of contents). HTML that does
 * not start with an `<h1>` comes back whole as `body`.
 *
 * @example
 * ```ts
 * import { renderMarkdown, splitLeadingHeading } from "./markdown.ts";
 * const { heading, body } = splitLeadingHeading(renderMarkdown("# Title\n\ntext").html);
 * // heading: '<h1 id="title">…Title</h1>', body: "<p>text</p>"
 * ```
 */
export function splitLeadingHeading(html: string): { heading: string; body: string } {
  if (!html.startsWith("<h1")) return { heading: "", body: html };
  const end = html.indexOf("</h1>") + "</h1>".length;
  return { heading: html.slice(0, end), body: html.slice(end).replace(/^\n/, "") };
}
