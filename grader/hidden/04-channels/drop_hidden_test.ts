import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Panic, runtime } from "../primitives/mod.ts";
import { realTurns, seededRandom, watch } from "../primitives/testing.ts";
import type { DropPolicy } from "./drop.ts";

const { promptly, settle } = realTurns(10);

/**
 * The reference model of a dropping channel: a FIFO buffer of `capacity`
 * values plus a count of receivers already parked on it.
 */
class Model {
  buffer: number[] = [];
  parked: number[] = []; // receiver ids, oldest first
  dropped = 0;
  offered = 0;
  delivered = new Map<number, number>(); // receiver id -> value it will get
  constructor(readonly capacity: number, readonly policy: DropPolicy) {}
  offer(value: number): boolean {
    this.offered++;
    if (this.parked.length > 0) {
      this.delivered.set(this.parked.shift()!, value);
      return true;
    }
    if (this.buffer.length < this.capacity) {
      this.buffer.push(value);
      return true;
    }
    if (this.policy === "drop-oldest" && this.capacity > 0) {
      this.buffer.shift();
      this.buffer.push(value);
      this.dropped++;
      return true;
    }
    this.dropped++;
    return false;
  }
  receive(id: number): void {
    if (this.buffer.length > 0) this.delivered.set(id, this.buffer.shift()!);
    else this.parked.push(id);
  }
}

describe("Dropper (hidden)", () => {
  for (const policy of ["drop-newest", "drop-oldest"] as const) {
    it(`"${policy}": counts and deliveries match the model exactly over 24 seeded schedules`, async () => {
      const { Dropper } = await import("./drop.ts");
      for (let seed = 1; seed <= 24; seed++) {
        const random = seededRandom(seed * (policy === "drop-oldest" ? 7 : 1));
        const cp = runtime.checkpoint();
        const capacity = Math.floor(random() * 5);
        const dropper = new Dropper<number>(capacity, policy);
        const model = new Model(capacity, policy);
        const received = new Map<number, number>();
        let receivers = 0;
        let next = 0;
        for (let step = 0; step < 30; step++) {
          if (random() < 0.7) {
            const value = next++;
            const accepted = await promptly(dropper.offer(value), `seed ${seed}: offer(${value})`);
            assert.equal(accepted, model.offer(value), `seed ${seed}: offer(${value}) accepted?`);
          } else {
            const id = receivers++;
            model.receive(id);
            dropper.values.recv().then(([v, ok]) => {
              if (ok) received.set(id, v);
            });
          }
          await settle(1);
          assert.equal(dropper.dropped, model.dropped, `seed ${seed}, step ${step}: dropped`);
          assert.equal(dropper.offered, model.offered, `seed ${seed}, step ${step}: offered`);
        }
        await settle();
        assert.deepEqual(
          [...received.entries()].sort((a, b) => a[0] - b[0]),
          [...model.delivered.entries()].sort((a, b) => a[0] - b[0]),
          `seed ${seed}: each receiver must get exactly the value the model hands it`,
        );
        dropper.close();
        const rest: number[] = [];
        for await (const v of dropper.values) rest.push(v);
        assert.deepEqual(rest, model.buffer, `seed ${seed}: what was left in the buffer`);
        assert.equal(
          received.size + rest.length + model.dropped,
          model.offered,
          `seed ${seed}: values lost`,
        );
        await runtime.assertNoLeaks(cp);
      }
    });
  }

  it("100 offers made at once (not awaited in turn) drop exactly the overflow", async () => {
    const { Dropper } = await import("./drop.ts");
    const dropper = new Dropper<number>(10);
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) => promptly(dropper.offer(i), `offer(${i})`)),
    );
    assert.equal(results.filter(Boolean).length, 10);
    assert.equal(dropper.dropped, 90);
    assert.equal(dropper.offered, 100);
    dropper.close();
    const kept: number[] = [];
    for await (const v of dropper.values) kept.push(v);
    assert.deepEqual(kept, Array.from({ length: 10 }, (_, i) => i));
  });

  it("never leaves a sender parked: 100 offers to a full dropper add no parked operation", async () => {
    const { Dropper } = await import("./drop.ts");
    for (const policy of ["drop-newest", "drop-oldest"] as const) {
      const cp = runtime.checkpoint();
      const dropper = new Dropper<number>(4, policy);
      const parkedBefore = runtime.parked().length;
      const offers = Array.from({ length: 100 }, (_, i) => watch(dropper.offer(i)));
      assert.equal(runtime.parked().length, parkedBefore, `${policy}: an offer parked`);
      await settle();
      assert.equal(
        offers.filter((o) => o.state.settled).length,
        100,
        `${policy}: some offers never settled`,
      );
      assert.equal(dropper.dropped, 96);
      await runtime.assertNoLeaks(cp);
    }
  });

  it("offering after close rejects with Panic(send on closed channel) and counts nothing as dropped", async () => {
    const { Dropper } = await import("./drop.ts");
    for (const policy of ["drop-newest", "drop-oldest"] as const) {
      const dropper = new Dropper<string>(2, policy);
      await promptly(dropper.offer("a"), "offer(a)");
      dropper.close();
      const late = watch(dropper.offer("b"));
      await settle();
      assert.ok(late.state.settled && !late.state.ok, `${policy}: offer after close must reject`);
      assert.ok(late.state.error instanceof Panic, `${policy}: expected a Panic`);
      assert.equal((late.state.error as Error).message, "send on closed channel");
      assert.equal(dropper.dropped, 0);
      assert.equal(dropper.offered, 1, `${policy}: the offer that panicked was counted`);
      const left: string[] = [];
      for await (const v of dropper.values) left.push(v);
      assert.deepEqual(left, ["a"]);
    }
  });

  it("with no buffer and nobody waiting, every offer is dropped, under either policy", async () => {
    const { Dropper } = await import("./drop.ts");
    for (const policy of ["drop-newest", "drop-oldest"] as const) {
      const dropper = new Dropper<number>(0, policy);
      for (let i = 0; i < 5; i++) {
        assert.equal(await promptly(dropper.offer(i), `offer(${i})`), false);
      }
      assert.equal(dropper.dropped, 5);
      dropper.close();
      assert.deepEqual(await dropper.values.recv(), [undefined, false]);
    }
  });

  it("counts start at zero and a bad capacity is refused with a RangeError", async () => {
    const { Dropper } = await import("./drop.ts");
    const fresh = new Dropper<number>(3);
    assert.equal(fresh.offered, 0);
    assert.equal(fresh.dropped, 0);
    assert.throws(() => new Dropper<number>(-1), RangeError);
    assert.throws(() => new Dropper<number>(1.5), RangeError);
  });
});
