// These tests talk to a real HTTP server on 127.0.0.1, so they run on real
// time: run them with `deno test --allow-net=127.0.0.1` (deno task lab does).
// Nothing waits on a clock to synchronise: the server's handler and the test
// hand each other channels. Each wait has a generous limit only so that a
// broken fetchJson fails the test instead of hanging it.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Chan, context, recv, runtime, select, serve } from "../primitives/mod.ts";
import { within } from "../primitives/testing.ts";
import { fetchJson, HttpError } from "./fetch_json.ts";
import { withTraceId } from "./trace.ts";

/** What the test server saw of one request. */
interface Seen {
  headers: Headers;
  /** Whether the client went away while the handler was still waiting to answer. */
  abortedWhileWaiting: boolean;
}

/**
 * Starts a server on 127.0.0.1 (any free port). Every request is announced
 * on `arrived`; its handler then waits until the test calls `release()` or
 * the client goes away, announces the request on `handled`, and answers
 * with `reply()`.
 */
async function startServer(reply: () => Response = () => Response.json({ ok: true })) {
  const [serverCtx, stopServer] = context.withCancel(context.background());
  const arrived = new Chan<Seen>(16, { name: "requests arrived" });
  const handled = new Chan<Seen>(16, { name: "requests handled" });
  const released = new Chan<void>(0, { name: "handlers released" });
  const listening = new Chan<string>(1, { name: "server listening" });
  const served = serve(serverCtx, async (request) => {
    const seen: Seen = { headers: request.headers, abortedWhileWaiting: false };
    const gone = new Chan<void>(0, { name: "client gone" });
    const onAbort = () => gone.close();
    request.signal.addEventListener("abort", onAbort, { once: true });
    await arrived.send(seen);
    const r = await select([recv(released), recv(gone)]);
    request.signal.removeEventListener("abort", onAbort);
    seen.abortedWhileWaiting = r.index === 1;
    await handled.send(seen);
    return reply();
  }, {
    onListen: ({ hostname, port }) => listening.trySend(`http://${hostname}:${port}/data`),
  });
  const [url] = await within(listening.recv(), 5000, "the test server listening");
  let isReleased = false;
  const release = () => {
    if (!isReleased) released.close();
    isReleased = true;
  };
  return {
    url: url!,
    arrived,
    handled,
    release,
    async stop() {
      release();
      stopServer();
      await within(served, 5000, "the test server shutting down");
    },
  };
}

type TestServer = Awaited<ReturnType<typeof startServer>>;

/** Waits for the next request to reach the server; fails at once if `call` settles first. */
async function nextArrival(server: TestServer, call: Promise<unknown>): Promise<Seen> {
  const settledFirst = call.then(
    (value) => {
      throw new Error(
        `fetchJson resolved to ${JSON.stringify(value)} before its request reached the server`,
      );
    },
    (error) => {
      throw new Error(`fetchJson rejected before its request reached the server: ${String(error)}`);
    },
  );
  const [seen] = await within(
    Promise.race([server.arrived.recv(), settledFirst]),
    5000,
    "the request reaching the server",
  );
  return seen!;
}

describe("fetchJson", () => {
  it("fetchJson resolves with the parsed body and sends the trace id header", async () => {
    const server = await startServer(() => Response.json({ user: "ada", orders: [1, 2] }));
    try {
      const ctx = withTraceId(context.background(), "req-99");
      const call = fetchJson(ctx, server.url);
      const seen = await nextArrival(server, call);
      assert.equal(seen.headers.get("x-trace-id"), "req-99");
      server.release();
      assert.deepEqual(await within(call, 5000, "fetchJson resolving"), {
        user: "ada",
        orders: [1, 2],
      });
    } finally {
      await server.stop();
    }
  });

  it("fetchJson rejects with context.Canceled when cancelled mid-request, and the server sees the client go away", async () => {
    const server = await startServer();
    try {
      const cp = runtime.checkpoint();
      const [ctx, cancel] = context.withCancel(context.background());
      const call = fetchJson(ctx, server.url);
      await nextArrival(server, call);
      cancel();
      await assert.rejects(
        within(call, 5000, "fetchJson settling after the cancel"),
        (error: unknown) => {
          assert.equal(error, context.Canceled, `expected context.Canceled, got ${String(error)}`);
          return true;
        },
      );
      const [seen] = await within(server.handled.recv(), 5000, "the handler noticing the abort");
      assert.equal(seen?.abortedWhileWaiting, true, "the server never saw the client go away");
      await runtime.assertNoLeaks(cp);
    } finally {
      await server.stop();
    }
  });

  it("fetchJson rejects with context.DeadlineExceeded when the answer does not come in time", async () => {
    const server = await startServer();
    try {
      const [ctx, cancel] = context.withTimeout(context.background(), 50);
      try {
        await assert.rejects(
          within(fetchJson(ctx, server.url), 5000, "fetchJson giving up at its deadline"),
          (error: unknown) => {
            assert.equal(error, context.DeadlineExceeded, `got ${String(error)}`);
            return true;
          },
        );
      } finally {
        cancel();
      }
    } finally {
      await server.stop();
    }
  });

  it("fetchJson rejects with HttpError for a non-2xx status", async () => {
    const server = await startServer(() => new Response("no such user", { status: 404 }));
    try {
      server.release();
      await assert.rejects(
        within(fetchJson(context.background(), server.url), 5000, "fetchJson settling"),
        (error: unknown) => {
          assert.ok(error instanceof HttpError, `expected an HttpError, got ${String(error)}`);
          assert.equal(error.status, 404);
          assert.equal(error.url, server.url);
          assert.equal(error.message, `GET ${server.url}: HTTP 404`);
          return true;
        },
      );
    } finally {
      await server.stop();
    }
  });
});
