import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Chan, context, type ReceiveChan, recv, runtime, select } from "../primitives/mod.ts";
import { nextTurn } from "../primitives/testing.ts";
import { generate, merge, square } from "./pipeline.ts";

/**
 * Receives one value without ever parking: polls with a `select` default for
 * a few turns. Resolves to the receive's result, or `"stuck"` when nothing
 * arrived (a stage that never sends or never closes).
 */
async function take<T>(
  ch: ReceiveChan<T>,
  turns = 50,
): Promise<[T, true] | [undefined, false] | "stuck"> {
  for (let i = 0; i < turns; i++) {
    const r = await select([recv(ch)], { default: true });
    if (r.index === 0) return r.ok ? [r.value, true] : [undefined, false];
    await nextTurn();
  }
  return "stuck";
}

/** Receives until the channel is closed; fails if it stalls or never ends. */
async function drain<T>(ch: ReceiveChan<T>, what: string, limit = 10_000): Promise<T[]> {
  const got: T[] = [];
  while (got.length <= limit) {
    const r = await take(ch);
    if (r === "stuck") {
      assert.fail(`${what}: no value and no close after ${got.length} values (${got.join(", ")})`);
    }
    if (!r[1]) return got;
    got.push(r[0]);
  }
  assert.fail(`${what}: more than ${limit} values; the channel never closed`);
}

describe("pipeline: generate → square → merge", () => {
  it("generate then square yields the squares in order, then closes", async () => {
    const ctx = context.background();
    const squares = square(ctx, generate(ctx, 1, 2, 3, 4));
    assert.deepEqual(await drain(squares, "square(generate(1..4))"), [1, 4, 9, 16]);
  });

  it("merge delivers every value of every input exactly once and closes after the last input", async () => {
    const ctx = context.background();
    const merged = merge(
      ctx,
      square(ctx, generate(ctx, 1, 2, 3)),
      square(ctx, generate(ctx, 4, 5)),
      generate(ctx, 100),
    );
    const got = await drain(merged, "merge(...)");
    assert.deepEqual([...got].sort((a, b) => a - b), [1, 4, 9, 16, 25, 100]);
  });

  it("a consumer that cancels after two values leaves no stage running or parked", async () => {
    const cp = runtime.checkpoint();
    const [ctx, cancel] = context.withCancel(context.background());
    const nums = Array.from({ length: 100 }, (_, i) => i + 1);
    const merged = merge(
      ctx,
      square(ctx, generate(ctx, ...nums)),
      square(ctx, generate(ctx, ...nums)),
    );
    for (let i = 0; i < 2; i++) {
      const r = await take(merged);
      assert.ok(r !== "stuck" && r[1], `value ${i + 1} of the merged stream never arrived`);
    }
    cancel(); // stop early, without draining the rest
    await runtime.assertNoLeaks(cp);
  });

  it("square's output closes once its input closes, even with nothing in it", async () => {
    const ctx = context.background();
    assert.deepEqual(await drain(square(ctx, generate(ctx)), "square(generate())"), []);
  });

  it("generate's own output closes after the consumer cancels mid-stream", async () => {
    const [ctx, cancel] = context.withCancel(context.background());
    const out = generate(ctx, 1, 2, 3, 4, 5);
    assert.deepEqual(await take(out), [1, true]);
    cancel();
    const rest = await drain(out, "generate() after cancel");
    assert.ok(rest.length <= 1, `generate() kept sending after the cancel: ${rest.join(", ")}`);
  });
  it("square ends and closes its output on cancel, even though its input never closes", async () => {
    const cp = runtime.checkpoint();
    const [ctx, cancel] = context.withCancel(context.background());
    const silent = new Chan<number>(); // nobody ever sends on it or closes it
    const out = square(ctx, silent);
    assert.equal(await take(out, 5), "stuck", "square sent a value nobody gave it");
    cancel();
    assert.deepEqual(await drain(out, "square() after cancel"), []);
    await runtime.assertNoLeaks(cp);
  });
});
