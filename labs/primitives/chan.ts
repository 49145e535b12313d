/**
 * Go's channels: unbuffered rendezvous and buffered FIFO queues, with close,
 * `range` (`for await`), and the waiter queues that `select` registers on.
 *
 * @module
 */
import { Panic } from "./panic.ts";
import {
  completed,
  completedVoid,
  CreationSite,
  Parked,
  type ParkedQueue,
  type ParkedRecord,
  parkIn,
  type Task,
  unpark,
} from "./runtime.ts";
import { interleave, mustInterleave, seeded } from "./schedule.ts";

/** Options for a new channel. */
export interface ChanOptions {
  /** A name shown in leak reports and the deadlock dump: `chan "results"`. */
  name?: string;
}

/** The receive-only view of a channel, Go's `<-chan T`. */
export interface ReceiveChan<T> extends AsyncIterable<T> {
  /** Receives a value: `[value, true]`, or `[undefined, false]` once closed and drained. */
  recv(): Promise<[T, true] | [undefined, false]>;
  /** The number of values in the buffer. */
  readonly len: number;
  /** The buffer's capacity. */
  readonly cap: number;
  /** The channel's name, for reports. */
  readonly name: string | undefined;
}

/** The send-only view of a channel, Go's `chan<- T`. */
export interface SendChan<T> {
  /** Sends a value; resolves once it is received or buffered. */
  send(value: T): Promise<void>;
  /** Closes the channel. */
  close(): void;
  /** The number of values in the buffer. */
  readonly len: number;
  /** The buffer's capacity. */
  readonly cap: number;
  /** The channel's name, for reports. */
  readonly name: string | undefined;
}

/** The result of a receive: `[value, true]`, or `[undefined, false]` from a closed, drained channel. */
export type RecvResult<T> = [T, true] | [undefined, false];

/** What a `select` resolves to: the chosen case, and what it received. */
export interface Selected {
  /** The chosen case's position in the array, or `-1` for the default. */
  index: number;
  /** The received value (`undefined` for a send, the default, or a closed channel). */
  value: unknown;
  /** `false` when a receive found the channel closed (and for the default). */
  ok: boolean;
}

/**
 * One select statement parked on several channels. The first counterpart to
 * reach any of its waiters commits it; at that moment every other waiter is
 * unlinked, so no other case can consume or deliver a value.
 */
export class SelectGroup extends Parked {
  /** @internal */
  readonly waiters: Waiter[] = [];
  /** @internal */
  done = false;
  constructor(
    readonly resolve: (selected: Selected) => void,
    readonly reject: (reason: unknown) => void,
    /** The case operations in order, `"send"` or `"recv"`, for the description. */
    readonly ops: readonly ("send" | "recv")[],
  ) {
    super();
  }
  describe(): string {
    if (this.ops.length === 0) return "select (no cases)";
    // The waiters are in registration order, which is random; the report
    // lists the cases in the order the program wrote them.
    const byIndex = new Map(this.waiters.map((waiter) => [waiter.index, waiter]));
    const cases = this.ops.map((op, index) =>
      byIndex.get(index)?.describeOp() ?? `${op === "send" ? "send to" : "recv from"} nil chan`
    );
    return `select on [${cases.join(", ")}]`;
  }
  /** Commits the case `index`: unlinks every waiter and resolves the select. */
  commit(index: number, value: unknown, ok: boolean): void {
    this.finish();
    this.resolve({ index, value, ok });
  }
  /** Commits a send case on a channel that was closed: the select panics. */
  fail(reason: unknown): void {
    this.finish();
    this.reject(reason);
  }
  private finish(): void {
    this.done = true;
    for (const waiter of this.waiters) waiter.chan.unlink(waiter);
    unpark(this);
  }
}

/**
 * A parked send or receive on one channel, alone or as one case of a select.
 * Alone, it is listed as parked through its channel's queue for as long as it
 * is in it; as a case, its select is listed instead.
 */
export class Waiter implements ParkedRecord {
  /** @internal */
  parkedTask: Task | undefined = undefined;
  /** @internal */
  parkedSeq = 0;
  /** @internal */
  prev: Waiter | null = null;
  /** @internal */
  next: Waiter | null = null;
  constructor(
    readonly chan: Chan<unknown>,
    readonly isSend: boolean,
    /** The value a sender offers. */
    readonly value: unknown,
    readonly group: SelectGroup | null,
    readonly index: number,
    readonly resolve: (result: unknown) => void,
    readonly reject: (reason: unknown) => void,
  ) {}
  describeOp(): string {
    return `${this.isSend ? "send to" : "recv from"} ${this.chan.describe()}`;
  }
  describe(): string {
    return this.describeOp();
  }
  // The queue took the waiter off before any of these three is called, and
  // that unparked it (see WaiterQueue).

  /** A receiver gets `value`. */
  deliver(value: unknown, ok: boolean): void {
    if (this.group !== null) return this.group.commit(this.index, value, ok);
    this.resolve(ok ? [value, true] : [undefined, false]);
  }
  /** A sender's value was taken. */
  taken(): void {
    if (this.group !== null) return this.group.commit(this.index, undefined, true);
    this.resolve(undefined);
  }
  /** A sender finds its channel closed. */
  panic(): void {
    const reason = new Panic("send on closed channel");
    if (this.group !== null) return this.group.fail(reason);
    this.reject(reason);
  }
}

/**
 * A FIFO of waiters, doubly linked so a losing select case can leave in O(1).
 * It lists its plain waiters as parked (a select case's group is parked on
 * its own), so taking a waiter off the queue is what unparks it.
 */
class WaiterQueue implements ParkedQueue {
  registered = false;
  head: Waiter | null = null;
  tail: Waiter | null = null;
  push(w: Waiter): void {
    w.prev = this.tail;
    w.next = null;
    if (this.tail !== null) this.tail.next = w;
    else this.head = w;
    this.tail = w;
  }
  shift(): Waiter | null {
    const w = this.head;
    if (w === null) return null;
    const next = w.next;
    this.head = next;
    if (next !== null) {
      next.prev = null;
      w.next = null;
    } else {
      this.tail = null;
    }
    return w;
  }
  remove(w: Waiter): void {
    if (w.prev !== null) w.prev.next = w.next;
    else this.head = w.next;
    if (w.next !== null) w.next.prev = w.prev;
    else this.tail = w.prev;
    w.prev = w.next = null;
  }
  has(w: Waiter): boolean {
    return w.prev !== null || this.head === w;
  }
  isEmpty(): boolean {
    return this.head === null;
  }
  forEachParked(visit: (op: ParkedRecord) => void): void {
    for (let w = this.head; w !== null; w = w.next) if (w.group === null) visit(w);
  }
}

/** A growable ring buffer holding a channel's buffered values in FIFO order. */
class Ring<T> {
  #items: (T | undefined)[] = [];
  #head = 0;
  #size = 0;
  get size(): number {
    return this.#size;
  }
  push(value: T): void {
    if (this.#size === this.#items.length) this.#grow();
    this.#items[(this.#head + this.#size) % this.#items.length] = value;
    this.#size++;
  }
  shift(): T {
    const value = this.#items[this.#head] as T;
    this.#items[this.#head] = undefined;
    this.#head = (this.#head + 1) % this.#items.length;
    this.#size--;
    return value;
  }
  #grow(): void {
    const old = this.#items;
    const grown = new Array<T | undefined>(Math.max(8, old.length * 2));
    for (let i = 0; i < this.#size; i++) grown[i] = old[(this.#head + i) % old.length];
    this.#items = grown;
    this.#head = 0;
  }
}

const CLOSED_RESULT: Promise<[undefined, false]> = Promise.resolve([undefined, false]);

// A promise's resolvers are taken out of its executor through these two
// slots, so that parking allocates no closure.
let capturedResolve: (value: unknown) => void = () => {};
let capturedReject: (reason: unknown) => void = () => {};
function captureResolvers<T>(resolve: (value: T) => void, reject: (reason: unknown) => void): void {
  capturedResolve = resolve as (value: unknown) => void;
  capturedReject = reject;
}

/**
 * Parks a send (`isSend`, offering `value`) or a receive on `chan` until a
 * counterpart or `close` settles it.
 */
function parkOn<R>(chan: Chan<unknown>, isSend: boolean, value: unknown): Promise<R> {
  const promise = new Promise<R>(captureResolvers);
  const waiter = new Waiter(chan, isSend, value, null, 0, capturedResolve, capturedReject);
  const queue = isSend ? chan.sendq : chan.recvq;
  queue.push(waiter);
  parkIn(waiter, queue);
  return promise;
}

// The seeded re-entries of send and recv: the closure that interleave() needs
// is made here, so that send and recv themselves capture nothing.
function interleaveSend<T>(chan: Chan<T>, value: T): Promise<void> {
  return interleave(() => chan.send(value));
}
function interleaveRecv<T>(chan: Chan<T>): Promise<RecvResult<T>> {
  return interleave(() => chan.recv());
}

const maxCapacity = 2 ** 31 - 1;

/**
 * A Go channel: `new Chan<T>(capacity)` is `make(chan T, capacity)`.
 *
 * - Unbuffered (`capacity` 0): `send` resolves when a receiver takes the value.
 * - Buffered: `send` resolves once the value is in the buffer; values come out
 *   in FIFO order, and blocked senders and receivers are served in FIFO order.
 * - `close()` wakes every receiver; later receives drain the buffer and then
 *   resolve to `[undefined, false]`. Sending on a closed channel, or closing it
 *   twice, is a {@linkcode Panic}.
 * - `for await (const v of ch)` is Go's `for v := range ch`.
 *
 * @example
 * ```ts
 * import { Chan, go } from "./mod.ts";
 * import assert from "node:assert/strict";
 *
 * const squares = new Chan<number>(2, { name: "squares" });
 * go(async () => {
 *   for (const n of [1, 2, 3]) await squares.send(n * n);
 *   squares.close(); // the sender closes
 * });
 * const got: number[] = [];
 * for await (const sq of squares) got.push(sq);
 * assert.deepEqual(got, [1, 4, 9]);
 * ```
 */
export class Chan<T> implements ReceiveChan<T>, SendChan<T> {
  readonly #cap: number;
  readonly #buffer = new Ring<T>();
  /** @internal Parked receivers. */
  readonly recvq = new WaiterQueue();
  /** @internal Parked senders. */
  readonly sendq = new WaiterQueue();
  #closed = false;
  readonly #name: string | undefined;
  readonly #site = new CreationSite();

  /**
   * Makes a channel with room for `capacity` buffered values (0: unbuffered).
   * @throws {RangeError} when `capacity` is not a non-negative integer.
   */
  constructor(capacity = 0, options: ChanOptions = {}) {
    if (!Number.isInteger(capacity) || capacity < 0 || capacity > maxCapacity) {
      throw new RangeError(
        `Cannot create channel: capacity must be a non-negative integer, received ${
          String(capacity)
        }`,
      );
    }
    this.#cap = capacity;
    this.#name = options.name;
  }

  /** The buffer's capacity, Go's `cap(ch)`. */
  get cap(): number {
    return this.#cap;
  }

  /** The number of buffered values, Go's `len(ch)`. */
  get len(): number {
    return this.#buffer.size;
  }

  /** The name given at creation, if any. */
  get name(): string | undefined {
    return this.#name;
  }

  /** `chan "name"`, or `chan (made at file.ts:12)` for an unnamed channel. */
  describe(): string {
    return this.#name !== undefined
      ? `chan "${this.#name}"`
      : `chan (made at ${this.#site.location.short})`;
  }

  /**
   * Sends `value`. Resolves once a receiver has taken it (unbuffered) or it is
   * stored in the buffer; rejects with `Panic("send on closed channel")` if the
   * channel is closed, also while waiting.
   */
  send(value: T): Promise<void> {
    // Only the path that completes at once is written here; seeded schedules
    // and parking live in functions of their own, so that the method stays
    // small enough for the JIT (V8's and JavaScriptCore's) to inline into
    // its caller's loop.
    if (seeded && mustInterleave()) return interleaveSend(this, value);
    const outcome = this.trySend(value);
    if (outcome === "sent") return completedVoid();
    if (outcome === "closed") return Promise.reject(new Panic("send on closed channel"));
    return parkOn(this as Chan<unknown>, true, value);
  }

  /**
   * Receives the next value: `[value, true]`, or `[undefined, false]` once the
   * channel is closed and its buffer drained.
   */
  recv(): Promise<RecvResult<T>> {
    // Kept small for the same reason as send.
    if (seeded && mustInterleave()) return interleaveRecv(this);
    const ready = this.tryRecv() as RecvResult<T> | undefined;
    if (ready === undefined) return parkOn(this as Chan<unknown>, false, undefined);
    return ready[1] ? completed(ready) : CLOSED_RESULT;
  }

  /**
   * Closes the channel: every parked receiver gets `[undefined, false]`,
   * every parked sender panics.
   * @throws {Panic} `close of closed channel` on a second close.
   */
  close(): void {
    if (this.#closed) throw new Panic("close of closed channel");
    this.#closed = true;
    for (let r = this.recvq.shift(); r !== null; r = this.recvq.shift()) {
      r.deliver(undefined, false);
    }
    for (let s = this.sendq.shift(); s !== null; s = this.sendq.shift()) s.panic();
  }

  /** Go's `range`: yields each value until the channel is closed and drained. */
  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    while (true) {
      const [value, ok] = await this.recv();
      if (!ok) return;
      yield value;
    }
  }

  /** @internal Takes a ready value without waiting: the result, or `undefined` if a receive would block. */
  tryRecv(): RecvResult<unknown> | undefined {
    const sender = this.sendq.shift();
    if (sender !== null) {
      let value = sender.value;
      if (this.#cap > 0) {
        // Full buffer with a parked sender: take the oldest value, and the
        // sender's value joins the tail, keeping FIFO order.
        const oldest = this.#buffer.shift();
        this.#buffer.push(value as T);
        value = oldest;
      }
      sender.taken();
      return [value, true];
    }
    if (this.#buffer.size > 0) return [this.#buffer.shift(), true];
    if (this.#closed) return [undefined, false];
    return undefined;
  }

  /**
   * @internal Completes a send without waiting if it can: `"sent"`, `"closed"`
   * (the caller must panic), or `"blocked"`.
   */
  trySend(value: unknown): "sent" | "closed" | "blocked" {
    if (this.#closed) return "closed";
    const receiver = this.recvq.shift();
    if (receiver !== null) {
      receiver.deliver(value, true);
      return "sent";
    }
    if (this.#buffer.size < this.#cap) {
      this.#buffer.push(value as T);
      return "sent";
    }
    return "blocked";
  }

  /** @internal Removes a losing select case's waiter. */
  unlink(waiter: Waiter): void {
    const queue = waiter.isSend ? this.sendq : this.recvq;
    if (queue.has(waiter)) queue.remove(waiter);
  }
}
