/**
 * Go's concurrency toolbox in TypeScript, for Deno and Bun.
 *
 * The builtins (`Chan`, `select`, `recv`, `send`, `go`, `Panic`) are exported
 * at top level; Go's packages are namespaces: `context`, `sync`, `errgroup`,
 * `time`, `signal` and `runtime`. `runMain` gives a program Go's main: the
 * process ends when it returns. `serve` runs an HTTP handler until a
 * context is done, then drains in-flight requests.
 *
 * @example
 * ```ts
 * import { Chan, context, go, recv, select, send } from "./mod.ts";
 * import assert from "node:assert/strict";
 *
 * // A producer that stops when its context is cancelled.
 * const [ctx, cancel] = context.withCancel(context.background());
 * const numbers = new Chan<number>();
 * go(async () => {
 *   for (let i = 0; ; i++) {
 *     const r = await select([send(numbers, i), recv(ctx.done())]);
 *     if (r.index === 1) return numbers.close();
 *   }
 * });
 * assert.deepEqual(await numbers.recv(), [0, true]);
 * assert.deepEqual(await numbers.recv(), [1, true]);
 * cancel();
 * for await (const _ of numbers) {
 *   // drain whatever was in flight until the producer closes
 * }
 * ```
 *
 * @module
 */
export {
  Chan,
  type ChanOptions,
  type ReceiveChan,
  type RecvResult,
  type Selected,
  type SendChan,
} from "./chan.ts";
export {
  type CaseResult,
  type DefaultResult,
  recv,
  type RecvCase,
  select,
  type SelectCase,
  type SelectOptions,
  type SelectResult,
  send,
  type SendCase,
} from "./select.ts";
export { Panic } from "./panic.ts";
export {
  type Checkpoint,
  FatalError,
  go,
  type ParkedInfo,
  runMain,
  type RunMainOptions,
  runtime,
  type SourceLocation,
  type TaskInfo,
} from "./runtime.ts";
export * as context from "./context.ts";
export type { Context } from "./context.ts";
export * as sync from "./sync.ts";
export * as errgroup from "./errgroup.ts";
export * as time from "./time.ts";
export * as signal from "./signal.ts";
export { type ListenAddress, serve, type ServeHandler, type ServeOptions } from "./serve.ts";
