/**
 * Go's `sync.Once`, `sync.OnceFunc` and `sync.OnceValue`: run a function
 * exactly once, however many callers ask.
 *
 * @module
 */
import { Panic } from "./panic.ts";
import { park, Parked, unpark } from "./runtime.ts";

const RESOLVED: Promise<void> = Promise.resolve();

/** A `do()` call waiting for the call that runs the function to finish. */
class OnceWaiter extends Parked {
  constructor(readonly release: () => void) {
    super();
  }
  describe(): string {
    return "sync.Once.do";
  }
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === "object" || typeof value === "function") && value !== null &&
    typeof (value as PromiseLike<unknown>).then === "function";
}

/**
 * An object that runs one function exactly once, Go's `sync.Once`: lazy
 * initialisation that many tasks may trigger at the same time.
 *
 * `await once.do(fn)`: the first call runs `fn` (sync or async); calls made
 * while it runs wait until it has finished, and resolve; calls after that
 * resolve at once without running anything. So when any `do()` resolves, the
 * work is complete, not merely started.
 *
 * A throwing or rejecting `fn` still counts as done, as a panic does in Go:
 * the caller that ran it rejects with the error, everybody else resolves, and
 * `fn` (or any other function) is never called again. If you need a retry
 * after failure, `Once` is the wrong tool.
 *
 * A waiting call shows in leak reports as `sync.Once.do`.
 *
 * @example
 * ```ts
 * import { sync } from "./mod.ts";
 * import assert from "node:assert/strict";
 *
 * const once = new sync.Once();
 * let connections = 0;
 * async function connect(): Promise<void> {
 *   await Promise.resolve(); // stands in for a slow handshake
 *   connections++;
 * }
 * await Promise.all([once.do(connect), once.do(connect), once.do(connect)]);
 * assert.equal(connections, 1); // and all three waited for it to finish
 * ```
 */
export class Once {
  #state: "idle" | "running" | "done" = "idle";
  #waiters: OnceWaiter[] = [];

  /**
   * Runs `fn` if no call of `do` has run a function yet; otherwise waits for
   * that run to finish (or returns at once if it has). Rejects only for the
   * caller whose `fn` threw or rejected.
   */
  do(fn: () => unknown): Promise<void> {
    if (this.#state === "done") return RESOLVED;
    if (this.#state === "running") {
      return new Promise<void>((resolve) => {
        const waiter = new OnceWaiter(resolve);
        this.#waiters.push(waiter);
        park(waiter);
      });
    }
    if (typeof fn !== "function") {
      throw new TypeError(`Cannot run Once.do: it needs a function, received ${typeof fn}`);
    }
    this.#state = "running";
    let result: unknown;
    try {
      result = fn();
    } catch (error) {
      this.#finish();
      return Promise.reject(error);
    }
    if (!isPromiseLike(result)) {
      this.#finish();
      return RESOLVED;
    }
    return Promise.resolve(result).then(
      () => this.#finish(),
      (error) => {
        this.#finish();
        throw error;
      },
    );
  }

  /** Marks the once done and releases every caller that waited for the run. */
  #finish(): void {
    this.#state = "done";
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const waiter of waiters) {
      unpark(waiter);
      waiter.release();
    }
  }
}

/**
 * The shared core of {@linkcode onceFunc} and {@linkcode onceValue}: calls
 * `fn` on the first call only, remembers its result or what it threw, and
 * replays that on every later call.
 */
function memoizeOnce<T>(fn: () => T, caller: string): () => T {
  if (typeof fn !== "function") {
    throw new TypeError(`Cannot create ${caller}: it needs a function, received ${typeof fn}`);
  }
  let pending: (() => T) | null = fn;
  let state: "idle" | "running" | "returned" | "threw" = "idle";
  let value: T;
  let failure: unknown;
  return () => {
    if (state === "returned") return value;
    if (state === "threw") throw failure;
    if (state === "running") {
      // Go blocks here forever (a deadlock); a synchronous call cannot wait,
      // so say what happened instead.
      throw new Panic(
        `sync: ${caller} function called itself while running; in Go this call would deadlock`,
      );
    }
    state = "running";
    const run = pending!;
    pending = null; // let the function (and what it captured) be collected, as Go does
    try {
      value = run();
      state = "returned";
      return value;
    } catch (error) {
      failure = error;
      state = "threw";
      throw error;
    }
  };
}

/**
 * Go's `sync.OnceFunc`: returns a function that calls `fn` the first time it
 * is called and does nothing on later calls. If `fn` throws, every call
 * throws that same error, as Go re-panics with the same value.
 *
 * For an async `fn`, every call returns the promise of the first run, so
 * each caller can await the one run (and sees its rejection, if any).
 *
 * @example
 * ```ts
 * import { sync } from "./mod.ts";
 * import assert from "node:assert/strict";
 *
 * const log: string[] = [];
 * const closeOnce = sync.onceFunc(() => log.push("closed"));
 * closeOnce();
 * closeOnce(); // safe: the second close does nothing
 * assert.deepEqual(log, ["closed"]);
 * ```
 */
export function onceFunc(fn: () => Promise<void>): () => Promise<void>;
/**
 * Go's `sync.OnceFunc` for a synchronous `fn`: the returned function calls it
 * once, and rethrows its error on every call if it threw.
 *
 * @example
 * ```ts
 * import { sync } from "./mod.ts";
 * import assert from "node:assert/strict";
 *
 * let setups = 0;
 * const setup = sync.onceFunc(() => {
 *   setups++;
 * });
 * setup();
 * setup();
 * assert.equal(setups, 1);
 * ```
 */
export function onceFunc(fn: () => void): () => void;
export function onceFunc(fn: () => unknown): () => unknown {
  return memoizeOnce(fn, "onceFunc");
}

/**
 * Go's `sync.OnceValue`: returns a function that calls `fn` the first time
 * and returns its result on that and every later call. If `fn` throws, every
 * call throws that same error.
 *
 * For an async `fn` the promise is what is cached, so concurrent callers
 * share one run: the first call starts it and everybody awaits the same
 * promise (a rejection is not retried).
 *
 * @example
 * ```ts
 * import { sync } from "./mod.ts";
 * import assert from "node:assert/strict";
 *
 * let parses = 0;
 * const config = sync.onceValue(() => {
 *   parses++;
 *   return JSON.parse('{"port": 8080}') as { port: number };
 * });
 * assert.equal(config().port, 8080);
 * assert.equal(config(), config()); // the same object every time
 * assert.equal(parses, 1);
 * ```
 */
export function onceValue<T>(fn: () => T): () => T {
  return memoizeOnce(fn, "onceValue");
}

/**
 * Go's `sync.OnceValues`: like {@linkcode onceValue} for a function with two
 * results, Go's `(value, err)` pairs, returned as a tuple. `fn` runs on the
 * first call; every call returns the same two values (in a fresh tuple, so a
 * caller that changes its copy does not change what others get). If `fn`
 * throws, every call throws that same error.
 *
 * @example
 * ```ts
 * import { sync } from "./mod.ts";
 * import assert from "node:assert/strict";
 *
 * let reads = 0;
 * const readConfig = sync.onceValues((): [string, Error | null] => {
 *   reads++;
 *   return ["port=8080", null];
 * });
 * const [config, err] = readConfig();
 * assert.equal(err, null);
 * assert.deepEqual(readConfig(), [config, null]);
 * assert.equal(reads, 1);
 * ```
 */
export function onceValues<T1, T2>(fn: () => readonly [T1, T2]): () => [T1, T2] {
  const cached = memoizeOnce(fn, "onceValues");
  return () => {
    const [first, second] = cached();
    return [first, second];
  };
}
