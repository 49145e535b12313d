/**
 * Loaded before the hidden tests in every grading sandbox (`deno test
 * --preload`), from the copy the grader puts at `<sandbox>/grader/`.
 *
 * The hidden tests, the student's code and Deno's test runner share one realm.
 * A student module that defines a `then` getter on `Object.prototype`, patches
 * `Promise.prototype.then` or `Set.prototype.add` at import time changes how
 * the runner and the tests behave, and can make every test report `ok`. So the
 * realm is frozen first, with `ses`'s `lockdown()`: every intrinsic (the
 * prototypes, the constructors, `Math`, `JSON`, …) becomes immutable, and such
 * an assignment throws in the student's own module. The objects the tests share
 * with the student's code (the `assert` functions, the primitives' `runtime`)
 * are hardened as well, and the global names of the intrinsics are made
 * read-only, so that `globalThis.Promise = …` cannot hand the tests a fake.
 *
 * Two things stay replaceable because `@sinonjs/fake-timers` replaces them on
 * every `install()`: the timer functions on `globalThis` (lockdown leaves the
 * global object itself alone), and `Date.now` and `Temporal.Now`. `lockdown()`
 * makes those non-writable, and fake-timers assigns `now` on a subclass of
 * `Date` (which an inherited read-only property forbids) and redefines
 * `Temporal.Now` on a copy. So `Date` and `Temporal` are given back as thin
 * stand-ins over the frozen originals, with those two properties writable.
 *
 * `lockdown()` removes the built-ins its version does not know yet (with ses
 * 2.3.0 and Deno 2.9: `RegExp.escape` and `Error.isError`), so neither the
 * tests nor the labs may use them. Workers start realms of their own, which are
 * not frozen: code there cannot reach the tests' realm, only post messages to it.
 *
 * The Web storage a sandbox could fill without any write permission
 * (`caches`, `localStorage`, `sessionStorage`) is removed.
 *
 * It has no exports: it runs for its effect.
 *
 * @example
 * ```ts
 * // deno test --preload=grader/sandbox_preload.ts labs/01-goroutines/tracker_hidden_test.ts
 * import "./sandbox_preload.ts";
 * Object.isFrozen(Object.prototype); // → true
 * ```
 * @module
 */

import "ses";
import assert from "node:assert";
import strictAssert from "node:assert/strict";
import * as primitives from "../labs/primitives/mod.ts";

// Every option is given, so that lockdown() never reads the environment (the
// sandbox may not), and chosen so the tests behave as without it: stacks and
// console left as they are, eval allowed, overrides by assignment of the
// built-in names (a subclass's `name`, `toString`) kept working.
lockdown({
  errorTaming: "unsafe",
  errorTrapping: "none",
  reporting: "none",
  unhandledRejectionTrapping: "none",
  regExpTaming: "safe",
  localeTaming: "unsafe",
  consoleTaming: "unsafe",
  overrideTaming: "severe",
  stackFiltering: "verbose",
  domainTaming: "unsafe",
  evalTaming: "unsafe-eval",
  overrideDebug: [],
  legacyRegeneratorRuntimeTaming: "safe",
  __hardenTaming__: "safe",
});

type Globals = Record<string, unknown>;
const globals = globalThis as unknown as Globals;

/** `Date` with its own writable `now`; instances, `UTC`, `parse` are the frozen original's. */
function replaceableDate(locked: DateConstructor): DateConstructor {
  function GraderDate(this: unknown, ...args: unknown[]): unknown {
    return new.target ? Reflect.construct(locked, args, new.target) : locked();
  }
  Object.setPrototypeOf(GraderDate, locked);
  Object.defineProperty(GraderDate, "prototype", { value: locked.prototype });
  Object.defineProperty(GraderDate, "now", {
    value: locked.now,
    writable: true,
    configurable: true,
  });
  return GraderDate as unknown as DateConstructor;
}

/** A copy of a frozen namespace object whose properties may be redefined. */
function redefinableCopy(locked: object): object {
  const copy = Object.create(Object.getPrototypeOf(locked));
  for (const key of Reflect.ownKeys(locked)) {
    const descriptor = Object.getOwnPropertyDescriptor(locked, key)!;
    Object.defineProperty(copy, key, { ...descriptor, configurable: true });
  }
  return copy;
}

globals.Date = replaceableDate(Date);
if (globals.Temporal !== undefined) globals.Temporal = redefinableCopy(globals.Temporal as object);

for (const name of ["caches", "localStorage", "sessionStorage"]) delete globals[name];

// The intrinsics the tests reach by their global names; fake-timers replaces none of them.
const INTRINSIC_GLOBALS = [
  "Object",
  "Function",
  "Array",
  "Promise",
  "Set",
  "Map",
  "WeakMap",
  "WeakSet",
  "WeakRef",
  "Symbol",
  "Error",
  "TypeError",
  "RangeError",
  "AggregateError",
  "JSON",
  "Reflect",
  "Proxy",
  "Math",
  "String",
  "Number",
  "Boolean",
  "BigInt",
  "RegExp",
  "ArrayBuffer",
  "SharedArrayBuffer",
  "Atomics",
  "Uint8Array",
  "Int32Array",
];
for (const name of INTRINSIC_GLOBALS) {
  if (name in globals) {
    Object.defineProperty(globals, name, { writable: false, configurable: false });
  }
}

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
for (const target of shared) harden(target);
