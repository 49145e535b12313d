import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { parseBenchArgs } from "./bench.ts";

describe("grade-bench's command line", () => {
  it("takes every option, and defaults to 20 students, no starters and seeds 1,2", () => {
    const defaults = parseBenchArgs([]);
    assert.deepEqual(
      [defaults.students, defaults.starters, defaults.seeds, defaults.labs],
      [20, 0, [1, 2], undefined],
    );
    assert.ok(defaults.jobs >= 1);
    const given = parseBenchArgs([
      "--students=10",
      "--starters",
      "3",
      "--jobs",
      "2",
      "--seeds",
      "1",
      "--labs",
      "01,04",
    ]);
    assert.deepEqual(given, { students: 10, starters: 3, jobs: 2, seeds: [1], labs: ["01", "04"] });
  });

  it("refuses a count that is not a whole number, naming the option and the value", () => {
    assert.throws(
      () => parseBenchArgs(["--students", "ten"]),
      /--students must be a whole number of at least 1, received ten/,
    );
    assert.throws(
      () => parseBenchArgs(["--jobs", "0"]),
      /--jobs must be .* at least 1, received 0/,
    );
    assert.throws(() => parseBenchArgs(["--seeds", "1,x"]), /--seeds must list .* received 1,x/);
  });

  it("refuses an argument it does not know instead of running a benchmark nobody asked for", () => {
    assert.throws(() => parseBenchArgs(["--help-me"]), /unknown argument: --help-me/);
  });
});
