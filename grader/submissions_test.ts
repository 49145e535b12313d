import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { LabEntry } from "../core/course.ts";
import {
  collectLabFiles,
  findSubmissions,
  type Submission,
  SubmissionsError,
} from "./submissions.ts";

const onDeno = typeof Deno !== "undefined";
let dir = "";
before(async () => {
  if (!onDeno) return;
  dir = await Deno.makeTempDir({ prefix: "grader-submissions-test-" });
});
after(async () => {
  if (onDeno) await Deno.remove(dir, { recursive: true });
});

async function write(path: string, text: string): Promise<void> {
  await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
  await Deno.writeTextFile(path, text);
}

const lab: LabEntry = {
  id: "04",
  slug: "04-channels",
  title: "Channels",
  note: "notes/04-channels.md",
  files: ["first.ts", "pipeline.ts"],
};

const slugs = ["01-goroutines", "04-channels"];

describe("findSubmissions", { skip: !onDeno && "needs Deno" }, () => {
  it("says so when the folder does not exist, is a file, or holds no submission", async () => {
    await assert.rejects(
      findSubmissions(`${dir}/missing`, slugs),
      (error: Error) =>
        error instanceof SubmissionsError && /folder .*missing does not exist/.test(error.message),
    );
    await write(`${dir}/a-file`, "not a folder");
    await assert.rejects(findSubmissions(`${dir}/a-file`, slugs), /a-file is not a folder/);
    await Deno.mkdir(`${dir}/empty`);
    await assert.rejects(findSubmissions(`${dir}/empty`, slugs), /empty holds no submissions/);
    await write(`${dir}/only-clutter/.DS_Store`, "");
    await write(`${dir}/only-clutter/notes.txt`, "");
    await Deno.mkdir(`${dir}/only-clutter/__MACOSX`);
    await assert.rejects(findSubmissions(`${dir}/only-clutter`, slugs), /holds no submissions/);
  });

  it("lists one submission per student folder, sorted, and every other entry as skipped with a reason", async () => {
    const root = `${dir}/class`;
    await write(`${root}/zoe/labs/04-channels/first.ts`, "");
    await write(`${root}/ada/labs/04-channels/first.ts`, "");
    await write(`${root}/.git/config`, "");
    await write(`${root}/roster.csv`, "");
    const found = await findSubmissions(root, slugs);
    assert.deepEqual(found.submissions, [
      { student: "ada", dir: `${root}/ada`, labsDir: `${root}/ada/labs` },
      { student: "zoe", dir: `${root}/zoe`, labsDir: `${root}/zoe/labs` },
    ]);
    assert.deepEqual(found.skipped.map((entry) => entry.name), [".git", "roster.csv"]);
    assert.match(found.skipped[0].reason, /starts with a dot/);
    assert.match(found.skipped[1].reason, /a file/);
  });

  it("a student folder named labs is one student among the others, not the class's labs", async () => {
    const root = `${dir}/labs-named`;
    await write(`${root}/labs/04-channels/first.ts`, "");
    await write(`${root}/ada/04-channels/first.ts`, "");
    const found = await findSubmissions(root, slugs);
    assert.deepEqual(found.submissions.map((one) => [one.student, one.labsDir]), [
      ["ada", `${root}/ada`],
      ["labs", `${root}/labs`],
    ]);
  });

  it("accepts the solutions' shape <student>/<lab>/ as well as <student>/labs/<lab>/", async () => {
    const root = `${dir}/shapes`;
    await write(`${root}/ada/04-channels/first.ts`, "");
    await write(`${root}/bob/labs/04-channels/first.ts`, "");
    const found = await findSubmissions(root, slugs);
    assert.deepEqual(found.submissions.map((one) => one.labsDir), [
      `${root}/ada`,
      `${root}/bob/labs`,
    ]);
  });

  it("with single, takes the folder as the one submission, named after the folder", async () => {
    await write(`${dir}/solo/ada/labs/04-channels/first.ts`, "");
    assert.deepEqual((await findSubmissions(`${dir}/solo/ada/`, slugs, true)).submissions, [
      { student: "ada", dir: `${dir}/solo/ada/`, labsDir: `${dir}/solo/ada/labs` },
    ]);
  });

  it("finds the labs inside the single folder an archive wraps the work in, and says so", async () => {
    const root = `${dir}/wrapped`;
    await write(`${root}/ada/workbook-main/labs/04-channels/first.ts`, "");
    await write(`${root}/bob/notes.txt`, "");
    await write(`${root}/cy/cy-work/01-goroutines/tracker.ts`, "");
    const [ada, bob, cy] = (await findSubmissions(root, slugs)).submissions;
    assert.equal(ada.labsDir, `${root}/ada/workbook-main/labs`);
    assert.equal(ada.note, "its labs/ was found inside workbook-main/");
    assert.equal(bob.labsDir, null);
    assert.match(bob.note ?? "", /no lab folder/);
    assert.equal(cy.labsDir, `${root}/cy/cy-work`);
  });

  it("does not follow a student folder or a labs/ folder that is a symbolic link", async () => {
    const root = `${dir}/links`;
    await write(`${dir}/elsewhere/labs/04-channels/first.ts`, "export {};");
    await Deno.mkdir(`${root}/cy`, { recursive: true });
    await Deno.symlink(`${dir}/elsewhere`, `${root}/ada`);
    await Deno.symlink(`${dir}/elsewhere/labs`, `${root}/cy/labs`);
    const [ada, cy] = (await findSubmissions(root, slugs)).submissions;
    assert.deepEqual([ada.student, ada.labsDir], ["ada", null]);
    assert.match(ada.note ?? "", /symbolic link/);
    assert.deepEqual([cy.student, cy.labsDir], ["cy", null]);
    assert.match(cy.note ?? "", /labs\/ is a symbolic link/);
  });
});

describe("collectLabFiles", { skip: !onDeno && "needs Deno" }, () => {
  const submission = (name: string): Submission => ({
    student: name,
    dir: `${dir}/files/${name}`,
    labsDir: `${dir}/files/${name}/labs`,
  });

  it("takes only the files the manifest lists, and lists the missing ones", async () => {
    const labDir = `${dir}/files/ada/labs/04-channels`;
    await write(`${labDir}/first.ts`, "export const first = 1;\n");
    await write(`${labDir}/first_test.ts`, "// the student's own test: ignored");
    await write(`${labDir}/helper.ts`, "// not in the manifest: ignored");
    await write(`${dir}/files/ada/labs/primitives/mod.ts`, "// never taken");
    const files = await collectLabFiles(submission("ada"), lab);
    assert.deepEqual(files.present.map((file) => file.name), ["first.ts"]);
    assert.equal(new TextDecoder().decode(files.present[0].bytes), "export const first = 1;\n");
    assert.deepEqual(files.missing, ["pipeline.ts"]);
    assert.deepEqual(files.refused, []);
  });

  it("lists every file as missing when the lab folder or labs/ is absent", async () => {
    await Deno.mkdir(`${dir}/files/bob/labs`, { recursive: true });
    assert.deepEqual(await collectLabFiles(submission("bob"), lab), {
      present: [],
      missing: ["first.ts", "pipeline.ts"],
      refused: [],
    });
    const none: Submission = { student: "cy", dir: `${dir}/x`, labsDir: null };
    assert.deepEqual((await collectLabFiles(none, lab)).missing, ["first.ts", "pipeline.ts"]);
  });

  it("refuses a symbolic link, a folder in a file's place and an oversized file, with reasons", async () => {
    const labDir = `${dir}/files/dan/labs/04-channels`;
    await write(`${dir}/secret.ts`, "export const secret = 42;\n");
    await Deno.mkdir(labDir, { recursive: true });
    await Deno.symlink(`${dir}/secret.ts`, `${labDir}/first.ts`);
    await Deno.mkdir(`${labDir}/pipeline.ts`);
    const files = await collectLabFiles(submission("dan"), lab);
    assert.deepEqual(files.present, []);
    assert.deepEqual(files.refused, [
      "labs/04-channels/first.ts is a symbolic link; hand in the file itself",
      "labs/04-channels/pipeline.ts is not a regular file",
    ]);
    await write(`${dir}/files/eve/labs/04-channels/first.ts`, "x".repeat(5000));
    const big = await collectLabFiles(submission("eve"), lab, 4096);
    assert.deepEqual(big.refused, ["labs/04-channels/first.ts is 5 KiB, over the 4 KiB limit"]);
    assert.deepEqual(big.present, []);
  });

  it("refuses a lab folder that is a symbolic link", async () => {
    await write(`${dir}/real-lab/first.ts`, "export {};\n");
    await Deno.mkdir(`${dir}/files/fay/labs`, { recursive: true });
    await Deno.symlink(`${dir}/real-lab`, `${dir}/files/fay/labs/04-channels`);
    const files = await collectLabFiles(submission("fay"), lab);
    assert.deepEqual(files.present, []);
    assert.deepEqual(files.refused, [
      "labs/04-channels is a symbolic link; hand in a real folder with the files in it",
    ]);
  });

  it("refuses a named pipe, which could block the grader's read forever", {
    skip: (!onDeno || Deno.build.os === "windows") && "needs mkfifo, on Deno",
  }, async () => {
    const labDir = `${dir}/files/gus/labs/04-channels`;
    await Deno.mkdir(labDir, { recursive: true });
    const made = await new Deno.Command("mkfifo", { args: [`${labDir}/first.ts`] }).output();
    assert.equal(made.success, true, "mkfifo failed");
    const files = await collectLabFiles(submission("gus"), lab);
    assert.deepEqual(files.refused, ["labs/04-channels/first.ts is not a regular file"]);
  });
});
