import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  DEFAULT_DEBUG_PORT,
  DEFAULT_GRACE_MS,
  DEFAULT_PORT,
  FlagError,
  parseFlags,
} from "./flags.ts";

describe("flags (given)", () => {
  it("parseFlags defaults to ports 8080 and 8081 and a 10 s grace period", () => {
    assert.deepEqual(parseFlags([]), { port: 8080, debugPort: 8081, graceMs: 10_000 });
    assert.deepEqual([DEFAULT_PORT, DEFAULT_DEBUG_PORT, DEFAULT_GRACE_MS], [8080, 8081, 10_000]);
  });

  it("parseFlags reads each option as the next argument or after =", () => {
    assert.deepEqual(parseFlags(["--port", "0", "--debug-port=0", "--grace-ms", "250"]), {
      port: 0,
      debugPort: 0,
      graceMs: 250,
    });
  });

  it("parseFlags rejects unknown arguments, missing values and values out of range", () => {
    assert.throws(() => parseFlags(["--verbose"]), FlagError);
    assert.throws(() => parseFlags(["--port"]), /--port needs a value/);
    assert.throws(() => parseFlags(["--port", "65536"]), /--port must be a whole number/);
    assert.throws(() => parseFlags(["--debug-port=-1"]), /--debug-port must be/);
    assert.throws(() => parseFlags(["--grace-ms", "1.5"]), /--grace-ms must be/);
  });
});
