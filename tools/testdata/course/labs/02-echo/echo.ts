/**
 * Lab 02 (fixture): shouting.
 *
 * @example
 * ```ts
 * import { shout } from "./echo.ts";
 * shout("hi"); // → "HI!" once implemented
 * ```
 * @module
 */

/** The text in capitals with an exclamation mark. */
export function shout(text: string): string {
  // TODO: upper-case the text and add "!".
  return text;
}
