/**
 * What keeps a sandbox's process apart from the rest of the machine, beyond
 * Deno's permissions: a mount namespace (Debian's `bubblewrap`) in which the
 * course, the submissions, the grader's output and every other sandbox cannot
 * be named at all (a module import reads files even where `--deny-read` says
 * no), a private network and process namespace, and `timeout -k`, so that the
 * time limit holds even when the grader itself is killed. The grader's
 * temporary folders live under one folder per grading run, named after its
 * process, so that a later run removes what a killed one left behind.
 *
 * @example
 * ```ts
 * import { detectNamespace, isolationWrapper, makeRunTempRoot } from "./isolation.ts";
 * const tempRoot = await makeRunTempRoot();
 * const namespace = await detectNamespace();
 * const wrapper = isolationWrapper({ namespace, timeoutMs: 60_000, hide: ["/course"], visible: [] });
 * ```
 * @module
 */

import { existsSync } from "node:fs";
import { findOnPath } from "../core/course.ts";
import { joinPath } from "../core/lab_env.ts";

/** The prefix of a grading run's temporary folder; the process id follows it. */
export const RUN_TEMP_PREFIX = "grader-run-";

function tempBase(): string {
  return Deno.env.get("TMPDIR") || "/tmp";
}

/**
 * Makes this grading run's temporary folder (`/tmp/grader-run-<pid>-…`).
 *
 * @example
 * ```ts
 * import { makeRunTempRoot } from "./isolation.ts";
 * const root = await makeRunTempRoot();
 * await Deno.remove(root, { recursive: true });
 * ```
 */
export async function makeRunTempRoot(): Promise<string> {
  return await Deno.makeTempDir({ prefix: `${RUN_TEMP_PREFIX}${Deno.pid}-` });
}

function processAlive(pid: number): boolean {
  try {
    Deno.statSync(`/proc/${pid}`);
    return true;
  } catch {
    return false;
  }
}

/**
 * Removes the temporary folders of grading runs whose process is gone (killed
 * before it could clean up: they may hold hidden tests). Returns their paths.
 * Where /proc cannot tell, nothing is removed.
 *
 * @example
 * ```ts
 * import { removeStaleRunFolders } from "./isolation.ts";
 * const removed = await removeStaleRunFolders();
 * ```
 */
export async function removeStaleRunFolders(base = tempBase()): Promise<string[]> {
  if (!processAlive(Deno.pid)) return []; // no /proc here
  const removed: string[] = [];
  for await (const entry of Deno.readDir(base)) {
    const match = entry.name.match(new RegExp(`^${RUN_TEMP_PREFIX}(\\d+)-`));
    if (!entry.isDirectory || !match || processAlive(Number(match[1]))) continue;
    const path = joinPath(base, entry.name);
    await Deno.remove(path, { recursive: true }).catch(() => {});
    removed.push(path);
  }
  return removed;
}

/** A mount namespace tool found to work on this machine. */
export interface Namespace {
  /** The `bwrap` executable. */
  bwrap: string;
  /**
   * The paths of `bwrap`, `pgrep` and `pkill`, when a namespace can also be
   * made inside a sandbox's and all three are installed: a lab's tests that
   * start a runtime with no permissions of its own (Bun) may then confine it
   * (see grader/hidden/06-server/server_process.ts). `undefined` otherwise.
   */
  confiners?: string[];
}

/** The programs a lab's tests need to confine a runtime they start (see {@linkcode Namespace}). */
const CONFINERS = ["bwrap", "pgrep", "pkill"];

/**
 * Whether `bwrap` is installed and allowed to make namespaces here (a container
 * may forbid it); `undefined` when not.
 *
 * @example
 * ```ts
 * import { detectNamespace } from "./isolation.ts";
 * if (!await detectNamespace()) console.warn("no mount namespace");
 * ```
 */
export async function detectNamespace(): Promise<Namespace | undefined> {
  const outer = ["--ro-bind", "/", "/", "--unshare-pid", "--unshare-net", "--"];
  if (!await succeeds("bwrap", [...outer, "true"])) return undefined;
  const confiners = CONFINERS.map(findOnPath);
  // As the lab's tests start it, inside a namespace like a sandbox's.
  const nested = [
    ...outer,
    ...["bwrap", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--unshare-pid"],
    "--die-with-parent",
    "--",
  ];
  if (
    confiners.every((path) => path !== undefined) && await succeeds("bwrap", [...nested, "true"])
  ) {
    return { bwrap: "bwrap", confiners: confiners as string[] };
  }
  return { bwrap: "bwrap" };
}

async function succeeds(program: string, args: string[]): Promise<boolean> {
  try {
    const probe = await new Deno.Command(program, { args, stdout: "null", stderr: "null" })
      .output();
    return probe.success;
  } catch {
    return false;
  }
}

/** What a sandbox's wrapper needs to know. */
export interface IsolationOptions {
  /** The namespace tool, or `undefined` to run without one. */
  namespace: Namespace | undefined;
  /** The run's time limit: `timeout` kills the whole run a little after it. */
  timeoutMs: number;
  /** Folders the sandbox must not see: each is covered by an empty one. */
  hide: string[];
  /**
   * Folders it must see (the sandbox, the report folder, Deno's executable),
   * mounted back over the hidden ones; the first `writable` of them read-write.
   */
  visible: string[];
  /** Of `visible`, the ones the run writes (the report folder). */
  writable?: string[];
  /**
   * The sandbox folder, mounted read-only at {@linkcode SANDBOX_MOUNT}, where
   * the run starts; absent, the run sees no sandbox there.
   */
  sandbox?: string;
}

/**
 * Where a run in a namespace sees its sandbox: one path for every run, inside
 * the namespace's empty `/tmp`. Deno keeps what it transpiled and compiled
 * under the path it loaded a module from, so the files every run of a lab
 * shares (the primitives, the hidden tests, the preload) are found again in
 * its cache instead of being compiled afresh under each sandbox's own name.
 */
export const SANDBOX_MOUNT = "/tmp/grader-sandbox";

/**
 * Folders every namespace covers with an empty one, whatever it is asked to hide: the system's
 * temporary folder holds other runs' sandboxes. What a run needs from in there (its own sandbox,
 * a Deno cache or course kept under /tmp) must be among its `visible` folders.
 */
export const ALWAYS_EMPTY: readonly string[] = ["/tmp"];

/**
 * The folders a sandbox needs that lie inside hidden ones (or /tmp), to mount
 * back: Deno's executable, the Deno cache the sandboxes use (`cache`: the
 * user's, as `denoCacheDir()` in core/lab_env.ts finds it, or none), and the
 * course's node_modules (public packages, and the runtimes lab 06's tests
 * start); those that exist.
 *
 * @example
 * ```ts
 * import { foldersToShow } from "./isolation.ts";
 * foldersToShow("/home/ada/course", ["/home/ada/course"], undefined);
 * // → ["/home/ada/course/node_modules"]
 * ```
 */
export function foldersToShow(root: string, hidden: string[], cache: string | undefined): string[] {
  const candidates = [Deno.execPath().replace(/\/[^/]*$/, ""), joinPath(root, "node_modules")];
  if (cache) candidates.push(cache);
  const covered = [...ALWAYS_EMPTY, ...hidden];
  return candidates.filter((dir) =>
    covered.some((hide) => dir === hide || dir.startsWith(`${hide}/`)) && existsSync(dir)
  );
}

/** Grace after the time limit before `timeout` steps in (the grader's own timer comes first). */
const TIMEOUT_GRACE_S = 5;

/**
 * The command a sandbox's `deno test` runs under: `timeout -k` always, and
 * `bwrap` when there is a namespace, with the whole file system read-only,
 * `/tmp` and every `hide` folder empty, the `visible` ones mounted back, the
 * `sandbox` at {@linkcode SANDBOX_MOUNT} (the run starts there), and private
 * process, network (loopback only), IPC and host-name namespaces.
 *
 * @example
 * ```ts
 * import { isolationWrapper } from "./isolation.ts";
 * isolationWrapper({ namespace: undefined, timeoutMs: 60_000, hide: [], visible: [] });
 * // → ["timeout", "-k", "5", "65"]
 * ```
 */
export function isolationWrapper(options: IsolationOptions): string[] {
  const seconds = Math.ceil(options.timeoutMs / 1000) + TIMEOUT_GRACE_S;
  const wrapper = ["timeout", "-k", String(TIMEOUT_GRACE_S), String(seconds)];
  if (options.namespace === undefined) return wrapper;
  const args = [options.namespace.bwrap, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc"];
  for (const dir of [...ALWAYS_EMPTY, ...options.hide]) args.push("--tmpfs", dir);
  const writable = new Set(options.writable ?? []);
  for (const dir of new Set(options.visible)) {
    args.push(writable.has(dir) ? "--bind" : "--ro-bind", dir, dir);
  }
  if (options.sandbox !== undefined) {
    args.push("--ro-bind", options.sandbox, SANDBOX_MOUNT, "--chdir", SANDBOX_MOUNT);
  }
  args.push(
    "--unshare-pid",
    "--unshare-net",
    "--unshare-ipc",
    "--unshare-uts",
    "--die-with-parent",
    "--",
  );
  return [...wrapper, ...args];
}
