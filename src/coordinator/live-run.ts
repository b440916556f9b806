/**
 * Whether a run is being driven right now, for `perfloop status`: its run lock
 * (`.hex-skills/optimization/<slug>/run.lock`, run-lock.ts) held by a live process. Read only: a
 * stale lock is left for the next `perfloop resume` to take over. The phase's start is read from
 * the run's history (the first saved state of the phase's current stretch); the wording is pure.
 */
import { judgeHolder, readLock } from "../runtime/lock-file.ts";
import { phaseLabel } from "../runtime/phases.ts";
import type { HistoryEvent } from "../runtime/schemas.ts";

export interface LiveDriver {
  pid: number;
  /** When it took the lock (ISO). */
  since: string;
  /** `perfloop <its arguments>` when /proc proves it a perfloop; null when that cannot be told (no /proc). */
  command: string | null;
}

/** The live holder of a run lock; null when there is none (no lock, an unreadable one, or a dead, reused or foreign pid). */
export function liveDriver(lockPath: string, self: number, alive: (pid: number) => boolean, nowMs: number): LiveDriver | null {
  const read = readLock(lockPath, nowMs);
  if (read.kind !== "held") return null;
  const verdict = judgeHolder(read.holder, self, alive);
  if (verdict.stale) return null;
  return { pid: read.holder.pid, since: read.holder.started_at, command: verdict.perfloop ? verdict.doing : null };
}

/**
 * When the run entered `phase` for its current stretch: the first of the trailing saved states
 * (RUN_STARTED, STATE_SAVED, RUN_PAUSED, RUN_COMPLETED) that are at `phase`; null when the history
 * holds none.
 */
export function phaseSince(history: readonly HistoryEvent[], phase: string): string | null {
  let since: string | null = null;
  for (const event of history) {
    const at = (event.state as { phase?: unknown } | undefined)?.phase;
    if (typeof at !== "string") continue;
    if (at !== phase) since = null;
    else since ??= event.created_at;
  }
  return since;
}

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

/** A span of time for people: "40 s", "3 min", "2 h 5 min", "3 d 4 h". */
export function formatSpan(ms: number): string {
  const span = Math.max(0, ms);
  if (span < MINUTE_MS) return `${Math.floor(span / 1000)} s`;
  if (span < HOUR_MS) return `${Math.floor(span / MINUTE_MS)} min`;
  if (span < DAY_MS) return `${Math.floor(span / HOUR_MS)} h ${Math.floor((span % HOUR_MS) / MINUTE_MS)} min`;
  return `${Math.floor(span / DAY_MS)} d ${Math.floor((span % DAY_MS) / HOUR_MS)} h`;
}

const pad = (n: number) => String(n).padStart(2, "0");

/** A moment in local time: "14:02:11" today, "2026-12-01 14:02:11" on another day. */
export function formatMoment(iso: string, nowMs: number): string {
  const at = new Date(iso);
  const now = new Date(nowMs);
  const time = `${pad(at.getHours())}:${pad(at.getMinutes())}:${pad(at.getSeconds())}`;
  if (at.toDateString() === now.toDateString()) return time;
  return `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())} ${time}`;
}

/** "pid 1234, phase 8 execute since 14:02:11 (3 min)"; the lock's time when the phase's start is unknown. */
export function describeLive(driver: LiveDriver, phase: string, phaseStart: string | null, nowMs: number): string {
  const since = phaseStart ?? driver.since;
  return `pid ${driver.pid}, phase ${phaseLabel(phase)} since ${formatMoment(since, nowMs)} (${formatSpan(nowMs - Date.parse(since))})`;
}
