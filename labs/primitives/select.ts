/**
 * Go's `select` statement over channel cases built with {@linkcode recv} and
 * {@linkcode send}.
 *
 * @module
 */
import {
  Chan,
  type ReceiveChan,
  type Selected,
  SelectGroup,
  type SendChan,
  Waiter,
} from "./chan.ts";
import { Panic } from "./panic.ts";
import { completed, park } from "./runtime.ts";
import { interleave, mustInterleave, random, seeded } from "./schedule.ts";

/** A receive case: `case v, ok := <-ch`. */
export interface RecvCase<T> {
  /** Which operation the case performs. */
  readonly op: "recv";
  /** The channel; `null` is Go's nil channel, which is never ready. */
  readonly chan: ReceiveChan<T> | null;
}

/** A send case: `case ch <- value`. */
export interface SendCase<T> {
  /** Which operation the case performs. */
  readonly op: "send";
  /** The channel; `null` is Go's nil channel, which is never ready. */
  readonly chan: SendChan<T> | null;
  /** The value to send, evaluated when the case is built, as in Go. */
  readonly value: T;
}

/** Any select case. */
// deno-lint-ignore no-explicit-any
export type SelectCase = RecvCase<any> | SendCase<any>;

/** What a chosen case resolves to; a receive narrows on `ok`. */
export type CaseResult<C, I extends number> = C extends RecvCase<infer T>
  ? { index: I; value: T; ok: true } | { index: I; value: undefined; ok: false }
  : { index: I; value: undefined; ok: true };

/** The result of a select over the tuple of cases `C`: a union narrowed by `index`. */
export type SelectResult<C extends readonly SelectCase[]> = {
  [K in keyof C]: K extends `${infer I extends number}` ? CaseResult<C[K], I> : Selected;
}[number];

/** The result when the default was taken. */
export interface DefaultResult {
  /** `-1`: no case was ready. */
  index: -1;
  /** Always `undefined`. */
  value: undefined;
  /** Always `false`. */
  ok: false;
}

/** Options for {@linkcode select}. */
export interface SelectOptions {
  /** Take the default (`index: -1`) at once when no case is ready, Go's `default:` clause. */
  default: true;
}

/**
 * Builds a receive case for {@linkcode select}.
 *
 * @example
 * ```ts
 * import { Chan, recv, select } from "./mod.ts";
 * import assert from "node:assert/strict";
 *
 * const ch = new Chan<string>(1);
 * await ch.send("hi");
 * const r = await select([recv(ch)]);
 * assert.deepEqual(r, { index: 0, value: "hi", ok: true });
 * ```
 */
export function recv<T>(chan: ReceiveChan<T> | null): RecvCase<T> {
  return { op: "recv", chan };
}

/**
 * Builds a send case for {@linkcode select}.
 *
 * @example
 * ```ts
 * import { Chan, send, select } from "./mod.ts";
 * import assert from "node:assert/strict";
 *
 * const ch = new Chan<number>(1);
 * const r = await select([send(ch, 7)], { default: true });
 * assert.equal(r.index, 0);
 * assert.deepEqual(await ch.recv(), [7, true]);
 * ```
 */
export function send<T>(chan: SendChan<T> | null, value: T): SendCase<T> {
  return { op: "send", chan, value };
}

function channelOf(c: SelectCase, index: number): Chan<unknown> | null {
  if (c === null || typeof c !== "object" || (c.op !== "recv" && c.op !== "send")) {
    throw new TypeError(`Cannot select: case ${index} is not a recv(ch) or send(ch, v) case`);
  }
  if (c.chan === null) return null;
  if (!(c.chan instanceof Chan)) {
    throw new TypeError(
      `Cannot select: case ${index} needs a Chan or null, received ${typeof c.chan}`,
    );
  }
  return c.chan as Chan<unknown>;
}

/**
 * The one source of randomness in `select`: a uniformly random integer in
 * `0..n-1`. Both of select's random choices, which ready case wins and in
 * which order a blocked select registers its cases, draw from it (through
 * {@linkcode pollOrder}): `Math.random` on the default schedule, the seed's
 * generator under a seeded one (schedule.ts swaps `random`).
 */
function selectRandom(n: number): number {
  return Math.floor(random() * n);
}

/**
 * A uniformly random permutation of `0..n-1` (Fisher-Yates): Go's poll order.
 * A select tries its cases in this order, and a select that has to wait
 * enqueues its cases in the same order, so that two cases on one channel each
 * win a fair share of the counterparts that arrive later (Go's selectgo
 * enqueues in a random lock order for the same reason).
 */
function pollOrder(n: number): number[] {
  const order = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const j = selectRandom(i + 1);
    order[i] = order[j];
    order[j] = i;
  }
  return order;
}

/**
 * Go's `select`: waits until one of the cases can proceed, performs exactly
 * that one, and resolves to `{ index, value, ok }`.
 *
 * - Among cases that are ready, the choice is uniformly random.
 * - Exactly one case commits: no other case consumes or delivers a value,
 *   whether the select was ready at once or had to wait.
 * - A case on a `null` channel is never ready; `select([])` waits forever.
 * - With `{ default: true }`, resolves to `{ index: -1 }` at once if no case is ready.
 * - A chosen send on a closed channel rejects with `Panic("send on closed channel")`.
 *
 * @example
 * ```ts
 * import { Chan, recv, select, time } from "./mod.ts";
 * import assert from "node:assert/strict";
 *
 * const results = new Chan<string>();
 * const r = await select([recv(results), recv(time.after(10))]);
 * if (r.index === 0) console.log("got", r.value);
 * else assert.equal(r.index, 1); // timed out
 * ```
 */
export function select<const C extends readonly SelectCase[]>(cases: C): Promise<SelectResult<C>>;
/** Go's `select` with a `default:` clause. */
export function select<const C extends readonly SelectCase[]>(
  cases: C,
  options: SelectOptions,
): Promise<SelectResult<C> | DefaultResult>;
export function select(cases: readonly SelectCase[], options?: SelectOptions): Promise<Selected> {
  if (!Array.isArray(cases)) {
    throw new TypeError("Cannot select: cases must be an array of recv(ch) and send(ch, v) cases");
  }
  const chans = cases.map(channelOf);
  if (seeded && mustInterleave()) return interleave(() => select(cases, options!));
  const order = pollOrder(cases.length);
  for (const i of order) {
    const chan = chans[i];
    if (chan === null) continue;
    const c = cases[i];
    if (c.op === "recv") {
      const result = chan.tryRecv();
      if (result !== undefined) return completed({ index: i, value: result[0], ok: result[1] });
    } else {
      const outcome = chan.trySend(c.value);
      if (outcome === "sent") return completed({ index: i, value: undefined, ok: true });
      if (outcome === "closed") return Promise.reject(new Panic("send on closed channel"));
    }
  }
  if (options?.default === true) return completed({ index: -1, value: undefined, ok: false });
  return new Promise<Selected>((resolve, reject) => {
    const group = new SelectGroup(resolve, reject, cases.map((c) => c.op));
    for (const i of order) {
      const chan = chans[i];
      if (chan === null) continue;
      const c = cases[i];
      const isSend = c.op === "send";
      const waiter = new Waiter(
        chan,
        isSend,
        isSend ? c.value : undefined,
        group,
        i,
        resolve as (r: unknown) => void,
        reject,
      );
      group.waiters.push(waiter);
      (isSend ? chan.sendq : chan.recvq).push(waiter);
    }
    park(group);
  });
}
