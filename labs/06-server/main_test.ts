// main.ts as the hidden tests see it: a real child process (Deno or Bun,
// whichever runs these tests), real signals, its output and its exit status.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import net from "node:net";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { within } from "../primitives/testing.ts";

const labDir = fileURLToPath(new URL(".", import.meta.url)).replace(/\/$/, "");
const PATIENCE_MS = 15_000;
const READINESS = /^listening app=http:\/\/127\.0\.0\.1:(\d+) debug=http:\/\/127\.0\.0\.1:(\d+)$/;

interface Program {
  /** The first line on stdout, or null if stdout ended first. */
  firstLine: Promise<string | null>;
  /** The exit code, or 128 + n when killed by signal n. */
  exited: Promise<number>;
  signal(sig: "SIGINT" | "SIGTERM"): void;
  stderr(): string;
  kill(): void;
}

/** Starts main.ts with `args` on the runtime running this test. */
function startMain(args: string[]): Program {
  const main = `${labDir}/main.ts`;
  let stderr = "";
  let announce!: (line: string | null) => void;
  const firstLine = new Promise<string | null>((resolve) => (announce = resolve));
  let stdout = "";
  const onStdout = (text: string) => {
    stdout += text;
    const end = stdout.indexOf("\n");
    if (end >= 0) announce(stdout.slice(0, end));
  };
  if ("Deno" in globalThis) {
    // Deno.Command: its kill() can be called again (to clean up after a signal).
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-net=127.0.0.1", `--allow-read=${labDir}`, main, ...args],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const read = async (stream: ReadableStream<Uint8Array>, onText: (text: string) => void) => {
      // A TextDecoder per stream, not TextDecoderStream: its types clash with Deno's when the
      // whole tree is type-checked together.
      const decoder = new TextDecoder();
      for await (const chunk of stream) onText(decoder.decode(chunk, { stream: true }));
    };
    const outputs = Promise.all([
      read(child.stdout, onStdout).finally(() => announce(null)),
      read(child.stderr, (text) => (stderr += text)),
    ]);
    let done = false;
    const exited = child.status.then(async (status) => {
      done = true;
      await outputs;
      return status.code;
    });
    return {
      firstLine,
      exited,
      signal: (sig) => child.kill(sig),
      stderr: () => stderr,
      kill: () => {
        if (!done) child.kill("SIGKILL");
      },
    };
  }
  const child = spawn(process.execPath, ["run", main, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout!.setEncoding("utf8");
  child.stdout!.on("data", onStdout);
  child.stdout!.on("end", () => announce(null));
  child.stderr!.setEncoding("utf8");
  child.stderr!.on("data", (text: string) => (stderr += text));
  const signals: Record<string, number> = { SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };
  const exited = new Promise<number>((resolve) =>
    child.on("close", (code, sig) => resolve(code ?? 128 + (signals[sig ?? ""] ?? 0)))
  );
  return {
    firstLine,
    exited,
    signal: (sig) => void child.kill(sig),
    stderr: () => stderr,
    kill: () => void child.kill("SIGKILL"),
  };
}

/** Whether a TCP connection to the port is accepted now (closed again at once). */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", (error: Error & { code?: string }) => {
      if (error.code === "ECONNREFUSED") resolve(false);
      else if (error.code === "ECONNRESET") resolve(true); // a listener that was closing
      else reject(error);
    });
  });
}

async function readyPorts(program: Program): Promise<[number, number]> {
  const line = await within(program.firstLine, PATIENCE_MS, "the readiness line");
  const match = line === null ? null : READINESS.exec(line);
  assert.ok(
    match,
    `expected "listening app=http://127.0.0.1:PORT debug=http://127.0.0.1:PORT" first on ` +
      `stdout, got ${JSON.stringify(line)}; stderr:\n${program.stderr()}`,
  );
  return [Number(match[1]), Number(match[2])];
}

describe("main (part 3: the signals)", () => {
  for (const sig of ["SIGTERM", "SIGINT"] as const) {
    it(`main announces both real ports, answers, and exits 0 on ${sig}`, async () => {
      const program = startMain(["--port", "0", "--debug-port", "0"]);
      try {
        const [app, debug] = await readyPorts(program);
        assert.equal(
          (await fetch(`http://127.0.0.1:${app}/`).then((r) => r.text())).length > 0,
          true,
        );
        assert.equal((await fetch(`http://127.0.0.1:${debug}/healthz`)).status, 200);
        program.signal(sig);
        const code = await within(program.exited, PATIENCE_MS, `the program to exit on ${sig}`);
        assert.equal(code, 0, `exit status after ${sig}; stderr:\n${program.stderr()}`);
      } finally {
        program.kill();
      }
    });
  }

  it("a second SIGINT during the drain ends main at once, with a non-zero status", async () => {
    const program = startMain(["--port", "0", "--debug-port", "0"]);
    try {
      const [app] = await readyPorts(program);
      // A request that would keep the drain going for a minute, surely begun
      // once a later request has been answered.
      const slow = fetch(`http://127.0.0.1:${app}/slow?ms=60000`).then((r) => r.text());
      slow.catch(() => {}); // cut off by the forced exit, as it should be
      assert.equal((await fetch(`http://127.0.0.1:${app}/`)).status, 200);
      program.signal("SIGINT");
      let ended = false;
      program.exited.then(() => (ended = true), () => (ended = true));
      // The listener closes when the drain begins; by then the first SIGINT has been handled.
      while (!ended && await accepts(app));
      program.signal("SIGINT");
      const code = await within(program.exited, 5000, "the program to end after a second SIGINT");
      assert.notEqual(code, 0, "a forced exit must not report success");
    } finally {
      program.kill();
    }
  });

  it("main exits with a non-zero status, naming the port on stderr, when the app port is in use", async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    const port = (taken.address() as net.AddressInfo).port;
    const program = startMain(["--port", String(port), "--debug-port", "0"]);
    try {
      const code = await within(program.exited, PATIENCE_MS, "the program to exit");
      assert.notEqual(code, 0, "a port in use must end the program with a non-zero status");
      assert.match(program.stderr(), new RegExp(`\\b${port}\\b`));
      assert.match(program.stderr(), /in use/i, "stderr must say why: the address is in use");
      assert.equal(await program.firstLine, null, "no readiness line when a server cannot listen");
    } finally {
      program.kill();
      await new Promise((resolve) => taken.close(resolve));
    }
  });
});
