import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Chan, context, go, type ReceiveChan, recv, runtime, select } from "../primitives/mod.ts";
import { nextTurn, realTurns, seededRandom, withinTurns } from "../primitives/testing.ts";
import type { Producer } from "./producers.ts";

const { settle } = realTurns(10);

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

/** Waits a few real turns, `n` of them, like a producer doing some I/O. */
async function work(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await nextTurn();
}

const byNumber = (a: number, b: number) => a - b;

describe("produce() and consume() (hidden)", () => {
  it("closes exactly once, after the last producer, with every value delivered once, over 20 seeded runs", async () => {
    const { consume, produce } = await import("./producers.ts");
    for (let seed = 1; seed <= 20; seed++) {
      const random = seededRandom(seed);
      const cp = runtime.checkpoint();
      const producerCount = Math.floor(random() * 9);
      const expected: number[] = [];
      const producers: Producer<number>[] = [];
      for (let p = 0; p < producerCount; p++) {
        const mine = Array.from({ length: Math.floor(random() * 11) }, (_, i) => 100 * p + i);
        const pauses = mine.map(() => Math.floor(random() * 3));
        expected.push(...mine);
        producers.push(async (_ctx, emit) => {
          for (let i = 0; i < mine.length; i++) {
            await work(pauses[i]);
            assert.equal(await emit(mine[i]), true, "emit() must report a delivered value as true");
          }
        });
      }
      const { values, errors } = produce(context.background(), producers);
      const got: number[] = [];
      const receivers = 1 + Math.floor(random() * 4);
      const handled = await withinTurns(
        consume(values, receivers, async (v) => {
          if (random() < 0.3) await nextTurn();
          got.push(v);
        }),
        `seed ${seed}: consume()`,
      );
      assert.equal(handled, expected.length, `seed ${seed}: handled count`);
      assert.deepEqual(got.sort(byNumber), expected.sort(byNumber), `seed ${seed}: values`);
      assert.deepEqual(await drain(errors, `seed ${seed}: errors`), []);
      await runtime.assertNoLeaks(cp);
    }
  });

  it("after the consumer cancels, emit resolves to false, producers end, both channels close, nothing stays parked", async () => {
    const { produce } = await import("./producers.ts");
    for (let seed = 1; seed <= 20; seed++) {
      const random = seededRandom(300 + seed);
      const cp = runtime.checkpoint();
      const [ctx, cancel] = context.withCancel(context.background());
      const startedAfterCancel: boolean[] = [];
      let cancelled = false;
      let stoppedByEmit = 0;
      const endless: Producer<number> = async (_ctx, emit) => {
        for (let i = 0;; i++) {
          const late = cancelled;
          const ok = await emit(i);
          if (late) startedAfterCancel.push(ok);
          if (!ok) {
            stoppedByEmit++;
            return;
          }
        }
      };
      const { values, errors } = produce(ctx, [endless, endless, endless]);
      const wanted = Math.floor(random() * 8);
      for (let i = 0; i < wanted; i++) {
        const [, ok] = await withinTurns(values.recv(), `seed ${seed}: value ${i}`);
        assert.equal(ok, true);
      }
      cancelled = true;
      cancel();
      await runtime.assertNoLeaks(cp);
      assert.equal(
        stoppedByEmit,
        3,
        `seed ${seed}: every producer must see emit() resolve to false`,
      );
      assert.ok(
        startedAfterCancel.every((ok) => !ok),
        `seed ${seed}: an emit called after cancel sent a value`,
      );
      assert.deepEqual(await drain(values, `seed ${seed}: values after cancel`), []);
      assert.deepEqual(await drain(errors, `seed ${seed}: errors after cancel`), []);
    }
  });

  it("with a context cancelled up front, every emit is false and nothing is sent", async () => {
    const { produce } = await import("./producers.ts");
    const cp = runtime.checkpoint();
    const [ctx, cancel] = context.withCancel(context.background());
    cancel();
    const answers: boolean[] = [];
    const eager: Producer<string> = async (_ctx, emit) => {
      for (const v of ["a", "b", "c"]) answers.push(await emit(v));
    };
    const { values } = produce(ctx, [eager, eager]);
    // A receiver is already waiting: emit must still say no.
    const first = values.recv();
    await settle();
    assert.deepEqual(await withinTurns(first, "recv on values"), [undefined, false]);
    assert.deepEqual(answers, [false, false, false, false, false, false]);
    await runtime.assertNoLeaks(cp);
  });

  it("errors has room for every producer: all failing, with nobody reading errors, leaves nothing parked", async () => {
    const { produce } = await import("./producers.ts");
    const cp = runtime.checkpoint();
    const failures = Array.from({ length: 6 }, (_, i) => new Error(`producer ${i} failed`));
    const producers = failures.map((error): Producer<number> => async (_ctx, emit) => {
      await emit(1);
      throw error;
    });
    const { values, errors } = produce(context.background(), producers);
    assert.deepEqual(await drain(values, "values"), [1, 1, 1, 1, 1, 1]);
    await runtime.assertNoLeaks(cp);
    const reported = await drain(errors, "errors");
    assert.equal(reported.length, 6);
    assert.deepEqual(new Set(reported), new Set(failures));
  });

  it("never closes values while a slow producer is still emitting", async () => {
    const { produce } = await import("./producers.ts");
    for (let round = 0; round < 10; round++) {
      const gate = new Chan<void>(0, { name: "test gate" });
      const quick: Producer<string> = async (_ctx, emit) => {
        await emit("quick");
      };
      const slow: Producer<string> = async (_ctx, emit) => {
        await gate.recv();
        await emit("slow 1");
        await work(3);
        await emit("slow 2");
      };
      const { values } = produce(context.background(), [quick, slow, quick]);
      const got: string[] = [];
      let closed = false;
      go(async () => {
        for await (const v of values) got.push(v);
        closed = true;
      });
      await settle();
      assert.equal(closed, false, "values closed while a producer was still running");
      gate.close();
      await settle(20);
      assert.ok(closed, "values must close after the last producer returns");
      assert.deepEqual(got.sort(), ["quick", "quick", "slow 1", "slow 2"]);
    }
  });

  it("zero producers: values and errors close at once", async () => {
    const { produce } = await import("./producers.ts");
    const cp = runtime.checkpoint();
    const { values, errors } = produce<number>(context.background(), []);
    assert.deepEqual(await drain(values, "values"), []);
    assert.deepEqual(await drain(errors, "errors"), []);
    await runtime.assertNoLeaks(cp);
  });

  it("consume() keeps draining after handle throws, so every producer finishes, then rejects with that error", async () => {
    const { consume, produce } = await import("./producers.ts");
    const cp = runtime.checkpoint();
    let finished = 0;
    const counting = (from: number): Producer<number> => async (_ctx, emit) => {
      for (let i = 0; i < 20; i++) await emit(from + i);
      finished++;
    };
    const { values } = produce(context.background(), [counting(0), counting(100)]);
    const boom = new Error("cannot store value 3");
    const handledAfter: number[] = [];
    let failed = false;
    await assert.rejects(
      withinTurns(
        consume(values, 2, (v) => {
          if (failed) handledAfter.push(v);
          if (v === 3) {
            failed = true;
            throw boom;
          }
        }),
        "consume()",
      ),
      (error) => error === boom,
    );
    assert.equal(finished, 2, "every producer must be able to finish");
    assert.ok(
      handledAfter.length <= 1,
      `handle kept being called after the failure: ${handledAfter}`,
    );
    await runtime.assertNoLeaks(cp);
  });

  it("consume() really runs its receivers concurrently, and each value is handled once", async () => {
    const { consume } = await import("./producers.ts");
    const ch = new Chan<number>(0, { name: "jobs" });
    go(async () => {
      for (let i = 0; i < 40; i++) await ch.send(i);
      ch.close();
    });
    let active = 0;
    let peak = 0;
    const seen: number[] = [];
    const handled = await withinTurns(
      consume(ch, 4, async (v) => {
        active++;
        peak = Math.max(peak, active);
        await work(2);
        seen.push(v);
        active--;
      }),
      "consume()",
    );
    assert.equal(handled, 40);
    assert.deepEqual(seen.sort(byNumber), Array.from({ length: 40 }, (_, i) => i));
    assert.equal(peak, 4, `4 receivers, but at most ${peak} handled values at once`);
  });

  it("consume() refuses a receiver count that is not a positive integer", async () => {
    const { consume } = await import("./producers.ts");
    for (const receivers of [0, -2, 2.5]) {
      await assert.rejects(consume(new Chan<number>(), receivers, () => {}), RangeError);
    }
  });
});
