/**
 * The grader's progress on a terminal: one bar line, redrawn in place, with
 * done/total, the student and lab just finished, and the time left at the pace
 * so far. Other lines (warnings, a lab's score) are printed above it; the lines
 * of each lab's score are kept off the terminal so the bar stays readable.
 *
 * @example
 * ```ts
 * import { progressReporter } from "./progress.ts";
 * const progress = progressReporter({ write: (text) => console.log(text), columns: () => 80 });
 * progress.update({ done: 3, total: 12, student: "ada", lab: "04-channels", elapsedMs: 9000 });
 * progress.finish();
 * ```
 * @module
 */

import type { GradeProgress } from "./grade.ts";

/** `95 s` → `1m35s`. */
function duration(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const minutes = Math.floor(total / 60);
  return minutes > 0 ? `${minutes}m${String(total % 60).padStart(2, "0")}s` : `${total}s`;
}

/**
 * The bar's text for `progress`, at most `width` characters: control
 * characters in a student's name are shown as `?`.
 *
 * @example
 * ```ts
 * import { progressLine } from "./progress.ts";
 * progressLine({ done: 1, total: 4, student: "ada", lab: "01-goroutines", elapsedMs: 2000 }, 60);
 * // → "[#####...............]  1/4 ada 01-goroutines ETA 6s"
 * ```
 */
export function progressLine(progress: GradeProgress, width: number): string {
  const cells = 20;
  const filled = Math.round((progress.done / Math.max(1, progress.total)) * cells);
  const left = progress.done === 0
    ? 0
    : (progress.elapsedMs / progress.done) * (progress.total - progress.done);
  // deno-lint-ignore no-control-regex -- a student's name is shown, never interpreted
  const name = progress.student.replace(/[\x00-\x1f\x7f-\x9f]/g, "?");
  const line = `[${"#".repeat(filled)}${".".repeat(cells - filled)}] ` +
    `${String(progress.done).padStart(String(progress.total).length)}/${progress.total} ` +
    `${name} ${progress.lab} ETA ${duration(left)}`;
  return line.length > width ? line.slice(0, Math.max(0, width - 1)) : line;
}

/**
 * Draws the bar on `terminal`; `log` wraps a line printer so lines appear above the bar.
 *
 * @example
 * ```ts
 * import { progressReporter } from "./progress.ts";
 * const encoder = new TextEncoder();
 * const progress = progressReporter({
 *   write: (text) => Deno.stdout.writeSync(encoder.encode(text)),
 *   columns: () => Deno.consoleSize().columns,
 * });
 * const log = progress.log(console.log);
 * log("warning: printed above the bar");
 * progress.finish();
 * ```
 */
export function progressReporter(
  terminal: { write: (text: string) => void; columns: () => number },
): {
  update: (progress: GradeProgress) => void;
  log: (print: (line: string) => void) => (line: string) => void;
  finish: () => void;
} {
  let shown = "";
  const clear = () => {
    if (shown !== "") terminal.write("\r\x1b[2K");
  };
  return {
    update(progress) {
      clear();
      shown = progressLine(progress, terminal.columns());
      terminal.write(shown);
    },
    log: (print) => (line) => {
      if (/^\[\d+\/\d+\] /.test(line)) return; // the bar says it
      clear();
      print(line);
      if (shown !== "") terminal.write(shown);
    },
    finish() {
      if (shown !== "") terminal.write("\n");
      shown = "";
    },
  };
}
