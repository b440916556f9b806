/**
 * The profile for people: a table of the measured metrics (median, 95% interval of the median,
 * min..max, MAD), outliers and why, steps, hot functions, the bottleneck and what to suspect.
 * Pure: the report in, lines out.
 */
import type { MetricSummary, Step } from "../profile/types.ts";
import type { ProfileReport } from "../profile/profile.ts";
import { stepLabel } from "../profile/step-label.ts";
import { metricLabel } from "../model/metrics.ts";
import { formatBytes, formatMs, formatNs, formatValue, renderTable, sig3 } from "../ui/table.ts";

/** Outliers listed per metric before "and N more". */
const OUTLIERS_SHOWN = 5;
const HOT_FUNCTIONS_SHOWN = 8;

function metricRow(metric: MetricSummary): string[] {
  const f = (value: number) => formatValue(value, metric.unit === "bytes" ? "bytes" : metric.unit);
  return [
    metricLabel(metric.name),
    f(metric.median),
    `${f(metric.ci[0])} .. ${f(metric.ci[1])}`,
    `${f(metric.min)} .. ${f(metric.max)}`,
    f(metric.mad),
    String(metric.n),
  ];
}

function metricsTable(metrics: MetricSummary[]): string[] {
  const headers = ["metric", "median", "95% CI of median", "min .. max", "MAD", "n"];
  return renderTable(headers, metrics.map(metricRow)).split("\n");
}

function outlierLines(metrics: MetricSummary[]): string[] {
  const lines: string[] = [];
  for (const metric of metrics) {
    if (metric.outliers.length === 0) continue;
    const label = metricLabel(metric.name);
    const listed = metric.outliers
      .slice(0, OUTLIERS_SHOWN)
      .map((outlier) => `#${outlier.index + 1} ${formatValue(outlier.value, metric.unit)}`)
      .join(", ");
    const more = metric.outliers.length > OUTLIERS_SHOWN ? ` and ${metric.outliers.length - OUTLIERS_SHOWN} more` : "";
    const worst = metric.outliers.reduce((a, b) => (Math.abs(b.score) > Math.abs(a.score) ? b : a));
    lines.push(`  ${label}: ${metric.outliers.length} of ${metric.n} samples: ${listed}${more}; the furthest: ${worst.reason}`);
  }
  return lines;
}

function stepLines(steps: readonly Step[], depth = 0): string[] {
  const lines: string[] = [];
  for (const step of steps) {
    const share = step.time_share_pct === undefined ? "" : `  ${step.time_share_pct.toFixed(1)}%`;
    const calls = step.calls && step.calls > 1 ? `  x${step.calls}` : "";
    lines.push(`  ${"  ".repeat(depth)}${stepLabel(step.function)}  ${formatMs(step.wall_time_ms)}${share}${calls}${step.location ? `  ${step.location}` : ""}`);
    if (step.children?.length) lines.push(...stepLines(step.children, depth + 1));
  }
  return lines;
}

export function renderProfile(report: ProfileReport): string[] {
  const lines: string[] = [];
  const m = report.measurement;
  const tests = report.tests;
  lines.push(`target     ${describe(report)}`);
  if (report.served) lines.push(`server     ${report.served.command}: started by perfloop, measured at ${report.served.url}, stopped`);
  if (tests.check) lines.push(`tests      ${tests.command} (${tests.source}): passed in ${formatMs(tests.check.wall_ms)}`);
  else lines.push(`tests      ${tests.source === "none found" ? "none found (pass --test \"<cmd>\")" : tests.source}`);

  let metrics: MetricSummary[] = [];
  if (m.kind === "function") {
    metrics = [m.time_per_call_ns];
    lines.push(`method     mitata, ${m.samples} samples of ${m.calls_per_sample} call(s)${m.async ? ", awaited" : ""}; first call ${formatMs(m.probe_ms)}`);
    lines.push(`           avg ${formatNs(m.stats_ns.avg)}  p50 ${formatNs(m.stats_ns.p50)}  p75 ${formatNs(m.stats_ns.p75)}  p99 ${formatNs(m.stats_ns.p99)}${m.heap_bytes_per_call === null ? "" : `  heap ${formatBytes(m.heap_bytes_per_call)}/call`}`);
  } else if (m.kind === "endpoint") {
    if (m.latency_ms) metrics = [m.latency_ms];
    const p = m.latency_percentiles_ms;
    lines.push(`requests   ${m.sent} sent (${m.warmup_requests} warm-up), ${m.succeeded} succeeded, ${m.errors.total} errors (http ${m.errors.http}, network ${m.errors.network}, timeout ${m.errors.timeout}), ${m.concurrency} at a time`);
    lines.push(`           throughput ${sig3(m.throughput_rps)} req/s${p ? `  p50 ${formatMs(p.p50)}  p95 ${formatMs(p.p95)}  p99 ${formatMs(p.p99)}` : ""}`);
  } else {
    // Disk rows that are zero on every run say nothing (reads from the page cache count as 0).
    metrics = Object.values(m.metrics).filter((metric) => metric.unit !== "bytes" || metric.max > 0);
    lines.push(`runs       ${m.warmup_runs} warm-up + ${m.runs} measured (${m.plan.mode}: ${m.plan.reason})`);
  }
  if (metrics.length > 0) {
    lines.push("");
    lines.push(...metricsTable(metrics));
  }
  const outliers = outlierLines(metrics);
  if (outliers.length > 0) {
    lines.push("", "outliers (flagged, not dropped)", ...outliers);
  }
  const steps = report.result.performance_map.steps;
  if (steps.length > 0) lines.push("", "steps", ...stepLines(steps));
  const cpu = report.cpu_profile;
  if (cpu?.ok) {
    lines.push("", `hot functions (CPU profile of one extra run, ${cpu.runtime === "python" ? "python cProfile" : cpu.runtime}, self time)`);
    const rows = cpu.profile.top_by_self
      .filter((fn) => !fn.flagged)
      .slice(0, HOT_FUNCTIONS_SHOWN)
      .map((fn) => [stepLabel(`${fn.function || "(anonymous)"}${fn.module_loading ? " (module loading)" : ""}`), `${fn.self_pct.toFixed(1)}%`, `${fn.total_pct.toFixed(1)}%`, fn.path ? `${fn.path}:${fn.line}` : fn.location]);
    lines.push(...renderTable(["function", "self", "total", "where"], rows, ["left", "right", "right", "left"]).split("\n").map((line) => `  ${line}`));
  } else if (cpu && !cpu.ok) {
    lines.push("", `cpu profile: not taken (${cpu.reason})`);
  }
  const r = report.result;
  lines.push("", `bottleneck ${r.bottleneck_classification}: ${r.bottleneck_detail}`);
  for (const top of r.top_bottlenecks) lines.push(`  ${top.step} (${top.type}, ${top.share.toFixed(1)}%): ${top.description}`);
  const confirmed = r.suspicion_stack.filter((s) => s.verdict === "confirmed");
  if (confirmed.length > 0) {
    lines.push("", "suspicions (confirmed in hot code)");
    for (const s of confirmed) lines.push(`  ${s.location} ${s.description}: ${s.advice}`);
  }
  lines.push("", `wrong-tool ${r.wrong_tool_indicators.length === 0 ? "none: optimizing this is worth a try" : r.wrong_tool_indicators.join(", ")}`);
  for (const warning of report.warnings) lines.push(`warning    ${warning}`);
  lines.push(`summary    ${report.summary_path}`);
  return lines;
}

function describe(report: ProfileReport): string {
  const t = report.target;
  if (t.kind === "command") return t.command;
  if (t.kind === "function") return `fn ${t.export_name} in ${t.file}`;
  return `${t.method} ${t.url}`;
}
