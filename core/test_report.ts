/**
 * Reading what `deno test` reports: the JUnit XML file it writes with
 * `--junit-path` (the authoritative result, untouched by anything the tested code
 * prints), the lines it streams with `--reporter=pretty` (live progress, what
 * each test printed, files that failed to load, and what finished before a run
 * had to be killed), and the failure messages of `node:assert`, restated in
 * plain words.
 *
 * Under Deno, a `node:test` `describe` is a Deno test and each `it` inside it a
 * test step; JUnit names a step by its whole path, `"outer > inner > it name"`.
 *
 * Pure functions only: no file system, no `Deno` global.
 *
 * @example
 * ```ts
 * import { parseJunit, summarizeFailure } from "./test_report.ts";
 * const xml = await Deno.readTextFile("report.xml");
 * for (const test of parseJunit(xml)) {
 *   if (test.status === "failed") console.log(summarizeFailure(test.message ?? "").headline);
 * }
 * ```
 * @module
 */

import { XMLParser, XMLValidator } from "fast-xml-parser";

/** One test (an `it`, or a top-level test without steps) as the runner reported it. */
export interface TestResult {
  /** The whole path as the runner names it: `"describe > it"`. */
  name: string;
  /** The `it(...)` name alone. */
  leaf: string;
  /** The enclosing `describe` names, outermost first. */
  groups: string[];
  status: "passed" | "failed" | "skipped";
  /** The failure message, for a failed test. */
  message?: string;
  /** The failure's full text (source excerpt, stack, causes), for a failed test. */
  details?: string;
  /** The test file, as the runner names it (`"./labs/04-channels/pipeline_test.ts"`). */
  file?: string;
  /** Lines the test printed, when known. */
  output?: string[];
}

// ---------------------------------------------------------------------------
// XML, read with fast-xml-parser into a small tree of elements.

/** An XML element: name, attributes, child elements and its own text. */
export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  text: string;
}

/**
 * Replaces XML entities (`&lt;`, `&#10;`, `&#x1F;`, …) with the characters they stand for.
 *
 * @example
 * ```ts
 * import { decodeXmlEntities } from "./test_report.ts";
 * decodeXmlEntities("a &gt; b"); // → "a > b"
 * ```
 */
export function decodeXmlEntities(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|lt|gt|amp|quot|apos);/g, (_all, entity: string) => {
    switch (entity) {
      case "lt":
        return "<";
      case "gt":
        return ">";
      case "amp":
        return "&";
      case "quot":
        return '"';
      case "apos":
        return "'";
    }
    const code = entity.startsWith("#x")
      ? parseInt(entity.slice(2), 16)
      : parseInt(entity.slice(1), 10);
    return String.fromCodePoint(code);
  });
}

/** One node of fast-xml-parser's ordered output: `{ tag: children, ":@": attributes }` or text. */
type OrderedNode = Record<string, unknown>;

const xmlParser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: "",
  // Entities are decoded here, by decodeXmlEntities: none is ever read from a DTD.
  processEntities: false,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  commentPropName: "#comment",
  cdataPropName: "#cdata",
});

function toElement(name: string, node: OrderedNode): XmlElement {
  const attributes: Record<string, string> = {};
  for (const [key, value] of Object.entries((node[":@"] ?? {}) as Record<string, unknown>)) {
    attributes[key] = decodeXmlEntities(String(value));
  }
  const element: XmlElement = { name, attributes, children: [], text: "" };
  for (const child of (node[name] ?? []) as OrderedNode[]) {
    const key = Object.keys(child).find((one) => one !== ":@")!;
    if (key === "#text") element.text += decodeXmlEntities(String(child[key]));
    else if (key === "#cdata") {
      for (const part of child[key] as OrderedNode[]) element.text += String(part["#text"] ?? "");
    } else if (key !== "#comment") element.children.push(toElement(key, child));
  }
  return element;
}

/**
 * Parses an XML document into its root element, with fast-xml-parser after
 * checking it is well-formed. Declarations and comments are dropped; CDATA is
 * kept as text; entities are decoded, never declared (no DTD is read).
 *
 * @throws {SyntaxError} naming the line when the document is malformed.
 * @example
 * ```ts
 * import { parseXml } from "./test_report.ts";
 * parseXml('<a x="1"><b/>hi</a>').children[0].name; // → "b"
 * ```
 */
export function parseXml(source: string): XmlElement {
  const valid = XMLValidator.validate(source);
  if (valid !== true) {
    throw new SyntaxError(
      `malformed XML at line ${valid.err.line}, column ${valid.err.col}: ${valid.err.msg}`,
    );
  }
  const elements = (xmlParser.parse(source) as OrderedNode[]).filter((node) =>
    !Object.keys(node).some((key) => key.startsWith("#") || key.startsWith("?"))
  );
  if (elements.length !== 1) {
    throw new SyntaxError("malformed XML: expected exactly one root element");
  }
  const name = Object.keys(elements[0]).find((key) => key !== ":@")!;
  return toElement(name, elements[0]);
}

// ---------------------------------------------------------------------------
// JUnit → results

/** Deno's message on a `describe` whose steps failed; says nothing of its own. */
const STEPS_FAILED = /^\d+ test steps? failed\.?$/;

/**
 * The tests in a JUnit report written by `deno test --junit-path`, in report
 * order. `describe` groups are folded into their tests' `groups`; a group that
 * failed for a reason of its own (its body threw, or the event loop ran dry while
 * one of its tests still waited) shows up as failed tests, never as a pass:
 * Deno marks the stuck test "skipped" in that case, so such skips become
 * failures carrying the group's message.
 *
 * @throws {SyntaxError} when the text is not a JUnit report.
 * @example
 * ```ts
 * import { parseJunit } from "./test_report.ts";
 * const results = parseJunit(await Deno.readTextFile("report.xml"));
 * const passed = results.filter((test) => test.status === "passed").length;
 * ```
 */
export function parseJunit(xml: string): TestResult[] {
  const root = parseXml(xml);
  if (root.name !== "testsuites" && root.name !== "testsuite") {
    throw new SyntaxError(`not a JUnit report: the root element is <${root.name}>`);
  }
  const suites = root.name === "testsuite" ? [root] : root.children;
  interface RawCase {
    name: string;
    file: string;
    status: TestResult["status"];
    message?: string;
    details?: string;
  }
  const cases: RawCase[] = [];
  for (const suite of suites.filter((element) => element.name === "testsuite")) {
    for (const testcase of suite.children.filter((element) => element.name === "testcase")) {
      const failure = testcase.children.find((child) =>
        child.name === "failure" || child.name === "error"
      );
      const skipped = testcase.children.some((child) => child.name === "skipped");
      cases.push({
        name: testcase.attributes.name ?? "",
        file: testcase.attributes.classname ?? suite.attributes.name ?? "",
        status: failure ? "failed" : skipped ? "skipped" : "passed",
        message: failure ? failure.attributes.message ?? failure.text.trim() : undefined,
        details: failure ? failure.text.trim() : undefined,
      });
    }
  }
  const names = new Set(cases.map((test) => test.name));
  const isGroup = (name: string) => cases.some((test) => test.name.startsWith(`${name} > `));
  // The innermost group a name sits in: the longest group name it extends.
  const parentOf = (name: string): string | undefined => {
    let best: string | undefined;
    for (const candidate of names) {
      if (
        name.startsWith(`${candidate} > `) && isGroup(candidate) &&
        (best === undefined || candidate.length > best.length)
      ) best = candidate;
    }
    return best;
  };
  const groupsOf = (name: string): string[] => {
    const chain: string[] = [];
    for (let parent = parentOf(name); parent !== undefined; parent = parentOf(parent)) {
      chain.unshift(parent);
    }
    return chain;
  };
  const leafOf = (name: string, groups: string[]) =>
    groups.length === 0 ? name : name.slice(groups[groups.length - 1].length + 3);
  // A group's own reason for failing, when it has one, explains its unfinished steps.
  const groupFailure = new Map<string, RawCase>();
  for (const test of cases) {
    if (
      isGroup(test.name) && test.status === "failed" && !STEPS_FAILED.test(test.message ?? "")
    ) groupFailure.set(test.name, test);
  }
  const fileOf = (name: string, groups: string[]) => {
    const outermost = cases.find((test) => test.name === (groups[0] ?? name));
    return outermost?.file.startsWith("ext:") ? undefined : outermost?.file;
  };
  const results: TestResult[] = [];
  for (const test of cases) {
    if (isGroup(test.name)) continue;
    const groups = groupsOf(test.name);
    const result: TestResult = {
      name: test.name,
      leaf: leafOf(test.name, groups),
      groups: groups.map((group) => leafOf(group, groupsOf(group))),
      status: test.status,
      file: fileOf(test.name, groups),
    };
    const explained = [...groups].reverse().map((group) => groupFailure.get(group)).find(Boolean);
    if (test.status === "skipped" && explained) {
      result.status = "failed";
      result.message = explained.message;
      result.details = explained.details;
    } else if (test.status === "failed") {
      result.message = test.message;
      result.details = test.details;
    }
    results.push(result);
  }
  // A group that failed by itself with no failed test to show it (its body threw
  // before any `it` ran) becomes one failed entry, so the failure is never lost.
  for (const [groupName, failure] of groupFailure) {
    const shown = results.some((test) =>
      test.status === "failed" && test.name.startsWith(`${groupName} > `)
    );
    if (shown) continue;
    const groups = groupsOf(groupName);
    results.push({
      name: groupName,
      leaf: leafOf(groupName, groups),
      groups: groups.map((group) => leafOf(group, groupsOf(group))),
      status: "failed",
      message: failure.message,
      details: failure.details,
      file: fileOf(groupName, groups),
    });
  }
  return results;
}

// ---------------------------------------------------------------------------
// The live stream (`--reporter=pretty`) → progress, printed output, load errors

/** What one line of `deno test --reporter=pretty` output meant. */
export type LiveEvent =
  | { kind: "file"; file: string }
  | { kind: "start"; name: string }
  | { kind: "result"; name: string; status: TestResult["status"]; isGroup: boolean }
  | { kind: "load-error"; file: string }
  | { kind: "output"; line: string; test?: string };

/** A test file that threw while loading (or left an error no test caught). */
export interface LoadError {
  file: string;
  /** The error as the runner printed it. */
  lines: string[];
}

interface OpenTest {
  name: string;
  depth: number;
  hasChildren: boolean;
  output: string[];
  droppedOutput: number;
}

/**
 * Follows the stream that `deno test --reporter=pretty` prints, line by line
 * (colours off): which tests finished, which one is running now, what each test
 * printed (Deno frames it between "output" markers), and which files failed to
 * load. Used for live progress, for the tests that finished before a hung run
 * was stopped, and for errors JUnit leaves out (a file that throws while loading
 * has no entry in the JUnit report). Feed it every stdout line with
 * {@linkcode LiveReport.push}.
 *
 * @example
 * ```ts
 * import { LiveReport } from "./test_report.ts";
 * const live = new LiveReport();
 * for (const line of ["pool ...", "  reuses objects ... ok (1ms)", "pool ... ok (2ms)"]) {
 *   live.push(line);
 * }
 * live.finished; // → [{ name: "pool > reuses objects", status: "passed", output: [] }]
 * ```
 */
export class LiveReport {
  /** Leaf tests that reported, in order. */
  readonly finished: {
    name: string;
    status: TestResult["status"];
    output: string[];
    file?: string;
  }[] = [];
  /** Output printed outside any test (while a file loaded). */
  readonly strayOutput: string[] = [];
  /** Files that failed while loading, with the runner's account of the error. */
  readonly loadErrors: LoadError[] = [];
  /** Cap on the output lines kept per test, so a print loop cannot fill memory. */
  readonly maxOutputLines: number;
  #open: OpenTest[] = [];
  #inOutput = false;
  #section: "tests" | "errors" | "failures" = "tests";
  #currentLoadError: LoadError | undefined;
  #file: string | undefined;

  /** @param maxOutputLines lines of printed output kept per test. */
  constructor(maxOutputLines = 50) {
    this.maxOutputLines = maxOutputLines;
  }

  /** The tests running right now, outermost first (full names). */
  get running(): string[] {
    return this.#open.map((test) => test.name);
  }

  /**
   * Takes one line of the stream and says what it meant.
   *
   * @example
   * ```ts
   * import { LiveReport } from "./test_report.ts";
   * new LiveReport().push("adds ... ok (3ms)"); // → { kind: "result", name: "adds", ... }
   * ```
   */
  push(rawLine: string): LiveEvent | undefined {
    const line = rawLine.replace(/\r$/, "");
    if (this.#inOutput) {
      if (/^-+ ((pre|post)-test )?output end -+$/.test(line)) {
        this.#inOutput = false;
        return undefined;
      }
      // Deno does not always close the block before the next file's header.
      if (!/^(running \d+ tests? from |Uncaught error from )/.test(line)) {
        return this.#output(line);
      }
      this.#inOutput = false;
    }
    if (/^-+ ((pre|post)-test )?output -+$/.test(line)) {
      this.#inOutput = true;
      return undefined;
    }
    if (line.trim() === "ERRORS") {
      this.#section = "errors";
      return undefined;
    }
    if (line.trim() === "FAILURES") {
      this.#section = "failures";
      this.#currentLoadError = undefined;
      return undefined;
    }
    if (this.#section !== "tests") return this.#errorLine(line);
    const file = /^running \d+ tests? from (.+)$/.exec(line);
    if (file) {
      this.#open = [];
      this.#file = file[1];
      return { kind: "file", file: file[1] };
    }
    const loadError = /^Uncaught error from (.+) FAILED$/.exec(line);
    if (loadError) {
      this.#open = [];
      if (!this.loadErrors.some((error) => error.file === loadError[1])) {
        this.loadErrors.push({ file: loadError[1], lines: [] });
      }
      return { kind: "load-error", file: loadError[1] };
    }
    const result = /^((?: {2})*)(.*) \.\.\. (ok|FAILED|ignored)\b.*$/.exec(line);
    if (result) return this.#result(result[1].length / 2, result[2], result[3]);
    const start = /^((?: {2})*)(.*) \.\.\.$/.exec(line);
    if (start) {
      const depth = start[1].length / 2;
      this.#begin(depth, start[2]);
      return { kind: "start", name: this.#open[this.#open.length - 1].name };
    }
    if (line.trim() === "" || /^(ok|FAILED) \| \d+ passed/.test(line)) return undefined;
    return this.#output(line);
  }

  #begin(depth: number, leaf: string): OpenTest {
    this.#open = this.#open.slice(0, depth);
    const parent = this.#open[depth - 1];
    if (parent) parent.hasChildren = true;
    const test: OpenTest = {
      name: parent ? `${parent.name} > ${leaf}` : leaf,
      depth,
      hasChildren: false,
      output: [],
      droppedOutput: 0,
    };
    this.#open.push(test);
    return test;
  }

  #result(depth: number, leaf: string, word: string): LiveEvent {
    let test = this.#open[depth];
    if (!test || test.name.split(" > ").pop() !== leaf || test.depth !== depth) {
      test = this.#begin(depth, leaf); // a test with no steps and no output: one line
    }
    this.#open = this.#open.slice(0, depth);
    const status: TestResult["status"] = word === "ok"
      ? "passed"
      : word === "ignored"
      ? "skipped"
      : "failed";
    if (!test.hasChildren) {
      const output = [...test.output];
      if (test.droppedOutput > 0) output.push(`… ${test.droppedOutput} more lines not shown`);
      this.finished.push({ name: test.name, status, output, file: this.#file });
    }
    return { kind: "result", name: test.name, status, isGroup: test.hasChildren };
  }

  #output(line: string): LiveEvent {
    const test = this.#open[this.#open.length - 1];
    if (test) {
      if (test.output.length < this.maxOutputLines) test.output.push(line);
      else test.droppedOutput++;
    } else if (this.strayOutput.length < this.maxOutputLines) {
      this.strayOutput.push(line);
    }
    return { kind: "output", line, test: test?.name };
  }

  #errorLine(line: string): undefined {
    if (this.#section !== "errors") return undefined;
    const header = /^(.+) \(uncaught error\)$/.exec(line);
    if (header) {
      let entry = this.loadErrors.find((error) => error.file === header[1]);
      if (!entry) {
        entry = { file: header[1], lines: [] };
        this.loadErrors.push(entry);
      }
      this.#currentLoadError = entry;
      return undefined;
    }
    const entry = this.#currentLoadError;
    if (!entry) return undefined;
    if (/^This error was not caught from a test/.test(line) || / => \S+:\d+:\d+$/.test(line)) {
      this.#currentLoadError = undefined;
    } else if (entry.lines.length < 20 && (line.trim() !== "" || entry.lines.length > 0)) {
      entry.lines.push(line.replace(/^error: (\(in promise\) )?/, ""));
    }
    return undefined;
  }
}

// ---------------------------------------------------------------------------
// Failure messages in plain words

/** A failure restated for a student: one headline, and expected/actual when known. */
export interface FailureSummary {
  headline: string;
  expected?: string;
  actual?: string;
  /** Further lines worth showing (a few at most). */
  details: string[];
}

const MAX_VALUE_LENGTH = 200;
const MAX_DETAIL_LINES = 6;

/**
 * Shortens a value printed on one line so it fits a terminal line or two.
 *
 * @example
 * ```ts
 * import { clip } from "./test_report.ts";
 * clip("x".repeat(300), 10); // → "xxxxxxxxxx… (290 more characters)"
 * ```
 */
export function clip(text: string, max = MAX_VALUE_LENGTH): string {
  return text.length <= max
    ? text
    : `${text.slice(0, max)}… (${text.length - max} more characters)`;
}

/** Joins a value printed over several indented lines into one line. */
function oneLine(lines: string[]): string {
  return clip(lines.map((line) => line.trim()).filter((line) => line !== "").join(" "));
}

/** Splits node's "+ actual - expected" diff into the two values it compares. */
function readDiff(lines: string[]): { expected: string; actual: string } {
  const expected: string[] = [];
  const actual: string[] = [];
  for (const line of lines) {
    if (/^\s*\^+\s*$/.test(line)) continue; // a caret under the first difference
    if (/^\+( |$)/.test(line)) actual.push(line.slice(1));
    else if (/^-( |$)/.test(line)) expected.push(line.slice(1));
    else {
      actual.push(line);
      expected.push(line);
    }
  }
  // A line missing on one side leaves its neighbour's trailing comma dangling: "[ 1, 2, ]".
  const tidy = (text: string) => text.replace(/,(\s*[\]}])/g, "$1");
  return { expected: tidy(oneLine(expected)), actual: tidy(oneLine(actual)) };
}

const PENDING_FOREVER = /^Promise resolution is still pending/;

/**
 * Restates a failure message from `deno test` (JUnit's `message`) in plain
 * words. For an `AssertionError` from `node:assert` the headline is the test's
 * own message, or a sentence for node's generic one, with the compared values
 * on an `expected` and an `actual` line; other errors keep their name
 * (`Panic: send on closed channel`) because the name says what went wrong.
 *
 * @example
 * ```ts
 * import { summarizeFailure } from "./test_report.ts";
 * summarizeFailure("Uncaught AssertionError: counted events\n\n3 !== 4\n");
 * // → { headline: "counted events", expected: "4", actual: "3", details: [] }
 * ```
 */
export function summarizeFailure(message: string, details?: string): FailureSummary {
  const text = message.replace(/^Uncaught (\(in promise\) )?/, "").replace(/\s+$/, "");
  const causes = (details ?? "").split("\n").filter((line) => line.startsWith("Caused by: "))
    .map((line) => `caused by ${line.slice("Caused by: ".length)}`);
  if (PENDING_FOREVER.test(text)) {
    return {
      headline: "never finished: it was still waiting when nothing else was left to run " +
        "(a deadlock: a send, receive or promise that nothing will ever complete); " +
        "the tests after it in the same describe did not run",
      details: [],
    };
  }
  const named = /^([A-Za-z_$][\w$]*): ([\s\S]*)$/.exec(text);
  if (!named) {
    if (/^["'`]/.test(text)) {
      return { headline: `threw a value that is not an Error: ${clip(text)}`, details: causes };
    }
    const [first, ...rest] = text.split("\n");
    return { headline: first, details: [...rest.filter((l) => l.trim()), ...causes].slice(0, 6) };
  }
  const [, errorName, body] = named;
  const lines = body.split("\n");
  if (errorName !== "AssertionError") {
    const rest = lines.slice(1).filter((line) => line.trim() !== "");
    return {
      headline: `${errorName}: ${lines[0]}`,
      details: [...rest, ...causes].slice(0, MAX_DETAIL_LINES),
    };
  }
  const first = lines[0];
  const rest = lines.slice(1);
  const nonEmpty = rest.filter((line) => line.trim() !== "");
  const summary: FailureSummary = { headline: first, details: [] };
  const diffStart = rest.findIndex((line) => line.trim() === "+ actual - expected");
  const unequal = rest.map((line) => /^(.*) !== (.*)$/.exec(line)).find(Boolean);
  let consumed = false;
  if (diffStart !== -1) {
    Object.assign(summary, readDiff(rest.slice(diffStart + 1)));
    consumed = true;
  } else if (unequal) {
    summary.actual = clip(unequal[1]);
    summary.expected = clip(unequal[2]);
    consumed = true;
  }
  let match: RegExpExecArray | null;
  if (/^Expected values to be (strictly |loosely )?(deep-)?equal:?$/.test(first)) {
    summary.headline = "the values differ";
  } else if (first.startsWith("The expression evaluated to a falsy value")) {
    summary.headline = nonEmpty.length > 0
      ? `expected this to be true: ${oneLine(nonEmpty)}`
      : "expected a true value";
    consumed = true;
  } else if ((match = /^Missing expected rejection(?: \((.*)\))?\.?(?:: (.*))?$/.exec(first))) {
    summary.headline = "expected the promise to reject, but it resolved" +
      (match[1] ? ` (wanted ${match[1]})` : "") + (match[2] ? `: ${match[2]}` : "");
  } else if ((match = /^Missing expected exception(?: \((.*)\))?\.?(?:: (.*))?$/.exec(first))) {
    summary.headline = "expected the call to throw, but it returned normally" +
      (match[1] ? ` (wanted ${match[1]})` : "") + (match[2] ? `: ${match[2]}` : "");
  } else if (
    (match = /^The input did not match the regular expression (.*)\. Input:$/.exec(first))
  ) {
    summary.headline = `the text does not match ${match[1]}`;
    summary.expected = `text matching ${match[1]}`;
    summary.actual = oneLine(nonEmpty);
    consumed = true;
  } else if (
    (match = /^The input was expected to not match the regular expression (.*)\. Input:$/.exec(
      first,
    ))
  ) {
    summary.headline = `the text should not match ${match[1]}`;
    summary.actual = oneLine(nonEmpty);
    consumed = true;
  } else if (
    (match = /^Expected "actual" to be (?:strictly |loosely )?unequal to:? ?(.*)$/.exec(first))
  ) {
    summary.headline = "the values are equal but should differ";
    summary.actual = clip([match[1], ...nonEmpty].join(" ").trim());
    consumed = true;
  } else if (
    (match = /^The error is expected to be an instance of "(.*)"\. Received "(.*)"$/.exec(first))
  ) {
    summary.headline = "the error has the wrong type";
    summary.expected = `an instance of ${match[1]}`;
    const messageAt = rest.findIndex((line) => line.startsWith("Error message:"));
    const received = messageAt === -1 ? "" : oneLine(rest.slice(messageAt + 1));
    summary.actual = received ? `${match[2]}: ${received}` : match[2];
    consumed = true;
  } else if (first === "Got unwanted exception." || first === "Got unwanted rejection.") {
    summary.headline = first === "Got unwanted exception."
      ? "expected no exception, but one was thrown"
      : "expected the promise to resolve, but it rejected";
    const actualAt = rest.findIndex((line) => line.startsWith("Actual message:"));
    if (actualAt !== -1) {
      summary.actual = clip(
        rest[actualAt].slice("Actual message:".length).trim().replace(/^"|"$/g, ""),
      );
    }
    consumed = true;
  }
  if (!consumed) summary.details = nonEmpty.slice(0, MAX_DETAIL_LINES);
  summary.details.push(...causes);
  return summary;
}
