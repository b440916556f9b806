/**
 * The end of `perfloop run` (and `perfloop report` in text) for people: the headline, the
 * before/after table of every metric, one line per cycle, why the run stopped, the branch and how
 * to merge it, the gap to the target, the run review's advice, and where report.md and report.json are. Also the phrases
 * both run renderers share (this file and run-markdown.ts): the headline, the stop reason in
 * words, a signed change and a multiplier in the metric's terms. Pure: the report in, lines out.
 */
import { directionWords, formatMetricValue, isHigherBetter, isTargetKind, judgedMetricOf, metricLabel } from "../model/metrics.ts";
import type { ReportCycle, RunReport } from "./run-report.ts";
import { formatP, formatRatioPct, renderTable } from "../ui/table.ts";
import { timeLine } from "./run-time.ts";
import { reviewHeadlines } from "./review-render.ts";

export type Style = "bold" | "green" | "red" | "yellow" | "dim";
export type Colorize = (style: Style, text: string) => string;
export type MetricRow = RunReport["metrics"][number];

const PERCENT = 100;
/** Padding of the text summary's labels, as in the other text renderers. */
const LABEL_WIDTH = 10;

const STOPS: Record<string, string> = {
  TARGET_MET: "the target was met",
  PLATEAU: "the last cycle gained less than the plateau threshold",
  MAX_CYCLES: "the maximum number of cycles was reached",
  NO_HYPOTHESES: "no hypothesis was left to try",
  WRONG_TOOL_BLOCK: "the wrong-tool gate blocked the cycle: changing the code is not the way to a gain",
  PLAN_DECLINED: "the plan was declined",
  PHASE_FAILED: "a phase failed the same way again and again, and the run was ended there",
  PLAN_ONLY: "plan only: the plan was made and nothing was executed",
  UNFINISHED: "the run is not finished",
};

/** A stop reason in words, e.g. PLATEAU -> "the last cycle gained less than the plateau threshold". */
export function describeStop(stop: string): string {
  return STOPS[stop] ?? `stopped: ${stop.toLowerCase().replaceAll("_", " ")}`;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/** A percentage with one decimal and its sign: "+10.0%", "-62.5%", "0.0%". */
export function signedPct(pct: number): string {
  const text = Math.abs(pct).toFixed(1);
  if (Number(text) === 0) return "0.0%";
  return `${pct > 0 ? "+" : "-"}${text}%`;
}

/**
 * How the metric's value moved, in its own terms: 400 ms -> 150 ms is "-62.5%" (less time). From
 * before and after when both are known, else from improvement_pct (positive = better).
 */
export function changePct(row: MetricRow): number | null {
  if (row.before !== null && row.after !== null && row.before !== 0) return ((row.after - row.before) / row.before) * PERCENT;
  if (row.improvement_pct === null) return null;
  return isHigherBetter(row.metric) ? row.improvement_pct : -row.improvement_pct;
}

export function formatChange(row: MetricRow): string {
  const pct = changePct(row);
  return pct === null ? "-" : signedPct(pct);
}

/** A multiplier (>1 = better) as "2.67x faster", "1.10x slower", "1.00x"; "-" when unknown. */
export function formatMultiplier(metric: string, multiplier: number | null): string {
  if (multiplier === null || !Number.isFinite(multiplier) || multiplier <= 0) return "-";
  const [better, worse] = directionWords(metric);
  const shown = (multiplier >= 1 ? multiplier : 1 / multiplier).toFixed(2);
  if (shown === "1.00") return "1.00x";
  return `${shown}x ${multiplier >= 1 ? better : worse}`;
}

/** The cells of a before/after row: metric, before, after, change, multiplier. */
export function metricCells(row: MetricRow): string[] {
  return [metricLabel(row.metric), formatMetricValue(row.metric, row.before), formatMetricValue(row.metric, row.after), formatChange(row), formatMultiplier(row.metric, row.multiplier)];
}
export const METRIC_HEADERS = ["metric", "before", "after", "change", "x"] as const;

/** The key of the metric the top-level improvement is about: a command's follows its --target metric (CPU time, peak memory). */
export function mainMetric(report: RunReport): string {
  const named = report.target_metric?.metric;
  return isTargetKind(report.target_kind) ? judgedMetricOf(report.target_kind, typeof named === "string" ? named : null) : (report.metrics[0]?.metric ?? "wall_time_ms");
}

/**
 * The measurement the run's figure is: the direct confirmation of the first base against the final
 * commit, or the one cycle that kept something (docs/measurement.md, "One figure per change").
 */
function runFigure(report: RunReport): { ratio_ci: readonly [number, number]; runs: readonly [number, number] | null } | null {
  if (report.confirmation) return report.confirmation;
  const kept = report.cycles.filter((c) => c.commit !== null && c.ratio !== null);
  return kept.length === 1 && kept[0]!.ratio_ci ? { ratio_ci: kept[0]!.ratio_ci, runs: kept[0]!.runs } : null;
}

/** The cumulative change on the main metric: "wall time -62.1% (2.64x; 95% CI -63.0% to -61.2%, n 20)". */
function mainChange(report: RunReport): string | null {
  if (report.improvement_pct === null) return null;
  const key = mainMetric(report);
  const pct = isHigherBetter(key) ? report.improvement_pct : -report.improvement_pct;
  const figure = report.target_kind === "command" ? runFigure(report) : null;
  const interval = figure ? `; 95% CI ${signedPct((figure.ratio_ci[0] - 1) * PERCENT)} to ${signedPct((figure.ratio_ci[1] - 1) * PERCENT)}${figure.runs ? `, n ${figure.runs[0]}` : ""}` : "";
  const times = report.multiplier === null ? (interval ? ` (${interval.slice(2)})` : "") : ` (${report.multiplier.toFixed(2)}x${interval})`;
  return `${metricLabel(key)} ${signedPct(pct)}${times}`;
}

/** The cycle the wrong-tool gate blocked (the last one that says so). */
function blockedCycle(report: RunReport): number {
  const blocked = report.cycles.filter((c) => c.gate === "BLOCK" || c.stop_reason === "WRONG_TOOL_BLOCK");
  return blocked.at(-1)?.cycle ?? report.cycles.at(-1)?.cycle ?? 1;
}

export interface Headline {
  /** The final result in words: "Target met", "Diagnostic", ... */
  label: string;
  detail: string;
  /** How it reads: good, neutral (nothing gained, nothing lost) or bad. */
  tone: "good" | "neutral" | "bad";
}

/** The final result in words, e.g. "Target met" + "wall time -62.1% (2.64x) after 1 cycle". */
export function describeResult(report: RunReport): Headline {
  const gained = mainChange(report);
  const cycles = plural(report.cycles.length, "cycle");
  const kept = report.cycles.some((c) => c.commit !== null);
  switch (report.final_result) {
    case "TARGET_MET":
      return { label: "Target met", detail: `${gained ?? "the target is reached"} after ${cycles}`, tone: "good" };
    case "IMPROVED": {
      const missed = report.target_met === false ? `; the target${report.target_description ? ` (${report.target_description})` : ""} was not met` : "";
      return { label: "Improved", detail: `${gained ?? "an unknown change"} after ${cycles}${missed}`, tone: "good" };
    }
    case "NO_IMPROVEMENT":
      return { label: "No improvement", detail: `no hypothesis gave a significant gain${report.cycles.length > 0 ? ` in ${cycles}` : ""}`, tone: "neutral" };
    case "DIAGNOSTIC":
      return { label: "Diagnostic", detail: `the wrong-tool gate blocked cycle ${blockedCycle(report)}, nothing was changed`, tone: "neutral" };
    case "ALREADY_OPTIMIZED": {
      const earlier = kept && gained ? `; the earlier cycles gained ${gained}` : "";
      return { label: "Already optimized", detail: `the wrong-tool gate found nothing more worth optimizing in cycle ${blockedCycle(report)}${earlier}`, tone: "good" };
    }
    case "PLAN_READY":
      return { label: "Plan ready", detail: `nothing was changed (plan only)${report.files.context_md ? `; the plan is in ${report.files.context_md}` : ""}`, tone: "neutral" };
    case "PLAN_DECLINED":
      return { label: "Plan declined", detail: "nothing was changed", tone: "neutral" };
    case "UNFINISHED":
      return { label: "Unfinished", detail: `${plural(report.cycles.length, "cycle")} completed so far; continue with perfloop resume --slug ${report.slug}`, tone: "neutral" };
    default:
      return { label: report.final_result, detail: describeStop(report.stop_reason), tone: "neutral" };
  }
}

/** "ratio 0.382, 95% CI 0.371-0.394, p < 0.0001, n 20+20"; parts that were not measured left out. */
export function describeRatio(m: { ratio: number; ratio_ci: readonly [number, number] | null; p_value: number | null; runs: readonly [number, number] | null }): string {
  const parts = [`ratio ${m.ratio.toFixed(3)}`];
  if (m.ratio_ci) parts.push(`95% CI ${m.ratio_ci[0].toFixed(3)}-${m.ratio_ci[1].toFixed(3)}`);
  if (m.p_value !== null) parts.push(`p ${formatP(m.p_value).startsWith("<") ? "" : "= "}${formatP(m.p_value)}`);
  if (m.runs) parts.push(`n ${m.runs[0]}+${m.runs[1]}`);
  return parts.join(", ");
}

/** "cycle 1: kept H1 (-61.8%, ratio 0.382, ...); removed H2 (breaks the tests)". */
export function cycleLine(cycle: ReportCycle): string {
  const measured = cycle.ratio === null ? "" : ` (${formatRatioPct(cycle.ratio)}, ${describeRatio({ ...cycle, ratio: cycle.ratio })})`;
  const kept = cycle.kept.length > 0 ? `kept ${cycle.kept.map((k) => k.id).join(", ")}` : "kept nothing";
  const parts = [`${kept}${measured}`];
  if (cycle.gate === "BLOCK") parts.push("the wrong-tool gate blocked it");
  if (cycle.removed.length > 0) parts.push(`removed ${cycle.removed.map((r) => `${r.id} (${r.reason})`).join(", ")}`);
  return `cycle ${cycle.cycle}: ${parts.join("; ")}`;
}

/** "perfloop/sum (abc123456789)". */
function branchText(report: RunReport): string {
  return `${report.branch}${report.commit ? ` (${report.commit.slice(0, 12)})` : ""}`;
}

/** What was merged: "into main (fast-forward): abc123456789 -> def456789012". */
export function describeMerge(merged: NonNullable<RunReport["merged"]>): string {
  return `into ${merged.into} (${merged.kind}): ${merged.before.slice(0, 12)} -> ${merged.after.slice(0, 12)}`;
}

const TONE_STYLE: Record<Headline["tone"], Style> = { good: "green", neutral: "yellow", bad: "red" };
const label = (name: string) => name.padEnd(LABEL_WIDTH);

/** The terminal summary. Colour only through `options.color` (default: none). */
export function renderRunSummary(report: RunReport, options: { color?: Colorize } = {}): string[] {
  const color: Colorize = options.color ?? ((_style, text) => text);
  const lines: string[] = [];
  const head = describeResult(report);
  lines.push(`${color("bold", color(TONE_STYLE[head.tone], `${head.label}:`))} ${head.detail}`);
  lines.push("");
  if (report.metrics.length > 0) lines.push(...renderTable(METRIC_HEADERS, report.metrics.map(metricCells)).split("\n"));
  else lines.push(`${label("metrics")} none measured yet`);
  lines.push(color("dim", `${label("measured")} ${report.measurement}`));
  if (report.time && report.final_result !== "UNFINISHED") lines.push(color("dim", `${label("time")} ${timeLine(report.time)}`));
  if (report.confirmation) lines.push(`${label("confirmed")} the first base against the final commit: ${formatRatioPct(report.confirmation.ratio)}, ${describeRatio(report.confirmation)}`);
  if (report.cycles.length > 0) lines.push("", ...report.cycles.map(cycleLine));
  if (report.diagnosis.length > 0) lines.push("", ...report.diagnosis.map((finding) => `${label("diagnosis")} ${finding}`));
  lines.push("");
  lines.push(`${label("stopped")} ${report.stop_reason}: ${describeStop(report.stop_reason)}`);
  if (report.target_description) {
    const met = report.target_met === null ? "not known yet" : report.target_met ? color("green", "met") : color("red", "not met");
    lines.push(`${label("target")} ${report.target_description}: ${met}`);
  }
  if (report.gap_analysis) lines.push(`${label("gap")} ${report.gap_analysis}`);
  if (report.branch && report.merged) lines.push(`${label("branch")} ${branchText(report)}, merged ${describeMerge(report.merged)}`);
  else if (report.branch) lines.push(`${label("branch")} ${branchText(report)}; your branch, index and files are untouched`);
  else lines.push(`${label("branch")} none: nothing was kept`);
  if (report.merge_hint && !report.merged) lines.push(`${label("merge")} ${color("bold", report.merge_hint)}`);
  for (const warning of report.warnings) lines.push(`${label("warning")} ${color("yellow", warning)}`);
  if (report.review) for (const headline of reviewHeadlines(report.review)) lines.push(`${label("review")} ${headline}`);
  // An unfinished run has no report files yet (they are written at its end).
  if (report.final_result !== "UNFINISHED") {
    lines.push(`${label("report")} ${report.files.report_md}`);
    if (report.files.report_html) lines.push(`${label("html")} ${report.files.report_html}`);
    lines.push(`${label("json")} ${report.files.report_json}`);
  }
  return lines.map((line) => line.trimEnd());
}
