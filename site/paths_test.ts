import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  CLASS_PATH,
  HOME_PATH,
  labPath,
  notePath,
  relativeHref,
  resolveRepoPath,
  studentKey,
  studentPath,
} from "./paths.ts";

describe("relativeHref", () => {
  it("links between pages of different depths with ../ steps", () => {
    assert.equal(relativeHref(HOME_PATH, notePath("04-channels")), "notes/04-channels.html");
    assert.equal(
      relativeHref(notePath("04-channels"), labPath("04-channels")),
      "../labs/04-channels.html",
    );
    assert.equal(relativeHref(studentPath("ada"), "style.css"), "../../style.css");
    assert.equal(relativeHref(studentPath("ada"), CLASS_PATH), "../index.html");
    assert.equal(relativeHref(CLASS_PATH, studentPath("ada")), "s/ada.html");
  });

  it("links to a page in the same folder by its name, and keeps a fragment", () => {
    assert.equal(
      relativeHref(notePath("01-goroutines"), notePath("02-memory-model")),
      "02-memory-model.html",
    );
    assert.equal(relativeHref(HOME_PATH, `${HOME_PATH}#labs`), "index.html#labs");
    assert.equal(
      relativeHref(labPath("04-channels"), `${notePath("04-channels")}#select`),
      "../notes/04-channels.html#select",
    );
  });
});

describe("resolveRepoPath", () => {
  it("resolves . and .. against the folder of the Markdown file", () => {
    assert.equal(
      resolveRepoPath("labs/04-channels", "../../notes/04-channels.md"),
      "notes/04-channels.md",
    );
    assert.equal(resolveRepoPath("notes", "./05-context.md"), "notes/05-context.md");
    assert.equal(
      resolveRepoPath("labs/04-channels", "../primitives/mod.ts"),
      "labs/primitives/mod.ts",
    );
  });

  it("refuses paths that climb above the repository", () => {
    assert.equal(resolveRepoPath("labs", "../../etc/passwd"), null);
    assert.equal(resolveRepoPath("notes", "../../../x.md"), null);
  });
});

describe("notePath", () => {
  it("names a chapter's first page after the chapter and numbers the others from 2", () => {
    assert.equal(notePath("04-channels"), "notes/04-channels.html");
    assert.equal(notePath("04-channels", 1), "notes/04-channels.html");
    assert.equal(notePath("04-channels", 2), "notes/04-channels-2.html");
  });
});

describe("studentKey", () => {
  const SECRET = "0123456789abcdef-instructor";

  it("is 32 hex digits whatever the student's name, so a page path is always a plain file name", async () => {
    const names = [
      "Ada Lovelace",
      "../x",
      "..\\..\\escaped",
      "/etc/passwd",
      "\u0000nul",
      "张伟",
      "",
    ];
    for (const name of names) {
      const key = await studentKey(SECRET, name);
      assert.match(key, /^[0-9a-f]{32}$/, JSON.stringify(name));
      assert.match(studentPath(key), /^results\/s\/[0-9a-f]{32}\.html$/);
    }
  });

  it("is the same for the same secret and name, and differs with either", async () => {
    const key = await studentKey(SECRET, "ada");
    assert.equal(await studentKey(SECRET, "ada"), key);
    assert.notEqual(await studentKey(SECRET, "Ada"), key);
    assert.notEqual(await studentKey(`${SECRET}x`, "ada"), key);
  });

  it("is HMAC-SHA-256 of the name keyed with the secret, cut to 128 bits", async () => {
    // RFC 4231, test case 2: key "Jefe", data "what do ya want for nothing?".
    assert.equal(
      await studentKey("Jefe", "what do ya want for nothing?"),
      "5bdcc146bf60754e6a042426089575c7",
    );
  });
});
