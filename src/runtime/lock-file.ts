/**
 * Lock files, shared by the project-wide runtime lock (lock.ts) and the per-slug run lock
 * (coordinator/run-lock.ts): created with O_EXCL, their body written whole (or the file removed
 * again: a short body never stays behind), and judged by what identifies the holder (docs/runtime.md,
 * "Locks"): the pid, the process's start time from /proc/<pid>/stat and when it was taken.
 *
 * A holder is gone (the lock is stale) when its pid is dead, is alive but started at another time
 * (the pid was reused), or is alive and provably not a perfloop (its /proc/<pid>/cmdline names
 * neither perfloop nor src/main.ts). Without /proc a live pid holds the lock.
 */
import { closeSync, openSync, rmSync, statSync } from "node:fs";
import * as v from "valibot";
import { readJsonLoose, writeFully } from "./atomic-fs.ts";
import { describeCommand, namesPerfloop, processCommandLine, processStartTime, procAvailable } from "./process-identity.ts";
import { LockSchema } from "./schemas.ts";
import { ensureParentDir } from "./state-dirs.ts";
import { rethrowIo } from "./write-error.ts";

/** An unreadable lock younger than this may be a holder between create and write. */
export const LOCK_UNREADABLE_GRACE_MS = 2_000;

export interface LockHolder {
  pid: number;
  started_at: string;
  /** /proc/<pid>/stat field 22 when the lock was taken; null without /proc. */
  pid_start: string | null;
}

/** The body that names this process as the holder. */
export function lockBody(pid: number, nowMs: number): string {
  const holder: LockHolder = { pid, started_at: new Date(nowMs).toISOString(), pid_start: processStartTime(pid) };
  return `${JSON.stringify(holder)}\n`;
}

/** Creates the lock file with `body`; false when it exists. A body that cannot be written whole takes the file away again. */
export function tryCreateLock(path: string, body: string): boolean {
  ensureParentDir(path);
  let fd: number;
  try {
    fd = openSync(path, "wx", 0o644);
  } catch (error) {
    if ((error as { code?: string }).code === "EEXIST") return false;
    return rethrowIo(error, path, "write");
  }
  try {
    writeFully(fd, Buffer.from(body));
  } catch (error) {
    closeSync(fd);
    rmSync(path, { force: true });
    return rethrowIo(error, path, "write");
  }
  closeSync(fd);
  return true;
}

export function lockAgeMs(path: string, now: number): number | null {
  try {
    return now - statSync(path).mtimeMs;
  } catch {
    return null;
  }
}

export type LockRead = { kind: "absent" } | { kind: "unreadable"; ageMs: number } | { kind: "held"; holder: LockHolder; ageMs: number };

export function readLock(path: string, now: number): LockRead {
  const ageMs = lockAgeMs(path, now);
  if (ageMs === null) return { kind: "absent" };
  const parsed = v.safeParse(LockSchema, readJsonLoose(path));
  if (!parsed.success) return lockAgeMs(path, now) === null ? { kind: "absent" } : { kind: "unreadable", ageMs };
  const { pid, started_at, pid_start } = parsed.output;
  return { kind: "held", holder: { pid, started_at, pid_start: pid_start ?? null }, ageMs };
}

export type HolderVerdict =
  | { stale: true; why: string }
  /** `perfloop`: proven a perfloop by its command line (false: unknown, without /proc). */
  | { stale: false; perfloop: boolean; doing: string | null };

/** Whether the holder still holds the lock, and what it is doing when it is a perfloop. */
export function judgeHolder(holder: LockHolder, self: number, alive: (pid: number) => boolean): HolderVerdict {
  const { pid } = holder;
  if (pid === self) return { stale: true, why: `pid ${pid} is this process (left by an earlier one with the same pid)` };
  if (!alive(pid)) return { stale: true, why: `pid ${pid} is gone` };
  if (!procAvailable()) return { stale: false, perfloop: false, doing: null };
  const start = processStartTime(pid);
  if (start !== null && holder.pid_start !== null && start !== holder.pid_start) {
    return { stale: true, why: `pid ${pid} is now another process (it started after the lock was taken)` };
  }
  const argv = processCommandLine(pid);
  if (argv === null || start === null) return { stale: false, perfloop: false, doing: null };
  if (!namesPerfloop(argv)) return { stale: true, why: `pid ${pid} is not a perfloop (${describeCommand(argv) || "no command line"})` };
  return { stale: false, perfloop: true, doing: describeCommand(argv) };
}

/**
 * Removes a stale lock under a second small lock (`<path>.break`) so that two processes never both
 * break it (one could otherwise remove the lock the other has just taken). `stillStale` is asked
 * again under that lock. True when the lock is gone afterwards.
 */
export function breakStaleLock(path: string, self: number, now: number, stillStale: () => boolean): boolean {
  const breaker = `${path}.break`;
  const breakerAge = lockAgeMs(breaker, now);
  if (breakerAge !== null && breakerAge > LOCK_UNREADABLE_GRACE_MS) rmSync(breaker, { force: true });
  if (!tryCreateLock(breaker, String(self))) return false;
  try {
    if (lockAgeMs(path, now) === null) return true;
    if (!stillStale()) return false;
    rmSync(path, { force: true });
    return true;
  } finally {
    rmSync(breaker, { force: true });
  }
}
