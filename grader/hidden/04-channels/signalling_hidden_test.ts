import { describe, it } from "node:test";
import assert from "node:assert/strict";
import FakeTimers from "@sinonjs/fake-timers";
import { context, go, type ReceiveChan, recv, runtime, select, time } from "../primitives/mod.ts";
import { assertPending, realTurns, seededRandom, valueOf, watch } from "../primitives/testing.ts";
import type { Service } from "./signalling.ts";

const { advance, settle } = realTurns(10);

/** A service that runs until stopped, then takes `shutdownMs` to stop; logs both moments. */
function server(name: string, shutdownMs: number, log: string[]): Service {
  return async (stop) => {
    await stop.recv();
    log.push(`${name} stopping`);
    await time.sleep(shutdownMs);
    log.push(`${name} stopped`);
  };
}

describe("Gate (hidden)", () => {
  it("releases every waiter exactly once, none before open(), over 30 seeded schedules", async () => {
    const { Gate } = await import("./signalling.ts");
    for (let seed = 1; seed <= 30; seed++) {
      const random = seededRandom(seed);
      const cp = runtime.checkpoint();
      const gate = new Gate(`start ${seed}`);
      const ctx = context.background();
      const early = Array.from(
        { length: 1 + Math.floor(random() * 40) },
        () => watch(gate.wait(ctx)),
      );
      const viaDone: string[] = [];
      for (let i = 0; i < 5; i++) {
        go(async () => {
          const [value, ok] = await gate.done().recv();
          viaDone.push(`${String(value)} ${ok}`);
        });
      }
      for (let i = Math.floor(random() * 5); i > 0; i--) await settle(1);
      early.forEach((w, i) => assertPending(w, `seed ${seed}: waiter ${i} before open()`));
      assert.equal(viaDone.length, 0, `seed ${seed}: done() delivered before open()`);
      assert.equal(gate.isOpen, false);
      assert.equal(gate.open(), true);
      assert.equal(gate.open(), false);
      const late = Array.from({ length: 3 }, () => watch(gate.wait(ctx)));
      await settle();
      for (const [i, w] of [...early, ...late].entries()) {
        assert.equal(valueOf(w, `seed ${seed}: waiter ${i}`), true);
      }
      assert.deepEqual(
        viaDone,
        Array(5).fill("undefined false"),
        `seed ${seed}: done() must be closed, not sent on`,
      );
      await runtime.assertNoLeaks(cp);
    }
  });

  it("a waiter whose context is cancelled leaves with false; the others still get true when it opens", async () => {
    const { Gate } = await import("./signalling.ts");
    const cp = runtime.checkpoint();
    const gate = new Gate();
    const [ctx, cancel] = context.withCancel(context.background());
    const leaving = Array.from({ length: 5 }, () => watch(gate.wait(ctx)));
    const staying = Array.from({ length: 5 }, () => watch(gate.wait(context.background())));
    await settle();
    cancel();
    await settle();
    for (const w of leaving) assert.equal(valueOf(w, "cancelled waiter"), false);
    for (const w of staying) assertPending(w, "a waiter whose context was not cancelled");
    gate.open();
    await settle();
    for (const w of staying) assert.equal(valueOf(w, "waiter"), true);
    await runtime.assertNoLeaks(cp);
  });

  it("wait() on an open gate resolves to true even when its context is already cancelled", async () => {
    const { Gate } = await import("./signalling.ts");
    const gate = new Gate();
    gate.open();
    const [ctx, cancel] = context.withCancel(context.background());
    cancel();
    for (let i = 0; i < 20; i++) {
      assert.equal(await gate.wait(ctx), true, "the gate was open before the wait began");
    }
  });

  it("many tasks racing to open it: exactly one open() returns true, and nothing panics", async () => {
    const { Gate } = await import("./signalling.ts");
    const gate = new Gate();
    const results: unknown[] = [];
    for (let i = 0; i < 20; i++) {
      go(() => {
        try {
          results.push(gate.open());
        } catch (error) {
          results.push(error);
        }
      });
    }
    await settle();
    assert.equal(results.length, 20);
    const thrown = results.filter((r) => typeof r !== "boolean");
    assert.deepEqual(thrown, [], "open() threw");
    assert.equal(results.filter((r) => r === true).length, 1);
  });
});

describe("supervise() (hidden)", () => {
  it("resolves only after the slowest service has finished shutting down", async () => {
    const { supervise } = await import("./signalling.ts");
    const cp = runtime.checkpoint();
    const clock = FakeTimers.install();
    try {
      const log: string[] = [];
      const quitter: Service = async () => {
        await time.sleep(50);
        log.push("quitter returned");
      };
      const result = watch(
        supervise([server("app", 300, log), quitter, server("debug", 100, log)]),
      );
      await advance(clock, 50);
      assert.deepEqual([...log].sort(), ["app stopping", "debug stopping", "quitter returned"]);
      await advance(clock, 299);
      assertPending(result, "supervise() while app is still shutting down");
      await advance(clock, 1);
      assert.equal(valueOf(result, "supervise()"), null);
      assert.deepEqual(log.slice(-1), ["app stopped"]);
      await runtime.assertNoLeaks(cp);
    } finally {
      clock.uninstall();
    }
  });

  it("reports the first error even when several services fail at the same instant, and never panics", async () => {
    const { supervise } = await import("./signalling.ts");
    for (let round = 0; round < 10; round++) {
      const cp = runtime.checkpoint();
      const clock = FakeTimers.install();
      try {
        const errors = Array.from({ length: 4 }, (_, i) => new Error(`service ${i} crashed`));
        const failing = errors.map((error): Service => async () => {
          await time.sleep(10);
          throw error;
        });
        const result = watch(supervise(failing));
        await advance(clock, 10);
        const error = valueOf(result, "supervise()");
        assert.ok(
          errors.includes(error as Error),
          `expected one of the services' errors, got ${String(error)}`,
        );
        await runtime.assertNoLeaks(cp);
      } finally {
        clock.uninstall();
      }
    }
  });

  it("the error reported is the first to happen, not the first service in the list", async () => {
    const { supervise } = await import("./signalling.ts");
    const clock = FakeTimers.install();
    try {
      const failAt = (ms: number): Service => async (stop) => {
        const r = await select([recv(time.after(ms)), recv(stop)]);
        throw new Error(r.index === 0 ? `failed at ${ms}` : `failed while stopping (${ms})`);
      };
      const result = watch(supervise([failAt(90), failAt(30), failAt(60)]));
      await advance(clock, 30);
      const error = valueOf(result, "supervise()");
      assert.equal((error as Error).message, "failed at 30");
    } finally {
      clock.uninstall();
    }
  });

  it("a clean exit still stops the others, and a later failure while stopping is reported", async () => {
    const { supervise } = await import("./signalling.ts");
    const clock = FakeTimers.install();
    try {
      const finishesEarly: Service = () => time.sleep(5);
      const failsOnStop: Service = async (stop) => {
        await stop.recv();
        throw new Error("shutdown timed out");
      };
      const result = watch(supervise([finishesEarly, failsOnStop]));
      await advance(clock, 5);
      assert.equal((valueOf(result, "supervise()") as Error).message, "shutdown timed out");
    } finally {
      clock.uninstall();
    }
  });

  it("every service is handed the same stop channel, closed once, seen by all", async () => {
    const { supervise } = await import("./signalling.ts");
    const cp = runtime.checkpoint();
    const seen = new Set<ReceiveChan<void>>();
    const closedSeen: string[] = [];
    const listener = (stop: ReceiveChan<void>) => {
      seen.add(stop);
      return stop.recv().then(([value, ok]) => void closedSeen.push(`${String(value)} ${ok}`));
    };
    const result = watch(supervise([listener, listener, listener, () => Promise.resolve()]));
    await settle();
    assert.equal(valueOf(result, "supervise()"), null);
    assert.equal(seen.size, 1, "the services were given different stop channels");
    assert.deepEqual(closedSeen, ["undefined false", "undefined false", "undefined false"]);
    await runtime.assertNoLeaks(cp);
  });

  it("supervising no services resolves to null at once", async () => {
    const { supervise } = await import("./signalling.ts");
    const result = watch(supervise([]));
    await settle();
    assert.equal(valueOf(result, "supervise()"), null);
  });
  it("stays pending while a slow service is still stopping, even when the first report is an error", async () => {
    const { supervise } = await import("./signalling.ts");
    const cp = runtime.checkpoint();
    const clock = FakeTimers.install();
    try {
      const log: string[] = [];
      const failing: Service = async () => {
        await time.sleep(20);
        throw new Error("listener closed");
      };
      const result = watch(supervise([server("app", 250, log), failing, server("debug", 40, log)]));
      await advance(clock, 20 + 249);
      assertPending(result, "supervise() while app is still stopping after the failure");
      await advance(clock, 1);
      const error = valueOf(result, "supervise()");
      assert.ok(error instanceof Error && error.message === "listener closed", `got ${error}`);
      assert.deepEqual(log.slice(-1), ["app stopped"]);
      await runtime.assertNoLeaks(cp);
    } finally {
      clock.uninstall();
    }
  });
});
