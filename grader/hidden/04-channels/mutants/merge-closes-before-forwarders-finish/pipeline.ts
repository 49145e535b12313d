// Mutant: merge() closes its output as soon as it has started the forwarders, without waiting for them.
/**
 * Part 2 — a pipeline: stages connected by channels, each stage owning (and
 * closing) its output, every stage leaving as soon as the consumer cancels.
 *
 * @module
 */
import {
  Chan,
  context,
  go,
  type ReceiveChan,
  recv,
  select,
  send,
  sync,
} from "../primitives/mod.ts";

/**
 * The first stage: sends each of `nums`, in order, on an unbuffered channel,
 * then closes it. Stops early, and still closes, once `ctx` is done.
 *
 * @example
 * ```ts
 * import { context } from "../primitives/mod.ts";
 * import { generate } from "./pipeline.ts";
 * import assert from "node:assert/strict";
 *
 * const got: number[] = [];
 * for await (const n of generate(context.background(), 1, 2, 3)) got.push(n);
 * assert.deepEqual(got, [1, 2, 3]);
 * ```
 */
export function generate(ctx: context.Context, ...nums: number[]): ReceiveChan<number> {
  const out = new Chan<number>(0, { name: "generate" });
  go(async () => {
    try {
      for (const n of nums) {
        // select picks at random among ready cases: without this check a
        // receiver that is waiting could still get values after cancellation.
        if (ctx.err() !== null) return;
        const r = await select([send(out, n), recv(ctx.done())]);
        if (r.index === 1) return;
      }
    } finally {
      out.close(); // the only sender closes
    }
  });
  return out;
}

/**
 * A middle stage: receives numbers from `input` and sends their squares, in
 * order, on an unbuffered channel; closes it once `input` is closed or `ctx`
 * is done. It watches `ctx` while receiving too, since its input may come
 * from a sender that never closes.
 *
 * @example
 * ```ts
 * import { context } from "../primitives/mod.ts";
 * import { generate, square } from "./pipeline.ts";
 * import assert from "node:assert/strict";
 *
 * const ctx = context.background();
 * const got: number[] = [];
 * for await (const n of square(ctx, generate(ctx, 2, 3))) got.push(n);
 * assert.deepEqual(got, [4, 9]);
 * ```
 */
export function square(ctx: context.Context, input: ReceiveChan<number>): ReceiveChan<number> {
  const out = new Chan<number>(0, { name: "square" });
  go(async () => {
    try {
      while (ctx.err() === null) {
        const got = await select([recv(input), recv(ctx.done())]);
        if (got.index === 1 || !got.ok) return;
        if (ctx.err() !== null) return;
        const sent = await select([send(out, got.value * got.value), recv(ctx.done())]);
        if (sent.index === 1) return;
      }
    } finally {
      out.close();
    }
  });
  return out;
}

/**
 * Fan-in: forwards every value from every input onto one unbuffered channel
 * and closes it once all inputs are closed, or once `ctx` is done and every
 * forwarder has left. Values from one input keep their order; nothing is
 * lost or duplicated.
 *
 * @example
 * ```ts
 * import { context } from "../primitives/mod.ts";
 * import { generate, merge } from "./pipeline.ts";
 * import assert from "node:assert/strict";
 *
 * const ctx = context.background();
 * const got: number[] = [];
 * for await (const n of merge(ctx, generate(ctx, 1, 2), generate(ctx, 10))) got.push(n);
 * assert.deepEqual(got.sort((a, b) => a - b), [1, 2, 10]);
 * ```
 */
export function merge<T>(ctx: context.Context, ...inputs: ReceiveChan<T>[]): ReceiveChan<T> {
  const out = new Chan<T>(0, { name: "merge" });
  const forwarders = new sync.WaitGroup();
  for (const input of inputs) {
    forwarders.go(async () => {
      while (ctx.err() === null) {
        const got = await select([recv(input), recv(ctx.done())]);
        if (got.index === 1 || !got.ok) return;
        if (ctx.err() !== null) return;
        const sent = await select([send(out, got.value), recv(ctx.done())]);
        if (sent.index === 1) return;
      }
    });
  }
  go(() => {
    out.close();
  });
  return out;
}
