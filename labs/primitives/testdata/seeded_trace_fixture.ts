// A small program whose interleaving shows in its trace: producers race on a
// buffered channel, a consumer selects between two channels, workers update a
// counter under a mutex around an await, and a WaitGroup ends it all. Run as a
// program, it prints its seed and trace as JSON, for the cross-runtime test.
import { Chan } from "../chan.ts";
import { go, runtime } from "../runtime.ts";
import { recv, select } from "../select.ts";
import { Mutex } from "../mutex.ts";
import { WaitGroup } from "../wait_group.ts";

/** Runs the program once and returns what happened, in order. */
export async function tracedProgram(): Promise<string[]> {
  const trace: string[] = [];
  const small = new Chan<string>(1, { name: "small" });
  const large = new Chan<string>(1, { name: "large" });
  const wg = new WaitGroup();
  const mu = new Mutex();
  let counter = 0;
  for (const name of ["p1", "p2", "p3"]) {
    wg.add(1);
    go(async () => {
      for (let i = 0; i < 2; i++) {
        await (name === "p3" ? large : small).send(`${name}.${i}`);
        trace.push(`${name} sent ${i}`);
      }
      wg.done();
    });
  }
  for (const name of ["w1", "w2"]) {
    wg.add(1);
    go(async () => {
      await mu.lock();
      const seen = counter;
      await Promise.resolve();
      counter = seen + 1;
      trace.push(`${name} counted ${counter}`);
      mu.unlock();
      wg.done();
    });
  }
  for (let taken = 0; taken < 6; taken++) {
    const r = await select([recv(small), recv(large)]);
    trace.push(`got ${r.value}`);
  }
  await wg.wait();
  trace.push(`counter ${counter}`);
  return trace;
}

if (import.meta.main) {
  const trace = await tracedProgram();
  console.log(JSON.stringify({ seed: runtime.seed(), trace }));
}
