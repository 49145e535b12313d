/**
 * Loaded before the hidden tests in every grading sandbox (`deno test
 * --preload`), from the copy the grader puts at `<sandbox>/grader/`.
 *
 * The hidden tests and the student's code run in one isolate and share module
 * instances: the `assert` object of `node:assert/strict`, the primitives'
 * `runtime`. Student code could replace `assert.equal` or
 * `runtime.assertNoLeaks` with functions that never throw, and every test would
 * pass. Freezing those shared objects first turns such an assignment into a
 * TypeError in the student's own code; the tests keep their real assertions.
 *
 * It has no exports: it runs for its effect.
 *
 * @example
 * ```ts
 * // deno test --preload=grader/sandbox_preload.ts labs/01-goroutines/tracker_hidden_test.ts
 * import "./sandbox_preload.ts";
 * import assert from "node:assert/strict";
 * Object.isFrozen(assert); // → true
 * ```
 * @module
 */

import assert from "node:assert";
import strictAssert from "node:assert/strict";
import * as primitives from "../labs/primitives/mod.ts";

const shared: object[] = [assert, strictAssert];
// Plain objects the primitives export (such as `runtime`) are shared mutable state;
// namespaces (`context`, `sync`, …) are module namespace objects, immutable already.
for (const value of Object.values(primitives)) {
  if (
    typeof value === "object" && value !== null && Object.getPrototypeOf(value) === Object.prototype
  ) {
    shared.push(value);
  }
}
for (const target of shared) Object.freeze(target);
