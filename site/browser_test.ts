/**
 * The built site in a real browser: Debian's Chromium, headless, driven over the DevTools
 * protocol (a WebSocket, no npm package). On a phone-sized screen no page may be wider than the
 * screen, dark mode must change the colours, no page may open a dialog, and each page yields a
 * screenshot (kept in the folder named by SITE_SCREENSHOTS, when set). Skipped, with the reason,
 * on a machine without /usr/bin/chromium.
 *
 * @module
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { buildSite } from "./build.ts";
import { CLASS_PATH, labPath, notePath, studentPath } from "./paths.ts";
import { startServer } from "./serve.ts";
import { DENO_ONLY, hostileResults, REPO_ROOT, TAG_NAME, tempFolder } from "./test_support.ts";
import { loadSite } from "./load.ts";

const CHROMIUM = "/usr/bin/chromium";
const SKIP = DENO_ONLY ||
  (existsSync(CHROMIUM)
    ? false
    : `${CHROMIUM} is not installed (apt-get install chromium); the browser test is skipped`);
if (SKIP) console.warn(`site/browser_test.ts: ${SKIP}`);
const PHONE = { width: 390, height: 844 };
const STEP_TIMEOUT_MS = 20_000;

/** A DevTools protocol connection to one page of a browser. */
class DevTools {
  #socket: WebSocket;
  #nextId = 1;
  #pending = new Map<number, { resolve: (value: unknown) => void; reject: (e: Error) => void }>();
  #listeners = new Set<(method: string, params: Record<string, unknown>) => void>();
  sessionId: string | undefined;
  /** Every dialog (alert, confirm, prompt) a page tried to open. */
  dialogs: string[] = [];

  private constructor(socket: WebSocket) {
    this.#socket = socket;
    socket.onmessage = (event) => {
      const message = JSON.parse(String(event.data));
      if (message.id !== undefined) {
        const waiting = this.#pending.get(message.id);
        this.#pending.delete(message.id);
        if (message.error) waiting?.reject(new Error(`DevTools: ${message.error.message}`));
        else waiting?.resolve(message.result);
      } else {
        if (message.method === "Page.javascriptDialogOpening") {
          this.dialogs.push(String(message.params?.message));
        }
        for (const listener of this.#listeners) listener(message.method, message.params ?? {});
      }
    };
  }

  static async connect(url: string): Promise<DevTools> {
    const socket = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      socket.onopen = () => resolve();
      socket.onerror = () => reject(new Error(`cannot connect to ${url}`));
    });
    return new DevTools(socket);
  }

  send<T = Record<string, unknown>>(
    method: string,
    params: Record<string, unknown> = {},
    session: string | undefined = this.sessionId,
  ): Promise<T> {
    const id = this.#nextId++;
    const { promise, resolve, reject } = Promise.withResolvers<unknown>();
    this.#pending.set(id, { resolve, reject });
    this.#socket.send(JSON.stringify({ id, method, params, sessionId: session }));
    return withTimeout(promise as Promise<T>, `${method} did not answer`);
  }

  waitFor(method: string): Promise<Record<string, unknown>> {
    const { promise, resolve } = Promise.withResolvers<Record<string, unknown>>();
    const listener = (name: string, params: Record<string, unknown>) => {
      if (name === method) {
        this.#listeners.delete(listener);
        resolve(params);
      }
    };
    this.#listeners.add(listener);
    return withTimeout(promise, `${method} never came`);
  }

  close(): void {
    this.#socket.close();
  }
}

async function withTimeout<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what} within ${STEP_TIMEOUT_MS} ms`)),
      STEP_TIMEOUT_MS,
    );
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Reads Chromium's stderr until it says where its DevTools endpoint listens. */
async function devToolsUrl(stderr: ReadableStream<Uint8Array>): Promise<string> {
  const reader = stderr.getReader();
  const decoder = new TextDecoder();
  let seen = "";
  const found = (async () => {
    while (true) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`chromium exited before listening:\n${seen}`);
      seen += decoder.decode(value, { stream: true });
      const match = seen.match(/DevTools listening on (ws:\/\/\S+)/);
      if (match) return match[1];
    }
  })();
  const url = await withTimeout(found, "chromium did not start its DevTools endpoint");
  // Keep draining stderr so that chromium never blocks on a full pipe.
  (async () => {
    try {
      while (!(await reader.read()).done) { /* discard */ }
    } catch { /* the process ended */ }
  })();
  return url;
}

interface Measure {
  scrollWidth: number;
  clientWidth: number;
  background: string;
  scripts: number;
  title: string;
  stylesheets: number;
}

describe("the built site in headless Chromium", { skip: SKIP }, () => {
  let cleanups: (() => Promise<void>)[] = [];
  let base = "";
  let siteUrl = "";
  let browser: Deno.ChildProcess;
  let devtools: DevTools;
  let studentSlug = "";

  before(async () => {
    const results = await hostileResults();
    cleanups.push(results.cleanup);
    const temp = await tempFolder();
    cleanups.push(temp.cleanup);
    base = temp.dir;
    const dist = join(base, "dist");
    await buildSite({ root: REPO_ROOT, out: dist, results: results.dir });
    const site = await loadSite({ root: REPO_ROOT, results: results.dir });
    studentSlug = site.results!.students.find((s) => s.name === TAG_NAME)!.slug;
    const { server, url } = await startServer({ dir: dist, port: 0, root: REPO_ROOT });
    cleanups.push(() => server.shutdown());
    siteUrl = url;

    const profile = join(base, "profile");
    await mkdir(profile);
    browser = new Deno.Command(CHROMIUM, {
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--no-first-run",
        "--disable-extensions",
        "--hide-scrollbars",
        "--remote-debugging-address=127.0.0.1",
        "--remote-debugging-port=0",
        `--user-data-dir=${profile}`,
        "about:blank",
      ],
      stdout: "null",
      stderr: "piped",
    }).spawn();
    devtools = await DevTools.connect(await devToolsUrl(browser.stderr));
    const { targetId } = await devtools.send<{ targetId: string }>("Target.createTarget", {
      url: "about:blank",
    });
    const { sessionId } = await devtools.send<{ sessionId: string }>("Target.attachToTarget", {
      targetId,
      flatten: true,
    });
    devtools.sessionId = sessionId;
    await devtools.send("Page.enable");
    await devtools.send("Emulation.setDeviceMetricsOverride", {
      ...PHONE,
      deviceScaleFactor: 1,
      mobile: true,
    });
  });

  after(async () => {
    if (browser) {
      // Closing through the protocol lets Chromium stop its helper processes and release its
      // profile folder before the folder is removed; a signal is the fallback.
      try {
        await devtools.send("Browser.close", {}, undefined);
      } catch {
        try {
          browser.kill("SIGKILL");
        } catch { /* already gone */ }
      }
      await withTimeout(browser.status, "chromium did not exit");
    }
    devtools?.close();
    for (const cleanup of cleanups.reverse()) await cleanup();
    cleanups = [];
  });

  async function visit(path: string): Promise<Measure> {
    const loaded = devtools.waitFor("Page.loadEventFired");
    await devtools.send("Page.navigate", { url: new URL(path, siteUrl).href });
    await loaded;
    const { result } = await devtools.send<{ result: { value: string } }>("Runtime.evaluate", {
      expression: `JSON.stringify({
        scrollWidth: document.documentElement.scrollWidth,
        clientWidth: document.documentElement.clientWidth,
        background: getComputedStyle(document.body).backgroundColor,
        scripts: document.scripts.length,
        title: document.title,
        stylesheets: document.styleSheets.length,
      })`,
      returnByValue: true,
    });
    return JSON.parse(result.value);
  }

  async function screenshot(name: string): Promise<Uint8Array> {
    const { data } = await devtools.send<{ data: string }>("Page.captureScreenshot", {
      format: "png",
    });
    const bytes = Uint8Array.from(atob(data), (char) => char.charCodeAt(0));
    // SITE_SCREENSHOTS=<folder> keeps the screenshots for a person to look at.
    const keep = Deno.env.get("SITE_SCREENSHOTS");
    if (keep) {
      await mkdir(keep, { recursive: true });
      await writeFile(join(keep, `${name}.png`), bytes);
    }
    return bytes;
  }

  const pages = () => [
    "index.html",
    notePath("04-channels"),
    labPath("04-channels"),
    CLASS_PATH,
    studentPath(studentSlug),
  ];

  it("fits every page into a phone's width: no horizontal scrolling of the page", async () => {
    for (const path of pages()) {
      const measure = await visit(path);
      assert.equal(measure.stylesheets, 1, `${path}: the stylesheet loaded`);
      assert.ok(
        measure.scrollWidth <= measure.clientWidth,
        `${path} is ${measure.scrollWidth}px wide on a ${measure.clientWidth}px screen`,
      );
      assert.equal(measure.scripts, 0, `${path} has no script element`);
      const png = await screenshot(path.replace(/[/.]/g, "_"));
      assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47], "a PNG screenshot");
      assert.ok(png.length > 5_000, `${path}: the screenshot shows something`);
    }
  });

  it("shows a hostile student's name as text and opens no dialog", async () => {
    const measure = await visit(studentPath(studentSlug));
    assert.equal(measure.title, `Results of ${TAG_NAME} · Go Concurrency in TypeScript`);
    const { result } = await devtools.send<{ result: { value: string } }>("Runtime.evaluate", {
      expression: "document.querySelector('h1').textContent + '|' + " +
        "document.querySelectorAll('main img, main iframe, main b').length",
      returnByValue: true,
    });
    assert.equal(result.value, `${TAG_NAME}|0`);
    assert.deepEqual(devtools.dialogs, []);
  });

  it("switches to dark colours when the system prefers them", async () => {
    await devtools.send("Emulation.setEmulatedMedia", {
      features: [{ name: "prefers-color-scheme", value: "light" }],
    });
    const light = await visit("index.html");
    await devtools.send("Emulation.setEmulatedMedia", {
      features: [{ name: "prefers-color-scheme", value: "dark" }],
    });
    const dark = await visit("index.html");
    await screenshot("index_dark");
    assert.equal(light.background, "rgb(255, 255, 255)");
    assert.equal(dark.background, "rgb(13, 17, 23)");
  });
});
