/**
 * Extracts the fenced code blocks of the notes so that each TypeScript block
 * can be type-checked against the primitives, as a module of its own, and each
 * runnable example can be run and its output compared with the output shown.
 *
 * The convention for a runnable example: a ```ts block followed directly
 * (blank lines allowed) by an ```output block. The output block is what the
 * example prints on stdout; `…` in it stands for any text within one line
 * (a timing, a count that varies between runs). An example that must end with
 * another exit code says so on the fence: ```output exit=2.
 *
 * @example
 * ```ts
 * import { extractTypeScriptBlocks } from "./notes_code.ts";
 * const blocks = extractTypeScriptBlocks("# T\n\n```ts\nconst x: number = 1;\n```\n", "notes/t.md");
 * console.log(blocks[0].line); // 3: the line of the opening fence
 * ```
 * @module
 */

/** One fenced code block of a Markdown file. */
export interface CodeBlock {
  /** The Markdown file it came from. */
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  /** The code between the fences. */
  code: string;
  /** The fence's language tag, in lower case (`ts`, `go`, `output`, or empty). */
  language: string;
  /** What follows the language tag on the opening fence, trimmed (`exit=2`). */
  info: string;
  /** 1-based line of the closing fence. */
  endLine: number;
}

/** A TypeScript block with the output the notes say it prints. */
export interface RunnableExample extends CodeBlock {
  /** The text of the ```output block right after it. */
  expected: string;
  /** 1-based line of the output block's opening fence. */
  outputLine: number;
  /** The exit code the example must end with: `exit=N` on the output fence, else 0. */
  exitCode: number;
}

const typeScriptFences = ["ts", "typescript"];

/**
 * Finds every block fenced with ```ts (or ```typescript) in `markdown`.
 * Blocks in other languages (go, sh, text) are skipped.
 * @throws {Error} when a fence is never closed, naming the file and line.
 */
export function extractTypeScriptBlocks(markdown: string, file: string): CodeBlock[] {
  return extractCodeBlocks(markdown, file, typeScriptFences);
}

/**
 * Finds every fenced block whose language tag is one of `languages`
 * (compared in lower case), in order.
 * @throws {Error} when a fence is never closed, naming the file and line.
 */
export function extractCodeBlocks(
  markdown: string,
  file: string,
  languages: readonly string[],
): CodeBlock[] {
  const lines = markdown.split("\n");
  const blocks: CodeBlock[] = [];
  let open: { line: number; fence: string; language: string; info: string; body: string[] } | null =
    null;
  for (const [index, text] of lines.entries()) {
    const fence = /^(\s*)(`{3,}|~{3,})\s*([\w+-]*)(.*)$/.exec(text);
    if (open === null) {
      if (fence) {
        open = {
          line: index + 1,
          fence: fence[2],
          language: fence[3].toLowerCase(),
          info: fence[4].trim(),
          body: [],
        };
      }
    } else if (fence && fence[2].startsWith(open.fence) && fence[3] === "") {
      if (languages.includes(open.language)) {
        blocks.push({
          file,
          line: open.line,
          code: open.body.join("\n") + "\n",
          language: open.language,
          info: open.info,
          endLine: index + 1,
        });
      }
      open = null;
    } else {
      open.body.push(text);
    }
  }
  if (open !== null) {
    throw new Error(`${file}:${open.line}: a code fence is opened here and never closed`);
  }
  return blocks;
}

/**
 * Rewrites the notes' relative import of the primitives
 * (`"../labs/primitives/mod.ts"`) to an absolute URL, so that a block can be
 * checked from any folder.
 */
export function absolutizeImports(code: string, notesDirUrl: URL): string {
  return code.replace(
    /(from\s+|import\s*\(\s*)(["'])(\.{1,2}\/[^"']+)\2/g,
    (_match, prefix: string, quote: string, specifier: string) =>
      `${prefix}${quote}${new URL(specifier, notesDirUrl).href}${quote}`,
  );
}

/**
 * Finds every runnable example of `markdown`: a TypeScript block whose next
 * non-blank line opens an ```output block.
 * @throws {Error} when a fence is never closed, or when an output block
 * follows something other than a TypeScript block (it would never be checked).
 */
export function extractRunnableExamples(markdown: string, file: string): RunnableExample[] {
  const blocks = extractCodeBlocks(markdown, file, [...typeScriptFences, "output"]);
  const lines = markdown.split("\n");
  const examples: RunnableExample[] = [];
  for (const [index, block] of blocks.entries()) {
    if (block.language !== "output") continue;
    const previous = blocks[index - 1];
    const between = previous === undefined
      ? ["text"]
      : lines.slice(previous.endLine, block.line - 1).filter((text) => text.trim() !== "");
    if (previous === undefined || previous.language === "output" || between.length > 0) {
      throw new Error(
        `${file}:${block.line}: an output block must directly follow a ts block, or nothing checks it`,
      );
    }
    const exit = /^exit=(\d+)$/.exec(block.info);
    if (block.info !== "" && exit === null) {
      throw new Error(
        `${file}:${block.line}: an output fence takes only "exit=N" after the language, found "${block.info}"`,
      );
    }
    examples.push({
      ...previous,
      expected: block.code,
      outputLine: block.line,
      exitCode: exit === null ? 0 : Number(exit[1]),
    });
  }
  return examples;
}

/**
 * Compares what an example printed with the output the notes show. Lines are
 * compared without trailing whitespace, trailing blank lines are ignored, and
 * `…` in an expected line matches any text within that line.
 * @returns null when they match, else a description of the first difference.
 */
export function outputMismatch(expected: string, actual: string): string | null {
  const lines = (text: string) => text.trimEnd().split("\n").map((line) => line.trimEnd());
  const want = lines(expected);
  const got = lines(actual);
  for (let i = 0; i < Math.max(want.length, got.length); i++) {
    if (want[i] === undefined || got[i] === undefined || !lineMatches(want[i], got[i])) {
      return `output line ${i + 1}: expected ${JSON.stringify(want[i] ?? "(no more lines)")}, ` +
        `printed ${JSON.stringify(got[i] ?? "(no more lines)")}`;
    }
  }
  return null;
}

function lineMatches(pattern: string, line: string): boolean {
  const parts = pattern.split("…").map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  return new RegExp(`^${parts.join(".*")}$`).test(line);
}

/** What running one example produced. */
export interface ExampleRun {
  /** What it printed on stdout. */
  stdout: string;
  /** What it printed on stderr. */
  stderr: string;
  /** Its exit code; null when it was killed for running past the time limit. */
  code: number | null;
}

/** The variables Deno needs to find its cache and tools; nothing else reaches an example. */
function keptEnv(): Record<string, string> {
  const kept: Record<string, string> = { NO_COLOR: "1" };
  for (const name of ["HOME", "PATH", "DENO_DIR", "XDG_CACHE_HOME", "TMPDIR"]) {
    const value = Deno.env.get(name);
    if (value !== undefined) kept[name] = value;
  }
  return kept;
}

/**
 * Runs `path` (a module written from an example) with `deno run`, with read
 * access to `root`, the loopback network, and the `PRIMITIVES_SEED` variable
 * (unset, so that the schedule is the default one), in an environment cleared
 * of everything else, and kills it after `timeoutMs`.
 */
export async function runExample(
  path: string,
  options: { config: string; root: string; timeoutMs: number },
): Promise<ExampleRun> {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--quiet",
      "--no-prompt",
      `--allow-read=${options.root}`,
      "--allow-net=127.0.0.1",
      "--allow-env=PRIMITIVES_SEED",
      "--config",
      options.config,
      path,
    ],
    // Without PRIMITIVES_SEED: the notes show the default schedule's output.
    clearEnv: true,
    env: keptEnv(),
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill("SIGKILL");
  }, options.timeoutMs);
  try {
    const { code, stdout, stderr } = await child.output();
    const decoder = new TextDecoder();
    return {
      stdout: decoder.decode(stdout),
      stderr: decoder.decode(stderr),
      code: timedOut ? null : code,
    };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The anchors a Markdown renderer gives the headings of `markdown`, GitHub's
 * way: lower case, punctuation dropped, spaces to hyphens, and `-1`, `-2`...
 * appended to repeats. Headings inside code blocks do not count.
 */
export function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const text of proseLines(markdown)) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(text);
    if (heading === null) continue;
    const base = heading[1].toLowerCase().replace(/`/g, "").replace(/[^\p{L}\p{N}_\- ]/gu, "")
      .replace(/ /g, "-");
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}

/** A Markdown link whose target is not a URL with a scheme. */
export interface RelativeLink {
  /** 1-based line of the link. */
  line: number;
  /** The target as written: `03-sync.md#pitfalls`, `#pitfalls`, `../labs/04-channels/README.md`. */
  target: string;
}

/** Every inline link of `markdown` outside code blocks and code spans whose target has no scheme. */
export function relativeLinks(markdown: string): RelativeLink[] {
  const links: RelativeLink[] = [];
  const lines = markdown.split("\n");
  let inFence = false;
  for (const [index, text] of lines.entries()) {
    if (/^\s*(`{3,}|~{3,})/.test(text)) {
      inFence = !inFence;
      continue;
    }
    if (inFence) continue;
    const prose = text.replace(/`[^`]*`/g, "``");
    for (const match of prose.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (!/^[a-z][a-z0-9+.-]*:/i.test(match[1])) links.push({ line: index + 1, target: match[1] });
    }
  }
  return links;
}

function* proseLines(markdown: string): Generator<string> {
  let inFence = false;
  for (const text of markdown.split("\n")) {
    if (/^\s*(`{3,}|~{3,})/.test(text)) inFence = !inFence;
    else if (!inFence) yield text;
  }
}
