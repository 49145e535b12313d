import { describe, it } from "node:test";
import assert from "node:assert/strict";
import FakeTimers from "@sinonjs/fake-timers";
import {
  Chan,
  context,
  go,
  type ReceiveChan,
  recv,
  runtime,
  select,
  time,
} from "../primitives/mod.ts";
import { nextTurn, realTurns, withinTurns } from "../primitives/testing.ts";
import { consume, produce, type Producer } from "./producers.ts";

const { advance } = realTurns(10);

/** Receives until the channel closes, polling without ever parking; fails if it stalls. */
async function drain<T>(ch: ReceiveChan<T>, what: string): Promise<T[]> {
  const got: T[] = [];
  let idle = 0;
  while (idle < 50) {
    const r = await select([recv(ch)], { default: true });
    if (r.index === -1) {
      idle++;
      await nextTurn();
      continue;
    }
    if (!r.ok) return got;
    idle = 0;
    got.push(r.value);
  }
  assert.fail(`${what}: stalled after ${got.length} values without being closed`);
}

/** A producer that emits each value in `values` and stops when emit says so. */
function emitting<T>(...values: T[]): Producer<T> {
  return async (_ctx, emit) => {
    for (const v of values) if (!(await emit(v))) return;
  };
}

const byNumber = (a: number, b: number) => a - b;

describe("produce() and consume()", () => {
  it("delivers every value of every producer exactly once, then closes values and errors", async () => {
    const { values, errors } = produce(context.background(), [
      emitting(1, 2, 3),
      emitting(10, 20),
      emitting(100),
    ]);
    assert.deepEqual((await drain(values, "values")).sort(byNumber), [1, 2, 3, 10, 20, 100]);
    assert.deepEqual(await drain(errors, "errors"), []);
  });

  it("keeps values open until the slowest producer has finished", async () => {
    const clock = FakeTimers.install();
    try {
      const slow: Producer<string> = async (_ctx, emit) => {
        await time.sleep(1000);
        await emit("late");
      };
      const { values } = produce(context.background(), [emitting("early"), slow]);
      const got: string[] = [];
      let closed = false;
      go(async () => {
        for await (const v of values) got.push(v);
        closed = true;
      });
      await advance(clock, 999);
      assert.deepEqual(got, ["early"]);
      assert.equal(closed, false, "values was closed while a producer was still running");
      await advance(clock, 1);
      assert.deepEqual(got, ["early", "late"]);
      assert.equal(closed, true, "values must be closed once every producer has finished");
    } finally {
      clock.uninstall();
    }
  });

  it("reports a producer's error on errors, without making it wait for a reader", async () => {
    const cp = runtime.checkpoint();
    const boom = new Error("source offline");
    const failing: Producer<number> = () => Promise.reject(boom);
    const { values, errors } = produce(context.background(), [emitting(1, 2), failing]);
    assert.deepEqual((await drain(values, "values")).sort(byNumber), [1, 2]);
    await runtime.assertNoLeaks(cp); // nobody has read errors yet, and nothing waits on it
    assert.deepEqual(await drain(errors, "errors"), [boom]);
  });

  it("consume() ranges with several receivers and handles each value once", async () => {
    const ch = new Chan<number>();
    go(async () => {
      for (let i = 1; i <= 30; i++) await ch.send(i);
      ch.close();
    });
    const seen: number[] = [];
    const receiversUsed = new Set<number>();
    const handled = await withinTurns(
      consume(ch, 3, async (v, receiver) => {
        receiversUsed.add(receiver);
        await nextTurn(); // a slow handler lets the other receivers take values
        seen.push(v);
      }),
      "consume()",
    );
    assert.equal(handled, 30);
    assert.deepEqual(seen.sort(byNumber), Array.from({ length: 30 }, (_, i) => i + 1));
    assert.deepEqual(
      [...receiversUsed].sort(byNumber),
      [0, 1, 2],
      "all 3 receivers should take part",
    );
  });
  it("emit() resolves to false without sending once the context is cancelled", async () => {
    const [ctx, cancel] = context.withCancel(context.background());
    const answers: boolean[] = [];
    const { values } = produce(ctx, [async (_ctx, emit) => {
      answers.push(await emit(1));
      cancel();
      answers.push(await emit(2));
    }]);
    assert.deepEqual(await drain(values, "values"), [1]);
    assert.deepEqual(answers, [true, false]);
  });

  it("consume() keeps draining after handle() throws, then rejects with that error", async () => {
    const cp = runtime.checkpoint();
    const boom = new Error("disk full");
    const { values } = produce(context.background(), [emitting(1, 2, 3, 4, 5)]);
    const handled: number[] = [];
    await assert.rejects(
      withinTurns(
        consume(values, 1, (v) => {
          if (v === 2) throw boom;
          handled.push(v);
        }),
        "consume()",
      ),
      (e) => e === boom,
    );
    assert.deepEqual(handled, [1], "handle() was called again after it threw");
    await runtime.assertNoLeaks(cp); // the producer was not left parked on a send
  });
});
