/**
 * Go's `os/signal` package: hear of operating-system signals on a channel
 * ({@linkcode notify}) or as the cancellation of a context
 * ({@linkcode notifyContext}), on Deno and Bun alike.
 *
 * Listening replaces the signal's default action (SIGINT and SIGTERM end the
 * process); once nobody listens any more, the default comes back, so a second
 * Ctrl-C after a `notifyContext` context is done kills the program, as in Go.
 * While anybody listens, the program stays alive waiting for the signal, as
 * a Go program blocked on a signal channel does.
 *
 * @module
 */
import process from "node:process";
import { Chan } from "./chan.ts";
import { afterFunc, type Context, withCancelCause } from "./context.ts";
import { Panic } from "./panic.ts";

const supportedSignals = ["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2"] as const;

/**
 * The signals a program can listen for here: the ones Deno and Bun both
 * deliver on Unix-like systems.
 *
 * @example
 * ```ts
 * import { context, signal } from "./mod.ts";
 *
 * const shutdownSignals: signal.Signal[] = ["SIGINT", "SIGTERM"];
 * const [ctx, stop] = signal.notifyContext(context.background(), ...shutdownSignals);
 * stop();
 * ```
 */
export type Signal = typeof supportedSignals[number];

/** What each signal means, in the words of the cancellation cause. */
const meanings: Record<Signal, string> = {
  SIGINT: "interrupt",
  SIGTERM: "termination",
  SIGHUP: "hangup",
  SIGQUIT: "quit",
  SIGUSR1: "user-defined 1",
  SIGUSR2: "user-defined 2",
};

/**
 * The cause of a {@linkcode notifyContext} context cancelled by a signal
 * (Go's `os.SignalError`): its message names the signal, such as
 * `interrupt signal received: SIGINT`, and `signal` holds it.
 *
 * @example
 * ```ts
 * import { signal } from "./mod.ts";
 * import assert from "node:assert/strict";
 *
 * const error = new signal.SignalError("SIGTERM");
 * assert.equal(error.message, "termination signal received: SIGTERM");
 * assert.equal(error.signal, "SIGTERM");
 * ```
 */
export class SignalError extends Error {
  /** The signal that arrived. */
  readonly signal: Signal;
  /** Makes the error for `signal`. */
  constructor(signal: Signal, options?: ErrorOptions) {
    super(`${meanings[signal]} signal received: ${signal}`, options);
    this.name = "SignalError";
    this.signal = signal;
  }
}

function checkSignals(action: string, signals: readonly unknown[]): Signal[] {
  for (const signal of signals) {
    if (!(supportedSignals as readonly unknown[]).includes(signal)) {
      const why = signal === "SIGKILL" || signal === "SIGSTOP"
        ? "it cannot be caught by any program"
        : `the supported signals are ${supportedSignals.join(", ")}`;
      throw new TypeError(`Cannot ${action} ${String(signal)}: ${why}`);
    }
  }
  // As in Go, naming no signal means every signal that can be relayed.
  return signals.length === 0 ? [...supportedSignals] : [...new Set(signals as Signal[])];
}

// ---------------------------------------------------------------------------
// One process listener per signal, shared by every subscriber, so that many
// contexts do not pile up listeners on `process`.

type Subscriber = (signal: Signal) => void;

const subscribers = new Map<Signal, Set<Subscriber>>();
const processListeners = new Map<Signal, () => void>();
let subscriptionCount = 0;

// Signal listeners do not keep the event loop alive; a program that waits for
// a signal must not exit (or be reported as deadlocked) while it waits. A
// timer that never does anything holds the loop open while anyone listens.
// Captured at load so that fake timers installed by a test cannot replace it.
const realSetInterval = globalThis.setInterval;
const realClearInterval = globalThis.clearInterval;
let keepAlive: ReturnType<typeof setInterval> | undefined;

function subscribe(signal: Signal, subscriber: Subscriber): void {
  let set = subscribers.get(signal);
  if (set === undefined) {
    const listeners = new Set<Subscriber>();
    const listener = () => {
      // A copy: a subscriber may unsubscribe (itself or others) while being told.
      // Everyone hears of the signal even if one of them fails (a closed channel).
      const failures: unknown[] = [];
      for (const notifyOne of [...listeners]) {
        try {
          notifyOne(signal);
        } catch (error) {
          failures.push(error);
        }
      }
      if (failures.length > 0) throw failures[0];
    };
    try {
      process.on(signal, listener);
    } catch (error) {
      throw new Error(`Cannot listen for ${signal} on this platform: ${(error as Error).message}`, {
        cause: error,
      });
    }
    set = listeners;
    subscribers.set(signal, set);
    processListeners.set(signal, listener);
  }
  if (set.has(subscriber)) return;
  set.add(subscriber);
  if (subscriptionCount++ === 0) keepAlive = realSetInterval(() => {}, 2 ** 31 - 1);
}

function unsubscribe(signal: Signal, subscriber: Subscriber): void {
  const set = subscribers.get(signal);
  if (set === undefined || !set.delete(subscriber)) return;
  if (set.size === 0) {
    // With no listener left, the runtime restores the signal's default action.
    process.off(signal, processListeners.get(signal)!);
    subscribers.delete(signal);
    processListeners.delete(signal);
  }
  if (--subscriptionCount === 0) {
    realClearInterval(keepAlive);
    keepAlive = undefined;
  }
}

// ---------------------------------------------------------------------------
// Go's signal.Notify and signal.Stop.

interface Relay {
  readonly signals: Set<Signal>;
  readonly deliver: Subscriber;
}

const relays = new Map<Chan<string>, Relay>();

/**
 * Go's `signal.Notify`: relays the given signals (every supported signal if
 * none is named) to `ch`, by name. The send never blocks: when `ch` has no
 * room and no waiting receiver, the signal is dropped, as Go does, so give
 * `ch` a buffer (one is enough to hear of "at least one signal"). Calling it
 * again for the same channel adds signals. A signal arriving after `ch` was
 * closed is a {@linkcode Panic}, as in Go: call {@linkcode stop} first.
 * @throws {TypeError} for a channel not made with `new Chan()`, or an unsupported signal.
 *
 * @example
 * ```ts
 * import { Chan, signal } from "./mod.ts";
 * import process from "node:process";
 * import assert from "node:assert/strict";
 *
 * const hangups = new Chan<string>(1);
 * signal.notify(hangups, "SIGHUP");
 * process.emit("SIGHUP", "SIGHUP"); // as if the terminal went away
 * assert.deepEqual(await hangups.recv(), ["SIGHUP", true]);
 * signal.stop(hangups);
 * ```
 */
export function notify(ch: Chan<string>, ...signals: Signal[]): void {
  if (!(ch instanceof Chan)) {
    throw new TypeError(
      `Cannot notify: the channel must be made with new Chan(), received ${typeof ch}`,
    );
  }
  const wanted = checkSignals("notify on", signals);
  let relay = relays.get(ch);
  if (relay === undefined) {
    relay = {
      signals: new Set(),
      deliver: (signal) => {
        if (ch.trySend(signal) === "closed") throw new Panic("send on closed channel");
      },
    };
    relays.set(ch, relay);
  }
  for (const signal of wanted) {
    relay.signals.add(signal);
    subscribe(signal, relay.deliver);
  }
}

/**
 * Go's `signal.Stop`: no more signals are relayed to `ch` once it returns.
 * A signal nobody else listens for gets its default action back. Stopping a
 * channel that was never registered does nothing.
 *
 * @example
 * ```ts
 * import { Chan, recv, select, signal } from "./mod.ts";
 * import process from "node:process";
 * import assert from "node:assert/strict";
 *
 * const reloads = new Chan<string>(1);
 * signal.notify(reloads, "SIGUSR2");
 * signal.stop(reloads);
 * assert.equal(process.listenerCount("SIGUSR2"), 0);
 * const r = await select([recv(reloads)], { default: true });
 * assert.equal(r.index, -1);
 * ```
 */
export function stop(ch: Chan<string>): void {
  const relay = relays.get(ch);
  if (relay === undefined) return;
  relays.delete(ch);
  for (const signal of relay.signals) unsubscribe(signal, relay.deliver);
}

/**
 * Go's `signal.NotifyContext`: a child of `parent` that is cancelled when one
 * of `signals` arrives (any supported signal if none is named), when `stop`
 * is called, or when `parent` is done, whichever comes first.
 *
 * - A signal cancels the context with a {@linkcode SignalError} as its cause
 *   (`context.cause(ctx)`), such as `interrupt signal received: SIGINT`;
 *   `ctx.err()` is `context.Canceled`.
 * - Once the context is done, its listeners are removed, so a second Ctrl-C
 *   gets the default action and ends the program.
 * - `stop()` removes the listeners and cancels the context; call it when the
 *   work is finished (the program waits for a signal while anybody listens).
 * @throws {TypeError} for an unsupported signal or a `parent` that is not a Context.
 *
 * @example
 * ```ts
 * import { context, signal } from "./mod.ts";
 * import process from "node:process";
 * import assert from "node:assert/strict";
 *
 * const [ctx, stop] = signal.notifyContext(context.background(), "SIGINT", "SIGTERM");
 * try {
 *   process.emit("SIGTERM", "SIGTERM"); // as if `kill <pid>` were run
 *   await ctx.done().recv();
 *   assert.equal(ctx.err(), context.Canceled);
 *   assert.equal(context.cause(ctx)?.message, "termination signal received: SIGTERM");
 * } finally {
 *   stop();
 * }
 * ```
 */
export function notifyContext(parent: Context, ...signals: Signal[]): [Context, () => void] {
  const wanted = checkSignals("notify a context on", signals);
  const [ctx, cancel] = withCancelCause(parent);
  if (ctx.err() !== null) return [ctx, () => cancel()];

  let listening = true;
  const onSignal: Subscriber = (signal) => {
    stopListening();
    cancel(new SignalError(signal));
  };
  const stopListening = () => {
    if (!listening) return;
    listening = false;
    for (const signal of wanted) unsubscribe(signal, onSignal);
  };
  try {
    for (const signal of wanted) subscribe(signal, onSignal);
  } catch (error) {
    stopListening();
    cancel();
    throw error;
  }
  // The parent's cancellation also ends the listening.
  const stopWatching = afterFunc(ctx, stopListening);

  return [ctx, () => {
    stopWatching();
    stopListening();
    cancel();
  }];
}
