// The scenarios of server_scenarios.ts with the student's program on Bun. The manifest lists this
// file in `unseededTests`, as it does the Deno file: the grader runs it under its first seed only
// (server_deno_hidden_test.ts says why).
//
// Where the tests may not start Bun (not installed, or not granted), this file has no tests; the
// grader then warns that the manifest's "on Bun" points name no hidden test.
import { bunIsAvailable } from "./server_process.ts";
import { serverScenarios } from "./server_scenarios.ts";

if (await bunIsAvailable()) serverScenarios("bun");
