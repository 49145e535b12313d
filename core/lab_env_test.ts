import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  configForTestRuns,
  coursePaths,
  createSandbox,
  denoCacheDir,
  exists,
  fileUrlToPath,
  forgetTranspiled,
  hashText,
  joinPath,
  loadCourse,
  makeStyle,
  mapPool,
  parseSeconds,
  plural,
  takeFlag,
  takeOption,
  walkFiles,
} from "./lab_env.ts";
import { makeFixtureCourse } from "../tools/testdata/make_fixture.ts";

const onDeno = typeof Deno !== "undefined";

/** Runs a module, so that Deno transpiles it into the cache its `env` names (or the usual one). */
async function runTranspiling(file: string, env: Record<string, string>): Promise<void> {
  const run = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-config", "--no-lock", file],
    env,
    cwd: "/",
    stdout: "null",
    stderr: "piped",
  }).output();
  assert.ok(run.success, new TextDecoder().decode(run.stderr));
}

describe("paths", () => {
  it("joins with single slashes and keeps a leading one", () => {
    assert.equal(joinPath("/a/", "b", "", "c.ts"), "/a/b/c.ts");
    assert.equal(joinPath("a", "b"), "a/b");
  });

  it("turns file URLs into paths, decoding escapes and keeping drive letters", () => {
    assert.equal(fileUrlToPath(new URL("file:///work/my%20course/x.ts")), "/work/my course/x.ts");
    assert.equal(fileUrlToPath(new URL("file:///C:/course/x.ts")), "C:/course/x.ts");
  });

  it("places every part of a course under its root", () => {
    assert.deepEqual(coursePaths("/c"), {
      root: "/c",
      labs: "/c/labs",
      manifest: "/c/labs/course.json",
      primitives: "/c/labs/primitives",
      solutions: "/c/solutions",
      hidden: "/c/grader/hidden",
      notes: "/c/notes",
    });
  });
});

describe("hashText", () => {
  it("is the SHA-256 of the text", async () => {
    assert.equal(
      await hashText("abc"),
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    );
  });

  it("hashes a CRLF checkout like the original, and any edit differently", async () => {
    assert.equal(await hashText("a\r\nb\r\n"), await hashText("a\nb\n"));
    assert.notEqual(await hashText("a\nb\n"), await hashText("a\nb \n"));
  });
});

describe("command-line helpers", () => {
  it("takes an option in either form and removes it from the arguments", () => {
    const args = ["04", "--root", "/c", "--timeout=30"];
    assert.equal(takeOption(args, "--root"), "/c");
    assert.equal(takeOption(args, "--timeout"), "30");
    assert.equal(takeOption(args, "--missing"), undefined);
    assert.deepEqual(args, ["04"]);
  });

  it("refuses an option without its value", () => {
    assert.throws(() => takeOption(["--root"], "--root"), /--root needs a value/);
    assert.throws(() => takeOption(["--root", "--watch"], "--root"), /--root needs a value/);
  });

  it("takes every spelling of a flag", () => {
    const args = ["-w", "04", "--watch"];
    assert.equal(takeFlag(args, "--watch", "-w"), true);
    assert.deepEqual(args, ["04"]);
    assert.equal(takeFlag(args, "--watch"), false);
  });

  it("reads seconds as milliseconds and rejects nonsense", () => {
    assert.equal(parseSeconds("1.5", "--timeout"), 1500);
    assert.throws(() => parseSeconds("0", "--timeout"), /--timeout must be a positive number/);
    assert.throws(() => parseSeconds("soon", "--timeout"), /not "soon"/);
  });
});

describe("mapPool", () => {
  it("keeps input order and never runs more than the limit at once", async () => {
    let running = 0;
    let most = 0;
    const results = await mapPool([5, 1, 4, 2, 3], 2, async (value) => {
      running++;
      most = Math.max(most, running);
      for (let turn = 0; turn < value; turn++) await Promise.resolve();
      running--;
      return value * 10;
    });
    assert.deepEqual(results, [50, 10, 40, 20, 30]);
    assert.equal(most, 2);
  });

  it("handles an empty list", async () => {
    assert.deepEqual(await mapPool([], 2, () => Promise.resolve(1)), []);
  });
});

describe("plural", () => {
  it("adds an s unless the count is one", () => {
    assert.equal(plural(1, "lab"), "1 lab");
    assert.equal(plural(0, "lab"), "0 labs");
    assert.equal(plural(3, "problem"), "3 problems");
  });
});

describe("makeStyle", () => {
  it("adds ANSI colours only when enabled", () => {
    assert.equal(makeStyle(false).red("x"), "x");
    assert.equal(makeStyle(true).red("x"), "\x1b[31mx\x1b[39m");
  });
});

describe("configForTestRuns", () => {
  it("drops the test excludes and tasks and keeps what resolves imports", () => {
    const config = {
      name: "@x/y",
      nodeModulesDir: "none",
      tasks: { lab: "…" },
      imports: { hono: "npm:hono@4" },
      compilerOptions: { strict: true },
      test: { exclude: ["labs/04-channels/"] },
    };
    assert.deepEqual(configForTestRuns(config), {
      nodeModulesDir: "none",
      imports: { hono: "npm:hono@4" },
      compilerOptions: { strict: true },
    });
  });
});

describe("createSandbox", { skip: !onDeno && "needs Deno" }, () => {
  it("lays out primitives, the lab with the solution over the starter, and the hidden tests", async () => {
    const root = await makeFixtureCourse();
    try {
      const paths = coursePaths(root);
      const [adder] = (await loadCourse(paths)).labs;
      const sandbox = await createSandbox(paths, adder, "solution", true);
      try {
        assert.deepEqual(await walkFiles(sandbox.dir), [
          "deno.json",
          "deno.lock",
          "labs/01-adder/README.md",
          "labs/01-adder/adder.ts",
          "labs/01-adder/adder_hidden_test.ts",
          "labs/01-adder/adder_test.ts",
          "labs/primitives/mod.ts",
          "package.json",
        ]);
        assert.equal(
          await Deno.readTextFile(joinPath(sandbox.labDir, "adder.ts")),
          await Deno.readTextFile(joinPath(root, "solutions/01-adder/adder.ts")),
        );
        assert.deepEqual(sandbox.publicTests, ["labs/01-adder/adder_test.ts"]);
        assert.deepEqual(sandbox.hiddenTests, ["labs/01-adder/adder_hidden_test.ts"]);
        const config = JSON.parse(await Deno.readTextFile(joinPath(sandbox.dir, "deno.json")));
        assert.equal(
          config.test,
          undefined,
          "the fixture's test excludes must not reach the sandbox",
        );
        assert.ok(config.imports["@sinonjs/fake-timers"]);
      } finally {
        await sandbox.remove();
      }
      assert.equal(await exists(sandbox.dir), false);
      const starter = await createSandbox(paths, adder, "starter", false);
      try {
        assert.equal(
          await Deno.readTextFile(joinPath(starter.labDir, "adder.ts")),
          await Deno.readTextFile(joinPath(root, "labs/01-adder/adder.ts")),
        );
        assert.deepEqual(starter.hiddenTests, []);
        assert.equal(await exists(joinPath(starter.labDir, "adder_hidden_test.ts")), false);
      } finally {
        await starter.remove();
      }
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  });

  it("links the course's node_modules for Bun, and removing the sandbox leaves them alone", async () => {
    const root = await makeFixtureCourse();
    try {
      const paths = coursePaths(root);
      const [adder] = (await loadCourse(paths)).labs;
      await Deno.mkdir(joinPath(root, "node_modules", "hono"), { recursive: true });
      await Deno.writeTextFile(joinPath(root, "node_modules", "hono", "package.json"), "{}\n");
      const sandbox = await createSandbox(paths, adder, "starter", false);
      try {
        const link = joinPath(sandbox.dir, "node_modules");
        assert.equal((await Deno.lstat(link)).isSymlink, true);
        assert.equal(
          await Deno.realPath(link),
          await Deno.realPath(joinPath(root, "node_modules")),
        );
      } finally {
        await sandbox.remove();
      }
      assert.equal(await exists(joinPath(root, "node_modules", "hono", "package.json")), true);
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  });

  // Test files run in parallel in one process, so these tests never set DENO_DIR on it: a
  // sandbox another file starts meanwhile would inherit an empty cache.
  it("removing a sandbox also removes what Deno transpiled from it", async () => {
    const root = await makeFixtureCourse();
    const cache = denoCacheDir();
    assert.ok(cache !== undefined, "this test needs Deno's cache folder");
    try {
      const [adder] = (await loadCourse(coursePaths(root))).labs;
      const sandbox = await createSandbox(coursePaths(root), adder, "starter", false);
      const probe = joinPath(sandbox.labDir, "probe.ts");
      await Deno.writeTextFile(probe, "const seen: number = 2;\nconsole.log(seen);\n");
      await runTranspiling(probe, {});
      const transpiledProbe = async () =>
        (await walkFiles(joinPath(cache, "gen", "file"))).filter((file) =>
          file.endsWith("/probe.ts.js") && file.includes(sandbox.dir.split("/").at(-1)!)
        );
      assert.equal((await transpiledProbe()).length, 1);
      await sandbox.remove();
      assert.deepEqual(await transpiledProbe(), []);
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  });

  it("forgetTranspiled removes the transpiled modules under the folders named, and nothing else", async () => {
    const cache = await Deno.makeTempDir({ prefix: "deno-cache-" });
    const dir = await Deno.makeTempDir({ prefix: "transpiled-" });
    try {
      const [gone, kept] = [joinPath(dir, "gone", "probe.ts"), joinPath(dir, "kept.ts")];
      await Deno.mkdir(joinPath(dir, "gone"));
      await Deno.writeTextFile(gone, "const seen: number = 2;\nconsole.log(seen);\n");
      await Deno.writeTextFile(kept, "const kept: number = 1;\nconsole.log(kept);\n");
      for (const file of [gone, kept]) await runTranspiling(file, { DENO_DIR: cache });
      const transpiled = () => walkFiles(joinPath(cache, "gen"));
      const before = await transpiled();
      assert.ok(before.some((file) => file.endsWith("/probe.ts.js")), before.join(", "));
      await forgetTranspiled([joinPath(dir, "gone")], cache);
      const after = await transpiled();
      assert.deepEqual(after, before.filter((file) => !file.endsWith("/probe.ts.js")));
      assert.ok(after.some((file) => file.endsWith("/kept.ts.js")), after.join(", "));
    } finally {
      await Deno.remove(cache, { recursive: true });
      await Deno.remove(dir, { recursive: true });
    }
  });

  it("denoCacheDir follows DENO_DIR", async () => {
    const script = `import { denoCacheDir } from ${
      JSON.stringify(new URL("./lab_env.ts", import.meta.url).href)
    }; console.log(denoCacheDir());`;
    const run = await new Deno.Command(Deno.execPath(), {
      args: ["eval", "--no-config", script],
      env: { DENO_DIR: "/tmp/some-deno-cache" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.ok(run.success, new TextDecoder().decode(run.stderr));
    assert.equal(new TextDecoder().decode(run.stdout).trim(), "/tmp/some-deno-cache");
  });

  it("names the missing folder and leaves nothing behind", async () => {
    const root = await makeFixtureCourse();
    try {
      const paths = coursePaths(root);
      const [adder] = (await loadCourse(paths)).labs;
      await Deno.remove(joinPath(root, "grader"), { recursive: true });
      const probe = await Deno.makeTempDir();
      const tmp = probe.slice(0, probe.lastIndexOf("/"));
      await Deno.remove(probe);
      const sandboxes = async () => {
        const names: string[] = [];
        for await (const entry of Deno.readDir(tmp)) {
          if (entry.name.startsWith("lab-01-adder-solution-")) names.push(entry.name);
        }
        return names.sort();
      };
      const before = await sandboxes();
      await assert.rejects(
        createSandbox(paths, adder, "solution", true),
        /the hidden tests folder .*grader\/hidden\/01-adder does not exist/,
      );
      assert.deepEqual(await sandboxes(), before);
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  });
});
