import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { htmlToText } from "./search_index.ts";

describe("htmlToText", () => {
  it("joins inline markup without a gap and separates blocks with one space", () => {
    assert.equal(
      htmlToText("<p>Send on a <code>Chan&lt;T&gt;</code>.</p><ul><li>one</li><li>two</li></ul>"),
      "Send on a Chan<T>. one two",
    );
  });

  it("decodes the entities the renderer writes, once", () => {
    assert.equal(htmlToText("<p>&amp;lt; &quot;a&quot; &#39;b&#39;</p>"), "&lt; \"a\" 'b'");
  });
});
