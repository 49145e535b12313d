// main throws: the process prints Go's `panic: ` line and exits with status 2.
import { Panic, runMain } from "../mod.ts";

runMain(async () => {
  await Promise.resolve();
  throw new Panic("something impossible happened");
});
