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
import { join } from "node:path";
import { CancelledError, PerfloopError, UsageError } from "../errors.ts";
import { commitTree, ensureExcluded, mergeIntoCurrent, openRepo, recordTried, requireClean, resolveCommitish, writeCommitOn, type GitRepo } from "../git/index.ts";
import { SIGNIFICANCE_LEVEL, type Verdict } from "../measure/index.ts";
import type { Platform } from "../platform/index.ts";
import { compareCommands, type AbCompared } from "../profile/ab-sampler.ts";
import { requireProjectRoot } from "../profile/project-root.ts";
import { loadHypotheses, orderHypotheses, splitContested } from "../research/hypotheses.ts";
import type { Hypothesis } from "../research/hypotheses-schema.ts";
import { runtimePaths, safe, slugDir as slugDirOf } from "../runtime/paths.ts";
import { standaloneRunId, writeSummary } from "../runtime/summary.ts";
import { findUseful, isolateBreaking, type GroupVerdict, type Removed } from "./bisect.ts";
import { appendLog, type E2eStatus, type LogRow } from "./experiment-log.ts";
import { Workspace } from "./workspace.ts";
import { refuseUnsafeStateDir } from "../git/state-guard.ts";

export interface ExecuteOptions {
  /** The command to make faster (run with /bin/sh -c in each side tree). */
  target: string;
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
  setup?: string;
  /** Whole-run budget in minutes; checked between rounds. */
  budgetMinutes?: number;
  /** The person's threshold, a fraction. */
  threshold?: number;
  maxRuns?: number;
  /** Target improvement in percent (e.g. 40 for 40% less time), for the gap analysis. */
  targetPct?: number;
  timeoutMs?: number;
  runId?: string;
  /** Merge the result branch into the person's current branch (fast-forward or a clean merge). */
  merge?: boolean;
}

export type ExecuteEvent = { stage: string; message: string };

export interface MetricRow {
  metric: string;
  baseline: number | null;
  final: number | null;
  /** Positive means better (less time or memory). */
  improvement_pct: number | null;
  /** baseline / final: 2 means twice as fast. */
  multiplier: number | null;
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
}

/** The metrics of the per-metric table first, in this order; any other measured metric follows. */
const METRIC_NAMES = ["wall_time_ms", "cpu_time_ms", "memory_peak_mb", "io_read_bytes", "io_write_bytes"] as const;

function metricRows(result: AbCompared): MetricRow[] {
  const measured = [...Object.keys(result.metrics_a), ...Object.keys(result.metrics_b)];
  const names = [...new Set([...METRIC_NAMES.filter((m) => m === "wall_time_ms" || measured.includes(m)), ...measured])];
  return names.map((metric) => {
    const baseline = result.metrics_a[metric]?.median ?? null;
    const final = result.metrics_b[metric]?.median ?? null;
    const known = baseline !== null && final !== null && baseline > 0 && final > 0;
    return {
      metric,
      baseline,
      final,
      improvement_pct: known ? ((baseline - final) / baseline) * 100 : null,
      multiplier: known ? baseline / final : null,
    };
  });
}

/** The telling lines of a failing command's output: error lines first, else the last lines. */
export function failureGist(tail: string): string {
  const lines = tail.replace(/\u001b\[[0-9;?]*[ -\/]*[@-~]/g, "").split("\n").map((line) => line.trim()).filter((line) => line && !/^Node\.js v\d/.test(line) && !/^at /.test(line));
  const headline =
    lines.find((line) => /^[A-Za-z.]*(Error|Exception)\b/.test(line)) ?? lines.find((line) => /[A-Za-z]*(Error|Exception)\b|\bFAIL|\bpanic|\bnot ok\b/.test(line));
  const telling = headline ?? lines.find((line) => /error|assert|fail|expected/i.test(line));
  return telling ?? (lines.slice(-2).join(" | ") || "no output");
}

/** A wall-time verdict as bisect.ts's group verdict (durations: lower is better). */
function groupVerdict(v: Verdict): GroupVerdict {
  return { outcome: v.outcome, summary: describeVerdict(v), looksSlower: v.ratio > 1 + v.min_effect };
}

function describeVerdict(v: Verdict): string {
  return `median ratio ${v.ratio.toFixed(3)} (95% CI ${v.ratio_ci[0].toFixed(3)}-${v.ratio_ci[1].toFixed(3)}), p ${v.p_value < 0.0001 ? "< 0.0001" : `= ${v.p_value.toPrecision(2)}`}, n ${v.n_a}+${v.n_b}`;
}

export async function runExecute(platform: Platform, options: ExecuteOptions, onEvent: (event: ExecuteEvent) => void = () => {}, signal?: AbortSignal): Promise<ExecuteReport> {
  requireProjectRoot(options.projectRoot);
  if (!options.target.trim()) throw new UsageError("the target command is empty", 'pass the command to make faster in quotes, e.g. perfloop execute "npm run bench" --hypotheses h.json --test "npm test"');
  if (/^fn:|^https?:\/\//i.test(options.target.trim())) {
    throw new UsageError("perfloop execute measures command targets", 'wrap a function or an endpoint in a command that exercises it, e.g. "node bench.js"');
  }
  if (!options.test.trim()) throw new UsageError("--test needs a command", 'e.g. --test "npm test": the tests decide whether a change is safe');
  const repo: GitRepo = await openRepo(fs, options.projectRoot);
  await refuseUnsafeStateDir(repo);
  const clean: { base: string; warning?: string } = options.base
    ? { base: await resolveCommitish(repo, options.base) }
    : await requireClean(repo, { allowDirty: options.allowDirty });
  const source = options.hypothesesFile ?? "the research summary";
  if (!options.hypotheses && !options.hypothesesFile) throw new UsageError("no hypotheses given", "pass --hypotheses <file> (docs/hypotheses.md)");
  const hypotheses = orderHypotheses(options.hypotheses ? [...options.hypotheses] : await loadHypotheses(options.hypothesesFile!, repo.dir));
  if (hypotheses.length === 0) throw new UsageError(`${source} holds no hypotheses`, "add at least one (docs/hypotheses.md)");

  const slug = safe(options.slug ?? "execute");
  const slugDir = slugDirOf(runtimePaths(repo.dir), slug);
  const logPath = join(slugDir, "ln-814-log.tsv");
  const deadline = options.budgetMinutes ? platform.now() + options.budgetMinutes * 60_000 : Number.POSITIVE_INFINITY;
  const warnings: string[] = clean.warning ? [clean.warning] : [];
  const removed: Removed[] = [];
  const ledger: string[] = [];
  const say = (stage: string, message: string) => onEvent({ stage, message });
  const subdir = options.subdir ?? "";
  const cwdOf = (side: "base" | "candidate" | "alternative") => join(workspace.dir(side), subdir);
  const checkpoint = () => {
    if (signal?.aborted) throw new CancelledError("execute stopped; the person's tree is untouched and the side trees are replaced by the next run");
    if (platform.now() > deadline) throw new PerfloopError("budget_spent", `the time budget of ${options.budgetMinutes} min is spent`, { hint: "raise --budget or give fewer hypotheses" });
  };

  // Every hypothesis must apply to the base on its own before anything is written: one that does
  // not (a patch that does not apply, an edit that does not match once, a branch that does not
  // exist) is bad input.
  say("prepare", `applying ${hypotheses.length} hypotheses to the base, each on its own`);
  const workspace = await Workspace.create(platform, repo, clean.base, join(slugDir, "worktree"));
  const prepared = await workspace.prepare(hypotheses);
  if (prepared.failed.size > 0) {
    const [id, reason] = [...prepared.failed][0]!;
    const more = prepared.failed.size > 1 ? ` (and ${prepared.failed.size - 1} more: ${[...prepared.failed.keys()].slice(1).join(", ")})` : "";
    throw new UsageError(`hypothesis ${id} does not apply to the base commit: ${reason}${more}`, `fix or remove it in ${source}`);
  }
  await ensureExcluded(repo);
  say("prepare", "materializing the side work trees");
  await workspace.materializeSides();
  if (options.setup) {
    for (const side of ["base", "candidate", "alternative"] as const) {
      const setup = await workspace.run(options.setup, cwdOf(side), {});
      if (setup.exitCode !== 0) throw new UsageError(`the setup command failed in the side work tree (exit ${setup.exitCode}): ${setup.tail}`, "fix --setup; it runs once in each side tree");
    }
  }

  say("baseline", `checking the base: ${options.test}`);
  const baseTests = await workspace.run(options.test, cwdOf("base"), {}, options.timeoutMs);
  if (baseTests.exitCode !== 0) {
    throw new UsageError(`the tests fail on the base commit (exit ${baseTests.exitCode}): ${baseTests.tail}`, "fix the tests first, or pass the right --test");
  }
  let baseE2e: boolean | null = null;
  if (options.e2e) {
    baseE2e = (await workspace.run(options.e2e, cwdOf("base"), {}, options.timeoutMs)).exitCode === 0;
    if (!baseE2e) throw new UsageError(`the e2e command fails on the base commit: ${options.e2e}`, "fix it first, or leave out --e2e");
  }

  const usable = hypotheses;

  // The ledger: every hypothesis that applied, as a commit on the base, kept or not.
  let n = (options.ledgerStart ?? 1) - 1;
  for (const hypothesis of usable) {
    const applied = workspace.changesOf(hypothesis.id)!;
    const { commit } = await writeCommitOn(repo, { base: clean.base, changes: applied.changes, message: `perfloop ${slug}: tried ${hypothesis.id}\n\n${hypothesis.description}` });
    ledger.push(await recordTried(repo, { slug, n: ++n, id: hypothesis.id, commit }));
  }

  const { uncontested, contested } = splitContested(usable);
  let strike = uncontested.map((h) => h.id);
  // Uncontested hypotheses that still overlap in a file: the later one goes (the order is fix level first).
  for (const conflict of workspace.combine(strike).conflicts) {
    const later = conflict.ids.slice(1);
    for (const id of later) {
      if (!strike.includes(id)) continue;
      strike = strike.filter((x) => x !== id);
      removed.push({ id, reason: `overlaps ${conflict.ids[0]} in ${conflict.path} (${conflict.reason})` });
    }
  }

  const rows: LogRow[] = [];
  const now = () => new Date(platform.now()).toISOString();
  const filesOf = (ids: readonly string[]) => [...new Set(ids.flatMap((id) => workspace.changesOf(id)?.files ?? []))].sort();
  const testsPass = async (ids: readonly string[]): Promise<{ ok: boolean; tail: string; e2e: E2eStatus }> => {
    checkpoint();
    await workspace.switchTo("candidate", ids);
    const env = workspace.envOf(ids);
    const tests = await workspace.run(options.test, cwdOf("candidate"), env, options.timeoutMs);
    if (tests.exitCode !== 0) return { ok: false, tail: tests.tail, e2e: "skipped" };
    if (!options.e2e) return { ok: true, tail: "", e2e: "skipped" };
    const e2e = await workspace.run(options.e2e, cwdOf("candidate"), env, options.timeoutMs);
    return { ok: e2e.exitCode === 0, tail: e2e.tail, e2e: e2e.exitCode === 0 ? "pass" : "fail" };
  };
  // Bisecting judges up to about 2n subsets: each single hypothesis is kept only at a
  // Bonferroni-adjusted level (alpha / n), so that a no-op is not kept by chance in one of them.
  const familyAlpha = (size: number) => SIGNIFICANCE_LEVEL / Math.max(1, size);
  let alpha = SIGNIFICANCE_LEVEL;
  const compare = async (aIds: readonly string[], bIds: readonly string[], aSide: "base" | "candidate", bSide: "candidate" | "alternative"): Promise<AbCompared> => {
    checkpoint();
    if (aSide === "candidate") await workspace.switchTo("candidate", aIds);
    await workspace.switchTo(bSide, bIds);
    const result = await compareCommands(
      platform,
      { command: options.target, cwd: cwdOf(aSide), env: workspace.childEnv(workspace.envOf(aIds)) },
      { command: options.target, cwd: cwdOf(bSide), env: workspace.childEnv(workspace.envOf(bIds)) },
      { userThreshold: options.threshold ?? null, alpha, maxRuns: options.maxRuns, timeoutMs: options.timeoutMs, signal, onProgress: (p) => say("measure", `${p.phase === "warmup" ? "warm-up" : "round"} ${p.round} of ${p.of}: ${p.arm.toUpperCase()} ${p.last_ms.toFixed(1)} ms`) },
    );
    if (result.status === "aborted") throw new CancelledError("execute stopped while measuring");
    if (result.status === "failed") throw new PerfloopError("command_failed", `the target failed while measuring: ${result.message}`, { hint: "the target must succeed in the base and with the hypotheses applied" });
    return result;
  };
  const row = (phase: LogRow["phase"], ids: readonly string[], status: LogRow["status"], result: AbCompared | null, e2e: E2eStatus): LogRow => {
    const a = result?.metrics_a.wall_time_ms?.median ?? null;
    const b = result?.metrics_b.wall_time_ms?.median ?? null;
    return { timestamp: now(), phase, hypotheses: ids, baseline_ms: a, result_ms: b, improvement_pct: a && b ? ((a - b) / a) * 100 : null, status, commit: null, files: filesOf(ids), e2e_status: e2e };
  };

  // Strike: all uncontested together; isolate what breaks the tests.
  let strikeResult: ExecuteReport["strike_result"] = "clean";
  if (strike.length > 0) {
    say("strike", `tests with ${strike.join(", ")}`);
    let gate = await testsPass(strike);
    if (!gate.ok) {
      strikeResult = "bisected";
      const tails = new Map<string, string>();
      const culprits = await isolateBreaking(strike, async (ids) => {
        const outcome = await testsPass(ids);
        if (!outcome.ok) for (const id of ids) tails.set(id, outcome.tail);
        return outcome.ok;
      });
      for (const id of culprits) {
        removed.push({ id, reason: `breaks the tests: ${failureGist(tails.get(id) ?? gate.tail)}` });
        rows.push(row("bisect", [id], "removed", null, "fail"));
      }
      strike = strike.filter((id) => !culprits.includes(id));
      gate = strike.length > 0 ? await testsPass(strike) : { ok: true, tail: "", e2e: "skipped" };
      if (!gate.ok) {
        for (const id of strike) removed.push({ id, reason: `the tests still fail with the rest: ${failureGist(gate.tail)}` });
        strike = [];
      }
    }
  }
  let final: AbCompared | null = null;
  if (strike.length > 0) {
    say("strike", `measuring ${strike.join(", ")} against the base`);
    const measured = await compare([], strike, "base", "candidate");
    const faster = measured.verdict.outcome === "faster";
    rows.push(row("strike", strike, faster ? "applied" : "removed", measured, options.e2e ? "pass" : "skipped"));
    if (faster && strike.length === 1) {
      final = measured;
    } else {
      // Keep only what is significant on its own: a useless or harmful member must not ride along
      // on another's gain, and a gain may hide behind a loss.
      say("bisect", faster ? "faster as a whole; checking that every member earns its place" : `no significant gain (${measured.verdict.outcome}); finding the useful hypotheses`);
      const verdictOf = async (ids: readonly string[]): Promise<GroupVerdict> => {
        const gate = await testsPass(ids);
        if (!gate.ok) return { outcome: "slower", summary: "the tests fail with this group alone" };
        const group = await compare([], ids, "base", "candidate");
        rows.push(row("bisect", ids, group.verdict.outcome === "faster" ? "applied" : "removed", group, gate.e2e));
        return groupVerdict(group.verdict);
      };
      alpha = familyAlpha(strike.length);
      const useful = await findUseful(strike, verdictOf, groupVerdict(measured.verdict));
      alpha = SIGNIFICANCE_LEVEL;
      if (useful.removed.length > 0) strikeResult = "bisected";
      removed.push(...useful.removed);
      const keptAll = useful.kept.length === strike.length;
      strike = useful.kept;
      if (keptAll && faster) {
        final = measured;
      } else if (strike.length > 0) {
        const confirm = await compare([], strike, "base", "candidate");
        rows.push(row("strike", strike, confirm.verdict.outcome === "faster" ? "applied" : "removed", confirm, "skipped"));
        if (confirm.verdict.outcome === "faster") final = confirm;
        else {
          for (const id of strike) removed.push({ id, reason: `the kept set did not confirm its gain together: ${describeVerdict(confirm.verdict)}` });
          strike = [];
        }
      }
    }
    if (strike.length === 0) strikeResult = "failed";
  }

  // Contested groups: each alternative on top of the strike, against the strike.
  const contestedResults: ExecuteReport["contested_results"] = [];
  for (const group of contested) {
    const alternatives = group.members.map((h: Hypothesis) => h.id);
    alpha = familyAlpha(alternatives.length);
    let winner: string | null = null;
    let best: Verdict | null = null;
    const notes: string[] = [];
    for (const id of alternatives) {
      const ids = [...strike, id];
      if (workspace.combine(ids).conflicts.length > 0) {
        notes.push(`${id}: overlaps the strike`);
        removed.push({ id, reason: `contested (${group.name}): overlaps the strike's changes` });
        continue;
      }
      const gate = await testsPass(ids);
      if (!gate.ok) {
        notes.push(`${id}: tests fail`);
        removed.push({ id, reason: `contested (${group.name}): breaks the tests: ${failureGist(gate.tail)}` });
        continue;
      }
      await workspace.switchTo("candidate", strike);
      const result = await compare(strike, ids, "candidate", "alternative");
      rows.push(row("contested", ids, winner === null ? "alternative_a" : "alternative_b", result, gate.e2e));
      notes.push(`${id}: ${result.verdict.outcome} (${describeVerdict(result.verdict)})`);
      if (result.verdict.outcome === "faster" && (!best || result.verdict.ratio < best.ratio)) {
        if (winner) removed.push({ id: winner, reason: `contested (${group.name}): ${id} did better` });
        winner = id;
        best = result.verdict;
      } else {
        removed.push({ id, reason: `contested (${group.name}): ${result.verdict.outcome} on top of the strike: ${describeVerdict(result.verdict)}` });
      }
    }
    alpha = SIGNIFICANCE_LEVEL;
    contestedResults.push({ group: group.name, alternatives, winner, measurement: notes.join("; ") });
    if (winner) strike = [...strike, winner];
  }
  for (const group of contested) {
    for (const dependent of group.dependents ?? []) removed.push({ id: dependent.id, reason: `depends on contested group ${group.name}; not tried in this version` });
  }

  // The final measurement of everything kept, against the base, and the branch.
  let branch: string | null = null;
  let branchRef: string | null = null;
  let commit: string | null = null;
  if (strike.length > 0 && (final === null || contestedResults.some((r) => r.winner))) {
    final = await compare([], strike, "base", "candidate");
    if (final.verdict.outcome !== "faster") {
      for (const id of strike) removed.push({ id, reason: `the final set is not faster than the base: ${describeVerdict(final.verdict)}` });
      strike = [];
    }
  }
  if (strike.length > 0 && final) {
    const gain = ((1 - final.verdict.ratio) * 100).toFixed(1);
    const message = `perfloop: ${strike.join(", ")}: wall time -${gain}% (${describeVerdict(final.verdict)})\n\nKept: ${strike.join(", ")}\nRemoved: ${removed.map((r) => r.id).join(", ") || "none"}\nTarget: ${options.target}\nTests: ${options.test}`;
    const committed = await commitTree(repo, { slug, base: clean.base, changes: workspace.changesAgainstBase(strike), message });
    branch = committed.branch;
    branchRef = committed.ref;
    commit = committed.commit;
    for (const r of rows) if (r.status === "applied" && r.hypotheses.every((id) => strike.includes(id))) r.commit = commit;
  }
  appendLog(logPath, rows);
  let merged: ExecuteReport["merged"] = null;
  if (options.merge && branch && branchRef) {
    say("merge", `merging ${branch} into your current branch`);
    // The full ref: "perfloop/<slug>" alone would also name the ledger's refs/perfloop/<slug>/ folder.
    const outcome = await mergeIntoCurrent(repo, { from: branchRef, message: `Merge branch '${branch}'` });
    merged = { kind: outcome.kind, into: outcome.into, before: outcome.before, after: outcome.after };
  }

  const metrics = final && strike.length > 0 ? metricRows(final) : [];
  const total = metrics.find((m) => m.metric === "wall_time_ms")?.improvement_pct ?? null;
  const targetMet = options.targetPct === undefined ? null : total !== null && total >= options.targetPct;
  const gap =
    targetMet === false
      ? `target ${options.targetPct}% less wall time, reached ${total === null ? "0" : total.toFixed(1)}%: ${strike.length === 0 ? "no hypothesis gave a significant gain" : `${(options.targetPct! - (total ?? 0)).toFixed(1)} points short with ${strike.join(", ")}`}; removed: ${removed.map((r) => `${r.id} (${r.reason.split(":")[0]})`).join(", ") || "none"}`
      : null;
  const e2eFinal = options.e2e && strike.length > 0 ? (await testsPass(strike)).ok : null;
  const report: Omit<ExecuteReport, "summary_path" | "run_id"> = {
    slug,
    base: clean.base,
    branch,
    commit,
    strike_result: strikeResult,
    hypotheses_applied: strike,
    hypotheses_removed: removed,
    contested_results: contestedResults,
    verdict: final?.verdict ?? null,
    metrics,
    total_improvement_pct: total,
    target_met: targetMet,
    gap_analysis: gap,
    files_modified: filesOf(strike),
    e2e_test: options.e2e ? { command: options.e2e, baseline_passed: baseE2e === true, final_passed: e2eFinal } : null,
    ledger,
    merged,
    log_path: logPath,
    warnings,
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
