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
import { StudentPage } from "./pages/student.tsx";
import { HOME_PATH } from "./paths.ts";

/** `"04-channels.html"` → `"04-channels"`; anything not ending in `.html` → `null`. */
function pageName(file: string): string | null {
  return file.endsWith(".html") ? file.slice(0, -".html".length) : null;
}

/**
 * Builds the app for the given content.
 *
 * Routes: `/` (also `/index.html`), `/style.css`, `/notes/<chapter>.html`, `/labs/<slug>.html`,
 * and with results `/results/index.html` and `/results/students/<slug>.html`. Anything else is a
 * 404 page.
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

  app.get(
    "/notes/:file",
    ssgParams(() => site.chapters.map((chapter) => ({ file: `${chapter.slug}.html` }))),
    (c) => {
      const slug = pageName(c.req.param("file"));
      const chapter = site.chapters.find((each) => each.slug === slug);
      return chapter ? c.html(<NotePage site={site} chapter={chapter} />) : c.notFound();
    },
  );

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
    app.get(
      "/results/students/:file",
      ssgParams(() => results.students.map((student) => ({ file: `${student.slug}.html` }))),
      (c) => {
        const slug = pageName(c.req.param("file"));
        const student = results.students.find((each) => each.slug === slug);
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
