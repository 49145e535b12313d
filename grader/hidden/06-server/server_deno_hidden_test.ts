// The scenarios of server_scenarios.ts with the student's program on Deno. This file runs under
// every seed of a graded run (the program's scheduler runs under the run's seed).
import { serverScenarios } from "./server_scenarios.ts";

serverScenarios("deno");
