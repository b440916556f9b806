/**
 * The comparison for people: both medians, the verdict in one sentence with its numbers (ratio,
 * interval, p, n), the minimum effect and where it came from, and the guardrails. Pure.
 */
import { describeOutcome, type Verdict } from "../measure/index.ts";
import type { CompareReport } from "../profile/compare.ts";
import { formatMs, formatP, formatRatioPct, renderTable } from "../ui/table.ts";
import { metricLabel } from "../model/metrics.ts";

/** The verdict in words that never contradict its interval (docs/measurement.md, "One figure per change"). */
function outcomeWords(v: Verdict): string {
  const label = describeOutcome(v);
  if (label === "no difference") return "no difference that counts";
  if (label === "unknown") return "unknown: not enough evidence either way";
  return `B is ${label}`;
}

function guardrail(name: string, verdict: Verdict | null): string {
  if (!verdict) return `${name}: not measured`;
  return `${name}: ${describeOutcome(verdict)} (${formatRatioPct(verdict.ratio)})`;
}

export function renderCompare(report: CompareReport): string[] {
  const c = report.comparison;
  const v = c.verdict;
  const wall = (side: "a" | "b") => (side === "a" ? c.metrics_a : c.metrics_b).wall_time_ms;
  const rows = (["a", "b"] as const).map((side) => {
    const m = wall(side);
    return [side.toUpperCase(), side === "a" ? report.a : report.b, formatMs(m?.median), m ? `${formatMs(m.ci[0])} .. ${formatMs(m.ci[1])}` : "-", String(m?.n ?? 0)];
  });
  const lines = renderTable(["", "command", "median", "95% CI of median", "n"], rows, ["left", "left", "right", "right", "right"]).split("\n");
  lines.push("");
  lines.push(`verdict    ${outcomeWords(v)}`);
  lines.push(`           B/A = ${v.ratio.toFixed(4)} (${formatRatioPct(v.ratio)}), 95% CI ${v.ratio_ci[0].toFixed(4)} .. ${v.ratio_ci[1].toFixed(4)}, p ${v.p_value < 0.0001 ? "" : "= "}${formatP(v.p_value)} (${v.test_name === "wilcoxon" ? "Wilcoxon signed-rank, paired by round" : "Mann-Whitney U"}, ${v.test}), n = ${v.n_a} + ${v.n_b}`);
  lines.push(`           ${v.reason}`);
  const cal = report.calibration;
  const spread = cal ? `${(cal.calibration.spread * 100).toFixed(2)}% (${cal.source === "stored" ? "stored" : "measured now"})` : "not calibrated";
  lines.push(`min effect ${(c.min_effect * 100).toFixed(1)}%: the largest of your threshold, 2%, and A's spread against itself ${spread}`);
  lines.push(`guardrails ${guardrail(metricLabel("cpu_time_ms"), c.guardrails.cpu_time_ms)}; ${guardrail(metricLabel("memory_peak_mb"), c.guardrails.memory_peak_mb)}`);
  lines.push(`rounds     ${c.warmup_rounds} warm-up + ${c.rounds} measured, ${c.order.toUpperCase()} order, stopped: ${c.stopped_because === "cap" ? "at the run cap" : "the verdict settled"}`);
  for (const warning of new Set(report.warnings.map((w) => w.replace(/^(baseline \(A\)|candidate \(B\)): /, "")))) lines.push(`warning    ${warning}`);
  return lines;
}
