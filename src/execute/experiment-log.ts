/**
 * The experiment log `.hex-skills/optimization/<slug>/ln-814-log.tsv` (runtime contract §9): one row
 * per comparison of the executor, appended, with a header line the original lacks so that the file
 * reads on its own. The contract's ten columns, then five of perfloop's own: the paired ratio
 * (the one estimate of docs/measurement.md, "One figure per change"), its 95% interval, the
 * measured rounds and the outcome in words. `improvement_pct` is (1 - ratio) x 100, the same
 * figure as the report's. The last row of an execution that kept something is phase `final`,
 * status `kept`: every round that compared the kept set with the base, pooled, with the commit.
 * Tab-separated; tabs and newlines inside a value become spaces.
 */
import { existsSync } from "node:fs";
import { appendDurable } from "../runtime/atomic-fs.ts";

export const LOG_COLUMNS = [
  "timestamp",
  "phase",
  "hypotheses",
  "baseline_ms",
  "result_ms",
  "improvement_pct",
  "status",
  "commit",
  "files",
  "e2e_status",
  "ratio",
  "ratio_ci_low",
  "ratio_ci_high",
  "rounds",
  "outcome",
] as const;

export type LogPhase = "strike" | "bisect" | "contested" | "rebased" | "final";
export type LogStatus = "applied" | "removed" | "alternative_a" | "alternative_b" | "kept";
export type E2eStatus = "pass" | "fail" | "skipped";

export interface LogRow {
  timestamp: string;
  phase: LogPhase;
  hypotheses: readonly string[];
  baseline_ms: number | null;
  result_ms: number | null;
  improvement_pct: number | null;
  status: LogStatus;
  commit: string | null;
  files: readonly string[];
  e2e_status: E2eStatus;
  /** The comparison's paired ratio (B / A) with its interval and rounds; null when nothing was measured. */
  ratio: number | null;
  ratio_ci: readonly [number, number] | null;
  rounds: number | null;
  /** The verdict in words (measure/verdict.ts describeOutcome), or why nothing was measured. */
  outcome: string;
}

const clean = (value: string) => value.replace(/[\t\r\n]+/g, " ");
const num = (value: number | null, digits: number) => (value === null || !Number.isFinite(value) ? "" : value.toFixed(digits));

export function formatLogRow(row: LogRow): string {
  return [
    row.timestamp,
    row.phase,
    row.hypotheses.join(","),
    num(row.baseline_ms, 3),
    num(row.result_ms, 3),
    num(row.improvement_pct, 2),
    row.status,
    row.commit ?? "",
    row.files.join(","),
    row.e2e_status,
    num(row.ratio, 4),
    num(row.ratio_ci?.[0] ?? null, 4),
    num(row.ratio_ci?.[1] ?? null, 4),
    row.rounds === null ? "" : String(row.rounds),
    row.outcome,
  ]
    .map(clean)
    .join("\t");
}

/** Appends rows (and the header when the file is new), durably. */
export function appendLog(path: string, rows: readonly LogRow[]): void {
  const header = existsSync(path) ? "" : `${LOG_COLUMNS.join("\t")}\n`;
  appendDurable(path, header + rows.map((row) => `${formatLogRow(row)}\n`).join(""));
}
