import { describe, it } from "node:test";
import assert from "node:assert/strict";
import FakeTimers from "@sinonjs/fake-timers";
import { Chan, context } from "../primitives/mod.ts";
import type { Backend } from "./fan_out.ts";
import type { Logger } from "./trace.ts";

// Loaded inside each test, after the helpers above.
const loadTrace = () => import("./trace.ts");

/** A logger (from the student's module) whose lines end up in an array. */
async function recordingLogger(): Promise<{ logger: Logger; lines: string[] }> {
  const { Logger } = await loadTrace();
  const lines: string[] = [];
  return { logger: new Logger((line: string) => lines.push(line)), lines };
}

describe("trace (hidden)", () => {
  it("no export of trace.ts and no well-known key reads the trace id", async () => {
    const trace = await loadTrace();
    const ctx = trace.withTraceId(context.background(), "secret-id");
    const candidates: unknown[] = [
      ...Object.values(trace),
      "traceId",
      "traceID",
      "trace_id",
      "trace-id",
      "x-trace-id",
      "trace",
      "id",
      Symbol.for("traceId"),
      Symbol.for("trace"),
      Symbol("traceId"),
    ];
    for (const key of candidates) {
      if (key === null || key === undefined) continue;
      assert.notEqual(ctx.value(key), "secret-id", `the trace id is readable with ${String(key)}`);
    }
  });

  it("values stored under look-alike keys neither read as nor replace the trace id", async () => {
    const { traceId, withTraceId } = await loadTrace();
    const base = withTraceId(context.background(), "real-id");
    let ctx = base;
    for (const key of ["traceId", "trace-id", Symbol.for("traceId"), Symbol("traceId")]) {
      ctx = context.withValue(ctx, key, "forged");
    }
    assert.equal(traceId(ctx), "real-id");
    let bare = context.background();
    for (const key of ["traceId", Symbol.for("traceId")]) {
      bare = context.withValue(bare, key, "forged");
    }
    assert.equal(traceId(bare), undefined);
  });

  it("trace ids with spaces, line breaks, control characters or more than 64 characters are dropped, and the outer id stays", async () => {
    const { formatLine, traceId, withTraceId } = await loadTrace();
    const outer = withTraceId(context.background(), "outer-1");
    const invalid = [
      "",
      "a b",
      "abc\n",
      "ok\r\n[trace=admin] user deleted",
      "tab\there",
      "nul\u0000",
      "x".repeat(65),
      "caf\u00e9",
      "a/b",
      "\u202eevil",
    ];
    for (const id of invalid) {
      const ctx = withTraceId(outer, id);
      assert.equal(traceId(ctx), "outer-1", `${JSON.stringify(id)} was accepted as a trace id`);
      assert.equal(formatLine(ctx, "m"), "[trace=outer-1] m");
      assert.equal(traceId(withTraceId(context.background(), id)), undefined);
    }
    for (const id of ["x".repeat(64), "A.b_c-9", "0", "4bf92f3577b34da6a3ce929d0e0e4736"]) {
      assert.equal(traceId(withTraceId(outer, id)), id, `${JSON.stringify(id)} was rejected`);
    }
  });

  it("withTraceId throws a TypeError for an id that is not a string", async () => {
    const { withTraceId } = await loadTrace();
    for (const id of [42, undefined, null, {}, Symbol("id"), ["a"]]) {
      assert.throws(
        () => withTraceId(context.background(), id as unknown as string),
        TypeError,
        `no TypeError for ${String(id)}`,
      );
    }
  });

  it("the trace context is cancelled with its parent and keeps the parent's deadline", async () => {
    const { withTraceId } = await loadTrace();
    const clock = FakeTimers.install();
    try {
      const [parent, cancel] = context.withTimeout(context.background(), 300);
      const ctx = withTraceId(parent, "t-1");
      assert.deepEqual(ctx.deadline(), parent.deadline());
      assert.equal(ctx.err(), null);
      await clock.tickAsync(300);
      assert.equal(ctx.err(), context.DeadlineExceeded);
      assert.equal(ctx.signal.aborted, true);
      cancel();
    } finally {
      clock.uninstall();
    }
  });

  it("a sibling's trace id is invisible to the other branch and to the parent", async () => {
    const { traceId, withTraceId } = await loadTrace();
    const request = withTraceId(context.background(), "parent");
    const left = withTraceId(request, "left");
    const right = context.withValue(request, "unrelated", 1);
    assert.equal(traceId(left), "left");
    assert.equal(traceId(right), "parent");
    assert.equal(traceId(request), "parent");
  });

  it("traced reports a failure during cancellation as 'cancelled (…)' with the context's error message", async () => {
    const { traced, withTraceId } = await loadTrace();
    const { logger, lines } = await recordingLogger();
    const [parent, cancel] = context.withCancel(context.background());
    const ctx = withTraceId(parent, "t-9");
    const abandoned = new Error("socket closed");
    const waiting: Backend<string> = async (given) => {
      await given.done().recv();
      throw abandoned;
    };
    const call = traced("orders", waiting, logger)(ctx, "ada");
    cancel();
    await assert.rejects(call, (error: unknown) => error === abandoned);
    assert.deepEqual(lines, [
      '[trace=t-9] orders: start "ada"',
      "[trace=t-9] orders: cancelled (context canceled)",
    ]);

    const late = await recordingLogger();
    const [expired, cancelExpired] = context.withTimeout(context.background(), -1);
    await assert.rejects(traced("users", waiting, late.logger)(expired, "bob"));
    assert.equal(late.lines[1], "[trace=-] users: cancelled (context deadline exceeded)");
    cancelExpired();
  });

  it("traced logs a thrown non-Error with String(value) and rethrows the very same value", async () => {
    const { traced } = await loadTrace();
    for (const thrown of ["boom", 42, undefined, null]) {
      const { logger, lines } = await recordingLogger();
      const failing: Backend<string> = () => Promise.reject(thrown);
      await assert.rejects(
        traced("svc", failing, logger)(context.background(), "q"),
        (error: unknown) => error === thrown,
      );
      assert.equal(lines[1], `[trace=-] svc: failed: ${String(thrown)}`);
    }
  });

  it("traced turns a synchronous throw into a rejection, logged as a failure", async () => {
    const { traced } = await loadTrace();
    const { logger, lines } = await recordingLogger();
    const invalid = new RangeError("query too long");
    const throwing: Backend<string> = () => {
      throw invalid;
    };
    const wrapped = traced("search", throwing, logger);
    let call: Promise<string> | undefined;
    assert.doesNotThrow(() => (call = wrapped(context.background(), "q")), "traced threw at once");
    await assert.rejects(call!, (error: unknown) => error === invalid);
    assert.deepEqual(lines, [
      '[trace=-] search: start "q"',
      "[trace=-] search: failed: query too long",
    ]);
  });

  it("traced returns the very same object and behaves identically with and without a trace id", async () => {
    const { traced, withTraceId } = await loadTrace();
    const shared = { rows: [1, 2, 3] };
    const seen: context.Context[] = [];
    const lookup: Backend<{ rows: number[] }> = (ctx, query) => {
      seen.push(ctx);
      return Promise.resolve(query === "all" ? shared : { rows: [] });
    };
    for (const ctx of [withTraceId(context.background(), "with-id"), context.background()]) {
      const { logger, lines } = await recordingLogger();
      const wrapped = traced("db", lookup, logger);
      assert.equal(await wrapped(ctx, "all"), shared);
      assert.deepEqual(await wrapped(ctx, "none"), { rows: [] });
      assert.equal(seen.at(-1), ctx);
      assert.equal(lines.length, 4);
    }
  });

  it("the query is logged as JSON, so a line break in it cannot start a new log line", async () => {
    const { traced } = await loadTrace();
    const { logger, lines } = await recordingLogger();
    const echo: Backend<string> = (_ctx, query) => Promise.resolve(query);
    await traced("echo", echo, logger)(context.background(), 'x"\n[trace=admin] forged');
    assert.equal(lines[0], `[trace=-] echo: start ${JSON.stringify('x"\n[trace=admin] forged')}`);
    assert.ok(lines.every((line) => !line.includes("\n")), "a log line contains a line break");
  });

  it("one Logger serves concurrent requests, each line carrying its own request's trace id", async () => {
    const { traced, withTraceId } = await loadTrace();
    const { logger, lines } = await recordingLogger();
    const gates = [new Chan<void>(), new Chan<void>()];
    const gated: Backend<string> = async (_ctx, query) => {
      await gates[Number(query)].recv();
      return query;
    };
    const wrapped = traced("gated", gated, logger);
    const first = wrapped(withTraceId(context.background(), "req-A"), "0");
    const second = wrapped(withTraceId(context.background(), "req-B"), "1");
    gates[1].close();
    assert.equal(await second, "1");
    gates[0].close();
    assert.equal(await first, "0");
    assert.deepEqual(lines, [
      '[trace=req-A] gated: start "0"',
      '[trace=req-B] gated: start "1"',
      "[trace=req-B] gated: ok",
      "[trace=req-A] gated: ok",
    ]);
  });
});
