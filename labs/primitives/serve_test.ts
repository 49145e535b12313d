import { describe, it } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { Hono } from "hono";
import { Chan } from "./chan.ts";
import { background, withCancel } from "./context.ts";
import { type ListenAddress, serve, type ServeHandler } from "./serve.ts";
import { realTurns } from "./testing.ts";

const { isSettled, settle } = realTurns(5);

interface Running {
  addr: ListenAddress;
  url: string;
  cancel: () => void;
  served: Promise<void>;
}

/** Starts serve() on a free loopback port and waits until it listens. */
async function start(handler: ServeHandler): Promise<Running> {
  const [ctx, cancel] = withCancel(background());
  let announce!: (addr: ListenAddress) => void;
  const listening = new Promise<ListenAddress>((resolve) => (announce = resolve));
  const served = serve(ctx, handler, { onListen: announce });
  const addr = await Promise.race([
    listening,
    served.then(() => {
      throw new Error("serve() resolved before it listened");
    }),
  ]);
  return { addr, url: `http://127.0.0.1:${addr.port}`, cancel, served };
}

/** Opens a raw TCP connection: `"refused"`, or `"accepted"` (then closes it at once). */
function tryConnect(port: number): Promise<"refused" | "accepted"> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve("accepted");
    });
    socket.once("error", (error: Error & { code?: string }) => {
      if (error.code === "ECONNREFUSED") resolve("refused");
      else reject(error);
    });
  });
}

/**
 * The listener closes a few event-loop turns after the context is cancelled;
 * tries to connect until refused, for a bounded number of attempts.
 */
async function refusedSoon(port: number): Promise<boolean> {
  for (let attempt = 0; attempt < 100; attempt++) {
    if (await tryConnect(port) === "refused") return true;
    await settle();
  }
  return false;
}

/** Runs `body` with console.error captured instead of printed. */
async function capturingErrors(body: (logged: unknown[][]) => Promise<void>): Promise<void> {
  const original = console.error;
  const logged: unknown[][] = [];
  console.error = (...args: unknown[]) => void logged.push(args);
  try {
    await body(logged);
  } finally {
    console.error = original;
  }
}

describe("serve", () => {
  it("serves a Hono app until the context is cancelled", async () => {
    const app = new Hono();
    app.get("/hello/:name", (c) => c.text(`hello, ${c.req.param("name")}`));
    app.post("/echo", async (c) => c.json({ got: await c.req.json() }));
    const server = await start(app);

    const hello = await fetch(`${server.url}/hello/gopher`);
    assert.equal(hello.status, 200);
    assert.equal(await hello.text(), "hello, gopher");
    const echo = await fetch(`${server.url}/echo`, {
      method: "POST",
      body: JSON.stringify([1, 2]),
    });
    assert.deepEqual(await echo.json(), { got: [1, 2] });
    const missing = await fetch(`${server.url}/nowhere`);
    assert.equal(missing.status, 404);
    await missing.body?.cancel();

    server.cancel();
    await server.served;
    assert.equal(await tryConnect(server.addr.port), "refused");
  });

  it("serves a plain function and reports the real loopback address to onListen", async () => {
    const server = await start(async (request) =>
      new Response(`${request.method} ${new URL(request.url).pathname} ${await request.text()}`, {
        headers: { "x-served-by": "plain" },
      })
    );
    try {
      assert.equal(server.addr.hostname, "127.0.0.1");
      assert.ok(Number.isInteger(server.addr.port) && server.addr.port > 0);
      const response = await fetch(`${server.url}/path`, { method: "PUT", body: "payload" });
      assert.equal(response.headers.get("x-served-by"), "plain");
      assert.equal(await response.text(), "PUT /path payload");
    } finally {
      server.cancel();
      await server.served;
    }
  });

  it("on cancel, lets a slow in-flight request finish, and resolves only after it", async () => {
    const started = new Chan<void>(1);
    const release = new Chan<void>();
    const server = await start(async () => {
      await started.send();
      await release.recv();
      return new Response("the whole slow answer");
    });
    const answer = fetch(`${server.url}/slow`).then((r) => r.text());
    await started.recv();

    server.cancel();
    assert.equal(await isSettled(server.served), false);
    assert.equal(await isSettled(answer), false);

    release.close();
    assert.equal(await answer, "the whole slow answer");
    await server.served;
  });

  it("after cancel, refuses new connections while an old request is still in flight", async () => {
    const started = new Chan<void>(1);
    const release = new Chan<void>();
    const server = await start(async () => {
      await started.send();
      await release.recv();
      return new Response("done");
    });
    const answer = fetch(`${server.url}/slow`).then((r) => r.text());
    await started.recv();
    assert.equal(await tryConnect(server.addr.port), "accepted");

    server.cancel();
    assert.equal(await refusedSoon(server.addr.port), true);
    await assert.rejects(fetch(`${server.url}/late`));
    assert.equal(await isSettled(server.served), false);

    release.close();
    assert.equal(await answer, "done");
    await server.served;
  });

  it("waits for a response body that is still streaming when the context is cancelled", async () => {
    const chunks = new Chan<string>();
    const encoder = new TextEncoder();
    const server = await start(() =>
      new Response(
        new ReadableStream<Uint8Array>({
          async pull(controller) {
            const [chunk, ok] = await chunks.recv();
            if (ok) controller.enqueue(encoder.encode(chunk));
            else controller.close();
          },
        }),
      )
    );
    // Bun sends the headers only with the first chunk: send it before awaiting them.
    const body = fetch(`${server.url}/stream`).then((response) => response.text());
    await chunks.send("first,");

    server.cancel();
    assert.equal(await isSettled(server.served), false);
    await chunks.send("second,");
    assert.equal(await isSettled(server.served), false);
    await chunks.send("last");
    chunks.close();

    assert.equal(await body, "first,second,last");
    await server.served;
  });

  it("rejects with a clear error, keeping the runtime's as cause, when the port is in use", async () => {
    const first = await start(() => new Response("first"));
    const [ctx, cancel] = withCancel(background());
    try {
      await assert.rejects(
        serve(ctx, () => new Response("second"), { port: first.addr.port }),
        (error: unknown) => {
          assert.ok(error instanceof Error);
          assert.equal(
            error.message,
            `Cannot serve on 127.0.0.1:${first.addr.port}: address already in use`,
          );
          assert.ok(error.cause instanceof Error);
          return true;
        },
      );
      const stillFirst = await fetch(first.url);
      assert.equal(await stillFirst.text(), "first");
    } finally {
      cancel();
      first.cancel();
      await first.served;
    }
  });

  it("resolves without listening when the context is already done", async () => {
    const occupied = await start(() => new Response("occupied"));
    try {
      const [ctx, cancel] = withCancel(background());
      cancel();
      let listened = false;
      // The port is taken: trying to listen would reject.
      await serve(ctx, () => new Response("never"), {
        port: occupied.addr.port,
        onListen: () => (listened = true),
      });
      assert.equal(listened, false);
    } finally {
      occupied.cancel();
      await occupied.served;
    }
  });

  it("answers 500 and logs when the handler throws or returns a non-Response, and keeps serving", async () => {
    await capturingErrors(async (logged) => {
      const server = await start((request) => {
        const path = new URL(request.url).pathname;
        if (path === "/throw") throw new Error("handler exploded");
        if (path === "/wrong") return "not a response" as unknown as Response;
        return new Response("fine");
      });
      try {
        const thrown = await fetch(`${server.url}/throw`);
        assert.equal(thrown.status, 500);
        await thrown.body?.cancel();
        const wrong = await fetch(`${server.url}/wrong`);
        assert.equal(wrong.status, 500);
        await wrong.body?.cancel();
        const fine = await fetch(`${server.url}/fine`);
        assert.equal(await fine.text(), "fine");
      } finally {
        server.cancel();
        await server.served;
      }
      assert.equal(logged.length, 2);
      assert.match(
        String(logged[0][0]),
        /^serve: the handler failed for GET http:\/\/127\.0\.0\.1:\d+\/throw:$/,
      );
      assert.equal((logged[0][1] as Error).message, "handler exploded");
      assert.match(
        String((logged[1][1] as Error).message),
        /returned string instead of a Response/,
      );
    });
  });

  it("rejects a bad port or handler before listening", async () => {
    const [ctx, cancel] = withCancel(background());
    try {
      await assert.rejects(serve(ctx, () => new Response(""), { port: 70000 }), {
        name: "RangeError",
        message: "Cannot serve: port must be an integer from 0 to 65535, received 70000",
      });
      await assert.rejects(serve(ctx, {} as ServeHandler), {
        name: "TypeError",
        message:
          "Cannot serve: the handler must be a function or an object with a fetch method, received object",
      });
    } finally {
      cancel();
    }
  });
});
