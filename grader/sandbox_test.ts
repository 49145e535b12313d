import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { LabEntry } from "../core/course.ts";
import {
  copyTree,
  coursePaths,
  denoCacheDir,
  fileUrlToPath,
  hashFile,
  joinPath,
  loadCourse,
  walkFiles,
} from "../core/lab_env.ts";
import { makeFixtureCourse } from "../tools/testdata/make_fixture.ts";
import { findOnPath } from "../core/course.ts";
import { detectNamespace, foldersToShow, makeRunTempRoot, SANDBOX_MOUNT } from "./isolation.ts";
import type { TestRun } from "../core/test_runner.ts";
import {
  cacheCourseDependencies,
  DEFAULT_LIMITS,
  describeProblem,
  lockedPackages,
  makeSandboxCache,
  PRELOAD_IN_SANDBOX,
  PRELOAD_SOURCE,
  prepareSandbox,
  relativeTo,
  runSandbox,
  sandboxFlags,
  transpiledHiddenFiles,
  warmSharedCache,
} from "./sandbox.ts";

const onDeno = typeof Deno !== "undefined";
const root = fileUrlToPath(new URL("..", import.meta.url));
const paths = coursePaths(root);

const lab: LabEntry = {
  id: "06",
  slug: "06-server",
  title: "Server",
  note: "notes/06-server.md",
  files: ["server.ts"],
};

describe("sandboxFlags", () => {
  it("allows reading the sandbox only, denies the hidden tests, and grants nothing else", () => {
    const { permissions, flags } = sandboxFlags(
      lab,
      "/tmp/sb",
      "/tmp/sb/labs/06-server",
      ["server_hidden_test.ts", "helpers/fake.ts"],
      { ...DEFAULT_LIMITS, heapMb: 384 },
    );
    assert.deepEqual(permissions, [
      "--no-prompt",
      "--allow-read=/tmp/sb",
      "--deny-read=/tmp/sb/labs/06-server/server_hidden_test.ts," +
      "/tmp/sb/labs/06-server/helpers/fake.ts",
    ]);
    assert.deepEqual(flags, [
      "--cached-only",
      "--no-remote",
      "--v8-flags=--max-old-space-size=384",
      "--preload=/tmp/sb/grader/sandbox_preload.ts",
    ]);
    const granted = permissions.join(" ");
    for (const kind of ["write", "net", "env", "run", "ffi", "sys", "all"]) {
      assert.ok(!granted.includes(`--allow-${kind}`), `--allow-${kind} granted`);
    }
  });

  it("grants the seed variable alone, merged with the manifest's own variables", () => {
    const seeded = sandboxFlags(lab, "/tmp/sb", "/tmp/sb/labs/06-server", [], DEFAULT_LIMITS, true);
    assert.deepEqual(seeded.permissions.filter((flag) => flag.startsWith("--allow-env")), [
      "--allow-env=PRIMITIVES_SEED",
    ]);
    const both = sandboxFlags(
      { ...lab, permissions: { env: ["PORT"] } },
      "/tmp/sb",
      "/tmp/sb/labs/06-server",
      [],
      DEFAULT_LIMITS,
      true,
    );
    assert.deepEqual(both.permissions.filter((flag) => flag.startsWith("--allow-env")), [
      "--allow-env=PORT,PRIMITIVES_SEED",
    ]);
  });

  it("lets a lab that starts runtimes also start the namespace's confiners, and no other lab", () => {
    const confiners = ["/usr/bin/bwrap", "/usr/bin/pgrep", "/usr/bin/pkill"];
    const runs = sandboxFlags(
      { ...lab, permissions: { run: ["deno"] } },
      "/tmp/sb",
      "/tmp/sb/labs/06-server",
      [],
      DEFAULT_LIMITS,
      false,
      confiners,
    );
    const allowRun = runs.permissions.filter((flag) => flag.startsWith("--allow-run="));
    assert.deepEqual(allowRun, [`--allow-run=${Deno.execPath()},${confiners.join(",")}`]);
    const plain = sandboxFlags(
      lab,
      "/tmp/sb",
      "/tmp/sb/labs/06-server",
      [],
      DEFAULT_LIMITS,
      false,
      [
        ...confiners,
      ],
    );
    assert.ok(!plain.permissions.some((flag) => flag.startsWith("--allow-run")));
  });

  it("adds loopback network only for a lab whose manifest asks for it", () => {
    const { permissions } = sandboxFlags(
      { ...lab, permissions: { net: ["127.0.0.1"] } },
      "/tmp/sb",
      "/tmp/sb/labs/06-server",
      [],
      DEFAULT_LIMITS,
    );
    assert.deepEqual(permissions, ["--no-prompt", "--allow-read=/tmp/sb", "--allow-net=127.0.0.1"]);
  });
});

describe("prepareSandbox", { skip: !onDeno && "needs Deno" }, () => {
  it("holds the course's primitives and lab folder, the hidden tests, and only the listed student files", async () => {
    const course = await loadCourse(paths);
    const goroutines = course.labs.find((one) => one.slug === "01-goroutines")!;
    const encode = (text: string) => new TextEncoder().encode(text);
    const studentTracker = "// the student's tracker\nexport class Tracker {}\n";
    const sandbox = await prepareSandbox(paths, goroutines, {
      kind: "submission",
      files: [
        { name: "tracker.ts", bytes: encode(studentTracker) },
        { name: "../primitives/mod.ts", bytes: encode("export const hijacked = true;\n") },
        { name: "evil.ts", bytes: encode("export {};\n") },
      ],
    });
    try {
      for (const file of await walkFiles(paths.primitives)) {
        assert.equal(
          await hashFile(`${sandbox.dir}/labs/primitives/${file}`),
          await hashFile(`${paths.primitives}/${file}`),
          `labs/primitives/${file} is not the course's`,
        );
      }
      const inLab = await walkFiles(sandbox.labDir);
      assert.ok(!inLab.includes("evil.ts"), "a file the manifest does not list was copied");
      assert.equal(await Deno.readTextFile(`${sandbox.labDir}/tracker.ts`), studentTracker);
      for (const name of goroutines.files.filter((name) => name !== "tracker.ts")) {
        assert.equal(
          await hashFile(`${sandbox.labDir}/${name}`),
          await hashFile(`${paths.labs}/01-goroutines/${name}`),
          `${name} is not the starter`,
        );
      }
      assert.ok(inLab.includes("README.md"));
      assert.ok(!inLab.some((path) => path.startsWith("mutants/")), "the mutants were copied");
      assert.deepEqual(
        sandbox.hiddenTests,
        (await walkFiles(`${paths.hidden}/01-goroutines`))
          .filter((name) => !name.startsWith("mutants/"))
          .map((name) => `labs/01-goroutines/${name}`),
      );
      assert.equal(
        await hashFile(`${sandbox.dir}/${PRELOAD_IN_SANDBOX}`),
        await hashFile(PRELOAD_SOURCE),
      );
      const config = JSON.parse(await Deno.readTextFile(`${sandbox.dir}/deno.json`));
      assert.equal(config.tasks, undefined);
      assert.ok("@sinonjs/fake-timers" in config.imports);
    } finally {
      await sandbox.remove();
    }
  });
});

describe("cacheCourseDependencies", { skip: !onDeno && "needs Deno" }, () => {
  async function courseImporting(specifier: string): Promise<string> {
    const dir = await Deno.makeTempDir({ prefix: "cache-deps-" });
    await Deno.writeTextFile(
      joinPath(dir, "deno.json"),
      JSON.stringify({ nodeModulesDir: "none", imports: { dependency: specifier } }),
    );
    return dir;
  }

  it("returns without fetching when the cache already holds every package", async () => {
    const dir = await courseImporting("npm:@sinonjs/fake-timers@15.5.0");
    const said: string[] = [];
    try {
      // The first call fetches the package if no earlier run cached it; the second finds it.
      await cacheCourseDependencies(dir, () => {});
      await cacheCourseDependencies(dir, (line) => said.push(line));
      assert.deepEqual(said, []);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });

  it("says it fetches a missing package, and fails saying what Deno said when it cannot", async () => {
    const dir = await courseImporting("npm:no-such-package-for-the-workbook-grader@1.0.0");
    const said: string[] = [];
    try {
      await assert.rejects(
        cacheCourseDependencies(dir, (line) => said.push(line)),
        /not in Deno's cache and could not be fetched.*\n.*no-such-package-for-the-workbook-grader/s,
      );
      assert.equal(said.length, 1);
      assert.match(said[0], /^Fetching the course's npm packages/);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
});

describe("relativeTo", () => {
  const clean = relativeTo(["/tmp/grader-sandbox", "/tmp/grader-run-1/lab-01-a1b2"]);

  it("makes the sandbox's paths relative, as plain paths and as file URLs, wherever they begin", () => {
    assert.equal(
      clean("at f (file:///tmp/grader-sandbox/labs/01/a.ts:3:9)\n/tmp/grader-sandbox/labs/b.ts"),
      "at f (labs/01/a.ts:3:9)\nlabs/b.ts",
    );
    assert.equal(clean('cannot read "/tmp/grader-run-1/lab-01-a1b2/x.ts"'), 'cannot read "x.ts"');
    assert.equal(clean(undefined), undefined);
  });

  it("leaves a longer path that only holds the sandbox's further in as it is", () => {
    const cached = "/tmp/grader-run-1/deno-cache/gen/file/tmp/grader-sandbox/labs/01/a.ts.js";
    assert.equal(
      clean(`Requires read access to "${cached}"`),
      `Requires read access to "${cached}"`,
    );
    assert.equal(clean("/tmp/grader-sandboxes/x"), "/tmp/grader-sandboxes/x");
  });
});

describe("lockedPackages", () => {
  it("names each package deno.lock pins once, scoped or not, with or without peers", () => {
    assert.deepEqual(
      lockedPackages({
        npm: {
          "ses@2.3.0": {},
          "@endo/env-options@1.1.11": {},
          "hono@4.13.19": {},
          "hono@4.12.0": {},
          "react-dom@18.2.0_react@18.2.0": {},
        },
      }),
      ["ses", "@endo/env-options", "hono", "react-dom"],
    );
  });

  it("names nothing for a lock without npm packages, and no path that climbs out", () => {
    assert.deepEqual(lockedPackages(null), []);
    assert.deepEqual(lockedPackages({ version: "5" }), []);
    assert.deepEqual(lockedPackages({ npm: { "../../etc@1.0.0": {}, "ok@1.0.0": {} } }), ["ok"]);
  });
});

describe("a grading run's own Deno cache", { skip: !onDeno && "needs Deno" }, () => {
  const registry = "npm/registry.npmjs.org";

  it("holds the course's locked npm packages and nothing else, enough to run offline", async () => {
    const dir = await Deno.makeTempDir({ prefix: "sandbox-cache-" });
    try {
      const said: string[] = [];
      await makeSandboxCache(root, dir, (line) => said.push(line));
      assert.deepEqual(said, [], "everything came from the user's cache, nothing was fetched");
      const lock = JSON.parse(await Deno.readTextFile(joinPath(root, "deno.lock")));
      const expected = lockedPackages(lock).map((name) => name.split("/")[0]);
      const found: string[] = [];
      for await (const entry of Deno.readDir(joinPath(dir, registry))) found.push(entry.name);
      assert.deepEqual(found.sort(), [...new Set(expected)].sort());
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });

  it("is warmed with the hidden files and the primitives, never a solution", async (t) => {
    const namespace = await detectNamespace();
    if (namespace === undefined) {
      t.skip("needs bubblewrap");
      return;
    }
    const course = await loadCourse(paths);
    const lab01 = course.labs.find((one) => one.slug === "01-goroutines")!;
    const tempRoot = await makeRunTempRoot();
    try {
      const cacheDir = joinPath(tempRoot, "deno-cache");
      await makeSandboxCache(root, cacheDir, () => {});
      const courseRoot = root.replace(/\/$/, "");
      const setup = {
        tempRoot,
        namespace,
        cacheDir,
        hide: [courseRoot],
        show: foldersToShow(courseRoot, [courseRoot], undefined),
        seeds: [1, 2],
      };
      assert.equal(await warmSharedCache(paths, lab01, DEFAULT_LIMITS, setup), true);
      const transpiled = joinPath(cacheDir, "gen", "file", SANDBOX_MOUNT);
      const cached = await walkFiles(transpiled);
      for (
        const file of [
          "labs/01-goroutines/tracker_hidden_test.ts.js",
          "labs/primitives/chan.ts.js",
          PRELOAD_IN_SANDBOX + ".js",
        ]
      ) assert.ok(cached.includes(file), `${file} is not among ${cached.join(", ")}`);
      const transpiledHidden = await transpiledHiddenFiles(paths, lab01, cacheDir);
      const hiddenTests = (await walkFiles(joinPath(paths.hidden, "01-goroutines")))
        .filter((name) => name.endsWith("_hidden_test.ts"));
      assert.equal(transpiledHidden.length, hiddenTests.length);
      assert.ok(transpiledHidden.some((text) => text.includes('describe("Tracker (hidden)"')));
      assert.deepEqual(await transpiledHiddenFiles(paths, lab01, undefined), []);
      const contents = async () =>
        new Map(
          await Promise.all(
            (await walkFiles(transpiled)).map(async (file) =>
              [file, await Deno.readTextFile(joinPath(transpiled, file))] as const
            ),
          ),
        );
      const warmed = await contents();
      for (const name of lab01.files) {
        const starter = await Deno.readTextFile(joinPath(paths.labs, "01-goroutines", name));
        const solution = await Deno.readTextFile(joinPath(paths.solutions, "01-goroutines", name));
        const solutionOnly = solution.split("\n").map((line) => line.trim())
          .filter((line) => line.length >= 30 && !starter.includes(line) && !line.startsWith("//"));
        for (const [file, text] of warmed) {
          for (const line of solutionOnly) assert.ok(!text.includes(line), `${file} holds ${line}`);
        }
      }
      // A graded run may read the cache, not write it.
      const outcome = await runSandbox(
        paths,
        lab01,
        { kind: "solution" },
        DEFAULT_LIMITS,
        undefined,
        setup,
      );
      assert.ok(outcome.report?.every((test) => test.status === "passed"), outcome.problem);
      assert.deepEqual(await contents(), warmed, "the solution's run changed the cache");
    } finally {
      await Deno.remove(tempRoot, { recursive: true });
    }
  });

  it("is not warmed without a namespace or a cache of the run's own", async () => {
    const course = await loadCourse(paths);
    const lab01 = course.labs.find((one) => one.slug === "01-goroutines")!;
    assert.equal(
      await warmSharedCache(paths, lab01, DEFAULT_LIMITS, { cacheDir: "/nowhere" }),
      false,
    );
    assert.equal(
      await warmSharedCache(paths, lab01, DEFAULT_LIMITS, { namespace: { bwrap: "bwrap" } }),
      false,
    );
  });
});

describe("describeProblem", () => {
  const run = (extra: Partial<TestRun>): TestRun => ({
    results: [],
    exitCode: 1,
    timedOut: false,
    aborted: false,
    outputLimited: false,
    fromReport: false,
    strayOutput: [],
    ...extra,
  });

  it("names the limit a killed run hit", () => {
    assert.equal(
      describeProblem(run({ timedOut: true, exitCode: null }), DEFAULT_LIMITS),
      "timed out after 60 s",
    );
    assert.equal(
      describeProblem(run({ timedOut: true }), { ...DEFAULT_LIMITS, timeoutMs: 2500 }),
      "timed out after 2.5 s",
    );
    assert.match(
      describeProblem(run({ memoryLimited: true, exitCode: null }), DEFAULT_LIMITS) ?? "",
      /^its processes held more than 1536 MiB of memory together and were stopped/,
    );
  });

  it("recognises a run that ran out of memory", () => {
    const problem = {
      headline: "the test runner stopped with an error before reporting any failing test",
      details: ["#", "# Fatal JavaScript out of memory: Reached heap limit"],
    };
    assert.equal(
      describeProblem(run({ exitCode: 133, problem }), DEFAULT_LIMITS),
      "ran out of memory (the heap limit is 512 MiB)",
    );
  });

  it("gives the compiler's messages for a type error, without the source lines it quotes", () => {
    const problem = {
      headline: "the code does not type-check, so no test ran",
      details: [
        "TS2345 [ERROR]: Argument of type 'number' is not assignable to parameter of type 'string'.",
        "  const secret = tracker.event(ctx, 42); // a hidden test's line",
        "                                    ~~",
        "    at labs/01-goroutines/tracker_hidden_test.ts:40:37",
      ],
    };
    assert.equal(
      describeProblem(run({ problem }), DEFAULT_LIMITS),
      "the code does not type-check, so no test ran\n" +
        "TS2345 [ERROR]: Argument of type 'number' is not assignable to parameter of type " +
        "'string'. (at labs/01-goroutines/tracker_hidden_test.ts:40:37)",
    );
  });

  it("says a run ended without its report, and passes on a load error of a run with one", () => {
    assert.equal(
      describeProblem(run({ exitCode: 1 }), DEFAULT_LIMITS),
      "the test run ended (exit code 1) without writing its report",
    );
    const problem = { headline: "./labs/x/a_test.ts threw outside any test", details: ["boom"] };
    assert.equal(
      describeProblem(run({ fromReport: true, problem }), DEFAULT_LIMITS),
      "./labs/x/a_test.ts threw outside any test\nboom",
    );
    assert.equal(
      describeProblem(run({ fromReport: true, exitCode: 0 }), DEFAULT_LIMITS),
      undefined,
    );
  });
});

describe("runSandbox, every seed in one process", { skip: !onDeno && "needs Deno" }, () => {
  // A hidden test that imports the student's module statically lets the module register
  // tests of its own at the top level, before the real ones: under the hidden test's very
  // name, they shift which seed's pass each real result is read as.
  it("lets tests the student's code registers under a hidden test's name launder no failure", async () => {
    const root = await makeFixtureCourse();
    try {
      const fixturePaths = coursePaths(root);
      await copyTree(paths.primitives, fixturePaths.primitives);
      await Deno.writeTextFile(
        joinPath(fixturePaths.hidden, "01-adder", "adder_hidden_test.ts"),
        `import { describe, it } from "node:test";
import { add } from "./adder.ts";
describe("adder (hidden)", () => {
  it("adds", () => {
    if (add(2, 3) !== 5) throw new Error("add(2, 3) is not 5");
  });
});
`,
      );
      const adder = (await loadCourse(fixturePaths)).labs.find((one) => one.slug === "01-adder")!;
      const student = `import { it } from "node:test";
import { runtime } from "../primitives/mod.ts";
it("adder (hidden) > adds", () => {});
export function add(a: number, b: number): number {
  return runtime.seed() === 1 ? a - b : a + b;
}
export function total(values: number[]): number {
  return values.reduce(add, 0);
}
`;
      const outcome = await runSandbox(
        fixturePaths,
        adder,
        {
          kind: "submission",
          files: [{ name: "adder.ts", bytes: new TextEncoder().encode(student) }],
        },
        DEFAULT_LIMITS,
        undefined,
        { seeds: [1, 2] },
      );
      const adds = outcome.report?.find((test) => test.name === "adder (hidden) > adds");
      assert.equal(adds?.status, "failed", JSON.stringify(outcome.report));
      assert.equal(outcome.failingSeeds.get("adder (hidden) > adds"), 1);
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  });
  it("says a lab with no hidden test file has nothing to run, instead of failing", async () => {
    const root = await makeFixtureCourse();
    try {
      const fixturePaths = coursePaths(root);
      await Deno.remove(joinPath(fixturePaths.hidden, "01-adder", "adder_hidden_test.ts"));
      const adder = (await loadCourse(fixturePaths)).labs.find((one) => one.slug === "01-adder")!;
      const outcome = await runSandbox(fixturePaths, adder, { kind: "solution" }, DEFAULT_LIMITS);
      assert.deepEqual(outcome.report, []);
      assert.equal(outcome.problem, "grader/hidden/01-adder/ holds no hidden test file to run");
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  });
});

describe("runSandbox, lab 06's Bun copy", { skip: !onDeno && "needs Deno" }, () => {
  // Bun has no permissions of its own. In a namespace, the sandbox's report folder is mounted
  // writable; a program that could write there could rewrite the report before the grader reads
  // it. And the hidden tests lie beside the program's main.ts.
  it("cannot write into the report folder or read the hidden tests, on Bun as on Deno", async (t) => {
    const namespace = await detectNamespace();
    if (namespace?.confiners === undefined || findOnPath("bun") === undefined) {
      t.skip("needs bubblewrap usable inside a sandbox, procps and bun");
      return;
    }
    const course = await loadCourse(paths);
    const lab06 = course.labs.find((one) => one.slug === "06-server")!;
    // On either runtime: write a file into every report folder in sight, and read the hidden
    // scenarios beside main.ts; exit before the readiness line when anything worked.
    const planter = `const done: string[] = [];
const fs = await import("node:fs");
try {
  for (const run of fs.readdirSync("/tmp").filter((name) => name.startsWith("grader-run-"))) {
    for (const dir of fs.readdirSync(\`/tmp/\${run}\`)) {
      if (!dir.startsWith("reports-")) continue;
      try {
        fs.writeFileSync(\`/tmp/\${run}/\${dir}/planted.txt\`, "forged");
        done.push(\`wrote into \${dir}\`);
      } catch {
        // refused
      }
    }
  }
} catch {
  // /tmp cannot be listed
}
try {
  const text = fs.readFileSync(new URL("./server_scenarios.ts", import.meta.url), "utf8");
  if (text.length > 0) done.push("read the hidden scenarios");
} catch {
  // refused
}
if (done.length > 0) {
  console.error(done.join("; "));
  process.exit(3);
}
`;
    const main = await Deno.readTextFile(joinPath(paths.solutions, "06-server", "main.ts"));
    const files = await Promise.all(
      lab06.files.map(async (name) => ({
        name,
        bytes: new TextEncoder().encode(
          name === "main.ts"
            ? `${planter}${main}`
            : await Deno.readTextFile(joinPath(paths.solutions, "06-server", name)),
        ),
      })),
    );
    const courseRoot = root.replace(/\/$/, "");
    const tempRoot = await makeRunTempRoot();
    try {
      const outcome = await runSandbox(
        paths,
        lab06,
        { kind: "submission", files },
        DEFAULT_LIMITS,
        undefined,
        {
          tempRoot,
          namespace,
          hide: [courseRoot],
          show: foldersToShow(courseRoot, [courseRoot], denoCacheDir()),
          seeds: [1],
        },
      );
      const report = outcome.report ?? [];
      assert.ok(
        report.some((test) => test.name.includes("on Bun:")),
        `no Bun test: ${outcome.problem}`,
      );
      for (const test of report) assert.equal(test.status, "passed", JSON.stringify(test));
    } finally {
      await Deno.remove(tempRoot, { recursive: true });
    }
  });
});
