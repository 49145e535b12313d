import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { assertionMessages, MIN_SECRET_RUN, SCRUBBED, Scrubber } from "./scrub.ts";

const hidden = `it("counts every event once", async () => {
  const tracker = new Tracker(context.background(), 3);
  assert.equal(await tracker.count(), 3, "the tracker lost an event after shutdown");
});`;
const starter = `export class Tracker {\n  constructor(ctx: Context, size: number) {}\n}`;

describe("Scrubber", () => {
  const scrubber = new Scrubber([hidden], [starter, "counts every event once"]);

  it("replaces every run of 40 or more characters of a secret text", () => {
    const leaked = `Error: ${hidden.slice(10, 200)} and more`;
    assert.equal(scrubber.scrub(leaked), `Error: ${SCRUBBED} and more`);
  });

  it("keeps runs shorter than 40 characters, and text that is not secret", () => {
    const short = hidden.slice(50, 50 + MIN_SECRET_RUN - 1);
    assert.equal(scrubber.scrub(`x ${short} y`), `x ${short} y`);
    assert.equal(
      scrubber.scrub("nothing secret at all, just a long message here"),
      "nothing secret at all, just a long message here",
    );
  });

  it("catches a run of exactly 40 characters wherever it starts", () => {
    for (let start = 0; start + MIN_SECRET_RUN <= hidden.length; start += 7) {
      const run = hidden.slice(start, start + MIN_SECRET_RUN);
      assert.equal(scrubber.scrub(`§${run}§`), `§${SCRUBBED}§`, JSON.stringify(run));
    }
  });

  it("keeps a run the students have anyway: the starter's text, a test's name", () => {
    const both = new Scrubber([
      `${starter}\n// the solution's secret line goes right here, long enough`,
    ], [starter]);
    assert.equal(both.scrub(starter), starter);
  });

  it("scrubs several leaks in one text", () => {
    const first = hidden.slice(0, 60);
    const second = hidden.slice(100, 170);
    assert.equal(scrubber.scrub(`${first} | ${second}`), `${SCRUBBED} | ${SCRUBBED}`);
  });
});

describe("assertionMessages", () => {
  it("finds the literals on assertion lines, and the fixed parts of their templates", () => {
    const source = [
      'const label = "not an assertion, not a message at all, quite long";',
      'assert.equal(n, 3, "the tracker lost an event after shutdown");',
      "assert.ok(done, 'done was never closed');",
      "assert.fail(`after ${k} turns, ${name} still waits`);",
    ].join("\n");
    assert.deepEqual(assertionMessages(source), [
      "the tracker lost an event after shutdown",
      "done was never closed",
      "after ",
      " turns, ",
      " still waits",
    ]);
  });

  it("keeps an assertion's message readable when the hidden test is secret", () => {
    const scrubber = new Scrubber([hidden], assertionMessages(hidden));
    const message = "the tracker lost an event after shutdown";
    assert.equal(scrubber.scrub(`AssertionError: ${message}`), `AssertionError: ${message}`);
    assert.equal(scrubber.scrub(hidden), SCRUBBED);
  });
});
