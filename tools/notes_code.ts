/**
 * Extracts the fenced TypeScript blocks of the notes so that each one can be
 * type-checked against the primitives, as a module of its own.
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
  let open: { line: number; fence: string; language: string; body: string[] } | null = null;
  for (const [index, text] of lines.entries()) {
    const fence = /^(\s*)(`{3,}|~{3,})\s*([\w+-]*)/.exec(text);
    if (open === null) {
      if (fence) {
        open = { line: index + 1, fence: fence[2], language: fence[3].toLowerCase(), body: [] };
      }
    } else if (fence && fence[2].startsWith(open.fence) && fence[3] === "") {
      if (languages.includes(open.language)) {
        blocks.push({ file, line: open.line, code: open.body.join("\n") + "\n" });
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
