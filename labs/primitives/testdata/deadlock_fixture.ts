// A main parked on a receive while its only task is parked on a send to a
// channel nobody reads: nothing is left to run, so the runtime must report
// Go's deadlock message with the parked operations, and exit with status 2.
import { Chan } from "../chan.ts";
import { go, runMain } from "../runtime.ts";

runMain(async () => {
  const results = new Chan<number>(0, { name: "results" });
  const jobs = new Chan<number>(0, { name: "jobs" });
  go(async () => {
    await results.send(1); // nobody ever receives a result
  });
  console.log("started");
  await jobs.recv(); // nobody ever sends a job
});
