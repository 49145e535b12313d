import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Pool } from "./pool.ts";

// The tests that call gcCycle() stay synchronous from put() to their last
// get(): a real collection reaches the pool only between event-loop turns,
// so it cannot interfere with them.

describe("Pool get and put", () => {
  it("get() on an empty pool returns newFn()'s fresh item, and a put item afterwards", () => {
    let made = 0;
    const pool = new Pool(() => ({ id: ++made }));
    const first = pool.get();
    assert.deepEqual(first, { id: 1 });
    pool.put(first);
    assert.equal(pool.get(), first, "the pooled item should be reused");
    assert.deepEqual(pool.get(), { id: 2 }, "an empty pool makes a new item");
    assert.equal(made, 2);
  });

  it("get() without newFn returns undefined from an empty pool", () => {
    const pool = new Pool<string | undefined>();
    assert.equal(pool.get(), undefined);
    pool.put("buffer");
    assert.equal(pool.get(), "buffer");
    assert.equal(pool.get(), undefined);
  });

  it("put(null) and put(undefined) are ignored, as Go ignores Put(nil)", () => {
    let made = 0;
    const pool = new Pool<object | null | undefined>(() => ({ made: ++made }));
    pool.put(null);
    pool.put(undefined);
    assert.deepEqual(pool.get(), { made: 1 }, "the pool must still be empty");
  });

  it("holds many items and hands each out once", () => {
    const pool = new Pool<number | undefined>();
    for (let i = 0; i < 100; i++) pool.put(i);
    const got = new Set<number>();
    for (let i = 0; i < 100; i++) got.add(pool.get()!);
    assert.equal(got.size, 100);
    assert.equal(pool.get(), undefined);
  });

  it("rejects a newFn that is not a function with a TypeError", () => {
    // deno-lint-ignore no-explicit-any
    assert.throws(() => new Pool(42 as any), {
      name: "TypeError",
      message: "Cannot create Pool: newFn must be a function or omitted, received number",
    });
  });
});

describe("Pool and garbage collection (victim cache)", () => {
  it("an item survives one collection through the victim cache and is gone after two", () => {
    const pool = new Pool(() => "fresh");
    pool.put("survivor");
    pool.gcCycle();
    assert.equal(pool.get(), "survivor", "one collection moves items to the victim cache");

    pool.put("dropped");
    pool.gcCycle();
    pool.gcCycle();
    assert.equal(pool.get(), "fresh", "a second collection drops the victim cache");
  });

  it("get() takes from the main cache before the victim cache", () => {
    const pool = new Pool(() => "fresh");
    pool.put("old");
    pool.gcCycle();
    pool.put("new");
    assert.equal(pool.get(), "new");
    assert.equal(pool.get(), "old");
    assert.equal(pool.get(), "fresh");
  });

  it("items put after a collection survive the next one, while the older ones are dropped", () => {
    const pool = new Pool<string | undefined>();
    pool.put("before first");
    pool.gcCycle();
    pool.put("between");
    pool.gcCycle();
    assert.equal(pool.get(), "between");
    assert.equal(pool.get(), undefined, "the item from before the first collection is gone");
  });

  it("a real garbage collection ages the pool's items", async () => {
    class CountingPool extends Pool<object> {
      collections = 0;
      override gcCycle(): void {
        this.collections++;
        super.gcCycle();
      }
    }
    const pool = new CountingPool(() => ({ fresh: true }));
    const pooled = { fresh: false };
    pool.put(pooled);
    const bun = (globalThis as { Bun?: { gc(force: boolean): void } }).Bun;
    // Provoke collections (Bun can force one; V8 needs garbage) until the
    // pool has seen two, which must have dropped the item.
    for (let round = 0; round < 1000 && pool.collections < 2; round++) {
      if (bun !== undefined) bun.gc(true);
      else {
        let garbage: number[][] = [];
        for (let i = 0; i < 2000; i++) garbage.push(new Array(100).fill(i));
        garbage = [];
      }
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    assert.ok(pool.collections >= 2, "the pool never noticed a garbage collection");
    assert.notEqual(pool.get(), pooled, "the item should be gone after two collections");
  });
});
