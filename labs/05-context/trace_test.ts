import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { context } from "../primitives/mod.ts";
import type { Backend } from "./fan_out.ts";
import { formatLine, Logger, traced, traceId, withTraceId } from "./trace.ts";

/** A logger whose lines end up in an array. */
function recordingLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  return { logger: new Logger((line) => lines.push(line)), lines };
}

describe("trace", () => {
  it("traceId reads back the id set by withTraceId, and undefined without one", () => {
    const root = context.background();
    const ctx = withTraceId(root, "req-7f3a");
    assert.equal(traceId(ctx), "req-7f3a");
    assert.equal(traceId(root), undefined, "the parent must not see its child's trace id");
    const inner = withTraceId(ctx, "req-inner");
    assert.equal(traceId(inner), "req-inner", "the nearest trace id wins");
    assert.equal(traceId(ctx), "req-7f3a");
  });

  it("the trace id cannot be read or overwritten through a string key", () => {
    const ctx = withTraceId(context.background(), "req-42");
    for (const key of ["traceId", "trace-id", "x-trace-id", "trace", Symbol.for("traceId")]) {
      assert.equal(ctx.value(key), undefined, `the trace id is readable with ${String(key)}`);
    }
    const forged = context.withValue(ctx, "traceId", "forged");
    assert.equal(traceId(forged), "req-42", "a string key overwrote the trace id");
    assert.equal(traceId(context.withValue(context.background(), "traceId", "forged")), undefined);
  });

  it("formatLine and Logger prefix each line with the trace id, or '-' without one", () => {
    const ctx = withTraceId(context.background(), "abc");
    assert.equal(formatLine(ctx, "loading user"), "[trace=abc] loading user");
    assert.equal(formatLine(context.background(), "loading user"), "[trace=-] loading user");
    const { logger, lines } = recordingLogger();
    logger.log(ctx, "one");
    logger.log(context.background(), "two");
    logger.log(withTraceId(context.background(), "xyz"), "three");
    assert.deepEqual(lines, ["[trace=abc] one", "[trace=-] two", "[trace=xyz] three"]);
  });

  it("traced returns the backend's value and logs the start and the success", async () => {
    const { logger, lines } = recordingLogger();
    const users = traced("users", (_ctx, query) => Promise.resolve(`user ${query}`), logger);
    const answer = await users(withTraceId(context.background(), "t-1"), "ada");
    assert.equal(answer, "user ada");
    assert.deepEqual(lines, ['[trace=t-1] users: start "ada"', "[trace=t-1] users: ok"]);
  });

  it("traced hands over the same context and error, and behaves the same without a trace id", async () => {
    const outage = new Error("connection refused");
    const seen: context.Context[] = [];
    const failing: Backend<string> = (ctx) => {
      seen.push(ctx);
      return Promise.reject(outage);
    };
    for (const ctx of [withTraceId(context.background(), "t-2"), context.background()]) {
      const { logger, lines } = recordingLogger();
      await assert.rejects(traced("orders", failing, logger)(ctx, "ada"), (e) => e === outage);
      assert.equal(seen.at(-1), ctx, "the backend did not get the caller's context");
      const prefix = `[trace=${traceId(ctx) ?? "-"}]`;
      assert.deepEqual(lines, [
        `${prefix} orders: start "ada"`,
        `${prefix} orders: failed: connection refused`,
      ]);
    }
  });
  it("traced logs a failure after its context was cancelled as 'cancelled (…)'", async () => {
    const [ctx, cancel] = context.withCancel(withTraceId(context.background(), "t-3"));
    const hangingUp: Backend<string> = () => {
      cancel();
      return Promise.reject(new Error("socket closed"));
    };
    const { logger, lines } = recordingLogger();
    await assert.rejects(traced("orders", hangingUp, logger)(ctx, "ada"));
    assert.deepEqual(lines, [
      '[trace=t-3] orders: start "ada"',
      "[trace=t-3] orders: cancelled (context canceled)",
    ]);
  });
});
