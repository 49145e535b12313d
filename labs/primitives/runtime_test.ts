import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { Chan } from "./chan.ts";
import { go, runtime } from "./runtime.ts";

/** Runs a fixture program with the current runtime; resolves to its exit code and output. */
function runFixture(
  name: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const file = fileURLToPath(new URL(`./testdata/${name}`, import.meta.url));
  const args = "Deno" in globalThis ? ["run", "--quiet", file] : [file];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("go()", () => {
  it("starts the task on a later turn, not inside the caller", async () => {
    const order: string[] = [];
    go(() => order.push("task"));
    order.push("caller");
    await new Promise<void>((resolve) => setImmediate(resolve));
    assert.deepEqual(order, ["caller", "task"]);
  });

  it("rejects a non-function with a TypeError that says what it got", () => {
    // deno-lint-ignore no-explicit-any
    assert.throws(() => go(42 as any), {
      name: "TypeError",
      message: "Cannot start task: go() needs a function, received number",
    });
  });

  it("counts live tasks until they end", async () => {
    const before = runtime.numGoroutine();
    const gate = new Chan<void>();
    go(() => gate.recv());
    go(() => gate.recv());
    await new Promise<void>((resolve) => setImmediate(resolve));
    assert.equal(runtime.numGoroutine(), before + 2);
    gate.close();
    await new Promise<void>((resolve) => setImmediate(resolve));
    assert.equal(runtime.numGoroutine(), before);
  });
});

describe("runtime leak reports", () => {
  it("names a task parked on send with its channel and where it was created", async () => {
    const checkpoint = runtime.checkpoint();
    const results = new Chan<number>(0, { name: "results" });
    go(() => results.send(1).catch(() => {})); // line recorded below
    const report = await runtime.leaks(checkpoint);
    assert.match(
      report ?? "",
      /^leaked: 1 task parked on send to chan "results" \(created at runtime_test\.ts:\d+\)$/,
    );
    results.close();
    assert.equal(await runtime.leaks(checkpoint), null);
  });

  it("lists several leaks, and operations parked outside any task", async () => {
    const checkpoint = runtime.checkpoint();
    const jobs = new Chan<number>(0, { name: "jobs" });
    go(() => jobs.recv());
    go(() => jobs.recv());
    const outside = jobs.send(0).catch(() => {});
    const report = (await runtime.leaks(checkpoint)) ?? "";
    // The send outside any task met one of the receivers: one task stays parked.
    assert.match(report, /^leaked: 1 task parked on recv from chan "jobs"/);
    await outside;
    const lonely = new Chan<number>(0, { name: "lonely" });
    const pending = lonely.recv();
    const both = (await runtime.leaks(checkpoint)) ?? "";
    assert.match(both, /^leaked: 1 task and 1 parked operation\n/);
    assert.match(both, /operation outside any task parked on recv from chan "lonely"/);
    jobs.close();
    lonely.close();
    await pending;
    assert.equal(await runtime.leaks(checkpoint), null);
  });

  it("assertNoLeaks throws the report and passes once everything ended", async () => {
    const checkpoint = runtime.checkpoint();
    const ch = new Chan<number>(0, { name: "pending" });
    go(() => ch.recv());
    await assert.rejects(
      runtime.assertNoLeaks(checkpoint),
      /leaked: 1 task parked on recv from chan "pending"/,
    );
    ch.close();
    await runtime.assertNoLeaks(checkpoint);
  });

  it("names an unnamed channel by where it was made", async () => {
    const checkpoint = runtime.checkpoint();
    const ch = new Chan<number>();
    go(() => ch.recv());
    assert.match(
      (await runtime.leaks(checkpoint)) ?? "",
      /recv from chan \(made at runtime_test\.ts:\d+\)/,
    );
    ch.close();
  });

  it("the goroutine dump lists each task with its state and creation site", async () => {
    const ch = new Chan<number>(0, { name: "dumped" });
    go(() => ch.recv());
    await new Promise<void>((resolve) => setImmediate(resolve));
    const dump = runtime.stack();
    assert.match(
      dump,
      /task \d+ \[recv from chan "dumped"\]:\ncreated by go\(\) at .*runtime_test\.ts:\d+:\d+/,
    );
    const info = runtime.goroutines().find((task) => task.parkedOn === 'recv from chan "dumped"');
    assert.ok(info, "the parked task is missing from runtime.goroutines()");
    ch.close();
  });
});

describe("deadlock detection", () => {
  it("a program whose tasks are all parked reports Go's deadlock message and exits 2", async () => {
    const { code, stdout, stderr } = await runFixture("deadlock_fixture.ts");
    assert.equal(stdout.trim(), "started");
    assert.equal(code, 2);
    assert.match(stderr, /^fatal error: all goroutines are asleep - deadlock!\n/);
    assert.match(stderr, /\[recv from chan "jobs"\]/);
    assert.match(stderr, /\[send to chan "results"\]/);
    assert.match(stderr, /created by go\(\) at .*deadlock_fixture\.ts:\d+/);
  });
});
