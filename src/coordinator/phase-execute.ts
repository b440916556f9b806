/**
 * Phases 7 and 8: validate the plan against this cycle's base, then execute it (or skip it in
 * plan_only mode). Validation applies every hypothesis to the base on its own in memory (a
 * `command` change runs in a scratch side tree) and runs the feasibility checks
 * (validate/feasibility.ts). Execution is the executor (execute/executor.ts) on the cycle's base:
 * strike, bisect, contested A/B, the branch `perfloop/<slug>` moved to the new commit.
 */
import * as v from "valibot";
import { join } from "node:path";
import { CancelledError } from "../errors.ts";
import { runExecute, type ExecuteReport } from "../execute/executor.ts";
import { readUntracked } from "../git/index.ts";
import { Workspace } from "../execute/workspace.ts";
import { splitContested } from "../research/hypotheses.ts";
import type { Run } from "../runtime/store.ts";
import { writeSummary } from "../runtime/summary.ts";
import { checkFeasibility, FeasibilitySchema, type Feasibility, type Finding } from "../validate/feasibility.ts";
import { CANCELLED } from "./decisions.ts";
import { completedCycles, cycleBase, payloadOf, profileDigestOf, readStored, slugDir, type LoopContext } from "./loop-context.ts";
import { contextInput, researchedHypotheses, researchOrigins } from "./phase-research.ts";
import { reviewByAgents } from "./agent-calls.ts";
import { renderContext } from "../report/context-md.ts";
import { mergeReviews } from "../validate/reviews.ts";
import { storedMetric } from "../model/metric-spec-schema.ts";
import { judgedMetricOf } from "../model/metrics.ts";
import { targetRunnerOf, UNSERVED_HINT } from "./target-runner.ts";

export async function validatePhase(ctx: LoopContext, run: Run): Promise<void> {
  const cycle = run.state.current_cycle;
  const hypotheses = researchedHypotheses(run);
  const base = cycleBase(run, ctx.options, cycle);
  ctx.say(`validate: applying ${hypotheses.length} hypotheses to ${base.slice(0, 7)}, each on its own`);
  const workspace = await Workspace.create(ctx.platform, ctx.repo, base, join(slugDir(ctx), "worktree"), { allowWrite: ctx.options.allow_write, notice: (message) => ctx.say(message, true), signal: ctx.signal });
  let prepared;
  try {
    prepared = await workspace.prepare(hypotheses, ctx.options.timeout_s ? ctx.options.timeout_s * 1000 : undefined);
  } finally {
    await workspace.close();
  }
  const applicable = hypotheses.filter((h) => !prepared.failed.has(h.id));
  const { uncontested } = splitContested(applicable);
  const overlaps = workspace.combine(uncontested.map((h) => h.id)).conflicts;
  const research = payloadOf(run, "PHASE_4_RESEARCH");
  const checked = checkFeasibility({
    hypotheses,
    failed: prepared.failed,
    changedFiles: new Map(applicable.map((h) => [h.id, workspace.changesOf(h.id)?.files ?? []])),
    overlaps,
    inBase: (path) => workspace.baseTree.has(path),
    reordered: research?.reordered ?? null,
    confirmedSuspicions: profileDigestOf(run, cycle).suspicions.filter((s) => s.verdict === "confirmed"),
  });
  // The reviewers (--reviewer) read the plan with the changes as they apply; their findings join the checks.
  const diffs = new Map(applicable.map((h) => [h.id, workspace.changesOf(h.id)?.diff ?? ""]));
  const reviews = ctx.options.reviewers.length === 0 ? [] : await reviewByAgents(ctx, run, renderContext(contextInput(ctx, run, hypotheses)), hypotheses, diffs, researchOrigins(run));
  const feasibility = mergeReviews(checked, reviews, hypotheses.map((h) => h.id));
  const summary = writeSummary({
    projectRoot: ctx.repo.dir,
    runId: run.runId,
    slug: ctx.slug,
    kind: "optimization-validation",
    payload: { cycle, base, ...feasibility },
    nowMs: ctx.platform.now(),
    pid: ctx.platform.pid,
  });
  ctx.client.recordWorker("ln-813", {
    verdict: feasibility.verdict,
    concerns: feasibility.findings.map((f) => ({ ...f })),
    corrections_applied: feasibility.findings.filter((f) => f.check === "V7").length,
    hypotheses_removed: feasibility.invalid.map((i) => i.id),
  });
  // A NO_GO checkpoint pauses the run with a pending decision (runtime/transitions.ts).
  ctx.client.checkpoint("PHASE_7_VALIDATE_PLAN", {
    validation_verdict: feasibility.verdict,
    feasibility,
    reviews: reviews.map((r) => ({ reviewer: r.reviewer, error: r.error, verdict: r.verdict, findings: r.findings.length, transcript: r.transcript })),
    summary_path: summary.path,
    ...(feasibility.verdict === "NO_GO" ? { paused_reason: `Validation verdict NO_GO: ${highFindings(feasibility).join("; ")}` } : {}),
  });
}

export function highFindings(feasibility: Pick<Feasibility, "findings">): string[] {
  return feasibility.findings.filter((f: Finding) => f.severity === "high").map((f) => f.message);
}

export function feasibilityOf(run: Run): Feasibility {
  return readStored(FeasibilitySchema, payloadOf(run, "PHASE_7_VALIDATE_PLAN")?.feasibility, run, `cycle ${run.state.current_cycle} validation checkpoint feasibility`);
}

export type NoGoAnswer = "waive" | "cancel" | "pause";

/** On a terminal, the NO_GO question: waive, cancel, or pause for later. */
export async function askNoGo(ctx: LoopContext, run: Run): Promise<NoGoAnswer> {
  const feasibility = feasibilityOf(run);
  await ctx.asker.note(`The plan of cycle ${run.state.current_cycle} is NO_GO`, feasibility.findings.map((f) => `${f.severity}: ${f.message}`));
  const answer = await ctx.asker.select(
    "Waive and execute what applies, cancel the plan, or pause to fix it?",
    [
      { value: "waive", label: "Waive", hint: `execute ${feasibility.executable.join(", ") || "nothing"}` },
      { value: "cancel", label: "Cancel", hint: "end the run with a report; nothing is changed" },
      { value: "pause", label: "Pause", hint: `fix the hypotheses, then perfloop resume --slug ${ctx.slug}` },
    ],
    "pause",
  );
  if (answer === CANCELLED) throw new CancelledError(`stopped at the NO_GO question: continue with perfloop resume --slug ${ctx.slug}`);
  return answer as NoGoAnswer;
}

/** The ledger entries earlier cycles used, so this cycle's refs continue the count. */
function ledgerStart(run: Run): number {
  return 1 + completedCycles(run).filter((c) => c.cycle < run.state.current_cycle).reduce((sum, c) => sum + c.planned.length, 0);
}

/** What preflight measured of the base's tests and target (it ran both on the run's base commit), when it did. */
function preflightChecked(checks: Record<string, unknown> | undefined): { testsMs: number; targetMs: number } | undefined {
  const parsed = v.safeParse(v.object({ tests_ms: v.pipe(v.number(), v.minValue(0)), probe_ms: v.pipe(v.number(), v.minValue(0)) }), checks);
  return parsed.success && parsed.output.tests_ms > 0 ? { testsMs: parsed.output.tests_ms, targetMs: parsed.output.probe_ms } : undefined;
}

/**
 * What the run's verdicts judge (model/metrics.ts judgedMetricOf): a command target's --target
 * metric when it names CPU time or peak memory, else wall time; a function's time per call; an
 * endpoint's latency or throughput as its target names (docs/run.md, "Guardrails"). Later cycles
 * keep cycle 1's target.
 */
export function verdictMetric(ctx: LoopContext, run: Run): string {
  return judgedMetricOf(ctx.options.target_spec.kind, (storedMetric(payloadOf(run, "PHASE_5_SET_TARGET", 1)?.target_metric) ?? ctx.userTarget)?.metric);
}

export async function executePhase(ctx: LoopContext, run: Run): Promise<void> {
  if (ctx.options.mode === "plan_only") {
    ctx.client.checkpoint("PHASE_8_EXECUTE", { status: "skipped_by_mode", phase_status: "skipped_by_mode" });
    return;
  }
  const cycle = run.state.current_cycle;
  const executable = new Set(feasibilityOf(run).executable);
  const hypotheses = researchedHypotheses(run).filter((h) => executable.has(h.id));
  const base = cycleBase(run, ctx.options, cycle);
  const choice = targetRunnerOf(ctx.options, ctx.repo.dir);
  if (choice.kind === "unservable") {
    ctx.say(`execute: ${choice.reason} (${UNSERVED_HINT})`, true);
    const removed = hypotheses.map((h) => ({ id: h.id, reason: `not executed: ${choice.reason}` }));
    ctx.client.checkpoint("PHASE_8_EXECUTE", { execution_result: { status: "not_executable", reason: choice.reason, base, kept: [], removed, commit: null, verdict: null, metrics: [] } });
    return;
  }
  if (hypotheses.length === 0) {
    ctx.client.checkpoint("PHASE_8_EXECUTE", { execution_result: { status: "nothing_to_execute", base, kept: [], removed: [], commit: null, verdict: null, metrics: [] } });
    return;
  }
  const checks = payloadOf(run, "PHASE_0_PREFLIGHT")?.checks;
  const remainingMinutes = Number.isFinite(ctx.deadline) ? Math.max(0.01, (ctx.deadline - ctx.platform.now()) / 60_000) : undefined;
  const report: ExecuteReport = await runExecute(
    ctx.platform,
    {
      target: ctx.options.target,
      ...(choice.kind === "runner" ? { runner: choice.runner } : {}),
      projectRoot: ctx.repo.dir,
      hypotheses,
      base,
      test: ctx.options.test.command,
      e2e: ctx.options.e2e ?? undefined,
      slug: ctx.slug,
      setup: ctx.options.setup ?? undefined,
      threshold: ctx.options.threshold_pct === null ? undefined : ctx.options.threshold_pct / 100,
      maxRuns: ctx.options.max_runs ?? undefined,
      budgetMinutes: remainingMinutes,
      runId: run.runId,
      ledgerStart: ledgerStart(run),
      subdir: ctx.options.subdir,
      allowWrite: ctx.options.allow_write,
      allowRegression: ctx.options.allow_regression,
      mainMetric: verdictMetric(ctx, run),
      timeoutMs: ctx.options.timeout_s ? ctx.options.timeout_s * 1000 : undefined,
      untracked: readUntracked(checks?.untracked),
      baseChecked: base === ctx.options.base ? preflightChecked(checks) : undefined,
    },
    (event) => ctx.say(`execute ${event.stage}: ${event.message}`, event.important),
    ctx.signal,
  );
  const result = {
    status: "completed",
    base,
    commit: report.commit,
    branch: report.branch,
    strike_result: report.strike_result,
    kept: report.hypotheses_applied,
    removed: report.hypotheses_removed,
    contested: report.contested_results,
    verdict: report.verdict ? { ratio: report.verdict.ratio, ratio_ci: report.verdict.ratio_ci, p_value: report.verdict.p_value, n_a: report.verdict.n_a, n_b: report.verdict.n_b, outcome: report.verdict.outcome } : null,
    metrics: report.metrics,
    total_improvement_pct: report.total_improvement_pct,
    files_modified: report.files_modified,
    e2e_test: report.e2e_test,
    ledger: report.ledger,
    warnings: report.warnings,
    time: report.time,
    guardrails: report.guardrails,
    comparisons: report.comparisons,
  };
  ctx.client.recordWorker("ln-814", {
    branch: report.branch ?? "",
    baseline: Object.fromEntries(report.metrics.map((m) => [m.metric, m.baseline])),
    final: Object.fromEntries(report.metrics.map((m) => [m.metric, m.final])),
    total_improvement_pct: report.total_improvement_pct ?? 0,
    strike_result: report.strike_result,
    hypotheses_applied: report.hypotheses_applied,
    hypotheses_removed: report.hypotheses_removed.map((r) => ({ ...r })),
    files_modified: report.files_modified,
    summary_path: report.summary_path,
  });
  ctx.client.checkpoint("PHASE_8_EXECUTE", { execution_result: result, summary_path: report.summary_path, log_path: report.log_path });
}
