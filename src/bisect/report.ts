/**
 * The answer of a bisect as `--json` prints it and text.ts renders it (docs/bisect.md, "The
 * answer"): the search's answer (search.ts, by position) turned into commits with their subjects
 * and authors, every measurement with its numbers, and what it cost.
 */
import type { GitRepo } from "../git/index.ts";
import { type CommitFacts, commitFacts, forkPoint, mergedBranch } from "./history.ts";
import type { Comparison } from "./judge.ts";
import type { Answer, AnswerKind, FoundStep } from "./search.ts";
import type { BisectState } from "./state.ts";
import { runnerOf, targetArgs } from "./target.ts";

export interface CommitRef {
  commit: string;
  subject: string;
}

export interface StepReport {
  commit: string;
  subject: string;
  author: string;
  parent: string;
  /** beyond or within the threshold, not slower, failed (see judge.ts). */
  outcome: string;
  /** The commit against its parent (the fast end found before it). */
  vs_parent: Comparison | null;
  /** Its part of the whole slowdown, log(step) / log(bad / good); null without a step ratio. */
  share_of_regression: number | null;
  /** Commits skipped between the parent and this one: the slowdown may be in any of them. */
  skipped: string[];
}

export interface ProbeReport {
  commit: string;
  subject: string;
  verdict: string;
  reason: string;
  /** The ends it was measured with: good and bad for the whole history, else the part searched. */
  fast_end: string;
  slow_end: string;
  vs_fast_end: Comparison | null;
  vs_slow_end: Comparison | null;
  rounds: number;
  ms: number;
}

export interface BisectReport {
  slug: string;
  /** single: one commit is named; several_steps: a regression in several small steps; ambiguous: skipped commits leave a few candidates; unclear; refused. */
  answer: AnswerKind;
  /** The full commit id of the first slow commit when one is named, else null. */
  first_slow_commit: string | null;
  subject: string | null;
  author: string | null;
  date: string | null;
  parent: string | null;
  /** first_slow_commit against its parent: ratio, 95% interval, p and n. */
  vs_parent: Comparison | null;
  /** beyond or within the threshold. */
  step_outcome: string | null;
  share_of_regression: number | null;
  /** Set when first_slow_commit is a merge: its second parent, the branch it merged and where that branch started (to bisect inside it). */
  merge: { merged_parent: string; branch: string | null; fork_point: string | null } | null;
  /** Where the slowdown can be when no single commit is named (several_steps, ambiguous). */
  candidates: CommitRef[];
  /** Every boundary found, in history order (several for a regression in steps). */
  steps: StepReport[];
  good: CommitRef & { ref: string };
  bad: CommitRef & { ref: string };
  /** Bad against good. */
  regression: Comparison | null;
  threshold_pct: number;
  /** The target as the person typed it (a command, fn:<file>#<export> or a URL). */
  command: string;
  target_kind: "command" | "function" | "endpoint";
  /** What each round measured and the ratios compare: wall_time_ms, time_per_call_ns or latency_p50_ms (docs/measurement.md). */
  metric: string;
  /** The target and the flags that define it, as arguments of another `perfloop bisect` of it. */
  target_args: string[];
  /** Commits after good on bad's first-parent line, bad included. */
  history_commits: number;
  /** Distinct commits probed (the ends not counted). */
  measured_commits: number;
  probes: ProbeReport[];
  /** Sessions run: the confirm, the probes, the steps. */
  measurements: number;
  /** Their wall time, side trees included, ms. */
  measuring_ms: number;
  /** Probed commits judged between the ends of their range. */
  intermediates: string[];
  /** Parts of the history left unsearched at the search's limit. */
  unsearched: number;
  /** Why there was nothing to bisect. */
  refused: string | null;
  state_file: string;
}

export async function buildReport(repo: GitRepo, state: BisectState, answer: Answer, stateFile: string): Promise<BisectReport> {
  const commits = state.commits;
  const at = (i: number) => commits[i] as string;
  const facts = new Map<string, CommitFacts>();
  const factsOf = async (sha: string) => {
    const known = facts.get(sha);
    if (known) return known;
    const read = await commitFacts(repo, sha);
    facts.set(sha, read);
    return read;
  };
  const ref = async (i: number): Promise<CommitRef> => ({ commit: at(i), subject: (await factsOf(at(i))).subject });
  const confirm = state.events.find((event) => event.kind === "confirm");
  const regression = confirm?.vs ?? null;
  const share = (vs: Comparison | null) => (vs && regression && regression.ratio > 1 && vs.ratio > 0 ? Math.log(vs.ratio) / Math.log(regression.ratio) : null);
  const stepReport = async (step: FoundStep): Promise<StepReport> => {
    const f = await factsOf(at(step.commit));
    return {
      commit: f.sha,
      subject: f.subject,
      author: f.author,
      parent: at(step.parent),
      outcome: step.outcome,
      vs_parent: step.vs,
      share_of_regression: share(step.vs),
      skipped: step.candidates.filter((i) => i !== step.commit).map(at),
    };
  };
  const steps = await Promise.all(answer.steps.map(stepReport));
  const probes: ProbeReport[] = [];
  for (const event of state.events) {
    if (event.kind !== "probe") continue;
    probes.push({
      commit: at(event.commit),
      subject: (await factsOf(at(event.commit))).subject,
      verdict: event.verdict,
      reason: event.reason,
      fast_end: at(event.lo),
      slow_end: at(event.hi),
      vs_fast_end: event.vs_lo,
      vs_slow_end: event.vs_hi,
      rounds: event.rounds,
      ms: Math.round(event.ms),
    });
  }
  const culprit = answer.culprit === null ? null : await factsOf(at(answer.culprit));
  const culpritStep = answer.culprit === null ? undefined : steps.find((step) => step.commit === at(answer.culprit as number));
  const merge = culprit && culprit.parents.length > 1 ? { merged_parent: culprit.parents[1] as string, branch: await mergedBranch(repo, culprit), fork_point: await forkPoint(repo, culprit) } : null;
  return {
    slug: state.slug,
    answer: answer.kind,
    first_slow_commit: culprit?.sha ?? null,
    subject: culprit?.subject ?? null,
    author: culprit?.author ?? null,
    date: culprit?.date ?? null,
    parent: culpritStep?.parent ?? null,
    vs_parent: culpritStep?.vs_parent ?? null,
    step_outcome: culpritStep?.outcome ?? null,
    share_of_regression: culpritStep?.share_of_regression ?? null,
    merge,
    candidates: await Promise.all((answer.kind === "single" ? [] : answer.candidates).map(ref)),
    steps,
    good: { ...(await ref(0)), ref: state.options.good_ref },
    bad: { ...(await ref(commits.length - 1)), ref: state.options.bad_ref },
    regression,
    threshold_pct: Number((state.options.threshold * 100).toFixed(2)),
    command: state.options.command,
    target_kind: state.options.target_spec?.kind ?? "command",
    metric: runnerOf(state.options).runner.metric,
    target_args: targetArgs(state.options),
    history_commits: commits.length - 1,
    measured_commits: new Set(probes.map((probe) => probe.commit)).size,
    probes,
    measurements: state.events.length,
    measuring_ms: Math.round(state.events.reduce((sum, event) => sum + event.ms, 0)),
    intermediates: answer.intermediates.map(at),
    unsearched: answer.unsearched,
    refused: answer.refused,
    state_file: stateFile,
  };
}
