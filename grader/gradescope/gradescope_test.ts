import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { copyTree, fileUrlToPath } from "../../core/lab_env.ts";
import type { GradescopeResults } from "../results.ts";

const onDeno = typeof Deno !== "undefined";
const course = fileUrlToPath(new URL("../..", import.meta.url));
const here = fileUrlToPath(new URL(".", import.meta.url));
/** One lab and one seed keep these runs short; the grading itself is tested in grade_test.ts. */
const GRADER_ARGS = "--labs 01 --seeds 1";
let work = "";

before(async () => {
  if (onDeno) work = await Deno.makeTempDir({ prefix: "gradescope-test-" });
});
after(async () => {
  if (onDeno) await Deno.remove(work, { recursive: true });
});

async function bash(script: string, args: string[], env: Record<string, string>) {
  const output = await new Deno.Command("bash", {
    args: [script, ...args],
    env: { ...env, PATH: `${course}/node_modules/.bin:${Deno.env.get("PATH")}` },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return { code: output.code, stdout: text(output.stdout), stderr: text(output.stderr) };
}

/** Copies lab 01's solution or starter files (no tests) to `target`. */
async function handIn(from: "solutions" | "labs", target: string) {
  await copyTree(
    `${course}/${from}/01-goroutines`,
    target,
    (name) => !name.endsWith(".ts") || name.endsWith("_test.ts"),
  );
}

describe("Gradescope's run_autograder, with /autograder faked", {
  skip: !onDeno && "runs bash and deno",
}, () => {
  it("writes results.json with full marks for lab 01's solution handed in as <lab>/<file>.ts", async () => {
    const root = `${work}/full`;
    await handIn("solutions", `${root}/submission/01-goroutines`);
    const run = await bash(`${here}/run_autograder`, [], {
      AUTOGRADER_ROOT: root,
      AUTOGRADER_SOURCE: course,
      GRADER_ARGS,
    });
    assert.equal(run.code, 0, run.stderr);
    const results = JSON.parse(
      await Deno.readTextFile(`${root}/results/results.json`),
    ) as GradescopeResults;
    assert.ok(results.tests.length > 0);
    assert.equal(results.score, results.tests.reduce((total, test) => total + test.max_score, 0));
    assert.ok(results.tests.every((test) => test.visibility === "after_due_date"));
  });

  it("writes a results.json that says why when the submission holds no lab", async () => {
    const root = `${work}/empty`;
    await Deno.mkdir(`${root}/submission/notes`, { recursive: true });
    await bash(`${here}/run_autograder`, [], { AUTOGRADER_ROOT: root, AUTOGRADER_SOURCE: course });
    const results = JSON.parse(await Deno.readTextFile(`${root}/results/results.json`));
    assert.equal(results.score, 0);
    assert.match(
      results.output,
      /could not be graded \(exit 1\):\ngrade: no submission .* holds any/,
    );
  });
});

describe("GitHub Classroom's grading step, with the workspace faked", {
  skip: !onDeno && "runs bash and deno",
}, () => {
  it("runs setup and the autograder on the student's labs/ and writes the score per lab to the summary", async () => {
    const student = `${work}/student-repo`;
    await handIn("labs", `${student}/labs/01-goroutines`);
    await Deno.mkdir(`${student}/.github/workflows`, { recursive: true });
    const summary = `${work}/summary.md`;
    const run = await bash(`${course}/grader/classroom/grade.sh`, [
      student,
      course,
      `${work}/classroom-results`,
    ], { GITHUB_STEP_SUMMARY: summary, GRADER_ARGS });
    assert.equal(run.code, 0, run.stderr);
    const results = JSON.parse(
      await Deno.readTextFile(`${work}/classroom-results/results.json`),
    ) as GradescopeResults;
    const text = await Deno.readTextFile(summary);
    assert.match(text, new RegExp(`^## Score: ${results.score}\\n`));
    assert.match(text, /\| 01-goroutines \| \d+(\.\d+)?\/\d+(\.\d+)? \|/);
    assert.ok(!text.includes("expected"), "a test's message reached the summary");
  });

  it("names grade.sh in the workflow students get", async () => {
    const workflow = await Deno.readTextFile(`${course}/grader/classroom/autograding.yml`);
    assert.match(
      workflow,
      /run: sudo -E bash course\/grader\/classroom\/grade\.sh student course results/,
    );
  });
});
