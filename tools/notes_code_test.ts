import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { absolutizeImports, extractCodeBlocks, extractTypeScriptBlocks } from "./notes_code.ts";

const root = new URL("..", import.meta.url);

describe("extractTypeScriptBlocks", () => {
  it("finds ts and typescript blocks with their fence lines and skips other languages", () => {
    const markdown = [
      "# Title",
      "```go",
      "package main",
      "```",
      "```ts",
      "const a = 1;",
      "```",
      "````typescript",
      "const b = '```';",
      "````",
    ].join("\n");
    const blocks = extractTypeScriptBlocks(markdown, "x.md");
    assert.deepEqual(blocks.map((b) => [b.line, b.code]), [[5, "const a = 1;\n"], [
      8,
      "const b = '```';\n",
    ]]);
  });

  it("reports a fence that is never closed with its file and line", () => {
    assert.throws(() => extractTypeScriptBlocks("text\n```ts\nconst a = 1;\n", "notes/y.md"), {
      message: "notes/y.md:2: a code fence is opened here and never closed",
    });
  });
});

describe("absolutizeImports", () => {
  it("turns relative specifiers into URLs under the notes folder, leaving bare ones alone", () => {
    const notes = new URL("notes/", root);
    const code =
      'import { Chan } from "../labs/primitives/mod.ts";\nimport assert from "node:assert/strict";\n';
    const rewritten = absolutizeImports(code, notes);
    assert.ok(rewritten.includes(`from "${new URL("labs/primitives/mod.ts", root).href}"`));
    assert.ok(rewritten.includes('from "node:assert/strict"'));
  });
});

describe("the notes' TypeScript blocks", () => {
  it("every ts block in notes/ type-checks against the primitives", async () => {
    const notesDir = new URL("notes/", root);
    const chapters = [...Deno.readDirSync(notesDir)].filter((e) =>
      e.isFile && e.name.endsWith(".md")
    )
      .map((e) => e.name).sort();
    const outDir = await Deno.makeTempDir({ prefix: "notes-check-" });
    try {
      const files: { path: string; origin: string }[] = [];
      for (const chapter of chapters) {
        const markdown = await Deno.readTextFile(new URL(chapter, notesDir));
        for (const block of extractTypeScriptBlocks(markdown, `notes/${chapter}`)) {
          const path = `${outDir}/${chapter.replace(/\.md$/, "")}_line${block.line}.ts`;
          await Deno.writeTextFile(path, absolutizeImports(block.code, notesDir));
          files.push({ path, origin: `${block.file}:${block.line}` });
        }
      }
      if (files.length === 0) return;
      const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
        args: [
          "check",
          "--quiet",
          "--config",
          new URL("deno.json", root).pathname,
          ...files.map((f) => f.path),
        ],
      }).output();
      let report = new TextDecoder().decode(stdout) + new TextDecoder().decode(stderr);
      for (const file of files) {
        report = report.replaceAll(`file://${file.path}`, file.origin).replaceAll(
          file.path,
          file.origin,
        );
      }
      assert.equal(code, 0, `some notes code blocks do not type-check:\n${report}`);
    } finally {
      await Deno.remove(outDir, { recursive: true });
    }
  });
});

/** Runs `gofmt -e` on `code`: null when it parses, else gofmt's complaint. */
async function gofmtErrors(code: string): Promise<string | null> {
  const child = new Deno.Command("gofmt", {
    args: ["-e"],
    stdin: "piped",
    stdout: "null",
    stderr: "piped",
  })
    .spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(code));
  await writer.close();
  const { success, stderr } = await child.output();
  return success ? null : new TextDecoder().decode(stderr).trim();
}

/** Whether `gofmt` (Debian's golang-go) is on PATH; CI installs it. */
async function hasGofmt(): Promise<boolean> {
  try {
    return (await gofmtErrors("package p\n")) === null;
  } catch {
    return false;
  }
}

async function notesChapters(): Promise<{ name: string; markdown: string }[]> {
  const notesDir = new URL("notes/", root);
  const names = [...Deno.readDirSync(notesDir)].filter((e) => e.isFile && e.name.endsWith(".md"))
    .map((e) => e.name).sort();
  return await Promise.all(
    names.map(async (name) => ({
      name,
      markdown: await Deno.readTextFile(new URL(name, notesDir)),
    })),
  );
}

const skipGo = (await hasGofmt()) ? false : "gofmt is not installed (apt-get install golang-go)";

describe("the notes' Go blocks", () => {
  it("every go block in notes/ is valid Go syntax (gofmt -e)", { skip: skipGo }, async () => {
    const problems: string[] = [];
    let checked = 0;
    for (const chapter of await notesChapters()) {
      for (const block of extractCodeBlocks(chapter.markdown, `notes/${chapter.name}`, ["go"])) {
        checked++;
        // gofmt accepts a whole file, a list of declarations or a list of statements.
        const complaint = await gofmtErrors(block.code);
        if (complaint !== null) problems.push(`${block.file}:${block.line}: ${complaint}`);
      }
    }
    assert.ok(checked > 0, "no go blocks found in notes/");
    assert.deepEqual(problems, [], `some Go blocks do not parse:\n${problems.join("\n")}`);
  });
});
