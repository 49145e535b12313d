import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { BufferPool, type ByteBuffer, withBuffer } from "./buffer_pool.ts";
import { runBenchmark } from "./buffer_pool_bench.ts";

const options = { initialCapacity: 64, maxCapacity: 256 };

describe("BufferPool", () => {
  it("get() on an empty pool returns a new, empty buffer of initialCapacity, counted as created", () => {
    const pool = new BufferPool(options);
    const buffer = pool.get();
    assert.equal(buffer.length, 0);
    assert.equal(buffer.capacity, 64);
    const stats = pool.stats;
    assert.deepEqual(stats, { created: 1, reused: 0, dropped: 0 });
    stats.created = 99;
    assert.equal(pool.stats.created, 1, "stats must be a copy: changing it changed the pool");
  });

  it("a buffer put back is handed out again by the next get(), reset to length 0, counted as reused", () => {
    const pool = new BufferPool(options);
    const buffer = pool.get();
    buffer.writeString("GET /index.html");
    assert.equal(pool.put(buffer), true, "put() must say it kept the buffer");
    const again = pool.get();
    assert.equal(again, buffer, "get() allocated a new buffer although one was pooled");
    assert.equal(again.length, 0, "a reused buffer still holds the previous request's bytes");
    assert.deepEqual(pool.stats, { created: 1, reused: 1, dropped: 0 });
  });

  it("put() cleans the buffer with the reset hook, called once with that buffer", () => {
    const cleaned: ByteBuffer[] = [];
    const pool = new BufferPool({
      ...options,
      reset: (buffer) => {
        cleaned.push(buffer);
        buffer.bytes().fill(0);
        buffer.reset();
      },
    });
    const buffer = pool.get();
    buffer.writeString("password=hunter2");
    const written = buffer.bytes();
    pool.put(buffer);
    assert.deepEqual(cleaned, [buffer]);
    assert.ok(written.every((byte) => byte === 0), "the hook's wiping did not reach the buffer");
  });

  it("put() drops a buffer that grew past maxCapacity, without calling the hook, and counts it", () => {
    let hookCalls = 0;
    const pool = new BufferPool({ ...options, reset: (buffer) => (hookCalls++, buffer.reset()) });
    const buffer = pool.get();
    buffer.write(new Uint8Array(300)); // grows 64 -> 512, past the cap of 256
    assert.equal(pool.put(buffer), false, "put() must say it dropped the buffer");
    assert.equal(hookCalls, 0, "the reset hook ran on a buffer that is being dropped");
    assert.notEqual(pool.get(), buffer, "a buffer past the cap came back out of the pool");
    assert.deepEqual(pool.stats, { created: 2, reused: 0, dropped: 1 });
    const atCap = pool.get();
    atCap.write(new Uint8Array(200)); // grows 64 -> 256: exactly the cap, so it is kept
    assert.equal(pool.put(atCap), true, "a buffer of exactly maxCapacity must be kept");
  });

  it("put() of a buffer that is already in the pool throws instead of pooling it twice", () => {
    const pool = new BufferPool(options);
    const buffer = pool.get();
    pool.put(buffer);
    assert.throws(() => pool.put(buffer), /already in the pool/);
    const first = pool.get();
    assert.notEqual(pool.get(), first, "two get() calls handed out the same buffer");
  });

  it("withBuffer gives the buffer back after fn resolves and after fn throws", async () => {
    const pool = new BufferPool(options);
    let used: ByteBuffer | undefined;
    const length = await withBuffer(pool, async (buffer) => {
      used = buffer;
      buffer.writeString("pong");
      await Promise.resolve();
      return buffer.length;
    });
    assert.equal(length, 4);
    const broken = new Error("template failed");
    await assert.rejects(
      withBuffer(pool, (buffer) => {
        assert.equal(buffer, used, "withBuffer did not reuse the buffer it gave back");
        throw broken;
      }),
      (error) => error === broken,
    );
    assert.equal(pool.get(), used, "withBuffer did not give the buffer back after fn threw");
  });

  it("the constructor rejects bad options with a RangeError naming the option", () => {
    assert.throws(
      () => new BufferPool({ initialCapacity: 0, maxCapacity: 10 }),
      (error) => error instanceof RangeError && /initialCapacity/.test(error.message),
    );
    assert.throws(
      () => new BufferPool({ initialCapacity: 64, maxCapacity: 32 }),
      (error) => error instanceof RangeError && /maxCapacity/.test(error.message),
    );
  });

  it("the benchmark allocates a buffer per request without the pool, and almost none with it", () => {
    const report = runBenchmark({ requests: 50, bodyBytes: 1000, warmupRounds: 1, rounds: 3 });
    assert.equal(report.baseline.buffersCreated, 200);
    assert.ok(
      report.pooled.buffersCreated <= 5,
      `the pooled side allocated ${report.pooled.buffersCreated} buffers for 200 requests`,
    );
    for (const side of [report.baseline, report.pooled]) {
      assert.ok(Number.isFinite(side.nsPerRequest) && side.nsPerRequest >= 0);
    }
  });
});
