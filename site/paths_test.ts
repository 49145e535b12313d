import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  CLASS_PATH,
  HOME_PATH,
  labPath,
  notePath,
  relativeHref,
  resolveRepoPath,
  studentPath,
  studentSlugs,
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
    assert.equal(relativeHref(CLASS_PATH, studentPath("ada")), "students/ada.html");
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

describe("studentSlugs", () => {
  it("keeps only lower-case ASCII letters, digits and single dashes", () => {
    const slugs = studentSlugs(["Ada Lovelace", "José Núñez", "grace_hopper", "  Ken  "]);
    assert.equal(slugs.get("Ada Lovelace"), "ada-lovelace");
    assert.equal(slugs.get("José Núñez"), "jose-nunez");
    assert.equal(slugs.get("grace_hopper"), "grace-hopper");
    assert.equal(slugs.get("  Ken  "), "ken");
  });

  it("turns names that try to leave the folder into plain file names", () => {
    const names = [
      "../x",
      "..\\..\\escaped",
      "..",
      "...",
      "%2e%2e%2fetc",
      "/etc/passwd",
      "a/../../b",
      "\u0000nul",
    ];
    const slugs = studentSlugs(names);
    for (const name of names) {
      const slug = slugs.get(name)!;
      assert.match(slug, /^[a-z0-9]+(-[a-z0-9]+)*$/, `slug of ${JSON.stringify(name)} is ${slug}`);
    }
    assert.equal(slugs.get("../x"), "x");
    assert.equal(slugs.get("/etc/passwd"), "etc-passwd");
  });

  it("gives names with nothing readable in ASCII a hash instead of an empty slug", () => {
    const slugs = studentSlugs(["张伟", "李娜", "<>"]);
    const values = [...slugs.values()];
    for (const slug of values) assert.match(slug, /^student-[0-9a-f]{8}$/);
    assert.equal(new Set(values).size, 3);
  });

  it("never gives two names the same slug, and the same names always get the same slugs", () => {
    const names = ["Ada", "ada", "ADA", "a-d-a", "A D A", "a--d--a"];
    const forward = studentSlugs(names);
    const backward = studentSlugs([...names].reverse());
    assert.equal(new Set(forward.values()).size, names.length);
    assert.deepEqual([...forward.entries()].sort(), [...backward.entries()].sort());
  });

  it("keeps slugs short even for very long names", () => {
    const slug = studentSlugs(["x".repeat(500)]).get("x".repeat(500))!;
    assert.ok(slug.length <= 48, `slug has ${slug.length} characters`);
  });
});
