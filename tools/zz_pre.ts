const t0 = performance.now();
await import("ses");
const t1 = performance.now();
// deno-lint-ignore no-explicit-any
(globalThis as any).lockdown({ errorTaming: "unsafe", errorTrapping: "none", reporting: "none", unhandledRejectionTrapping: "none", regExpTaming: "safe", localeTaming: "unsafe", consoleTaming: "unsafe", overrideTaming: "severe" });
const t2 = performance.now();
await import("node:assert/strict");
const t3 = performance.now();
await import("../labs/primitives/mod.ts");
const t4 = performance.now();
await import("node:test");
const t5 = performance.now();
await import("@sinonjs/fake-timers");
const t6 = performance.now();
console.log(`ses import ${(t1-t0).toFixed(0)} lockdown ${(t2-t1).toFixed(0)} assert ${(t3-t2).toFixed(0)} primitives ${(t4-t3).toFixed(0)} node:test ${(t5-t4).toFixed(0)} fake-timers ${(t6-t5).toFixed(0)} ms`);
