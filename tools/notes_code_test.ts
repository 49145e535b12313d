import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { forgetTranspiled } from "../core/lab_env.ts";
import {
  absolutizeImports,
  extractCodeBlocks,
  extractRunnableExamples,
  extractTypeScriptBlocks,
  headingAnchors,
  outputMismatch,
  relativeLinks,
  runExample,
} from "./notes_code.ts";

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
    assert.deepEqual(blocks.map((b) => [b.line, b.code, b.endLine]), [[5, "const a = 1;\n", 7], [
      8,
      "const b = '```';\n",
      10,
    ]]);
  });

  it("reports a fence that is never closed with its file and line", () => {
    assert.throws(() => extractTypeScriptBlocks("text\n```ts\nconst a = 1;\n", "notes/y.md"), {
      message: "notes/y.md:2: a code fence is opened here and never closed",
    });
  });
});

describe("extractRunnableExamples", () => {
  it("pairs a ts block with the output block right after it, blank lines allowed", () => {
    const markdown = [
      "```ts",
      "console.log(1);",
      "```",
      "",
      "```output",
      "1",
      "```",
      "```ts",
      "const notRun = 2;",
      "```",
      "Prose between.",
      "```text",
      "2",
      "```",
    ].join("\n");
    const examples = extractRunnableExamples(markdown, "x.md");
    assert.deepEqual(
      examples.map((e) => [e.line, e.code, e.expected, e.outputLine, e.exitCode]),
      [[1, "console.log(1);\n", "1\n", 5, 0]],
    );
  });

  it("reads the expected exit code from exit=N on the output fence, and refuses anything else", () => {
    const crashes = "```ts\nDeno.exit(2);\n```\n```output exit=2\n```\n";
    assert.equal(extractRunnableExamples(crashes, "x.md")[0].exitCode, 2);
    const unknown = "```ts\nDeno.exit(2);\n```\n```output status 2\n```\n";
    assert.throws(() => extractRunnableExamples(unknown, "notes/w.md"), {
      message:
        'notes/w.md:4: an output fence takes only "exit=N" after the language, found "status 2"',
    });
  });

  it("refuses an output block that does not directly follow a ts block", () => {
    const afterProse = "```ts\nconsole.log(1);\n```\nSome prose.\n```output\n1\n```\n";
    assert.throws(() => extractRunnableExamples(afterProse, "notes/z.md"), {
      message:
        "notes/z.md:5: an output block must directly follow a ts block, or nothing checks it",
    });
    const afterGo = "```go\nfmt.Println(1)\n```\n```output\n1\n```\n";
    assert.throws(() => extractRunnableExamples(afterGo, "notes/z.md"), /notes\/z.md:4: an output/);
  });
});

describe("outputMismatch", () => {
  it("accepts equal output, ignoring trailing spaces and trailing blank lines", () => {
    assert.equal(outputMismatch("a\nb\n", "a  \nb\n\n"), null);
  });

  it("lets … stand for any text within one line, and nothing else", () => {
    assert.equal(outputMismatch("took … ms (x.y)\n", "took 12.5 ms (x.y)\n"), null);
    assert.equal(
      outputMismatch("took … ms (x.y)\n", "took 12.5 ms (xzy)\n"),
      'output line 1: expected "took … ms (x.y)", printed "took 12.5 ms (xzy)"',
    );
    assert.equal(
      outputMismatch("a …\n", "a 1\nb 2\n"),
      'output line 2: expected "(no more lines)", printed "b 2"',
    );
  });

  it("names the first line that differs, also when a line is missing", () => {
    assert.equal(
      outputMismatch("one\ntwo\nthree\n", "one\n2\n"),
      'output line 2: expected "two", printed "2"',
    );
    assert.equal(
      outputMismatch("one\ntwo\n", "one\n"),
      'output line 2: expected "two", printed "(no more lines)"',
    );
  });
});

describe("runExample", () => {
  it("returns what the module printed and its exit code", async () => {
    const dir = await Deno.makeTempDir({ prefix: "notes-run-" });
    try {
      const path = `${dir}/example.ts`;
      await Deno.writeTextFile(path, 'console.log("out"); console.error("err"); Deno.exit(3);\n');
      const run = await runExample(path, {
        config: new URL("deno.json", root).pathname,
        root: dir,
        timeoutMs: 20_000,
      });
      assert.deepEqual(run, { stdout: "out\n", stderr: "err\n", code: 3 });
    } finally {
      await Deno.remove(dir, { recursive: true });
      await forgetTranspiled([dir]); // it ran there: Deno's cache keeps a copy
    }
  });

  it("kills an example that runs past the time limit and reports a null code", async () => {
    const dir = await Deno.makeTempDir({ prefix: "notes-run-" });
    try {
      const path = `${dir}/forever.ts`;
      await Deno.writeTextFile(path, 'console.log("started"); setInterval(() => {}, 1000);\n');
      const run = await runExample(path, {
        config: new URL("deno.json", root).pathname,
        root: dir,
        timeoutMs: 3_000,
      });
      assert.equal(run.code, null);
      assert.equal(run.stdout, "started\n");
    } finally {
      await Deno.remove(dir, { recursive: true });
      await forgetTranspiled([dir]); // it ran there: Deno's cache keeps a copy
    }
  });
});

describe("headingAnchors and relativeLinks", () => {
  it("makes GitHub's anchors: lower case, no punctuation, hyphens, numbered repeats", () => {
    const markdown = [
      "# 3. The sync package",
      "## Inside sync.Mutex: barging, handoff and spinning",
      "## `ctx.signal`: contexts meet the web platform",
      "## Pitfalls",
      "```md",
      "## Not a heading",
      "```",
      "### Pitfalls",
    ].join("\n");
    assert.deepEqual([...headingAnchors(markdown)], [
      "3-the-sync-package",
      "inside-syncmutex-barging-handoff-and-spinning",
      "ctxsignal-contexts-meet-the-web-platform",
      "pitfalls",
      "pitfalls-1",
    ]);
  });

  it("lists relative link targets with their lines, skipping URLs, code spans and code blocks", () => {
    const markdown = [
      "See [chapter 3](03-sync.md#pitfalls) and [above](#roots).",
      "[Go](https://go.dev) `[not](a-link.md)`",
      "```ts",
      "const s = '[x](y.md)';",
      "```",
      "[lab 04](../labs/04-channels/README.md)",
    ].join("\n");
    assert.deepEqual(relativeLinks(markdown), [
      { line: 1, target: "03-sync.md#pitfalls" },
      { line: 1, target: "#roots" },
      { line: 6, target: "../labs/04-channels/README.md" },
    ]);
  });
});

describe("the notes' links", () => {
  it("every link to a chapter or section resolves, and lab links match the chapter numbering", async () => {
    const chapters = await notesChapters();
    const anchors = new Map(chapters.map((c) => [c.name, headingAnchors(c.markdown)]));
    const problems: string[] = [];
    for (const chapter of chapters) {
      for (const link of relativeLinks(chapter.markdown)) {
        const where = `notes/${chapter.name}:${link.line}: ${link.target}`;
        const [path, anchor] = link.target.split("#", 2);
        const lab = /^\.\.\/labs\/(\d\d)-([a-z0-9-]+)\/README\.md$/.exec(path);
        if (path === "" || anchors.has(path)) {
          const target = anchors.get(path === "" ? chapter.name : path)!;
          if (anchor !== undefined && !target.has(anchor)) {
            problems.push(`${where}: no such section`);
          }
        } else if (lab !== null) {
          // A lab is numbered and named like its chapter: labs/04-channels <-> notes/04-channels.md.
          if (!anchors.has(`${lab[1]}-${lab[2]}.md`)) {
            problems.push(`${where}: no chapter ${lab[1]}-${lab[2]}.md to match this lab`);
          }
        } else if (!existsSync(new URL(path, new URL("notes/", root)))) {
          problems.push(`${where}: no such file`);
        }
      }
    }
    assert.deepEqual(problems, [], `some links in the notes lead nowhere:\n${problems.join("\n")}`);
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
      await forgetTranspiled([outDir]); // it ran there: Deno's cache keeps a copy
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

/** How long one example may run: they use small delays, so this is generous. */
const exampleTimeoutMs = 30_000;

describe("the notes' runnable examples", () => {
  it("every ts block followed by an output block prints that output", async () => {
    const notesDir = new URL("notes/", root);
    const outDir = await Deno.makeTempDir({ prefix: "notes-examples-" });
    try {
      const examples = (await notesChapters()).flatMap((chapter) =>
        extractRunnableExamples(chapter.markdown, `notes/${chapter.name}`)
      );
      assert.ok(examples.length > 0, "no runnable examples (ts + output blocks) found in notes/");
      const problems: string[] = [];
      // Two at a time: the examples mostly wait on timers, and the machine is shared.
      const queue = [...examples];
      const worker = async () => {
        for (let example = queue.shift(); example !== undefined; example = queue.shift()) {
          const name = `${example.file.replace(/^notes\/|\.md$/g, "")}_line${example.line}.ts`;
          const path = `${outDir}/${name}`;
          await Deno.writeTextFile(path, absolutizeImports(example.code, notesDir));
          const run = await runExample(path, {
            config: new URL("deno.json", root).pathname,
            root: new URL(".", root).pathname,
            timeoutMs: exampleTimeoutMs,
          });
          const where = `${example.file}:${example.line} (output at line ${example.outputLine})`;
          if (run.code === null) {
            problems.push(`${where}: still running after ${exampleTimeoutMs} ms`);
          } else if (run.code !== example.exitCode) {
            problems.push(
              `${where}: exited with code ${run.code}, expected ${example.exitCode}:\n${run.stderr}`,
            );
          } else {
            const mismatch = outputMismatch(example.expected, run.stdout);
            if (mismatch !== null) {
              problems.push(`${where}: ${mismatch}\nfull output:\n${run.stdout}`);
            }
          }
        }
      };
      await Promise.all([worker(), worker()]);
      assert.deepEqual(
        problems,
        [],
        `some examples do not print what the notes show:\n${problems.join("\n\n")}`,
      );
    } finally {
      await Deno.remove(outDir, { recursive: true });
      await forgetTranspiled([outDir]); // it ran there: Deno's cache keeps a copy
    }
  });
});
