import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Chan } from "./chan.ts";
import * as context from "./context.ts";
import { Panic } from "./panic.ts";
import { go, runtime } from "./runtime.ts";
import { recv, select, send } from "./select.ts";
import { realTurns } from "./testing.ts";

const { isSettled, settle } = realTurns(3);

/** No waiter of any select or operation is left on `chans`. */
function assertNoWaiters(...chans: Chan<unknown>[]): void {
  for (const ch of chans) {
    assert.equal(ch.recvq.head, null, `a receiver is still registered on ${ch.describe()}`);
    assert.equal(ch.sendq.head, null, `a sender is still registered on ${ch.describe()}`);
  }
}

describe("select readiness", () => {
  it("takes a ready receive at once and reports its value and ok", async () => {
    const ch = new Chan<number>(1);
    await ch.send(5);
    const r = await select([recv(ch)]);
    assert.deepEqual(r, { index: 0, value: 5, ok: true });
  });

  it("a receive case on a closed channel is ready with ok false", async () => {
    const ch = new Chan<number>();
    ch.close();
    assert.deepEqual(await select([recv(ch)]), { index: 0, value: undefined, ok: false });
  });

  it("a send case completes when a receiver is waiting", async () => {
    const ch = new Chan<string>();
    const got = ch.recv();
    await settle();
    const r = await select([send(ch, "hello")]);
    assert.deepEqual(r, { index: 0, value: undefined, ok: true });
    assert.deepEqual(await got, ["hello", true]);
  });

  it("takes the default at once when no case is ready", async () => {
    const ch = new Chan<number>();
    const r = await select([recv(ch), send(ch, 1)], { default: true });
    assert.deepEqual(r, { index: -1, value: undefined, ok: false });
    assertNoWaiters(ch as Chan<unknown>);
  });

  it("waits until a case becomes ready", async () => {
    const a = new Chan<number>();
    const b = new Chan<number>();
    const pending = select([recv(a), recv(b)]);
    assert.equal(await isSettled(pending), false);
    await b.send(9);
    assert.deepEqual(await pending, { index: 1, value: 9, ok: true });
    assertNoWaiters(a as Chan<unknown>, b as Chan<unknown>);
  });

  it("a parked select wakes with ok false when its channel closes", async () => {
    const ch = new Chan<number>();
    const pending = select([recv(ch)]);
    await settle();
    ch.close();
    assert.deepEqual(await pending, { index: 0, value: undefined, ok: false });
  });

  it("a chosen send case on a closed channel panics", async () => {
    const ch = new Chan<number>();
    ch.close();
    await assert.rejects(select([send(ch, 1)]), new Panic("send on closed channel"));
  });

  it("a parked send case panics when its channel closes", async () => {
    const ch = new Chan<number>();
    const other = new Chan<number>();
    const pending = select([send(ch, 1), recv(other)]);
    await settle();
    ch.close();
    await assert.rejects(pending, new Panic("send on closed channel"));
    assertNoWaiters(other as Chan<unknown>);
  });

  it("the result narrows by index and ok for the type checker", async () => {
    const numbers = new Chan<number>(1);
    const words = new Chan<string>(1);
    await words.send("go");
    const r = await select([recv(numbers), recv(words)]);
    if (r.index === 1 && r.ok) {
      const word: string = r.value;
      assert.equal(word, "go");
    } else {
      assert.fail(`expected the words case, got ${JSON.stringify(r)}`);
    }
  });

  it("rejects a case that is not a channel with a TypeError", () => {
    // deno-lint-ignore no-explicit-any
    const notAChannel = { recv() {} } as any;
    assert.throws(() => select([recv(notAChannel)]), TypeError);
  });
});

describe("select commits exactly one case", () => {
  it("never consumes from a case it did not choose: 4-channel fan-in of 20k values", async () => {
    const channels = [0, 1, 2, 3].map((i) => new Chan<number>(i % 2, { name: `in${i}` }));
    const perChannel = 5000;
    channels.forEach((ch, c) => {
      go(async () => {
        for (let i = 0; i < perChannel; i++) await ch.send(c * perChannel + i);
        ch.close();
      });
    });
    const seen = new Uint8Array(4 * perChannel);
    let open = 4;
    const cases = channels.map((ch) => recv(ch));
    const closed = new Set<number>();
    while (open > 0) {
      const r = await select(cases.map((c, i) => (closed.has(i) ? recv<number>(null) : c)));
      if (!r.ok) {
        closed.add(r.index);
        open--;
        continue;
      }
      const value = r.value as number;
      assert.equal(Math.floor(value / perChannel), r.index, "value reported under the wrong case");
      assert.equal(seen[value], 0, `value ${value} received twice`);
      seen[value] = 1;
    }
    assert.equal(seen.reduce((sum, x) => sum + x, 0), 4 * perChannel, "values were lost");
  });

  it("two selecting consumers competing over 4 channels lose and duplicate nothing", async () => {
    const channels = [0, 1, 2, 3].map(() => new Chan<number>());
    const total = 8000;
    go(async () => {
      for (let i = 0; i < total; i++) await channels[i % 4].send(i);
      channels.forEach((ch) => ch.close());
    });
    const counts = new Uint8Array(total);
    const consumer = async () => {
      const closed = new Set<number>();
      while (closed.size < 4) {
        const r = await select(channels.map((ch, i) => recv(closed.has(i) ? null : ch)));
        if (!r.ok) closed.add(r.index);
        else counts[r.value as number]++;
      }
    };
    await Promise.all([consumer(), consumer()]);
    assert.ok(counts.every((n) => n === 1), "some value was lost or received twice");
  });

  it("losing cases leave no registration behind", async () => {
    const chans = [new Chan<number>(), new Chan<number>(), new Chan<number>(1)];
    const pending = select([recv(chans[0]), send(chans[1], 7), recv(chans[2])]);
    await settle();
    assert.notEqual(chans[0].recvq.head, null, "the select did not register while waiting");
    await chans[2].send(3);
    assert.deepEqual(await pending, { index: 2, value: 3, ok: true });
    assertNoWaiters(...(chans as Chan<unknown>[]));
    assert.equal(runtime.parked().some((p) => p.operation.startsWith("select")), false);
  });

  it("a select abandoned for done does not swallow a later value", async () => {
    for (let round = 0; round < 200; round++) {
      const data = new Chan<number>();
      const done = new Chan<void>();
      const abandoned = select([recv(data), recv(done)]);
      await settle();
      done.close();
      assert.equal((await abandoned).index, 1);
      // A stale registration would take this value; with none, nobody is receiving.
      const r = await select([send(data, round)], { default: true });
      assert.equal(r.index, -1, "a value was delivered to an abandoned select");
      const later = data.recv();
      await data.send(round);
      assert.deepEqual(await later, [round, true]);
    }
  });

  it("a select abandoned for ctx.done() leaves a later value for the next receiver", async () => {
    for (let round = 0; round < 200; round++) {
      const [ctx, cancel] = context.withCancel(context.background());
      const data = new Chan<number>();
      const abandoned = select([recv(data), recv(ctx.done())]);
      if (round % 2 === 0) await settle(); // cancel while parked, or before the select runs
      cancel();
      assert.equal((await abandoned).index, 1);
      go(() => data.send(round));
      assert.deepEqual(await data.recv(), [round, true]);
      assertNoWaiters(data as Chan<unknown>);
    }
  });

  it("a select with a send and a receive on one channel commits only one of them", async () => {
    const ch = new Chan<number>();
    const pending = select([send(ch, 1), recv(ch)]);
    await settle();
    assert.deepEqual(await ch.recv(), [1, true]);
    assert.deepEqual(await pending, { index: 0, value: undefined, ok: true });
    assertNoWaiters(ch as Chan<unknown>);
  });

  it("selects racing for one value: exactly one wins, the rest keep waiting", async () => {
    const ch = new Chan<number>();
    const quit = new Chan<void>();
    const racers = Array.from({ length: 10 }, () => select([recv(ch), recv(quit)]));
    await settle();
    await ch.send(42);
    await settle();
    quit.close();
    const results = await Promise.all(racers);
    assert.equal(results.filter((r) => r.index === 0).length, 1);
    assert.equal(results.filter((r) => r.index === 1).length, 9);
    assertNoWaiters(ch as Chan<unknown>, quit as Chan<unknown>);
  });
});

describe("select choice and nil channels", () => {
  it("chooses uniformly at random among ready cases", async () => {
    const rounds = 8000;
    const chans = [0, 1, 2, 3].map(() => new Chan<number>(rounds));
    for (const ch of chans) for (let i = 0; i < rounds; i++) await ch.send(i);
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < rounds; i++) counts[(await select(chans.map((ch) => recv(ch)))).index]++;
    // Each count is Binomial(8000, 1/4): mean 2000, sd ~38.7. 6 sd is a false alarm once in ~10^9.
    for (const count of counts) {
      assert.ok(Math.abs(count - rounds / 4) < 6 * 38.7, `skewed choice: ${counts.join(", ")}`);
    }
  });

  it("a case on a null channel is never ready", async () => {
    const ch = new Chan<number>(1);
    await ch.send(1);
    for (let i = 0; i < 50; i++) {
      const r = await select([recv<number>(null), send<number>(null, 2)], { default: true });
      assert.equal(r.index, -1);
    }
    assert.deepEqual(await select([recv<number>(null), recv(ch)]), {
      index: 1,
      value: 1,
      ok: true,
    });
  });

  it("a select of only null channels waits until abandoned and names itself in the dump", async () => {
    const quit = new Chan<void>();
    const pending = select([recv<number>(null), recv(quit)]);
    await settle();
    assert.ok(
      runtime.stack().includes(
        "select on [recv from nil chan, recv from chan (made at select_test.ts:",
      ),
      runtime.stack(),
    );
    quit.close();
    assert.equal((await pending).index, 1);
  });
});

describe("select registration order (Go's selectgo lock order)", () => {
  // Go's TestPseudoRandomSend: a select with two send cases on one channel,
  // blocked until a receiver arrives, must not always commit the same case.
  for (const capacity of [0, 100]) {
    it(`two blocked send cases on one channel each win over 10% (cap ${capacity})`, async () => {
      const n = 100;
      const ch = new Chan<number>(capacity);
      const received: number[] = [];
      const done = new Chan<void>();
      go(async () => {
        for (let i = 0; i < n; i++) {
          await new Promise<void>((resolve) => setImmediate(resolve)); // runtime.Gosched()
          received.push((await ch.recv())[0]!);
        }
        done.close();
      });
      for (let i = 0; i < n; i++) await select([send(ch, 1), send(ch, 0)]);
      await done.recv();
      const ones = received.filter((v) => v === 1).length;
      const zeros = n - ones;
      assert.ok(ones > n / 10 && zeros > n / 10, `${zeros} zeros and ${ones} ones`);
    });
  }

  it("two blocked receive cases on one channel each get a fair share of later sends", async () => {
    const rounds = 2000;
    const ch = new Chan<number>();
    const wins = [0, 0];
    for (let i = 0; i < rounds; i++) {
      const pending = select([recv(ch), recv(ch)]);
      await ch.send(i);
      wins[(await pending).index]++;
    }
    // Binomial(2000, 1/2): sd ~22.4; 6 sd is a false alarm once in ~10^9.
    assert.ok(Math.abs(wins[0] - rounds / 2) < 6 * 22.4, `wins: ${wins.join(", ")}`);
  });

  it("the dump lists a blocked select's cases in source order whatever the registration order", async () => {
    const a = new Chan<number>(0, { name: "a" });
    const b = new Chan<number>(0, { name: "b" });
    for (let i = 0; i < 20; i++) {
      const quit = new Chan<void>(0, { name: "quit" });
      const pending = select([recv(a), send(b, 1), recv<number>(null), recv(quit)]);
      await settle();
      assert.ok(
        runtime.stack().includes(
          'select on [recv from chan "a", send to chan "b", recv from nil chan, recv from chan "quit"]',
        ),
        runtime.stack(),
      );
      quit.close();
      assert.equal((await pending).index, 3);
    }
  });
});

describe("ports of Go's select tests", () => {
  for (const capacity of [0, 10]) {
    it(`a select with a send and a receive on one channel never receives its own value (TestSelfSelect, cap ${capacity})`, async () => {
      const c = new Chan<number>(capacity);
      const wg = new Chan<void>(2);
      let selfReceives = 0;
      let receives = 0;
      for (const p of [0, 1]) {
        go(async () => {
          for (let i = 0; i < 1000; i++) {
            const r = await select([send(c, p), recv(c)]);
            if (r.index === 1) receives++;
            if (r.index === 1 && capacity === 0 && r.value === p) selfReceives++;
          }
          await wg.send();
        });
      }
      await wg.recv();
      await wg.recv();
      assert.equal(selfReceives, 0, "an unbuffered select received its own send");
      assert.ok(receives > 0, "no select ever took its receive case");
    });
  }

  it("a select waiting twice on one channel leaves the queue intact when another case wins (TestSelectDuplicateChannel)", async () => {
    const c = new Chan<number>();
    const d = new Chan<number>();
    const e = new Chan<number>();
    go(async () => {
      await select([recv(c), recv(c), recv(d)]); // task A queues on c first
      await e.send(9);
    });
    await settle();
    const b = c.recv(); // task B queues on c behind A
    await settle();
    await d.send(7); // wakes A, which leaves c's queue
    assert.deepEqual(await e.recv(), [9, true]);
    await c.send(8); // must wake B, not the departed A
    assert.deepEqual(await b, [8, true]);
    assertNoWaiters(c as Chan<unknown>, d as Chan<unknown>);
  });

  it("a sender selecting over three channels delivers each value once to mixed receivers (test/chan/doubleselect.go)", async () => {
    const iterations = 5000;
    const [c1, c2, c3] = [new Chan<number>(), new Chan<number>(), new Chan<number>()];
    const merged = new Chan<number>();
    go(async () => {
      for (let i = 1; i <= iterations; i++) await select([send(c1, i), send(c2, i), send(c3, i)]);
      c1.close();
      c2.close();
      c3.close();
    });
    const forward = async (from: Chan<number>) => {
      for await (const v of from) await merged.send(v);
    };
    const selecting = async () => {
      for (;;) {
        const r = await select([recv(c1), recv(c2)]);
        if (!r.ok) break;
        await merged.send(r.value);
      }
    };
    let running = 4;
    for (const run of [() => forward(c1), () => forward(c3), selecting, () => forward(c2)]) {
      go(async () => {
        await run();
        if (--running === 0) merged.close();
      });
    }
    const seen = new Set<number>();
    for await (const v of merged) {
      assert.ok(!seen.has(v), `value ${v} was delivered twice`);
      seen.add(v);
    }
    assert.equal(seen.size, iterations);
  });
});

describe("TestSelectStress", () => {
  it("plain senders and receivers and two selects that nil out finished cases all complete", async () => {
    const n = 2000;
    const chans = [
      new Chan<number>(),
      new Chan<number>(),
      new Chan<number>(2),
      new Chan<number>(3),
    ];
    const finished = new Chan<void>(10);
    for (const c of chans) {
      go(async () => {
        for (let i = 0; i < n; i++) await c.send(0);
        await finished.send();
      });
      go(async () => {
        for (let i = 0; i < n; i++) await c.recv();
        await finished.send();
      });
    }
    // One select sends n values on each channel, one receives n from each;
    // a channel whose count is reached becomes null, Go's nil, never ready.
    for (const op of ["send", "recv"] as const) {
      go(async () => {
        const live: (Chan<number> | null)[] = [...chans];
        const counts = [0, 0, 0, 0];
        for (let i = 0; i < 4 * n; i++) {
          const r = await select(live.map((c) => (op === "send" ? send(c, 0) : recv(c))));
          if (++counts[r.index] === n) live[r.index] = null;
        }
        await finished.send();
      });
    }
    for (let i = 0; i < 10; i++) await finished.recv();
    assertNoWaiters(...(chans as Chan<unknown>[]));
  });
});
