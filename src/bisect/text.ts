/**
 * A bisect in words: the progress label of a measurement, the line kept on the screen after each
 * one, and the answer (docs/bisect.md shows examples). Pure: data in, lines out.
 */
import { formatMetricValue, metricLabel } from "../model/metrics.ts";
import { shellQuote } from "../profile/cpu-command-words.ts";
import type { Comparison } from "./judge.ts";
import type { BisectReport, StepReport } from "./report.ts";
import type { Action } from "./search.ts";
import type { StoredEvent } from "./state.ts";

const short = (sha: string) => sha.slice(0, 12);
const times = (ratio: number) => `${ratio.toFixed(2)}x`;
const pct = (fraction: number) => `${Math.round(fraction * 100)}%`;
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** About how many commits a bisection of n commits probes (log2 n). */
export function expectedProbes(n: number): number {
  return Math.max(0, Math.ceil(Math.log2(n)));
}

/** `ratio 4.98x (95% CI 4.90-5.05, p = 0.002, n = 10)` */
export function comparisonText(c: Comparison): string {
  return `${times(c.ratio)} (95% CI ${c.ci[0].toFixed(2)}-${c.ci[1].toFixed(2)}, p = ${Number(c.p.toPrecision(2))}, n = ${c.n})`;
}

/** What the progress shows while a measurement runs. */
export function actionLabel(action: Action, commits: readonly string[], probe: number, expected: number): string {
  const at = (i: number) => short(commits[i] as string);
  if (action.kind === "confirm") return `confirming: bad ${at(action.hi)} against good ${at(action.lo)}, interleaved`;
  if (action.kind === "probe") return `probe ${probe} (about ${Math.max(expected, probe)} in all): ${at(action.commit)} against ${at(action.lo)} and ${at(action.hi)}`;
  return `step: ${at(action.commit)} against ${parentWords(action.commit, action.parent)} ${at(action.parent)}`;
}

/** What a step's other side is: the commit's parent, or (when the commits between were skipped) the nearest one before it that could be measured. */
const parentWords = (commit: number, parent: number) => (commit - parent === 1 ? "its parent" : "the nearest measured commit before it");

/** The line kept on the screen after a measurement. */
export function eventLine(event: StoredEvent, commits: readonly string[], n: number): string {
  const at = (i: number) => short(commits[i] as string);
  const cost = `${event.rounds} rounds, ${seconds(event.ms)}`;
  if (event.kind === "confirm") {
    const head = `bad ${at(n)} against good ${at(0)}: ${comparisonText(event.vs)}`;
    return event.outcome === "confirmed" ? `${head}; bisecting ${n} commits (about ${expectedProbes(n)} probes) [${cost}]` : `${head}; ${event.outcome.replace("_", " ")} [${cost}]`;
  }
  if (event.kind === "probe") {
    const against = event.vs_lo && event.vs_hi ? `, ${times(event.vs_lo.ratio)} the fast end, ${times(event.vs_hi.ratio)} the slow end` : "";
    const why = event.verdict === "failed" || event.verdict === "untestable" ? `: ${event.reason}; skipped` : "";
    return `${at(event.commit)} ${event.verdict}${against}${why} [${cost}]`;
  }
  const vs = event.vs ? `: ${comparisonText(event.vs)}` : `: ${event.reason}`;
  return `${at(event.commit)} against ${parentWords(event.commit, event.parent)} ${at(event.parent)}${vs}, ${event.outcome.replace("_", " ")}${event.outcome === "beyond" || event.outcome === "within" ? " the threshold" : ""} [${cost}]`;
}

function stepLine(step: StepReport): string {
  const vs = step.vs_parent ? `${comparisonText(step.vs_parent)} against its parent` : "not measured against its parent";
  const share = step.share_of_regression === null ? "" : `, ${pct(step.share_of_regression)} of the slowdown`;
  return `  ${short(step.commit)} ${vs}${share}  ${step.subject}`;
}

/** The answer, for people. */
export function renderBisect(report: BisectReport): string[] {
  const lines: string[] = [];
  const regression = report.regression ? `good ${short(report.good.commit)} -> bad ${short(report.bad.commit)}: ${comparisonText(report.regression)}` : "";
  if (report.answer === "single" && report.first_slow_commit) {
    lines.push(`first slow commit: ${report.first_slow_commit}`);
    lines.push(`  ${report.subject}`);
    lines.push(`  ${report.author}, ${report.date}`);
    if (report.vs_parent && report.parent) {
      const outcome = report.step_outcome === "within" ? `, below the ${report.threshold_pct}% threshold on its own` : "";
      lines.push(`  ${comparisonText(report.vs_parent)} against its parent ${short(report.parent)}${outcome}`);
    }
    if (report.merge) {
      lines.push(`  a merge: it brought in ${report.merge.branch ? `branch ${report.merge.branch}` : "a branch"} (second parent ${short(report.merge.merged_parent)})`);
      if (report.merge.fork_point) lines.push(`  to find the commit inside it: perfloop bisect --good ${short(report.merge.fork_point)} --bad ${short(report.merge.merged_parent)} ${report.target_args.map(shellQuote).join(" ")}`);
    }
    if (report.share_of_regression !== null && report.share_of_regression < 0.8) {
      lines.push(`  it makes ${pct(report.share_of_regression)} of the slowdown; the rest came from other commits`);
    }
    const others = report.steps.filter((step) => step.commit !== report.first_slow_commit && (step.outcome === "beyond" || step.outcome === "within"));
    if (others.length > 0) {
      lines.push("other steps of the slowdown:");
      for (const step of others) lines.push(stepLine(step));
    }
  } else if (report.answer === "several_steps") {
    const real = report.steps.filter((step) => step.outcome === "beyond" || step.outcome === "within");
    lines.push(`a regression in ${real.length} steps, none alone beyond the ${report.threshold_pct}% threshold; each commit is slower than the one before:`);
    for (const step of real) lines.push(stepLine(step));
  } else if (report.answer === "ambiguous") {
    lines.push(`the first slow commit is one of these ${report.candidates.length} (the others were skipped: they could not be measured):`);
    for (const candidate of report.candidates) lines.push(`  ${candidate.commit}  ${candidate.subject}`);
  } else if (report.answer === "unclear") {
    lines.push("no commit could be shown slower than its parent: the slowdown may be spread over many small steps, or too noisy to place");
    for (const step of report.steps) lines.push(stepLine(step));
  } else {
    lines.push(`nothing to bisect: ${report.refused ?? ""}`);
  }
  if (regression && report.regression) {
    const { median_a: a, median_b: b } = report.regression;
    lines.push(`the whole slowdown: ${regression}; ${metricLabel(report.metric)} ${formatMetricValue(report.metric, a)} -> ${formatMetricValue(report.metric, b)} (medians)`);
  }
  if (report.unsearched > 0) lines.push(`${report.unsearched} part(s) of the history were left unsearched (the search's limit of ranges)`);
  lines.push(`measured ${report.measured_commits} of ${report.history_commits} commits in ${report.measurements} sessions, ${seconds(report.measuring_ms)}:`);
  for (const probe of report.probes) {
    const against = probe.vs_fast_end && probe.vs_slow_end ? ` (${times(probe.vs_fast_end.ratio)} the fast end, ${times(probe.vs_slow_end.ratio)} the slow end)` : "";
    lines.push(`  ${short(probe.commit)} ${probe.verdict.padEnd(12)}${against}  ${probe.subject}`);
  }
  return lines;
}
