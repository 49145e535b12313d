/**
 * Mutants are kept as patches against the solution, not as copies of it.
 *
 * A mutant's folder holds, for each student file it changes, `<file>.patch`:
 * one line naming the bug (`// Mutant: …`, `// Mutant (racy): …` or, for the
 * seeded fixtures, `// Mutant (seeded): …`), then a unified diff from the
 * solution's file to the wrong one. A copy of a whole solution file repeated
 * every line of it once per mutant, and went on running the old solution's
 * code after the solution changed; a patch holds the bug alone, and a patch
 * that no longer applies says that the solution moved under it.
 *
 * To make one: copy the solution's file, put the bug in, then
 *
 *     deno run --allow-read tools/mutant_patch.ts solutions/04-channels/drop.ts my_drop.ts \
 *       "// Mutant: drop-oldest keeps the oldest value" > grader/hidden/04-channels/mutants/<id>/drop.ts.patch
 *
 * @example
 * ```ts
 * import { applyMutantPatch, mutantPatch } from "./mutant_patch.ts";
 * const patch = mutantPatch("drop.ts", "a\nb\n", "a\nB\n", "// Mutant: b is upper-case");
 * applyMutantPatch(patch, "a\nb\n"); // → { ok: true, header: "// Mutant: b is upper-case", text: "a\nB\n" }
 * ```
 * @module
 */

import { applyPatch, createTwoFilesPatch } from "diff";

/** The suffix of a mutant's patch file: `drop.ts` is changed by `drop.ts.patch`. */
export const PATCH_SUFFIX = ".patch";

/**
 * The patch file that turns `solution` into `mutant`, headed by `header` (the
 * `// Mutant: …` line).
 *
 * @throws {RangeError} when the header is not one line, or the two texts are the same.
 * @example
 * ```ts
 * import { mutantPatch } from "./mutant_patch.ts";
 * mutantPatch("drop.ts", "a\n", "b\n", "// Mutant: a became b").split("\n")[0]; // → "// Mutant: a became b"
 * ```
 */
export function mutantPatch(
  file: string,
  solution: string,
  mutant: string,
  header: string,
): string {
  if (header.includes("\n") || header.trim() === "") {
    throw new RangeError(
      `Cannot make a mutant patch: the header must be one line, received "${header}"`,
    );
  }
  if (solution === mutant) {
    throw new RangeError(`Cannot make a mutant patch: ${file} is the same as the solution's`);
  }
  const diff = createTwoFilesPatch(
    `solution/${file}`,
    `mutant/${file}`,
    solution,
    mutant,
    undefined,
    undefined,
    {
      context: 3,
    },
  );
  return `${header}\n${diff}`;
}

/** A patch applied to its solution file, or why it could not be. */
export type AppliedPatch =
  | { ok: true; header: string; text: string }
  | { ok: false; header: string; why: string };

/**
 * Applies a mutant's patch file to the solution's text.
 *
 * @example
 * ```ts
 * import { applyMutantPatch } from "./mutant_patch.ts";
 * const applied = applyMutantPatch(await Deno.readTextFile("m/drop.ts.patch"), await Deno.readTextFile("solutions/04-channels/drop.ts"));
 * if (!applied.ok) console.error(applied.why);
 * ```
 */
export function applyMutantPatch(patch: string, solution: string): AppliedPatch {
  const header = patch.split("\n", 1)[0];
  if (!/^(---|\+\+\+|@@) /m.test(patch)) {
    return { ok: false, header, why: "it holds no unified diff after its first line" };
  }
  let text: string | false;
  try {
    text = applyPatch(solution, patch);
  } catch (error) {
    return {
      ok: false,
      header,
      why: `it is not a patch jsdiff can read (${(error as Error).message})`,
    };
  }
  if (text === false) {
    return {
      ok: false,
      header,
      why:
        "it no longer applies to the solution's file, which changed since the mutant was made: " +
        "make the patch again (tools/mutant_patch.ts)",
    };
  }
  return { ok: true, header, text };
}

/**
 * Applies a mutant folder's patches (`<file>.patch` to its text) to the
 * solution's files, read with `readSolution`: the patched files by name, and a
 * line for each patch that did not apply.
 *
 * @example
 * ```ts
 * import { patchedFiles } from "./mutant_patch.ts";
 * const { files, problems } = await patchedFiles(
 *   { "drop.ts.patch": await Deno.readTextFile("mutants/keeps-oldest/drop.ts.patch") },
 *   (file) => Deno.readTextFile(`solutions/04-channels/${file}`),
 * );
 * ```
 */
export async function patchedFiles(
  patches: Record<string, string>,
  readSolution: (file: string) => Promise<string>,
): Promise<{ files: Record<string, string>; problems: string[] }> {
  const files: Record<string, string> = {};
  const problems: string[] = [];
  for (const [name, patch] of Object.entries(patches)) {
    const file = name.slice(0, -PATCH_SUFFIX.length);
    const applied = applyMutantPatch(patch, await readSolution(file));
    if (applied.ok) files[file] = applied.text;
    else problems.push(`${name}: ${applied.why}`);
  }
  return { files, problems };
}

if (import.meta.main) {
  const [solutionFile, mutantFile, header] = Deno.args;
  if (header === undefined || Deno.args.length !== 3) {
    console.error(
      'Usage: deno run --allow-read tools/mutant_patch.ts <solution file> <wrong copy> "// Mutant: <the bug>"',
    );
    Deno.exit(2);
  }
  const name = solutionFile.slice(solutionFile.lastIndexOf("/") + 1);
  try {
    console.log(
      mutantPatch(
        name,
        await Deno.readTextFile(solutionFile),
        await Deno.readTextFile(mutantFile),
        header,
      )
        .trimEnd(),
    );
  } catch (error) {
    console.error(`mutant_patch: ${(error as Error).message}`);
    Deno.exit(1);
  }
}
