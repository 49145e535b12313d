/** @jsxImportSource hono/jsx */
/**
 * The site as a Hono app: runtime-neutral (it touches no file system and no runtime global), so
 * `deno task serve` can run it, `build.ts` exports it to static files with Hono's SSG helper, and
 * tests call it with `app.request()`.
 *
 * Every route names a file (`/notes/04-channels.html`), so the static export is a plain folder of
 * pages whose relative links work from the file system as well as from a server.
 *
 * @example
 * ```tsx
 * import { createApp } from "./app.tsx";
 * import { loadSite } from "./load.ts";
 * const app = createApp(await loadSite({ root: "." }));
 * const response = await app.request("/labs/04-channels.html");
 * response.status; // → 200
 * ```
 * @module
 */
import { Hono } from "hono";
import { disableSSG, ssgParams } from "hono/ssg";
import type { SiteData } from "./load.ts";
import { ClassPage } from "./pages/class.tsx";
import { HomePage } from "./pages/home.tsx";
import { LabTaskPage } from "./pages/lab.tsx";
import { Layout } from "./pages/layout.tsx";
import { NotePage } from "./pages/note.tsx";
import { PrimitivesPage } from "./pages/primitives.tsx";
import { SearchPage } from "./pages/search.tsx";
import { StudentPage } from "./pages/student.tsx";
import {
  HOME_PATH,
  notePath,
  PRIMITIVES_PATH,
  SEARCH_INDEX_PATH,
  SEARCH_LIBRARY_PATH,
  SEARCH_PATH,
  SEARCH_SCRIPT_PATH,
  studentPath,
} from "./paths.ts";
import { buildSearchIndex } from "./search_index.ts";

/** `"04-channels.html"` → `"04-channels"`; anything not ending in `.html` → `null`. */
function pageName(file: string): string | null {
  return file.endsWith(".html") ? file.slice(0, -".html".length) : null;
}

/**
 * Builds the app for the given content.
 *
 * Routes: `/` (also `/index.html`), `/style.css`, `/notes/<chapter>.html` and the chapter's further
 * pages `/notes/<chapter>-<n>.html`, `/labs/<slug>.html`, `/primitives.html`, `/search.html` with
 * its index and scripts under `/search/`, and with results `/results/index.html` and, when the
 * build has the instructor's secret, `/results/s/<key>.html` per student. Anything else is a 404
 * page.
 *
 * @example
 * ```tsx
 * import { createApp } from "./app.tsx";
 * import type { SiteData } from "./load.ts";
 * declare const site: SiteData;
 * const app = createApp(site);
 * const home = await (await app.request("/")).text();
 * ```
 */
export function createApp(site: SiteData): Hono {
  const app = new Hono();

  const home = () => <HomePage site={site} />;
  app.get("/", (c) => c.html(home()));
  // The same page under its file name, for a server of the app; the export writes it once, as /.
  app.get("/index.html", disableSSG(), (c) => c.html(home()));

  app.get(
    "/style.css",
    (c) => c.body(site.css, 200, { "content-type": "text/css; charset=utf-8" }),
  );

  const notePages = site.chapters.flatMap((chapter) =>
    chapter.pages.map((page) => ({
      chapter,
      page: page.number,
      path: notePath(chapter.slug, page.number),
    }))
  );
  app.get(
    "/notes/:file",
    ssgParams(() => notePages.map(({ path }) => ({ file: path.slice("notes/".length) }))),
    (c) => {
      const wanted = `notes/${c.req.param("file")}`;
      const found = notePages.find(({ path }) => path === wanted);
      return found
        ? c.html(<NotePage site={site} chapter={found.chapter} page={found.page} />)
        : c.notFound();
    },
  );

  app.get(`/${PRIMITIVES_PATH}`, (c) => c.html(<PrimitivesPage site={site} />));
  app.get(`/${SEARCH_PATH}`, (c) => c.html(<SearchPage site={site} />));
  // Built on first request only: tests that never ask for it do not pay for it.
  let searchIndex: string | undefined;
  app.get(`/${SEARCH_INDEX_PATH}`, (c) => {
    searchIndex ??= buildSearchIndex(site);
    return c.body(searchIndex, 200, { "content-type": "application/json; charset=utf-8" });
  });
  const javascript = { "content-type": "text/javascript; charset=utf-8" };
  app.get(`/${SEARCH_LIBRARY_PATH}`, (c) => c.body(site.search.library, 200, javascript));
  app.get(`/${SEARCH_SCRIPT_PATH}`, (c) => c.body(site.search.script, 200, javascript));

  app.get(
    "/labs/:file",
    ssgParams(() => site.labs.map((lab) => ({ file: `${lab.entry.slug}.html` }))),
    (c) => {
      const slug = pageName(c.req.param("file"));
      const lab = site.labs.find((each) => each.entry.slug === slug);
      return lab ? c.html(<LabTaskPage site={site} lab={lab} />) : c.notFound();
    },
  );

  const results = site.results;
  if (results) {
    app.get("/results/index.html", (c) => c.html(<ClassPage site={site} results={results} />));
    const withPages = results.students.filter((student) => student.key !== undefined);
    app.get(
      "/results/s/:file",
      ssgParams(() => withPages.map((student) => ({ file: `${student.key}.html` }))),
      (c) => {
        const wanted = `results/s/${c.req.param("file")}`;
        const student = withPages.find((each) => studentPath(each.key!) === wanted);
        return student ? c.html(<StudentPage site={site} student={student} />) : c.notFound();
      },
    );
  }

  app.notFound((c) =>
    c.html(
      <Layout site={site} path={HOME_PATH} title="Page not found" section="home" absolute>
        <h1>Page not found</h1>
        <p>
          There is no page at <code>{c.req.path}</code>. Start from the <a href="/">course map</a>.
        </p>
      </Layout>,
      404,
    )
  );

  return app;
}
