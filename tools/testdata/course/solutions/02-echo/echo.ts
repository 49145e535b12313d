/**
 * Lab 02 (fixture): shouting, solved.
 *
 * @example
 * ```ts
 * import { shout } from "./echo.ts";
 * shout("hi"); // → "HI!"
 * ```
 * @module
 */

/** The text in capitals with an exclamation mark. */
export function shout(text: string): string {
  return `${text.toUpperCase()}!`;
}
