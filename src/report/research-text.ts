/**
 * What `perfloop research` prints (pure: a report in, lines out), and the hypotheses file it
 * writes with `--out` (docs/hypotheses.md, version 1: the same file `perfloop run --hypotheses`
 * reads, every field written out so the person sees what they may edit).
 */
import { baselineTimeMs } from "../model/metrics.ts";
import type { Hypothesis } from "../research/hypotheses-schema.ts";
import type { ResearchReport } from "../research/standalone.ts";

/** Patterns left alone printed, at most (all of them are in --json). */
const MAX_PRINTED_SILENCES = 12;

export function hypothesesFileText(hypotheses: readonly Hypothesis[]): string {
  return `${JSON.stringify({ version: 1, hypotheses }, null, 2)}\n`;
}

function impactText(impact: Hypothesis["expected_impact"]): string {
  if (impact === null) return "unknown";
  return typeof impact === "number" ? `${impact}% of the run` : impact;
}

export function renderResearch(report: ResearchReport, options: { diff: boolean; out: string | null }): string[] {
  const out: string[] = [];
  const wall = baselineTimeMs(report.profile.result.performance_map.baseline);
  out.push(`${report.target}: ${report.profile.result.bottleneck_classification}${wall === null ? "" : `, median ${wall.toFixed(1)} ms`}`);
  const r = report.rules;
  const knobs = report.hypotheses.filter((h) => h.change.kind === "env").length;
  const patches = report.hypotheses.length - knobs;
  out.push(`knobs: ${knobs} hypothes${knobs === 1 ? "is" : "es"}`);
  out.push(`built-in rules: ${r.functions} hot function${r.functions === 1 ? "" : "s"} in ${r.files} file${r.files === 1 ? "" : "s"}, ${patches} hypothes${patches === 1 ? "is" : "es"} (${r.elapsed_ms.toFixed(1)} ms)`);
  for (const note of report.notes) out.push(`note: ${note}`);
  for (const u of r.unread) out.push(`not read: ${u.path}: ${u.reason}`);
  for (const h of report.hypotheses) {
    out.push("");
    out.push(`${h.id}  ${h.fix_level} · expected ${impactText(h.expected_impact)} · risk ${h.risk} · complexity ${h.complexity}${h.conflicts_with.length ? ` · alternative to ${h.conflicts_with.join(", ")}` : ""}`);
    out.push(`  ${h.description}`);
    for (const e of h.evidence) out.push(`  - ${e}`);
    if (options.diff && h.change.kind === "patch" && h.change.diff) for (const line of h.change.diff.trimEnd().split("\n")) out.push(`    ${line}`);
  }
  if (r.silences.length > 0) {
    out.push("", "left alone (a precondition does not hold):");
    for (const s of r.silences.slice(0, MAX_PRINTED_SILENCES)) out.push(`  ${s.path}:${s.line} ${s.function}, ${s.rule}: ${s.reason}`);
    if (r.silences.length > MAX_PRINTED_SILENCES) out.push(`  and ${r.silences.length - MAX_PRINTED_SILENCES} more (--json lists them all)`);
  }
  if (report.modified.length > 0) out.push("", `warning: ${report.modified.join(", ")} differ${report.modified.length === 1 ? "s" : ""} from HEAD: the patches are for your version; commit it before perfloop run`);
  out.push("");
  if (report.hypotheses.length === 0) out.push("next: nothing to try from the rules or the knobs; write hypotheses yourself (docs/hypotheses.md) or ask an agent (--agent)");
  else if (options.out) out.push(`wrote ${options.out}: edit it, then perfloop run "${report.target}" --hypotheses ${options.out} --no-rules`);
  else out.push(`next: perfloop run "${report.target}" (the rules are on by default), or --out FILE to edit them first`);
  out.push(`profile summary: ${report.profile.summary_path}`);
  return out;
}
