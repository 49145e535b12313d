/**
 * Scrubbing the course's secrets out of what the grader publishes. A student's
 * code can read a hidden test's or a solution's text (a module import of it is
 * allowed even where reading is denied) and throw it into a failure message. So
 * every run of {@linkcode MIN_SECRET_RUN} or more characters that appears in a
 * secret text (the hidden tests, the solutions) and in no public text (the lab
 * folder the students have, the primitives, the hidden tests' names and the
 * messages their assertions fail with) is replaced by {@linkcode SCRUBBED} in
 * every message before it is kept.
 *
 * @example
 * ```ts
 * import { Scrubber } from "./scrub.ts";
 * const scrubber = new Scrubber(["const answer = computeTheAnswerWithTheSecretFormula(42);"], []);
 * scrubber.scrub("leaked: const answer = computeTheAnswerWithTheSecretFormula(42);");
 * // → "leaked: [hidden course text removed]"
 * ```
 * @module
 */

/** The shortest run of a secret text that is scrubbed. */
export const MIN_SECRET_RUN = 40;
/** What a scrubbed run becomes. */
export const SCRUBBED = "[hidden course text removed]";

// Every run of MIN_SECRET_RUN characters holds a window of WINDOW characters that
// starts at a multiple of STRIDE in the secret, so only those windows are indexed.
const WINDOW = 32;
const STRIDE = MIN_SECRET_RUN - WINDOW + 1;

/** Finds and removes secret runs from text. */
export class Scrubber {
  #secrets: string[];
  #publicTexts: string[];
  #index = new Map<string, [number, number][]>();

  /**
   * @param secrets texts no output may quote (hidden tests, solutions)
   * @param publicTexts texts the students have anyway: a run found in one of them is kept
   * @example
   * ```ts
   * import { Scrubber } from "./scrub.ts";
   * new Scrubber(["hidden test source …"], ["starter source …"]);
   * ```
   */
  constructor(secrets: string[], publicTexts: string[]) {
    this.#secrets = secrets;
    this.#publicTexts = publicTexts;
    secrets.forEach((secret, which) => {
      for (let at = 0; at + WINDOW <= secret.length; at += STRIDE) {
        const key = secret.slice(at, at + WINDOW);
        const places = this.#index.get(key);
        if (places) places.push([which, at]);
        else this.#index.set(key, [[which, at]]);
      }
    });
  }

  /**
   * `text` with every secret run replaced by {@linkcode SCRUBBED}.
   *
   * @example
   * ```ts
   * import { Scrubber } from "./scrub.ts";
   * new Scrubber([], []).scrub("nothing to hide"); // → "nothing to hide"
   * ```
   */
  scrub(text: string): string {
    if (text.length < MIN_SECRET_RUN || this.#index.size === 0) return text;
    const runs: [number, number][] = [];
    for (let at = 0; at + WINDOW <= text.length; at++) {
      const places = this.#index.get(text.slice(at, at + WINDOW));
      if (!places) continue;
      for (const [which, place] of places) {
        const secret = this.#secrets[which];
        let start = at;
        let from = place;
        while (start > 0 && from > 0 && text[start - 1] === secret[from - 1]) {
          start--;
          from--;
        }
        let end = at + WINDOW;
        let to = place + WINDOW;
        while (end < text.length && to < secret.length && text[end] === secret[to]) {
          end++;
          to++;
        }
        if (end - start < MIN_SECRET_RUN) continue;
        const run = text.slice(start, end);
        if (this.#publicTexts.some((open) => open.includes(run))) continue;
        runs.push([start, end]);
      }
    }
    if (runs.length === 0) return text;
    runs.sort((a, b) => a[0] - b[0]);
    let result = "";
    let kept = 0;
    for (const [start, end] of runs) {
      if (end <= kept) continue;
      result += text.slice(kept, Math.max(kept, start));
      if (start >= kept) result += SCRUBBED;
      kept = end;
    }
    return result + text.slice(kept);
  }
}

/**
 * The messages a test file's assertions fail with: the string literals on its
 * lines that call `assert` or `fail`, and the fixed parts of its template
 * literals there. Written to be shown to the student, they are public text.
 *
 * @example
 * ```ts
 * import { assertionMessages } from "./scrub.ts";
 * assertionMessages('assert.equal(n, 3, `after ${k} turns: the count is wrong`);');
 * // → ["after ", " turns: the count is wrong"]
 * ```
 */
export function assertionMessages(source: string): string[] {
  const messages: string[] = [];
  for (const line of source.split("\n")) {
    if (!/\bassert\b|\bfail\(/.test(line)) continue;
    for (const match of line.matchAll(/"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'|`([^`]*)`/g)) {
      const text = match[1] ?? match[2] ?? match[3];
      if (match[3] !== undefined) messages.push(...text.split(/\$\{[^}]*\}/).filter(Boolean));
      else if (text !== "") messages.push(text);
    }
  }
  return messages;
}
