// main awaits a promise that nothing will ever settle, with nothing else left
// to run: a deadlock, although main is not parked on a primitive.
import { runMain } from "../mod.ts";

runMain(async () => {
  await new Promise<void>(() => {});
});
