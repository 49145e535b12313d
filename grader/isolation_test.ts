import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  detectNamespace,
  isolationWrapper,
  makeRunTempRoot,
  removeStaleRunFolders,
  RUN_TEMP_PREFIX,
  SANDBOX_MOUNT,
} from "./isolation.ts";

const onLinux = typeof Deno !== "undefined" && Deno.build.os === "linux";

describe("isolationWrapper", () => {
  it("always puts the run under timeout -k, a little past its limit", () => {
    assert.deepEqual(
      isolationWrapper({ namespace: undefined, timeoutMs: 60_000, hide: ["/c"], visible: ["/s"] }),
      ["timeout", "-k", "5", "65"],
    );
  });

  it("with bwrap, empties /tmp and the hidden folders, mounts the visible ones back, and unshares", () => {
    const wrapper = isolationWrapper({
      namespace: { bwrap: "bwrap" },
      timeoutMs: 1_500,
      hide: ["/course", "/class"],
      visible: ["/tmp/run/sb", "/tmp/run/reports"],
      writable: ["/tmp/run/reports"],
    });
    const args = wrapper.join(" ");
    assert.ok(args.startsWith("timeout -k 5 7 bwrap --ro-bind / / --dev /dev --proc /proc"));
    assert.ok(args.includes("--tmpfs /tmp --tmpfs /course --tmpfs /class"));
    assert.ok(
      args.includes("--ro-bind /tmp/run/sb /tmp/run/sb --bind /tmp/run/reports /tmp/run/reports"),
    );
    for (const flag of ["--unshare-pid", "--unshare-net", "--die-with-parent"]) {
      assert.ok(wrapper.includes(flag), flag);
    }
    assert.equal(wrapper.at(-1), "--");
  });

  it("mounts the sandbox read-only at one path for every run, and starts the run there", () => {
    const wrapper = isolationWrapper({
      namespace: { bwrap: "bwrap" },
      timeoutMs: 1_000,
      hide: [],
      visible: ["/tmp/run/reports"],
      writable: ["/tmp/run/reports"],
      sandbox: "/tmp/run/lab-04-abc",
    }).join(" ");
    assert.ok(
      wrapper.includes(
        `--ro-bind /tmp/run/lab-04-abc ${SANDBOX_MOUNT} --chdir ${SANDBOX_MOUNT}`,
      ),
      wrapper,
    );
    assert.ok(SANDBOX_MOUNT.startsWith("/tmp/"), "inside the namespace's own empty /tmp");
  });

  it("mounts a folder named twice once, writable when it is writable", () => {
    const wrapper = isolationWrapper({
      namespace: { bwrap: "bwrap" },
      timeoutMs: 1_000,
      hide: [],
      visible: ["/tmp/run/cache", "/tmp/run/cache"],
      writable: ["/tmp/run/cache"],
    }).join(" ");
    assert.equal(wrapper.split("/tmp/run/cache /tmp/run/cache").length, 2, wrapper);
    assert.ok(wrapper.includes("--bind /tmp/run/cache /tmp/run/cache"), wrapper);
  });
});

describe("the isolation on this machine", { skip: !onLinux && "needs Linux" }, () => {
  it("ends a run at its time limit with nobody watching it", async () => {
    const started = performance.now();
    const status = await new Deno.Command(
      isolationWrapper({ namespace: undefined, timeoutMs: 500, hide: [], visible: [] })[0],
      {
        args: [
          ...isolationWrapper({ namespace: undefined, timeoutMs: 500, hide: [], visible: [] })
            .slice(1),
          "sleep",
          "60",
        ],
      },
    ).output();
    assert.equal(status.code, 124);
    assert.ok(performance.now() - started < 20_000);
  });

  it("finds the confiners a lab's tests need where a namespace can be made inside a sandbox's", {
    skip: !onLinux && "needs Linux",
  }, async (context) => {
    const namespace = await detectNamespace();
    if (!namespace?.confiners) {
      context.skip("bwrap cannot nest here, or procps is missing");
      return;
    }
    assert.deepEqual(
      namespace.confiners.map((path) => path.split("/").at(-1)),
      ["bwrap", "pgrep", "pkill"],
    );
    for (const path of namespace.confiners) assert.ok(path.startsWith("/"), path);
  });

  it("hides a folder from a run in the namespace, when bwrap works here", async (context) => {
    const namespace = await detectNamespace();
    if (!namespace) {
      context.skip("bwrap is not installed or not allowed here");
      return;
    }
    const secret = await Deno.makeTempDir({ dir: Deno.cwd(), prefix: ".isolation-test-" });
    try {
      await Deno.writeTextFile(`${secret}/solution.ts`, "export const answer = 42;\n");
      const [program, ...args] = [
        ...isolationWrapper({ namespace, timeoutMs: 10_000, hide: [secret], visible: [] }),
        "ls",
        "-A",
        secret,
      ];
      const listed = await new Deno.Command(program, { args }).output();
      assert.equal(listed.code, 0, new TextDecoder().decode(listed.stderr));
      assert.equal(new TextDecoder().decode(listed.stdout), "");
    } finally {
      await Deno.remove(secret, { recursive: true });
    }
  });

  it("shows a run its sandbox at the one mount path, read-only, and starts it there", async (context) => {
    const namespace = await detectNamespace();
    if (!namespace) {
      context.skip("bwrap is not installed or not allowed here");
      return;
    }
    const sandbox = await Deno.makeTempDir({ prefix: "isolation-test-" });
    try {
      await Deno.writeTextFile(`${sandbox}/marker.txt`, "this sandbox\n");
      const [program, ...args] = [
        ...isolationWrapper({ namespace, timeoutMs: 10_000, hide: [], visible: [], sandbox }),
        "sh",
        "-c",
        `pwd; cat marker.txt; ls ${sandbox} >/dev/null 2>&1 || echo gone; ` +
        "touch written.txt 2>/dev/null && echo writable || echo read-only",
      ];
      const run = await new Deno.Command(program, { args }).output();
      assert.equal(run.code, 0, new TextDecoder().decode(run.stderr));
      assert.deepEqual(new TextDecoder().decode(run.stdout).trim().split("\n"), [
        SANDBOX_MOUNT,
        "this sandbox",
        "gone",
        "read-only",
      ]);
    } finally {
      await Deno.remove(sandbox, { recursive: true });
    }
  });

  it("removes the folders of runs whose process is gone, and only those", async () => {
    const base = await Deno.makeTempDir({ prefix: "isolation-test-" });
    try {
      await Deno.mkdir(`${base}/${RUN_TEMP_PREFIX}999999999-abc/lab-x`, { recursive: true });
      await Deno.mkdir(`${base}/${RUN_TEMP_PREFIX}${Deno.pid}-def`);
      await Deno.mkdir(`${base}/unrelated`);
      const removed = await removeStaleRunFolders(base);
      assert.deepEqual(removed, [`${base}/${RUN_TEMP_PREFIX}999999999-abc`]);
      const left = [];
      for await (const entry of Deno.readDir(base)) left.push(entry.name);
      assert.deepEqual(left.sort(), [`${RUN_TEMP_PREFIX}${Deno.pid}-def`, "unrelated"]);
    } finally {
      await Deno.remove(base, { recursive: true });
    }
  });

  it("names this run's folder after its process", async () => {
    const root = await makeRunTempRoot();
    try {
      assert.ok(root.split("/").at(-1)!.startsWith(`${RUN_TEMP_PREFIX}${Deno.pid}-`));
    } finally {
      await Deno.remove(root);
    }
  });
});
