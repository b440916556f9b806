/**
 * One driver per slug: `perfloop run` and `perfloop resume` hold
 * `.hex-skills/optimization/<slug>/run.lock` (created with O_EXCL, naming the pid, its start time
 * and when) for as long as they drive the run, so a second one on the same slug is refused with
 * the pid that holds it and what it is doing. A lock whose holder is gone (dead, its pid reused, or
 * a live process that is not a perfloop: runtime/lock-file.ts) is stale and taken over, with a
 * note saying so. The runtime's own project-wide lock still guards each single write.
 */
import { UsageError } from "../errors.ts";
import { removeStateFile } from "../runtime/atomic-fs.ts";
import { breakStaleLock, judgeHolder, LOCK_UNREADABLE_GRACE_MS, lockBody, readLock, tryCreateLock, type HolderVerdict } from "../runtime/lock-file.ts";
import { sleepSync } from "../runtime/lock.ts";
import { displayPath } from "../runtime/write-error.ts";

/** Tries before giving up on a lock that keeps changing hands. */
const ATTEMPTS = 5;
const UNREADABLE_POLL_MS = 100;

export interface RunLock {
  release(): void;
  /** Set when a stale lock was taken over: whose it was and why it was stale. */
  tookOver: string | null;
}

type Judged = { kind: "absent" } | { kind: "unreadable"; ageMs: number } | { kind: "held"; pid: number; since: string; verdict: HolderVerdict };

function judge(path: string, pid: number, alive: (pid: number) => boolean): Judged {
  const read = readLock(path, Date.now());
  if (read.kind !== "held") return read;
  return { kind: "held", pid: read.holder.pid, since: read.holder.started_at, verdict: judgeHolder(read.holder, pid, alive) };
}

const staleNow = (path: string, pid: number, alive: (pid: number) => boolean) => {
  const seen = judge(path, pid, alive);
  return seen.kind === "unreadable" ? seen.ageMs > LOCK_UNREADABLE_GRACE_MS : seen.kind === "held" && seen.verdict.stale;
};

export function acquireRunLock(path: string, pid: number, now: number, alive: (pid: number) => boolean, slug: string): RunLock {
  const body = lockBody(pid, now);
  const shown = displayPath(path);
  let tookOver: string | null = null;
  // A holder between create and write is waited for (its body is written whole or its file removed).
  let waits = Math.ceil(LOCK_UNREADABLE_GRACE_MS / UNREADABLE_POLL_MS) + 1;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    if (tryCreateLock(path, body)) return { release: () => removeStateFile(path), tookOver };
    const seen = judge(path, pid, alive);
    if (seen.kind === "unreadable" && seen.ageMs <= LOCK_UNREADABLE_GRACE_MS && waits-- > 0) {
      sleepSync(UNREADABLE_POLL_MS);
      attempt--;
      continue;
    }
    if (seen.kind === "held" && !seen.verdict.stale) {
      const { verdict } = seen;
      if (verdict.perfloop) {
        throw new UsageError(
          `run ${slug} is being driven by another perfloop (pid ${seen.pid}, since ${seen.since}: ${verdict.doing})`,
          `wait for it to finish, or stop it (kill ${seen.pid}); perfloop status shows where the run stands`,
        );
      }
      throw new UsageError(
        `run ${slug} is being driven by another process (pid ${seen.pid}, since ${seen.since})`,
        `wait for it to finish; if pid ${seen.pid} is not a perfloop, remove ${shown}; perfloop status shows where the run stands`,
      );
    }
    const why = seen.kind === "held" && seen.verdict.stale ? seen.verdict.why : "its file could not be read";
    if (breakStaleLock(path, pid, Date.now(), () => staleNow(path, pid, alive))) {
      tookOver = `took over ${shown} (${why})`;
    }
  }
  throw new UsageError(`could not take the lock ${shown}: it keeps changing hands`, `remove ${shown} if no perfloop is driving run ${slug}`);
}
