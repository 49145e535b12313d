// The scenarios of server_scenarios.ts with the student's program on Bun. The manifest lists this
// file in `unseededTests`: the grader runs it under its first seed only, since the Deno file runs
// the same scenarios under every seed, and a second seed on a second runtime would cost each
// student another set of server processes for little.
//
// Where the tests may not start Bun (not installed, or not granted), this file has no tests; the
// grader then warns that the manifest's "on Bun" points name no hidden test.
import { bunIsAvailable } from "./server_process.ts";
import { serverScenarios } from "./server_scenarios.ts";

if (await bunIsAvailable()) serverScenarios("bun");
