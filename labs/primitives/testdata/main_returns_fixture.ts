// main returns while a task is parked on a send and a ticker was never
// stopped: the process exits with status 0 at once, with a warning naming the
// abandoned task, and no deadlock report.
import { Chan, go, runMain, time } from "../mod.ts";

runMain(async () => {
  const results = new Chan<number>(0, { name: "results" });
  go(() => results.send(1));
  const ticker = new time.Ticker(5);
  await ticker.c.recv();
  console.log("main done");
});
