/**
 * context.md (phase 6): the human-readable plan of a cycle, and what an agent reads (research,
 * review). Sections: the problem, the performance map, the targets, local findings, the hypotheses
 * with their conflicts and dependencies, previous cycles. Pure: data in, Markdown out.
 */
import type { CycleRecord } from "../model/cycle-record.ts";
import { describeMetric, type MetricSpec } from "../model/metric-spec.ts";
import { formatMetricValue, metricLabel } from "../model/metrics.ts";
import type { ProfileDigest } from "../model/profile-digest.ts";
import type { Hypothesis } from "../research/hypotheses-schema.ts";
import { formatMs } from "../ui/table.ts";

export interface ContextInput {
  slug: string;
  cycle: number;
  maxCycles: number;
  target: string;
  observed: MetricSpec | null;
  targetMetric: MetricSpec | null;
  targetSource: string | null;
  testCommand: string;
  e2e: string | null;
  stack: readonly string[];
  base: string;
  digest: ProfileDigest;
  /** The wrong-tool gate's verdict and findings (coordinator/gate.ts). */
  gate: { verdict: string; findings: readonly { rule: string; level: string; message: string }[] } | null;
  /** null before research (the context an agent researches from). */
  hypotheses: readonly Hypothesis[] | null;
  /** Where each hypothesis came from (the built-in rules, the file, the agent), by id. */
  origins?: Readonly<Record<string, string>>;
  /** Hypotheses a source gave that this cycle does not try (tried earlier, a high-risk rewrite...), with why. */
  setAside?: readonly { id: string; reason: string }[];
  /** Patterns the built-in rules found and left alone, with the precondition that failed. */
  ruleSilences?: readonly { rule: string; path: string; line: number; function: string; reason: string }[];
  previous: readonly CycleRecord[];
}

/** Patterns left alone listed in context.md, at most. */
const MAX_LISTED_SILENCES = 20;

/** An observed value is what the person sees, not a bound: "wall time 6.30 s". */
function describeObserved(spec: MetricSpec): string {
  if (spec.kind !== "absolute") return describeMetric(spec);
  return `${metricLabel(spec.metric)} ${formatMetricValue(spec.metric, spec.value)} (${spec.text})`;
}

const cell = (text: string) => text.replaceAll("|", "\\|").replaceAll("\n", " ");

export function renderContext(input: ContextInput): string {
  const d = input.digest;
  const out: string[] = [];
  out.push(`# Optimization context: ${input.slug}, cycle ${input.cycle} of ${input.maxCycles}`, "");
  out.push("## Problem", "");
  out.push(`- Target: \`${input.target}\``);
  out.push(`- Observed: ${input.observed ? describeObserved(input.observed) : "not given"}`);
  out.push(`- Base commit: \`${input.base.slice(0, 12)}\``);
  out.push(`- Test command: \`${input.testCommand}\`${input.e2e ? `; end-to-end: \`${input.e2e}\`` : ""}`);
  if (input.stack.length > 0) out.push(`- Stack: ${input.stack.join(", ")}`);
  out.push("");
  out.push("## Performance map", "");
  out.push("| metric | baseline | 95% CI of the median | n |", "|---|---:|---:|---:|");
  for (const [key, value] of Object.entries(d.baseline)) {
    if (value === null) continue;
    const m = d.metrics[key];
    out.push(`| ${metricLabel(key)} | ${formatMetricValue(key, value)} | ${m ? `${formatMetricValue(key, m.ci[0])} .. ${formatMetricValue(key, m.ci[1])}` : "-"} | ${m ? m.n : "-"} |`);
  }
  out.push("", `Bottleneck: **${d.classification}** (${d.classification_rule}): ${d.bottleneck_detail}`, "");
  if (d.top_bottlenecks.length > 0) {
    out.push("Top bottlenecks:", "");
    d.top_bottlenecks.forEach((b, i) => out.push(`${i + 1}. ${b.description}`));
    out.push("");
  }
  if (d.steps.length > 0) {
    out.push("| step | function | location | time | share |", "|---|---|---|---:|---:|");
    for (const s of d.steps) out.push(`| ${s.id} | ${cell(s.function)} | ${cell(s.location ?? "")} | ${formatMs(s.wall_time_ms)} | ${s.time_share_pct === undefined ? "" : `${s.time_share_pct.toFixed(1)}%`} |`);
    out.push("");
  }
  if (d.hot_functions.length > 0) {
    out.push("Hot functions (CPU profile, self time):", "");
    for (const h of d.hot_functions) out.push(`- \`${h.function}\` at ${h.location}: ${h.self_pct.toFixed(1)}% self, ${h.total_pct.toFixed(1)}% total`);
    out.push("");
  } else if (d.cpu_profile.reason) {
    out.push(`No CPU profile: ${d.cpu_profile.reason}`, "");
  }
  if (d.wrong_tool_evidence.length > 0) {
    out.push("Wrong-tool indicators:", "");
    for (const e of d.wrong_tool_evidence) out.push(`- ${e.indicator}: ${e.reason}`);
    out.push("");
  }
  if (input.gate) {
    out.push(`Gate: **${input.gate.verdict}**`);
    for (const f of input.gate.findings) out.push(`- ${f.rule} (${f.level}): ${f.message}`);
    out.push("");
  }
  out.push("## Targets", "");
  out.push(input.targetMetric ? `- ${describeMetric(input.targetMetric)} (${input.targetSource ?? "given"})` : "- to be set (default: 50% better than the baseline)");
  out.push("");
  const confirmed = d.suspicions.filter((s) => s.verdict === "confirmed");
  out.push("## Local findings", "");
  if (confirmed.length === 0) out.push("- no confirmed suspicion in the hot functions' source");
  for (const s of confirmed) out.push(`- ${s.location} (${s.function}), ${s.category}: ${s.description} (${s.evidence})`);
  out.push("");
  if (input.hypotheses !== null) {
    out.push("## Hypotheses", "");
    if (input.hypotheses.length === 0) out.push("- none");
    else {
      out.push("| id | from | level | change | files | expected | depends on | conflicts with | evidence |", "|---|---|---|---|---|---|---|---|---|");
      for (const h of input.hypotheses) {
        const files = h.files_to_modify.join(", ") || (h.change.kind === "env" ? `env ${Object.keys(h.change.set).join(", ")}` : "-");
        const impact = h.expected_impact === null ? "-" : String(h.expected_impact);
        out.push(
          `| ${h.id} | ${cell(input.origins?.[h.id] ?? "-")} | ${h.fix_level} | ${cell(`${h.change.kind}: ${h.description}`)} | ${cell(files)} | ${cell(impact)} | ${h.dependencies.join(", ") || "-"} | ${[...h.conflicts_with, ...(h.group ? [`group ${h.group}`] : [])].join(", ") || "-"} | ${cell(h.evidence.join("; ") || "none")} |`,
        );
      }
    }
    out.push("");
    const aside = input.setAside ?? [];
    if (aside.length > 0) {
      out.push("### Not tried in this cycle", "");
      for (const a of aside) out.push(`- ${a.id}: ${a.reason}`);
      out.push("");
    }
    const silences = input.ruleSilences ?? [];
    if (silences.length > 0) {
      out.push("### Left alone by the built-in rules", "");
      for (const q of silences.slice(0, MAX_LISTED_SILENCES)) out.push(`- ${q.path}:${q.line} (${q.function}), ${q.rule}: ${q.reason}`);
      if (silences.length > MAX_LISTED_SILENCES) out.push(`- and ${silences.length - MAX_LISTED_SILENCES} more (in the research summary)`);
      out.push("");
    }
  }
  out.push("## Previous cycles", "");
  if (input.previous.length === 0) out.push("- none: this is the first cycle");
  for (const c of input.previous) {
    const gain = c.ratio === null ? "nothing measured" : `${c.improvement_pct.toFixed(1)}% (ratio ${c.ratio.toFixed(3)})`;
    out.push(`- cycle ${c.cycle}: kept ${c.kept.join(", ") || "nothing"}; ${gain}${c.commit ? `; commit ${c.commit.slice(0, 12)}` : ""}`);
    for (const r of c.removed) out.push(`  - removed ${r.id}: ${r.reason}`);
  }
  out.push("");
  return out.join("\n");
}
