/**
 * Phase 11: the merge question (or --merge), then report.json, report.md and report.html under
 * `.hex-skills/optimization/<slug>/` (and kept by run id in `runs/<run_id>/`, report-files.ts),
 * the REPORT checkpoint and `complete`. The report is built from the run on disk alone
 * (buildReport), so `perfloop report` can render any run, finished or not.
 */
import { agentsDir, listCalls } from "../agents/transcript.ts";
import { existsSync } from "node:fs";
import { join, relative } from "node:path";
import { runtimePaths, slugDir } from "../runtime/paths.ts";
import * as v from "valibot";
import { CancelledError, PerfloopError } from "../errors.ts";
import { currentBranch, mergeIntoCurrent, type GitRepo } from "../git/index.ts";
import { describeMetric, type MetricSpec } from "../model/metric-spec.ts";
import { formatMetricValue, isHigherBetter, judgedMetricOf, metricLabel, targetFigureOf, type TargetKind } from "../model/metrics.ts";
import { storedMetric } from "../model/metric-spec-schema.ts";
import { renderReportMarkdown } from "../report/run-markdown.ts";
import { RunReportSchema, type ReportCycle, type ReportProfile, type RunReport } from "../report/run-report.ts";
import { renderReportHtml } from "../report/html/page.ts";
import { runTime } from "../report/run-time.ts";
import type { GuardrailRecord } from "../execute/guardrails.ts";
import { PHASES, phaseLabel } from "../runtime/phases.ts";
import type { Run } from "../runtime/store.ts";
import { CANCELLED } from "./decisions.ts";
import { completedCycles, hasProfile, payloadOf, profileDigestOf, type LoopContext } from "./loop-context.ts";
import { chainedChanges, change } from "./outcome.ts";
import { aggregateOf, firstBaseline, type Aggregate } from "./phase-close.ts";
import { readRunOptions, type RunOptions } from "./run-options.ts";
import { reportPaths, writeReportFiles } from "./report-files.ts";
import { buildReview } from "../report/review.ts";
import { readTextIfExists } from "../runtime/atomic-fs.ts";
import { reviewInput } from "./review-input.ts";

function gapAnalysis(agg: Aggregate, cycles: readonly ReportCycle[], spec: MetricSpec | null, kind: TargetKind): string | null {
  if (agg.target.met !== false || !spec) return null;
  // The run's change is on the metric its verdicts judged; the target's figure is in the target's own unit (a function's time: its time per call).
  const judged = judgedMetricOf(kind, spec.metric);
  const less = (agg.improvement_pct ?? 0) >= 0 !== isHigherBetter(judged);
  const reached = agg.improvement_pct === null ? "an unknown change" : `${Math.abs(agg.improvement_pct).toFixed(1)}% ${less ? "less" : "more"} ${metricLabel(judged)} (${agg.multiplier?.toFixed(2) ?? "?"}x)`;
  const removed = cycles.flatMap((c) => c.removed.map((r) => `${r.id} (${r.reason.split(":")[0]})`));
  const figure = targetFigureOf(spec.metric, kind);
  const shown = (value: number | null) => formatMetricValue(figure.key, value === null ? null : value / figure.scale);
  const wanted = agg.target.wanted === null ? "" : `; ${metricLabel(figure.key)} should be ${shown(agg.target.wanted)} and is ${shown(agg.target.after)}`;
  const next = agg.branch ? `profile the result (check out ${agg.branch}, perfloop profile) and add hypotheses for its top bottleneck` : "add hypotheses that address the profile's top bottleneck";
  return `target ${spec.text} not met: reached ${reached}${wanted}; stopped: ${agg.stop_reason}; removed: ${removed.join(", ") || "none"}. Next: ${next}`;
}

/** The guardrails of a cycle's execution that the report shows: every regression, and the kept set's own. */
function cycleGuardrails(run: Run, cycle: number, kept: readonly string[]): GuardrailRecord[] {
  const same = (ids: readonly string[]) => ids.length === kept.length && ids.every((id) => kept.includes(id));
  return (payloadOf(run, "PHASE_8_EXECUTE", cycle)?.execution_result?.guardrails ?? []).filter((g) => g.verdict === "regressed" || (same(g.hypotheses) && g.against.length === 0));
}

/** Each profiled cycle's top functions (the digest's, coordinator/digest.ts). */
function reportProfiles(run: Run): ReportProfile[] {
  const out: ReportProfile[] = [];
  for (let cycle = 1; cycle <= run.state.current_cycle; cycle++) {
    if (!hasProfile(run, cycle)) continue;
    const digest = profileDigestOf(run, cycle);
    const cpu = digest.cpu_profile;
    const note = cpu.ok ? `CPU profile by ${cpu.runtime ?? "the JS runtime"}` : cpu.attempted ? `no CPU profile: ${cpu.reason ?? "it failed"}` : null;
    const metrics = Object.fromEntries(Object.entries(digest.metrics).map(([key, m]) => [key, { median: m.median, ci: [m.ci[0], m.ci[1]] as [number, number] }]));
    out.push({ cycle, commit: digest.commit, classification: digest.classification, cpu_profile: note, metrics, hot_functions: digest.hot_functions.map((h) => ({ ...h })) });
  }
  return out;
}

/** The report of a run from what is on disk (partial for an unfinished run). */
export function buildReport(run: Run, projectRoot: string, merged: RunReport["merged"]): RunReport {
  const preflight = payloadOf(run, "PHASE_0_PREFLIGHT") ?? {};
  const options: RunOptions = readRunOptions(preflight, `.hex-skills/optimization/runtime/runs/${run.runId}/history.jsonl`);
  const records = completedCycles(run);
  const agg = aggregateOf(run);
  const targetPayload = payloadOf(run, "PHASE_5_SET_TARGET", records.at(-1)?.cycle ?? 1) ?? payloadOf(run, "PHASE_5_SET_TARGET", 1);
  const spec = storedMetric(targetPayload?.target_metric) ?? storedMetric(payloadOf(run, "PHASE_1_PARSE_INPUT")?.target_metric);
  const observed = storedMetric(payloadOf(run, "PHASE_1_PARSE_INPUT")?.observed_metric);
  const descriptions = new Map<string, string>();
  const origins = new Map<string, string>();
  for (let c = 1; c <= run.state.current_cycle; c++) {
    const research = payloadOf(run, "PHASE_4_RESEARCH", c);
    for (const h of research?.hypotheses ?? []) descriptions.set(h.id, h.description ?? "");
    for (const [id, origin] of Object.entries(research?.origins ?? {})) origins.set(id, origin);
  }
  const profiled = hasProfile(run, 1);
  const first = profiled ? firstBaseline(run, records, options.target_spec.kind) : {};
  const cycles: ReportCycle[] = records.map((r) => ({
    cycle: r.cycle,
    base_commit: r.base_commit,
    commit: r.commit,
    gate: payloadOf(run, "PHASE_3_WRONG_TOOL_GATE", r.cycle)?.gate_verdict || null,
    validation: payloadOf(run, "PHASE_7_VALIDATE_PLAN", r.cycle)?.validation_verdict || null,
    planned: r.planned,
    kept: r.kept.map((id) => ({ id, description: descriptions.get(id) ?? "", origin: origins.get(id) ?? null })),
    removed: r.removed.map((x) => ({ ...x, origin: origins.get(x.id) ?? null })),
    ratio: r.ratio,
    ratio_ci: r.ratio_ci,
    p_value: r.p_value,
    runs: r.runs,
    improvement_pct: r.improvement_pct,
    baseline: r.baseline,
    final: r.final,
    metrics: Object.keys(r.baseline).map((m) => change(m, r.baseline[m] ?? null, r.final[m] ?? null)),
    stop_reason: r.stop_reason ?? null,
    guardrails: cycleGuardrails(run, r.cycle, r.kept),
    comparisons: payloadOf(run, "PHASE_8_EXECUTE", r.cycle)?.execution_result?.comparisons ?? [],
  }));
  const changes = agg?.changes ?? (profiled ? chainedChanges(first, records.map((r) => ({ ratio: r.ratio, baseline: r.baseline, final: r.final, kept: r.commit !== null }))) : []);
  const blockCycle = records.find((r) => r.stop_reason === "WRONG_TOOL_BLOCK")?.cycle;
  const gateFindings = blockCycle ? (payloadOf(run, "PHASE_3_WRONG_TOOL_GATE", blockCycle)?.gate?.findings ?? []).map((f) => `${f.rule}: ${f.message}`) : [];
  const paths = reportPaths(projectRoot, run.state.identifier);
  const dir = slugDir(runtimePaths(projectRoot), run.state.identifier);
  const context = join(dir, "context.md");
  const log = join(dir, "ln-814-log.tsv");
  const branch = agg?.branch ?? (records.some((r) => r.commit) ? `perfloop/${run.state.identifier}` : null);
  const warnings = [...new Set([...(Array.isArray(preflight.warnings) ? preflight.warnings.map(String) : []), ...(profiled ? profileDigestOf(run, 1).warnings : []), ...cycleWarnings(run)])];
  const report: RunReport = {
    version: 1,
    slug: run.state.identifier,
    run_id: run.runId,
    target: options.target,
    target_kind: options.target_spec.kind,
    mode: options.mode,
    project_root: projectRoot,
    stop_reason: agg?.stop_reason ?? run.state.stop_reason ?? "UNFINISHED",
    final_result: agg?.final_result ?? run.state.final_result ?? "UNFINISHED",
    target_metric: spec ? { ...spec } : null,
    target_description: spec ? describeMetric(spec, options.target_spec.kind) : null,
    target_source: typeof targetPayload?.target_source === "string" ? targetPayload.target_source : null,
    observed_metric: observed ? { ...observed } : null,
    target_met: agg?.target.met ?? null,
    target_value: agg?.target.wanted ?? null,
    baseline: Object.fromEntries(changes.map((c) => [c.metric, c.before])),
    final: Object.fromEntries(changes.map((c) => [c.metric, c.after])),
    metrics: changes,
    improvement_pct: agg?.improvement_pct ?? null,
    multiplier: agg?.multiplier ?? null,
    measurement: agg?.measurement ?? "the run is not finished",
    confirmation: agg?.confirmation ?? null,
    base: options.base,
    branch,
    commit: agg?.final_commit ?? records.filter((r) => r.commit).at(-1)?.commit ?? null,
    merged,
    merge_hint: branch && !merged ? `git merge ${branch}` : null,
    cycles,
    diagnosis: gateFindings,
    gap_analysis: agg ? gapAnalysis(agg, cycles, spec, options.target_spec.kind) : null,
    decisions: run.state.decisions.map((d) => ({ ...d })),
    warnings,
    agent_calls: listCalls(dir, run.runId).calls.map((c) => ({
      transcript: relative(projectRoot, join(agentsDir(dir), c.dir)),
      cycle: c.cycle,
      kind: c.kind,
      agent: c.agent,
      idea: c.idea,
      ok: c.ok,
      error: c.error,
      exit_code: c.exit_code,
      wall_ms: c.wall_ms,
      files_changed: c.files_changed,
      hypotheses: c.hypotheses,
      cost_usd: c.cost_usd,
    })),
    files: {
      report_md: relative(projectRoot, paths.md),
      report_json: relative(projectRoot, paths.json),
      report_html: relative(projectRoot, paths.html),
      context_md: existsSync(context) ? relative(projectRoot, context) : null,
      experiment_log: existsSync(log) ? relative(projectRoot, log) : null,
    },
    profiles: profiled ? reportProfiles(run) : [],
    started_at: run.state.created_at,
    finished_at: run.state.updated_at,
    time: runTime({
      startedAt: run.state.created_at,
      finishedAt: run.state.updated_at,
      history: run.checkpoints._history,
      executions: records.map((r) => payloadOf(run, "PHASE_8_EXECUTE", r.cycle)?.execution_result?.time),
    }),
  };
  report.review = buildReview(reviewInput(run, options, report, readTextIfExists(log)));
  return v.parse(RunReportSchema, report);
}

type MergeResult = { merged: RunReport["merged"]; problem: string | null };

/**
 * Merge when asked (--merge), or when the person says so at the prompt; never by default. A merge
 * that cannot be done (a conflict, a dirty tree, a detached HEAD) changes nothing and is a
 * problem the report names, not a failure of the run.
 */
async function maybeMerge(ctx: LoopContext, repo: GitRepo, branch: string | null): Promise<MergeResult> {
  const none = { merged: null, problem: null };
  if (!branch) return none;
  let merge = ctx.options.merge;
  if (!merge && ctx.asker.interactive) {
    const into = (await currentBranch(repo)) ?? "HEAD";
    const answer = await ctx.asker.confirm(`Merge ${branch} into ${into}? (your work tree, index and branch change only if you say yes)`, false);
    if (answer === CANCELLED) throw new CancelledError(`stopped at the merge question: continue with perfloop resume --slug ${ctx.slug}`);
    merge = answer;
  }
  if (!merge) return none;
  ctx.say(`merging ${branch} into your current branch`);
  try {
    const outcome = await mergeIntoCurrent(repo, { from: `refs/heads/${branch}`, message: `Merge branch '${branch}'` });
    return { merged: { kind: outcome.kind, into: outcome.into, before: outcome.before, after: outcome.after }, problem: null };
  } catch (error) {
    if (!(error instanceof PerfloopError)) throw error;
    return { merged: null, problem: `the merge was not done: ${error.message}${error.hint ? ` (${error.hint})` : ""}` };
  }
}

export async function reportPhase(ctx: LoopContext, run: Run): Promise<RunReport> {
  const agg = aggregateOf(run);
  const { merged, problem } = await maybeMerge(ctx, ctx.repo, agg?.branch ?? null);
  const report = buildReport(ctx.client.load(), ctx.repo.dir, merged);
  if (problem) report.warnings.unshift(problem);
  writeReportFiles(ctx.repo.dir, report, renderReportMarkdown(report), ctx.platform.pid, renderReportHtml(report));
  ctx.client.checkpoint("PHASE_11_REPORT", { report_ready: true, final_result: report.final_result, report_json: report.files.report_json, report_md: report.files.report_md, report_html: report.files.report_html, merged });
  return report;
}

/** Reads a report.json back (perfloop report); null when absent. */
export function readReportFile(path: string, text: string): RunReport {
  const parsed = v.safeParse(RunReportSchema, JSON.parse(text));
  if (!parsed.success) throw new Error(`${path}: ${parsed.issues[0]!.message}`);
  return parsed.output;
}

export { RunReportSchema };

/**
 * What each cycle's execution warned about (a candidate that left processes running, say) and the
 * phase a run ended at after failing the same way again and again (phase-failures.ts).
 */
function cycleWarnings(run: Run): string[] {
  const out: string[] = [];
  for (let cycle = 1; cycle <= run.state.current_cycle; cycle++) {
    for (const warning of payloadOf(run, "PHASE_8_EXECUTE", cycle)?.execution_result?.warnings ?? []) out.push(`cycle ${cycle}: ${warning}`);
    for (const phase of PHASES) {
      const payload = payloadOf(run, phase, cycle);
      if (payload?.phase_failed === true) out.push(`cycle ${cycle}: ${phaseLabel(phase)} failed ${String(payload.failures ?? "")} times with: ${String(payload.error ?? "")}; the run was ended there`);
    }
  }
  return out;
}
