import { it } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
it("unhandled", async () => {
  console.log("listeners", process.listeners("unhandledRejection").map(String), process.listeners("uncaughtException").map(String));
  const saved = process.listeners("unhandledRejection");
  process.removeAllListeners("unhandledRejection");
  const seen: unknown[] = [];
  const nodeHandler = (reason: unknown) => { seen.push(reason); };
  process.on("unhandledRejection", nodeHandler);
  try {
    const p = (async () => { await null; throw new Error("boom"); })();
    void p;
    for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 0));
    assert.ok(seen.length >= 1);
  } finally { process.off("unhandledRejection", nodeHandler); for (const l of saved) process.on("unhandledRejection", l as never); }
});
