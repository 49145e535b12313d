import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  type Course,
  CourseError,
  findLab,
  findOnPath,
  hintFor,
  type LabEntry,
  locateRuntimes,
  parseCourse,
  permissionFlags,
  studentCourse,
  testNameMatches,
  validateCourse,
} from "./course.ts";

function lab(overrides: Partial<LabEntry> & Record<string, unknown> = {}): LabEntry {
  return {
    id: "04",
    slug: "04-channels",
    title: "Channels",
    note: "notes/04-channels.md",
    files: ["timeout.ts", "pipeline.ts"],
    ...overrides,
  } as LabEntry;
}

const course: Course = {
  title: "Go Concurrency in TypeScript",
  labs: [
    lab({ id: "01", slug: "01-goroutines", title: "Goroutines", note: "notes/01-goroutines.md" }),
    lab({
      hint: "lab-wide hint",
      hints: { "closes the output": "close in the sender" },
      points: { "survives cancellation": 2 },
    }),
    lab({ id: "05", slug: "05-context", title: "Context", note: "notes/05-context.md" }),
    lab({ id: "06", slug: "06-server", title: "Server", note: "notes/06-server.md" }),
  ],
};

describe("validateCourse", () => {
  it("accepts a manifest that follows the schema", () => {
    assert.deepEqual(validateCourse(course), []);
  });

  it("rejects a manifest without labs", () => {
    assert.deepEqual(validateCourse({ title: "T", labs: [] }), ["labs must list at least one lab"]);
    assert.deepEqual(validateCourse([]), [
      "the manifest must be a JSON object with title and labs",
    ]);
  });

  it("names the lab and the rule for each broken field", () => {
    const problems = validateCourse({
      title: "T",
      labs: [lab({ id: "4", slug: "04-Channels", note: "notes/ch.txt", files: [] })],
    });
    assert.deepEqual(problems, [
      'labs[0] (04-Channels): id must be two digits such as "04"',
      'labs[0] (04-Channels): slug must look like "04-channels" (digits, dash, lowercase words)',
      'labs[0] (04-Channels): note must name a chapter such as "notes/04-channels.md"',
      "labs[0] (04-Channels): files must list at least one file the student edits",
    ]);
  });

  it("reports unknown keys so that a misspelt field is not silently ignored", () => {
    const problems = validateCourse({ title: "T", labs: [lab({ hitns: {} })], extra: 1 });
    assert.deepEqual(problems, [
      'unknown top-level key "extra"',
      'labs[0] (04-channels): unknown key "hitns"',
    ]);
  });

  it("rejects duplicate ids and slugs, and a slug that does not start with the id", () => {
    const problems = validateCourse({
      title: "T",
      labs: [lab(), lab(), lab({ id: "05" })],
    });
    assert.ok(problems.includes('labs[1] (04-channels): id "04" is used by another lab'));
    assert.ok(problems.includes("labs[1] (04-channels): slug is used by another lab"));
    assert.ok(problems.includes('labs[2] (04-channels): slug must start with the id "05-"'));
  });

  it("rejects test files, paths and duplicates among the edited files", () => {
    const problems = validateCourse({
      title: "T",
      labs: [lab({ files: ["a_test.ts", "../x.ts", "b.ts", "b.ts"] })],
    });
    assert.deepEqual(problems, [
      'labs[0] (04-channels): files entry "a_test.ts" is a test; list the files students edit',
      'labs[0] (04-channels): files entry "../x.ts" must be a .ts file name',
      'labs[0] (04-channels): files lists "b.ts" twice',
    ]);
  });

  it("checks hints, points, permissions and starter hashes", () => {
    const problems = validateCourse({
      title: "T",
      labs: [lab({
        hints: { "a test": "" },
        points: { "hidden": 0 },
        permissions: { net: [], write: ["x"] } as Record<string, string[]>,
        starter: { "other.ts": "abc" },
      })],
    });
    assert.deepEqual(problems, [
      'labs[0] (04-channels): hint for "a test" must be a non-empty string',
      'labs[0] (04-channels): points for "hidden" must be a positive number',
      "labs[0] (04-channels): permissions.net must be a non-empty list of names",
      "labs[0] (04-channels): permissions.write is not supported (use net, env or run)",
      'labs[0] (04-channels): starter hash for "other.ts", which files does not list',
      'labs[0] (04-channels): starter hash for "other.ts" must be 64 hex digits',
    ]);
  });

  it("accepts unseededTests as a list of distinct hidden test file names, and nothing else", () => {
    assert.deepEqual(
      validateCourse({
        title: "T",
        labs: [lab({ unseededTests: ["counter_hidden_test.ts", "mailbox_hidden_test.ts"] })],
      }),
      [],
    );
    const labels = [[], ["../escape_test.ts"], ["a_hidden_test.ts", "a_hidden_test.ts"]].map(
      (list, index) =>
        validateCourse({ title: "T", labs: [lab({ unseededTests: list })] })[0] ?? `#${index} ok`,
    );
    assert.deepEqual(labels, [
      'labs[0] (04-channels): unseededTests must be a non-empty list of hidden test file names such as "counter_hidden_test.ts"',
      'labs[0] (04-channels): unseededTests must be a non-empty list of hidden test file names such as "counter_hidden_test.ts"',
      "labs[0] (04-channels): unseededTests lists a file twice",
    ]);
  });

  it("accepts run permissions for deno and bun only, each once", () => {
    assert.deepEqual(
      validateCourse({ title: "T", labs: [lab({ permissions: { run: ["deno", "bun"] } })] }),
      [],
    );
    const problems = validateCourse({
      title: "T",
      labs: [
        lab({
          permissions: { run: ["deno", "node", "/bin/sh", "deno"] } as Record<string, string[]>,
        }),
        lab({ id: "05", slug: "05-context", permissions: { run: [] } }),
      ],
    });
    assert.deepEqual(problems, [
      'labs[0] (04-channels): permissions.run entry "node" is not a runtime the tests may start ' +
      '(use "deno" or "bun": no other program can be granted)',
      'labs[0] (04-channels): permissions.run entry "/bin/sh" is not a runtime the tests may ' +
      'start (use "deno" or "bun": no other program can be granted)',
      'labs[0] (04-channels): permissions.run lists "deno" twice',
      'labs[1] (05-context): permissions.run must be a non-empty list of runtimes ("deno" or "bun")',
    ]);
  });
});

describe("parseCourse", () => {
  it("returns the manifest when it is valid", () => {
    assert.deepEqual(parseCourse(JSON.stringify(course), "course.json"), course);
  });

  it("throws a CourseError listing every problem", () => {
    assert.throws(
      () => parseCourse('{"title": "", "labs": {}}', "labs/course.json"),
      (error: unknown) => {
        assert.ok(error instanceof CourseError);
        assert.deepEqual(error.problems, [
          "title must be a non-empty string",
          "labs must be an array",
        ]);
        assert.match(error.message, /^labs\/course\.json is not a valid course manifest:/);
        return true;
      },
    );
  });

  it("says when the text is not JSON at all", () => {
    assert.throws(() => parseCourse("{", "labs/course.json"), /it is not valid JSON/);
  });
});

describe("findLab", () => {
  const slugOf = (query: string) => {
    const found = findLab(course, query);
    return found.ok ? found.lab.slug : found.message;
  };

  it("accepts the id, the number, the slug and the topic", () => {
    for (const query of ["04", "4", "04-channels", "channels", "Channels", " 04 "]) {
      assert.equal(slugOf(query), "04-channels", query);
    }
  });

  it("accepts an unambiguous start of the topic", () => {
    assert.equal(slugOf("chan"), "04-channels");
    assert.equal(slugOf("ser"), "06-server");
  });

  it("lists the labs when nothing matches", () => {
    const found = findLab(course, "07");
    assert.equal(found.ok, false);
    assert.match(!found.ok ? found.message : "", /^there is no lab "07"\. The labs are:\n/);
    assert.ok(!found.ok && found.message.includes("\n  05  05-context  (Context)"));
  });

  it("asks which one when a prefix matches several labs", () => {
    const twoS = { ...course, labs: [...course.labs, lab({ id: "07", slug: "07-select" })] };
    const found = findLab(twoS, "se");
    assert.equal(found.ok, false);
    assert.match(
      !found.ok ? found.message : "",
      /matches more than one lab \(06-server, 07-select\)/,
    );
  });

  it("does not match everything on an empty query", () => {
    assert.equal(findLab(course, "").ok, false);
  });
});

describe("hints and names", () => {
  it("matches a manifest key against the runner's full test name", () => {
    assert.equal(testNameMatches("pipeline > closes the output", "closes the output"), true);
    assert.equal(testNameMatches("closes the output", "closes the output"), true);
    assert.equal(testNameMatches("pipeline > never closes the output", "closes the output"), false);
  });

  it("prefers the failing test's own hint, then the lab's", () => {
    const channels = course.labs[1];
    assert.equal(hintFor(channels, "pipeline > closes the output"), "close in the sender");
    assert.equal(hintFor(channels, "pipeline > drops values"), "lab-wide hint");
    assert.equal(hintFor(course.labs[0], "anything"), undefined);
  });
});

describe("permissionFlags", () => {
  it("grants reading the given folders and never prompts", () => {
    assert.deepEqual(permissionFlags(lab(), ["/tmp/a", "/tmp/b"]), [
      "--no-prompt",
      "--allow-read=/tmp/a,/tmp/b",
    ]);
  });

  it("adds the manifest's network and environment permissions", () => {
    const server = lab({ permissions: { net: ["127.0.0.1", "localhost"], env: ["PORT"] } });
    assert.deepEqual(permissionFlags(server, ["/s"]), [
      "--no-prompt",
      "--allow-read=/s",
      "--allow-net=127.0.0.1,localhost",
      "--allow-env=PORT",
    ]);
  });

  it("turns run into --allow-run for the absolute paths of the runtimes found", () => {
    const server = lab({ permissions: { net: ["127.0.0.1"], run: ["deno", "bun"] } });
    const both = () => ({ deno: "/opt/deno/bin/deno", bun: "/home/a/.bun/bin/bun" });
    assert.deepEqual(permissionFlags(server, ["/s"], both), [
      "--no-prompt",
      "--allow-read=/s",
      "--allow-net=127.0.0.1",
      "--allow-run=/opt/deno/bin/deno,/home/a/.bun/bin/bun",
    ]);
    const denoOnly = lab({ permissions: { run: ["deno"] } });
    assert.deepEqual(permissionFlags(denoOnly, ["/s"], both), [
      "--no-prompt",
      "--allow-read=/s",
      "--allow-run=/opt/deno/bin/deno",
    ]);
  });

  it("leaves out a runtime that is not installed, and grants no run at all when none is", () => {
    const server = lab({ permissions: { run: ["deno", "bun"] } });
    assert.deepEqual(permissionFlags(server, ["/s"], () => ({ deno: "/usr/bin/deno" })), [
      "--no-prompt",
      "--allow-read=/s",
      "--allow-run=/usr/bin/deno",
    ]);
    assert.deepEqual(permissionFlags(server, ["/s"], () => ({})), [
      "--no-prompt",
      "--allow-read=/s",
    ]);
  });

  it("never looks for runtimes for a lab that does not ask to run any", () => {
    let looked = false;
    const locate = () => {
      looked = true;
      return {};
    };
    permissionFlags(lab({ permissions: { net: ["127.0.0.1"] } }), ["/s"], locate);
    assert.equal(looked, false);
  });

  it("locateRuntimes finds the running Deno and a bun on PATH by the PATH entry's own path", {
    skip: typeof Deno === "undefined" && "needs Deno",
  }, () => {
    const found = locateRuntimes();
    assert.equal(found.deno, Deno.execPath());
    assert.equal(found.bun, findOnPath("bun"));
  });
});

describe("findOnPath", { skip: typeof Deno === "undefined" && "needs Deno" }, () => {
  it("gives the first PATH entry's own path of a program, and nothing for a missing one", () => {
    const first = (Deno.env.get("PATH") ?? "").split(":").filter((dir) => dir !== "")
      .map((dir) => `${dir}/sh`).find((path) => {
        try {
          return Deno.statSync(path).isFile;
        } catch {
          return false;
        }
      });
    assert.ok(first !== undefined, "this test needs sh on PATH");
    assert.equal(findOnPath("sh"), first);
    assert.equal(findOnPath("no-such-program-for-the-workbook"), undefined);
  });
});

describe("studentCourse", () => {
  it("drops hidden-test points and records starter hashes", () => {
    const hash = "ab".repeat(32);
    const edition = studentCourse(course, { "04-channels": { "timeout.ts": hash } });
    assert.equal(JSON.stringify(edition).includes("survives cancellation"), false);
    assert.equal(edition.labs[1].points, undefined);
    assert.deepEqual(edition.labs[1].starter, { "timeout.ts": hash });
    assert.deepEqual(edition.labs[1].hints, course.labs[1].hints);
    assert.equal(edition.labs[0].starter, undefined);
    assert.deepEqual(validateCourse(edition), []);
  });
});
