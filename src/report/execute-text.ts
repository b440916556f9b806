/**
 * The execution result for people: what was kept and removed and why, the per-metric table
 * (baseline, final, percentage, multiplier), contested groups, the branch and the files. Pure.
 */
import type { ExecuteReport } from "../execute/executor.ts";
import { describeOutcome } from "../measure/index.ts";
import { timeLine } from "./run-time.ts";
import { renderTable } from "../ui/table.ts";
import { formatMetricValue, metricLabel } from "../model/metrics.ts";

export function renderExecute(report: ExecuteReport): string[] {
  const lines: string[] = [];
  lines.push(`strike     ${report.strike_result}`);
  lines.push(`kept       ${report.hypotheses_applied.join(", ") || "nothing"}`);
  if (report.hypotheses_removed.length > 0) {
    lines.push("removed");
    for (const r of report.hypotheses_removed) lines.push(`  ${r.id}: ${r.reason}`);
  }
  for (const c of report.contested_results) lines.push(`contested  ${c.group}: winner ${c.winner ?? "none"} (${c.measurement})`);
  if (report.metrics.length > 0) {
    lines.push("");
    const rows = report.metrics.filter((m) => m.baseline !== null || m.final !== null).map((m) => [
      metricLabel(m.metric),
      formatMetricValue(m.metric, m.baseline),
      formatMetricValue(m.metric, m.final),
      m.improvement_pct === null ? "-" : `${m.improvement_pct >= 0 ? "-" : "+"}${Math.abs(m.improvement_pct).toFixed(1)}%`,
      m.multiplier === null ? "-" : `${m.multiplier.toFixed(2)}x`,
    ]);
    lines.push(...renderTable(["metric", "baseline", "final", "change", "speed-up"], rows).split("\n"));
  }
  if (report.verdict) {
    const v = report.verdict;
    lines.push("", `verdict    ${describeOutcome(v)}: ${v.reason}`);
  }
  if (report.gap_analysis) lines.push(`gap        ${report.gap_analysis}`);
  if (report.branch) {
    lines.push("", `branch     ${report.branch} (${report.commit?.slice(0, 12)}), files: ${report.files_modified.join(", ")}`);
    if (report.merged) lines.push(`merged     into ${report.merged.into} (${report.merged.kind}): ${report.merged.before.slice(0, 12)} -> ${report.merged.after.slice(0, 12)}`);
    else lines.push(`           your branch, index and files are untouched; merge with: git merge ${report.branch} (or --merge)`);
  } else {
    lines.push("", "branch     none: nothing was kept");
  }
  lines.push(`ledger     ${report.ledger.length} hypotheses tried, under refs/perfloop/${report.slug}/ (git log <ref> shows each one's diff)`);
  lines.push(`time       ${timeLine({ total_ms: report.time.total_ms, phases: [], execute: report.time })}`);
  lines.push(`log        ${report.log_path}`);
  lines.push(`summary    ${report.summary_path}`);
  for (const warning of report.warnings) lines.push(`warning    ${warning}`);
  return lines;
}
