import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Chan } from "../primitives/mod.ts";
import { errorOf, realTurns, valueOf, watch } from "../primitives/testing.ts";
import { ConfigStore } from "./config_store.ts";

const { settle } = realTurns(5);

interface Config {
  timeoutMs: number;
  backends: string[];
  limits: { rps: number };
}

const initial = (): Config => ({ timeoutMs: 1000, backends: ["10.0.0.1"], limits: { rps: 100 } });

describe("ConfigStore", () => {
  it("current() returns a deeply frozen copy of the initial configuration", () => {
    const given = initial();
    const store = new ConfigStore(given);
    const snapshot = store.current();
    assert.deepEqual(snapshot, initial());
    assert.notEqual(snapshot, given, "the store must keep its own copy, not the caller's object");
    assert.ok(Object.isFrozen(snapshot), "the snapshot itself is not frozen");
    assert.ok(Object.isFrozen(snapshot.backends), "snapshot.backends is not frozen");
    assert.ok(Object.isFrozen(snapshot.limits), "snapshot.limits is not frozen");
  });

  it("the caller can still change the object it passed in, and the store does not see it", () => {
    const given = initial();
    const store = new ConfigStore(given);
    given.backends.push("10.0.0.9"); // throws if the store froze the caller's own object
    given.timeoutMs = 1;
    assert.deepEqual(store.current(), initial());
  });

  it("update() publishes a frozen, changed copy, and a snapshot taken before never changes", async () => {
    const store = new ConfigStore(initial());
    const before = store.current();
    const published = await store.update((draft) => {
      draft.backends.push("10.0.0.2");
      draft.limits.rps = 50;
    });
    assert.equal(store.current(), published, "update() must resolve to the snapshot it published");
    assert.deepEqual(published.backends, ["10.0.0.1", "10.0.0.2"]);
    assert.equal(published.limits.rps, 50);
    assert.ok(Object.isFrozen(published.backends), "the new snapshot's backends are not frozen");
    assert.deepEqual(before, initial(), "the snapshot taken before the update changed");
  });

  it("while an async change is in progress, readers see the whole old snapshot, then the whole new one", async () => {
    const store = new ConfigStore(initial());
    const release = new Chan<void>();
    const update = watch(store.update(async (draft) => {
      draft.timeoutMs = 250;
      await release.recv(); // half-way through the change
      draft.backends.push("10.0.0.2");
    }));
    await settle();
    assert.equal(update.settled, false, "update() settled before its change had finished");
    assert.deepEqual(store.current(), initial(), "a reader saw part of an unfinished update");
    release.close();
    await settle();
    valueOf(update, "update()");
    assert.equal(store.current().timeoutMs, 250);
    assert.deepEqual(store.current().backends, ["10.0.0.1", "10.0.0.2"]);
  });

  it("concurrent updates run one at a time, in call order, and none is lost", async () => {
    const store = new ConfigStore(initial());
    const log: string[] = [];
    const addBackend = (name: string) =>
      store.update(async (draft) => {
        log.push(`start ${name}`);
        const backends = draft.backends;
        await settle(1); // an await inside the change: another update could run here
        draft.backends = [...backends, name];
        log.push(`end ${name}`);
      });
    await Promise.all([addBackend("a"), addBackend("b"), addBackend("c")]);
    assert.deepEqual(store.current().backends, ["10.0.0.1", "a", "b", "c"]);
    assert.deepEqual(log, ["start a", "end a", "start b", "end b", "start c", "end c"]);
  });

  it("a change that throws publishes nothing, rejects with its error, and later updates still run", async () => {
    const store = new ConfigStore(initial());
    const invalid = new Error("timeoutMs must be positive");
    const failed = watch(store.update((draft) => {
      draft.timeoutMs = -1;
      throw invalid;
    }));
    await settle();
    assert.equal(errorOf(failed, "the failing update()"), invalid);
    assert.deepEqual(store.current(), initial(), "a failed update published its draft");
    const next = watch(store.update((draft) => {
      draft.timeoutMs = 500;
    }));
    await settle();
    valueOf(next, "the update after a failed one");
    assert.equal(store.current().timeoutMs, 500);
  });
});
