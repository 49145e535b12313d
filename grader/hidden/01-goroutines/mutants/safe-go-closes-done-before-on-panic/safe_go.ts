// Mutant: safeGo closes done before calling onPanic, so a waiter can wake before the failure has been reported.
/**
 * Lab 01, part 3: a `go` that recovers.
 *
 * `go(fn)` treats a throwing task the way Go treats a panicking goroutine: the
 * whole program goes down. {@linkcode safeGo} is the course's recovering `Go`
 * wrapper: the failure is reported instead, and the caller gets a channel that
 * says when the task is over.
 *
 * @module
 */
import { Chan, go, type ReceiveChan } from "../primitives/mod.ts";

/**
 * Describes any thrown value in words without ever throwing itself (a value
 * whose `toString` throws, or an object without a prototype, still gets a
 * description).
 */
function describeThrown(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/**
 * Carries a thrown value that is not an `Error` (a string, a number,
 * `undefined`, a plain object), so that a panic handler always receives an
 * `Error` with a message and a stack. The original value is kept in `value`.
 *
 * @example
 * ```ts
 * import { RecoveredPanic } from "./safe_go.ts";
 * import assert from "node:assert/strict";
 *
 * const recovered = new RecoveredPanic("disk full");
 * assert.equal(recovered.value, "disk full");
 * assert.equal(recovered.message, 'task panicked with a non-Error value: "disk full"');
 * ```
 */
export class RecoveredPanic extends Error {
  /** Exactly what the task threw. */
  readonly value: unknown;
  /** Wraps `value`, whatever it is; describing it never throws. */
  constructor(value: unknown) {
    super(`task panicked with a non-Error value: ${describeThrown(value)}`);
    this.name = "RecoveredPanic";
    this.value = value;
  }
}

/**
 * Receives what a task threw: the `Error` itself, or a
 * {@linkcode RecoveredPanic} around anything else. It should not throw: an
 * error escaping it crashes the program, as a panic inside a deferred
 * function does in Go.
 *
 * @example
 * ```ts
 * import type { PanicHandler } from "./safe_go.ts";
 *
 * const failures: Error[] = [];
 * const collect: PanicHandler = (error) => {
 *   failures.push(error);
 * };
 * ```
 */
export type PanicHandler = (error: Error) => void;

/** The default {@linkcode PanicHandler}: says so on stderr, as the course's wrapper prints the value. */
function logPanic(error: Error): void {
  console.error(`safeGo: recovered from a failing task: ${error.stack ?? error.message}`);
}

/**
 * Starts `fn` in a new task, like {@linkcode go}, but a throw or a rejection
 * does not crash the program: it goes to `onPanic` (default: logged to
 * stderr). Returns a channel that is closed once the task has ended, either
 * way, and after `onPanic` has returned.
 *
 * @example
 * ```ts
 * import { safeGo } from "./safe_go.ts";
 * import assert from "node:assert/strict";
 *
 * const reported: string[] = [];
 * const done = safeGo(
 *   async () => {
 *     throw new Error("index out of range");
 *   },
 *   (error) => reported.push(error.message),
 * );
 * await done.recv(); // [undefined, false]: the task is over
 * assert.deepEqual(reported, ["index out of range"]);
 * ```
 */
export function safeGo(fn: () => unknown, onPanic: PanicHandler = logPanic): ReceiveChan<void> {
  const done = new Chan<void>(0, { name: "safeGo done" });
  go(async () => {
    let failure: unknown = undefined;
    let failed = false;
    try {
      await fn();
    } catch (thrown) {
      failed = true;
      failure = thrown;
    }
    done.close();
    if (failed) onPanic(failure instanceof Error ? failure : new RecoveredPanic(failure));
  });
  return done;
}
