import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import {
  clip,
  decodeXmlEntities,
  LiveReport,
  parseJunit,
  parseXml,
  summarizeFailure,
  type TestResult,
} from "./test_report.ts";

/** A report Deno wrote (see testdata/deno_reports/README.md for the tests behind it). */
function report(name: string): string {
  return readFileSync(new URL(`./testdata/deno_reports/${name}`, import.meta.url), "utf8");
}

function byName(results: TestResult[], name: string): TestResult {
  const found = results.find((test) => test.name === name);
  assert.ok(found, `no test named "${name}" in ${results.map((test) => test.name).join(", ")}`);
  return found;
}

describe("parseXml", () => {
  it("reads nested elements, attributes in either quote, and text", () => {
    const root = parseXml(`<?xml version="1.0"?><!-- c --><a x="1" y='two'><b/>hi<c>t</c></a>`);
    assert.equal(root.name, "a");
    assert.deepEqual(root.attributes, { x: "1", y: "two" });
    assert.deepEqual(root.children.map((child) => child.name), ["b", "c"]);
    assert.equal(root.text, "hi");
    assert.equal(root.children[1].text, "t");
  });

  it("decodes entities in text and attributes, and keeps CDATA as written", () => {
    const root = parseXml(
      `<a m="&lt;x&gt; &amp; &quot;q&quot; &#65;&#x42;">&apos;<![CDATA[<raw> &amp;]]></a>`,
    );
    assert.equal(root.attributes.m, '<x> & "q" AB');
    assert.equal(root.text, "'<raw> &amp;");
    assert.equal(decodeXmlEntities("&#x1F600;"), "😀");
  });

  it("rejects malformed documents, saying where", () => {
    assert.throws(() => parseXml("<a><b></a>"), /malformed XML at line 1, column \d+/);
    assert.throws(() => parseXml("<a>"), /malformed XML at line 1/);
    assert.throws(() => parseXml("<a/><b/>"), /malformed XML/);
    assert.throws(() => parseXml('<a x="1></a>'), /malformed XML/);
  });
});

describe("parseJunit", () => {
  it("folds describe groups into their tests and keeps the it names", () => {
    const results = parseJunit(report("nested.xml"));
    assert.deepEqual(
      results.map((test) => [test.name, test.status]),
      [
        ["fine", "passed"],
        ["top", "passed"],
        ["grp > prints", "passed"],
        ["grp > fails", "failed"],
        ["grp > inner > deep ok", "passed"],
        ["grp > inner > skipped", "skipped"],
      ],
    );
    const deep = byName(results, "grp > inner > deep ok");
    assert.equal(deep.leaf, "deep ok");
    assert.deepEqual(deep.groups, ["grp", "inner"]);
    assert.equal(deep.file, "./labs/w2/g_test.ts");
  });

  it("keeps the failure message and its full text", () => {
    const failed = byName(parseJunit(report("nested.xml")), "grp > fails");
    assert.equal(
      failed.message,
      "Uncaught AssertionError: Expected values to be strictly equal:\n\n1 !== 2\n",
    );
    assert.match(failed.details ?? "", /at NodeTestContext/);
  });

  it("turns a test Deno marks skipped, because the event loop ran dry while it waited, into a failure", () => {
    const results = parseJunit(report("stuck.xml"));
    assert.deepEqual(results.map((test) => [test.name, test.status]), [
      ["grp > first ok", "passed"],
      ["grp > never resolves", "failed"],
    ]);
    assert.match(results[1].message ?? "", /^Promise resolution is still pending/);
  });

  it("reports it.skip and it.todo as skipped", () => {
    const results = parseJunit(report("skips.xml"));
    assert.deepEqual(results.map((test) => [test.leaf, test.status]), [
      ["skipped one", "skipped"],
      ["todo one", "skipped"],
      ["real", "passed"],
    ]);
  });

  it("shows a group that failed by itself, with no failed test inside, as one failure", () => {
    const xml = `<testsuites><testsuite name="./a_test.ts">
      <testcase name="setup" classname="./a_test.ts"><failure message="Error: boom">Error: boom</failure></testcase>
      </testsuite><testsuite name="ext:deno_node/testing.ts">
      <testcase name="setup &gt; first" classname="ext:deno_node/testing.ts"></testcase>
      </testsuite></testsuites>`;
    assert.deepEqual(
      parseJunit(xml).map((test) => [test.name, test.status, test.message, test.file]),
      [
        ["setup > first", "passed", undefined, "./a_test.ts"],
        ["setup", "failed", "Error: boom", "./a_test.ts"],
      ],
    );
  });

  it("keeps a leaf name that itself contains the separator", () => {
    const xml = `<testsuites><testsuite name="./a_test.ts">
      <testcase name="g" classname="./a_test.ts"></testcase></testsuite>
      <testsuite name="ext:deno_node/testing.ts">
      <testcase name="g &gt; a &gt; b" classname="ext:deno_node/testing.ts"></testcase>
      </testsuite></testsuites>`;
    const [test] = parseJunit(xml);
    assert.equal(test.leaf, "a > b");
    assert.deepEqual(test.groups, ["g"]);
  });

  it("refuses XML that is not a JUnit report", () => {
    assert.throws(() => parseJunit("<html></html>"), /not a JUnit report/);
  });
});

describe("LiveReport", () => {
  function feed(text: string): LiveReport {
    const live = new LiveReport();
    for (const line of text.split("\n")) live.push(line);
    return live;
  }

  it("follows tests, steps and groups, naming each test's file", () => {
    const live = feed(report("nested_pretty.txt"));
    assert.deepEqual(live.finished.map((test) => [test.name, test.status, test.file]), [
      ["fine", "passed", "./labs/w2/d_test.ts"],
      ["grp > prints", "passed", "./labs/w2/g_test.ts"],
      ["grp > fails", "failed", "./labs/w2/g_test.ts"],
      ["grp > inner > deep ok", "passed", "./labs/w2/g_test.ts"],
      ["grp > inner > skipped", "skipped", "./labs/w2/g_test.ts"],
      ["top", "passed", "./labs/w2/g_test.ts"],
    ]);
  });

  it("attributes printed lines to the test that printed them", () => {
    const live = feed(report("nested_pretty.txt"));
    const output = Object.fromEntries(live.finished.map((test) => [test.name, test.output]));
    assert.deepEqual(output["grp > prints"], ["hello from test", "err line"]);
    assert.deepEqual(output["grp > fails"], ["before fail"]);
    assert.deepEqual(output["fine"], []);
    assert.deepEqual(live.strayOutput, ["printing at load"]);
  });

  it("collects the error of a file that failed while loading", () => {
    const live = feed(report("nested_pretty.txt"));
    assert.deepEqual(live.loadErrors, [{
      file: "./labs/w2/f_test.ts",
      lines: [
        "Error: load failure",
        'throw new Error("load failure");',
        "      ^",
        "    at file://labs/w2/f_test.ts:3:7",
      ],
    }]);
  });

  it("knows which test was running when the stream stopped", () => {
    const live = feed(report("hung_pretty.txt"));
    assert.deepEqual(live.running, ["grp", "grp > hangs on interval"]);
    assert.deepEqual(live.finished.map((test) => test.name), ["grp > first ok"]);
  });

  it("caps what one test may print", () => {
    const live = new LiveReport(3);
    live.push("chatty ...");
    live.push("------- output -------");
    for (let index = 0; index < 10; index++) live.push(`line ${index}`);
    live.push("----- output end -----");
    live.push("chatty ... ok (1ms)");
    assert.deepEqual(live.finished[0].output, [
      "line 0",
      "line 1",
      "line 2",
      "… 7 more lines not shown",
    ]);
  });

  it("does not take a printed line that looks like a result for one", () => {
    const live = new LiveReport();
    live.push("t ...");
    live.push("------- output -------");
    live.push("fake ... ok (1ms)");
    live.push("----- output end -----");
    live.push("t ... FAILED (1ms)");
    assert.deepEqual(live.finished, [
      { name: "t", status: "failed", output: ["fake ... ok (1ms)"], file: undefined },
    ]);
  });
});

describe("summarizeFailure", () => {
  const results = parseJunit(report("assertions.xml"));
  const summary = (name: string) => {
    const test = byName(results, name);
    return summarizeFailure(test.message ?? "", test.details);
  };

  it("puts expected and actual of a strict equality on their own lines", () => {
    assert.deepEqual(summary("messages > equal numbers msg"), {
      headline: "counted events",
      expected: "4",
      actual: "3",
      details: [],
    });
    assert.deepEqual(summary("outer > inner > strict eq"), {
      headline: "the values differ",
      expected: "'abd'",
      actual: "'abc'",
      details: [],
    });
  });

  it("rebuilds both values of a deep-equality diff on one line each", () => {
    assert.deepEqual(summary("messages > deep objects"), {
      headline: "the values differ",
      expected: "{ list: [ 1, 2, 3 ], name: 'a', nested: { x: 2 } }",
      actual: "{ list: [ 1, 2 ], name: 'a', nested: { x: 1 } }",
      details: [],
    });
    assert.deepEqual(summary("outer > inner > deep eq msg"), {
      headline: "lists differ",
      expected: "[ 1, 2, 4 ]",
      actual: "[ 1, 2, 3 ]",
      details: [],
    });
    assert.equal(summary("outer > inner > multi").expected, "'line1\\nline3'");
  });

  it("says what a rejects, throws or match assertion wanted", () => {
    assert.equal(
      summary("outer > inner > rejects").headline,
      "expected the promise to reject, but it resolved",
    );
    assert.equal(
      summary("outer > inner > throws").headline,
      "expected the call to throw, but it returned normally",
    );
    assert.deepEqual(summary("messages > rejects wrong error"), {
      headline: "the text does not match /context canceled/",
      expected: "text matching /context canceled/",
      actual: "'Error: other'",
      details: [],
    });
    assert.deepEqual(summary("messages > throws wrong class"), {
      headline: "the error has the wrong type",
      expected: "an instance of RangeError",
      actual: "TypeError: x",
      details: [],
    });
    assert.deepEqual(summary("outer > inner > notEqual"), {
      headline: "the values are equal but should differ",
      actual: "1",
      details: [],
    });
  });

  it("uses the test's own message for ok() and fail()", () => {
    assert.equal(summary("messages > ok msg").headline, "the tracker must be closed");
    assert.equal(summary("messages > fail msg").headline, "boom: explicit fail");
  });

  it("keeps the name of an error that is not an assertion, and its cause", () => {
    assert.equal(summary("messages > panic").headline, "Panic: send on closed channel");
    assert.deepEqual(summary("messages > error with cause"), {
      headline: "Error: outer",
      details: ["caused by Error: inner"],
    });
    assert.equal(
      summary("messages > throws string").headline,
      'threw a value that is not an Error: "a string"',
    );
  });

  it("explains a test that waited forever as a deadlock", () => {
    const [, stuck] = parseJunit(report("stuck.xml"));
    assert.match(summarizeFailure(stuck.message ?? "").headline, /^never finished: .*deadlock/);
  });

  it("restates a falsy-value assertion with its expression", () => {
    const failure = summarizeFailure(
      "Uncaught AssertionError: The expression evaluated to a falsy value:\n\n  assert.ok(done)\n",
    );
    assert.equal(failure.headline, "expected this to be true: assert.ok(done)");
  });

  it("clips values too long for a line", () => {
    assert.equal(clip("abcdef", 3), "abc… (3 more characters)");
    assert.equal(clip("abc", 3), "abc");
    const long = summarizeFailure(`AssertionError: counts\n\n${"7".repeat(500)} !== 7\n`);
    assert.equal(long.actual, `${"7".repeat(200)}… (300 more characters)`);
    assert.equal(long.expected, "7");
  });
});
