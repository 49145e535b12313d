// The scenarios of server_scenarios.ts with the student's program on Deno. The manifest lists this
// file in `unseededTests`: the grader runs it under its first seed only. The scenarios drive a real
// process through real sockets, signals and clocks, and what they see is decided by those; the
// seed only reorders tasks that are ready at once inside the program. Every mutant of this lab
// lost the same tests under seed 1 as under seed 2, and a second seed would cost each student
// eight more Deno processes.
import { serverScenarios } from "./server_scenarios.ts";

serverScenarios("deno");
