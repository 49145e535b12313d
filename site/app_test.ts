import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createApp } from "./app.tsx";
import { loadSite, type SiteData } from "./load.ts";
import { CLASS_PATH, labPath, notePath, studentPath } from "./paths.ts";
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

  it("serves every chapter with its title, a table of contents whose links reach its headings, and its lab", async () => {
    assert.equal(site.chapters.length >= 6, true, "the six chapters of notes/ are loaded");
    for (const chapter of site.chapters) {
      const page = await get(site, `/${notePath(chapter.slug)}`);
      assert.equal(page.status, 200, chapter.slug);
      assert.equal(titleOf(page.body), `${chapter.title} · ${site.course.title}`);
      assert.ok(chapter.toc.length > 0, `${chapter.slug} has sections`);
      for (const entry of chapter.toc) {
        assert.ok(
          page.body.includes(`href="#${entry.id}"`),
          `${chapter.slug}: toc links #${entry.id}`,
        );
        assert.ok(
          page.body.includes(`id="${entry.id}"`),
          `${chapter.slug}: heading #${entry.id} exists`,
        );
      }
      for (const lab of chapter.labs) {
        assert.ok(hrefsOf(page.body).includes(`../${labPath(lab.slug)}`));
      }
      assert.match(
        page.body,
        /class="hljs language-(ts|go)"/,
        `${chapter.slug} has highlighted code`,
      );
    }
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

describe("the app with results", () => {
  let site: SiteData;
  let cleanup: () => Promise<void>;
  before(async () => {
    const hostile = await hostileResults();
    cleanup = hostile.cleanup;
    site = await loadSite({ root: REPO_ROOT, results: hostile.dir });
  });
  after(() => cleanup());

  it("links the class overview from the course map", async () => {
    const page = await get(site, "/");
    assert.ok(hrefsOf(page.body).includes(CLASS_PATH));
  });

  it("lists every student on the overview, each linking to a page that exists", async () => {
    const page = await get(site, `/${CLASS_PATH}`);
    assert.equal(page.status, 200);
    assert.equal(titleOf(page.body), `Class results · ${site.course.title}`);
    const results = site.results!;
    assert.equal(
      results.students.length,
      5,
      "three fixture students and two hostile ones, no symlink",
    );
    for (const student of results.students) {
      const href = `students/${student.slug}.html`;
      assert.ok(hrefsOf(page.body).includes(href), href);
      const own = await get(site, `/${studentPath(student.slug)}`);
      assert.equal(own.status, 200, student.name);
    }
  });

  it("shows scores per lab, with a dash where a student has no results for a lab", async () => {
    const page = await get(site, `/${CLASS_PATH}`);
    const row = (name: string) =>
      page.body.split("<tr>").find((tr) => tr.includes(`>${name}</a>`)) ?? "";
    assert.match(row("ada-lovelace"), /3 \/ 3.*2 \/ 4.*2 \/ 2.*7 \/ 9/s);
    // Ken's lab 05 timed out before any test reported: the grader's per-lab figure still counts.
    assert.match(row("ken"), /0 \/ 2.*0 \/ 2.*0 \/ 2.*0 \/ 6/s);
    assert.match(
      row("&lt;img src=x onerror=alert(1)&gt;"),
      /1 \/ 2.*0 \/ 2.*title="no results for this lab">—.*1 \/ 4/s,
    );
    assert.match(
      page.body,
      /tracker &gt; shutdown waits for every running task<\/td><td class="number">1 \/ 4</,
    );
  });

  it("shows a student's tests, statuses, points and output", async () => {
    const grace = site.results!.students.find((s) => s.name === "grace_hopper")!;
    const page = await get(site, `/${studentPath(grace.slug)}`);
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
    const ken = site.results!.students.find((s) => s.name === "ken")!;
    const page = await get(site, `/${studentPath(ken.slug)}`);
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
    const student = site.results!.students.find((s) => s.name === TAG_NAME)!;
    for (const path of ["/", `/${CLASS_PATH}`, `/${studentPath(student.slug)}`]) {
      const page = await get(site, path);
      assert.doesNotMatch(page.body, /<script|<img|<iframe|<b onmouseover/i, path);
      // No tag anywhere carries an event handler (the names' text may show "onerror=", escaped).
      assert.doesNotMatch(page.body, /<[^>]*\son[a-z]+=/i, path);
    }
    const overview = await get(site, `/${CLASS_PATH}`);
    assert.ok(overview.body.includes("&lt;img src=x onerror=alert(1)&gt;"));
    const own = await get(site, `/${studentPath(student.slug)}`);
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

  it("gives every student a page under a plain file name, whatever their folder is called", () => {
    for (const student of site.results!.students) {
      assert.match(student.slug, /^[a-z0-9]+(-[a-z0-9]+)*$/);
    }
    assert.ok(
      !site.results!.students.some((s) => s.name === "linked-student"),
      "the symlink is skipped",
    );
  });

  it("reads the committed fixture alone as three students", async () => {
    const plain = await loadSite({ root: REPO_ROOT, results: FIXTURE_RESULTS });
    assert.deepEqual(plain.results!.students.map((s) => [s.name, s.slug]), [
      ["ada-lovelace", "ada-lovelace"],
      ["grace_hopper", "grace-hopper"],
      ["ken", "ken"],
    ]);
  });
});
