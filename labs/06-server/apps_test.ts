import { describe, it } from "node:test";
import assert from "node:assert/strict";
import FakeTimers from "@sinonjs/fake-timers";
import { realTurns, watch } from "../primitives/testing.ts";
import { newApp, newDebugApp } from "./apps.ts";

const { settle } = realTurns(5);

describe("apps (part 1)", () => {
  it("the app answers GET / with 200", async () => {
    const response = await newApp().request("/");
    assert.equal(response.status, 200);
    await response.body?.cancel();
  });

  it("GET /slow?ms=N answers 200 after N ms, and not before", async () => {
    const clock = FakeTimers.install();
    try {
      const request = Promise.resolve(newApp().request("/slow?ms=1500"));
      const answer = watch(request);
      await clock.tickAsync(1499);
      await settle();
      assert.equal(answer.settled, false, "GET /slow?ms=1500 answered before 1500 ms");
      await clock.tickAsync(1);
      const response = await request;
      assert.equal(response.status, 200);
      await response.body?.cancel();
    } finally {
      clock.uninstall();
    }
  });

  it("GET /slow with a missing or bad ms answers 400 at once", async () => {
    for (const query of ["", "?ms=", "?ms=-5", "?ms=1.5", "?ms=soon"]) {
      const response = await newApp().request(`/slow${query}`);
      assert.equal(response.status, 400, `GET /slow${query}`);
      await response.body?.cancel();
    }
  });

  it("the debug app answers GET /healthz with 200 and does not ask for a shutdown", async () => {
    let asked = 0;
    const response = await newDebugApp(() => asked++).request("/healthz");
    assert.equal(response.status, 200);
    assert.equal(asked, 0);
    await response.body?.cancel();
  });

  it("POST /shutdown answers 202 and asks for the shutdown exactly once", async () => {
    let asked = 0;
    const debug = newDebugApp(() => asked++);
    const response = await debug.request("/shutdown", { method: "POST" });
    assert.equal(response.status, 202);
    assert.equal(asked, 1);
    await response.body?.cancel();
    const wrongMethod = await debug.request("/shutdown");
    assert.equal(wrongMethod.status, 404, "GET /shutdown must not shut anything down");
    assert.equal(asked, 1);
    await wrongMethod.body?.cancel();
  });
});
