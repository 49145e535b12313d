import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Chan } from "../primitives/mod.ts";
import { realTurns, seededRandom, valueOf, watch } from "../primitives/testing.ts";

// Loaded inside each test, after the helpers above.
const loadStore = () => import("./config_store.ts");

const { settle } = realTurns(5);

interface Pair {
  version: number;
  left: number;
  right: number;
  history: number[];
}

describe("ConfigStore (hidden)", () => {
  it("over 30 seeds of readers and async updates interleaved, every snapshot seen is whole and no update is lost", async () => {
    const { ConfigStore } = await loadStore();
    for (let seed = 1; seed <= 30; seed++) {
      const random = seededRandom(seed);
      const store = new ConfigStore<Pair>({ version: 0, left: 0, right: 0, history: [] });
      const updates = 2 + Math.floor(random() * 6);
      const pending: Promise<unknown>[] = [];
      for (let u = 0; u < updates; u++) {
        const pauses = Math.floor(random() * 3);
        pending.push(store.update(async (draft) => {
          draft.version++;
          draft.left = draft.version;
          for (let p = 0; p < pauses; p++) await settle(1);
          draft.right = draft.version; // a reader must never see left without right
          draft.history.push(draft.version);
        }));
      }
      let lastSeen = 0;
      const readers = Array.from({ length: 3 }, async () => {
        for (let r = 0; r < 12; r++) {
          const seen = store.current();
          assert.equal(seen.left, seen.right, `seed ${seed}: a reader saw a half-applied update`);
          assert.equal(seen.history.length, seen.version, `seed ${seed}: history out of step`);
          assert.ok(seen.version >= lastSeen, `seed ${seed}: a reader went back in time`);
          lastSeen = seen.version;
          await settle(Math.floor(random() * 2));
        }
      });
      await Promise.all([...pending, ...readers]);
      assert.equal(store.current().version, updates, `seed ${seed}: an update was lost`);
      assert.deepEqual(
        store.current().history,
        Array.from({ length: updates }, (_, i) => i + 1),
        `seed ${seed}: updates did not apply one after the other`,
      );
    }
  });

  it("an update that waited for the lock starts from what the previous update published", async () => {
    const { ConfigStore } = await loadStore();
    const store = new ConfigStore({ backends: ["a"] });
    const release = new Chan<void>();
    const first = watch(store.update(async (draft) => {
      await release.recv();
      draft.backends.push("b");
    }));
    const seenBySecond: string[][] = [];
    const second = watch(store.update((draft) => {
      seenBySecond.push([...draft.backends]);
      draft.backends.push("c");
    }));
    await settle();
    assert.deepEqual(seenBySecond, [], "the second update ran while the first was in progress");
    release.close();
    await settle();
    valueOf(first, "the first update");
    valueOf(second, "the second update");
    assert.deepEqual(seenBySecond, [["a", "b"]], "the second update started from a stale copy");
    assert.deepEqual(store.current().backends, ["a", "b", "c"]);
  });

  it("a change that replaces whole nested arrays and objects still publishes them deeply frozen", async () => {
    const { ConfigStore } = await loadStore();
    const store = new ConfigStore({
      routes: [{ path: "/", weights: [1] }],
      meta: { owner: "ops" },
    });
    const published = await store.update((draft) => {
      draft.routes = [{ path: "/api", weights: [2, 3] }];
      draft.meta = { owner: "sre" };
    });
    assert.ok(Object.isFrozen(published.routes), "routes is not frozen");
    assert.ok(Object.isFrozen(published.routes[0]), "routes[0] is not frozen");
    assert.ok(Object.isFrozen(published.routes[0].weights), "routes[0].weights is not frozen");
    assert.ok(Object.isFrozen(published.meta), "meta is not frozen");
  });

  it("published snapshots cannot be changed in place: assignments and pushes throw", async () => {
    const { ConfigStore } = await loadStore();
    const store = new ConfigStore({ timeoutMs: 10, backends: ["a"] });
    await store.update((draft) => {
      draft.timeoutMs = 20;
    });
    const snapshot = store.current() as { timeoutMs: number; backends: string[] };
    assert.throws(() => (snapshot.timeoutMs = 1), TypeError);
    assert.throws(() => snapshot.backends.push("evil"), TypeError);
    assert.equal(store.current().timeoutMs, 20);
  });

  it("the store keeps its own copy of the initial object: nested parts of it stay the caller's, unfrozen", async () => {
    const { ConfigStore } = await loadStore();
    const given = { pools: [{ name: "main", size: 4 }], retry: { attempts: 3 } };
    const store = new ConfigStore(given);
    assert.equal(Object.isFrozen(given.pools[0]), false, "the caller's nested object was frozen");
    given.pools[0].size = 40;
    given.retry.attempts = 30;
    assert.equal(store.current().pools[0].size, 4);
    assert.equal(store.current().retry.attempts, 3);
    assert.notEqual(store.current().retry, given.retry);
  });

  it("current() is one published object, the same for every reader until the next update", async () => {
    const { ConfigStore } = await loadStore();
    const store = new ConfigStore({ n: 1 });
    assert.equal(store.current(), store.current(), "current() copies on every read");
    const published = await store.update((draft) => {
      draft.n = 2;
    });
    assert.equal(store.current(), published);
    assert.equal(store.current(), store.current());
  });

  it("two rejected async changes in a row publish nothing, and the three updates after them all apply", async () => {
    const { ConfigStore } = await loadStore();
    const store = new ConfigStore({ count: 0 });
    const failures = [1, 2].map((i) =>
      watch(store.update(async (draft) => {
        draft.count = 100;
        await settle(1);
        throw new Error(`bad change ${i}`);
      }))
    );
    const good = [1, 2, 3].map(() =>
      watch(store.update((draft) => {
        draft.count++;
      }))
    );
    await settle(20);
    for (const failure of failures) assert.equal(failure.rejected, true);
    for (const update of good) valueOf(update, "an update queued behind failed ones");
    assert.equal(store.current().count, 3);
  });
});
