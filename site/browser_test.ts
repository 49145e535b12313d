/**
 * The built site in a real browser: Debian's Chromium, headless, driven by `playwright-core`. A
 * reader's walk — the course map, a chapter, its lab, a search, the class overview, and a
 * student's private page opened from `links.csv` — at a desktop's and a phone's width. Each stop
 * checks what the reader sees: no page wider than the screen, the score chart drawn, no student
 * named on the overview, a hostile name shown as text on its own page, search results that lead
 * somewhere, dark mode, and no dialog ever. Screenshots are kept in the folder named by
 * SITE_SCREENSHOTS, when set. Skipped, with the reason, without /usr/bin/chromium.
 *
 * @module
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { buildSite } from "./build.ts";
import { CLASS_PATH, labPath, notePath, SEARCH_PATH } from "./paths.ts";
import { startServer } from "./serve.ts";
import { DENO_ONLY, hostileResults, REPO_ROOT, TAG_NAME, tempFolder } from "./test_support.ts";

const CHROMIUM = "/usr/bin/chromium";
const SKIP = DENO_ONLY ||
  (existsSync(CHROMIUM)
    ? false
    : `${CHROMIUM} is not installed (apt-get install chromium); the browser test is skipped`);
if (SKIP) console.warn(`site/browser_test.ts: ${SKIP}`);

const SECRET = "a browser test's secret, long enough";
const WIDTHS = [{ width: 1280, height: 900 }, { width: 390, height: 844 }];
const STUDENT_NAMES = ["ada-lovelace", "grace_hopper", TAG_NAME];

describe("a reader's walk through the built site in headless Chromium", { skip: SKIP }, () => {
  const cleanups: (() => Promise<void>)[] = [];
  let siteUrl = "";
  let links: Map<string, string>;
  let browser: Browser;
  const dialogs: string[] = [];

  before(async () => {
    const results = await hostileResults();
    cleanups.push(results.cleanup);
    const temp = await tempFolder();
    cleanups.push(temp.cleanup);
    const dist = join(temp.dir, "dist");
    const { linksFile } = await buildSite({
      root: REPO_ROOT,
      out: dist,
      results: results.dir,
      secret: SECRET,
    });
    links = parseLinks(await readFile(linksFile!, "utf8"));
    const { server, url } = await startServer({ dir: dist, port: 0, root: REPO_ROOT });
    cleanups.push(() => server.shutdown());
    siteUrl = url;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
      ],
    });
  });

  after(async () => {
    await browser?.close();
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  /** links.csv as student → URL; names are quoted by the CSV writer when they need it. */
  function parseLinks(csv: string): Map<string, string> {
    const rows = csv.trimEnd().split("\n").slice(1);
    return new Map(rows.map((row) => {
      const at = row.lastIndexOf(",");
      const name = row.slice(0, at).replace(/^"(.*)"$/s, "$1").replace(/""/g, '"');
      return [name, row.slice(at + 1)];
    }));
  }

  async function openPage(viewport: { width: number; height: number }): Promise<Page> {
    const page = await browser.newPage({ viewport, colorScheme: "light" });
    page.on("dialog", (dialog) => {
      dialogs.push(dialog.message());
      dialog.dismiss();
    });
    return page;
  }

  /** Fails when the page is wider than the screen; keeps a screenshot when asked to. */
  async function checkFits(page: Page, name: string): Promise<void> {
    const { scrollWidth, clientWidth } = await page.evaluate(() => ({
      scrollWidth: document.documentElement.scrollWidth,
      clientWidth: document.documentElement.clientWidth,
    }));
    assert.ok(
      scrollWidth <= clientWidth,
      `${name}: ${scrollWidth}px wide on a ${clientWidth}px screen`,
    );
    const keep = "Deno" in globalThis ? Deno.env.get("SITE_SCREENSHOTS") : undefined;
    if (keep) {
      await mkdir(keep, { recursive: true });
      await page.screenshot({ path: join(keep, `${name}.png`), fullPage: true });
    }
  }

  for (const viewport of WIDTHS) {
    it(`walks home → chapter → lab → search → overview → a private page at ${viewport.width} px`, async () => {
      const page = await openPage(viewport);
      const at = (name: string) => `${viewport.width}-${name}`;
      try {
        await page.goto(new URL("index.html", siteUrl).href);
        await checkFits(page, at("home"));
        assert.equal(await page.locator("script").count(), 0, "the course map runs no script");

        await page.locator(`main a[href="${notePath("04-channels")}"]`).first().click();
        await page.waitForURL(/notes\/04-channels\.html$/);
        assert.match(await page.locator("h1").first().innerText(), /Channels/);
        await checkFits(page, at("chapter"));

        // The lab is offered on the chapter's last page: follow the pages to it.
        while (await page.locator('a[rel="next"]').count() > 0) {
          const next = page.locator('a[rel="next"]');
          if (!(await next.getAttribute("href"))!.startsWith("04-channels")) break;
          await next.click();
          await page.waitForLoadState();
          await checkFits(page, at(`chapter-${new URL(page.url()).pathname.split("/").pop()}`));
        }
        await page.locator(`.lab-box a[href="../${labPath("04-channels")}"]`).click();
        await page.waitForURL(/labs\/04-channels\.html$/);
        await checkFits(page, at("lab"));

        await page.locator("#site-search").fill("errgroup");
        await page.locator("#site-search").press("Enter");
        await page.waitForURL(/search\.html\?q=errgroup$/);
        await page.locator("#search-results li").first().waitFor();
        assert.match(await page.locator("#search-status").innerText(), /match/);
        await checkFits(page, at("search"));
        await page.locator("#search-results li a").first().click();
        await page.waitForLoadState();
        assert.match(page.url(), /\/(notes|labs)\/[^/]+\.html(#.+)?$|primitives\.html/);
        assert.match(await page.locator("main").innerText(), /errgroup/i);

        await page.goto(new URL(CLASS_PATH, siteUrl).href);
        await checkFits(page, at("overview"));
        const charts = page.locator("svg.distribution");
        assert.ok(await charts.count() >= 1, "a score chart per lab");
        const box = await charts.first().boundingBox();
        assert.ok(
          box && box.width > 100 && box.height > 30,
          "the chart is drawn at a visible size",
        );
        assert.ok(box.width <= viewport.width, "the chart fits the screen");
        const overview = await page.locator("main").innerText();
        for (const name of STUDENT_NAMES) {
          assert.ok(!overview.includes(name), `${name} is named on the overview`);
        }

        const own = links.get(TAG_NAME)!;
        assert.ok(own, "links.csv lists the hostile student");
        await page.goto(new URL(own, siteUrl).href);
        assert.equal(await page.locator("h1").innerText(), TAG_NAME);
        assert.equal(await page.locator("main img, main iframe, main b").count(), 0);
        assert.equal(
          await page.locator('meta[name="robots"]').getAttribute("content"),
          "noindex, nofollow, noarchive",
        );
        await checkFits(page, at("student"));
        assert.deepEqual(dialogs, []);
      } finally {
        await page.close();
      }
    });
  }

  it("keeps a wide table readable on a phone: it scrolls inside its box instead of squeezing", async () => {
    const page = await openPage(WIDTHS[1]);
    try {
      await page.goto(new URL("index.html", siteUrl).href);
      const table = page.locator("#labs ~ .table-scroll").first();
      const sizes = await table.evaluate((element) => ({
        scrollWidth: element.scrollWidth,
        clientWidth: element.clientWidth,
        narrowest: Math.min(
          ...[...element.querySelectorAll("td")].map((cell) => cell.getBoundingClientRect().width),
        ),
      }));
      assert.ok(sizes.scrollWidth > sizes.clientWidth, "the table scrolls sideways");
      assert.ok(sizes.narrowest >= 90, `a cell is only ${sizes.narrowest}px wide`);
    } finally {
      await page.close();
    }
  });

  it("switches to dark colours when the system prefers them", async () => {
    const page = await openPage(WIDTHS[0]);
    try {
      await page.goto(new URL("index.html", siteUrl).href);
      const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
      assert.equal(await background(), "rgb(255, 255, 255)");
      await page.emulateMedia({ colorScheme: "dark" });
      assert.equal(await background(), "rgb(13, 17, 23)");
      await page.goto(new URL(SEARCH_PATH, siteUrl).href);
      assert.equal(await background(), "rgb(13, 17, 23)");
    } finally {
      await page.close();
    }
  });
});
