/**
 * Go's concurrency toolbox in TypeScript, for Deno and Bun.
 *
 * The builtins (`Chan`, `select`, `recv`, `send`, `go`, `Panic`) are exported
 * at top level; Go's packages are namespaces: `context`, `sync`, `errgroup`,
 * `time`, `signal` and `runtime`. `serve` runs an HTTP handler until a
 * context is done, then drains in-flight requests.
 *
 * @example
 * ```ts
 * import { Chan, context, go, recv, select } from "./mod.ts";
 * import assert from "node:assert/strict";
 *
 * const [ctx, cancel] = context.withCancel(context.background());
 * const ticks = new Chan<number>();
 * go(async () => {
 *   for (let i = 0; ; i++) {
 *     const r = await select([recv(ctx.done()), ...[]]);
 *     if (r.index === 0) return ticks.close();
 *     await ticks.send(i);
 *   }
 * });
 * cancel();
 * assert.deepEqual(await ticks.recv(), [undefined, false]);
 * ```
 *
 * @module
 */
export { Chan, type ChanOptions, type ReceiveChan, type RecvResult, type Selected, type SendChan } from "./chan.ts";
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
export { type Checkpoint, go, type ParkedInfo, runtime, type SourceLocation, type TaskInfo } from "./runtime.ts";
export * as context from "./context.ts";
export * as sync from "./sync.ts";
export * as errgroup from "./errgroup.ts";
export * as time from "./time.ts";
export * as signal from "./signal.ts";
export { serve, type ServeOptions } from "./serve.ts";
