import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { AtomicValue } from "./atomic_value.ts";
import { Panic } from "./panic.ts";
import { go, runtime } from "./runtime.ts";
import { WaitGroup } from "./wait_group.ts";
import { onDefaultSchedule } from "./testing.ts";

class Celsius {
  constructor(readonly degrees: number) {}
}
class Fahrenheit {
  constructor(readonly degrees: number) {}
}

describe("AtomicValue load, store and swap", () => {
  it("load() returns undefined before the first store, then the latest stored value", () => {
    const value = new AtomicValue<number>();
    assert.equal(value.load(), undefined);
    value.store(1);
    assert.equal(value.load(), 1);
    value.store(2);
    assert.equal(value.load(), 2);
  });

  it("swap() stores the new value and returns the previous one (undefined at first)", () => {
    const value = new AtomicValue<string>();
    assert.equal(value.swap("a"), undefined);
    assert.equal(value.swap("b"), "a");
    assert.equal(value.load(), "b");
  });

  it("storing, swapping or compare-and-swapping null or undefined panics as in Go", () => {
    const value = new AtomicValue<object | null | undefined>();
    for (const nil of [null, undefined]) {
      assert.throws(
        () => value.store(nil),
        new Panic("sync/atomic: store of nil value into Value"),
      );
      assert.throws(() => value.swap(nil), new Panic("sync/atomic: swap of nil value into Value"));
      assert.throws(
        () => value.compareAndSwap(undefined, nil),
        new Panic("sync/atomic: compare and swap of nil value into Value"),
      );
    }
    assert.equal(value.load(), undefined, "a panicking call must not store anything");
  });

  it("a value of another type than the first one panics: typeof, and the constructor for objects", () => {
    // deno-lint-ignore no-explicit-any
    const value = new AtomicValue<any>();
    value.store(new Celsius(20));
    value.store(new Celsius(21)); // same type: fine
    const storeMessage = "sync/atomic: store of inconsistently typed value into Value";
    const swapMessage = "sync/atomic: swap of inconsistently typed value into Value";
    for (
      const other of [new Fahrenheit(70), { degrees: 20 }, Object.create(null), [20], 20, "20"]
    ) {
      assert.throws(() => value.store(other), new Panic(storeMessage));
      assert.throws(() => value.swap(other), new Panic(swapMessage));
    }
    assert.deepEqual(value.load(), new Celsius(21), "a panicking call must not store anything");

    const numbers = new AtomicValue<unknown>();
    numbers.swap(1); // the first swap also fixes the type
    assert.throws(() => numbers.store(1n), new Panic(storeMessage));
  });
});

describe("AtomicValue.compareAndSwap", () => {
  it("on an empty value, succeeds only when old is undefined", () => {
    const value = new AtomicValue<number>();
    assert.equal(value.compareAndSwap(1, 2), false);
    assert.equal(value.load(), undefined);
    assert.equal(value.compareAndSwap(undefined, 2), true);
    assert.equal(value.load(), 2);
  });

  it("swaps only when the current value is old, compared with ===", () => {
    const snapshot = { version: 1 };
    const value = new AtomicValue<{ version: number }>();
    value.store(snapshot);
    assert.equal(
      value.compareAndSwap({ version: 1 }, { version: 2 }),
      false,
      "an equal copy is not the same snapshot",
    );
    assert.equal(value.load(), snapshot);
    const next = { version: 2 };
    assert.equal(value.compareAndSwap(snapshot, next), true);
    assert.equal(value.load(), next);
    assert.equal(value.compareAndSwap(undefined, { version: 3 }), false);
  });

  it("panics as Go does when old and new differ in type, or new differs from the stored type", () => {
    // deno-lint-ignore no-explicit-any
    const value = new AtomicValue<any>();
    assert.throws(
      () => value.compareAndSwap("", true),
      new Panic("sync/atomic: compare and swap of inconsistently typed values"),
    );
    value.store(true);
    assert.throws(
      () => value.compareAndSwap(undefined, ""),
      new Panic("sync/atomic: compare and swap of inconsistently typed value into Value"),
    );
    assert.throws(
      () => value.compareAndSwap(new Celsius(1), new Fahrenheit(1)),
      new Panic("sync/atomic: compare and swap of inconsistently typed values"),
    );
    assert.equal(value.load(), true);
    assert.equal(value.compareAndSwap(true, false), true);
  });
});

describe("AtomicValue for copy-on-write snapshots", () => {
  interface Config {
    readonly version: number;
    readonly hosts: readonly string[];
  }

  it("a reader keeps a consistent snapshot across awaits while a writer publishes new ones", () =>
    onDefaultSchedule(async () => {
      const checkpoint = runtime.checkpoint();
      const config = new AtomicValue<Config>();
      config.store(Object.freeze({ version: 1, hosts: Object.freeze(["a"]) }));
      const wg = new WaitGroup();
      const readerSaw: Config[] = [];
      const publishedMeanwhile: number[] = [];

      wg.go(async () => {
        const snapshot = config.load()!; // one load per request
        for (let step = 0; step < 5; step++) {
          await Promise.resolve(); // the writer runs in between
          readerSaw.push(snapshot);
          publishedMeanwhile.push(config.load()!.version);
        }
      });
      wg.go(async () => {
        for (let version = 2; version <= 4; version++) {
          const current = config.load()!;
          config.store(
            Object.freeze({ version, hosts: Object.freeze([...current.hosts, `h${version}`]) }),
          );
          await Promise.resolve();
        }
      });
      await wg.wait();

      assert.ok(
        Math.max(...publishedMeanwhile) > 1,
        "the writer should publish while the reader works",
      );
      assert.ok(readerSaw.every((seen) => seen.version === 1 && seen.hosts.length === 1));
      assert.deepEqual(config.load(), { version: 4, hosts: ["a", "h2", "h3", "h4"] });
      await runtime.assertNoLeaks(checkpoint);
    }));

  it("a compare-and-swap retry loop loses no update when writers interleave across awaits", async () => {
    const checkpoint = runtime.checkpoint();
    const counter = new AtomicValue<Config>();
    counter.store({ version: 0, hosts: [] });
    const wg = new WaitGroup();
    let retries = 0;
    for (let i = 0; i < 10; i++) {
      wg.add(1);
      go(async () => {
        try {
          while (true) {
            const seen = counter.load()!;
            await Promise.resolve(); // builds the next snapshot "slowly"
            const next = { version: seen.version + 1, hosts: [...seen.hosts, `w${i}`] };
            if (counter.compareAndSwap(seen, next)) return;
            retries++; // someone published first: rebuild from the new snapshot
          }
        } finally {
          wg.done();
        }
      });
    }
    await wg.wait();
    assert.equal(counter.load()!.version, 10);
    assert.equal(new Set(counter.load()!.hosts).size, 10);
    assert.ok(retries > 0, "the interleaving should have forced some retries");
    await runtime.assertNoLeaks(checkpoint);
  });
});
