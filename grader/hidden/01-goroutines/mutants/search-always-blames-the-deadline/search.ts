// Mutant: searchWithTimeout always gives up with cause DeadlineExceeded, even when the caller cancelled.
/**
 * Lab 01, part 4: the forgotten sender.
 *
 * {@linkcode searchWithTimeout} asks a slow backend in a task of its own and
 * gives up when its time runs out. The task must still be able to finish
 * after the caller has moved on: its result goes into a channel with room for
 * it, so the send never waits for a receiver that is gone.
 *
 * @module
 */
import { Chan, context, go, recv, select } from "../primitives/mod.ts";

/**
 * The slow call being searched, for example a database query. It receives the
 * search's context (cancelled when the search gives up) so it can stop early.
 *
 * @example
 * ```ts
 * import type { SearchBackend } from "./search.ts";
 *
 * const titles = ["Go", "Deno", "Bun"];
 * const backend: SearchBackend<string[]> = async (ctx, term) => {
 *   const response = await fetch(`https://example.com/search?q=${term}`, { signal: ctx.signal });
 *   return response.ok ? titles.filter((t) => t.includes(term)) : [];
 * };
 * ```
 */
export type SearchBackend<R> = (ctx: context.Context, term: string) => Promise<R>;

/**
 * The search ended before the backend answered: its time ran out (`cause` is
 * `context.DeadlineExceeded`) or the caller's context was cancelled (`cause`
 * is `context.Canceled`).
 *
 * @example
 * ```ts
 * import { context } from "../primitives/mod.ts";
 * import { SearchCanceledError } from "./search.ts";
 * import assert from "node:assert/strict";
 *
 * const error = new SearchCanceledError("gophers", context.DeadlineExceeded);
 * assert.equal(error.message, 'search for "gophers" canceled: context deadline exceeded');
 * ```
 */
export class SearchCanceledError extends Error {
  /** What was searched for. */
  readonly term: string;
  /** Says which search ended and why; `cause` is the context's error. */
  constructor(term: string, cause: Error) {
    super(`search for "${term}" canceled: ${cause.message}`, { cause });
    this.name = "SearchCanceledError";
    this.term = term;
  }
}

/** What the worker task hands back: the record, or the backend's error. */
type Outcome<R> = { ok: true; record: R } | { ok: false; error: unknown };

/**
 * Searches `backend` for `term`, waiting at most `timeoutMs` milliseconds (and
 * no longer than `parent` allows). Resolves with the backend's record, rejects
 * with the backend's error unchanged, or rejects with a
 * {@linkcode SearchCanceledError} when time runs out or `parent` is
 * cancelled. Whatever happens, the worker task can always finish: nothing is
 * left parked once the backend returns.
 *
 * @example
 * ```ts
 * import { context } from "../primitives/mod.ts";
 * import { searchWithTimeout } from "./search.ts";
 * import assert from "node:assert/strict";
 *
 * const record = await searchWithTimeout(
 *   context.background(),
 *   (_ctx, term) => Promise.resolve({ term, hits: 3 }),
 *   "gophers",
 *   100,
 * );
 * assert.deepEqual(record, { term: "gophers", hits: 3 });
 * ```
 */
export async function searchWithTimeout<R>(
  parent: context.Context,
  backend: SearchBackend<R>,
  term: string,
  timeoutMs: number,
): Promise<R> {
  const [ctx, cancel] = context.withTimeout(parent, timeoutMs);
  try {
    // Room for the one result: the worker's send completes even when nobody
    // is left to receive it, so the worker always ends.
    const results = new Chan<Outcome<R>>(1, { name: "search results" });
    go(async () => {
      let outcome: Outcome<R>;
      try {
        outcome = { ok: true, record: await backend(ctx, term) };
      } catch (error) {
        outcome = { ok: false, error };
      }
      await results.send(outcome);
    });

    const chosen = await select([recv(results), recv(ctx.done())]);
    if (chosen.index === 0 && chosen.ok) {
      const outcome = chosen.value;
      if (outcome.ok) return outcome.record;
      throw outcome.error;
    }
    throw new SearchCanceledError(term, context.DeadlineExceeded);
  } finally {
    cancel(); // release the timer as soon as the search is over
  }
}
