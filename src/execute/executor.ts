/**
 * The executor (phase 8, ln-814): hypotheses become a tested, measured result on branch
 * `perfloop/<slug>`, in side work trees only (workspace.ts).
 *
 *   1. The base must still hold: the tests (and the e2e gate) pass in the base tree.
 *   2. Strike: every uncontested hypothesis together; the tests, the e2e gate, then an
 *      interleaved comparison against the base (ab-sampler.ts).
 *   3. Failing tests: the breaking hypotheses are isolated and removed (bisect.ts); no
 *      significant gain: the useless ones are found by group testing and removed.
 *   4. Contested alternatives (conflicts, groups, knobs) are A/B-measured on top of the strike,
 *      one at a time against the strike itself; the best significant winner of each group stays.
 *   5. The result is committed to `perfloop/<slug>` (message: the ids and the measured gain); every
 *      hypothesis tried is kept in the ledger `refs/perfloop/<slug>/<n>-<id>`, kept or not.
 * Every round is appended to the experiment log; the summary envelope holds the per-metric table.
 */
import * as fs from "node:fs";
import { join, relative, resolve } from "node:path";
import { CancelledError, PerfloopError, UsageError } from "../errors.ts";
import { commitTree, ensureExcluded, mergeIntoCurrent, nameUntrackedIn, NO_UNTRACKED, openRepo, recordTried, requireClean, resolveCommitish, writeCommitOn, type GitRepo, type UntrackedFiles } from "../git/index.ts";
import type { Verdict } from "../measure/index.ts";
import type { Platform } from "../platform/index.ts";
import { requireProjectRoot } from "../profile/project-root.ts";
import { loadHypotheses, orderHypotheses, splitContested } from "../research/hypotheses.ts";
import type { Hypothesis } from "../research/hypotheses-schema.ts";
import { runtimePaths, safe, slugDir as slugDirOf } from "../runtime/paths.ts";
import { standaloneRunId, writeSummary } from "../runtime/summary.ts";
import { resolveAllowWrite } from "../confine/allow-write.ts";
import { confinementHint } from "../confine/hint.ts";
import type { Removed } from "./bisect.ts";
import { appendLog } from "./experiment-log.ts";
import type { Comparison } from "./comparisons.ts";
import { failureGist } from "./failure-gist.ts";
import { candidateLimitMs, describeLimit, describeVerdict, Rounds } from "./rounds.ts";
import { strikeAndBisect } from "./strike.ts";
import type { Deferred } from "./stages.ts";
import { Workspace } from "./workspace.ts";
import { checkBase } from "./base-check.ts";
import { commandRunner, type TargetRunner } from "./target-runners.ts";
import { metricRows, timeOf, type ExecuteTime, type MetricRow } from "./execute-figures.ts";
import { allowedWarning, type GuardrailRecord, type RegressionName } from "./guardrails.ts";
import { metricLabel } from "../model/metrics.ts";
import { refuseUnsafeStateDir } from "../git/state-guard.ts";

export interface ExecuteOptions {
  /** The command to make faster (run with /bin/sh -c in each side tree), or the function or endpoint as the person wrote it. */
  target: string;
  /** How a function or an endpoint target is measured in a side tree (target-runners.ts); default: `target` is a command. */
  runner?: TargetRunner;
  projectRoot: string;
  /** The hypotheses file (docs/hypotheses.md); or pass `hypotheses` already loaded. */
  hypothesesFile?: string;
  /** Hypotheses already read and validated (the coordinator's research); wins over hypothesesFile. */
  hypotheses?: readonly Hypothesis[];
  /**
   * The commit to start from. Default: HEAD, after checking that the work tree is clean. Given by
   * the coordinator (its preflight checked the tree; a later cycle starts from the kept commit).
   */
  base?: string;
  /** Number of the first ledger entry (`refs/perfloop/<slug>/<n>-<id>`); later cycles continue the count. Default 1. */
  ledgerStart?: number;
  /** Where commands run inside each side tree, relative to its root (the person's cwd in the repository). Default "". */
  subdir?: string;
  test: string;
  e2e?: string;
  slug?: string;
  allowDirty?: boolean;
  /**
   * The person's untracked files, when `base` is given (the coordinator's preflight collected
   * them): a base check that fails for want of one names it. Without `base` they are read here.
   */
  untracked?: UntrackedFiles;
  setup?: string;
  /** Whole-run budget in minutes; checked between rounds. */
  budgetMinutes?: number;
  /** The person's threshold, a fraction. */
  threshold?: number;
  maxRuns?: number;
  /** Guardrails the person lets regress (`--allow-regression memory`, docs/run.md "Guardrails"). */
  allowRegression?: readonly RegressionName[];
  /** The metric the verdicts judge (default wall time): a run's --target metric when it names CPU time or peak memory. */
  mainMetric?: string;
  /** Target improvement in percent (e.g. 40 for 40% less time), for the gap analysis. */
  targetPct?: number;
  timeoutMs?: number;
  runId?: string;
  /** Merge the result branch into the person's current branch (fast-forward or a clean merge). */
  merge?: boolean;
  /** More directories the side trees' commands may write (`--allow-write`, docs/safety.md), as typed. */
  allowWrite?: readonly string[];
  /**
   * The tests passed and the target ran on exactly this base already (the run's preflight), taking
   * this long: they are not run again here (a tree is tested once). The e2e check still runs.
   */
  baseChecked?: { testsMs: number; targetMs: number };
}

/**
 * What the executor is doing, for the progress. `stage` is where it is (prepare, baseline, strike,
 * bisect, contested, final, merge); the steps of rounds.ts (tests, measuring) and the confinement's
 * notices come under the stage that asked for them. `important`: every event but a measuring
 * round's (those may be shown at intervals; the stage events before them name the set measured).
 */
export type ExecuteEvent = { stage: string; message: string; important: boolean };

/** Stages of the execution; any other event belongs to the stage before it. */
const STAGES: ReadonlySet<string> = new Set(["prepare", "baseline", "strike", "bisect", "contested", "final", "merge"]);

/** The `say` of the executor's parts, as ExecuteEvents: each under its stage, and an event that repeats the one before left out. */
export function stagedSay(onEvent: (event: ExecuteEvent) => void): (from: string, message: string) => void {
  let stage = "prepare";
  let said = "";
  return (from, message) => {
    if (STAGES.has(from)) stage = from;
    // strike.ts names the tests it starts and rounds.ts's gate does too: said once.
    if (`${stage}: ${message}` === said) return;
    said = `${stage}: ${message}`;
    onEvent({ stage, message, important: from !== "measure" });
  };
}

export interface ExecuteReport {
  slug: string;
  run_id: string;
  base: string;
  branch: string | null;
  commit: string | null;
  strike_result: "clean" | "bisected" | "failed";
  hypotheses_applied: string[];
  hypotheses_removed: Removed[];
  contested_results: { group: string; alternatives: string[]; winner: string | null; measurement: string }[];
  verdict: Verdict | null;
  metrics: MetricRow[];
  total_improvement_pct: number | null;
  target_met: boolean | null;
  gap_analysis: string | null;
  files_modified: string[];
  e2e_test: { command: string; baseline_passed: boolean; final_passed: boolean | null } | null;
  ledger: string[];
  /** When --merge was asked and there was something to merge. */
  merged: { kind: string; into: string; before: string; after: string } | null;
  log_path: string;
  summary_path: string;
  warnings: string[];
  /** Where the execution's time went (docs/run.md, "Where the time goes"). */
  time: ExecuteTime;
  /** Every guardrail judged on a faster set (docs/run.md, "Guardrails"). */
  guardrails: GuardrailRecord[];
  /** Every comparison of the experiment log, in order, with its per-round ratios (comparisons.ts). */
  comparisons: Comparison[];
}

export async function runExecute(platform: Platform, options: ExecuteOptions, onEvent: (event: ExecuteEvent) => void = () => {}, signal?: AbortSignal): Promise<ExecuteReport> {
  requireProjectRoot(options.projectRoot);
  if (!options.target.trim()) throw new UsageError("the target command is empty", 'pass the command to make faster in quotes, e.g. perfloop execute "npm run bench" --hypotheses h.json --test "npm test"');
  if (!options.runner && /^fn:|^https?:\/\//i.test(options.target.trim())) {
    throw new UsageError("perfloop execute measures command targets", 'wrap a function or an endpoint in a command that exercises it, e.g. "node bench.js"');
  }
  if (!options.test.trim()) throw new UsageError("--test needs a command", 'e.g. --test "npm test": the tests decide whether a change is safe');
  const repo: GitRepo = await openRepo(fs, options.projectRoot);
  await refuseUnsafeStateDir(repo);
  const source = options.hypothesesFile ?? "the research summary";
  if (!options.hypotheses && !options.hypothesesFile) throw new UsageError("no hypotheses given", "pass --hypotheses <file> (docs/hypotheses.md)");
  const hypotheses = orderHypotheses(options.hypotheses ? [...options.hypotheses] : await loadHypotheses(options.hypothesesFile!, repo.dir));
  if (hypotheses.length === 0) throw new UsageError(`${source} holds no hypotheses`, "add at least one (docs/hypotheses.md)");
  // The hypotheses file and its patches are read from the person's tree: not named as left out.
  const inputs = new Set(hypotheses.flatMap((h) => (h.change.kind === "patch" && h.change.path ? [h.change.path] : [])));
  if (options.hypothesesFile) inputs.add(relative(repo.dir, resolve(platform.cwd, options.hypothesesFile)).split("\\").join("/"));
  const clean: { base: string; warning?: string; notice?: string; untracked: UntrackedFiles } = options.base
    ? { base: await resolveCommitish(repo, options.base), untracked: options.untracked ?? NO_UNTRACKED }
    : await requireClean(repo, { allowDirty: options.allowDirty, inputs });
  const allowWrite = resolveAllowWrite(platform.cwd, repo.dir, options.allowWrite ?? []);

  const slug = safe(options.slug ?? "execute");
  const slugDir = slugDirOf(runtimePaths(repo.dir), slug);
  const deadline = options.budgetMinutes ? platform.now() + options.budgetMinutes * 60_000 : Number.POSITIVE_INFINITY;
  const say = stagedSay(onEvent);
  const checkpoint = () => {
    if (signal?.aborted) throw new CancelledError("execute stopped; the person's tree is untouched and the side trees are replaced by the next run");
    if (platform.now() > deadline) throw new PerfloopError("budget_spent", `the time budget of ${options.budgetMinutes} min is spent`, { hint: "raise --budget or give fewer hypotheses" });
  };
  // Untracked files do not refuse: side trees start from the base and never see them (said once).
  if (clean.notice) say("prepare", clean.notice);
  say("prepare", `applying ${hypotheses.length} hypotheses to the base, each on its own`);
  const workspace = await Workspace.create(platform, repo, clean.base, join(slugDir, "worktree"), { allowWrite, notice: (message) => say("confine", message), signal });
  try {
    const warnings = [clean.warning, clean.notice].filter((text): text is string => text !== undefined);
    return await executeIn({ platform, options, repo, base: clean.base, warnings, untracked: clean.untracked, source, hypotheses, slug, logPath: join(slugDir, "ln-814-log.tsv"), workspace, say, checkpoint, signal });
  } finally {
    await workspace.close();
  }
}

export interface Execution {
  platform: Platform;
  options: ExecuteOptions;
  repo: GitRepo;
  base: string;
  warnings: string[];
  /** The person's untracked files: a base check that fails for want of one names it. */
  untracked: UntrackedFiles;
  /** Where the hypotheses came from, for messages. */
  source: string;
  hypotheses: readonly Hypothesis[];
  slug: string;
  logPath: string;
  workspace: Workspace;
  say(stage: string, message: string): void;
  checkpoint(): void;
  signal: AbortSignal | undefined;
}

async function executeIn(x: Execution): Promise<ExecuteReport> {
  const { platform, options, repo, workspace, slug, say } = x;
  const started = performance.now();
  let baselineMs = 0;
  const subdir = options.subdir ?? "";
  const removed: Removed[] = [];
  const ledger: string[] = [];
  const prepared = await workspace.prepare(x.hypotheses, options.timeoutMs);
  if (prepared.failed.size > 0 && options.hypothesesFile) {
    // A file the person gave: one that does not apply is bad input, refused before anything is written.
    const [id, reason] = [...prepared.failed][0]!;
    const more = prepared.failed.size > 1 ? ` (and ${prepared.failed.size - 1} more: ${[...prepared.failed.keys()].slice(1).join(", ")})` : "";
    throw new UsageError(`hypothesis ${id} does not apply to the base commit: ${reason}${more}`, `fix or remove it in ${x.source}`);
  }
  // From research (validated already): one that no longer applies is removed, and the rest goes on.
  for (const [id, reason] of prepared.failed) removed.push({ id, reason: `does not apply to the base: ${reason}` });
  const usable = x.hypotheses.filter((h) => !prepared.failed.has(h.id));
  await ensureExcluded(repo);
  say("prepare", "materializing the side work trees");
  let base: Awaited<ReturnType<typeof checkBase>>;
  try {
    await workspace.materializeSides(options.setup ? { command: options.setup, subdir } : undefined);
    const checking = performance.now();
    base = await checkBase(x, options.runner ?? null);
    baselineMs = performance.now() - checking;
  } catch (error) {
    if (!(error instanceof CancelledError)) nameUntrackedIn(error, x.untracked, { subdir, root: workspace.dir("base") });
    throw error;
  }
  const overridden = options.timeoutMs !== undefined;
  const limit = (baseMs: number) => {
    const ms = candidateLimitMs(baseMs, options.timeoutMs);
    return { ms, text: describeLimit(ms, baseMs, overridden) };
  };

  // The ledger: every hypothesis that applied, as a commit on the base, kept or not.
  let n = (options.ledgerStart ?? 1) - 1;
  for (const hypothesis of usable) {
    const applied = workspace.changesOf(hypothesis.id)!;
    const { commit } = await writeCommitOn(repo, { base: x.base, changes: applied.changes, message: `perfloop ${slug}: tried ${hypothesis.id}\n\n${hypothesis.description}` });
    ledger.push(await recordTried(repo, { slug, n: ++n, id: hypothesis.id, commit }));
  }

  const { uncontested, contested } = splitContested(usable);
  let strikeIds = uncontested.map((h) => h.id);
  // Uncontested hypotheses that overlap in a file: the later one (the order is fix level first)
  // waits, and is rebased onto what the strike keeps and judged there (strike.ts).
  const deferred: Deferred[] = [];
  for (const conflict of workspace.combine(strikeIds).conflicts) {
    for (const id of conflict.ids.slice(1)) {
      if (!strikeIds.includes(id)) continue;
      strikeIds = strikeIds.filter((other) => other !== id);
      deferred.push({ id, overlaps: conflict.ids[0]!, path: conflict.path });
    }
  }
  const runner = options.runner ?? commandRunner(options.target);
  const main = options.mainMetric ?? runner.metric;
  const filesOf = (ids: readonly string[]) => [...new Set(ids.flatMap((id) => workspace.changesOf(id)?.files ?? []))].sort();
  const rounds = new Rounds(workspace, {
    runner,
    test: options.test,
    e2e: options.e2e,
    subdir,
    threshold: options.threshold,
    allowRegression: options.allowRegression,
    mainMetric: main,
    maxRuns: options.maxRuns,
    testLimit: limit(base.testsMs),
    targetLimit: limit(base.targetMs),
    signal: x.signal,
    checkpoint: x.checkpoint,
    say,
  });
  rounds.basePassed();
  const outcome = await strikeAndBisect({
    measurer: rounds,
    strike: strikeIds,
    contested,
    filesOf,
    overlaps: (ids) => workspace.combine(ids).conflicts.length > 0,
    deferred,
    rebase: (id, onto) => workspace.rebase(id, onto),
    now: () => new Date(platform.now()).toISOString(),
    e2e: options.e2e !== undefined,
    say,
  });
  removed.push(...outcome.removed);
  const kept = outcome.kept;
  const final = outcome.final;
  x.warnings.push(...rounds.leftoverWarnings());
  for (const g of rounds.guardrailRecords()) {
    if (g.allowed && g.hypotheses.every((id) => outcome.kept.includes(id))) x.warnings.push(allowedWarning(g));
  }

  // The branch, the log, the merge.
  let branch: string | null = null;
  let branchRef: string | null = null;
  let commit: string | null = null;
  if (kept.length > 0 && final) {
    const gain = ((1 - final.verdict.ratio) * 100).toFixed(1);
    const message = `perfloop: ${kept.join(", ")}: ${metricLabel(main)} -${gain}% (${describeVerdict(final.verdict)})\n\nKept: ${kept.join(", ")}\nRemoved: ${removed.map((r) => r.id).join(", ") || "none"}\nTarget: ${options.target}\nTests: ${options.test}`;
    const committed = await commitTree(repo, { slug, base: x.base, changes: workspace.changesAgainstBase(kept), message });
    branch = committed.branch;
    branchRef = committed.ref;
    commit = committed.commit;
    for (const r of outcome.rows) if (r.status === "kept") r.commit = commit;
  }
  appendLog(x.logPath, outcome.rows);
  const e2eFinal = options.e2e && kept.length > 0 ? (await rounds.gate(kept)).ok : null;
  // Every command is done: the side trees' processes end, and the repository is checked, before
  // a merge changes it on purpose.
  await workspace.close();
  let merged: ExecuteReport["merged"] = null;
  if (options.merge && branch && branchRef) {
    say("merge", `merging ${branch} into your current branch`);
    // The full ref: "perfloop/<slug>" alone would also name the ledger's refs/perfloop/<slug>/ folder.
    const done = await mergeIntoCurrent(repo, { from: branchRef, message: `Merge branch '${branch}'` });
    merged = { kind: done.kind, into: done.into, before: done.before, after: done.after };
  }

  const metrics = final && kept.length > 0 ? metricRows(final, main, runner.reported) : [];
  const total = metrics.find((m) => m.metric === main)?.improvement_pct ?? null;
  const targetMet = options.targetPct === undefined ? null : total !== null && total >= options.targetPct;
  const gap =
    targetMet === false
      ? `target ${options.targetPct}% less ${metricLabel(main)}, reached ${total === null ? "0" : total.toFixed(1)}%: ${kept.length === 0 ? "no hypothesis gave a significant gain" : `${(options.targetPct! - (total ?? 0)).toFixed(1)} points short with ${kept.join(", ")}`}; removed: ${removed.map((r) => `${r.id} (${r.reason.split(":")[0]})`).join(", ") || "none"}`
      : null;
  const report: Omit<ExecuteReport, "summary_path" | "run_id"> = {
    slug,
    base: x.base,
    branch,
    commit,
    strike_result: outcome.strikeResult,
    hypotheses_applied: kept,
    hypotheses_removed: removed,
    contested_results: outcome.contested,
    verdict: final?.verdict ?? null,
    metrics,
    total_improvement_pct: total,
    target_met: targetMet,
    gap_analysis: gap,
    files_modified: filesOf(kept),
    e2e_test: options.e2e ? { command: options.e2e, baseline_passed: base.e2e === true, final_passed: e2eFinal } : null,
    ledger,
    merged,
    log_path: x.logPath,
    warnings: x.warnings,
    time: timeOf(performance.now() - started, baselineMs, rounds, workspace),
    guardrails: rounds.guardrailRecords(),
    comparisons: outcome.comparisons,
  };
  const nowMs = platform.now();
  const runId = options.runId ?? standaloneRunId("ln-814", nowMs, `${slug}:${repo.dir}`);
  const payload = {
    ...report,
    baseline: Object.fromEntries(metrics.map((m) => [m.metric, m.baseline])),
    final: Object.fromEntries(metrics.map((m) => [m.metric, m.final])),
  } as unknown as Record<string, unknown>;
  const { path } = writeSummary({ projectRoot: repo.dir, runId, slug, kind: "optimization-execution", payload, nowMs, pid: platform.pid });
  return { ...report, run_id: runId, summary_path: path };
}
