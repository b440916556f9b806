/**
 * Waiting for a CPU, in the performance map (docs/profile-rules.md, "Bottleneck classification").
 *
 * On a busy host a command's processes are often runnable but not running: another process holds
 * every CPU. That time is in the wall time and not in the CPU time, so a CPU-bound command's
 * cpu/wall ratio falls with the host's load (0.95 alone, 0.6 beside two busy loops on two CPUs)
 * and its class would flip with it. The platform measures the wait per run
 * (src/platform/cpu-wait.ts); here it is taken out of the wall time before the ratio is formed:
 *
 *     cpu ratio = cpu / (wall - wait), wait capped at wall - cpu
 *
 * The cap keeps the correction from inventing CPU time: it can raise the ratio to 1 at most, and a
 * parallel command (cpu > wall) is left as it is. Per run the capped wait is taken; the baseline's
 * is the median over the measured runs (null unless every run has one).
 */
import { baselineTimeMs } from "../model/metrics.ts";
import { median } from "../measure/index.ts";
import type { Baseline } from "./types.ts";

/** From this share of the wall time spent waiting for a CPU (%), the map says the host was busy. */
export const HOST_BUSY_WAIT_PCT = 5;

export type CpuWaitSource = "schedstat" | "loadavg" | "mixed";

/** What one run gives (CommandRun's fields). */
export interface RunWait {
  wall_ms: number;
  cpu_ms: number | null;
  cpu_wait_ms: number | null;
  cpu_wait_source: "schedstat" | "loadavg" | null;
}

/** The wait that can be taken out of `wall`: never below 0, never more than wall - cpu. */
export function cappedWait(wall: number, cpu: number, wait: number): number {
  return Math.min(Math.max(0, wait), Math.max(0, wall - cpu));
}

/** The median capped wait of the runs and where it came from; null when a run lacks one. */
export function runsCpuWait(runs: readonly RunWait[]): { ms: number | null; source: CpuWaitSource | null } {
  const known = runs.filter((run) => run.cpu_wait_ms !== null && run.cpu_ms !== null && run.cpu_wait_source !== null);
  if (runs.length === 0 || known.length < runs.length) return { ms: null, source: null };
  const ms = median(known.map((run) => cappedWait(run.wall_ms, run.cpu_ms as number, run.cpu_wait_ms as number)));
  const sources = new Set(known.map((run) => run.cpu_wait_source));
  return { ms, source: sources.size === 1 ? (known[0]?.cpu_wait_source ?? null) : "mixed" };
}

export interface CpuWaitFacts {
  /** The wait taken out of the wall time (ms), capped; null when not measured. */
  used_ms: number | null;
  /** That wait as a share of the wall time (%). */
  pct: number | null;
  /** The wall time the ratio is formed with. */
  effective_wall_ms: number | null;
  /** For the map's detail: the host was busy, or the wait could not be measured; null otherwise. */
  note: string | null;
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}

const SOURCE_TEXT: Record<CpuWaitSource, string> = {
  schedstat: "measured from the process tree's /proc schedstat",
  loadavg: "estimated from the host's run queue, /proc/loadavg",
  mixed: "from /proc schedstat or, for the shortest runs, the host's run queue",
};

/**
 * The baseline's wait (`cpu_wait_ms`, present for command targets only) against its wall and CPU
 * time. A command target whose wait is null (no /proc: macOS) gets a note saying so.
 */
export function cpuWaitFacts(baseline: Baseline, source: CpuWaitSource | null): CpuWaitFacts {
  const wall = baselineTimeMs(baseline);
  const cpu = baseline.cpu_time_ms;
  const wait = baseline.cpu_wait_ms;
  if (wall === null || wall <= 0 || cpu === null || wait === undefined) return { used_ms: null, pct: null, effective_wall_ms: wall, note: null };
  if (wait === null) {
    return {
      used_ms: null,
      pct: null,
      effective_wall_ms: wall,
      note: "the time spent waiting for a CPU is not measured here (no /proc, e.g. macOS): on a busy host the CPU share reads low",
    };
  }
  const used = cappedWait(wall, cpu, wait);
  const pct = round1((used / wall) * 100);
  const from = source ? ` (${SOURCE_TEXT[source]})` : "";
  const note = pct >= HOST_BUSY_WAIT_PCT ? `the host was busy: ${pct}% of the wall time was spent waiting for a CPU${from}, which is not counted as the command's time` : null;
  return { used_ms: round1(used), pct, effective_wall_ms: wall - used, note };
}
