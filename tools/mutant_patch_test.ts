import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { applyMutantPatch, mutantPatch, patchedFiles } from "./mutant_patch.ts";

const solution = "export function add(a: number, b: number): number {\n  return a + b;\n}\n";
const wrong = "export function add(a: number, b: number): number {\n  return a + b + 1;\n}\n";

describe("mutantPatch and applyMutantPatch", () => {
  it("turn the solution into the mutant and back into its header and text", () => {
    const patch = mutantPatch("adder.ts", solution, wrong, "// Mutant: adds one too many");
    assert.equal(patch.split("\n")[0], "// Mutant: adds one too many");
    assert.deepEqual(applyMutantPatch(patch, solution), {
      ok: true,
      header: "// Mutant: adds one too many",
      text: wrong,
    });
  });

  it("say a patch no longer applies once the solution changed under it", () => {
    const patch = mutantPatch("adder.ts", solution, wrong, "// Mutant: adds one too many");
    const moved = solution.replace("a + b", "b + a");
    const applied = applyMutantPatch(patch, moved);
    assert.equal(applied.ok, false);
    assert.match(!applied.ok ? applied.why : "", /no longer applies to the solution's file/);
  });

  it("refuse a patch without a diff, a header of two lines, and a mutant equal to the solution", () => {
    const applied = applyMutantPatch("// Mutant: only words\n", solution);
    assert.equal(applied.ok, false);
    assert.match(!applied.ok ? applied.why : "", /holds no unified diff/);
    assert.throws(() => mutantPatch("adder.ts", solution, wrong, "// Mutant: a\nb"), RangeError);
    assert.throws(() => mutantPatch("adder.ts", solution, solution, "// Mutant: x"), /the same as/);
  });
});

describe("patchedFiles", () => {
  it("patches every file a folder names and lists each patch that does not apply", async () => {
    const good = mutantPatch("adder.ts", solution, wrong, "// Mutant: adds one too many");
    const stale = mutantPatch("total.ts", "a\n", "b\n", "// Mutant: made for another total.ts");
    const read = (file: string) => Promise.resolve(file === "adder.ts" ? solution : "c\n");
    const { files, problems } = await patchedFiles(
      { "adder.ts.patch": good, "total.ts.patch": stale },
      read,
    );
    assert.deepEqual(files, { "adder.ts": wrong });
    assert.equal(problems.length, 1);
    assert.match(problems[0], /^total\.ts\.patch: it no longer applies/);
  });
});
