import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createApp } from "./app.tsx";
import { loadSite, type SiteData } from "./load.ts";
import MiniSearch from "minisearch";
import {
  CLASS_PATH,
  labPath,
  notePath,
  PRIMITIVES_PATH,
  SEARCH_INDEX_PATH,
  SEARCH_PATH,
  studentKey,
  studentPath,
} from "./paths.ts";
import {
  FIXTURE_RESULTS,
  hostileResults,
  REPO_ROOT,
  SCRIPT_OUTPUT,
  TAG_NAME,
} from "./test_support.ts";

/** The `<title>` of a page. */
function titleOf(html: string): string {
  return html.match(/<title>([^<]*)<\/title>/)?.[1] ?? "";
}

/** Every `href` of a page, decoded as the browser would read the attribute. */
function hrefsOf(html: string): string[] {
  return [...html.matchAll(/\shref="([^"]*)"/g)].map((match) =>
    match[1].replace(/&amp;/g, "&").replace(/&quot;/g, '"')
  );
}

async function get(
  site: SiteData,
  path: string,
): Promise<{ status: number; type: string; body: string }> {
  const response = await createApp(site).request(path);
  return {
    status: response.status,
    type: response.headers.get("content-type") ?? "",
    body: await response.text(),
  };
}

describe("the app without results", () => {
  let site: SiteData;
  before(async () => {
    site = await loadSite({ root: REPO_ROOT });
  });

  it("serves the course map at / and /index.html, linking every chapter and lab in course order", async () => {
    for (const path of ["/", "/index.html"]) {
      const page = await get(site, path);
      assert.equal(page.status, 200);
      assert.match(page.type, /^text\/html/);
      assert.equal(titleOf(page.body), site.course.title);
      const hrefs = hrefsOf(page.body);
      const chapterLinks = hrefs.filter((href) => href.startsWith("notes/"));
      assert.deepEqual([...new Set(chapterLinks)], site.chapters.map((c) => notePath(c.slug)));
      const labLinks = hrefs.filter((href) => href.startsWith("labs/"));
      assert.deepEqual([...new Set(labLinks)], site.course.labs.map((lab) => labPath(lab.slug)));
      for (const lab of site.course.labs) assert.ok(page.body.includes(`deno task lab ${lab.id}`));
      assert.ok(!hrefs.includes(CLASS_PATH), "no results link without results");
    }
  });

  it("serves every page of every chapter with its title, a table of contents of the whole chapter, and its lab on the last page", async () => {
    assert.equal(site.chapters.length >= 6, true, "the six chapters of notes/ are loaded");
    for (const chapter of site.chapters) {
      assert.ok(chapter.toc.length > 0, `${chapter.slug} has sections`);
      for (const { number } of chapter.pages) {
        const path = notePath(chapter.slug, number);
        const page = await get(site, `/${path}`);
        assert.equal(page.status, 200, path);
        const suffix = chapter.pages.length === 1 ? "" : ` (${number}/${chapter.pages.length})`;
        assert.equal(titleOf(page.body), `${chapter.title}${suffix} · ${site.course.title}`);
        for (const entry of chapter.toc) {
          const target = entry.page === number
            ? `#${entry.id}`
            : `${notePath(chapter.slug, entry.page).slice("notes/".length)}#${entry.id}`;
          assert.ok(page.body.includes(`href="${target}"`), `${path}: toc links ${target}`);
          assert.equal(
            page.body.includes(`id="${entry.id}"`),
            entry.page === number,
            `${path}: heading #${entry.id} is on page ${entry.page}`,
          );
        }
        const last = number === chapter.pages.length;
        for (const lab of chapter.labs) {
          const box = page.body.match(/<aside class="lab-box"[^]*?<\/aside>/)?.[0] ?? "";
          assert.equal(box.includes(`href="../${labPath(lab.slug)}"`), last, path);
        }
      }
      const all = (await Promise.all(
        chapter.pages.map(({ number }) => get(site, `/${notePath(chapter.slug, number)}`)),
      )).map((page) => page.body).join("");
      assert.match(all, /class="hljs language-(ts|go)"/, `${chapter.slug} has highlighted code`);
    }
  });

  it("pages long chapters so that no page weighs more than 60 KB, with previous and next links through the course", async () => {
    const paged = site.chapters.filter((chapter) => chapter.pages.length > 1);
    assert.ok(paged.length > 0, "some chapter is long enough to be paged");
    for (const chapter of site.chapters) {
      for (const { number } of chapter.pages) {
        const body = (await get(site, `/${notePath(chapter.slug, number)}`)).body;
        assert.ok(new TextEncoder().encode(body).length <= 60 * 1024, `${chapter.slug} ${number}`);
        if (number < chapter.pages.length) {
          assert.ok(body.includes(`href="${chapter.slug}-${number + 1}.html" rel="next"`));
        }
        if (number > 1) {
          const previous = number === 2
            ? `${chapter.slug}.html`
            : `${chapter.slug}-${number - 1}.html`;
          assert.ok(body.includes(`href="${previous}" rel="prev"`));
        }
      }
    }
  });

  it("points a link to a section on another page of the chapter at that page", () => {
    for (const chapter of site.chapters) {
      chapter.pages.forEach((page) => {
        for (const match of page.html.matchAll(/\shref="#([^"]+)"/g)) {
          assert.equal(
            chapter.toc.find((entry) => entry.id === match[1])?.page ?? page.number,
            page.number,
            `${chapter.slug} page ${page.number} links #${match[1]} as if it were there`,
          );
        }
      });
    }
  });

  it("serves the primitives' README as a page, linked from every page's navigation", async () => {
    const page = await get(site, `/${PRIMITIVES_PATH}`);
    assert.equal(page.status, 200);
    assert.match(page.body, /<table>/);
    assert.match(page.body, /new Chan/);
    assert.ok(hrefsOf((await get(site, "/")).body).includes(PRIMITIVES_PATH));
  });

  it("serves a search page that lists every section without a script and loads only the site's own scripts", async () => {
    const page = await get(site, `/${SEARCH_PATH}`);
    assert.equal(page.status, 200);
    const scripts = [...page.body.matchAll(/<script\b([^>]*)>([^<]*)<\/script>/g)];
    assert.deepEqual(
      scripts.map((match) => match[1].match(/src="([^"]*)"/)?.[1]),
      ["search/minisearch.js", "search/search.js"],
    );
    assert.ok(scripts.every((match) => match[2] === "" && /\sdefer/.test(match[1])));
    assert.match(page.body, /script-src &#39;self&#39;|script-src 'self'/);
    for (const chapter of site.chapters) {
      assert.ok(hrefsOf(page.body).includes(notePath(chapter.slug)), chapter.slug);
    }
    for (const other of ["/", `/${notePath(site.chapters[0].slug)}`, `/${PRIMITIVES_PATH}`]) {
      const body = (await get(site, other)).body;
      assert.doesNotMatch(body, /<script/i, other);
      assert.match(body, /<form class="search-form" role="search" action="[^"]*search\.html"/);
    }
  });

  it("builds a search index that finds a section by a word of its text", async () => {
    const response = await get(site, `/${SEARCH_INDEX_PATH}`);
    assert.match(response.type, /^application\/json/);
    const data = JSON.parse(response.body);
    const search = MiniSearch.loadJSON(JSON.stringify(data.index), data.options);
    const hits = search.search("errgroup");
    assert.ok(hits.length > 0);
    assert.ok(hits.every((hit) => typeof hit.href === "string" && typeof hit.title === "string"));
    const withFragment = hits.find((hit) => hit.href.includes("#"))!;
    const [file, id] = withFragment.href.split("#");
    assert.ok((await get(site, `/${file}`)).body.includes(`id="${id}"`), withFragment.href);
  });

  it("marks Chinese terms with lang=zh", () => {
    const html = site.chapters.flatMap((chapter) => chapter.pages.map((page) => page.html)).join(
      "",
    );
    assert.match(html, /<span lang="zh">[\u4e00-\u9fff]+/);
  });

  it("serves every lab with its files to edit, its command and a link to its chapter", async () => {
    for (const lab of site.labs) {
      const page = await get(site, `/${labPath(lab.entry.slug)}`);
      assert.equal(page.status, 200);
      assert.equal(
        titleOf(page.body),
        `Lab ${lab.entry.id}: ${lab.entry.title} · ${site.course.title}`,
      );
      for (const file of lab.entry.files) {
        assert.ok(page.body.includes(`<code>labs/${lab.entry.slug}/${file}</code>`), file);
      }
      assert.ok(page.body.includes(`<code>deno task lab ${lab.entry.id}</code>`));
      assert.ok(hrefsOf(page.body).includes(`../${notePath(lab.chapterSlug)}`));
    }
  });

  it("rewrites a README's link to its chapter into a link to the chapter's page", () => {
    const lab = site.labs.find((each) => each.entry.slug === "04-channels")!;
    assert.ok(lab.html.includes('href="../notes/04-channels.html"'));
  });

  it("serves the stylesheet with dark mode, phone layout and scrolling tables", async () => {
    const css = await get(site, "/style.css");
    assert.equal(css.status, 200);
    assert.match(css.type, /^text\/css/);
    assert.match(css.body, /@media \(prefers-color-scheme: dark\)/);
    assert.match(css.body, /@media \(max-width: 40rem\)/);
    assert.match(css.body, /\.table-scroll \{[^}]*overflow-x: auto/);
  });

  it("answers unknown pages, and paths that try to climb out, with a 404 page", async () => {
    for (
      const path of [
        "/nope.html",
        "/notes/99-missing.html",
        "/notes/04-channels",
        "/notes/..%2F..%2Fdeno.json",
        "/results/index.html",
      ]
    ) {
      const page = await get(site, path);
      assert.equal(page.status, 404, path);
      assert.match(page.body, /Page not found/);
    }
  });
});

const SECRET = "an instructor's secret of some length";

describe("the app with results", () => {
  let site: SiteData;
  let named: SiteData;
  let cleanup: () => Promise<void>;
  before(async () => {
    const hostile = await hostileResults();
    cleanup = hostile.cleanup;
    site = await loadSite({ root: REPO_ROOT, results: hostile.dir, secret: SECRET });
    named = await loadSite({
      root: REPO_ROOT,
      results: hostile.dir,
      secret: SECRET,
      showNames: true,
    });
  });
  after(() => cleanup());

  /** A student's page, by name. */
  const pageOf = (data: SiteData, name: string) => {
    const student = data.results!.students.find((s) => s.name === name)!;
    return get(data, `/${studentPath(student.key!)}`);
  };

  it("links the class overview from the course map", async () => {
    const page = await get(site, "/");
    assert.ok(hrefsOf(page.body).includes(CLASS_PATH));
  });

  it("names no student on the overview and links to no student page from any page", async () => {
    const results = site.results!;
    assert.equal(results.students.length, 5, "three fixture students, two hostile, no symlink");
    const pages = [
      "/",
      `/${CLASS_PATH}`,
      `/${SEARCH_PATH}`,
      ...site.chapters.map((chapter) => `/${notePath(chapter.slug)}`),
    ];
    for (const path of pages) {
      const page = await get(site, path);
      assert.equal(page.status, 200, path);
      assert.ok(!hrefsOf(page.body).some((href) => href.includes("results/s/")), path);
      assert.doesNotMatch(page.body, /results\/s\//, path);
    }
    const overview = (await get(site, `/${CLASS_PATH}`)).body;
    for (const name of ["ada-lovelace", "grace_hopper", "&lt;img src=x onerror=alert(1)&gt;"]) {
      assert.ok(!overview.includes(name), `${name} appears on the overview`);
    }
    assert.doesNotMatch(overview, />ken</);
  });

  it("draws each lab's score distribution as an inline SVG whose numbers add up to its students", async () => {
    const overview = (await get(site, `/${CLASS_PATH}`)).body;
    const charts = [...overview.matchAll(/<svg[^>]*class="distribution"[\s\S]*?<\/svg>/g)];
    assert.equal(charts.length, site.results!.labs.length);
    for (const [chart] of charts) {
      const counts = [...chart.matchAll(/<text class="count"[^>]*>(\d+)<\/text>/g)]
        .map((match) => Number(match[1]));
      assert.equal(counts.length, 11);
      assert.ok(counts.reduce((a, b) => a + b, 0) > 0);
      assert.doesNotMatch(chart, /style=/, "colours come from the stylesheet");
    }
    // Lab 01: ken 0/2, grace 1/3, the hostile student 1/2 and ada 3/3: 0 %, 33 %, 50 %, 100 %.
    assert.match(
      overview,
      /chart-01-title">[^<]*0–9 %: 1, 10–19 %: 0, 20–29 %: 0, 30–39 %: 1, 40–49 %: 0, 50–59 %: 1,[^<]*100 %: 1</,
    );
  });

  it("lists the pass rate of every test and the hardest tests, hardest first", async () => {
    const overview = (await get(site, `/${CLASS_PATH}`)).body;
    assert.match(
      overview,
      /tracker &gt; shutdown waits for every running task<\/td><td class="number">1 \/ 4</,
    );
    const hardest = overview.slice(overview.indexOf('id="hardest"'));
    const rates = [...hardest.matchAll(/<td class="number">(\d+) \/ (\d+)<\/td>/g)]
      .map((match) => Number(match[1]) / Number(match[2]));
    assert.ok(rates.length > 0);
    assert.deepEqual(rates, [...rates].sort((a, b) => a - b));
  });

  it("in the instructor's edition, names every student with a link to their page", async () => {
    const page = await get(named, `/${CLASS_PATH}`);
    assert.match(page.body, /instructor&#39;s edition/);
    for (const student of named.results!.students) {
      const href = `s/${student.key}.html`;
      assert.ok(hrefsOf(page.body).includes(href), href);
      assert.equal((await get(named, `/${studentPath(student.key!)}`)).status, 200, student.name);
    }
    const row = (name: string) =>
      page.body.split("<tr>").find((tr) => tr.includes(`>${name}</a>`)) ?? "";
    assert.match(row("ada-lovelace"), /3 \/ 3.*2 \/ 4.*2 \/ 2.*7 \/ 9/s);
    // Ken's lab 05 timed out before any test reported: the grader's per-lab figure still counts.
    assert.match(row("ken"), /0 \/ 2.*0 \/ 2.*0 \/ 2.*0 \/ 6/s);
    assert.match(
      row("&lt;img src=x onerror=alert(1)&gt;"),
      /1 \/ 2.*0 \/ 2.*title="no results for this lab">—.*1 \/ 4/s,
    );
  });

  it("keeps each student's page at a keyed path, asks search engines not to index it, and sends no referrer", async () => {
    for (const student of site.results!.students) {
      assert.match(student.key!, /^[0-9a-f]{32}$/);
      assert.equal(student.key, await studentKey(SECRET, student.name));
      assert.notEqual(student.key, await studentKey(`${SECRET}!`, student.name));
      const page = await get(site, `/${studentPath(student.key!)}`);
      assert.match(page.body, /<meta name="robots" content="noindex, nofollow, noarchive"\/?>/);
      assert.match(page.body, /<meta name="referrer" content="no-referrer"\/?>/);
    }
    assert.ok(
      !site.results!.students.some((s) => s.name === "linked-student"),
      "the symlink is skipped",
    );
  });

  it("writes no student page without the secret", async () => {
    const hostile = await hostileResults();
    try {
      const open = await loadSite({ root: REPO_ROOT, results: hostile.dir });
      assert.ok(open.results!.students.every((student) => student.key === undefined));
      const app = createApp(open);
      const key = await studentKey(SECRET, "ken");
      assert.equal((await app.request(`/${studentPath(key)}`)).status, 404);
    } finally {
      await hostile.cleanup();
    }
  });

  it("shows a student's tests, statuses, points and output", async () => {
    const page = await pageOf(site, "grace_hopper");
    assert.match(page.body, /<h1>grace_hopper<\/h1>/);
    assert.match(
      page.body,
      /<span class="status failed">failed<\/span><span class="test-name">tracker &gt; shutdown waits/,
    );
    assert.match(page.body, /Error: timed out after 10000 ms/);
    // Outputs are folded, with their first line as the summary; a one-line output is just shown.
    assert.match(
      page.body,
      /<details class="output"><summary>expected: &lt;script&gt;alert\(1\)&lt;\/script&gt; &amp; &lt;b&gt;bold&lt;\/b&gt;<\/summary><pre>/,
    );
    assert.match(page.body, /<p class="output-line">partial credit<\/p>/);
    assert.doesNotMatch(page.body, /<details[^>]* open/);
    // Every hidden test is "after_published"; publishing is what the site does, so no tag says so.
    assert.doesNotMatch(page.body, /class="tag"/);
    assert.match(page.body, /3\.5 \/ 9/);
  });

  it("says why a lab did not run, even when none of its tests reported", async () => {
    const page = await pageOf(site, "ken");
    const lab05 = page.body.slice(page.body.indexOf('<h2 id="lab-05">'));
    assert.match(
      lab05,
      /This lab did not run normally:.*<pre>timed out after 60 s: the run was stopped/s,
    );
    assert.match(lab05, /No test of this lab reported a result\./);
    assert.match(
      page.body,
      /<summary>The grader&#39;s report<\/summary><pre>01-goroutines: 0\/2 points\n/,
    );
  });

  it("says when the run was graded, from summary.json", async () => {
    const page = await get(site, `/${CLASS_PATH}`);
    assert.match(page.body, /Graded 2025-11-23 17:00 UTC\./);
  });

  it("escapes a student's name, test names and output everywhere, so markup never becomes a tag", async () => {
    const student = named.results!.students.find((s) => s.name === TAG_NAME)!;
    for (const path of ["/", `/${CLASS_PATH}`, `/${studentPath(student.key!)}`]) {
      const page = await get(named, path);
      assert.doesNotMatch(page.body, /<script|<img|<iframe|<b onmouseover/i, path);
      // No tag anywhere carries an event handler (the names' text may show "onerror=", escaped).
      assert.doesNotMatch(page.body, /<[^>]*\son[a-z]+=/i, path);
    }
    const overview = await get(named, `/${CLASS_PATH}`);
    assert.ok(overview.body.includes("&lt;img src=x onerror=alert(1)&gt;"));
    const own = await get(named, `/${studentPath(student.key!)}`);
    assert.ok(own.body.includes("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert.ok(own.body.includes("&lt;/pre&gt;&lt;iframe src=&quot;javascript:alert(3)&quot;&gt;"));
    assert.ok(own.body.includes("&lt;b onmouseover=alert(2)&gt;bold&lt;/b&gt; name"));
    assert.ok(
      own.body.includes(
        `grader note: ${SCRIPT_OUTPUT.replace(/</g, "&lt;").replace(/>/g, "&gt;")}`,
      ),
    );
    assert.ok(
      own.body.includes("&amp; &amp;amp;"),
      "an entity in the output stays visible as typed",
    );
  });

  it("reads the committed fixture alone as three students", async () => {
    const plain = await loadSite({ root: REPO_ROOT, results: FIXTURE_RESULTS });
    assert.deepEqual(plain.results!.students.map((s) => s.name), [
      "ada-lovelace",
      "grace_hopper",
      "ken",
    ]);
  });
});
