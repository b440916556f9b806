/**
 * report.html: the run report as one self-contained page (docs/report-html.md), beside report.md
 * and in report.md's order: the headline, the summary, every metric before and after with a chart
 * of the main metric per cycle and for the whole run (each with its 95% interval), the profile's
 * top functions, one section per cycle (cycle-html.ts: the comparisons' per-round ratios, the
 * strike and bisection tree), the diagnosis, the gap to the target, the run review (review-html.ts),
 * decisions, agent calls, where the time went, warnings and files. The style sheet and the charts
 * are inline; no script, nothing loaded from anywhere (a Content-Security-Policy says so to the
 * browser too). Every chart has its numbers in a table beside it. Pure: the report in, HTML out.
 */
import { formatMetricValue, isHigherBetter, metricLabel } from "../../model/metrics.ts";
import type { ReportProfile, RunReport } from "../run-report.ts";
import { executeRows, phaseRows, timeLine } from "../run-time.ts";
import { cycleLine, describeMerge, describeRatio, describeResult, describeStop, mainMetric, METRIC_HEADERS, metricCells, signedPct } from "../run-text.ts";
import { formatRatioPct } from "../../ui/table.ts";
import { VERSION } from "../../version.ts";
import { beforeAfterChart, shareBars, type BeforeAfterRow } from "./charts.ts";
import { cycleSection } from "./cycle-html.ts";
import { html, type Html, raw } from "./escape.ts";
import { bullets, code, facts, figure, section, short, table } from "./parts.ts";
import { reviewSection } from "./review-html.ts";
import { STYLE } from "./style.ts";

/** No script, no request: styles inline, images (none yet) only as data: URLs. */
const CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

function targetFacts(report: RunReport): (readonly [string, Html | string])[] {
  if (!report.target_description && !report.target_metric) return [["Target metric", "none given"]];
  const source = report.target_source ? ` (source: ${report.target_source})` : "";
  const key = typeof report.target_metric?.metric === "string" ? report.target_metric.metric : null;
  const wanted = report.target_value === null ? "" : `; it asks for ${key ? formatMetricValue(key, report.target_value) : String(report.target_value)}`;
  const met = report.target_met === null ? "not known" : report.target_met ? "yes" : "no";
  const out: (readonly [string, Html | string])[] = [
    ["Target metric", `${report.target_description ?? report.target_metric?.text ?? ""}${source}`],
    ["Target met", `${met}${wanted}`],
  ];
  if (report.observed_metric) out.push(["Observed", report.observed_metric.text]);
  return out;
}

function branchFact(report: RunReport): Html {
  if (!report.branch) return html`none, nothing was kept`;
  const at = report.commit ? html` at ${short(report.commit)}` : null;
  if (report.merged) return html`${code(report.branch)}${at}, merged ${describeMerge(report.merged)}`;
  const hint = report.merge_hint ? html`; merge it with ${code(report.merge_hint)}` : null;
  return html`${code(report.branch)}${at}; your branch, index and files are untouched${hint}`;
}

function summary(report: RunReport): Html {
  const c = report.confirmation;
  return section(
    "summary",
    "Summary",
    facts([
      ["Target", html`${code(report.target)} (${report.target_kind}, ${report.mode === "plan_only" ? "plan only" : "execute"})`],
      ...targetFacts(report),
      ["Result", report.final_result],
      ["Stopped", `${describeStop(report.stop_reason)} (${report.stop_reason})`],
      ["Branch", branchFact(report)],
      ["Base", code(report.base)],
      ["Measured", report.measurement],
      c ? ["Confirmation", `the first base against the final commit: ${formatRatioPct(c.ratio)}, ${describeRatio(c)}`] : null,
      ["Run", html`${code(report.run_id)}, ${report.started_at} to ${report.finished_at}`],
    ]),
  );
}

/** A value after a change of `ratio` (a paired ratio of values where lower is better) from `before`. */
const scaled = (metric: string, before: number, ratio: number) => (isHigherBetter(metric) ? before / ratio : before * ratio);

/** An interval of the after value from the ratio's interval, ascending. */
function afterInterval(metric: string, before: number | null, ci: readonly [number, number] | null): [number, number] | null {
  if (before === null || !ci) return null;
  const ends = [scaled(metric, before, ci[0]), scaled(metric, before, ci[1])].sort((a, b) => a - b);
  return [ends[0]!, ends[1]!];
}

/** The interval of the whole run's figure: the confirmation, or the one cycle that kept something (as run-text.ts says it). */
function runInterval(report: RunReport): readonly [number, number] | null {
  if (report.confirmation) return report.confirmation.ratio_ci;
  const kept = report.cycles.filter((c) => c.commit !== null && c.ratio !== null);
  return kept.length === 1 ? kept[0]!.ratio_ci : null;
}

function mainChart(report: RunReport): Html | null {
  const key = mainMetric(report);
  const profiled = new Map(report.profiles.map((p) => [p.cycle, p.metrics[key]]));
  const rows: BeforeAfterRow[] = report.cycles.map((c) => {
    const kept = c.commit !== null && c.ratio !== null;
    // A cycle that kept nothing has no comparison of its base with a result: its profile measured the base.
    const own = c.baseline[key] ?? null;
    const profile = own === null ? profiled.get(c.cycle) : undefined;
    const before = own ?? profile?.median ?? null;
    return {
      label: `Cycle ${c.cycle}`,
      before,
      beforeInterval: profile ? profile.ci : null,
      after: kept ? (c.final[key] ?? null) : null,
      interval: kept ? afterInterval(key, before, c.ratio_ci) : null,
      note: c.ratio === null && c.comparisons.length === 0 ? "not measured" : "nothing kept",
      tone: kept ? "good" : "neutral",
    };
  });
  const whole = report.metrics.find((m) => m.metric === key);
  if (whole && report.cycles.length > 1) rows.push({ label: "Whole run: the first base against the final commit", before: whole.before, after: whole.after, interval: afterInterval(key, whole.before, runInterval(report)), tone: report.branch ? "good" : "neutral" });
  if (!rows.some((r) => r.before !== null)) return null;
  const format = (value: number) => formatMetricValue(key, value);
  const range = (interval: readonly [number, number] | null | undefined) => (interval ? `${format(interval[0])} to ${format(interval[1])}` : "-");
  const chart = beforeAfterChart(rows, { id: "chart-before-after", title: `${metricLabel(key)} before and after, per cycle`, format, caption: metricLabel(key) });
  const numbers = table(
    ["", "before", "after", "after's 95% CI", "change"],
    rows.map((r) => [
      r.label.split(":")[0]!,
      r.before === null ? "-" : html`${format(r.before)}${r.beforeInterval ? html`<br><span class="muted">${range(r.beforeInterval)}</span>` : null}`,
      r.after === null ? (r.note ?? "-") : format(r.after),
      range(r.interval),
      r.before !== null && r.after !== null && r.before !== 0 ? signedPct(((r.after - r.before) / r.before) * 100) : "-",
    ]),
    [1, 2, 3, 4],
  );
  return figure(
    chart,
    numbers,
    `The ${metricLabel(key)} of each cycle's base (before) and of its result (after). The after value's 95% interval comes from the paired ratio of their interleaved runs (docs/measurement.md); a cycle that kept nothing shows its base as its profile measured it, with that interval.`,
  );
}

function beforeAfter(report: RunReport): Html {
  if (report.metrics.length === 0) return section("before-after", "Before and after", html`<p>No metric was measured yet.</p>`);
  return section(
    "before-after",
    "Before and after",
    html`<p>Change is in the metric's own terms: a negative change of a time is less time. The last column is the multiplier (before / after for a time).</p>${table(METRIC_HEADERS, report.metrics.map(metricCells), [1, 2, 3, 4])}${mainChart(report)}`,
  );
}

function profileFigure(profile: ReportProfile): Html {
  const caption = `Cycle ${profile.cycle}'s base (commit ${profile.commit.slice(0, 12)}), classified ${profile.classification}${profile.cpu_profile ? `; ${profile.cpu_profile}` : ""}.`;
  if (profile.hot_functions.length === 0) return html`<h3>Cycle ${profile.cycle}</h3><p>${caption} No function was profiled.</p>`;
  const chart = shareBars(
    profile.hot_functions.map((h) => ({ label: h.function, sublabel: h.location, value: h.self_pct, outline: h.total_pct })),
    { id: `chart-profile-${profile.cycle}`, title: `Cycle ${profile.cycle}: the profile's top functions by self time`, caption: "share of the profiled time", legend: ["self", "total (with callees)"] },
  );
  const numbers = table(["function", "location", "self", "total"], profile.hot_functions.map((h) => [code(h.function), h.location || "-", `${h.self_pct.toFixed(1)}%`, `${h.total_pct.toFixed(1)}%`]), [2, 3]);
  return html`<h3>Cycle ${profile.cycle}</h3>${figure(chart, numbers, caption)}`;
}

function profiles(report: RunReport): Html | null {
  if (report.profiles.length === 0) return null;
  return section("profile", "Profile", html`<p>Where the time of each cycle's base went, by function: self time is in the function itself, total time includes what it calls.</p>${report.profiles.map(profileFigure)}`);
}

function cycles(report: RunReport): Html {
  if (report.cycles.length === 0) return section("cycles", "Cycles", html`<p>No cycle was completed.</p>`);
  return section("cycles", "Cycles", html`${bullets(report.cycles.map(cycleLine))}${report.cycles.map(cycleSection)}`);
}

function listSection(id: string, title: string, items: readonly string[]): Html | null {
  return items.length === 0 ? null : section(id, title, bullets(items));
}

function agentCalls(report: RunReport): Html | null {
  if (report.agent_calls.length === 0) return null;
  const rows = report.agent_calls.map((c) => [
    String(c.cycle),
    c.idea ? `${c.kind} ${c.idea}` : c.kind,
    c.agent,
    c.ok ? `ok${c.hypotheses.length ? `: ${c.hypotheses.join(", ")}` : ""}` : (c.error ?? "failed"),
    `${(c.wall_ms / 1000).toFixed(1)} s`,
    c.files_changed.join(", ") || "-",
    code(c.transcript),
  ]);
  return section("agent-calls", "Agent calls", html`<p>What each coding agent and reviewer was told and did: prompt, answer, diff and exit code in each transcript (docs/agents.md).</p>${table(["cycle", "call", "agent", "outcome", "time", "changed", "transcript"], rows, [0, 4])}`);
}

function timeSection(report: RunReport): Html | null {
  const time = report.time;
  if (!time) return null;
  const phases = phaseRows(time);
  return section(
    "time",
    "Where the time went",
    html`<p>The run took ${timeLine(time)}.</p>${phases.length > 0 ? table(["phase", "time", "share"], phases, [1, 2]) : null}${time.execute ? html`<h3>Within execution (every cycle)</h3>${table(["part", "time", "share", "count"], executeRows(time.execute), [1, 2, 3])}` : null}`,
  );
}

function filesSection(report: RunReport): Html {
  const f = report.files;
  return section(
    "files",
    "Files",
    facts([
      ["Report", code(f.report_md)],
      f.report_html ? ["This page", code(f.report_html)] : null,
      ["Data", code(f.report_json)],
      f.context_md ? ["Context", code(f.context_md)] : null,
      f.experiment_log ? ["Experiment log", code(f.experiment_log)] : null,
    ]),
  );
}

export function renderReportHtml(report: RunReport): string {
  const head = describeResult(report);
  // Parsed again there: a report given to the page unparsed (or with a review of another version) shows a note, not raw data.
  const review = reviewSection(report.review);
  const decisions = report.decisions.length > 0 ? section("decisions", "Decisions", table(["kind", "choice", "when"], report.decisions.map((d) => [d.kind, d.selected_choice, d.answered_at]))) : null;
  const body = html`<main>
<header><h1>perfloop run: ${code(report.slug)}</h1><p class="headline tone-${head.tone}"><strong>${head.label}:</strong> ${head.detail}.</p></header>
${summary(report)}
${beforeAfter(report)}
${profiles(report)}
${cycles(report)}
${listSection("diagnosis", "Diagnosis", report.diagnosis)}
${report.gap_analysis ? section("gap", "Gap analysis", html`<p>${report.gap_analysis}</p>`) : null}
${review}
${decisions}
${agentCalls(report)}
${timeSection(report)}
${listSection("warnings", "Warnings", report.warnings)}
${filesSection(report)}
<footer>Written by perfloop ${VERSION}: one file, no script, nothing loaded from the network. The same report as data: ${code(report.files.report_json)}.</footer>
</main>`;
  const page = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="color-scheme" content="light dark">
<meta name="generator" content="perfloop ${VERSION}">
<title>perfloop run: ${report.slug} (${head.label})</title>
<style>${raw(STYLE)}</style>
</head>
<body>
${body}
</body>
</html>
`;
  return page.text;
}
