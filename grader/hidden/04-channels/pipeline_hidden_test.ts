import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Chan, context, type ReceiveChan, recv, runtime, select } from "../primitives/mod.ts";
import { nextTurn, seededRandom, withinTurns } from "../primitives/testing.ts";

/** Receives one value without ever parking (polls with a select default); `"stuck"` if nothing comes. */
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
    if (r === "stuck") assert.fail(`${what}: no value and no close after ${got.length} values`);
    if (!r[1]) return got;
    got.push(r[0]);
  }
  assert.fail(`${what}: more than ${limit} values; the channel never closed`);
}

/** Takes exactly `n` values; fails if the stream ends or stalls first. */
async function takeN<T>(ch: ReceiveChan<T>, n: number, what: string): Promise<T[]> {
  const got: T[] = [];
  while (got.length < n) {
    const r = await take(ch);
    if (r === "stuck" || !r[1]) assert.fail(`${what}: only ${got.length} of ${n} values arrived`);
    got.push(r[0]);
  }
  return got;
}

function isPrefix<T>(prefix: readonly T[], whole: readonly T[]): boolean {
  return prefix.length <= whole.length && prefix.every((v, i) => v === whole[i]);
}

const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);

describe("pipeline (hidden)", () => {
  it("merge loses, duplicates and reorders nothing within an input, over 40 seeded runs", async () => {
    const { generate, merge, square } = await import("./pipeline.ts");
    for (let seed = 1; seed <= 40; seed++) {
      const random = seededRandom(seed);
      const cp = runtime.checkpoint();
      const ctx = context.background();
      const inputs = Math.floor(random() * 6); // 0..5 inputs
      const streams: number[][] = [];
      for (let s = 0; s < inputs; s++) {
        streams.push(range(1000 * (s + 1), Math.floor(random() * 9)));
      }
      const merged = merge(ctx, ...streams.map((nums) => square(ctx, generate(ctx, ...nums))));
      const got: number[] = [];
      while (true) {
        if (random() < 0.3) await nextTurn(); // a consumer that sometimes lags
        const r = await take(merged);
        if (r === "stuck") {
          assert.fail(`seed ${seed}: merged stream stalled after ${got.length} values`);
        }
        if (!r[1]) break;
        got.push(r[0]);
      }
      for (const nums of streams) {
        const mine = new Set(nums.map((n) => n * n));
        assert.deepEqual(
          got.filter((v) => mine.has(v)),
          nums.map((n) => n * n),
          `seed ${seed}: one input's values must all arrive once, in their order`,
        );
      }
      assert.equal(got.length, streams.flat().length, `seed ${seed}: unexpected extra values`);
      await runtime.assertNoLeaks(cp);
    }
  });

  it("cancelling before the first value closes every stage with no value and nothing parked", async () => {
    const { generate, merge, square } = await import("./pipeline.ts");
    for (let i = 0; i < 20; i++) {
      const cp = runtime.checkpoint();
      const [ctx, cancel] = context.withCancel(context.background());
      const out = merge(
        ctx,
        square(ctx, generate(ctx, 1, 2, 3)),
        square(ctx, generate(ctx, 4, 5, 6)),
      );
      cancel();
      await runtime.assertNoLeaks(cp);
      assert.deepEqual(await drain(out, "merged stream after cancel"), []);
    }
  });

  it("cancelling mid-stream at every position leaves nothing parked and a prefix of the stream", async () => {
    const { generate, square } = await import("./pipeline.ts");
    const nums = range(1, 12);
    const squares = nums.map((n) => n * n);
    for (let round = 0; round < 3; round++) {
      for (let k = 0; k <= nums.length; k++) {
        const cp = runtime.checkpoint();
        const [ctx, cancel] = context.withCancel(context.background());
        const out = square(ctx, square(ctx, generate(ctx, ...nums)));
        const before = await takeN(out, k, `cancel after ${k}`);
        cancel();
        await runtime.assertNoLeaks(cp);
        const after = await drain(out, `cancel after ${k}: rest of the stream`);
        assert.ok(
          isPrefix([...before, ...after], squares.map((s) => s * s)),
          `cancel after ${k}: got ${[...before, ...after].join(",")}, not a prefix of the stream`,
        );
      }
    }
  });

  it("cancelling a merge mid-stream leaves nothing parked and keeps each input's prefix", async () => {
    const { generate, merge } = await import("./pipeline.ts");
    for (let seed = 1; seed <= 20; seed++) {
      const random = seededRandom(500 + seed);
      const cp = runtime.checkpoint();
      const [ctx, cancel] = context.withCancel(context.background());
      const a = range(100, 20);
      const b = range(200, 20);
      const c = range(300, 20);
      const out = merge(ctx, generate(ctx, ...a), generate(ctx, ...b), generate(ctx, ...c));
      const before = await takeN(out, Math.floor(random() * 30), `seed ${seed}`);
      cancel();
      await runtime.assertNoLeaks(cp);
      const all = [...before, ...(await drain(out, `seed ${seed}: rest after cancel`))];
      for (const input of [a, b, c]) {
        const mine = all.filter((v) => input.includes(v));
        assert.ok(
          isPrefix(mine, input),
          `seed ${seed}: ${mine.join(",")} is not a prefix of its input`,
        );
      }
    }
  });

  it("cancelling after the stream has closed is harmless", async () => {
    const { generate, merge, square } = await import("./pipeline.ts");
    const cp = runtime.checkpoint();
    const [ctx, cancel] = context.withCancel(context.background());
    const out = merge(ctx, square(ctx, generate(ctx, 1, 2)), generate(ctx, 7));
    assert.deepEqual((await drain(out, "merged stream")).sort((x, y) => x - y), [1, 4, 7]);
    cancel();
    await runtime.assertNoLeaks(cp);
    assert.deepEqual(await take(out), [undefined, false]);
  });

  it("square leaves on cancel even when its input never closes", async () => {
    const { square } = await import("./pipeline.ts");
    const cp = runtime.checkpoint();
    const [ctx, cancel] = context.withCancel(context.background());
    const forever = new Chan<number>(0, { name: "input that never closes" });
    const out = square(ctx, forever);
    await nextTurn();
    cancel();
    await runtime.assertNoLeaks(cp);
    assert.deepEqual(await drain(out, "square output after cancel"), []);
  });

  it("merge leaves on cancel even when its inputs never close, and closes its output", async () => {
    const { merge } = await import("./pipeline.ts");
    const cp = runtime.checkpoint();
    const [ctx, cancel] = context.withCancel(context.background());
    const a = new Chan<string>(0, { name: "input a" });
    const b = new Chan<string>(0, { name: "input b" });
    const out = merge(ctx, a, b);
    await nextTurn();
    cancel();
    await runtime.assertNoLeaks(cp);
    assert.deepEqual(await drain(out, "merge output after cancel"), []);
  });

  it("merge waits for its slowest input before closing", async () => {
    const { merge } = await import("./pipeline.ts");
    const ctx = context.background();
    const fast = new Chan<string>(0, { name: "fast" });
    const slow = new Chan<string>(0, { name: "slow" });
    const out = merge(ctx, fast, slow);
    fast.close();
    for (let i = 0; i < 5; i++) await nextTurn();
    assert.equal(await take(out, 3), "stuck", "merge closed while an input was still open");
    const sent = slow.send("late");
    assert.deepEqual(await take(out), ["late", true]);
    await sent;
    slow.close();
    assert.deepEqual(await take(out), [undefined, false]);
  });

  it("generate with no numbers and merge with no inputs close at once", async () => {
    const { generate, merge } = await import("./pipeline.ts");
    const cp = runtime.checkpoint();
    const ctx = context.background();
    assert.deepEqual(await drain(generate(ctx), "generate()"), []);
    assert.deepEqual(await drain(merge<number>(ctx), "merge()"), []);
    await runtime.assertNoLeaks(cp);
  });
  it("generate's own output, ranged over directly, ends after a cancel in the middle of the stream", async () => {
    const { generate } = await import("./pipeline.ts");
    const cp = runtime.checkpoint();
    const [ctx, cancel] = context.withCancel(context.background());
    const all = range(1, 100);
    const got: number[] = [];
    const ranging = (async () => {
      for await (const n of generate(ctx, ...all)) {
        got.push(n);
        if (n === 3) cancel();
      }
    })();
    await withinTurns(ranging, "a for await over generate() after a cancel");
    assert.ok(isPrefix(got, all), `not a prefix of the stream: ${got.join(", ")}`);
    assert.ok(got.length <= 4, `generate() kept sending after the cancel: ${got.join(", ")}`);
    await runtime.assertNoLeaks(cp);
  });
});
