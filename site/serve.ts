/**
 * `deno task serve`: serves the built site on 127.0.0.1, building it first when the folder holds
 * no site yet.
 *
 * Usage: deno task serve [--port 8000] [--dir dist]
 *
 * The server only hands out files that are inside the site's folder (no `..`, no symbolic links
 * out of it), and every response carries a Content-Security-Policy that forbids scripts, so even a
 * page with a bug in its escaping could not run one.
 *
 * @example
 * ```ts
 * import { createStaticHandler } from "./serve.ts";
 * const handler = createStaticHandler("dist");
 * Deno.serve({ hostname: "127.0.0.1", port: 8000 }, handler);
 * ```
 * @module
 */
import { extname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { CourseError } from "../core/course.ts";
import { BuildError, buildSite } from "./build.ts";
import { ResultsError, SiteLoadError } from "./load.ts";
import { SEARCH_CSP, SITE_CSP } from "./pages/layout.tsx";
import { SEARCH_PATH } from "./paths.ts";

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".txt": "text/plain; charset=utf-8",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
};

const SECURITY_HEADERS = {
  "content-security-policy": SITE_CSP,
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
};

function notFound(path: string): Response {
  return new Response(`Not found: ${path}\n`, {
    status: 404,
    headers: { "content-type": "text/plain; charset=utf-8", ...SECURITY_HEADERS },
  });
}

/**
 * A request handler that serves the files of `dir`: `/` and folder paths serve their
 * `index.html`, anything that is not a file inside `dir` (after resolving `..` and symbolic
 * links) is a 404, and only GET and HEAD are answered.
 *
 * @example
 * ```ts
 * import { createStaticHandler } from "./serve.ts";
 * const handler = createStaticHandler("dist");
 * const response = await handler(new Request("http://127.0.0.1/notes/04-channels.html"));
 * ```
 */
export function createStaticHandler(dir: string): (request: Request) => Promise<Response> {
  const root = resolve(dir);
  return async (request) => {
    if (request.method !== "GET" && request.method !== "HEAD") {
      return new Response("Only GET and HEAD are served\n", {
        status: 405,
        headers: { allow: "GET, HEAD", ...SECURITY_HEADERS },
      });
    }
    const url = new URL(request.url);
    let path: string;
    try {
      path = decodeURIComponent(url.pathname);
    } catch {
      return notFound(url.pathname);
    }
    if (path.includes("\0") || path.includes("\\")) return notFound(url.pathname);
    if (path.endsWith("/")) path += "index.html";
    const candidate = resolve(join(root, path));
    const inside = relative(root, candidate);
    if (inside.startsWith("..") || inside === "") return notFound(url.pathname);
    let file: string;
    try {
      // realPath follows symbolic links, so a link inside the folder cannot lead out of it.
      file = await Deno.realPath(candidate);
      const info = await Deno.stat(file);
      if (info.isDirectory) {
        return Response.redirect(new URL(`${url.pathname.replace(/\/?$/, "/")}`, url), 301);
      }
      if (!info.isFile) return notFound(url.pathname);
    } catch {
      return notFound(url.pathname);
    }
    const served = relative(await Deno.realPath(root), file);
    if (served.startsWith("..")) return notFound(url.pathname);
    const body = await Deno.readFile(file);
    const headers = {
      "content-type": CONTENT_TYPES[extname(file)] ?? "application/octet-stream",
      // Set by hand so a HEAD request reports the length a GET would send.
      "content-length": String(body.byteLength),
      "cache-control": "no-cache",
      ...SECURITY_HEADERS,
      // The search page is the one page whose policy lets the site's own scripts run.
      ...(served === SEARCH_PATH ? { "content-security-policy": SEARCH_CSP } : {}),
    };
    if (request.method === "HEAD") return new Response(null, { headers });
    return new Response(body, { headers });
  };
}

const USAGE = `Usage: deno task serve [--port 8000] [--dir dist]

Serves the built site on http://127.0.0.1:<port>/, building it first (as \`deno task site\`
would) when <dir> holds no site yet.

  --port <n>   the port to listen on (default 8000; 0 picks a free one)
  --dir <dir>  the built site's folder (default: dist)
  --help       show this help`;

function parseArguments(args: string[]): { port: number; dir: string } | string {
  const parsed = { port: 8000, dir: "dist" };
  for (let index = 0; index < args.length; index++) {
    const arg = args[index];
    const [flag, inline] = arg.startsWith("--") && arg.includes("=")
      ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)]
      : [arg, undefined];
    const value = () => inline ?? args[++index];
    if (flag === "--port") {
      const text = value();
      const port = Number(text);
      if (!/^\d+$/.test(text ?? "") || port > 65535) {
        return `--port needs a number from 0 to 65535, not "${text ?? ""}"`;
      }
      parsed.port = port;
    } else if (flag === "--dir") {
      const dir = value();
      if (!dir) return "--dir needs a folder";
      parsed.dir = dir;
    } else return `unknown argument "${arg}"`;
  }
  return parsed;
}

async function hasSite(dir: string): Promise<boolean> {
  try {
    return (await Deno.stat(join(dir, "index.html"))).isFile;
  } catch {
    return false;
  }
}

/** How {@link startServer} runs. */
export interface ServeOptions {
  /** The built site's folder; built first when it holds no `index.html`. */
  dir: string;
  /** The port on 127.0.0.1; 0 picks a free one. */
  port: number;
  /** The repository's root, for building. */
  root: string;
  /** The results folder to build with, if any. */
  results?: string;
  /** Receives the progress lines and the address. */
  onLog?: (line: string) => void;
}

/**
 * Builds the site into `dir` when it holds none yet, then serves it on 127.0.0.1.
 *
 * @returns the running server and its address.
 * @throws {Deno.errors.AddrInUse} when the port is taken; the build's errors when it fails.
 * @example
 * ```ts
 * import { startServer } from "./serve.ts";
 * const { server, url } = await startServer({ dir: "dist", port: 0, root: "." });
 * console.log(url);
 * await server.shutdown();
 * ```
 */
export async function startServer(
  options: ServeOptions,
): Promise<{ server: Deno.HttpServer; url: string }> {
  const log = options.onLog ?? (() => {});
  if (!(await hasSite(options.dir))) {
    log(`serve: ${options.dir}/ holds no site yet; building it first`);
    await buildSite({
      root: options.root,
      out: options.dir,
      results: options.results,
      onProgress: (line) => log(`site: ${line}`),
    });
  }
  const { promise: listening, resolve: onListen } = Promise.withResolvers<string>();
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: options.port,
    onListen: ({ port }) => onListen(`http://127.0.0.1:${port}/`),
  }, createStaticHandler(options.dir));
  const url = await listening;
  log(`serve: serving ${options.dir}/ at ${url} (Ctrl-C to stop)`);
  return { server, url };
}

/**
 * The `deno task serve` command: parses `args`, builds when needed, serves until stopped, and
 * returns the exit code (1 when the build fails or the port is taken, 2 for bad arguments).
 *
 * @example
 * ```ts
 * import { serveCommand } from "./serve.ts";
 * Deno.exit(await serveCommand(["--port", "8080"]));
 * ```
 */
export async function serveCommand(args: string[]): Promise<number> {
  if (args.includes("--help") || args.includes("-h")) {
    console.log(USAGE);
    return 0;
  }
  const parsed = parseArguments(args);
  if (typeof parsed === "string") {
    console.error(`serve: ${parsed}\n\n${USAGE}`);
    return 2;
  }
  const root = fileURLToPath(new URL("..", import.meta.url));
  const results = join(root, "results");
  let server: Deno.HttpServer;
  try {
    ({ server } = await startServer({
      dir: parsed.dir,
      port: parsed.port,
      root,
      results: (await hasFolder(results)) ? results : undefined,
      onLog: (line) => console.log(line),
    }));
  } catch (error) {
    if (error instanceof Deno.errors.AddrInUse) {
      console.error(
        `serve: port ${parsed.port} is already in use; choose another with --port ${
          parsed.port + 1
        }`,
      );
      return 1;
    }
    if (
      error instanceof BuildError || error instanceof SiteLoadError ||
      error instanceof CourseError || error instanceof ResultsError
    ) {
      console.error(`serve: the build failed: ${error.message}`);
      return 1;
    }
    throw error;
  }
  await server.finished;
  return 0;
}

async function hasFolder(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isDirectory;
  } catch {
    return false;
  }
}

if (import.meta.main) Deno.exit(await serveCommand(Deno.args));
