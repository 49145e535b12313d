import { describe, it } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { context } from "../primitives/mod.ts";
import { watch, within } from "../primitives/testing.ts";
import { DrainTimeoutError, runServers, type ServerUrls } from "./run_servers.ts";

// Real servers on real loopback ports; every wait is bounded so that a broken
// part fails its test instead of hanging the run.
const PATIENCE_MS = 10_000;

interface Running {
  urls: Promise<ServerUrls>;
  stopped: Promise<Error | null>;
  logged: string[];
  readyCalls: () => number;
}

function start(ctx: context.Context, port = 0, debugPort = 0, graceMs = 5000): Running {
  let calls = 0;
  let announce!: (urls: ServerUrls) => void;
  const urls = new Promise<ServerUrls>((resolve) => (announce = resolve));
  const logged: string[] = [];
  const stopped = runServers(ctx, {
    port,
    debugPort,
    graceMs,
    onReady: (given) => {
      calls++;
      announce(given);
    },
    log: (line) => logged.push(line),
  });
  const running = {
    urls: within(urls, PATIENCE_MS, "onReady"),
    stopped: within(stopped, PATIENCE_MS, "runServers to resolve"),
    logged,
    readyCalls: () => calls,
  };
  // A test that expects no onReady never awaits urls: its time limit must not reject unhandled
  // ten seconds later, in whatever test runs then (a later seed's, in a batch of seeds).
  running.urls.catch(() => {});
  running.stopped.catch(() => {});
  return running;
}

/** GETs a URL and reads the whole body; the status and the body. */
async function get(url: string, init?: RequestInit): Promise<[number, string]> {
  const response = await fetch(url, init);
  return [response.status, await response.text()];
}

/** Starts a slow request and returns once the server has surely begun it (a later request was answered). */
async function slowInFlight(
  app: string,
  ms: number,
): Promise<{ answer: Promise<[number, string]> }> {
  const answer = get(`${app}/slow?ms=${ms}`);
  answer.catch(() => {});
  assert.equal((await get(`${app}/`))[0], 200);
  return { answer };
}

function refuses(url: string): Promise<boolean> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", (error: Error & { code?: string }) => {
      if (error.code === "ECONNREFUSED") resolve(true);
      else reject(error);
    });
  });
}

/** Holds a free loopback port until close(). */
function holdPort(): Promise<{ port: number; close: () => Promise<void> }> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as net.AddressInfo).port;
      resolve({ port, close: () => new Promise((done) => server.close(() => done())) });
    });
  });
}

describe("runServers (part 2: the group)", () => {
  it("calls onReady once, with the real ports of both servers, and both answer", async () => {
    const [ctx, cancel] = context.withCancel(context.background());
    const running = start(ctx);
    try {
      const urls = await running.urls;
      assert.match(urls.app, /^http:\/\/127\.0\.0\.1:[1-9]\d*$/);
      assert.match(urls.debug, /^http:\/\/127\.0\.0\.1:[1-9]\d*$/);
      assert.notEqual(urls.app, urls.debug);
      assert.equal((await get(`${urls.app}/`))[0], 200);
      assert.equal((await get(`${urls.debug}/healthz`))[0], 200);
      assert.equal(running.readyCalls(), 1);
    } finally {
      cancel();
    }
    assert.equal(await running.stopped, null);
  });

  it("cancelling the context lets a slow request finish, then resolves to null with both ports closed", async () => {
    const [ctx, cancel] = context.withCancelCause(context.background());
    const running = start(ctx);
    const urls = await running.urls;
    const slow = await slowInFlight(urls.app, 300);
    cancel(new Error("the test is over"));
    assert.equal((await slow.answer)[0], 200, "the in-flight request did not get its answer");
    assert.equal(await running.stopped, null);
    assert.equal(await refuses(urls.app), true, "the app server still accepts connections");
    assert.equal(await refuses(urls.debug), true, "the debug server still accepts connections");
    assert.ok(
      running.logged.some((line) => line.includes("the test is over")),
      `the log should say why the shutdown began; it has ${JSON.stringify(running.logged)}`,
    );
  });

  it("POST /shutdown stops both servers, and runServers resolves to null", async () => {
    const running = start(context.background());
    const urls = await running.urls;
    assert.equal((await get(`${urls.debug}/shutdown`, { method: "POST" }))[0], 202);
    assert.equal(await running.stopped, null);
    assert.equal(await refuses(urls.app), true, "the app server still accepts connections");
    assert.equal(await refuses(urls.debug), true, "the debug server still accepts connections");
  });

  it("a port in use: resolves to an error naming the port, without onReady, and closes the other server", async () => {
    const taken = await holdPort();
    const spare = await holdPort();
    const debugPort = spare.port;
    await spare.close();
    try {
      const running = start(context.background(), taken.port, debugPort);
      const failure = await running.stopped;
      assert.ok(failure instanceof Error, "a server that cannot listen is a failure");
      assert.match(failure.message, new RegExp(`\\b${taken.port}\\b`));
      assert.match(failure.message, /in use/);
      assert.equal(running.readyCalls(), 0, "onReady was called although a server never listened");
      assert.equal(
        await refuses(`http://127.0.0.1:${debugPort}`),
        true,
        "the debug server kept running",
      );
    } finally {
      await taken.close();
    }
  });
});

describe("runServers (part 4: the drain with a deadline)", () => {
  it("a drain that outlasts graceMs resolves to a DrainTimeoutError without waiting for it", async () => {
    const [ctx, cancel] = context.withCancel(context.background());
    const running = start(ctx, 0, 0, 100);
    const urls = await running.urls;
    const slow = await slowInFlight(urls.app, 1500);
    const answered = watch(slow.answer);
    cancel();
    const failure = await running.stopped;
    assert.ok(failure instanceof DrainTimeoutError, `expected a DrainTimeoutError, got ${failure}`);
    assert.equal(failure.graceMs, 100);
    assert.equal(answered.settled, false, "runServers waited for the whole drain");
    await slow.answer; // the servers still drain in the background; let them
  });

  it("a drain that ends within graceMs resolves to null, not to a DrainTimeoutError", async () => {
    const [ctx, cancel] = context.withCancel(context.background());
    const running = start(ctx, 0, 0, 2000);
    const urls = await running.urls;
    const slow = await slowInFlight(urls.app, 100);
    cancel();
    assert.equal(await running.stopped, null);
    assert.equal((await slow.answer)[0], 200);
  });
});
