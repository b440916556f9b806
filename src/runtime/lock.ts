/**
 * The project-wide runtime lock (`.hex-skills/optimization/runtime/.lock`), taken atomically with
 * O_EXCL and held across a command's read, guard and write (FIX 15). A lock whose holder is gone
 * (dead, its pid reused, or a live process that is not a perfloop: lock-file.ts), or that is older
 * than any command can hold it, is stale and broken under a second small lock so that two
 * processes never both break it.
 */
import { PerfloopError } from "../errors.ts";
import { breakStaleLock, judgeHolder, LOCK_UNREADABLE_GRACE_MS, lockBody, readLock, tryCreateLock } from "./lock-file.ts";
import { removeStateFile } from "./atomic-fs.ts";

/** How long a command waits for another command's short critical section to end. */
export const LOCK_WAIT_MS = 10_000;
/** Commands hold the lock for milliseconds; one older than this was left by a process now gone or reused. */
export const LOCK_STALE_MS = 60_000;
const LOCK_POLL_MS = 15;

export class LockBusyError extends PerfloopError {
  constructor(
    readonly holderPid: number,
    knownPerfloop = true,
    path = ".hex-skills/optimization/runtime/.lock",
  ) {
    super("lock_busy", `Runtime already running (PID ${holderPid})`, {
      hint: knownPerfloop
        ? "another perfloop command is writing this project's runtime; wait for it, or stop it"
        : `another process holds this project's runtime lock; wait for it, or, if pid ${holderPid} is not a perfloop, remove ${path}`,
      data: { pid: holderPid },
    });
  }
}

export interface LockDeps {
  pid: number;
  now(): number;
  processAlive(pid: number): boolean;
  sleep(ms: number): void;
}

type Seen = { pid: number; stale: boolean; perfloop: boolean } | null;

/** Who holds the lock and whether that hold is stale; null when there is no lock file. */
function inspect(path: string, deps: LockDeps): Seen {
  const read = readLock(path, deps.now());
  if (read.kind === "absent") return null;
  if (read.kind === "unreadable") return { pid: 0, stale: read.ageMs > LOCK_UNREADABLE_GRACE_MS, perfloop: false };
  const verdict = judgeHolder(read.holder, deps.pid, (pid) => deps.processAlive(pid));
  if (verdict.stale || read.ageMs > LOCK_STALE_MS) return { pid: read.holder.pid, stale: true, perfloop: false };
  return { pid: read.holder.pid, stale: false, perfloop: verdict.perfloop };
}

/** Runs `work` while holding the lock at `path`; always releases it. */
export function withLock<T>(path: string, deps: LockDeps, work: () => T): T {
  const body = lockBody(deps.pid, deps.now());
  const deadline = deps.now() + LOCK_WAIT_MS;
  let holder: Seen = null;
  while (!tryCreateLock(path, body)) {
    const seen = inspect(path, deps);
    if (seen?.stale && breakStaleLock(path, deps.pid, deps.now(), () => inspect(path, deps)?.stale === true)) continue;
    holder = seen ?? holder;
    if (deps.now() >= deadline) throw new LockBusyError(holder?.pid ?? 0, holder?.perfloop ?? true);
    deps.sleep(LOCK_POLL_MS);
  }
  try {
    return work();
  } finally {
    removeStateFile(path);
  }
}

/** The lock's (and the run store's) dependencies, taken from the platform perfloop runs on. */
export function lockDeps(platform: { readonly pid: number; now(): number; processAlive(pid: number): boolean }): LockDeps {
  return { pid: platform.pid, now: () => platform.now(), processAlive: (pid) => platform.processAlive(pid), sleep: sleepSync };
}

/** A synchronous sleep usable under Bun and Deno alike. */
export function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
