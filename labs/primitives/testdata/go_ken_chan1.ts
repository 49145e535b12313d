// A port of Go's test/ken/chan1.go: one sender pushes N marked values
// through a buffered channel to M receivers that each check a value arrives
// once. main returns as soon as the last value is sent; the receivers are
// still parked in their select: the program exits with status 0, silently.
import { Chan, go, recv, runMain, runtime, select } from "../mod.ts";

const N = 1000; // values sent
const M = 10; // receiving tasks
const W = 2; // channel buffer

const mark = new Array<number>(N).fill(0); // 0 unsent, 1 sent, 2 received

async function receiver(c: Chan<number>): Promise<void> {
  for (;;) {
    const r = await select([recv(c)]);
    const n = r.value!;
    if (mark[n] !== 1) throw new Error(`chan1: received ${n} with mark ${mark[n]}`);
    mark[n] = 2;
  }
}

async function sender(c: Chan<number>): Promise<void> {
  for (let n = 0; n < N; n++) {
    if (mark[n] !== 0) throw new Error(`chan1: sending ${n} with mark ${mark[n]}`);
    mark[n] = 1;
    await c.send(n);
  }
}

runMain(async () => {
  const c = new Chan<number>(W);
  for (let m = 0; m < M; m++) {
    go(() => receiver(c));
    await runtime.gosched();
  }
  await runtime.gosched();
  await runtime.gosched();
  await sender(c);
}, { warnLeaks: false });
