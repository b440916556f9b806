/**
 * report.md: the run report as a self-contained Markdown page. The headline, a summary (target,
 * stop, branch and merge, how it was measured), the before/after table of every metric, one
 * section per cycle (gate, validation, kept and removed hypotheses, the measured ratio, the
 * cycle's metrics), the gate's diagnosis, the gap to the target, decisions, where the time went,
 * the run review (review-render.ts), warnings and files.
 * Pure: the report in, Markdown out. The phrases are shared with the text summary (run-text.ts).
 */
import type { ReportCycle, RunReport } from "./run-report.ts";
import { formatMetricValue } from "../model/metrics.ts";
import { cycleLine, describeMerge, describeRatio, describeResult, describeStop, METRIC_HEADERS, metricCells, type MetricRow } from "./run-text.ts";
import { formatRatioPct } from "../ui/table.ts";
import { executeRows, phaseRows, timeLine } from "./run-time.ts";
import { describeGuardrail } from "../execute/guardrails.ts";
import { reviewSection } from "./review-render.ts";

/** Shown length of a commit id. */
const SHORT_COMMIT = 12;

/** A table cell: pipes escaped, line breaks flattened. */
const cell = (text: string) => text.replaceAll("|", "\\|").replace(/\r?\n/g, " ");

/** An inline code span that survives backticks in the text (CommonMark: a longer fence). */
function code(text: string): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = "`".repeat(longest + 1);
  const pad = longest > 0 ? " " : "";
  return `${fence}${pad}${text}${pad}${fence}`;
}

const short = (commit: string) => code(commit.slice(0, SHORT_COMMIT));

function table(headers: readonly string[], rows: readonly (readonly string[])[], right: readonly number[]): string[] {
  const rule = headers.map((_, column) => (right.includes(column) ? "---:" : "---"));
  const line = (cells: readonly string[]) => `| ${cells.map(cell).join(" | ")} |`;
  return [line(headers), `|${rule.join("|")}|`, ...rows.map(line)];
}

function metricsTable(rows: readonly MetricRow[]): string[] {
  return table(METRIC_HEADERS, rows.map(metricCells), [1, 2, 3, 4]);
}

function targetLines(report: RunReport): string[] {
  const lines: string[] = [];
  if (report.target_description || report.target_metric) {
    const source = report.target_source ? ` (source: ${report.target_source})` : "";
    lines.push(`- Target metric: ${report.target_description ?? report.target_metric?.text}${source}`);
    const key = typeof report.target_metric?.metric === "string" ? report.target_metric.metric : null;
    const wanted = report.target_value === null ? "" : `; it asks for ${key ? formatMetricValue(key, report.target_value) : String(report.target_value)}`;
    const met = report.target_met === null ? "not known" : report.target_met ? "yes" : "no";
    lines.push(`- Target met: ${met}${wanted}`);
  } else {
    lines.push("- Target metric: none given");
  }
  if (report.observed_metric) lines.push(`- Observed: ${report.observed_metric.text}`);
  return lines;
}

function branchLines(report: RunReport): string[] {
  if (!report.branch) return ["- Branch: none, nothing was kept"];
  const at = report.commit ? ` at ${short(report.commit)}` : "";
  if (report.merged) return [`- Branch: ${code(report.branch)}${at}, merged ${describeMerge(report.merged)}`];
  const hint = report.merge_hint ? `; merge it with ${code(report.merge_hint)}` : "";
  return [`- Branch: ${code(report.branch)}${at}; your branch, index and files are untouched${hint}`];
}

function summary(report: RunReport): string[] {
  const lines = ["## Summary", ""];
  lines.push(`- Target: ${code(report.target)} (${report.target_kind}, ${report.mode === "plan_only" ? "plan only" : "execute"})`);
  lines.push(...targetLines(report));
  lines.push(`- Result: ${report.final_result}`);
  lines.push(`- Stopped: ${describeStop(report.stop_reason)} (${report.stop_reason})`);
  lines.push(...branchLines(report));
  lines.push(`- Base: ${code(report.base)}`);
  lines.push(`- Measured: ${report.measurement}`);
  const c = report.confirmation;
  if (c) lines.push(`- Confirmation, the first base against the final commit: ${formatRatioPct(c.ratio)}, ${describeRatio(c)}`);
  lines.push(`- Run: ${code(report.run_id)}, ${report.started_at} to ${report.finished_at}`);
  lines.push("");
  return lines;
}

function beforeAfter(report: RunReport): string[] {
  const lines = ["## Before and after", ""];
  if (report.metrics.length === 0) return [...lines, "No metric was measured yet.", ""];
  lines.push("Change is in the metric's own terms: a negative change of a time is less time. The last column is the multiplier (before / after for a time).", "");
  return [...lines, ...metricsTable(report.metrics), ""];
}

function cycleSection(cycle: ReportCycle): string[] {
  const lines = [`### Cycle ${cycle.cycle}`, ""];
  lines.push(`- Base ${short(cycle.base_commit)} → ${cycle.commit ? `commit ${short(cycle.commit)}` : "nothing committed"}`);
  lines.push(`- Gate: ${cycle.gate ?? "not reached"}; validation: ${cycle.validation ?? "not reached"}`);
  lines.push(`- Planned: ${cycle.planned.join(", ") || "none"}`);
  lines.push(`- Measured: ${cycle.ratio === null ? "nothing" : `${formatRatioPct(cycle.ratio)}, ${describeRatio({ ...cycle, ratio: cycle.ratio })}`}`);
  if (cycle.stop_reason) lines.push(`- Stopped here: ${describeStop(cycle.stop_reason)} (${cycle.stop_reason})`);
  lines.push("");
  if (cycle.kept.length > 0) lines.push("Kept:", "", ...table(["hypothesis", "from", "description"], cycle.kept.map((k) => [k.id, k.origin ?? "-", k.description || "-"]), []), "");
  else lines.push("Kept: nothing.", "");
  if (cycle.removed.length > 0) lines.push("Removed:", "", ...cycle.removed.map((r) => `- ${r.id}${r.origin ? ` (${r.origin})` : ""}: ${r.reason.replace(/\r?\n/g, " ")}`), "");
  if (cycle.metrics.length > 0) lines.push("Metrics of this cycle, its base against its result:", "", ...metricsTable(cycle.metrics), "");
  if (cycle.guardrails.length > 0) lines.push("Guardrails:", "", ...cycle.guardrails.map((g) => `- ${describeGuardrail(g)}`), "");
  return lines;
}

function timeSection(report: RunReport): string[] {
  const time = report.time;
  if (!time) return [];
  const lines = ["## Where the time went", "", `The run took ${timeLine(time)}.`, ""];
  const phases = phaseRows(time);
  if (phases.length > 0) lines.push(...table(["phase", "time", "share"], phases, [1, 2]), "");
  if (time.execute) lines.push("Within execution (every cycle):", "", ...table(["part", "time", "share", "count"], executeRows(time.execute), [1, 2]), "");
  return lines;
}

function listSection(title: string, items: readonly string[]): string[] {
  return items.length === 0 ? [] : [`## ${title}`, "", ...items.map((item) => `- ${item.replace(/\r?\n/g, " ")}`), ""];
}

export function renderReportMarkdown(report: RunReport): string {
  const head = describeResult(report);
  const out: string[] = [`# perfloop run: ${report.slug}`, "", `**${head.label}:** ${head.detail}.`, ""];
  out.push(...summary(report));
  out.push(...beforeAfter(report));
  out.push("## Cycles", "");
  if (report.cycles.length === 0) out.push("No cycle was completed.", "");
  else out.push(...report.cycles.map((c) => `- ${cycleLine(c)}`), "", ...report.cycles.flatMap(cycleSection));
  out.push(...listSection("Diagnosis", report.diagnosis));
  if (report.gap_analysis) out.push("## Gap analysis", "", report.gap_analysis, "");
  if (report.decisions.length > 0) {
    out.push("## Decisions", "", ...table(["kind", "choice", "when"], report.decisions.map((d) => [d.kind, d.selected_choice, d.answered_at]), []), "");
  }
  if (report.agent_calls.length > 0) {
    out.push(
      "## Agent calls",
      "",
      "What each coding agent and reviewer was told and did: prompt, answer, diff and exit code in each transcript (docs/agents.md).",
      "",
      ...table(
        ["cycle", "call", "agent", "outcome", "time", "changed", "transcript"],
        report.agent_calls.map((c) => [String(c.cycle), c.idea ? `${c.kind} ${c.idea}` : c.kind, c.agent, c.ok ? `ok${c.hypotheses.length ? `: ${c.hypotheses.join(", ")}` : ""}` : (c.error ?? "failed"), `${(c.wall_ms / 1000).toFixed(1)} s`, c.files_changed.join(", ") || "-", code(c.transcript)]),
        [],
      ),
      "",
    );
  }
  out.push(...timeSection(report));
  if (report.review) out.push(...reviewSection(report.review));
  out.push(...listSection("Warnings", report.warnings));
  const f = report.files;
  const files = [`report: ${code(f.report_md)}`, ...(f.report_html ? [`page: ${code(f.report_html)}`] : []), `data: ${code(f.report_json)}`];
  if (f.context_md) files.push(`context: ${code(f.context_md)}`);
  if (f.experiment_log) files.push(`experiment log: ${code(f.experiment_log)}`);
  out.push(...listSection("Files", files));
  return out.join("\n");
}
