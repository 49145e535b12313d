import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { BUILD_MARKER, BuildError, buildSite, confinedFileSystem, siteCommand } from "./build.ts";
import { checkBuiltSite, listFiles } from "./check_output.ts";
import { loadSite, ResultsError, SiteLoadError } from "./load.ts";
import {
  CLASS_PATH,
  labPath,
  notePath,
  PRIMITIVES_PATH,
  SEARCH_INDEX_PATH,
  SEARCH_LIBRARY_PATH,
  SEARCH_PATH,
  SEARCH_SCRIPT_PATH,
  studentKey,
  studentPath,
} from "./paths.ts";
import {
  BROKEN_RESULTS,
  DENO_ONLY,
  FIXTURE_RESULTS,
  hostileResults,
  REPO_ROOT,
  tempFolder,
  TRAVERSAL_NAME,
} from "./test_support.ts";

const SECRET = "a secret for the tests, long enough";

/** Writes the tests' secret into a file in `dir` and returns its path. */
async function secretFileIn(dir: string): Promise<string> {
  const path = join(dir, "secret.txt");
  await writeFile(path, `${SECRET}\n`);
  return path;
}

/** Runs `siteCommand` with the console captured. */
async function runCommand(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const { log, error } = console;
  console.log = (...parts: unknown[]) => out.push(parts.join(" "));
  console.error = (...parts: unknown[]) => err.push(parts.join(" "));
  try {
    const code = await siteCommand(args);
    return { code, out: out.join("\n"), err: err.join("\n") };
  } finally {
    console.log = log;
    console.error = error;
  }
}

describe("buildSite with hostile results", { skip: DENO_ONLY }, () => {
  let base: string;
  let out: string;
  let files: string[];
  let progress: string[];
  let cleanupResults: () => Promise<void>;
  let cleanupBase: () => Promise<void>;
  let keys: Map<string, string>;
  let linksFile: string | undefined;

  before(async () => {
    const results = await hostileResults();
    cleanupResults = results.cleanup;
    const temp = await tempFolder();
    base = temp.dir;
    cleanupBase = temp.cleanup;
    out = join(base, "out");
    progress = [];
    ({ files, linksFile } = await buildSite({
      root: REPO_ROOT,
      out,
      results: results.dir,
      secret: SECRET,
      onProgress: (line) => progress.push(line),
    }));
    const site = await loadSite({ root: REPO_ROOT, results: results.dir, secret: SECRET });
    keys = new Map(site.results!.students.map((student) => [student.name, student.key!]));
  });
  after(async () => {
    await cleanupResults();
    await cleanupBase();
  });

  it("writes exactly the course map, stylesheet, chapter pages, labs, primitives, search, overview and student pages", async () => {
    const site = await loadSite({ root: REPO_ROOT });
    const expected = [
      "index.html",
      "style.css",
      PRIMITIVES_PATH,
      SEARCH_PATH,
      SEARCH_INDEX_PATH,
      SEARCH_LIBRARY_PATH,
      SEARCH_SCRIPT_PATH,
      ...site.chapters.flatMap((chapter) =>
        chapter.pages.map((page) => notePath(chapter.slug, page.number))
      ),
      ...site.course.labs.map((lab) => labPath(lab.slug)),
      CLASS_PATH,
      ...[...keys.values()].map(studentPath),
    ].sort();
    assert.deepEqual(files, expected);
    assert.deepEqual(await listFiles(out), [BUILD_MARKER, ...expected].sort());
  });

  it("writes nothing outside the output folder but links.csv beside it, even for a student named with ../ steps", async () => {
    assert.deepEqual((await readdir(base)).sort(), ["links.csv", "out"]);
    assert.equal(linksFile, join(base, "links.csv"));
    const page = await readFile(join(out, studentPath(keys.get(TRAVERSAL_NAME)!)), "utf8");
    assert.ok(page.includes("<h1>evil\\..\\..\\escaped</h1>"));
  });

  it("lists every student's private address in links.csv, and nothing else", async () => {
    const rows = (await readFile(linksFile!, "utf8")).trimEnd().split("\n");
    assert.equal(rows[0], "student,url");
    assert.equal(rows.length, keys.size + 1);
    for (const [name, key] of keys) {
      const row = rows.find((line) => line.endsWith(`,${studentPath(key)}`));
      assert.ok(row, name);
      assert.ok(files.includes(studentPath(key)), name);
    }
    assert.equal((await stat(linksFile!)).mode & 0o077, 0, "only the instructor may read it");
  });

  it("leaves no broken relative link, no missing #fragment and no <script> in any page", async () => {
    assert.deepEqual(await checkBuiltSite(out), []);
  });

  it("gives every page the viewport, colour-scheme and no-script policy tags and the shared stylesheet", async () => {
    for (const file of files.filter((name) => name.endsWith(".html"))) {
      const html = await readFile(join(out, file), "utf8");
      assert.match(html, /^<!DOCTYPE html><html lang="en">/, file);
      assert.ok(
        html.includes('<meta name="viewport" content="width=device-width, initial-scale=1">'),
        file,
      );
      assert.ok(html.includes('<meta name="color-scheme" content="light dark">'), file);
      assert.match(
        html,
        /<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;;/,
        file,
      );
      assert.match(html, /<link rel="stylesheet" href="(\.\.\/)*style\.css">/, file);
      if (file !== SEARCH_PATH) assert.doesNotMatch(html, /<script/i, file);
    }
    const css = await readFile(join(out, "style.css"), "utf8");
    assert.match(css, /@media \(prefers-color-scheme: dark\)/);
    assert.match(css, /color-scheme: light dark/);
  });

  it("writes hostile names and outputs as escaped text in the files", async () => {
    const overview = await readFile(join(out, CLASS_PATH), "utf8");
    assert.ok(!overview.includes("onerror"), "the overview names nobody");
    assert.doesNotMatch(overview, /<img|<[^>]*\son[a-z]+=/i);
    const student = await readFile(
      join(out, studentPath(keys.get("<img src=x onerror=alert(1)>")!)),
      "utf8",
    );
    assert.ok(student.includes("&lt;img src=x onerror=alert(1)&gt;"));
    assert.ok(student.includes("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert.doesNotMatch(student, /<script|<iframe|<img/i);
  });

  it("skips a symbolic link posing as a student folder", async () => {
    for (const file of files) {
      assert.ok(!(await readFile(join(out, file), "utf8")).includes("SECRET-OUTSIDE"), file);
    }
  });

  it("reports its progress line by line", () => {
    assert.ok(progress.some((line) => line.startsWith("course: ")));
    assert.ok(
      progress.some((line) => /^rendered notes\/04-channels\.md \(\d+ pages?\)$/.test(line)),
    );
    assert.ok(progress.some((line) => /^results: 5 student\(s\) from /.test(line)));
    // The grader's .grader folder is not a student and is not worth a warning.
    assert.deepEqual(progress.filter((line) => line.startsWith("warning:")), []);
    assert.ok(progress.some((line) => /^checking links of \d+ pages$/.test(line)));
  });
});

describe("buildSite's output folder", { skip: DENO_ONLY }, () => {
  it("empties an earlier build first, so pages of students no longer in the results go away", async () => {
    const { dir, cleanup } = await tempFolder();
    try {
      await buildSite({ root: REPO_ROOT, out: dir, results: FIXTURE_RESULTS, secret: SECRET });
      await writeFile(join(dir, "results", "s", "former-student.html"), "old");
      await buildSite({ root: REPO_ROOT, out: dir });
      const files = await listFiles(dir);
      assert.ok(!files.some((file) => file.startsWith("results/")), files.join(", "));
      assert.ok(files.includes("index.html"));
    } finally {
      await cleanup();
    }
  });

  it("refuses to write into a folder with other content, and leaves it untouched", async () => {
    const { dir, cleanup } = await tempFolder();
    try {
      await writeFile(join(dir, "precious.txt"), "keep me");
      await assert.rejects(
        buildSite({ root: REPO_ROOT, out: dir }),
        (error: unknown) =>
          error instanceof BuildError &&
          /is not empty and was not written by `deno task site`/.test(error.message),
      );
      assert.deepEqual(await readdir(dir), ["precious.txt"]);
    } finally {
      await cleanup();
    }
  });

  it("writes through a file system that refuses paths outside the output folder", async () => {
    const { dir, cleanup } = await tempFolder();
    try {
      const fs = confinedFileSystem(join(dir, "out"));
      await mkdir(join(dir, "out"));
      await fs.writeFile(join(dir, "out", "ok.html"), "fine");
      for (
        const path of [
          join(dir, "out", "..", "escape.html"),
          join(dir, "sibling.html"),
          "/tmp/x.html",
        ]
      ) {
        await assert.rejects(fs.writeFile(path, "no"), /is outside the output folder/, path);
      }
      await assert.rejects(
        fs.mkdir(join(dir, "elsewhere"), { recursive: true }),
        /outside the output folder/,
      );
      assert.deepEqual((await readdir(dir)).sort(), ["out"]);
    } finally {
      await cleanup();
    }
  });
});

describe("buildSite's errors", { skip: DENO_ONLY }, () => {
  it("says a missing results folder does not exist and how to get one", async () => {
    const { dir, cleanup } = await tempFolder();
    try {
      await assert.rejects(
        buildSite({
          root: REPO_ROOT,
          out: join(dir, "out"),
          results: join(dir, "no-such-results"),
        }),
        (error: unknown) =>
          error instanceof SiteLoadError &&
          error.message.includes(`results folder ${join(dir, "no-such-results")} does not exist`) &&
          error.message.includes("deno task grade"),
      );
    } finally {
      await cleanup();
    }
  });

  it("says a results folder without any results.json holds no results, and what it expected", async () => {
    const { dir, cleanup } = await tempFolder();
    try {
      await mkdir(join(dir, "results", "ada"), { recursive: true });
      await writeFile(join(dir, "results", "grades.csv"), "name,score\n");
      await assert.rejects(
        buildSite({ root: REPO_ROOT, out: join(dir, "out"), results: join(dir, "results") }),
        /results folder .*results holds no results: expected .*<student>\/results.json/,
      );
      await writeFile(join(dir, "file-not-folder"), "");
      await assert.rejects(
        buildSite({
          root: REPO_ROOT,
          out: join(dir, "out"),
          results: join(dir, "file-not-folder"),
        }),
        /is not a folder/,
      );
    } finally {
      await cleanup();
    }
  });

  it("names the malformed results file and each of its problems", async () => {
    const { dir, cleanup } = await tempFolder();
    try {
      await assert.rejects(
        buildSite({ root: REPO_ROOT, out: join(dir, "out"), results: BROKEN_RESULTS }),
        (error: unknown) => {
          assert.ok(error instanceof ResultsError);
          assert.ok(
            error.message.startsWith(
              `${join(BROKEN_RESULTS, "mallory", "results.json")} is not a grader results file`,
            ),
          );
          assert.deepEqual(error.problems, [
            'tests[0] ("04-channels: first > x"): score must be a number',
            'tests[0] ("04-channels: first > x"): status must be "passed" or "failed"',
          ]);
          return true;
        },
      );
    } finally {
      await cleanup();
    }
  });

  it("rejects a malformed summary.json beside good student results", async () => {
    const { dir, cleanup } = await tempFolder();
    try {
      const results = join(dir, "results");
      await mkdir(join(results, "ada"), { recursive: true });
      await writeFile(join(results, "ada", "results.json"), '{"tests":[]}');
      await writeFile(join(results, "summary.json"), "{ truncated");
      await assert.rejects(
        buildSite({ root: REPO_ROOT, out: join(dir, "out"), results }),
        /summary.json is not a grader results file:\n {2}- it is not valid JSON/,
      );
    } finally {
      await cleanup();
    }
  });

  it("reads a folder holding results.json itself as one submission named after the folder", async () => {
    const { dir, cleanup } = await tempFolder();
    try {
      const single = join(dir, "Ada Lovelace");
      await mkdir(single);
      await writeFile(
        join(single, "results.json"),
        await readFile(join(FIXTURE_RESULTS, "ada-lovelace", "results.json")),
      );
      const { files } = await buildSite({
        root: REPO_ROOT,
        out: join(dir, "out"),
        results: single,
        secret: SECRET,
      });
      const key = await studentKey(SECRET, "Ada Lovelace");
      assert.ok(files.includes(studentPath(key)), files.join(", "));
    } finally {
      await cleanup();
    }
  });
});

describe("buildSite's warnings", { skip: DENO_ONLY }, () => {
  it("builds, but says so on the console and the instructor's overview, when students lack a results.json", async () => {
    const { dir, cleanup } = await tempFolder();
    try {
      const results = join(dir, "results");
      await mkdir(join(results, "ada"), { recursive: true });
      await mkdir(join(results, "still-grading"));
      await writeFile(join(results, "ada", "results.json"), '{"tests":[]}');
      await writeFile(
        join(results, "summary.json"),
        JSON.stringify({ students: [{ student: "ada" }, { student: "zoe" }] }),
      );
      const progress: string[] = [];
      const out = join(dir, "out");
      await buildSite({
        root: REPO_ROOT,
        out,
        results,
        secret: SECRET,
        showNames: true,
        onProgress: (line) => progress.push(line),
      });
      const warnings = [
        `skipped ${join(results, "still-grading")}: it has no results.json`,
        "summary.json lists 1 student(s) without a results.json: zoe",
      ];
      assert.deepEqual(
        progress.filter((line) => line.startsWith("warning: ")),
        warnings.map((w) => `warning: ${w}`),
      );
      const overview = await readFile(join(out, CLASS_PATH), "utf8");
      for (const warning of warnings) assert.ok(overview.includes(`<li>${warning}</li>`), warning);
    } finally {
      await cleanup();
    }
  });
});

describe("deno task site (siteCommand)", { skip: DENO_ONLY }, () => {
  it("builds, printing progress and where the site is", async () => {
    const { dir, cleanup } = await tempFolder();
    try {
      const out = join(dir, "public");
      const run = await runCommand(["--out", out, "--results", FIXTURE_RESULTS]);
      assert.equal(run.code, 0, run.err);
      assert.match(run.out, /^site: course: /m);
      assert.match(run.out, /^site: results: 3 student\(s\)/m);
      assert.match(
        run.out,
        new RegExp(`^site: built \\d+ pages into ${out}/ in [\\d.]+ s\\.`, "m"),
      );
      assert.ok((await listFiles(out)).includes(CLASS_PATH));
    } finally {
      await cleanup();
    }
  });

  it("with a secret file, writes student pages and links.csv beside the output folder; without one, only the overview", async () => {
    const { dir, cleanup } = await tempFolder();
    try {
      const secretFile = join(dir, "secret.txt");
      await writeFile(secretFile, `${SECRET}\n`);
      const out = join(dir, "public");
      const run = await runCommand([
        "--out",
        out,
        "--results",
        FIXTURE_RESULTS,
        "--secret-file",
        secretFile,
        "--base-url",
        "https://course.example/go",
      ]);
      assert.equal(run.code, 0, run.err);
      const links = await readFile(join(dir, "links.csv"), "utf8");
      const key = await studentKey(SECRET, "ken");
      assert.ok(links.includes(`ken,https://course.example/go/${studentPath(key)}\n`), links);
      assert.ok((await listFiles(out)).includes(studentPath(key)));

      const bare = join(dir, "bare");
      const open = await runCommand(["--out", bare, "--results", FIXTURE_RESULTS]);
      assert.equal(open.code, 0, open.err);
      assert.match(
        open.out,
        /warning: no student pages written: they need the instructor's secret/,
      );
      assert.ok(!(await listFiles(bare)).some((file) => file.startsWith("results/s/")));
    } finally {
      await cleanup();
    }
  });

  it("says why when links.csv cannot be written, instead of a stack trace", async () => {
    const { dir, cleanup } = await tempFolder();
    try {
      const secretFile = await secretFileIn(dir);
      const run = await runCommand([
        "--out",
        join(dir, "out"),
        "--results",
        FIXTURE_RESULTS,
        "--links",
        join(dir, "missing-folder", "links.csv"),
        "--secret-file",
        secretFile,
      ]);
      assert.equal(run.code, 1);
      assert.match(
        run.err,
        /^site: error: the site is built, but .*links\.csv could not be written/,
      );
      assert.match(run.err, /--links/);
    } finally {
      await cleanup();
    }
  });

  it("refuses a short secret and a links.csv inside the output folder", async () => {
    const { dir, cleanup } = await tempFolder();
    try {
      const out = join(dir, "out");
      await assert.rejects(
        buildSite({ root: REPO_ROOT, out, results: FIXTURE_RESULTS, secret: "short" }),
        (error: Error) => error instanceof BuildError && /at least 16/.test(error.message),
      );
      await assert.rejects(
        buildSite({
          root: REPO_ROOT,
          out,
          results: FIXTURE_RESULTS,
          secret: SECRET,
          linksFile: join(out, "links.csv"),
        }),
        (error: Error) =>
          error instanceof BuildError && /inside the output folder/.test(error.message),
      );
    } finally {
      await cleanup();
    }
  });

  it("exits 1 with a one-line reason for a missing results folder", async () => {
    const { dir, cleanup } = await tempFolder();
    try {
      const run = await runCommand([
        `--out=${join(dir, "out")}`,
        "--results",
        join(dir, "missing"),
      ]);
      assert.equal(run.code, 1);
      assert.match(run.err, /^site: error: results folder .*missing does not exist/);
    } finally {
      await cleanup();
    }
  });

  it("exits 2 with the usage for bad arguments, and 0 for --help", async () => {
    for (
      const args of [
        ["--bogus"],
        ["--out"],
        ["--results", "r", "--no-results"],
        ["--base-url", "javascript:alert(1)"],
      ]
    ) {
      const run = await runCommand(args);
      assert.equal(run.code, 2, args.join(" "));
      assert.match(run.err, /Usage: deno task site/);
    }
    const help = await runCommand(["--help"]);
    assert.equal(help.code, 0);
    assert.match(help.out, /^Usage: deno task site/);
  });
});

describe("checkBuiltSite", () => {
  it("reports broken links, missing fragments, links out of the site, absolute links and scripts", async () => {
    const { dir, cleanup } = await tempFolder();
    try {
      await mkdir(join(dir, "notes"));
      await writeFile(
        join(dir, "index.html"),
        '<!DOCTYPE html><h1 id="top">x</h1><a href="notes/a.html#there">a</a><a href="#top">t</a>',
      );
      await writeFile(
        join(dir, "notes", "a.html"),
        '<!DOCTYPE html><p id="there"></p><a href="../missing.html">m</a><a href="../index.html#nowhere">n</a>' +
          '<a href="../../outside.html">o</a><a href="/index.html">abs</a><a href="https://go.dev">web</a><script>1</script>',
      );
      assert.deepEqual(await checkBuiltSite(dir), [
        "notes/a.html: contains a <script> element other than the search's",
        'notes/a.html: link "../missing.html" leads to missing.html, which does not exist',
        'notes/a.html: link "../index.html#nowhere" names #nowhere, which index.html does not have',
        'notes/a.html: link "../../outside.html" leads outside the site',
        'notes/a.html: link "/index.html" is not relative to the page',
      ]);
    } finally {
      await cleanup();
    }
  });
});

describe("checkBuiltSite on pages' weight and scripts", () => {
  it("reports a chapter page over 60 KB and any script but the search page's own", async () => {
    const { dir, cleanup } = await tempFolder();
    try {
      await mkdir(join(dir, "notes"));
      await mkdir(join(dir, "search"));
      await writeFile(join(dir, "search", "search.js"), "");
      await writeFile(
        join(dir, "notes", "long.html"),
        `<!DOCTYPE html><p>${"x".repeat(61 * 1024)}</p>`,
      );
      await writeFile(
        join(dir, "search.html"),
        '<!DOCTYPE html><script src="search/search.js" defer></script>',
      );
      await writeFile(
        join(dir, "index.html"),
        '<!DOCTYPE html><script src="search/search.js" defer></script>',
      );
      assert.deepEqual(await checkBuiltSite(dir), [
        "index.html: contains a <script> element other than the search's",
        "notes/long.html: weighs 62 KB, over 60 KB",
      ]);
    } finally {
      await cleanup();
    }
  });
});
