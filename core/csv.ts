/**
 * Text made safe for a cell of a CSV file a spreadsheet will open: shared by the grader's
 * gradebook and the site's `links.csv`, both of which carry students' names.
 *
 * @example
 * ```ts
 * import { spreadsheetSafe } from "./csv.ts";
 * spreadsheetSafe("=HYPERLINK(\"x\")"); // → "'=HYPERLINK(\"x\")"
 * ```
 * @module
 */

/**
 * Control characters (a name may hold any but "/"; they would break rows or a terminal) become
 * U+FFFD, and a text starting with `=`, `+`, `-` or `@` gets a leading apostrophe, so a
 * spreadsheet shows it as text instead of running it as a formula. Quoting is left to the CSV
 * writer.
 *
 * @example
 * ```ts
 * import { spreadsheetSafe } from "./csv.ts";
 * spreadsheetSafe("@SUM(A1)"); // → "'@SUM(A1)"
 * spreadsheetSafe("ada\u001b[2J"); // → "ada\ufffd[2J"
 * ```
 */
export function spreadsheetSafe(text: string): string {
  // deno-lint-ignore no-control-regex -- matching control characters is the point here
  const shown = text.replace(/[\u0000-\u001f\u007f-\u009f]/g, "\ufffd");
  return /^[=+\-@]/.test(shown) ? `'${shown}` : shown;
}
