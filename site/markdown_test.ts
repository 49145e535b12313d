import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { escapeHtml, headingId, markChineseText, renderMarkdown } from "./markdown.ts";

describe("renderMarkdown", () => {
  it("takes the first level-1 heading as the title and lists level-2 and -3 headings", () => {
    const page = renderMarkdown("# Channels\n\n## Select\n\n### Default case\n\n#### Deep\n");
    assert.equal(page.title, "Channels");
    assert.deepEqual(page.toc, [
      { depth: 2, id: "select", text: "Select" },
      { depth: 3, id: "default-case", text: "Default case" },
    ]);
    assert.match(page.html, /<h2 id="select">/);
    assert.match(page.html, /<h4 id="deep">/);
  });

  it("gives repeated headings distinct ids", () => {
    const page = renderMarkdown("## Reading\n\n## Reading\n\n## Reading\n");
    assert.deepEqual(page.toc.map((entry) => entry.id), ["reading", "reading-1", "reading-2"]);
  });

  it("keeps the plain text of a heading with code and entities in the table of contents", () => {
    const page = renderMarkdown("## The `select` & <default> case\n");
    assert.equal(page.toc[0].text, "The select & <default> case");
    assert.match(page.html, /<code>select<\/code>/);
  });

  it("highlights TypeScript and Go at build time", () => {
    const page = renderMarkdown(
      "```ts\nconst ch = new Chan<number>(1); // buffered\n```\n\n```go\nfunc main() { go f() }\n```\n",
    );
    assert.match(
      page.html,
      /<code class="hljs language-ts"><span class="hljs-keyword">const<\/span>/,
    );
    assert.match(page.html, /<span class="hljs-comment">\/\/ buffered<\/span>/);
    assert.match(
      page.html,
      /<code class="hljs language-go">.*<span class="hljs-keyword">func<\/span>/,
    );
    // The generic parameter's brackets are text inside the highlighted code, never a tag.
    assert.match(page.html, /Chan<\/span>&lt;<span class="hljs-built_in">number<\/span>&gt;/);
  });

  it("escapes code in an unknown language without highlighting it", () => {
    const page = renderMarkdown("```text\n<script>alert(1)</script>\n```\n");
    assert.match(page.html, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
    assert.doesNotMatch(page.html, /<script/);
    assert.doesNotMatch(page.html, /hljs-/);
  });

  it("shows raw HTML as text instead of passing it through", () => {
    const page = renderMarkdown(
      '<script>alert(1)</script>\n\nInline <img src=x onerror="alert(2)"> and <b>bold</b>.\n',
    );
    assert.doesNotMatch(page.html, /<script|<img|<b>/);
    assert.match(
      page.html,
      /^<pre class="raw-html">&lt;script&gt;/,
      "a block of HTML shows as code",
    );
    assert.match(page.html, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
    assert.match(page.html, /&lt;img src=x onerror=&quot;alert\(2\)&quot;&gt;/);
  });

  it("keeps web links, drops script links, and resolves relative links through the callback", () => {
    const asked: string[] = [];
    const page = renderMarkdown(
      "[web](https://go.dev/ref/mem) [bad](javascript:alert(1)) [data](data:text/html,x) " +
        "[chapter](../../notes/04-channels.md#select) [source](../primitives/mod.ts) [here](#top)",
      {
        resolveLink: (target) => {
          asked.push(target);
          return target.startsWith("../../notes/") ? "../notes/04-channels.html#select" : null;
        },
      },
    );
    assert.match(page.html, /<a href="https:\/\/go.dev\/ref\/mem" rel="noopener">web<\/a>/);
    assert.doesNotMatch(page.html, /javascript:|data:text/);
    assert.match(page.html, /<a href="..\/notes\/04-channels.html#select">chapter<\/a>/);
    assert.match(page.html, /<span class="offsite" title="..\/primitives\/mod.ts">source<\/span>/);
    assert.match(page.html, /<a href="#top">here<\/a>/);
    assert.deepEqual(asked, ["../../notes/04-channels.md#select", "../primitives/mod.ts"]);
  });

  it("renders every relative link as text when no resolver is given", () => {
    const page = renderMarkdown("[lab](../labs/04-channels/README.md)");
    assert.doesNotMatch(page.html, /<a /);
    assert.match(page.html, />lab<\/span>/);
  });

  it("wraps tables in a box that scrolls sideways", () => {
    const page = renderMarkdown(
      "| Go | TypeScript |\n| --- | --- |\n| `ch <- v` | `await ch.send(v)` |\n",
    );
    assert.match(page.html, /^<div class="table-scroll"><table>/);
    assert.match(page.html, /<td><code>ch &lt;- v<\/code><\/td>/);
    assert.match(page.html, /<\/table><\/div>/);
  });
});

describe("headingId", () => {
  it("keeps letters of every script and drops punctuation", () => {
    assert.equal(headingId("Part 1 — Timing out (`first.ts`)"), "part-1--timing-out-firstts");
    assert.equal(headingId("并发与并行 (concurrency)"), "并发与并行-concurrency");
    assert.equal(headingId("!!!"), "section");
  });
});

describe("escapeHtml", () => {
  it("escapes the five characters that matter in HTML", () => {
    assert.equal(
      escapeHtml(`<a href="x" title='y'>&</a>`),
      "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;",
    );
  });
});

describe("markChineseText", () => {
  it("marks runs of Chinese text with lang=zh and leaves tags and attributes alone", () => {
    assert.equal(
      markChineseText('<h2 id="协程">协程 (goroutine)</h2><p>用 <code>go</code>，开始。</p>'),
      '<h2 id="协程"><span lang="zh">协程</span> (goroutine)</h2>' +
        '<p><span lang="zh">用</span> <code>go</code><span lang="zh">，开始。</span></p>',
    );
    assert.equal(markChineseText("<p>plain English</p>"), "<p>plain English</p>");
  });

  it("is applied to every rendered document", () => {
    assert.match(renderMarkdown("A goroutine (协程).").html, /\(<span lang="zh">协程<\/span>\)/);
  });
});

describe("folded answers", () => {
  it("keeps bare <details> and <summary> so answers fold, with Markdown inside", () => {
    const { html } = renderMarkdown(
      "Question?\n\n<details>\n<summary>Answers & why</summary>\n\n1. **Yes**.\n\n</details>\n",
    );
    assert.match(html, /<details>\n<summary>Answers &amp; why<\/summary>/);
    assert.match(html, /<ol>\n<li><strong>Yes<\/strong>\.<\/li>\n<\/ol>\n<\/details>/);
  });

  it("still escapes a details tag that carries an attribute, or anything beside it", () => {
    for (
      const source of [
        '<details ontoggle="alert(1)">\n<summary>x</summary>\n\ny\n\n</details>\n',
        "<details>\n<summary>x</summary><img src=x onerror=alert(1)>\n\ny\n\n</details>\n",
      ]
    ) {
      const { html } = renderMarkdown(source);
      assert.doesNotMatch(html, /<details |<img/, source);
    }
  });
});
