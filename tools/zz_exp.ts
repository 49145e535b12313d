import { coursePaths, loadCourse } from "../core/lab_env.ts";
import { findLab } from "../core/course.ts";
import { DEFAULT_LIMITS, prepareSandbox, sandboxFlags } from "../grader/sandbox.ts";
import { CANARY_FILE, canarySource, newCanarySecret } from "../grader/canary.ts";
import { openCpuMeter } from "../grader/cpu_meter.ts";
import { ENTRY_FILE, entrySource } from "../core/test_entry.ts";

const [slugArg, ...variants] = Deno.args;
const paths = coursePaths("/work/main");
const course = await loadCourse(paths);
const found = findLab(course, slugArg);
if (!found.ok) throw new Error("no lab");
const lab = found.lab;
const sb = await prepareSandbox(paths, lab, { kind: "solution" });
const hidden = sb.hiddenTests.map((p) => p.slice(p.lastIndexOf("/") + 1));
await Deno.writeTextFile(`${sb.labDir}/${CANARY_FILE}`, canarySource(newCanarySecret()));
const stable = Deno.env.get("STABLE") !== undefined;
const inDir = stable ? "/tmp/sandbox" : sb.dir;
const { permissions, flags } = sandboxFlags(lab, inDir, `${inDir}/labs/${lab.slug}`, [...hidden, CANARY_FILE, ENTRY_FILE], DEFAULT_LIMITS, true);
const meter = (await openCpuMeter())!;
const wrap = Deno.env.get("WRAP");
const home = Deno.env.get("HOME")!;
const dd = Deno.env.get("DD");
const filterFlag = Deno.env.get("FILTER") ? ["--filter=zzz-nothing"] : [];
async function run(name: string, files: string[], seeds: number[], preload: boolean): Promise<number> {
  const bw = wrap === undefined ? [] : ["bwrap", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp", "--bind", sb.dir, inDir, "--chdir", inDir, ...(dd ? [wrap === "rw" ? "--bind" : "--ro-bind", dd, dd] : []), ...(wrap === "rw" && !dd ? ["--bind", `${home}/.cache/deno`, `${home}/.cache/deno`] : []), "--unshare-pid", "--"];
  await Deno.writeTextFile(`${sb.labDir}/${ENTRY_FILE}`, entrySource(seeds.map((seed, i) => ({ seed, files })), [CANARY_FILE]));
  const f = preload ? flags : flags.filter((x) => !x.startsWith("--preload"));
  const before = await meter.readMs();
  const out = await new Deno.Command("/usr/bin/time", {
    args: ["-f", "TIME %e %U %S", ...bw, Deno.execPath(), "test", "--no-check", "--reporter=dot", `--junit-path=/tmp/j_${slugArg}.xml`, ...filterFlag, ...f, ...permissions, `labs/${lab.slug}/${ENTRY_FILE}`],
    cwd: sb.dir, env: { PRIMITIVES_SEED: String(seeds[0] ?? 1), ...(dd ? { DENO_DIR: dd } : {}) }, stdout: "piped", stderr: "piped",
  }).output();
  const err = new TextDecoder().decode(out.stderr);
  if (Deno.env.get("SHOW")) console.error(err.slice(-1500));
  return (await meter.readMs() - before) / 1000;
}
const table: Record<string, number[]> = {};
const defs: Record<string, () => Promise<number>> = {
  empty: () => run("empty", [], [1], true),
  emptyNoPreload: () => run("emptyNoPreload", [], [1], false),
  one: () => run("one", hidden, [1], true),
  two: () => run("two", hidden, [1, 2], true),
};
if (Deno.env.get("WARM")) { const w = wrap; (globalThis as any).x = 1; }
const rounds = Number(Deno.env.get("ROUNDS") ?? 5);
for (let r = 0; r < rounds; r++) for (const v of variants) (table[v] ??= []).push(await defs[v]());
for (const [v, xs] of Object.entries(table)) { xs.sort((a, b) => a - b); console.log(slugArg, v, "median CPU", xs[Math.floor(xs.length/2)].toFixed(2), "all", xs.join(" ")); }
await sb.remove();
await meter.close();
