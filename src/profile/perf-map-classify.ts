/**
 * Bottleneck classification (contract §9 `bottleneck_classification`): deterministic rules over
 * the measured map, first match wins (docs/profile-rules.md, "Bottleneck classification").
 *
 * Inputs: cpu ratio = cpu_time_ms / (wall_time_ms - cpu_wait_ms) of the baseline, the wall time net
 * of the time spent waiting for a CPU on a busy host (perf-map-cpu-wait.ts; when the runtime did
 * not measure CPU, the CPU profile's non-idle share stands in); I/O shares (% of wall) per kind = the
 * larger of the steps of that kind (exclusive shares) and the CPU profile's time inside calls of
 * that kind (io_inclusive_ms / duration).
 *
 *  R0 Unknown       no wall time was measured
 *  R1 Architecture  N+1: an I/O or external step called >= N_PLUS_ONE_CALLS times holds
 *                   >= N_PLUS_ONE_SHARE_PCT of the time
 *  R2 I/O-*         the largest I/O share (DB, then Network, then File on ties) is
 *                   >= IO_DOMINANT_PCT
 *  R3 I/O-File      cpu ratio < LOW_CPU_RATIO and storage I/O (read + write) >= IO_HEAVY_BYTES
 *  R4 External      cpu ratio < EXTERNAL_CPU_RATIO (the process tree mostly waits on something
 *                   else), for command and function targets
 *  R5 Architecture  flat: >= FLAT_MIN_STEPS steps cover >= FLAT_MIN_COVER_PCT of the time and
 *                   none holds more than FLAT_MAX_SHARE_PCT (no single hotspot)
 *  R6 CPU           cpu ratio >= CPU_BOUND_RATIO
 *  R7 I/O-Network   an endpoint target (a request/response measured from outside) that no rule
 *                   above explained
 *  R8 Unknown       anything else (a mix of CPU and waiting: add step markers to split it)
 *
 * Every detail but R0's ends with the host's note when it was busy (or when the wait for a CPU
 * could not be measured): waiting for a CPU is said as such, never left for a rule to read as
 * time the command spent elsewhere.
 */
import { baselineTimeMs } from "../model/metrics.ts";
import type { CpuProfileSummary } from "./cpu-profile-parse.ts";
import { cpuWaitFacts, type CpuWaitSource } from "./perf-map-cpu-wait.ts";
import { exclusiveShare, flattenSteps, stepBottleneckType } from "./perf-map-steps.ts";
import { stepLabel } from "./step-label.ts";
import type { Baseline, BottleneckClass, Step, TargetSpec } from "./types.ts";

export const IO_DOMINANT_PCT = 30;
export const N_PLUS_ONE_CALLS = 20;
export const N_PLUS_ONE_SHARE_PCT = 20;
export const CPU_BOUND_RATIO = 0.8;
export const LOW_CPU_RATIO = 0.5;
export const EXTERNAL_CPU_RATIO = 0.2;
/** 8 MiB of real storage I/O (page-cache hits count zero, spawn-types.ts). */
export const IO_HEAVY_BYTES = 8 * 1024 * 1024;
export const FLAT_MIN_STEPS = 5;
export const FLAT_MAX_SHARE_PCT = 15;
export const FLAT_MIN_COVER_PCT = 50;

export type ClassificationRule = "R0" | "R1" | "R2" | "R3" | "R4" | "R5" | "R6" | "R7" | "R8";

export interface Classification {
  classification: BottleneckClass;
  detail: string;
  rule: ClassificationRule;
  /** The numbers the rules looked at. */
  evidence: ClassificationEvidence;
}

export interface ClassificationEvidence {
  /** CPU time over the wall time net of waiting for a CPU: what the rules use. */
  cpu_ratio: number | null;
  /** CPU time over the raw wall time. */
  cpu_ratio_raw: number | null;
  /** The wait for a CPU taken out of the wall time (ms, capped at wall - CPU), its share of the wall (%), and its source. */
  cpu_wait_ms: number | null;
  cpu_wait_pct: number | null;
  cpu_wait_source: CpuWaitSource | null;
  io_share_pct: { "I/O-DB": number; "I/O-Network": number; "I/O-File": number };
  io_bytes: number | null;
}

export interface ClassifyInput {
  target: TargetSpec;
  baseline: Baseline;
  steps: readonly Step[];
  cpuProfile: CpuProfileSummary | null;
  /** Where the baseline's `cpu_wait_ms` came from. */
  cpuWaitSource?: CpuWaitSource | null;
}

function round(value: number, digits = 1): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** The cpu/wall ratio (`wall` net of waiting for a CPU), or the profile's non-idle share when CPU time was not measured. */
function cpuRatio(baseline: Baseline, wall: number | null, profile: CpuProfileSummary | null): number | null {
  if (wall !== null && wall > 0 && baseline.cpu_time_ms !== null) return baseline.cpu_time_ms / wall;
  if (profile && profile.duration_ms > 0 && profile.self_ms_by_category.idle > 0) return 1 - profile.self_ms_by_category.idle / profile.duration_ms;
  return null;
}

export function classify(input: ClassifyInput): Classification {
  const { target, baseline, cpuProfile } = input;
  const flat = flattenSteps(input.steps);
  const wait = cpuWaitFacts(baseline, input.cpuWaitSource ?? null);
  const ratio = cpuRatio(baseline, wait.effective_wall_ms, cpuProfile);
  const raw = cpuRatio(baseline, baselineTimeMs(baseline), cpuProfile);
  const io = ioShares(flat, cpuProfile);
  const bytes = baseline.io_read_bytes === null && baseline.io_write_bytes === null ? null : (baseline.io_read_bytes ?? 0) + (baseline.io_write_bytes ?? 0);
  const evidence: ClassificationEvidence = {
    cpu_ratio: ratio === null ? null : round(ratio, 3),
    cpu_ratio_raw: raw === null ? null : round(raw, 3),
    cpu_wait_ms: wait.used_ms,
    cpu_wait_pct: wait.pct,
    cpu_wait_source: wait.used_ms === null ? null : (input.cpuWaitSource ?? null),
    io_share_pct: io,
    io_bytes: bytes,
  };
  const result = (classification: BottleneckClass, rule: ClassificationRule, detail: string): Classification => ({
    classification,
    detail: wait.note && rule !== "R0" ? `${detail}; ${wait.note}` : detail,
    rule,
    evidence,
  });
  const corrected = ratio !== null && raw !== null && (wait.used_ms ?? 0) > 0;
  const ratioText =
    ratio === null
      ? "CPU time not measured"
      : corrected
        ? `CPU time is ${round(ratio * 100)}% of the wall time net of waiting for a CPU (${round((raw as number) * 100)}% of the raw wall time)`
        : `CPU time is ${round(ratio * 100)}% of wall time`;

  const time = baselineTimeMs(baseline);
  if (time === null || time <= 0) {
    return result("Unknown", "R0", "no wall time was measured, so nothing can be classified");
  }

  const repeated = flat
    .filter((step) => (step.calls ?? 0) >= N_PLUS_ONE_CALLS && stepBottleneckType(step) !== "CPU" && exclusiveShare(step) >= N_PLUS_ONE_SHARE_PCT)
    .sort((a, b) => exclusiveShare(b) - exclusiveShare(a))[0];
  if (repeated) {
    return result(
      "Architecture",
      "R1",
      `N+1 pattern: step ${repeated.id} "${repeated.function}" (${stepBottleneckType(repeated)}) runs ${repeated.calls} times and holds ${exclusiveShare(repeated)}% of the time; batch or cache the calls`,
    );
  }

  const [topKind, topShare] = (Object.entries(io) as [keyof typeof io, number][]).reduce((best, entry) => (entry[1] > best[1] ? entry : best));
  if (topShare >= IO_DOMINANT_PCT) {
    return result(topKind, "R2", `${topShare}% of the time is in ${ioLabel(topKind)} (${describeIoSource(topKind, flat, cpuProfile)}); ${ratioText}`);
  }

  if (ratio !== null && ratio < LOW_CPU_RATIO && bytes !== null && bytes >= IO_HEAVY_BYTES) {
    return result("I/O-File", "R3", `${ratioText} and the run reads/writes ${round(bytes / 1048576)} MiB of storage`);
  }

  if (ratio !== null && ratio < EXTERNAL_CPU_RATIO && target.kind !== "endpoint") {
    return result("External", "R4", `${ratioText}: most of the wall time is spent waiting outside the process tree (a sleep, a lock, another service), with no I/O kind above ${IO_DOMINANT_PCT}%`);
  }

  const candidates = flat.filter((step) => !(step.children && step.children.length > 0) && step.type !== "external" && !/^\(.*\)$/.test(step.function));
  const cover = candidates.reduce((sum, step) => sum + exclusiveShare(step), 0);
  const largest = Math.max(0, ...candidates.map(exclusiveShare));
  if (candidates.length >= FLAT_MIN_STEPS && cover >= FLAT_MIN_COVER_PCT && largest <= FLAT_MAX_SHARE_PCT) {
    return result(
      "Architecture",
      "R5",
      `no single hotspot: ${candidates.length} steps cover ${round(cover)}% of the time and the largest holds ${largest}% (<= ${FLAT_MAX_SHARE_PCT}%); the gain is in the structure, not one function`,
    );
  }

  if (ratio !== null && ratio >= CPU_BOUND_RATIO) {
    const top = cpuProfile?.top_by_self.find((hot) => hot.category !== "idle");
    const from = top?.called_from ? `, called from ${top.called_from}` : "";
    const kind = top?.module_loading ? "runtime code: module loading" : `${top?.category} code`;
    const where = top ? `; the top function by self time is ${stepLabel(top.function)} (${top.location}, ${top.self_pct}%, ${kind}${from})` : "";
    return result("CPU", "R6", `${ratioText}${where}`);
  }

  if (target.kind === "endpoint") {
    return result("I/O-Network", "R7", `an endpoint measured from outside: the time is request and response over the network plus the server's work, which is not profiled here; ${ratioText}`);
  }

  return result("Unknown", "R8", `${ratioText}, no I/O kind reaches ${IO_DOMINANT_PCT}% and no single rule applies; add step markers to split the time`);
}

/** % of wall time per I/O kind: the larger of the steps' and the profile's view. */
function ioShares(flat: readonly Step[], profile: CpuProfileSummary | null): ClassificationEvidence["io_share_pct"] {
  const shares = { "I/O-DB": 0, "I/O-Network": 0, "I/O-File": 0 };
  for (const step of flat) {
    const kind = stepBottleneckType(step);
    if (kind === "I/O-DB" || kind === "I/O-Network" || kind === "I/O-File") shares[kind] += exclusiveShare(step);
  }
  if (profile && profile.duration_ms > 0) {
    const of = (ms: number) => (ms / profile.duration_ms) * 100;
    shares["I/O-DB"] = Math.max(shares["I/O-DB"], of(profile.io_inclusive_ms.db));
    shares["I/O-Network"] = Math.max(shares["I/O-Network"], of(profile.io_inclusive_ms.network));
    shares["I/O-File"] = Math.max(shares["I/O-File"], of(profile.io_inclusive_ms.fs));
  }
  return { "I/O-DB": round(shares["I/O-DB"]), "I/O-Network": round(shares["I/O-Network"]), "I/O-File": round(shares["I/O-File"]) };
}

function ioLabel(kind: "I/O-DB" | "I/O-Network" | "I/O-File"): string {
  return kind === "I/O-DB" ? "database calls" : kind === "I/O-Network" ? "network calls" : "file-system calls";
}

function describeIoSource(kind: "I/O-DB" | "I/O-Network" | "I/O-File", flat: readonly Step[], profile: CpuProfileSummary | null): string {
  const steps = flat.filter((step) => stepBottleneckType(step) === kind).sort((a, b) => exclusiveShare(b) - exclusiveShare(a));
  if (steps[0]) return `largest: step ${steps[0].id} "${steps[0].function}"`;
  const key = kind === "I/O-DB" ? "db" : kind === "I/O-Network" ? "network" : "fs";
  const hot = profile?.top_by_total.find((item) => item.io_kind === key);
  return hot ? `CPU profile: ${stepLabel(hot.function)} (${hot.location})` : "CPU profile";
}
