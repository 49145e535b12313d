// A program whose every task ends up parked: the runtime must report Go's
// deadlock message with the parked operations, and exit with status 2.
import { Chan } from "../chan.ts";
import { go } from "../runtime.ts";

const results = new Chan<number>(0, { name: "results" });
const jobs = new Chan<number>(0, { name: "jobs" });

go(async () => {
  await jobs.recv(); // nobody ever sends a job
});
go(async () => {
  await results.send(1); // nobody ever receives a result
});
console.log("started");
