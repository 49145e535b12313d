import { describe, it } from "node:test";
import assert from "node:assert/strict";
import FakeTimers from "@sinonjs/fake-timers";
import { context, recv, runtime, select } from "../primitives/mod.ts";
import { assertResolved, realTurns, watch } from "../primitives/testing.ts";

// Loaded inside each test, after the helpers above.
const loadSearch = () => import("./search.ts");

const { settle } = realTurns(5);

interface SearchRecord {
  term: string;
  hits: number;
}

function slowBackend(latencyMs: number) {
  return (_ctx: context.Context, term: string): Promise<SearchRecord> =>
    new Promise((resolve) => setTimeout(() => resolve({ term, hits: latencyMs }), latencyMs));
}

const background = context.background();

describe("searchWithTimeout (hidden)", () => {
  it("over many latencies and timeouts the search answers or times out as it should, and nothing is left parked", async () => {
    const { searchWithTimeout, SearchCanceledError } = await loadSearch();
    for (const timeout of [1, 50, 100, 150]) {
      for (let latency = 0; latency <= 300; latency += 26) {
        const clock = FakeTimers.install();
        try {
          const checkpoint = runtime.checkpoint();
          const search = watch(
            searchWithTimeout(background, slowBackend(latency), "go", timeout),
          );
          await clock.tickAsync(400);
          await settle();
          const where = `latency ${latency} ms, timeout ${timeout} ms`;
          assert.equal(search.settled, true, `${where}: the search never returned`);
          if (latency < timeout) {
            assert.equal(search.rejected, false, `${where}: failed with ${search.error}`);
            assert.deepEqual(search.value, { term: "go", hits: latency });
          } else if (latency > timeout) {
            assert.ok(search.error instanceof SearchCanceledError, `${where}: got ${search.error}`);
            assert.equal(search.error.cause, context.DeadlineExceeded);
          }
          const report = await runtime.leaks(checkpoint);
          assert.equal(report, null, `${where}: ${report}`);
        } finally {
          clock.uninstall();
        }
      }
    }
  });

  it("a backend that fails after the timeout neither crashes the program nor leaves a task behind", async () => {
    const { searchWithTimeout, SearchCanceledError } = await loadSearch();
    const clock = FakeTimers.install();
    try {
      const checkpoint = runtime.checkpoint();
      const lateFailure = (_ctx: context.Context, _term: string): Promise<SearchRecord> =>
        new Promise((_, reject) => setTimeout(() => reject(new Error("shard offline")), 250));
      const search = watch(searchWithTimeout(background, lateFailure, "go", 100));
      await clock.tickAsync(100);
      await settle();
      assert.ok(search.error instanceof SearchCanceledError, `got ${search.error}`);
      await clock.tickAsync(150);
      await runtime.assertNoLeaks(checkpoint);
    } finally {
      clock.uninstall();
    }
  });

  it("the backend's context is cancelled when the search times out, so a backend that honours it stops and nothing leaks", async () => {
    const { searchWithTimeout, SearchCanceledError } = await loadSearch();
    const clock = FakeTimers.install();
    try {
      const checkpoint = runtime.checkpoint();
      let backendSaw: Error | null = null;
      // Waits for nothing but its context, like a query that only ends when cancelled.
      const patient = async (ctx: context.Context, _term: string): Promise<SearchRecord> => {
        await select([recv(ctx.done())]);
        backendSaw = ctx.err();
        throw ctx.err();
      };
      const search = watch(searchWithTimeout(background, patient, "go", 100));
      await clock.tickAsync(100);
      await settle();
      assert.ok(search.error instanceof SearchCanceledError, `got ${search.error}`);
      assert.equal(backendSaw, context.DeadlineExceeded, "the backend's context was not cancelled");
      await runtime.assertNoLeaks(checkpoint);
    } finally {
      clock.uninstall();
    }
  });

  it("a parent context that is already cancelled fails the search at once with cause Canceled, and the worker still ends", async () => {
    const { searchWithTimeout, SearchCanceledError } = await loadSearch();
    const clock = FakeTimers.install();
    try {
      const checkpoint = runtime.checkpoint();
      const [parent, cancel] = context.withCancel(background);
      cancel();
      const search = watch(searchWithTimeout(parent, slowBackend(50), "go", 1000));
      await settle();
      assert.ok(search.error instanceof SearchCanceledError, `got ${search.error}`);
      assert.equal(search.error.cause, context.Canceled);
      await clock.tickAsync(50);
      await runtime.assertNoLeaks(checkpoint);
    } finally {
      clock.uninstall();
    }
  });

  it("a search that answers in time leaves no timer pending", async () => {
    const { searchWithTimeout } = await loadSearch();
    const clock = FakeTimers.install();
    try {
      const search = watch(searchWithTimeout(background, slowBackend(10), "go", 60_000));
      await clock.tickAsync(10);
      await settle();
      assertResolved(search, "the search");
      assert.equal(
        clock.countTimers(),
        0,
        "the timeout's timer is still armed after the search ended",
      );
    } finally {
      clock.uninstall();
    }
  });

  it("a backend that throws synchronously is reported as the search's error", async () => {
    const { searchWithTimeout } = await loadSearch();
    const invalid = new RangeError("term too long");
    const throwing = (_ctx: context.Context, _term: string): Promise<SearchRecord> => {
      throw invalid;
    };
    const checkpoint = runtime.checkpoint();
    await assert.rejects(searchWithTimeout(background, throwing, "go", 100), (error: unknown) => {
      assert.equal(error, invalid);
      return true;
    });
    await runtime.assertNoLeaks(checkpoint);
  });

  it("twenty concurrent searches with mixed outcomes each get their own answer and leave nothing behind", async () => {
    const { searchWithTimeout, SearchCanceledError } = await loadSearch();
    const clock = FakeTimers.install();
    try {
      const checkpoint = runtime.checkpoint();
      const searches = Array.from({ length: 20 }, (_, i) => {
        const latency = 10 * i;
        return {
          latency,
          state: watch(searchWithTimeout(background, slowBackend(latency), `t${i}`, 95)),
        };
      });
      await clock.tickAsync(300);
      await settle();
      for (const [i, { latency, state }] of searches.entries()) {
        if (latency < 95) {
          assert.deepEqual(
            state.value,
            { term: `t${i}`, hits: latency },
            `search ${i}: ${state.error}`,
          );
        } else {
          assert.ok(state.error instanceof SearchCanceledError, `search ${i}: got ${state.error}`);
          assert.equal(state.error.term, `t${i}`);
        }
      }
      await runtime.assertNoLeaks(checkpoint);
    } finally {
      clock.uninstall();
    }
  });
});
