/**
 * The hidden tests' scenarios, for one runtime at a time: the student's
 * program is tested as a black box, started as a real child process on free
 * loopback ports, and talked to only through HTTP, signals, its output and
 * its exit status. Nothing of the student's is imported here. The runtime's
 * name begins every test's name, so that each test (and its points) stays
 * apart from the other runtime's.
 *
 * @module
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  freePort,
  onRuntime,
  portIsFree,
  refusedWhile,
  request,
  type Runtime,
  type ServerProcess,
  slowRequestInFlight,
  takePort,
} from "./server_process.ts";

const ANY_PORTS = ["--port", "0", "--debug-port", "0"];

/** Asserts a clean exit: status 0, both ports free again. */
async function assertCleanExit(server: ServerProcess, app: number, debug: number, after: string) {
  const status = await server.exit(after);
  assert.equal(
    status.code,
    0,
    `expected exit status 0 ${after}, got ${JSON.stringify(status)}; stderr:\n${server.stderr()}`,
  );
  assert.ok(portIsFree(app), `the app port ${app} is still taken after the process exited`);
  assert.ok(portIsFree(debug), `the debug port ${debug} is still taken after the process exited`);
}

/** A slow request in flight when `stop` begins the shutdown gets its whole answer. */
async function drainsOn(
  runtime: Runtime,
  stop: (server: ServerProcess, debugPort: number) => Promise<void>,
) {
  await onRuntime(runtime, ANY_PORTS, async (server) => {
    const ports = await server.ready;
    const { answer: slow } = await slowRequestInFlight(ports.app, 500);
    await stop(server, ports.debug);
    const answer = await slow.catch((error) => {
      throw new Error(`the in-flight GET /slow was cut off: ${error.message}`);
    });
    assert.equal(answer.status, 200, "the in-flight GET /slow did not get its 200");
    await assertCleanExit(server, ports.app, ports.debug, "after draining");
  });
}

/** Registers every scenario with the program started on `runtime`. */
export function serverScenarios(runtime: Runtime): void {
  const on = runtime === "deno" ? "on Deno:" : "on Bun:";
  describe("06-server (hidden)", () => {
    it(`${on} prints exactly one readiness line with the real ports, and both servers answer`, async () => {
      await onRuntime(runtime, ANY_PORTS, async (server) => {
        const ports = await server.ready;
        assert.ok(ports.app > 0 && ports.debug > 0 && ports.app !== ports.debug);
        assert.equal((await request(ports.app, "GET", "/")).status, 200);
        assert.equal((await request(ports.app, "GET", "/slow?ms=5")).status, 200);
        assert.equal((await request(ports.debug, "GET", "/healthz")).status, 200);
        await server.signal("SIGTERM");
        await assertCleanExit(server, ports.app, ports.debug, "after SIGTERM");
        assert.deepEqual(
          server.stdoutLines().length,
          1,
          "stdout must hold the readiness line only",
        );
      });
    });

    it(`${on} a slow request in flight when SIGTERM arrives gets its full response, and the exit status is 0`, async () => {
      await drainsOn(runtime, (server) => server.signal("SIGTERM"));
    });

    it(`${on} a slow request in flight when SIGINT arrives gets its full response, and the exit status is 0`, async () => {
      await drainsOn(runtime, (server) => server.signal("SIGINT"));
    });

    it(`${on} POST /shutdown answers 202, lets a slow request in flight finish, and the exit status is 0`, async () => {
      await drainsOn(runtime, async (_server, debugPort) => {
        assert.equal((await request(debugPort, "POST", "/shutdown")).status, 202);
      });
    });

    it(`${on} once the shutdown begins both servers refuse new connections, and the process still ends`, async () => {
      await onRuntime(runtime, ANY_PORTS, async (server) => {
        const ports = await server.ready;
        const { answer: slow } = await slowRequestInFlight(ports.app, 800);
        await server.signal("SIGTERM");
        assert.ok(
          await refusedWhile(ports.app, slow),
          "the app port accepted connections all drain long",
        );
        assert.ok(
          await refusedWhile(ports.debug, slow),
          "the debug port accepted connections all drain long",
        );
        assert.equal((await slow).status, 200);
        await assertCleanExit(server, ports.app, ports.debug, "after SIGTERM");
      });
    });

    it(`${on} an app port already in use ends the process quickly with a non-zero status, the port and the cause on stderr, and the debug port closed`, async () => {
      const taken = takePort();
      try {
        const debugPort = freePort();
        const args = ["--port", String(taken.port), "--debug-port", String(debugPort)];
        await onRuntime(runtime, args, async (server) => {
          const status = await server.exit("when its app port is in use");
          assert.notEqual(status.code, 0, "a port in use must give a non-zero exit status");
          assert.equal(
            server.stdoutLines().length,
            0,
            "no readiness line when a server cannot listen",
          );
          assert.match(
            server.stderr(),
            new RegExp(`\\b${taken.port}\\b`),
            "stderr must name the port",
          );
          assert.match(server.stderr(), /in use/i, "stderr must give the cause (address in use)");
          assert.ok(portIsFree(debugPort), "the debug server still holds its port");
        });
      } finally {
        taken.close();
      }
    });

    it(`${on} a debug server that cannot listen brings the app server down: non-zero status, the port named, the app port closed`, async () => {
      const taken = takePort();
      try {
        const appPort = freePort();
        const args = ["--port", String(appPort), "--debug-port", String(taken.port)];
        await onRuntime(runtime, args, async (server) => {
          const status = await server.exit("when its debug port is in use");
          assert.notEqual(status.code, 0, "a port in use must give a non-zero exit status");
          assert.match(
            server.stderr(),
            new RegExp(`\\b${taken.port}\\b`),
            "stderr must name the port",
          );
          assert.match(server.stderr(), /in use/i, "stderr must give the cause (address in use)");
          assert.ok(portIsFree(appPort), "the app server still holds its port");
        });
      } finally {
        taken.close();
      }
    });

    it(`${on} a second SIGINT while draining ends the process at once with a non-zero status`, async () => {
      await onRuntime(runtime, ANY_PORTS, async (server) => {
        const ports = await server.ready;
        const { answer: slow } = await slowRequestInFlight(ports.app, 60_000);
        await server.signal("SIGINT");
        assert.ok(await refusedWhile(ports.app, server.status), "the drain never began");
        // A process that died at the first SIGINT also refuses connections: it did not drain.
        assert.ok(
          await server.runningAfter(200),
          "the first SIGINT ended the process instead of beginning a drain",
        );
        await server.signal("SIGINT");
        const status = await server.exit("after a second SIGINT", 5000);
        assert.equal(status.success, false, "a forced exit must not report success");
        await slow.catch(() => {}); // cut off, as it should be
      });
    });

    it(`${on} the grace period ends a drain that would hang, with a non-zero status`, async () => {
      await onRuntime(runtime, [...ANY_PORTS, "--grace-ms", "400"], async (server) => {
        const ports = await server.ready;
        const { answer: slow } = await slowRequestInFlight(ports.app, 60_000);
        const signalled = performance.now();
        await server.signal("SIGTERM");
        const status = await server.exit("once the 400 ms grace period is over", 6000);
        const took = performance.now() - signalled;
        assert.equal(status.success, false, "giving up on a drain must not report success");
        assert.ok(
          took >= 350,
          `the process gave up after ${Math.round(took)} ms, before its grace period`,
        );
        await slow.catch(() => {});
      });
    });
  });
}
