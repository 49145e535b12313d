import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdir, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { buildSite } from "./build.ts";
import { SEARCH_CSP, SITE_CSP } from "./pages/layout.tsx";
import { createStaticHandler, serveCommand, startServer } from "./serve.ts";
import { DENO_ONLY, FIXTURE_RESULTS, REPO_ROOT, tempFolder } from "./test_support.ts";

describe("createStaticHandler", { skip: DENO_ONLY }, () => {
  let base: string;
  let dist: string;
  let cleanup: () => Promise<void>;
  let handle: (request: Request) => Promise<Response>;

  before(async () => {
    ({ dir: base, cleanup } = await tempFolder());
    dist = join(base, "dist");
    await buildSite({ root: REPO_ROOT, out: dist, results: FIXTURE_RESULTS });
    await writeFile(join(base, "secret.txt"), "SECRET");
    await symlink(join(base, "secret.txt"), join(dist, "linked-secret.txt"));
    await mkdir(join(dist, "empty-folder"));
    handle = createStaticHandler(dist);
  });
  after(() => cleanup());

  const get = (path: string, init?: RequestInit) =>
    handle(new Request(`http://127.0.0.1${path}`, init));

  it("serves / and a folder's path from their index.html, with the no-script policy", async () => {
    for (const path of ["/", "/results/"]) {
      const response = await get(path);
      assert.equal(response.status, 200, path);
      assert.equal(response.headers.get("content-type"), "text/html; charset=utf-8");
      assert.equal(response.headers.get("content-security-policy"), SITE_CSP);
      assert.equal(response.headers.get("x-content-type-options"), "nosniff");
      assert.match(await response.text(), /^<!DOCTYPE html>/);
    }
  });

  it("serves pages and the stylesheet with their types", async () => {
    const page = await get("/notes/04-channels.html");
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<title>[^<]*Channels/);
    const css = await get("/style.css");
    assert.equal(css.headers.get("content-type"), "text/css; charset=utf-8");
    assert.match(await css.text(), /prefers-color-scheme/);
  });

  it("redirects a folder without its slash, and answers HEAD without a body", async () => {
    const redirect = await get("/results");
    assert.equal(redirect.status, 301);
    assert.equal(redirect.headers.get("location"), "http://127.0.0.1/results/");
    const head = await get("/index.html", { method: "HEAD" });
    assert.equal(head.status, 200);
    assert.equal(await head.text(), "");
  });

  it("reports in a HEAD response the length a GET sends", async () => {
    for (const path of ["/index.html", "/style.css", "/search/index.json"]) {
      const head = await get(path, { method: "HEAD" });
      const body = new Uint8Array(await (await get(path)).arrayBuffer());
      assert.equal(head.headers.get("content-length"), String(body.byteLength), path);
      assert.ok(body.byteLength > 0, path);
    }
  });

  it("lets the site's own scripts run on the search page only, served as JavaScript", async () => {
    const search = await get("/search.html");
    assert.equal(search.headers.get("content-security-policy"), SEARCH_CSP);
    const script = await get("/search/search.js");
    assert.equal(script.headers.get("content-type"), "text/javascript; charset=utf-8");
    assert.equal(
      (await get("/notes/04-channels.html")).headers.get("content-security-policy"),
      SITE_CSP,
    );
  });

  it("never serves a file outside the folder: encoded .., backslashes, symbolic links", async () => {
    for (
      const path of [
        "/..%2fsecret.txt",
        "/notes/..%2f..%2fsecret.txt",
        "/%2e%2e%2fsecret.txt",
        "/notes/..%5c..%5csecret.txt",
        "/linked-secret.txt",
        "/%00index.html",
        "/%E0%A4%A",
      ]
    ) {
      const response = await get(path);
      assert.equal(response.status, 404, path);
      assert.doesNotMatch(await response.text(), /SECRET/, path);
    }
  });

  it("answers 404 for missing files and empty folders, and 405 for other methods", async () => {
    assert.equal((await get("/nope.html")).status, 404);
    assert.equal((await get("/empty-folder/")).status, 404);
    const post = await get("/index.html", { method: "POST", body: "x" });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get("allow"), "GET, HEAD");
  });
});

describe("startServer", { skip: DENO_ONLY }, () => {
  it("builds a missing site first, then serves it on 127.0.0.1", async () => {
    const { dir, cleanup } = await tempFolder();
    const logs: string[] = [];
    const { server, url } = await startServer({
      dir: join(dir, "dist"),
      port: 0,
      root: REPO_ROOT,
      onLog: (line) => logs.push(line),
    });
    try {
      assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
      assert.match(logs[0], /holds no site yet; building it first$/);
      assert.ok(logs.includes(`serve: serving ${join(dir, "dist")}/ at ${url} (Ctrl-C to stop)`));
      const response = await fetch(new URL("labs/04-channels.html", url));
      assert.equal(response.status, 200);
      assert.match(await response.text(), /deno task lab 04/);
    } finally {
      await server.shutdown();
      await cleanup();
    }
  });

  it("serves an existing site as it is, without building", async () => {
    const { dir, cleanup } = await tempFolder();
    await writeFile(join(dir, "index.html"), "<!DOCTYPE html><title>kept</title>");
    const logs: string[] = [];
    const { server, url } = await startServer({
      dir,
      port: 0,
      root: REPO_ROOT,
      onLog: (line) => logs.push(line),
    });
    try {
      assert.equal(logs.length, 1, logs.join("\n"));
      assert.equal(await (await fetch(url)).text(), "<!DOCTYPE html><title>kept</title>");
    } finally {
      await server.shutdown();
      await cleanup();
    }
  });
});

describe("deno task serve (serveCommand)", { skip: DENO_ONLY }, () => {
  async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
    const out: string[] = [];
    const err: string[] = [];
    const { log, error } = console;
    console.log = (...parts: unknown[]) => out.push(parts.join(" "));
    console.error = (...parts: unknown[]) => err.push(parts.join(" "));
    try {
      return { code: await serveCommand(args), out: out.join("\n"), err: err.join("\n") };
    } finally {
      console.log = log;
      console.error = error;
    }
  }

  it("exits 1 and suggests another port when the port is taken", async () => {
    const { dir, cleanup } = await tempFolder();
    const taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    try {
      await writeFile(join(dir, "index.html"), "<!DOCTYPE html>");
      const port = (taken.addr as Deno.NetAddr).port;
      const result = await run(["--port", String(port), "--dir", dir]);
      assert.equal(result.code, 1);
      assert.equal(
        result.err,
        `serve: port ${port} is already in use; choose another with --port ${port + 1}`,
      );
    } finally {
      taken.close();
      await cleanup();
    }
  });

  it("exits 2 with the usage for a bad port or an unknown argument", async () => {
    for (const args of [["--port", "http"], ["--port", "70000"], ["--dri", "x"]]) {
      const result = await run(args);
      assert.equal(result.code, 2, args.join(" "));
      assert.match(result.err, /Usage: deno task serve/);
    }
  });
});
