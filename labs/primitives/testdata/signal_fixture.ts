// A program for signal_test.ts, run in a child process so that real signals
// can be sent to it. Usage: signal_fixture.ts <mode> [SIGNAL...]
//   wait     notifyContext on the signals, print "ready" once the program has
//            sat idle for a moment (it must not exit while it listens), wait
//            until the context is done, print its cause and exit 0.
//   linger   like wait, but then stay alive for a while, printing "lingering":
//            a second signal must now end the process with the default action.
//   stopped  notifyContext on the signals, call stop() at once, print "ready"
//            and stay alive: the default action must be back.
//   closed   notify a channel on the signals, close the channel, print "ready"
//            and stay alive: the next signal must crash the program with a
//            Panic, as sending on a closed channel does in Go.
import process from "node:process";
import { setTimeout } from "node:timers";
import { Chan } from "../chan.ts";
import { background, cause } from "../context.ts";
import { notify, notifyContext, type Signal } from "../signal.ts";

async function main(): Promise<void> {
  const [mode, ...signals] = process.argv.slice(2) as [string, ...Signal[]];
  if (mode === "closed") {
    const ch = new Chan<string>(1);
    notify(ch, ...signals);
    ch.close();
    console.log("ready");
    await stayAlive();
    return;
  }
  const [ctx, stop] = notifyContext(background(), ...signals);
  if (mode === "stopped") {
    stop();
    console.log("ready");
    await stayAlive();
    return;
  }
  // This timer is unref'd: it does not keep the program alive, so it fires
  // only if listening for the signals does.
  setTimeout(() => console.log("ready"), 20).unref();
  await ctx.done().recv();
  console.log(`done: ${cause(ctx)?.message}`);
  if (mode === "linger") {
    console.log("lingering");
    await stayAlive();
  }
  stop();
}

/** Outlives any test (which kills the process first); never used to synchronise. */
function stayAlive(): Promise<void> {
  return new Promise((resolve) =>
    setTimeout(() => {
      console.log("still alive: the signal did not end the process");
      resolve();
    }, 30_000)
  );
}

main();
