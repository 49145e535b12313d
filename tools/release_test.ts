import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Course } from "../core/course.ts";
import { coursePaths, joinPath } from "../core/lab_env.ts";
import {
  findLeaks,
  runnerModules,
  STUDENT_LAB_TASK,
  studentDenoConfig,
  studentReadme,
} from "./release.ts";
import { makeFixtureCourse } from "./testdata/make_fixture.ts";

const onDeno = typeof Deno !== "undefined";

const course: Course = {
  title: "Go Concurrency in TypeScript",
  labs: [
    {
      id: "01",
      slug: "01-goroutines",
      title: "Goroutines",
      note: "notes/01-goroutines.md",
      files: ["tracker.ts"],
    },
    {
      id: "04",
      slug: "04-channels",
      title: "Channels",
      note: "notes/04-channels.md",
      files: ["pipeline.ts"],
    },
  ],
};

describe("studentDenoConfig", () => {
  it("keeps the settings, offers only the lab task, and drops name and test excludes", () => {
    const config = studentDenoConfig({
      name: "@go/workbook",
      nodeModulesDir: "none",
      tasks: { lab: "old", grade: "deno run grader/main.ts", check: "…" },
      imports: { "@sinonjs/fake-timers": "npm:@sinonjs/fake-timers@15.5.0" },
      fmt: { lineWidth: 100 },
      test: { exclude: ["labs/01-goroutines/", "grader/hidden/"] },
    });
    assert.deepEqual(config, {
      tasks: { lab: STUDENT_LAB_TASK },
      nodeModulesDir: "none",
      imports: { "@sinonjs/fake-timers": "npm:@sinonjs/fake-timers@15.5.0" },
      fmt: { lineWidth: 100 },
    });
    assert.equal(JSON.stringify(config).includes("grader"), false);
  });
});

describe("studentReadme", () => {
  it("tells how to start and lists every lab with its chapter, task and command", () => {
    const readme = studentReadme(course);
    assert.match(readme, /^# Go Concurrency in TypeScript\n/);
    assert.match(readme, /deno task lab 01 --watch/);
    assert.match(
      readme,
      /\| 04 \| Channels \| \[notes\/04-channels\.md\]\(notes\/04-channels\.md\) \| \[labs\/04-channels\/README\.md\]\(labs\/04-channels\/README\.md\) \| `deno task lab 04` \|/,
    );
    assert.equal(/solution|grader|hidden test/i.test(readme), false);
  });
});

describe("runnerModules", { skip: !onDeno && "needs Deno" }, () => {
  it("lists lab.ts and every local module it loads, and no test file", async () => {
    const modules = await runnerModules();
    for (
      const module of [
        "tools/lab.ts",
        "core/course.ts",
        "core/lab_env.ts",
        "tools/lab_view.ts",
        "core/test_runner.ts",
      ]
    ) {
      assert.ok(modules.includes(module), `${module} is missing from ${modules.join(", ")}`);
    }
    assert.equal(modules.some((module) => module.endsWith("_test.ts")), false);
    assert.equal(modules.includes("tools/check.ts") || modules.includes("tools/release.ts"), false);
  });
});

describe("findLeaks", { skip: !onDeno && "needs Deno" }, () => {
  it("finds solutions and hidden tests by path, by name and by content, and points in the manifest", async () => {
    const root = await makeFixtureCourse();
    const edition = await Deno.makeTempDir({ prefix: "edition-" });
    try {
      const write = async (path: string, text: string) => {
        await Deno.mkdir(joinPath(edition, path.slice(0, path.lastIndexOf("/"))), {
          recursive: true,
        });
        await Deno.writeTextFile(joinPath(edition, path), text);
      };
      const read = (path: string) => Deno.readTextFile(joinPath(root, path));
      await write("labs/01-adder/adder.ts", await read("labs/01-adder/adder.ts"));
      assert.deepEqual(await findLeaks(edition, coursePaths(root)), []);

      await write("solutions/01-adder/notes.txt", "anything");
      await write("labs/01-adder/extra_hidden_test.ts", "// renamed");
      await write("labs/02-echo/echo.ts", await read("solutions/02-echo/echo.ts"));
      await write(
        "labs/course.json",
        JSON.stringify({ title: "T", labs: [{ slug: "01-adder", points: { x: 1 } }] }),
      );
      assert.deepEqual(await findLeaks(edition, coursePaths(root)), [
        "labs/01-adder/extra_hidden_test.ts is a hidden test",
        "solutions/01-adder/notes.txt is under solutions/ or grader/",
        "labs/02-echo/echo.ts has the content of solutions/02-echo/echo.ts",
        "labs/course.json lists points (hidden test names) for 01-adder",
      ]);
    } finally {
      await Deno.remove(root, { recursive: true });
      await Deno.remove(edition, { recursive: true });
    }
  });
});
