// Go 1.23's TestTimerGC, as a program: timers, tickers and time.after
// channels that nobody refers to are collected although they were never
// stopped, while a timer somebody waits on still fires. Prints the number of
// each kind collected, as JSON. Needs a forced GC: Deno with
// --v8-flags=--expose-gc, or Bun.
import { time } from "../mod.ts";

const host = globalThis as unknown as { gc?: () => void; Bun?: { gc(force: boolean): void } };
const collectGarbage = host.gc ?? (() => host.Bun!.gc(true));

const perKind = 500;
const collected = { timer: 0, ticker: 0, after: 0 };
const registry = new FinalizationRegistry<keyof typeof collected>((kind) => collected[kind]++);

function startAndForget(): void {
  for (let i = 0; i < perKind; i++) {
    registry.register(new time.Timer(time.Hour), "timer");
    registry.register(new time.Ticker(time.Hour), "ticker");
    registry.register(time.after(time.Hour), "after");
  }
}

startAndForget();
// Only this receive refers to the channel: the timer must survive the GC and fire.
const waited = time.after(30).recv();
for (let round = 0; round < 20; round++) {
  collectGarbage();
  await new Promise((resolve) => setTimeout(resolve, 5)); // let finalizers run
  if (collected.timer + collected.ticker + collected.after === 3 * perKind) break;
}
const [, fired] = await waited;
console.log(JSON.stringify({ perKind, ...collected, waitedTimerFired: fired }));
