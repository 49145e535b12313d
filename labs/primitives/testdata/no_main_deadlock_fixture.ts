// A program without runMain whose every task ends up parked: once the event
// loop drains, the runtime reports Go's deadlock message and exits with 2.
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
