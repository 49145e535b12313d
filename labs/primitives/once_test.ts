import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Once, onceFunc, onceValue, onceValues } from "./once.ts";
import { Panic } from "./panic.ts";
import { runtime } from "./runtime.ts";
import { realTurns } from "./testing.ts";

const { settle } = realTurns(3);

/** A promise with its resolve and reject functions, to finish work when the test says so. */
function deferred<T = void>(): {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (reason: unknown) => void;
} {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe("Once.do", () => {
  it("with 100 concurrent callers, runs fn once and every caller waits until it has finished", async () => {
    const checkpoint = runtime.checkpoint();
    const once = new Once();
    const gate = deferred();
    let runs = 0;
    let finishedWork = false;
    const init = async () => {
      runs++;
      await gate.promise;
      finishedWork = true;
    };
    const sawFinishedWork: boolean[] = [];
    const callers = Array.from(
      { length: 100 },
      () => once.do(init).then(() => sawFinishedWork.push(finishedWork)),
    );
    await settle();
    assert.equal(runs, 1);
    assert.equal(sawFinishedWork.length, 0, "no caller may return while fn still runs");
    assert.equal(
      runtime.parked().filter((op) => op.operation === "sync.Once.do").length,
      99,
      "the 99 waiting callers should be parked as sync.Once.do",
    );
    gate.resolve();
    await Promise.all(callers);
    assert.equal(runs, 1);
    assert.deepEqual(sawFinishedWork, Array(100).fill(true));
    await runtime.assertNoLeaks(checkpoint);
  });

  it("runs a synchronous fn before the first do() returns, and later calls run nothing", async () => {
    const once = new Once();
    let runs = 0;
    const pending = once.do(() => runs++);
    assert.equal(runs, 1, "a synchronous fn runs inside the first call, as in Go");
    await pending;
    await once.do(() => runs++);
    await once.do(() => assert.fail("a second function must never run"));
    assert.equal(runs, 1);
  });

  it("when fn throws, that caller rejects with the error and fn is never called again", async () => {
    const once = new Once();
    const failure = new Error("init failed");
    let runs = 0;
    await assert.rejects(
      once.do(() => {
        runs++;
        throw failure;
      }),
      (error) => error === failure,
    );
    await once.do(() => runs++); // resolves: the once is done
    assert.equal(runs, 1);
  });

  it("when an async fn rejects, its caller rejects, concurrent callers resolve, and fn is done", async () => {
    const checkpoint = runtime.checkpoint();
    const once = new Once();
    const gate = deferred();
    const failure = new Error("connect failed");
    let runs = 0;
    const fn = async () => {
      runs++;
      await gate.promise;
      throw failure;
    };
    const first = once.do(fn);
    const others = Array.from({ length: 5 }, () => once.do(fn));
    gate.resolve();
    await assert.rejects(first, (error) => error === failure);
    await Promise.all(others); // rejects the test if any of them rejects
    await once.do(fn);
    assert.equal(runs, 1);
    await runtime.assertNoLeaks(checkpoint);
  });

  it("rejects a non-function with a TypeError", () => {
    const once = new Once();
    // deno-lint-ignore no-explicit-any
    assert.throws(() => once.do(42 as any), {
      name: "TypeError",
      message: "Cannot run Once.do: it needs a function, received number",
    });
  });
});

describe("onceFunc", () => {
  it("calls fn on the first call only", () => {
    let calls = 0;
    const f = onceFunc(() => {
      calls++;
    });
    f();
    f();
    f();
    assert.equal(calls, 1);
  });

  it("after a throwing first call, every call throws the same error without calling fn again", () => {
    let calls = 0;
    const failure = new Error("setup failed");
    const f = onceFunc(() => {
      calls++;
      throw failure;
    });
    for (let i = 0; i < 3; i++) assert.throws(() => f(), (error) => error === failure);
    assert.equal(calls, 1);
  });

  it("for an async fn, every call returns the promise of the one run", async () => {
    let calls = 0;
    const gate = deferred();
    const f = onceFunc(async () => {
      calls++;
      await gate.promise;
    });
    const first = f();
    const second = f();
    assert.equal(first, second);
    gate.resolve();
    await first;
    assert.equal(calls, 1);
  });

  it("a call from inside fn itself throws a Panic instead of recursing (Go would deadlock)", () => {
    let calls = 0;
    const f: () => void = onceFunc(() => {
      calls++;
      f();
    });
    assert.throws(() => f(), {
      name: "Panic",
      message:
        "sync: onceFunc function called itself while running; in Go this call would deadlock",
    });
    assert.equal(calls, 1);
  });
});

describe("onceValue", () => {
  it("computes the value once and returns the same value on every call", () => {
    let calls = 0;
    const config = onceValue(() => {
      calls++;
      return { port: 8080 };
    });
    const first = config();
    assert.equal(config(), first);
    assert.equal(config(), first);
    assert.equal(calls, 1);
  });

  it("after a throwing first call, every call throws the same error", () => {
    let calls = 0;
    const failure = new Panic("bad config");
    const config = onceValue((): number => {
      calls++;
      throw failure;
    });
    assert.throws(() => config(), (error) => error === failure);
    assert.throws(() => config(), (error) => error === failure);
    assert.equal(calls, 1);
  });

  it("caches an async fn's promise: concurrent callers share one run, and a rejection is not retried", async () => {
    let calls = 0;
    const gate = deferred<number>();
    const answer = onceValue(() => {
      calls++;
      return gate.promise;
    });
    const results = Promise.all([answer(), answer(), answer()]);
    gate.resolve(42);
    assert.deepEqual(await results, [42, 42, 42]);
    assert.equal(calls, 1);

    let failingCalls = 0;
    const failure = new Error("fetch failed");
    const failing = onceValue(async () => {
      failingCalls++;
      await Promise.resolve();
      throw failure;
    });
    await assert.rejects(failing(), (error) => error === failure);
    await assert.rejects(failing(), (error) => error === failure);
    assert.equal(failingCalls, 1);
  });

  it("rejects a non-function with a TypeError", () => {
    // deno-lint-ignore no-explicit-any
    assert.throws(() => onceValue("config" as any), {
      name: "TypeError",
      message: "Cannot create onceValue: it needs a function, received string",
    });
  });
});

describe("onceValues", () => {
  it("calls fn once and returns its two results on every call, in fresh tuples", () => {
    let calls = 0;
    const get = onceValues((): [number, Error | null] => {
      calls++;
      return [42, null];
    });
    const first = get();
    first[0] = 0; // a caller changing its copy changes nobody else's
    assert.deepEqual(get(), [42, null]);
    assert.deepEqual(get(), [42, null]);
    assert.equal(calls, 1);
  });

  it("rethrows the same error on every call when fn threw (Go's TestOnceValues panics)", () => {
    let calls = 0;
    const failure = new Error("no config");
    const get = onceValues((): [string, null] => {
      calls++;
      throw failure;
    });
    for (let i = 0; i < 3; i++) assert.throws(() => get(), (error) => error === failure);
    assert.equal(calls, 1);
  });
});
