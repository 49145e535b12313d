/**
 * `deno task test`: the project's whole test suite, one step after another,
 * with a progress line per step and a closing count. Installs what it needs
 * (npm packages for Bun, Bun itself through npx) so that a fresh clone on a
 * machine with only Node.js passes with `npx deno task test`.
 *
 * Usage: deno task test [--only <step>] [--list]
 *
 * @module
 */
import { existsSync } from "node:fs";
import { readLines } from "../core/test_runner.ts";

interface Step {
  /** Short name for `--only`. */
  name: string;
  /** What the step proves, shown in the progress line. */
  title: string;
  /** The command to run (argv), or a function that builds it once earlier steps have run. */
  command: () => Promise<string[]>;
}

const root = new URL("..", import.meta.url).pathname;
const deno = Deno.execPath();

function sourceFilesOf(dir: string): string[] {
  return [...Deno.readDirSync(`${root}${dir}`)]
    .filter((entry) =>
      entry.isFile && entry.name.endsWith(".ts") && !entry.name.endsWith("_test.ts")
    )
    .map((entry) => `${dir}/${entry.name}`)
    .sort();
}

/**
 * The grader's own files (not recursive): grader/hidden/ holds the labs' hidden
 * tests, which import the student's files and only run inside a sandbox copy.
 */
function graderFiles(include: (name: string) => boolean): string[] {
  return [...Deno.readDirSync(`${root}grader`)]
    .filter((entry) => entry.isFile && include(entry.name))
    .map((entry) => `grader/${entry.name}`)
    .sort();
}

async function succeeds(argv: string[]): Promise<boolean> {
  try {
    const { success } = await new Deno.Command(argv[0], {
      args: argv.slice(1),
      stdout: "null",
      stderr: "null",
    })
      .output();
    return success;
  } catch {
    return false;
  }
}

/** `bun` from PATH, or the pinned npm package through npx on a machine without it. */
async function bunCommand(): Promise<string[]> {
  if (await succeeds(["bun", "--version"])) return ["bun"];
  return ["npx", "--yes", "bun@1.4.5"];
}

const steps: Step[] = [
  {
    name: "fmt",
    title: "formatting is clean (deno fmt --check)",
    command: () => Promise.resolve([deno, "fmt", "--check"]),
  },
  {
    name: "lint",
    title: "lint is clean (deno lint)",
    command: () => Promise.resolve([deno, "lint"]),
  },
  {
    name: "types",
    title: "everything type-checks (deno check)",
    command: () =>
      Promise.resolve([
        deno,
        "check",
        "labs",
        "core",
        "tools",
        "site",
        ...graderFiles((name) => name.endsWith(".ts")),
        "grader/testdata",
        "grader/gradescope",
      ]),
  },
  {
    name: "unit",
    title: "unit and integration tests on Deno (deno test)",
    command: () =>
      Promise.resolve([
        "env",
        // Test files run one per core, up to four (two on CI's machine): many wait on child
        // processes, real signals and time limits, and those waits overlap; more at once would
        // only crowd the grader's own time limits.
        `DENO_JOBS=${Math.min(4, navigator.hardwareConcurrency ?? 1)}`,
        deno,
        "test",
        "--allow-all",
        "--quiet",
        // The types step has checked every file already.
        "--no-check",
        "--parallel",
        // the notes get a step of their own (below): they run every example
        "--ignore=tools/notes_code_test.ts",
        "labs/primitives",
        "core",
        "tools",
        "site",
        ...graderFiles((name) => name.endsWith(".ts")),
        "grader/testdata",
        "grader/gradescope",
      ]),
  },
  {
    name: "seeded",
    title:
      "the primitives' tests under a seeded schedule (PRIMITIVES_SEED=7): none relies on the default interleaving unless it says so",
    command: () =>
      Promise.resolve([
        "env",
        "PRIMITIVES_SEED=7",
        deno,
        "test",
        "--allow-all",
        "--quiet",
        "--no-check",
        "labs/primitives",
      ]),
  },
  {
    name: "notes",
    title:
      "the notes: every ts block type-checks, every go block parses, every example prints its output",
    command: () =>
      Promise.resolve([deno, "test", "--allow-all", "--quiet", "tools/notes_code_test.ts"]),
  },
  {
    name: "docs",
    title: "every export of the primitives is documented and its @example runs",
    command: () => Promise.resolve([deno, "doc", "--lint", "labs/primitives/mod.ts"]),
  },
  {
    name: "examples",
    title: "the primitives' JSDoc examples run (deno test --doc)",
    command: () =>
      Promise.resolve([
        deno,
        "test",
        "--doc",
        "--allow-all",
        "--quiet",
        "--permit-no-files",
        ...sourceFilesOf("labs/primitives"),
      ]),
  },
  {
    name: "labs",
    title:
      "every lab: solutions pass (public tests under 5 seeds), starters fail, the hidden tests catch every mutant, manifest matches (deno task check)",
    // Five seeds and the mutants' hidden runs alone keep the suite within its time;
    // `deno task check` alone runs twenty seeds and says which public tests catch each mutant.
    // A lab that fails among the others is checked again alone: a pass then is reported as a
    // flake (a warning naming the first problems), so a crowded machine does not fail CI.
    command: () =>
      Promise.resolve([
        deno,
        "task",
        "--quiet",
        "check",
        "--seeds",
        "5",
        "--mutants-hidden-only",
        "--recheck-alone",
      ]),
  },
  {
    name: "bun-install",
    title: "npm packages for Bun are installed",
    command: () =>
      Promise.resolve(
        existsSync(`${root}node_modules/@sinonjs/fake-timers`)
          ? [deno, "eval", "console.log('node_modules is present')"]
          : ["npm", "install", "--no-audit", "--no-fund"],
      ),
  },
  {
    name: "bun",
    title: "the primitives' tests on Bun (bun test labs/primitives)",
    command: async () => [...(await bunCommand()), "test", "labs/primitives"],
  },
];

/** How many of a failed step's last output lines are repeated at the end of the run. */
const TAIL_LINES = 40;

/** Copies a child's output to ours as it comes, and keeps its last lines in `tail`. */
async function relay(
  from: ReadableStream<Uint8Array>,
  to: WritableStream<Uint8Array>,
  tail: string[],
): Promise<void> {
  const [shown, read] = from.tee();
  await Promise.all([
    shown.pipeTo(to, { preventClose: true }),
    readLines(read, (line) => {
      if (tail.push(line) > TAIL_LINES) tail.shift();
    }),
  ]);
}

function usage(): string {
  return [
    "Usage: deno task test [--only <step>] [--list]",
    "",
    "Runs the project's whole test suite. Steps:",
    ...steps.map((step) => `  ${step.name.padEnd(12)} ${step.title}`),
  ].join("\n");
}

const args = [...Deno.args];
if (args.includes("--help") || args.includes("-h")) {
  console.log(usage());
  Deno.exit(0);
}
if (args.includes("--list")) {
  console.log(steps.map((step) => step.name).join("\n"));
  Deno.exit(0);
}
let selected = steps;
const onlyIndex = args.indexOf("--only");
if (onlyIndex !== -1) {
  const wanted = args[onlyIndex + 1];
  selected = steps.filter((step) => step.name === wanted);
  if (selected.length === 0) {
    console.error(`Unknown step "${wanted ?? ""}". ${usage()}`);
    Deno.exit(2);
  }
}

const failed: { name: string; lastLines: string[] }[] = [];
const started = performance.now();
for (const [index, step] of selected.entries()) {
  const argv = await step.command();
  console.log(
    `\n[${index + 1}/${selected.length}] ${step.title}\n$ ${argv.join(" ").replace(deno, "deno")}`,
  );
  const stepStart = performance.now();
  const child = new Deno.Command(argv[0], {
    args: argv.slice(1),
    cwd: root,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const tail: string[] = [];
  await Promise.all([
    relay(child.stdout, Deno.stdout.writable, tail),
    relay(child.stderr, Deno.stderr.writable, tail),
  ]);
  const { code } = await child.status;
  const seconds = ((performance.now() - stepStart) / 1000).toFixed(1);
  if (code === 0) {
    console.log(`[${index + 1}/${selected.length}] ok: ${step.name} (${seconds} s)`);
  } else {
    console.log(
      `[${index + 1}/${selected.length}] FAILED: ${step.name} (exit ${code}, ${seconds} s)`,
    );
    failed.push({ name: step.name, lastLines: tail });
  }
}
// CI keeps only the end of the log, so the reasons a step failed are repeated there.
for (const { name, lastLines } of failed) {
  console.log(`\n--- the last ${lastLines.length} lines of the failed step "${name}":`);
  for (const line of lastLines) console.log(line);
}
const total = ((performance.now() - started) / 1000).toFixed(1);
console.log(
  `\nTest steps run in ${total} s${
    failed.length > 0 ? `; failed: ${failed.map((step) => step.name).join(", ")}` : ""
  }`,
);
console.log(`steps: ${selected.length - failed.length} passed, ${failed.length} failed`);
Deno.exit(failed.length === 0 ? 0 : 1);
