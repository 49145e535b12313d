// A port of Go's test/chan/select8.go: `break` inside select cases leaves the
// select, not an enclosing loop. A sender that loops forever is still parked
// when main returns: the program exits with status 0, silently, as in Go.
import { Chan, go, recv, runMain, select } from "../mod.ts";

runMain(async () => {
  const ch = new Chan<number>();
  go(async () => {
    for (;;) await ch.send(5);
  });

  // select { case <-ch: break; panic("unreachable") }
  const first = await select([recv(ch)]);
  switch (first.index) {
    case 0:
      break;
  }

  // select { default: break; panic("unreachable") }
  const idle = await select([], { default: true });
  if (idle.index !== -1) throw new Error("select8: an empty select with default must take it");

  // A break in a case inside a loop ends the select, and the loop goes on.
  let rounds = 0;
  for (let i = 0; i < 10; i++) {
    const r = await select([recv(ch)]);
    switch (r.index) {
      case 0:
        if (r.value !== 5) throw new Error(`select8: received ${r.value}, want 5`);
        break;
    }
    rounds++;
  }
  if (rounds !== 10) throw new Error(`select8: the loop ran ${rounds} times, want 10`);
}, { warnLeaks: false });
