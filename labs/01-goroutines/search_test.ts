import { describe, it } from "node:test";
import assert from "node:assert/strict";
import FakeTimers from "@sinonjs/fake-timers";
import { context, runtime } from "../primitives/mod.ts";
import { realTurns, watch } from "../primitives/testing.ts";
import { SearchCanceledError, searchWithTimeout } from "./search.ts";

const { settle } = realTurns(5);

interface SearchRecord {
  term: string;
  hits: number;
}

/** A backend that answers after `latencyMs` of (fake) time, ignoring cancellation. */
function slowBackend(latencyMs: number, hits = 3) {
  return (_ctx: context.Context, term: string): Promise<SearchRecord> =>
    new Promise((resolve) => setTimeout(() => resolve({ term, hits }), latencyMs));
}

const background = context.background();

describe("searchWithTimeout", () => {
  it("searchWithTimeout resolves with the backend's record when it answers in time", async () => {
    const clock = FakeTimers.install();
    try {
      const search = watch(searchWithTimeout(background, slowBackend(40), "gophers", 100));
      await clock.tickAsync(40);
      await settle();
      assert.equal(search.settled, true, "the search had not returned 40 ms in");
      assert.equal(search.rejected, false, `the search failed: ${search.error}`);
      assert.deepEqual(search.value, { term: "gophers", hits: 3 });
    } finally {
      clock.uninstall();
    }
  });

  it("searchWithTimeout rejects with SearchCanceledError caused by DeadlineExceeded when time runs out", async () => {
    const clock = FakeTimers.install();
    try {
      const search = watch(searchWithTimeout(background, slowBackend(500), "gophers", 100));
      await clock.tickAsync(99);
      await settle();
      assert.equal(search.settled, false, "the search gave up before its timeout");
      await clock.tickAsync(1);
      await settle();
      assert.equal(search.rejected, true, "the search did not give up at its timeout");
      assert.ok(search.error instanceof SearchCanceledError, `got ${search.error}`);
      assert.equal(search.error.cause, context.DeadlineExceeded);
      assert.match(search.error.message, /gophers/);
      await clock.tickAsync(400); // let the backend answer, to nobody
      await settle();
    } finally {
      clock.uninstall();
    }
  });

  it("searchWithTimeout leaves no task parked after a timeout, once the backend answers", async () => {
    const clock = FakeTimers.install();
    try {
      const checkpoint = runtime.checkpoint();
      const search = watch(searchWithTimeout(background, slowBackend(300), "gophers", 100));
      await clock.tickAsync(100);
      await settle();
      assert.equal(search.rejected, true, "the search did not time out");
      await clock.tickAsync(200); // the backend answers now, after the caller has left
      await runtime.assertNoLeaks(checkpoint);
    } finally {
      clock.uninstall();
    }
  });

  it("searchWithTimeout rejects with the backend's own error when the backend fails in time", async () => {
    const clock = FakeTimers.install();
    try {
      const outage = new Error("index server unavailable");
      const failing = (_ctx: context.Context, _term: string): Promise<SearchRecord> =>
        new Promise((_, reject) => setTimeout(() => reject(outage), 10));
      const search = watch(searchWithTimeout(background, failing, "gophers", 100));
      await clock.tickAsync(10);
      await settle();
      assert.equal(search.rejected, true);
      assert.equal(search.error, outage);
    } finally {
      clock.uninstall();
    }
  });

  it("searchWithTimeout gives up with cause Canceled when the caller's context is cancelled", async () => {
    const clock = FakeTimers.install();
    try {
      const [parent, cancel] = context.withCancel(background);
      const search = watch(searchWithTimeout(parent, slowBackend(500), "gophers", 1000));
      await clock.tickAsync(20);
      cancel();
      await settle();
      assert.equal(search.rejected, true, "the search kept waiting after its caller cancelled");
      assert.ok(search.error instanceof SearchCanceledError, `got ${search.error}`);
      assert.equal(search.error.cause, context.Canceled);
      await clock.tickAsync(480);
      await settle();
    } finally {
      clock.uninstall();
    }
  });

  it("searchWithTimeout cancels the backend's context once the search has timed out", async () => {
    const clock = FakeTimers.install();
    try {
      let backendCtx: context.Context | undefined;
      const backend = (ctx: context.Context, term: string): Promise<SearchRecord> => {
        backendCtx = ctx;
        return slowBackend(500)(ctx, term);
      };
      const search = watch(searchWithTimeout(background, backend, "gophers", 100));
      await clock.tickAsync(100);
      await settle();
      assert.equal(search.rejected, true, "the search did not give up at its timeout");
      assert.ok(backendCtx !== undefined, "the backend was never called");
      assert.notEqual(
        backendCtx.err(),
        null,
        "the backend's context was still alive after the timeout",
      );
      await clock.tickAsync(400);
      await settle();
    } finally {
      clock.uninstall();
    }
  });

  it("searchWithTimeout releases its timer when the backend answers early", async () => {
    const clock = FakeTimers.install();
    try {
      const search = watch(searchWithTimeout(background, slowBackend(10), "gophers", 100));
      await clock.tickAsync(10);
      await settle();
      assert.equal(search.rejected, false, `the search failed: ${search.error}`);
      assert.equal(clock.countTimers(), 0, "a timer is still armed after the search returned");
    } finally {
      clock.uninstall();
    }
  });

  it("searchWithTimeout reports a backend that throws synchronously as the search's error", async () => {
    const refused = new Error("no such index");
    const backend = (): Promise<SearchRecord> => {
      throw refused;
    };
    await assert.rejects(
      searchWithTimeout(background, backend, "gophers", 100),
      (e) => e === refused,
    );
  });
});
