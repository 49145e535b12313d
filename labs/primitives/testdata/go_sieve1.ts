// A port of Go's test/chan/sieve1.go: the concurrent prime sieve. main reads
// the first primes and returns while the generator and every filter are still
// parked on a send: in Go the program then exits with status 0, silently.
import { Chan, go, type ReceiveChan, runMain, type SendChan } from "../mod.ts";

async function generate(out: SendChan<number>): Promise<void> {
  for (let n = 2;; n++) await out.send(n);
}

async function filter(
  source: ReceiveChan<number>,
  sink: SendChan<number>,
  prime: number,
): Promise<void> {
  for (;;) {
    const [n] = await source.recv();
    if (n! % prime !== 0) await sink.send(n!);
  }
}

async function sieve(primes: SendChan<number>): Promise<void> {
  let source = new Chan<number>();
  go(() => generate(source));
  for (;;) {
    const [prime] = await source.recv();
    await primes.send(prime!);
    const next = new Chan<number>();
    const from = source;
    go(() => filter(from, next, prime!));
    source = next;
  }
}

runMain(async () => {
  const primes = new Chan<number>();
  go(() => sieve(primes));
  const expected = [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73];
  for (const want of expected) {
    const [got] = await primes.recv();
    if (got !== want) throw new Error(`sieve: got ${got}, want ${want}`);
  }
}, { warnLeaks: false });
