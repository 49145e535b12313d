/**
 * Canary tests: two tests the grader adds to every hidden run, whose outcome it
 * knows in advance. One must pass and one must fail, and the failing one's
 * expected value holds a secret made for this run only, which its failure
 * message must carry. A report where the must-fail test passed, the must-pass
 * test failed, either is missing, or the failure lacks the secret was shaped by
 * something other than the tests (student code that patched the runner's realm),
 * and the lab is zeroed with that reason. A report without either canary is a
 * run that ended before reaching them, not a contradiction.
 *
 * @example
 * ```ts
 * import { canarySource, checkCanaries, newCanarySecret } from "./canary.ts";
 * const secret = newCanarySecret();
 * const source = canarySource(secret); // written beside the hidden tests, run last
 * // …after the run:
 * // const { tests, contradiction } = checkCanaries(report, secret);
 * ```
 * @module
 */

import type { TestResult } from "../core/test_report.ts";

/** The canary file's name in the sandbox's lab folder (denied to the tested code like the hidden tests). */
export const CANARY_FILE = "grader_canary_hidden_test.ts";
/** The canaries' group in the report. */
export const CANARY_GROUP = "grader canary";
/** The full name of the canary that must pass. */
export const MUST_PASS = `${CANARY_GROUP} > passes in an honest run`;
/** The full name of the canary that must fail. */
export const MUST_FAIL = `${CANARY_GROUP} > fails in an honest run`;

/**
 * A fresh secret for one run: 32 hex digits from the system's random source.
 *
 * @example
 * ```ts
 * import { newCanarySecret } from "./canary.ts";
 * newCanarySecret(); // → "9f3c…" (32 hex digits)
 * ```
 */
export function newCanarySecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return [...bytes].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

/**
 * The canary test file for a run with `secret`.
 *
 * @example
 * ```ts
 * import { canarySource } from "./canary.ts";
 * canarySource("ab12").includes("ab12"); // → true
 * ```
 */
export function canarySource(secret: string): string {
  if (!/^[0-9a-f]+$/.test(secret)) {
    throw new RangeError(`a canary secret is hex digits, not ${secret}`);
  }
  return `import { describe, it } from "node:test";
import assert from "node:assert/strict";

describe("${CANARY_GROUP}", () => {
  it("passes in an honest run", () => {
    assert.equal(["canary", "${secret}"].join("-"), "canary-${secret}");
  });
  it("fails in an honest run", () => {
    assert.equal(["forged", "${secret}"].join("-"), "expected-${secret}");
  });
});
`;
}

/**
 * Takes the canaries out of a report and says whether the report contradicts
 * them: `contradiction` names what is wrong, `undefined` when both behaved or
 * neither ran.
 *
 * @example
 * ```ts
 * import { checkCanaries, MUST_FAIL, MUST_PASS } from "./canary.ts";
 * const report = [
 *   { name: MUST_PASS, leaf: "", groups: [], status: "passed" as const },
 *   { name: MUST_FAIL, leaf: "", groups: [], status: "passed" as const },
 * ];
 * checkCanaries(report, "ab12").contradiction; // → "the canary test that must fail passed"
 * ```
 */
export function checkCanaries(
  report: TestResult[],
  secret: string,
): { tests: TestResult[]; contradiction?: string } {
  const tests = report.filter((test) =>
    test.groups[0] !== CANARY_GROUP && test.name !== CANARY_GROUP
  );
  const pass = report.filter((test) => test.name === MUST_PASS);
  const fail = report.filter((test) => test.name === MUST_FAIL);
  let contradiction: string | undefined;
  // Missing canaries mean the run ended before them (a Deno.exit in the student's code):
  // the tests not reached score nothing anyway, and those that reported stand.
  if (pass.length === 0 && fail.length === 0) return { tests };
  if (pass.some((test) => test.status !== "passed")) {
    contradiction = "the canary test that must pass did not pass";
  } else if (fail.some((test) => test.status !== "failed")) {
    contradiction = "the canary test that must fail passed";
  } else if (
    fail.some((test) => !`${test.message ?? ""}\n${test.details ?? ""}`.includes(secret))
  ) {
    contradiction = "the canary test's failure does not carry this run's secret";
  }
  return { tests, ...(contradiction === undefined ? {} : { contradiction }) };
}
