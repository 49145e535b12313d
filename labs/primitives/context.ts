/**
 * Go's `context` package: cancellation signals, deadlines and request-scoped
 * values that travel down a tree of calls.
 *
 * A context is made from a parent; cancelling a parent cancels every context
 * derived from it, and a cancelled child leaves its parent's child set, so a
 * long-lived parent does not collect dead children. Waiting happens on the
 * channel that `done()` returns, so `select` works with it and the leak and
 * deadlock reports of `runtime` see every waiter. `signal` is the same
 * cancellation as an `AbortSignal`, for `fetch` and servers.
 *
 * A parent need not come from this module: any object implementing
 * {@linkcode Context} works. Its cancellation reaches the child through a
 * `go()` task that watches its `done()` channel, unless it wraps one of this
 * module's contexts (by forwarding `value()` and `done()`), in which case the
 * child is linked to that context directly, or it offers Go's `AfterFunc`
 * method as `afterFunc(fn): () => boolean`, which is then used to hear of
 * the cancellation.
 *
 * @example
 * ```ts
 * import { context, go, recv, select } from "./mod.ts";
 * import assert from "node:assert/strict";
 *
 * async function work(ctx: context.Context): Promise<string> {
 *   await select([recv(ctx.done())]);
 *   return `stopped: ${ctx.err()?.message}`;
 * }
 *
 * const [ctx, cancel] = context.withCancel(context.background());
 * const result = work(ctx);
 * cancel();
 * assert.equal(await result, "stopped: context canceled");
 * ```
 *
 * @module
 */
import { Chan, type ReceiveChan } from "./chan.ts";
import { go } from "./runtime.ts";
import { recv, select } from "./select.ts";
import { pause, seeded } from "./schedule.ts";

/**
 * Carries a cancellation signal, a deadline and request-scoped values across
 * API boundaries, like Go's `context.Context`. Make one with
 * {@linkcode background} and derive children with {@linkcode withCancel},
 * {@linkcode withTimeout}, {@linkcode withValue} and the other functions of
 * this module.
 *
 * @example
 * ```ts
 * import { context } from "./mod.ts";
 * import assert from "node:assert/strict";
 *
 * function describe(ctx: context.Context): string {
 *   const [deadline, ok] = ctx.deadline();
 *   return ok ? `due at ${deadline.toISOString()}` : "no deadline";
 * }
 * assert.equal(describe(context.background()), "no deadline");
 * ```
 */
export interface Context {
  /**
   * When work done for this context should be cancelled: `[date, true]`, or
   * `[undefined, false]` when there is no deadline.
   */
  deadline(): [Date, true] | [undefined, false];
  /**
   * A channel that is closed when this context is cancelled. A context that
   * can never be cancelled returns a channel that never closes.
   */
  done(): ReceiveChan<void>;
  /**
   * `null` while `done()` is open; afterwards exactly {@linkcode Canceled} or
   * {@linkcode DeadlineExceeded}.
   */
  err(): Error | null;
  /** The value bound to `key` by the nearest {@linkcode withValue} up the chain, or `undefined`. */
  value(key: unknown): unknown;
  /** An `AbortSignal` aborted when this context is cancelled, with `reason === err()`. */
  readonly signal: AbortSignal;
}

/**
 * Cancels a context and every context derived from it; Go's
 * `context.CancelFunc`. Calls after the first do nothing.
 *
 * @example
 * ```ts
 * import { context } from "./mod.ts";
 * import assert from "node:assert/strict";
 *
 * const [ctx, cancel]: [context.Context, context.CancelFunc] = context.withCancel(
 *   context.background(),
 * );
 * cancel();
 * cancel(); // does nothing
 * assert.equal(ctx.err(), context.Canceled);
 * ```
 */
export type CancelFunc = () => void;

/**
 * Cancels a context, recording `cause` (see {@linkcode cause}); Go's
 * `context.CancelCauseFunc`. Without a cause, the cause is
 * {@linkcode Canceled}. Calls after the first do nothing.
 *
 * @example
 * ```ts
 * import { context } from "./mod.ts";
 * import assert from "node:assert/strict";
 *
 * const [ctx, cancel]: [context.Context, context.CancelCauseFunc] = context.withCancelCause(
 *   context.background(),
 * );
 * const quota = new Error("quota exhausted");
 * cancel(quota);
 * assert.equal(context.cause(ctx), quota);
 * ```
 */
export type CancelCauseFunc = (cause?: Error | null) => void;

/** Go's `DeadlineExceeded` implements `net.Error`: it is a timeout. */
class DeadlineExceededError extends Error {
  constructor() {
    super("context deadline exceeded");
  }
  /** Always `true`: the operation ran out of time. */
  timeout(): boolean {
    return true;
  }
  /** Always `true`: trying again with more time may succeed. */
  temporary(): boolean {
    return true;
  }
}

/**
 * The error {@linkcode Context.err} returns when a context was cancelled
 * (message `context canceled`). Compare with `===`: it is a single object.
 *
 * @example
 * ```ts
 * import { context } from "./mod.ts";
 * import assert from "node:assert/strict";
 *
 * const [ctx, cancel] = context.withCancel(context.background());
 * cancel();
 * assert.equal(ctx.err(), context.Canceled);
 * assert.equal(context.Canceled.message, "context canceled");
 * ```
 */
export const Canceled: Error = new Error("context canceled");

/**
 * The error {@linkcode Context.err} returns when a context's deadline passed
 * (message `context deadline exceeded`). Compare with `===`: it is a single
 * object. Like Go's, it has `timeout()` and `temporary()` methods returning
 * `true`.
 *
 * @example
 * ```ts
 * import { context } from "./mod.ts";
 * import assert from "node:assert/strict";
 *
 * const [ctx] = context.withTimeout(context.background(), -1); // already past
 * assert.equal(ctx.err(), context.DeadlineExceeded);
 * assert.equal(context.DeadlineExceeded.message, "context deadline exceeded");
 * ```
 */
export const DeadlineExceeded: Error = new DeadlineExceededError();

/** The key a cancelable context answers `value()` with itself for, like Go's `&cancelCtxKey`. */
const cancelCtxKey: unique symbol = Symbol("context.cancelCtxKey");

/** The one channel every never-cancelable context returns from `done()`. */
const neverDone = new Chan<void>(0, { name: "context.Background.done" });

/** A reusable closed channel for contexts cancelled before anyone asked for `done()`. */
const closedDone = new Chan<void>(0, { name: "context.closed.done" });
closedDone.close();

let neverAborted: AbortSignal | undefined;

/** The signal of never-cancelable contexts: one shared signal that is never aborted. */
function neverAbortedSignal(): AbortSignal {
  neverAborted ??= new AbortController().signal;
  return neverAborted;
}

/** setTimeout fires at once for delays above 2^31 - 1 ms, so longer deadlines are armed in steps. */
const maxTimerDelay = 2 ** 31 - 1;

/** Every context this module makes; the rest are "foreign" implementations of {@linkcode Context}. */
abstract class InternalContext implements Context {
  /** The context this one was derived from; `null` for background and todo. */
  abstract readonly parent: Context | null;
  abstract deadline(): [Date, true] | [undefined, false];
  abstract done(): ReceiveChan<void>;
  abstract err(): Error | null;
  abstract get signal(): AbortSignal;
  /** This context's part of the name: `.WithCancel`, `.WithValue(k, v)`. */
  abstract nameSegment(): string;
  value(key: unknown): unknown {
    return lookupValue(this, key);
  }
  /** Go's `String()`: the chain of constructors, `context.Background.WithCancel`. */
  toString(): string {
    return contextName(this);
  }
}

/** background() and todo(): never cancelled, no values, no deadline. */
class EmptyCtx extends InternalContext {
  readonly parent = null;
  constructor(readonly name: string) {
    super();
  }
  deadline(): [undefined, false] {
    return [undefined, false];
  }
  done(): ReceiveChan<void> {
    return neverDone;
  }
  err(): null {
    return null;
  }
  get signal(): AbortSignal {
    return neverAbortedSignal();
  }
  nameSegment(): string {
    return this.name;
  }
}

/** withValue(): one key and value; everything else comes from the parent. */
class ValueCtx extends InternalContext {
  /**
   * The nearest ancestor that is not a ValueCtx: done/err/deadline/signal are
   * its, found in one step so that long chains of values do not recurse.
   */
  readonly anchor: Context;
  constructor(readonly parent: Context, readonly key: unknown, readonly val: unknown) {
    super();
    this.anchor = parent instanceof ValueCtx ? parent.anchor : parent;
  }
  deadline(): [Date, true] | [undefined, false] {
    return this.anchor.deadline();
  }
  done(): ReceiveChan<void> {
    return this.anchor.done();
  }
  err(): Error | null {
    return this.anchor.err();
  }
  get signal(): AbortSignal {
    return this.anchor.signal;
  }
  nameSegment(): string {
    return `.WithValue(${stringify(this.key)}, ${stringify(this.val)})`;
  }
}

/** withoutCancel(): the parent's values, nothing of its cancellation or deadline. */
class WithoutCancelCtx extends InternalContext {
  constructor(readonly parent: Context) {
    super();
  }
  deadline(): [undefined, false] {
    return [undefined, false];
  }
  done(): ReceiveChan<void> {
    return neverDone;
  }
  err(): null {
    return null;
  }
  get signal(): AbortSignal {
    return neverAbortedSignal();
  }
  nameSegment(): string {
    return ".WithoutCancel";
  }
}

/**
 * A context that can be cancelled: withCancel(), and the base of the timer
 * (withDeadline) and afterFunc contexts. It keeps the set of cancelable
 * descendants that registered with it, and cancels them all, iteratively, when
 * it is cancelled.
 */
class CancelCtx extends InternalContext {
  #err: Error | null = null;
  #cause: Error | null = null;
  /** Made on the first done() call, or the shared closed channel if already cancelled by then. */
  #done: Chan<void> | null = null;
  /** Made on the first signal access. */
  #controller: AbortController | null = null;
  /** Registered children; null when there are none and after cancellation. */
  #children: Set<CancelCtx> | null = null;
  /** The ancestor whose child set holds this context. */
  #registeredIn: CancelCtx | null = null;
  /** Unregisters from a foreign parent's afterFunc. */
  #stopParent: (() => unknown) | null = null;
  readonly #inheritedDeadline: number | undefined;

  constructor(readonly parent: Context) {
    super();
    const [deadline, ok] = parent.deadline();
    this.#inheritedDeadline = ok ? deadline.getTime() : undefined;
  }

  deadline(): [Date, true] | [undefined, false] {
    return this.#inheritedDeadline === undefined
      ? [undefined, false]
      : [new Date(this.#inheritedDeadline), true];
  }

  done(): ReceiveChan<void> {
    if (this.#done === null) {
      this.#done = this.#err !== null ? closedDone : new Chan<void>(0, { name: this.doneName() });
    }
    return this.#done;
  }

  err(): Error | null {
    return this.#err;
  }

  /** What cancelled this context: the cause given to cancel, else err(); null while not cancelled. */
  cause(): Error | null {
    return this.#cause;
  }

  get signal(): AbortSignal {
    if (this.#controller === null) {
      this.#controller = new AbortController();
      if (this.#err !== null) this.#controller.abort(this.#err);
    }
    return this.#controller.signal;
  }

  nameSegment(): string {
    return ".WithCancel";
  }

  /** The done channel's name in leak reports (not the whole chain, which could be long). */
  protected doneName(): string {
    return "context.WithCancel.done";
  }

  /** Runs once, when this context is cancelled; subclasses stop timers or start callbacks. */
  protected onCancelled(): void {}

  /** The number of registered children (for tests of the child bookkeeping). */
  childCount(): number {
    return this.#children?.size ?? 0;
  }

  /** Whether `chan` is this context's own done channel (a wrapper may return a different one). */
  ownsDone(chan: unknown): boolean {
    return this.#done !== null && this.#done === chan;
  }

  /** Registers `child`, or cancels it at once with this context's error if already cancelled. */
  adopt(child: CancelCtx): void {
    if (this.#err !== null) {
      child.cancel(false, this.#err, this.#cause);
      return;
    }
    this.#children ??= new Set();
    this.#children.add(child);
    child.#registeredIn = this;
  }

  /** Remembers how to unregister from a foreign parent that offered afterFunc. */
  setStopParent(stop: () => unknown): void {
    if (this.#err === null) this.#stopParent = stop;
  }

  /**
   * Cancels this context and all its descendants with `err` and `cause`
   * (`cause` defaults to `err`). The first cancellation wins. The tree is
   * walked with an explicit stack, so depth is not limited by the call stack.
   * Abort listeners run only after the whole subtree is cancelled, so they see
   * a consistent tree.
   */
  cancel(removeFromParent: boolean, err: Error, cause: Error | null): void {
    if (this.#err !== null) return;
    const recordedCause = cause ?? err;
    const controllers: AbortController[] = [];
    const pending: CancelCtx[] = [this];
    while (pending.length > 0) {
      const node = pending.pop()!;
      if (node.#err !== null) continue;
      node.#err = err;
      node.#cause = recordedCause;
      if (node.#done === null) node.#done = closedDone;
      else node.#done.close();
      if (node.#controller !== null) controllers.push(node.#controller);
      const children = node.#children;
      node.#children = null;
      if (children !== null) {
        for (const child of children) {
          child.#registeredIn = null; // the parent's set is gone; nothing to remove from
          pending.push(child);
        }
      }
      node.onCancelled();
    }
    if (removeFromParent) this.#detach();
    for (const controller of controllers) controller.abort(err);
  }

  /** Leaves the parent: out of its child set, or unregistered from its afterFunc. */
  #detach(): void {
    const parent = this.#registeredIn;
    if (parent !== null) {
      this.#registeredIn = null;
      const siblings = parent.#children;
      if (siblings !== null) {
        siblings.delete(this);
        // Drop the empty set so a parent that had a million children holds no table for them.
        if (siblings.size === 0) parent.#children = null;
      }
    }
    const stop = this.#stopParent;
    if (stop !== null) {
      this.#stopParent = null;
      stop();
    }
  }
}

/** withDeadline()/withTimeout(): a CancelCtx with its own deadline and a timer. */
class TimerCtx extends CancelCtx {
  readonly #deadlineMs: number;
  #timer: ReturnType<typeof setTimeout> | undefined = undefined;
  /** The clearTimeout that matches the setTimeout that armed #timer (fake or real). */
  #clearTimer: typeof clearTimeout | undefined = undefined;

  constructor(parent: Context, deadlineMs: number) {
    super(parent);
    this.#deadlineMs = deadlineMs;
  }

  override deadline(): [Date, true] {
    return [new Date(this.#deadlineMs), true];
  }

  override nameSegment(): string {
    const remaining = formatDuration(this.#deadlineMs - Date.now());
    return `.WithDeadline(${new Date(this.#deadlineMs).toISOString()} [${remaining}])`;
  }

  protected override doneName(): string {
    return "context.WithDeadline.done";
  }

  /**
   * Cancels with DeadlineExceeded once the deadline passes: at once if it
   * already has, else on a timer. The timer functions are looked up now, so
   * fake timers installed by a test are used.
   */
  arm(cause: Error | null): void {
    const remaining = this.#deadlineMs - Date.now();
    if (remaining <= 0) {
      this.cancel(true, DeadlineExceeded, cause);
      return;
    }
    this.#clearTimer = globalThis.clearTimeout;
    this.#timer = globalThis.setTimeout(() => {
      this.#timer = undefined;
      // Seeded, the deadline passes after a pause of the seed's choosing, as
      // a time.Timer fires (Go runs it from time.AfterFunc, in a goroutine of
      // its own): a deadline and a timer due at the same instant can then
      // go off in either order. A cancel during the pause wins.
      if (seeded) void pause().then(() => this.err() === null && this.arm(cause));
      else this.arm(cause); // checks the clock again: fires, or waits out the next step
    }, Math.min(remaining, maxTimerDelay));
  }

  protected override onCancelled(): void {
    if (this.#timer !== undefined) {
      this.#clearTimer!(this.#timer);
      this.#timer = undefined;
    }
  }
}

/** afterFunc(): a CancelCtx whose cancellation starts `fn` in a task, unless stop() came first. */
class AfterFuncCtx extends CancelCtx {
  #claimed = false;
  constructor(parent: Context, readonly fn: () => unknown) {
    super(parent);
  }
  /** Go's sync.Once shared by the run and stop paths: true for the first caller only. */
  claim(): boolean {
    if (this.#claimed) return false;
    this.#claimed = true;
    return true;
  }
  override nameSegment(): string {
    return ".AfterFunc";
  }
  protected override doneName(): string {
    return "context.AfterFunc.done";
  }
  protected override onCancelled(): void {
    if (this.claim()) go(this.fn);
  }
}

/** Walks up the chain for `key` without recursion, as Go's `value` does. */
function lookupValue(start: Context, key: unknown): unknown {
  let ctx: Context = start;
  while (true) {
    if (ctx instanceof ValueCtx) {
      if (sameKey(ctx.key, key)) return ctx.val;
      ctx = ctx.parent;
    } else if (ctx instanceof CancelCtx) {
      if (key === cancelCtxKey) return ctx;
      ctx = ctx.parent;
    } else if (ctx instanceof WithoutCancelCtx) {
      // A context detached from cancellation has no cancelable ancestor: cause() is null.
      if (key === cancelCtxKey) return undefined;
      ctx = ctx.parent;
    } else if (ctx instanceof EmptyCtx) {
      return undefined;
    } else {
      return ctx.value(key);
    }
  }
}

/** Key equality: `===`, except that NaN matches NaN (SameValueZero, as Map uses). */
function sameKey(a: unknown, b: unknown): boolean {
  return a === b || (a !== a && b !== b);
}

/**
 * Links `child` to the cancellation of `parent`, as Go's propagateCancel:
 * directly into the nearest cancelable ancestor made by this module, through
 * a foreign parent's afterFunc, or with a task watching its done channel.
 */
function propagateCancel(parent: Context, child: CancelCtx): void {
  const anchor = parent instanceof ValueCtx ? parent.anchor : parent;
  if (anchor instanceof EmptyCtx || anchor instanceof WithoutCancelCtx) return; // never cancelled
  if (anchor instanceof CancelCtx) {
    anchor.adopt(child);
    return;
  }
  const done = anchor.done() as ReceiveChan<void> | null | undefined;
  if (done === null || done === undefined || done === neverDone) return; // never cancelled
  if (isClosed(done, anchor)) {
    child.cancel(false, anchor.err() ?? Canceled, cause(anchor));
    return;
  }
  // A wrapper that forwards value() and done() to one of our contexts: link to it directly.
  const inner = anchor.value(cancelCtxKey);
  if (inner instanceof CancelCtx && inner.ownsDone(done)) {
    inner.adopt(child);
    return;
  }
  const afterFuncMethod = (anchor as { afterFunc?: unknown }).afterFunc;
  if (typeof afterFuncMethod === "function") {
    const stop: unknown = afterFuncMethod.call(anchor, () => {
      child.cancel(false, anchor.err() ?? Canceled, cause(anchor));
    });
    if (typeof stop === "function") child.setStopParent(stop as () => unknown);
    return;
  }
  go(() => watchForeignParent(anchor, done, child));
}

/** Go's non-blocking `case <-done:` on a foreign parent's channel. */
function isClosed(done: ReceiveChan<void>, owner: Context): boolean {
  if (done instanceof Chan) return done.tryRecv() !== undefined;
  return owner.err() !== null;
}

/** The task Go starts for a foreign parent: waits for whichever of the two is done first. */
async function watchForeignParent(
  parent: Context,
  parentDone: ReceiveChan<void>,
  child: CancelCtx,
): Promise<void> {
  const childDone = child.done();
  let parentFinished: boolean;
  if (parentDone instanceof Chan) {
    const chosen = await select([recv(parentDone), recv(childDone)]);
    parentFinished = chosen.index === 0;
  } else {
    // Not a Chan, so select cannot take it; race the two receives instead.
    parentFinished = await Promise.race([
      parentDone.recv().then(() => true),
      childDone.recv().then(() => false),
    ]);
  }
  if (parentFinished) child.cancel(false, parent.err() ?? Canceled, cause(parent));
}

/** Go's String() for a whole chain, built iteratively so a deep chain cannot overflow the stack. */
function contextName(ctx: Context): string {
  const segments: string[] = [];
  let current: Context | null = ctx;
  while (current !== null) {
    if (current instanceof InternalContext) {
      segments.push(current.nameSegment());
      current = current.parent;
    } else {
      segments.push(foreignName(current));
      current = null;
    }
  }
  return segments.reverse().join("");
}

/** A foreign context's name: its own toString() if it has one, else its class name (Go prints the type). */
function foreignName(ctx: Context): string {
  const toString = (ctx as { toString?: unknown }).toString;
  if (typeof toString === "function" && toString !== Object.prototype.toString) return String(ctx);
  return (ctx as { constructor?: { name?: string } }).constructor?.name || "Object";
}

/** Go's stringify for WithValue's name: strings as they are, objects by toString() or class name. */
function stringify(value: unknown): string {
  if (value === null || value === undefined) return "<nil>";
  if (typeof value === "string") return value;
  if (typeof value === "symbol") return value.toString();
  if (typeof value === "function") return `function ${value.name || "(anonymous)"}`;
  if (typeof value === "object") {
    const toString = (value as { toString?: unknown }).toString;
    if (typeof toString === "function" && toString !== Object.prototype.toString) {
      return String(value);
    }
    return (value as { constructor?: { name?: string } }).constructor?.name || "Object";
  }
  return String(value);
}

/** A duration in Go's notation: `1.5s`, `250ms`, `1h0m0s`, `-20ms`. */
function formatDuration(ms: number): string {
  if (ms === 0) return "0s";
  const sign = ms < 0 ? "-" : "";
  let rest = Math.abs(ms);
  if (rest < 1000) return `${sign}${Number(rest.toFixed(3))}ms`;
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const seconds = Number((rest / 1000).toFixed(3));
  const prefix = hours > 0 ? `${hours}h${minutes}m` : minutes > 0 ? `${minutes}m` : "";
  return `${sign}${prefix}${seconds}s`;
}

function describeReceived(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "object") {
    return (value as { constructor?: { name?: string } }).constructor?.name ?? "object";
  }
  return typeof value;
}

/** Go panics with "cannot create context from nil parent"; here the parent must also look like a Context. */
function assertContext(ctx: unknown, operation: string, role = "parent"): asserts ctx is Context {
  if (ctx === null || ctx === undefined) {
    throw new TypeError(
      `Cannot ${operation}: the ${role} context is ${ctx} (start a tree with context.background())`,
    );
  }
  const candidate = ctx as Partial<Record<keyof Context, unknown>>;
  const missing = (["deadline", "done", "err", "value"] as const).filter((m) =>
    typeof candidate[m] !== "function"
  );
  if (missing.length > 0) {
    throw new TypeError(
      `Cannot ${operation}: the ${role} is not a Context (${describeReceived(ctx)} has no ${
        missing.join(", ")
      } method)`,
    );
  }
}

function deadlineFromTimeout(ms: number, operation: string): Date {
  if (typeof ms !== "number" || !Number.isFinite(ms)) {
    throw new RangeError(
      `Cannot ${operation}: the timeout must be a finite number of milliseconds, received ${
        String(ms)
      }`,
    );
  }
  return new Date(Date.now() + ms);
}

function assertDate(date: unknown, operation: string): asserts date is Date {
  if (!(date instanceof Date) || Number.isNaN(date.getTime())) {
    throw new TypeError(
      `Cannot ${operation}: the deadline must be a valid Date, received ${String(date)}`,
    );
  }
}

const backgroundCtx = new EmptyCtx("context.Background");
const todoCtx = new EmptyCtx("context.TODO");

/**
 * The root of every context tree: never cancelled, no values, no deadline.
 * Use it in `main`, at the top of a request, and in tests; like Go's
 * `context.Background()`.
 *
 * @example
 * ```ts
 * import { context } from "./mod.ts";
 * import assert from "node:assert/strict";
 *
 * const ctx = context.background();
 * assert.equal(ctx.err(), null);
 * assert.deepEqual(ctx.deadline(), [undefined, false]);
 * assert.equal(String(ctx), "context.Background");
 * ```
 */
export function background(): Context {
  return backgroundCtx;
}

/**
 * Like {@linkcode background}, for code that does not know yet which context
 * to use; Go's `context.TODO()`.
 *
 * @example
 * ```ts
 * import { context } from "./mod.ts";
 * import assert from "node:assert/strict";
 *
 * const ctx = context.todo();
 * assert.equal(ctx.err(), null);
 * assert.equal(String(ctx), "context.TODO");
 * ```
 */
export function todo(): Context {
  return todoCtx;
}

/**
 * A child of `parent` that is cancelled when `cancel` is called or the parent
 * is cancelled, whichever comes first; Go's `context.WithCancel`. Call
 * `cancel` once the work is finished, so the parent forgets the child.
 *
 * @throws {TypeError} when `parent` is missing or not a Context.
 *
 * @example
 * ```ts
 * import { context } from "./mod.ts";
 * import assert from "node:assert/strict";
 *
 * const [parent, cancelParent] = context.withCancel(context.background());
 * const [child, cancelChild] = context.withCancel(parent);
 * cancelParent(); // reaches the child at once
 * assert.equal(child.err(), context.Canceled);
 * cancelChild(); // still call it: releases the child
 * ```
 */
export function withCancel(parent: Context): [Context, CancelFunc] {
  assertContext(parent, "create context with withCancel()");
  const ctx = new CancelCtx(parent);
  propagateCancel(parent, ctx);
  return [ctx, () => ctx.cancel(true, Canceled, null)];
}

/**
 * Like {@linkcode withCancel}, but `cancel(cause)` records why; read it with
 * {@linkcode cause}. `err()` is still {@linkcode Canceled}. Go's
 * `context.WithCancelCause`.
 *
 * @throws {TypeError} when `parent` is missing or not a Context.
 *
 * @example
 * ```ts
 * import { context } from "./mod.ts";
 * import assert from "node:assert/strict";
 *
 * const [ctx, cancel] = context.withCancelCause(context.background());
 * const lost = new Error("connection lost");
 * cancel(lost);
 * assert.equal(ctx.err(), context.Canceled);
 * assert.equal(context.cause(ctx), lost);
 * ```
 */
export function withCancelCause(parent: Context): [Context, CancelCauseFunc] {
  assertContext(parent, "create context with withCancelCause()");
  const ctx = new CancelCtx(parent);
  propagateCancel(parent, ctx);
  return [ctx, (cause?: Error | null) => ctx.cancel(true, Canceled, cause ?? null)];
}

/**
 * Why `ctx` was cancelled: the cause given to a {@linkcode CancelCauseFunc}
 * (or to {@linkcode withTimeoutCause}/{@linkcode withDeadlineCause}) of `ctx`
 * or of the ancestor whose cancellation reached it; otherwise `ctx.err()`.
 * `null` while `ctx` is not cancelled. Go's `context.Cause`.
 *
 * @example
 * ```ts
 * import { context } from "./mod.ts";
 * import assert from "node:assert/strict";
 *
 * const [parent, cancel] = context.withCancelCause(context.background());
 * const [child] = context.withCancel(parent);
 * assert.equal(context.cause(child), null);
 * const shutdown = new Error("shutting down");
 * cancel(shutdown);
 * assert.equal(context.cause(child), shutdown); // children inherit the cause
 * ```
 */
export function cause(ctx: Context): Error | null {
  assertContext(ctx, "read the cause", "given");
  let current: Context = ctx;
  while (true) {
    if (current instanceof ValueCtx) current = current.anchor;
    else if (current instanceof CancelCtx) return current.cause();
    else if (current instanceof EmptyCtx || current instanceof WithoutCancelCtx) return null;
    else {
      const inner = current.value(cancelCtxKey);
      if (inner instanceof CancelCtx) return inner.cause();
      return ctx.err();
    }
  }
}

/**
 * A child of `parent` that is cancelled with {@linkcode DeadlineExceeded}
 * when `deadline` passes, or with {@linkcode Canceled} by `cancel` or its
 * parent. If the parent's deadline is earlier, this is
 * {@linkcode withCancel}; a deadline already past cancels at once. Call
 * `cancel` when done, to stop the timer. Go's `context.WithDeadline`.
 *
 * @throws {TypeError} when `parent` is not a Context or `deadline` not a valid Date.
 *
 * @example
 * ```ts
 * import { context } from "./mod.ts";
 * import assert from "node:assert/strict";
 *
 * const due = new Date(Date.now() + 60_000);
 * const [ctx, cancel] = context.withDeadline(context.background(), due);
 * assert.deepEqual(ctx.deadline(), [due, true]);
 * cancel(); // finished early: stops the timer
 * assert.equal(ctx.err(), context.Canceled);
 * ```
 */
export function withDeadline(parent: Context, deadline: Date): [Context, CancelFunc] {
  return deadlineContext(parent, deadline, null, "create context with withDeadline()");
}

/**
 * Like {@linkcode withDeadline}, and when the deadline passes
 * {@linkcode cause} returns `cause` (`err()` is still
 * {@linkcode DeadlineExceeded}). Go's `context.WithDeadlineCause`.
 *
 * @throws {TypeError} when `parent` is not a Context or `deadline` not a valid Date.
 *
 * @example
 * ```ts
 * import { context } from "./mod.ts";
 * import assert from "node:assert/strict";
 *
 * const tooSlow = new Error("backend too slow");
 * const [ctx, cancel] = context.withDeadlineCause(context.background(), new Date(0), tooSlow);
 * assert.equal(ctx.err(), context.DeadlineExceeded);
 * assert.equal(context.cause(ctx), tooSlow);
 * cancel();
 * ```
 */
export function withDeadlineCause(
  parent: Context,
  deadline: Date,
  cause: Error,
): [Context, CancelFunc] {
  return deadlineContext(
    parent,
    deadline,
    cause ?? null,
    "create context with withDeadlineCause()",
  );
}

/**
 * {@linkcode withDeadline} at `ms` milliseconds from now: Go's
 * `context.WithTimeout`. A zero or negative timeout cancels at once.
 *
 * @throws {RangeError} when `ms` is not a finite number.
 *
 * @example
 * ```ts
 * import { context, recv, select } from "./mod.ts";
 * import assert from "node:assert/strict";
 *
 * const [ctx, cancel] = context.withTimeout(context.background(), 10);
 * await select([recv(ctx.done())]); // about 10 ms later
 * assert.equal(ctx.err(), context.DeadlineExceeded);
 * cancel();
 * ```
 */
export function withTimeout(parent: Context, ms: number): [Context, CancelFunc] {
  const operation = "create context with withTimeout()";
  assertContext(parent, operation);
  return deadlineContext(parent, deadlineFromTimeout(ms, operation), null, operation);
}

/**
 * {@linkcode withDeadlineCause} at `ms` milliseconds from now: Go's
 * `context.WithTimeoutCause`.
 *
 * @throws {RangeError} when `ms` is not a finite number.
 *
 * @example
 * ```ts
 * import { context, recv, select } from "./mod.ts";
 * import assert from "node:assert/strict";
 *
 * const tooSlow = new Error("lookup took longer than 5 ms");
 * const [ctx, cancel] = context.withTimeoutCause(context.background(), 5, tooSlow);
 * await select([recv(ctx.done())]);
 * assert.equal(ctx.err(), context.DeadlineExceeded);
 * assert.equal(context.cause(ctx), tooSlow);
 * cancel();
 * ```
 */
export function withTimeoutCause(parent: Context, ms: number, cause: Error): [Context, CancelFunc] {
  const operation = "create context with withTimeoutCause()";
  assertContext(parent, operation);
  return deadlineContext(parent, deadlineFromTimeout(ms, operation), cause ?? null, operation);
}

function deadlineContext(
  parent: Context,
  deadline: Date,
  cause: Error | null,
  operation: string,
): [Context, CancelFunc] {
  assertContext(parent, operation);
  assertDate(deadline, operation);
  const deadlineMs = deadline.getTime();
  const [current, ok] = parent.deadline();
  if (ok && current.getTime() < deadlineMs) {
    // The parent's deadline comes first; a timer of our own would never matter.
    return withCancel(parent);
  }
  const ctx = new TimerCtx(parent, deadlineMs);
  propagateCancel(parent, ctx);
  if (ctx.err() === null) ctx.arm(cause);
  return [ctx, () => ctx.cancel(true, Canceled, null)];
}

/**
 * A child of `parent` carrying `value` under `key`; `ctx.value(key)` finds
 * the nearest binding up the chain. Use it for request-scoped data (a request
 * id, the caller's identity), not for optional parameters. Prefer keys no
 * other package can make: a `Symbol` or an object. Go's `context.WithValue`.
 *
 * @throws {TypeError} when `key` is `null` or `undefined` (Go's "nil key"), or `parent` is not a Context.
 *
 * @example
 * ```ts
 * import { context } from "./mod.ts";
 * import assert from "node:assert/strict";
 *
 * const requestId = Symbol("requestId");
 * const ctx = context.withValue(context.background(), requestId, "req-42");
 * const [child] = context.withCancel(ctx);
 * assert.equal(child.value(requestId), "req-42");
 * assert.equal(child.value(Symbol("other")), undefined);
 * ```
 */
export function withValue(parent: Context, key: unknown, value: unknown): Context {
  assertContext(parent, "create context with withValue()");
  if (key === null || key === undefined) {
    throw new TypeError(
      `Cannot create context with withValue(): the key is ${key} (Go's "nil key"); use a Symbol or an object`,
    );
  }
  return new ValueCtx(parent, key, value);
}

/**
 * A child of `parent` with its values but none of its cancellation: never
 * cancelled, no deadline, `err()` always `null`. For work that must outlive
 * the request, such as writing an audit log. Go's `context.WithoutCancel`.
 *
 * @throws {TypeError} when `parent` is missing or not a Context.
 *
 * @example
 * ```ts
 * import { context } from "./mod.ts";
 * import assert from "node:assert/strict";
 *
 * const user = Symbol("user");
 * const [request, cancel] = context.withCancel(context.withValue(context.background(), user, "ada"));
 * const audit = context.withoutCancel(request);
 * cancel();
 * assert.equal(request.err(), context.Canceled);
 * assert.equal(audit.err(), null);
 * assert.equal(audit.value(user), "ada");
 * ```
 */
export function withoutCancel(parent: Context): Context {
  assertContext(parent, "create context with withoutCancel()");
  return new WithoutCancelCtx(parent);
}

/**
 * Arranges for `fn` to run in its own `go()` task once `ctx` is done (at once
 * if it already is). `stop()` unregisters it: it returns `true` if that
 * stopped `fn` from running, `false` if `fn` had already been started or
 * stopped. Go's `context.AfterFunc`.
 *
 * @throws {TypeError} when `ctx` is not a Context or `fn` not a function.
 *
 * @example
 * ```ts
 * import { Chan, context } from "./mod.ts";
 * import assert from "node:assert/strict";
 *
 * const [ctx, cancel] = context.withCancel(context.background());
 * const cleanedUp = new Chan<string>(1);
 * context.afterFunc(ctx, () => cleanedUp.send("closed the connection"));
 * const stopUnused = context.afterFunc(ctx, () => cleanedUp.send("never sent"));
 * assert.equal(stopUnused(), true); // stopped before ctx was done
 * cancel();
 * assert.deepEqual(await cleanedUp.recv(), ["closed the connection", true]);
 * ```
 */
export function afterFunc(ctx: Context, fn: () => unknown): () => boolean {
  assertContext(ctx, "register with afterFunc()", "given");
  if (typeof fn !== "function") {
    throw new TypeError(
      `Cannot register with afterFunc(): fn must be a function, received ${describeReceived(fn)}`,
    );
  }
  const watcher = new AfterFuncCtx(ctx, fn);
  propagateCancel(ctx, watcher);
  return () => {
    if (!watcher.claim()) return false;
    watcher.cancel(true, Canceled, null);
    return true;
  };
}

/**
 * The number of cancelable children registered with `ctx` (Go's
 * `len(ctx.children)`), for tests that check a parent forgets cancelled
 * children. Contexts that cannot hold children (background, withValue,
 * withoutCancel) report 0: their descendants register with the nearest
 * cancelable ancestor.
 *
 * @internal Not part of Go's API; exported for the module's own tests.
 * @throws {TypeError} for a context not made by this module.
 *
 * @example
 * ```ts
 * import { context } from "./mod.ts";
 * import assert from "node:assert/strict";
 *
 * const [parent] = context.withCancel(context.background());
 * const [, cancelChild] = context.withCancel(parent);
 * assert.equal(context.childCount(parent), 1);
 * cancelChild();
 * assert.equal(context.childCount(parent), 0);
 * ```
 */
export function childCount(ctx: Context): number {
  if (ctx instanceof CancelCtx) return ctx.childCount();
  if (ctx instanceof InternalContext) return 0;
  throw new TypeError(
    "Cannot count children: childCount() only inspects contexts made by this module",
  );
}
