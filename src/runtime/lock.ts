/**
 * The project-wide runtime lock (`.hex-skills/optimization/runtime/.lock`), taken atomically with
 * O_EXCL and held across a command's read, guard and write (FIX 15). A lock whose holder is dead,
 * or that is older than any command can hold it, is stale and broken under a second small lock so
 * that two processes never both break it.
 */
import { closeSync, openSync, rmSync, statSync, writeSync } from "node:fs";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import * as v from "valibot";
import { PerfloopError } from "../errors.ts";
import { readJsonLoose } from "./atomic-fs.ts";
import { LockSchema } from "./schemas.ts";

/** How long a command waits for another command's short critical section to end. */
export const LOCK_WAIT_MS = 10_000;
/** Commands hold the lock for milliseconds; one older than this was left by a process now gone or reused. */
export const LOCK_STALE_MS = 60_000;
/** An unreadable lock younger than this may be a holder between create and write. */
const LOCK_UNREADABLE_GRACE_MS = 2_000;
const LOCK_POLL_MS = 15;

export class LockBusyError extends PerfloopError {
  constructor(readonly holderPid: number) {
    super("lock_busy", `Runtime already running (PID ${holderPid})`, {
      hint: "another perfloop command is writing this project's runtime; wait for it, or stop it",
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

function tryCreate(path: string, body: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, "wx", 0o644);
  } catch (error) {
    if ((error as { code?: string }).code === "EEXIST") return false;
    throw error;
  }
  try {
    writeSync(fd, body);
  } finally {
    closeSync(fd);
  }
  return true;
}

function ageMs(path: string, now: number): number | null {
  try {
    return now - statSync(path).mtimeMs;
  } catch {
    return null;
  }
}

/** Who holds the lock and whether that hold is stale; null when there is no lock file. */
function inspect(path: string, deps: LockDeps): { pid: number; stale: boolean } | null {
  const age = ageMs(path, deps.now());
  if (age === null) return null;
  const parsed = v.safeParse(LockSchema, readJsonLoose(path));
  if (!parsed.success) return { pid: 0, stale: age > LOCK_UNREADABLE_GRACE_MS };
  const { pid } = parsed.output;
  const stale = pid === deps.pid || !deps.processAlive(pid) || age > LOCK_STALE_MS;
  return { pid, stale };
}

/** Removes a stale lock under the breaker lock; true when the lock is gone afterwards. */
function breakStale(path: string, deps: LockDeps): boolean {
  const breaker = `${path}.break`;
  const breakerAge = ageMs(breaker, deps.now());
  if (breakerAge !== null && breakerAge > LOCK_UNREADABLE_GRACE_MS) rmSync(breaker, { force: true });
  if (!tryCreate(breaker, String(deps.pid))) return false;
  try {
    const again = inspect(path, deps);
    if (again?.stale) rmSync(path, { force: true });
    return again === null || again.stale;
  } finally {
    rmSync(breaker, { force: true });
  }
}

/** Runs `work` while holding the lock at `path`; always releases it. */
export function withLock<T>(path: string, deps: LockDeps, work: () => T): T {
  mkdirSync(dirname(path), { recursive: true });
  const body = `${JSON.stringify({ pid: deps.pid, started_at: new Date(deps.now()).toISOString() })}\n`;
  const deadline = deps.now() + LOCK_WAIT_MS;
  let holder = 0;
  while (!tryCreate(path, body)) {
    const seen = inspect(path, deps);
    if (seen?.stale && breakStale(path, deps)) continue;
    holder = seen?.pid ?? holder;
    if (deps.now() >= deadline) throw new LockBusyError(holder);
    deps.sleep(LOCK_POLL_MS);
  }
  try {
    return work();
  } finally {
    rmSync(path, { force: true });
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
