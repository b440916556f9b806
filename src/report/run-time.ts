/**
 * Where a run's time went (docs/run.md, "Where the time goes"): per phase, from the times its
 * checkpoints were written (a phase's time is from the checkpoint before it to its own, so a pause
 * or a stop before a resume counts in the phase that waited), and within execution the candidates'
 * tests, the measured rounds, the side trees and the base's own check, as the executor counted
 * them (execute/executor.ts ExecuteTime). Pure: the run's records in, the report's `time` out.
 */
import * as v from "valibot";
import { phaseLabel } from "../runtime/phases.ts";

export const ExecuteTimeSchema = v.object({
  total_ms: v.number(),
  baseline_ms: v.number(),
  tests_ms: v.number(),
  test_runs: v.number(),
  tests_cached: v.number(),
  measured_ms: v.number(),
  measured_runs: v.number(),
  side_trees_ms: v.number(),
  other_ms: v.number(),
});
export type ExecuteTimeRecord = v.InferOutput<typeof ExecuteTimeSchema>;

export const RunTimeSchema = v.object({
  total_ms: v.number(),
  /** Each phase's time summed over the cycles, in the order the phases first ran. */
  phases: v.array(v.object({ phase: v.string(), label: v.string(), ms: v.number() })),
  /** The executions of every cycle, added up; null when nothing was executed. */
  execute: v.nullable(ExecuteTimeSchema),
});
export type RunTime = v.InferOutput<typeof RunTimeSchema>;

const EMPTY: ExecuteTimeRecord = { total_ms: 0, baseline_ms: 0, tests_ms: 0, test_runs: 0, tests_cached: 0, measured_ms: 0, measured_runs: 0, side_trees_ms: 0, other_ms: 0 };

/** The execution times of the cycles, added up key by key. */
function addUp(times: readonly ExecuteTimeRecord[]): ExecuteTimeRecord | null {
  if (times.length === 0) return null;
  const sum = { ...EMPTY };
  for (const time of times) for (const key of Object.keys(sum) as (keyof ExecuteTimeRecord)[]) sum[key] += time[key];
  return sum;
}

/** `history`: every checkpoint in order, with its phase and when it was written. */
export function runTime(input: { startedAt: string; finishedAt: string; history: readonly { phase: string; created_at: string }[]; executions: readonly unknown[] }): RunTime {
  const phases = new Map<string, number>();
  let last = Date.parse(input.startedAt);
  for (const entry of input.history) {
    const at = Date.parse(entry.created_at);
    phases.set(entry.phase, (phases.get(entry.phase) ?? 0) + Math.max(0, at - last));
    last = at;
  }
  const executions = input.executions.flatMap((time) => {
    const parsed = v.safeParse(ExecuteTimeSchema, time);
    return parsed.success ? [parsed.output] : [];
  });
  return {
    total_ms: Math.max(0, Date.parse(input.finishedAt) - Date.parse(input.startedAt)),
    phases: [...phases].map(([phase, ms]) => ({ phase, label: phaseLabel(phase), ms })),
    execute: addUp(executions),
  };
}

const seconds = (ms: number) => (ms >= 100_000 ? `${Math.round(ms / 1000)} s` : `${(ms / 1000).toFixed(1)} s`);
const share = (ms: number, total: number) => (total > 0 ? `${Math.round((ms / total) * 100)}%` : "-");

/** The rows of the execution's breakdown: what, time, share of the execution, how many. */
export function executeRows(e: ExecuteTimeRecord): string[][] {
  return [
    ["the base's tests and target", seconds(e.baseline_ms), share(e.baseline_ms, e.total_ms), "-"],
    ["candidates' tests", seconds(e.tests_ms), share(e.tests_ms, e.total_ms), `${e.test_runs} runs, ${e.tests_cached} trees tested before (not run again)`],
    ["measured rounds", seconds(e.measured_ms), share(e.measured_ms, e.total_ms), `${e.measured_runs} runs`],
    ["side trees", seconds(e.side_trees_ms), share(e.side_trees_ms, e.total_ms), "-"],
    ["the rest (applying, git, statistics)", seconds(e.other_ms), share(e.other_ms, e.total_ms), "-"],
  ];
}

/** The phases' rows: phase, time, share of the run. */
export function phaseRows(time: RunTime): string[][] {
  return time.phases.filter((p) => p.ms > 0).map((p) => [p.label, seconds(p.ms), share(p.ms, time.total_ms)]);
}

/** One line for the terminal: "41.2 s: tests 20.1 s (9 runs, 3 not run again), measuring 15.0 s (240 runs), ...". */
export function timeLine(time: RunTime): string {
  const e = time.execute;
  if (!e) return seconds(time.total_ms);
  const profile = time.phases.find((p) => p.phase === "PHASE_2_PROFILE");
  const parts = [
    profile ? `profile ${seconds(profile.ms)}` : null,
    `tests ${seconds(e.baseline_ms + e.tests_ms)} (${e.test_runs} runs${e.tests_cached ? `, ${e.tests_cached} not run again` : ""})`,
    `measuring ${seconds(e.measured_ms)} (${e.measured_runs} runs)`,
    `side trees ${seconds(e.side_trees_ms)}`,
  ].filter((part): part is string => part !== null);
  return `${seconds(time.total_ms)}: ${parts.join(", ")}`;
}
