/**
 * The hidden tests' view of a student's server: a real child process, started
 * with the runtime's own binary on free loopback ports, watched through its
 * stdout, stderr and exit status, and probed with raw HTTP over TCP. Nothing
 * here imports the student's code; only the child runs it.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { SEED_VARIABLE } from "../primitives/schedule.ts";
import { within } from "../primitives/testing.ts";

/** A runtime the program is started with. */
export type Runtime = "deno" | "bun";

/** These tests' own modules, which are not test files. */
const HARNESS_FILES = ["server_process.ts", "server_scenarios.ts"];

/** The folder holding main.ts: these tests are copied beside it. */
export const labDir = fileURLToPath(new URL(".", import.meta.url)).replace(/\/$/, "");

// Bounds on every wait, so that a program that hangs fails its test instead
// of the whole run; all far below the grader's limit for the lab.
/** How long the program may take to print its readiness line. */
export const READY_MS = 5_000;
/** How long the program may take to exit once it has every reason to. */
export const EXIT_MS = 4_000;

/** Whether `program` may be started here and ends with status 0; its output is dropped. */
async function succeeds(program: string, args: string[]): Promise<boolean> {
  try {
    const probe = await new Deno.Command(program, {
      args,
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).output();
    return probe.success;
  } catch {
    return false; // not installed, or not granted
  }
}

/**
 * How bwrap starts the Bun copy when the grader allows it: Bun has no
 * permissions of its own, so the whole file system is read-only to it (the
 * folder that receives the test report included) and it gets a process
 * namespace of its own, which it cannot leave behind it: its descendants die
 * with it.
 */
const CONFINED_BUN = [
  "--ro-bind",
  "/",
  "/",
  "--dev",
  "/dev",
  "--proc",
  "/proc",
  "--unshare-pid",
  "--die-with-parent",
  "--",
];

/**
 * The test files beside main.ts, the hidden ones included, and these tests' own
 * modules: the program may read its folder, but not them (Deno is denied them,
 * and Bun, when confined, finds them empty).
 */
const unreadable = [...Deno.readDirSync(labDir)]
  .filter((entry) =>
    entry.isFile &&
    (entry.name.endsWith("_test.ts") || HARNESS_FILES.includes(entry.name))
  )
  .map((entry) => `${labDir}/${entry.name}`)
  .sort();

/** Set by {@linkcode bunIsAvailable}: start Bun through bwrap, and signal it through pkill. */
let bunConfined = false;

/**
 * Whether the tests may start a `bun` found on PATH (the grader grants it with
 * the lab's `run` permission): without it, only the Deno runs take place.
 * Also decides how Bun is started: confined (see {@linkcode CONFINED_BUN})
 * when the grader also grants `bwrap`, `pgrep` and `pkill` and they work here,
 * as it does when its sandboxes have a mount namespace; as it is otherwise.
 */
export async function bunIsAvailable(): Promise<boolean> {
  if (!await succeeds("bun", ["--version"])) return false;
  bunConfined = await succeeds("bwrap", [...CONFINED_BUN, "true"]) &&
    await succeeds("pgrep", ["--version"]) && await succeeds("pkill", ["--version"]);
  return true;
}

/** The two ports the readiness line announced. */
export interface Ports {
  app: number;
  debug: number;
}

const READINESS = /^listening app=http:\/\/127\.0\.0\.1:(\d+) debug=http:\/\/127\.0\.0\.1:(\d+)$/;

/** A running student program. */
export class ServerProcess {
  readonly runtime: Runtime;
  readonly #child: Deno.ChildProcess;
  readonly #confined: boolean;
  readonly #stdoutLines: string[] = [];
  #stderr = "";
  readonly #streamsDone: Promise<unknown>;
  #exited = false;
  /** How the process ended; always settles. */
  readonly status: Promise<Deno.CommandStatus>;
  /** The announced ports; rejects if the process ends without a readiness line. */
  readonly ready: Promise<Ports>;

  /** Starts main.ts with `args` on `runtime`. */
  constructor(runtime: Runtime, args: string[]) {
    this.runtime = runtime;
    this.#confined = runtime === "bun" && bunConfined;
    this.#child = spawnWith(runtime, `${labDir}/main.ts`, args, this.#confined);
    this.status = this.#child.status.then((status) => {
      this.#exited = true;
      return status;
    });
    let announce!: (line: string | null) => void;
    const firstLine = new Promise<string | null>((resolve) => (announce = resolve));
    const stdoutDone = readLines(this.#child.stdout, (line) => {
      if (this.#stdoutLines.push(line) === 1) announce(line);
    }).finally(() => announce(null));
    const stderrDone = readLines(this.#child.stderr, (line) => (this.#stderr += `${line}\n`));
    this.#streamsDone = Promise.all([stdoutDone, stderrDone]);
    this.ready = within(firstLine, READY_MS, `the readiness line from ${runtime}`).then(
      async (line) => {
        if (line === null) {
          await this.#streamsDone;
          throw new Error(
            `${this.runtime}: the program ended its output without a readiness line; ` +
              `stderr:\n${this.#stderr}`,
          );
        }
        const match = READINESS.exec(line);
        if (match === null) {
          throw new Error(
            `${this.runtime}: the first line on stdout is not the readiness ` +
              `line: ${JSON.stringify(line)}`,
          );
        }
        return { app: Number(match[1]), debug: Number(match[2]) };
      },
    );
    this.ready.catch(() => {}); // a test that never asks must not fail the run
  }

  /** Sends a real signal to the program. */
  async signal(sig: "SIGINT" | "SIGTERM"): Promise<void> {
    if (!this.#confined) {
      this.#child.kill(sig);
      return;
    }
    // bwrap passes no signal on. Its child is the namespace's first process, whose child is
    // the program: signal that one, by its pid outside the namespace.
    const first = await new Deno.Command("pgrep", {
      args: ["-P", String(this.#child.pid)],
      stdin: "null",
      stdout: "piped",
      stderr: "null",
    }).output();
    const pid = new TextDecoder().decode(first.stdout).trim().split("\n")[0];
    if (!/^\d+$/.test(pid)) return; // bwrap has ended: there is nothing left to signal
    await succeeds("pkill", ["--signal", sig.slice(3), "-P", pid]);
  }

  /**
   * Whether the process is still running `ms` from now: a process that has
   * just died is seen to have ended within that time.
   */
  async runningAfter(ms: number): Promise<boolean> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const waited = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), ms)));
    try {
      return await Promise.race([this.status.then(() => false), waited]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Waits (boundedly) for the process to end and for its output to be read. */
  async exit(what: string, ms = EXIT_MS): Promise<Deno.CommandStatus> {
    const status = await within(this.status, ms, `${this.runtime} to exit ${what}`);
    await this.#streamsDone;
    return status;
  }

  /** Everything the process wrote to stderr so far. */
  stderr(): string {
    return this.#stderr;
  }

  /** Every line the process wrote to stdout so far. */
  stdoutLines(): string[] {
    return [...this.#stdoutLines];
  }

  /** Kills the process if it still runs and waits for it: call in a finally. */
  async close(): Promise<void> {
    if (!this.#exited) {
      try {
        this.#child.kill("SIGKILL");
      } catch {
        // it ended meanwhile
      }
    }
    await this.status;
    await this.#streamsDone;
  }
}

/**
 * Deno gets only the loopback network, reading its own folder and the seed
 * variable (so that the primitives' scheduler runs under the test run's seed,
 * as the Bun process does: Bun has no permissions and reads it anyway). Bun
 * runs `confined` where the grader allows it (see {@linkcode CONFINED_BUN}).
 */
function spawnWith(
  runtime: Runtime,
  main: string,
  args: string[],
  confined: boolean,
): Deno.ChildProcess {
  const [program, ...programArgs] = runtime === "deno"
    ? [
      Deno.execPath(),
      "run",
      "--allow-net=127.0.0.1",
      `--allow-read=${labDir}`,
      `--deny-read=${unreadable.join(",")}`,
      `--allow-env=${SEED_VARIABLE}`,
      main,
      ...args,
    ]
    : confined
    ? [
      "bwrap",
      ...CONFINED_BUN.slice(0, -1),
      ...unreadable.flatMap((path) => ["--ro-bind", "/dev/null", path]),
      "--",
      "bun",
      "run",
      main,
      ...args,
    ]
    : ["bun", "run", main, ...args];
  return new Deno.Command(program, {
    args: programArgs,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

async function readLines(stream: ReadableStream<Uint8Array>, onLine: (line: string) => void) {
  let pending = "";
  for await (const text of stream.pipeThrough(new TextDecoderStream())) {
    pending += text;
    for (let end = pending.indexOf("\n"); end >= 0; end = pending.indexOf("\n")) {
      onLine(pending.slice(0, end));
      pending = pending.slice(end + 1);
    }
  }
  if (pending !== "") onLine(pending);
}

/**
 * Starts the program on `runtime` with `args` and runs `body` with it; the
 * process is killed at the end, pass or fail, and a failure names the runtime.
 */
export async function onRuntime(
  runtime: Runtime,
  args: string[],
  body: (server: ServerProcess) => Promise<void>,
): Promise<void> {
  const server = new ServerProcess(runtime, args);
  try {
    await body(server);
  } catch (error) {
    throw new Error(`on ${runtime}: ${(error as Error).message}`, { cause: error });
  } finally {
    await server.close();
  }
}

/** An HTTP response as read off the wire. */
export interface RawResponse {
  status: number;
  body: string;
}

/**
 * Sends one HTTP/1.1 request on a fresh TCP connection (`Connection: close`)
 * and reads the whole response; rejects if the connection is refused or cut.
 */
export async function request(port: number, method: string, path: string): Promise<RawResponse> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await conn.write(new TextEncoder().encode(
      `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n` +
        `Content-Length: 0\r\n\r\n`,
    ));
    let text = "";
    const decoder = new TextDecoder();
    const buffer = new Uint8Array(16 * 1024);
    for (let n = await conn.read(buffer); n !== null; n = await conn.read(buffer)) {
      text += decoder.decode(buffer.subarray(0, n), { stream: true });
    }
    const match = /^HTTP\/1\.[01] (\d{3})/.exec(text);
    if (match === null) {
      throw new Error(`${method} ${path} got no HTTP response (${JSON.stringify(text)})`);
    }
    const bodyAt = text.indexOf("\r\n\r\n");
    return { status: Number(match[1]), body: bodyAt === -1 ? "" : text.slice(bodyAt + 4) };
  } finally {
    try {
      conn.close();
    } catch {
      // already closed by the peer's reset
    }
  }
}

/**
 * Whether a TCP connection to the port is not refused now (it is closed again
 * at once). A connection reset counts as not refused: it reached a listener
 * that was closing. So does one that is no longer connected by the time Deno
 * asks for its peer's address (ENOTCONN): the listener closed with it still
 * waiting to be accepted, which happens on a busy machine.
 */
export async function connects(port: number): Promise<boolean> {
  try {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    conn.close();
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.ConnectionRefused) return false;
    if (error instanceof Deno.errors.ConnectionReset) return true;
    if (error instanceof Deno.errors.NotConnected) return true;
    throw error;
  }
}

/**
 * Starts `GET /slow?ms=…` and, once the server has surely begun handling it,
 * returns its pending response (`answer`): a later request on a new connection
 * has been answered by then, and servers take connections in the order they
 * arrive.
 */
export async function slowRequestInFlight(
  port: number,
  ms: number,
): Promise<{ answer: Promise<RawResponse> }> {
  const answer = request(port, "GET", `/slow?ms=${ms}`);
  answer.catch(() => {}); // awaited by the caller; this keeps an early failure from going unhandled
  const probe = await request(port, "GET", "/");
  if (probe.status !== 200) throw new Error(`GET / answered ${probe.status} instead of 200`);
  return { answer };
}

/**
 * Resolves once connections to `port` are refused, trying again while they are
 * accepted; gives up (false) when `stillDraining` settles first.
 */
export async function refusedWhile(
  port: number,
  stillDraining: Promise<unknown>,
): Promise<boolean> {
  let settled = false;
  stillDraining.then(() => (settled = true), () => (settled = true));
  while (!settled) {
    if (!await connects(port)) return true;
  }
  return false;
}

/** Whether this process can listen on the port now (it is closed again at once). */
export function portIsFree(port: number): boolean {
  try {
    Deno.listen({ hostname: "127.0.0.1", port }).close();
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.AddrInUse) return false;
    throw error;
  }
}

/** A port that was free a moment ago, for tests that must name a port themselves. */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/** Holds a port, as another program would, until `close()`. */
export function takePort(): { port: number; close(): void } {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  return { port: (listener.addr as Deno.NetAddr).port, close: () => listener.close() };
}
