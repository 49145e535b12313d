// main waits on timers with nothing else to do: the timers do not keep a
// finished program alive, but they do wake a main that waits on them.
import { recv, runMain, select, time } from "../mod.ts";

runMain(async () => {
  const started = performance.now();
  await new time.Timer(20).c.recv();
  const r = await select([recv(time.after(20)), recv(time.tick(1000))]);
  if (r.index !== 0) throw new Error("the 20 ms after() lost to a 1 s ticker");
  console.log(`woke after ${performance.now() - started >= 39 ? "40 ms" : "too little time"}`);
});
