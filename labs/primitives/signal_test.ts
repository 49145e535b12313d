import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { Chan } from "./chan.ts";
import { background, Canceled, cause, withCancel } from "./context.ts";
import { recv, select } from "./select.ts";
import * as signal from "./signal.ts";
import { realTurns, within } from "./testing.ts";

const { settle } = realTurns(5);

/** Delivers `sig` to this process's listeners synchronously, as the runtime does for a real signal. */
function deliver(sig: signal.Signal): void {
  process.emit(sig, sig);
}

/** Receives at once if a value is ready: the value, or `"empty"`. */
async function receiveNow(ch: Chan<string>): Promise<string> {
  const r = await select([recv(ch)], { default: true });
  if (r.index === -1) return "empty";
  return r.ok ? r.value : "closed";
}

// In-process tests use signals whose listeners they fully control; SIGINT and
// SIGTERM are sent for real, to a child process, further down.
describe("signal.notifyContext (signals delivered in-process)", () => {
  it("is cancelled by a listed signal, with a SignalError cause that names it", () => {
    const [ctx, stop] = signal.notifyContext(background(), "SIGHUP", "SIGUSR2");
    try {
      assert.equal(ctx.err(), null);
      deliver("SIGUSR2");
      assert.equal(ctx.err(), Canceled);
      const why = cause(ctx);
      assert.ok(why instanceof signal.SignalError);
      assert.equal(why.signal, "SIGUSR2");
      assert.equal(why.message, "user-defined 2 signal received: SIGUSR2");
    } finally {
      stop();
    }
  });

  it("names each signal in its cause", () => {
    const expected: [signal.Signal, string][] = [
      ["SIGINT", "interrupt signal received: SIGINT"],
      ["SIGTERM", "termination signal received: SIGTERM"],
      ["SIGHUP", "hangup signal received: SIGHUP"],
      ["SIGQUIT", "quit signal received: SIGQUIT"],
      ["SIGUSR1", "user-defined 1 signal received: SIGUSR1"],
      ["SIGUSR2", "user-defined 2 signal received: SIGUSR2"],
    ];
    for (const [sig, message] of expected) {
      assert.equal(new signal.SignalError(sig).message, message);
    }
  });

  it("ignores signals it was not asked for", () => {
    const [ctx, stop] = signal.notifyContext(background(), "SIGHUP");
    try {
      deliver("SIGUSR2");
      assert.equal(ctx.err(), null);
    } finally {
      stop();
    }
  });

  it("removes its listeners as soon as a signal cancels it, so the next one gets the default action", () => {
    const before = process.listenerCount("SIGHUP");
    const [ctx, stop] = signal.notifyContext(background(), "SIGHUP");
    assert.equal(process.listenerCount("SIGHUP"), before + 1);
    deliver("SIGHUP");
    assert.notEqual(ctx.err(), null);
    assert.equal(process.listenerCount("SIGHUP"), before);
    stop();
  });

  it("stop() cancels it with context.Canceled as the cause and removes its listeners", () => {
    const before = process.listenerCount("SIGUSR2");
    const [ctx, stop] = signal.notifyContext(background(), "SIGUSR2");
    stop();
    assert.equal(ctx.err(), Canceled);
    assert.equal(cause(ctx), Canceled);
    assert.equal(process.listenerCount("SIGUSR2"), before);
    stop(); // a second call does nothing
    assert.equal(process.listenerCount("SIGUSR2"), before);
  });

  it("is cancelled with its parent, and then removes its listeners", async () => {
    const before = process.listenerCount("SIGUSR2");
    const [parent, cancelParent] = withCancel(background());
    const [ctx, stop] = signal.notifyContext(parent, "SIGUSR2");
    cancelParent();
    await ctx.done().recv();
    assert.equal(ctx.err(), Canceled);
    await settle();
    assert.equal(process.listenerCount("SIGUSR2"), before);
    stop();
  });

  it("with a parent already done, is done at once and listens to nothing", () => {
    const before = process.listenerCount("SIGHUP");
    const [parent, cancelParent] = withCancel(background());
    cancelParent();
    const [ctx, stop] = signal.notifyContext(parent, "SIGHUP");
    assert.equal(ctx.err(), Canceled);
    assert.equal(process.listenerCount("SIGHUP"), before);
    stop();
  });

  it("lets several contexts share one process listener, and cancels each of them", () => {
    const before = process.listenerCount("SIGUSR2");
    const [first, stopFirst] = signal.notifyContext(background(), "SIGUSR2");
    const [second, stopSecond] = signal.notifyContext(background(), "SIGUSR2");
    assert.equal(process.listenerCount("SIGUSR2"), before + 1);
    deliver("SIGUSR2");
    assert.equal((cause(first) as signal.SignalError).signal, "SIGUSR2");
    assert.equal((cause(second) as signal.SignalError).signal, "SIGUSR2");
    assert.equal(process.listenerCount("SIGUSR2"), before);
    stopFirst();
    stopSecond();
  });

  it("listens to every supported signal when none is named", () => {
    const all: signal.Signal[] = ["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2"];
    const before = all.map((sig) => process.listenerCount(sig));
    const [ctx, stop] = signal.notifyContext(background());
    try {
      assert.deepEqual(all.map((sig) => process.listenerCount(sig)), before.map((n) => n + 1));
      deliver("SIGQUIT");
      assert.equal((cause(ctx) as signal.SignalError).signal, "SIGQUIT");
      assert.deepEqual(all.map((sig) => process.listenerCount(sig)), before);
    } finally {
      stop();
    }
  });

  it("rejects unsupported signals with a TypeError that says why", () => {
    assert.throws(() => signal.notifyContext(background(), "SIGWINCH" as signal.Signal), {
      name: "TypeError",
      message:
        "Cannot notify a context on SIGWINCH: the supported signals are SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2",
    });
    assert.throws(() => signal.notifyContext(background(), "SIGKILL" as signal.Signal), {
      name: "TypeError",
      message: "Cannot notify a context on SIGKILL: it cannot be caught by any program",
    });
  });
});

describe("signal.notify and signal.stop (signals delivered in-process)", () => {
  it("relays a signal to the channel by name", async () => {
    const ch = new Chan<string>(1);
    signal.notify(ch, "SIGHUP");
    try {
      deliver("SIGHUP");
      assert.deepEqual(await ch.recv(), ["SIGHUP", true]);
    } finally {
      signal.stop(ch);
    }
  });

  it("never blocks: a signal that finds the buffer full is dropped", async () => {
    const ch = new Chan<string>(1);
    signal.notify(ch, "SIGHUP", "SIGUSR2");
    try {
      deliver("SIGHUP");
      deliver("SIGUSR2");
      deliver("SIGUSR2");
      assert.equal(ch.len, 1);
      assert.equal(await receiveNow(ch), "SIGHUP");
      assert.equal(await receiveNow(ch), "empty");
    } finally {
      signal.stop(ch);
    }
  });

  it("on an unbuffered channel, reaches a waiting receiver and is dropped when none waits", async () => {
    const ch = new Chan<string>();
    signal.notify(ch, "SIGUSR2");
    try {
      deliver("SIGUSR2"); // nobody receiving: dropped
      const received = ch.recv();
      deliver("SIGUSR2");
      assert.deepEqual(await received, ["SIGUSR2", true]);
      assert.equal(await receiveNow(ch), "empty");
    } finally {
      signal.stop(ch);
    }
  });

  it("adds signals when called again for the same channel", async () => {
    const ch = new Chan<string>(2);
    signal.notify(ch, "SIGHUP");
    signal.notify(ch, "SIGUSR2");
    try {
      deliver("SIGUSR2");
      deliver("SIGHUP");
      assert.equal(await receiveNow(ch), "SIGUSR2");
      assert.equal(await receiveNow(ch), "SIGHUP");
    } finally {
      signal.stop(ch);
    }
  });

  it("stop() ends the relaying and removes the process listener", async () => {
    const before = process.listenerCount("SIGHUP");
    const ch = new Chan<string>(1);
    signal.notify(ch, "SIGHUP");
    assert.equal(process.listenerCount("SIGHUP"), before + 1);
    signal.stop(ch);
    assert.equal(process.listenerCount("SIGHUP"), before);
    const [ctx, stopContext] = signal.notifyContext(background(), "SIGHUP");
    deliver("SIGHUP"); // heard by the context only
    stopContext();
    assert.notEqual(ctx.err(), null);
    assert.equal(await receiveNow(ch), "empty");
    signal.stop(ch); // stopping again does nothing
  });

  it("rejects a non-channel and unsupported signals", () => {
    assert.throws(() => signal.notify({} as Chan<string>, "SIGHUP"), {
      name: "TypeError",
      message: "Cannot notify: the channel must be made with new Chan(), received object",
    });
    assert.throws(() => signal.notify(new Chan<string>(1), "SIGSTOP" as signal.Signal), {
      name: "TypeError",
      message: "Cannot notify on SIGSTOP: it cannot be caught by any program",
    });
  });
});

// ---------------------------------------------------------------------------
// Real signals, sent to a child process running testdata/signal_fixture.ts.

const fixture = fileURLToPath(new URL("./testdata/signal_fixture.ts", import.meta.url));

interface Child {
  /** The next line the child prints; rejects if it exits first or takes too long. */
  nextLine(): Promise<string>;
  kill(sig: signal.Signal): void;
  /** How the child ended: its exit code, or the signal that killed it. */
  exited: Promise<{ code: number | null; signal: string | null }>;
  stderr(): string;
}

// A bound on every wait, so that a broken fixture fails the test instead of hanging it.
const patienceMs = 20_000;

function startFixture(...args: string[]): Child {
  const runtimeArgs = "Deno" in globalThis
    ? ["run", "--quiet", fixture, ...args]
    : [fixture, ...args];
  const child = spawn(process.execPath, runtimeArgs, { stdio: ["ignore", "pipe", "pipe"] });
  const lines = new Chan<string>(1024);
  let pending = "";
  let errors = "";
  child.stdout!.setEncoding("utf8");
  child.stdout!.on("data", (chunk: string) => {
    pending += chunk;
    for (let end = pending.indexOf("\n"); end >= 0; end = pending.indexOf("\n")) {
      lines.trySend(pending.slice(0, end));
      pending = pending.slice(end + 1);
    }
  });
  child.stdout!.on("end", () => lines.close());
  child.stderr!.setEncoding("utf8");
  child.stderr!.on("data", (chunk: string) => (errors += chunk));
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    child.on("close", (code, sig) => resolve({ code, signal: sig }))
  );
  return {
    async nextLine() {
      const [line, ok] = await within(lines.recv(), patienceMs, "a line from the child");
      if (!ok) throw new Error(`the child ended its output early; stderr:\n${errors}`);
      return line;
    },
    // process.kill rather than child.kill: Deno's ChildProcess.kill() ignores
    // every call after the first, and then reports the child as killed by the
    // first signal even when it exited normally.
    kill: (sig) => void process.kill(child.pid!, sig),
    exited: within(exited, patienceMs, "the child to exit"),
    stderr: () => errors,
  };
}

function killedBy(
  outcome: { code: number | null; signal: string | null },
  sig: string,
  signum: number,
): boolean {
  return outcome.signal === sig || outcome.code === 128 + signum;
}

describe("signal.notify (real signals to a child process)", () => {
  it("a signal for a channel closed before stop() crashes the program with a Panic, as in Go", async () => {
    const child = startFixture("closed", "SIGUSR2");
    assert.equal(await child.nextLine(), "ready");
    child.kill("SIGUSR2");
    const outcome = await child.exited;
    assert.equal(
      outcome.signal,
      null,
      "the Panic ends the program, not the signal's default action",
    );
    assert.notEqual(outcome.code, 0);
    assert.match(child.stderr(), /Panic: send on closed channel/);
  });
});

describe("signal.notifyContext (real signals to a child process)", () => {
  it("a SIGINT cancels the context: the program reports the cause and exits normally", async () => {
    const child = startFixture("wait", "SIGINT");
    assert.equal(await child.nextLine(), "ready");
    child.kill("SIGINT");
    assert.equal(await child.nextLine(), "done: interrupt signal received: SIGINT");
    assert.deepEqual(await child.exited, { code: 0, signal: null }, child.stderr());
  });

  it("a SIGTERM cancels a context that listens for SIGINT and SIGTERM", async () => {
    const child = startFixture("wait", "SIGINT", "SIGTERM");
    assert.equal(await child.nextLine(), "ready");
    child.kill("SIGTERM");
    assert.equal(await child.nextLine(), "done: termination signal received: SIGTERM");
    assert.deepEqual(await child.exited, { code: 0, signal: null }, child.stderr());
  });

  it("a second SIGINT, after the context is done, ends the program with the default action", async () => {
    const child = startFixture("linger", "SIGINT");
    assert.equal(await child.nextLine(), "ready");
    child.kill("SIGINT");
    assert.equal(await child.nextLine(), "done: interrupt signal received: SIGINT");
    assert.equal(await child.nextLine(), "lingering");
    child.kill("SIGINT");
    const outcome = await child.exited;
    assert.ok(
      killedBy(outcome, "SIGINT", 2),
      `expected death by SIGINT, got ${JSON.stringify(outcome)}`,
    );
  });

  it("after stop(), a SIGINT ends the program with the default action", async () => {
    const child = startFixture("stopped", "SIGINT");
    assert.equal(await child.nextLine(), "ready");
    child.kill("SIGINT");
    const outcome = await child.exited;
    assert.ok(
      killedBy(outcome, "SIGINT", 2),
      `expected death by SIGINT, got ${JSON.stringify(outcome)}`,
    );
  });
});
