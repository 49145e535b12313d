// Real sockets on 127.0.0.1, so real time: nothing here waits on a clock to
// synchronise (the handlers and the test hand each other channels), and each
// wait has a generous limit only so that a broken fetchJson fails instead of
// hanging. Needs --allow-net=127.0.0.1.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Chan, context, recv, runtime, select, serve } from "../primitives/mod.ts";
import { describeValue, within } from "../primitives/testing.ts";

// Loaded inside each test, after the helpers above.
const loadFetchJson = () => import("./fetch_json.ts");
const loadTrace = () => import("./trace.ts");

const LIMIT_MS = 5000;

/** Receives one value from `ch` within the limit. */
async function next<T>(ch: Chan<T>, what: string): Promise<T> {
  const [value, ok] = await within(ch.recv(), LIMIT_MS, what);
  assert.ok(ok, `${what}: the channel was closed`);
  return value as T;
}

/** The settled state of a promise, to assert on it without awaiting forever. */
async function settle<T>(
  promise: Promise<T>,
  what: string,
): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  return await within(
    promise.then(
      (value) => ({ ok: true as const, value }),
      (error) => ({ ok: false as const, error }),
    ),
    LIMIT_MS,
    what,
  );
}

async function expectRejection(promise: Promise<unknown>, what: string): Promise<unknown> {
  const outcome = await settle(promise, what);
  if (outcome.ok) assert.fail(`${what} resolved to ${describeValue(outcome.value)}`);
  return outcome.error;
}

/**
 * A server on 127.0.0.1 (any free port) running `handler`. `onStop`
 * callbacks run before shutting down, so that a test can end streams it kept
 * open even when the code under test never lets go of them.
 */
async function startServer(handler: (request: Request) => Response | Promise<Response>) {
  const [serverCtx, stopServer] = context.withCancel(context.background());
  const listening = new Chan<string>(1);
  const cleanups: (() => void)[] = [];
  const served = serve(serverCtx, handler, {
    onListen: ({ hostname, port }) => listening.trySend(`http://${hostname}:${port}`),
  });
  const origin = await next(listening, "the test server listening");
  return {
    origin,
    onStop(cleanup: () => void) {
      cleanups.push(cleanup);
    },
    async stop() {
      for (const cleanup of cleanups) cleanup();
      stopServer();
      await within(served, LIMIT_MS, "the test server shutting down");
    },
  };
}

/**
 * A response whose body sends `first` at once and then stays open. Closes
 * `cancelled` when the client goes away; `finish()` ends the body.
 */
function stalledBody(first: string, status = 200) {
  const cancelled = new Chan<void>(0, { name: "body cancelled" });
  let controller: ReadableStreamDefaultController<Uint8Array> | undefined;
  let ended = false;
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
      c.enqueue(new TextEncoder().encode(first));
    },
    cancel() {
      ended = true;
      cancelled.close();
    },
  });
  return {
    response: () => new Response(body, { status, headers: { "content-type": "application/json" } }),
    cancelled,
    finish() {
      if (ended) return;
      ended = true;
      try {
        controller?.enqueue(new TextEncoder().encode("]}"));
        controller?.close();
      } catch {
        // the client went away meanwhile: nothing left to end
      }
    },
  };
}

describe("fetchJson (hidden)", () => {
  it("fetchJson cancelled in the middle of the body rejects with Canceled, and the server's stream is cancelled", async () => {
    const { fetchJson } = await loadFetchJson();
    const stream = stalledBody('{"items": [1, 2, ');
    const sent = new Chan<void>(1);
    const server = await startServer(() => {
      sent.trySend(undefined);
      return stream.response();
    });
    server.onStop(() => stream.finish());
    try {
      const cp = runtime.checkpoint();
      const [ctx, cancel] = context.withCancel(context.background());
      const call = fetchJson(ctx, `${server.origin}/items`);
      await next(sent, "the server starting its answer");
      cancel();
      assert.equal(await expectRejection(call, "fetchJson after the cancel"), context.Canceled);
      await within(stream.cancelled.recv(), LIMIT_MS, "the server seeing the body cancelled");
      await runtime.assertNoLeaks(cp);
    } finally {
      await server.stop();
    }
  });

  it("fetchJson whose deadline passes in the middle of the body rejects with DeadlineExceeded", async () => {
    const { fetchJson } = await loadFetchJson();
    const stream = stalledBody('{"items": [');
    const server = await startServer(() => stream.response());
    server.onStop(() => stream.finish());
    try {
      const [ctx, cancel] = context.withTimeout(context.background(), 150);
      try {
        const error = await expectRejection(fetchJson(ctx, `${server.origin}/items`), "fetchJson");
        assert.equal(error, context.DeadlineExceeded, `got ${describeValue(error)}`);
        await within(stream.cancelled.recv(), LIMIT_MS, "the server seeing the body cancelled");
      } finally {
        cancel();
      }
    } finally {
      await server.stop();
    }
  });

  it("fetchJson with an already-cancelled context sends no request at all", async () => {
    const { fetchJson } = await loadFetchJson();
    const { withTraceId } = await loadTrace();
    const seen: string[] = [];
    const server = await startServer((request) => {
      seen.push(request.headers.get("x-trace-id") ?? "none");
      return Response.json({ ok: true });
    });
    try {
      const [ctx, cancel] = context.withCancel(withTraceId(context.background(), "dead"));
      cancel();
      const error = await expectRejection(fetchJson(ctx, `${server.origin}/a`), "fetchJson");
      assert.equal(error, context.Canceled);
      // A request that does go out, on a fresh context: afterwards the server
      // has seen every request sent before it.
      await settle(
        fetchJson(withTraceId(context.background(), "alive"), `${server.origin}/b`),
        "x",
      );
      assert.deepEqual(seen, ["alive"], "a request went out for a cancelled context");
    } finally {
      await server.stop();
    }
  });

  it("fetchJson sends x-timeout-ms with the time left, and neither x-timeout-ms nor x-trace-id when there is nothing to send", async () => {
    const { fetchJson } = await loadFetchJson();
    const { withTraceId } = await loadTrace();
    const headers: Headers[] = [];
    const server = await startServer((request) => {
      headers.push(request.headers);
      return Response.json({ n: headers.length });
    });
    try {
      const [ctx, cancel] = context.withTimeout(withTraceId(context.background(), "t-5"), 3000);
      try {
        assert.deepEqual(await within(fetchJson(ctx, `${server.origin}/1`), LIMIT_MS, "fetch"), {
          n: 1,
        });
      } finally {
        cancel();
      }
      const first = headers[0];
      const left = Number(first.get("x-timeout-ms"));
      assert.ok(
        Number.isInteger(left) && left > 0 && left <= 3000,
        `x-timeout-ms was ${first.get("x-timeout-ms")}, expected whole ms in (0, 3000]`,
      );
      assert.equal(first.get("x-trace-id"), "t-5");
      assert.match(first.get("accept") ?? "", /application\/json/);

      await within(fetchJson(context.background(), `${server.origin}/2`), LIMIT_MS, "fetch");
      const second = headers[1];
      assert.equal(second.get("x-timeout-ms"), null, "x-timeout-ms sent without a deadline");
      assert.equal(second.get("x-trace-id"), null, "x-trace-id sent without a trace id");
    } finally {
      await server.stop();
    }
  });

  it("a refused connection is reported as the runtime's own error, not as a context error", async () => {
    const { fetchJson } = await loadFetchJson();
    const server = await startServer(() => Response.json({}));
    const origin = server.origin;
    await server.stop(); // nothing listens on that port any more
    const [ctx, cancel] = context.withTimeout(context.background(), 10_000);
    try {
      const error = await expectRejection(fetchJson(ctx, `${origin}/gone`), "fetchJson");
      assert.notEqual(error, context.Canceled);
      assert.notEqual(error, context.DeadlineExceeded);
      // Deno and Bun both report a refused connection as a TypeError from fetch.
      assert.ok(error instanceof TypeError, `got ${describeValue(error)}`);
      assert.equal(ctx.err(), null);
    } finally {
      cancel();
    }
  });

  it("a 2xx body that is not JSON rejects with the parse error, and any 2xx status with JSON resolves", async () => {
    const { fetchJson } = await loadFetchJson();
    const server = await startServer((request) =>
      new URL(request.url).pathname === "/created"
        ? Response.json({ id: 7 }, { status: 201 })
        : new Response("<html>not json</html>", { status: 200 })
    );
    try {
      const error = await expectRejection(
        fetchJson(context.background(), `${server.origin}/`),
        "x",
      );
      assert.ok(error instanceof SyntaxError, `got ${describeValue(error)}`);
      const created = await within(
        fetchJson(context.background(), `${server.origin}/created`),
        LIMIT_MS,
        "fetchJson of a 201",
      );
      assert.deepEqual(created, { id: 7 });
    } finally {
      await server.stop();
    }
  });

  it("an error status rejects with HttpError and its body is released, so the server's stream ends", async () => {
    const { fetchJson, HttpError } = await loadFetchJson();
    const stream = stalledBody("<html>upstream timed out", 503);
    const server = await startServer(() => stream.response());
    server.onStop(() => stream.finish());
    try {
      const url = `${server.origin}/slow`;
      const error = await expectRejection(fetchJson(context.background(), url), "fetchJson");
      assert.ok(error instanceof HttpError, `got ${describeValue(error)}`);
      assert.equal(error.status, 503);
      assert.equal(error.url, url);
      await within(stream.cancelled.recv(), LIMIT_MS, "the error body being released");
    } finally {
      await server.stop();
    }
  });

  it("an abort reported by fetch as a DOMException, or by the body as a stream error, still rejects with ctx.err()", async () => {
    const { fetchJson } = await loadFetchJson();
    const realFetch = globalThis.fetch;
    const signals: AbortSignal[] = [];
    const called = new Chan<void>(2, { name: "test fetch called" });
    let mode: "request" | "body" = "request";
    globalThis.fetch = ((_input: RequestInfo | URL, init?: RequestInit) => {
      const signal = init?.signal;
      if (!signal) return Promise.reject(new TypeError("test fetch: no signal was passed"));
      signals.push(signal);
      called.trySend(undefined);
      if (mode === "request") {
        return new Promise<Response>((_, reject) => {
          signal.addEventListener("abort", () => {
            reject(new DOMException("The operation was aborted.", "AbortError"));
          });
        });
      }
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new TextEncoder().encode('{"partial": '));
          signal.addEventListener("abort", () => {
            controller.error(new TypeError("test fetch: body stream errored"));
          });
        },
      });
      return Promise.resolve(new Response(body, { status: 200 }));
    }) as typeof fetch;
    try {
      const [ctx1, cancel1] = context.withCancel(context.background());
      const call1 = fetchJson(ctx1, "http://127.0.0.1:9/never");
      await next(called, "fetchJson calling fetch");
      cancel1();
      assert.equal(await expectRejection(call1, "fetchJson (request)"), context.Canceled);

      mode = "body";
      const [ctx2, cancel2] = context.withTimeout(context.background(), 30);
      try {
        const error = await expectRejection(fetchJson(ctx2, "http://127.0.0.1:9/never"), "body");
        assert.equal(error, context.DeadlineExceeded, `got ${describeValue(error)}`);
      } finally {
        cancel2();
      }
      assert.equal(signals.length, 2);
      assert.ok(
        signals.every((signal) => signal.aborted),
        "the signal given to fetch never aborted",
      );
    } finally {
      globalThis.fetch = realFetch;
    }
  });

  it("ten concurrent fetches under one context all reject with Canceled, and the server sees every client go away", async () => {
    const { fetchJson } = await loadFetchJson();
    const arrived = new Chan<void>(10);
    const sawAbort = new Chan<void>(10);
    const stop = new Chan<void>();
    const server = await startServer(async (request) => {
      const gone = new Chan<void>();
      const onAbort = () => gone.close();
      request.signal.addEventListener("abort", onAbort, { once: true });
      arrived.trySend(undefined);
      const r = await select([recv(gone), recv(stop)]);
      request.signal.removeEventListener("abort", onAbort);
      if (r.index === 0) sawAbort.trySend(undefined);
      return Response.json({ late: true });
    });
    server.onStop(() => stop.close());
    try {
      const cp = runtime.checkpoint();
      const [ctx, cancel] = context.withCancel(context.background());
      const calls = Array.from({ length: 10 }, (_, i) => fetchJson(ctx, `${server.origin}/${i}`));
      for (let i = 0; i < 10; i++) {
        await next(arrived, `request ${i + 1} of 10 reaching the server`);
      }
      cancel();
      for (const [i, call] of calls.entries()) {
        assert.equal(await expectRejection(call, `fetch ${i}`), context.Canceled);
      }
      for (let i = 0; i < 10; i++) {
        await next(sawAbort, `the server seeing client ${i + 1} go away`);
      }
      await runtime.assertNoLeaks(cp);
    } finally {
      await server.stop();
    }
  });
});
