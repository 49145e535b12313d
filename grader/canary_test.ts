import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { TestResult } from "../core/test_report.ts";
import { canarySource, checkCanaries, MUST_FAIL, MUST_PASS, newCanarySecret } from "./canary.ts";

const secret = "0123456789abcdef0123456789abcdef";
const result = (name: string, status: TestResult["status"], message?: string): TestResult => {
  const parts = name.split(" > ");
  return { name, leaf: parts.at(-1)!, groups: parts.slice(0, -1), status, message };
};
const honest = [
  result("adder > adds", "passed"),
  result(MUST_PASS, "passed"),
  result(
    MUST_FAIL,
    "failed",
    `AssertionError: Expected values to be strictly equal:\n\n"forged-${secret}" !== "expected-${secret}"`,
  ),
];

describe("checkCanaries", () => {
  it("finds no contradiction in an honest report, and takes the canaries out of it", () => {
    assert.deepEqual(checkCanaries(honest, secret), { tests: [honest[0]] });
  });

  it("finds a contradiction when the must-fail canary passed (every test forced to ok)", () => {
    const forged = honest.map((test) => ({ ...test, status: "passed" as const }));
    assert.match(checkCanaries(forged, secret).contradiction ?? "", /must fail passed/);
  });

  it("finds a contradiction when the must-pass canary failed", () => {
    const broken = honest.map((test) => ({ ...test, status: "failed" as const }));
    assert.match(checkCanaries(broken, secret).contradiction ?? "", /must pass did not pass/);
  });

  it("finds a contradiction when the failure does not carry this run's secret", () => {
    const stale = honest.map((test) => test.name === MUST_FAIL ? { ...test, message: "x" } : test);
    assert.match(checkCanaries(stale, secret).contradiction ?? "", /secret/);
  });

  it("finds a contradiction when a duplicate of a canary disagrees", () => {
    const doubled = [...honest, result(MUST_FAIL, "passed")];
    assert.match(checkCanaries(doubled, secret).contradiction ?? "", /must fail passed/);
  });

  it("treats a report with neither canary as a run that ended early, not a forgery", () => {
    assert.deepEqual(checkCanaries([honest[0]], secret), { tests: [honest[0]] });
  });
});

describe("canarySource", () => {
  it("expects the secret in both canaries and refuses a secret that is not hex", () => {
    const fresh = newCanarySecret();
    assert.match(fresh, /^[0-9a-f]{32}$/);
    assert.notEqual(fresh, newCanarySecret());
    assert.equal(canarySource(fresh).split(fresh).length - 1, 4);
    assert.throws(() => canarySource('"; evil()'), RangeError);
  });
});
