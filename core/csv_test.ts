import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spreadsheetSafe } from "./csv.ts";

describe("spreadsheetSafe", () => {
  it("puts an apostrophe before a text a spreadsheet would run as a formula", () => {
    for (const text of ["=1+1", "+1", "-1", "@SUM(A1)"]) {
      assert.equal(spreadsheetSafe(text), `'${text}`);
    }
    assert.equal(spreadsheetSafe("ada"), "ada");
  });

  it("replaces control characters, a tab or line break first included, with U+FFFD", () => {
    assert.equal(spreadsheetSafe("ada\u001b[2J\r\n"), "ada\ufffd[2J\ufffd\ufffd");
    assert.equal(spreadsheetSafe("\t=1"), "\ufffd=1");
    assert.equal(spreadsheetSafe("x\u0085y"), "x\ufffdy");
  });
});
