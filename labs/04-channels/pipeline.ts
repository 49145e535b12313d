/**
 * Part 2 — a pipeline: stages connected by channels, each stage owning (and
 * closing) its output, every stage leaving as soon as the consumer cancels.
 *
 * @module
 */
// deno-lint-ignore-file no-unused-vars -- starter code; remove this line when done
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
 * ```ts ignore
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
  // TODO(part 2): make an unbuffered Chan<number> (give it a name for leak reports),
  // start one task with go() that sends the numbers in order, and return the
  // channel right away. Each send must also watch ctx:
  //   select([send(out, n), recv(ctx.done())])
  // and whatever way the task ends, it closes `out` (try/finally): it is the
  // only sender, so closing is its job. (select picks at random among ready
  // cases: checking ctx.err() before each send stops a cancelled stage from
  // handing out "just one more" value.)
  throw new Error("TODO: implement generate() in pipeline.ts (part 2 of the README)");
}

/**
 * A middle stage: receives numbers from `input` and sends their squares, in
 * order, on an unbuffered channel; closes it once `input` is closed or `ctx`
 * is done. It watches `ctx` while receiving too, since its input may come
 * from a sender that never closes.
 *
 * @example
 * ```ts ignore
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
  // TODO(part 2): like generate(), but the values come from `input`. A plain
  // `for await (const n of input)` would wait forever if `input` never
  // closes, so receive with select([recv(input), recv(ctx.done())]) as well.
  throw new Error("TODO: implement square() in pipeline.ts (part 2 of the README)");
}

/**
 * Fan-in: forwards every value from every input onto one unbuffered channel
 * and closes it once all inputs are closed, or once `ctx` is done and every
 * forwarder has left. Values from one input keep their order; nothing is
 * lost or duplicated.
 *
 * @example
 * ```ts ignore
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
  // TODO(part 2): one forwarding task per input, all sending on the same `out`.
  // Which of them may close `out`? None: the others might still be sending.
  // Count them with a sync.WaitGroup (wg.go(fn) adds, starts and marks done),
  // and start one more task that waits for the group and then closes `out`.
  throw new Error("TODO: implement merge() in pipeline.ts (part 2 of the README)");
}
