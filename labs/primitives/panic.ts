/**
 * Go's run-time panics, as a catchable `Error`.
 *
 * @module
 */

/**
 * A run-time error with Go's message text, thrown (or used to reject) where Go
 * would panic: sending on a closed channel, closing a channel twice, a
 * negative `WaitGroup` counter. Unlocking an unlocked mutex is not a panic in
 * Go but a fatal error: see `FatalError`.
 *
 * @example
 * ```ts
 * import { Chan, Panic } from "./mod.ts";
 * import assert from "node:assert/strict";
 *
 * const ch = new Chan<number>(1);
 * ch.close();
 * await assert.rejects(ch.send(1), new Panic("send on closed channel"));
 * ```
 */
export class Panic extends Error {
  /** Creates a panic carrying Go's message, for example `"close of closed channel"`. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "Panic";
  }
}
