import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { progressLine, progressReporter } from "./progress.ts";

describe("progressLine", () => {
  it("shows done/total, the student and lab, and the time left at the pace so far", () => {
    assert.equal(
      progressLine(
        { done: 30, total: 120, student: "ada", lab: "04-channels", elapsedMs: 60_000 },
        80,
      ),
      "[#####...............]  30/120 ada 04-channels ETA 3m00s",
    );
  });

  it("shows control characters in a name as ? and fits the terminal's width", () => {
    const progress = {
      done: 1,
      total: 2,
      student: "x\u001b[2J\u0007",
      lab: "01-goroutines",
      elapsedMs: 1000,
    };
    assert.match(progressLine(progress, 80), / x\?\[2J\? 01-goroutines /);
    assert.equal(progressLine(progress, 24).length, 23);
  });
});

describe("progressReporter", () => {
  it("redraws one line in place, prints other lines above it, and keeps per-lab lines off", () => {
    let screen = "";
    const printed: string[] = [];
    const progress = progressReporter({ write: (text) => (screen += text), columns: () => 80 });
    const log = progress.log((line) => printed.push(line));
    progress.update({ done: 1, total: 2, student: "ada", lab: "01-goroutines", elapsedMs: 1000 });
    log("[1/2] ada 01-goroutines: 5/5 points (1.0 s)");
    log("warning: something worth saying");
    progress.update({ done: 2, total: 2, student: "bob", lab: "01-goroutines", elapsedMs: 2000 });
    progress.finish();
    assert.deepEqual(printed, ["warning: something worth saying"]);
    assert.equal(screen.split("\r\u001b[2K").length, 3);
    assert.ok(screen.endsWith("2/2 bob 01-goroutines ETA 0s\n"));
  });
});
