import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { cpuStatMs, openCpuMeter, unifiedCgroup } from "./cpu_meter.ts";

const onDeno = typeof Deno !== "undefined";

describe("cpuStatMs and unifiedCgroup", () => {
  it("read usage_usec as milliseconds, and refuse a cpu.stat without it", () => {
    assert.equal(
      cpuStatMs("usage_usec 1234567\nuser_usec 1000000\nsystem_usec 234567\n"),
      1234.567,
    );
    assert.throws(() => cpuStatMs("user_usec 5\n"), /no usage_usec line/);
  });

  it("find the unified hierarchy's path among v1 lines, and nothing when there is none", () => {
    assert.equal(unifiedCgroup("2:cpuacct:/\n0::/user.slice/x.scope\n"), "/user.slice/x.scope");
    assert.equal(unifiedCgroup("0::/\n"), "/");
    assert.equal(unifiedCgroup("4:memory:/only-v1\n"), undefined);
  });
});

// The meter needs a writable cgroup file system (root on Linux); elsewhere there is nothing to measure.
const meter = onDeno ? await openCpuMeter() : undefined;
await meter?.close();

describe("openCpuMeter", { skip: meter === undefined && "no writable control group here" }, () => {
  it("counts the CPU time of a child process, which getrusage inside a pid namespace would miss", async () => {
    const opened = await openCpuMeter();
    assert.ok(opened, "the meter opened once and not again");
    try {
      const before = await opened.readMs();
      const spin = new Deno.Command(Deno.execPath(), {
        // A fixed amount of work (about 0.3 s of CPU), however long the machine makes it take.
        args: [
          "eval",
          "let x = 0; for (let i = 0; i < 4e7; i++) x += Math.sqrt(i) % 3; if (x === 1) console.log(x);",
        ],
        stdout: "null",
        stderr: "null",
      });
      const status = await spin.output();
      assert.ok(status.success);
      const used = (await opened.readMs()) - before;
      assert.ok(
        used >= 100,
        `the group counted only ${used} ms for a child that did ~300 ms of work`,
      );
    } finally {
      await opened.close();
    }
  });
});
