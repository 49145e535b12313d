import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { coursePaths } from "../core/lab_env.ts";
import type { LabEntry } from "../core/course.ts";
import {
  courseFingerprint,
  GRADER_VERSION,
  isLeftoverTemp,
  parseLabGrade,
  readLabGrade,
  removeLeftoverTemps,
  submissionFingerprint,
  writeFileAtomic,
  writeJsonAtomic,
} from "./store.ts";
import type { LabGrade } from "./score.ts";

const onDeno = typeof Deno !== "undefined";
let dir = "";
before(async () => {
  if (!onDeno) return;
  dir = await Deno.makeTempDir({ prefix: "grader-store-test-" });
});
after(async () => {
  if (onDeno) await Deno.remove(dir, { recursive: true });
});

async function namesIn(folder: string): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(folder)) names.push(entry.name);
  return names.sort();
}

function sampleGrade(): LabGrade {
  return {
    version: GRADER_VERSION,
    student: "ada",
    lab: { id: "01", slug: "01-goroutines", title: "Goroutines" },
    fingerprint: "f".repeat(64),
    score: 2,
    maxScore: 3,
    tests: [
      { name: "a", points: 2, score: 2, status: "passed", output: "" },
      { name: "b", points: 1, score: 0, status: "failed", output: "expected 1" },
    ],
    notes: [],
    durationMs: 1200,
    gradedAt: "2025-01-01T00:00:00.000Z",
  };
}

describe("writeFileAtomic", { skip: !onDeno && "needs Deno" }, () => {
  it("creates the folders, writes the content and leaves no temporary file", async () => {
    const target = `${dir}/fresh/deep/results.json`;
    await writeFileAtomic(target, '{"score":1}\n');
    assert.equal(await Deno.readTextFile(target), '{"score":1}\n');
    assert.deepEqual(await namesIn(`${dir}/fresh/deep`), ["results.json"]);
  });

  it("keeps the old file whole when a write fails halfway, and removes its temporary file", async () => {
    const target = `${dir}/crash/summary.json`;
    await writeFileAtomic(target, "old content\n");
    const crashHalfway = async (tempPath: string, bytes: Uint8Array) => {
      await Deno.writeFile(tempPath, bytes.subarray(0, bytes.byteLength / 2));
      throw new Error("simulated crash mid-write");
    };
    await assert.rejects(
      writeFileAtomic(target, "new content that never lands\n", crashHalfway),
      /simulated crash mid-write/,
    );
    assert.equal(await Deno.readTextFile(target), "old content\n");
    assert.deepEqual(await namesIn(`${dir}/crash`), ["summary.json"]);
  });

  it("never lets a reader see part of a file while it is rewritten", async () => {
    const target = `${dir}/race/gradebook.csv`;
    const versions = ["a".repeat(3_000_000), "b".repeat(2_000_000)];
    await writeFileAtomic(target, versions[0]);
    let writing = true;
    const writer = (async () => {
      for (let round = 1; round <= 12; round++) {
        await writeFileAtomic(target, versions[round % 2]);
      }
      writing = false;
    })();
    let reads = 0;
    while (writing) {
      const seen = await Deno.readTextFile(target);
      assert.ok(versions.includes(seen), `a reader saw ${seen.length} bytes: a partial file`);
      reads++;
    }
    await writer;
    assert.ok(reads > 0);
  });

  it("writes JSON with a final newline", async () => {
    const target = `${dir}/json/value.json`;
    await writeJsonAtomic(target, { score: 3 });
    assert.equal(await Deno.readTextFile(target), '{\n  "score": 3\n}\n');
  });
});

describe("leftover temporary files", { skip: !onDeno && "needs Deno" }, () => {
  it("are recognised by name, and removed without touching real files", async () => {
    const folder = `${dir}/leftovers`;
    await Deno.mkdir(folder, { recursive: true });
    const temp = `.01-goroutines.json.${crypto.randomUUID()}.tmp`;
    assert.equal(isLeftoverTemp(temp), true);
    assert.equal(isLeftoverTemp("01-goroutines.json"), false);
    assert.equal(isLeftoverTemp(".hidden.tmp"), false);
    await Deno.writeTextFile(`${folder}/${temp}`, '{"vers');
    await Deno.writeTextFile(`${folder}/01-goroutines.json`, "{}");
    await removeLeftoverTemps(folder);
    assert.deepEqual(await namesIn(folder), ["01-goroutines.json"]);
    await removeLeftoverTemps(`${dir}/no-such-folder`); // nothing to clean is fine
  });
});

describe("readLabGrade", { skip: !onDeno && "needs Deno" }, () => {
  it("reads back a grade it wrote", async () => {
    const path = `${dir}/grades/ada.json`;
    await writeJsonAtomic(path, sampleGrade());
    assert.deepEqual(await readLabGrade(path), sampleGrade());
  });

  it("treats a missing, truncated, foreign or malformed file as absent, so it is regraded", async () => {
    assert.equal(await readLabGrade(`${dir}/grades/nobody.json`), undefined);
    const truncated = `${dir}/grades/truncated.json`;
    await Deno.writeTextFile(truncated, JSON.stringify(sampleGrade()).slice(0, 50));
    assert.equal(await readLabGrade(truncated), undefined);
    assert.equal(parseLabGrade({ ...sampleGrade(), version: GRADER_VERSION + 1 }), undefined);
    assert.equal(parseLabGrade({ ...sampleGrade(), score: "2" }), undefined);
    const badTest = sampleGrade();
    (badTest.tests[0] as unknown as Record<string, unknown>).status = "ok";
    assert.equal(parseLabGrade(badTest), undefined);
    assert.equal(parseLabGrade([sampleGrade()]), undefined);
  });
});

describe("fingerprints", { skip: !onDeno && "needs Deno" }, () => {
  const lab: LabEntry = {
    id: "01",
    slug: "01-adder",
    title: "Adder",
    note: "notes/01-adder.md",
    files: ["adder.ts"],
  };
  let root = "";
  before(async () => {
    root = `${dir}/course`;
    const files: Record<string, string> = {
      "deno.json": '{"imports":{}}',
      "labs/primitives/mod.ts": "export const x = 1;\n",
      "labs/01-adder/adder.ts": "// TODO\n",
      "labs/01-adder/adder_test.ts": "// public\n",
      "grader/hidden/01-adder/adder_hidden_test.ts": "// hidden\n",
    };
    for (const [name, text] of Object.entries(files)) {
      const path = `${root}/${name}`;
      await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
      await Deno.writeTextFile(path, text);
    }
  });

  it("of the course change with the hidden tests, the primitives and the manifest entry, and only then", async () => {
    const paths = coursePaths(root);
    const first = await courseFingerprint(paths, lab);
    assert.match(first, /^[0-9a-f]{64}$/);
    assert.equal(await courseFingerprint(paths, lab), first);
    const hidden = `${root}/grader/hidden/01-adder/adder_hidden_test.ts`;
    await Deno.writeTextFile(hidden, "// hidden, fixed\n");
    const afterHidden = await courseFingerprint(paths, lab);
    assert.notEqual(afterHidden, first);
    await Deno.writeTextFile(`${root}/labs/primitives/mod.ts`, "export const x = 2;\n");
    const afterPrimitives = await courseFingerprint(paths, lab);
    assert.notEqual(afterPrimitives, afterHidden);
    assert.notEqual(
      await courseFingerprint(paths, { ...lab, points: { "adds": 2 } }),
      afterPrimitives,
    );
  });

  it("of a submission change with a file's content, not with the order files come in", async () => {
    const encode = (text: string) => new TextEncoder().encode(text);
    const a = { name: "a.ts", bytes: encode("export const a = 1;\n") };
    const b = { name: "b.ts", bytes: encode("export const b = 1;\n") };
    const course = "c".repeat(64);
    const base = await submissionFingerprint(course, [a, b], [], []);
    assert.equal(await submissionFingerprint(course, [b, a], [], []), base);
    const edited = { name: "b.ts", bytes: encode("export const b = 2;\n") };
    assert.notEqual(await submissionFingerprint(course, [a, edited], [], []), base);
    assert.notEqual(await submissionFingerprint("d".repeat(64), [a, b], [], []), base);
    assert.notEqual(await submissionFingerprint(course, [a], ["b.ts"], []), base);
  });
});
