import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { realTurns } from "../primitives/testing.ts";

// Loaded inside each test, after the helpers above.
const loadPool = () => import("./buffer_pool.ts");

const { settle } = realTurns(5);

describe("BufferPool (hidden)", () => {
  it("a buffer whose capacity is exactly maxCapacity is kept, and one that grew past it is dropped", async () => {
    const { BufferPool } = await loadPool();
    const pool = new BufferPool({ initialCapacity: 64, maxCapacity: 128 });
    const atCap = pool.get();
    atCap.write(new Uint8Array(100)); // 64 -> 128: exactly the cap
    assert.equal(atCap.capacity, 128);
    assert.equal(pool.put(atCap), true, "a buffer at exactly maxCapacity must be kept");
    assert.equal(pool.get(), atCap);
    const wiped: unknown[] = [];
    const strict = new BufferPool({
      initialCapacity: 64,
      maxCapacity: 127,
      reset: (buffer) => (wiped.push(buffer), buffer.reset()),
    });
    const over = strict.get();
    over.write(new Uint8Array(100)); // 128 > 127
    assert.equal(strict.put(over), false);
    assert.deepEqual(wiped, [], "the reset hook ran on a buffer that was dropped");
    assert.deepEqual(strict.stats, { created: 1, reused: 0, dropped: 1 });
  });

  it("a buffer taken out again can be put back again: a put after a get is not a second put", async () => {
    const { BufferPool } = await loadPool();
    const pool = new BufferPool({ initialCapacity: 16, maxCapacity: 64 });
    const buffer = pool.get();
    for (let round = 0; round < 5; round++) {
      assert.equal(pool.put(buffer), true, `round ${round}: put() refused the buffer`);
      assert.equal(pool.get(), buffer, `round ${round}: get() did not reuse it`);
    }
    assert.deepEqual(pool.stats, { created: 1, reused: 5, dropped: 0 });
  });

  it("a second put() of a pooled buffer throws, even with other buffers put in between, and changes nothing", async () => {
    const { BufferPool } = await loadPool();
    const pool = new BufferPool({ initialCapacity: 16, maxCapacity: 64 });
    const [a, b] = [pool.get(), pool.get()];
    pool.put(a);
    pool.put(b);
    assert.throws(() => pool.put(a), /already in the pool/);
    const handedOut = new Set([pool.get(), pool.get(), pool.get()]);
    assert.equal(handedOut.size, 3, "one buffer was handed to two requests");
    assert.deepEqual(pool.stats, { created: 3, reused: 2, dropped: 0 });
  });

  it("stats counts a mixed sequence exactly, and is a copy that callers cannot change", async () => {
    const { BufferPool } = await loadPool();
    const pool = new BufferPool({ initialCapacity: 8, maxCapacity: 32 });
    const [a, b, c] = [pool.get(), pool.get(), pool.get()];
    c.write(new Uint8Array(40)); // grows past the cap
    pool.put(a);
    pool.put(b);
    pool.put(c);
    pool.get();
    pool.get();
    pool.get(); // the pool holds only two: this one is new
    const stats = pool.stats;
    assert.deepEqual(stats, { created: 4, reused: 2, dropped: 1 });
    stats.created = 0;
    assert.equal(pool.stats.created, 4, "changing the object stats returned changed the pool");
  });

  it("concurrent withBuffer requests each get a buffer of their own, and all of them come back", async () => {
    const { BufferPool, withBuffer } = await loadPool();
    const pool = new BufferPool({ initialCapacity: 32, maxCapacity: 1024 });
    const decoder = new TextDecoder();
    const used = new Set<unknown>();
    await Promise.all(Array.from({ length: 5 }, (_, i) =>
      withBuffer(pool, async (buffer) => {
        used.add(buffer);
        buffer.writeString(`request ${i};`);
        await settle(1 + (i % 3));
        buffer.writeString(`done ${i}`);
        assert.equal(decoder.decode(buffer.bytes()), `request ${i};done ${i}`);
      })));
    assert.equal(used.size, 5, "two concurrent requests shared one buffer");
    const again = Array.from({ length: 5 }, () => pool.get());
    assert.ok(again.every((buffer) => used.has(buffer) && buffer.length === 0));
    assert.deepEqual(pool.stats, { created: 5, reused: 5, dropped: 0 });
  });

  it("withBuffer gives the buffer back when fn rejects later, and rejects with fn's own error", async () => {
    const { BufferPool, withBuffer } = await loadPool();
    const pool = new BufferPool({ initialCapacity: 16, maxCapacity: 64 });
    const failure = new Error("upstream reset");
    let used: unknown;
    await assert.rejects(
      withBuffer(pool, async (buffer) => {
        used = buffer;
        await settle(2);
        throw failure;
      }),
      (error) => error === failure,
    );
    assert.equal(pool.get(), used);
  });

  it("the constructor rejects NaN, fractions and a maxCapacity below initialCapacity, and accepts them equal", async () => {
    const { BufferPool } = await loadPool();
    for (
      const bad of [
        { initialCapacity: Number.NaN, maxCapacity: 10 },
        { initialCapacity: 1.5, maxCapacity: 10 },
        { initialCapacity: 8, maxCapacity: 7 },
        { initialCapacity: 8, maxCapacity: 8.5 },
      ]
    ) {
      assert.throws(() => new BufferPool(bad), RangeError, JSON.stringify(bad));
    }
    const tight = new BufferPool({ initialCapacity: 8, maxCapacity: 8 });
    assert.equal(tight.put(tight.get()), true);
  });

  it("every buffer get() hands out is clean, over many requests of different sizes", async () => {
    const { BufferPool } = await loadPool();
    const pool = new BufferPool({ initialCapacity: 16, maxCapacity: 256 });
    for (let i = 0; i < 50; i++) {
      const buffer = pool.get();
      assert.equal(buffer.length, 0, `request ${i} got a buffer holding ${buffer.length} bytes`);
      buffer.write(new Uint8Array((i * 37) % 300));
      pool.put(buffer);
    }
  });
});
