/**
 * The experiment log `.hex-skills/optimization/<slug>/ln-814-log.tsv` (runtime contract §9): one row
 * per round of the executor, appended, with a header line the original lacks so that the file
 * reads on its own. Ten columns, tab-separated; tabs and newlines inside a value become spaces.
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
] as const;

export type LogPhase = "strike" | "bisect" | "contested";
export type LogStatus = "applied" | "removed" | "alternative_a" | "alternative_b";
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
  ]
    .map(clean)
    .join("\t");
}

/** Appends rows (and the header when the file is new), durably. */
export function appendLog(path: string, rows: readonly LogRow[]): void {
  const header = existsSync(path) ? "" : `${LOG_COLUMNS.join("\t")}\n`;
  appendDurable(path, header + rows.map((row) => `${formatLogRow(row)}\n`).join(""));
}
