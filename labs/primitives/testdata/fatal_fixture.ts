// Unlocking an unlocked mutex inside a try/catch that swallows everything:
// the fatal error still ends the process with Go's message and status 2.
import { runMain, sync } from "../mod.ts";

runMain(async () => {
  const mu = new sync.Mutex();
  try {
    mu.unlock();
  } catch {
    console.log("caught, carrying on");
  }
  await new Promise((resolve) => setTimeout(resolve, 50));
  console.log("unreachable: the fatal error ended the program");
});
