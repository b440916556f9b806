/**
 * Advice for the next run, from the run review (review.ts). Every rule names a measured fact of
 * this run and fires only on it; a run where nothing calls for a change gets no advice, never a
 * generic tip. The rules, most pressing first:
 *
 *   phase_failed              the run ended at a phase that kept failing
 *   no_hypotheses_left        the target is not met and no hypothesis was left (or none kept)
 *   unknown_at_cap            comparisons ended unknown at the cap of rounds
 *   tests_from_source         most of one source's hypotheses broke the tests (2 or more)
 *   timeouts                  hypotheses stopped at the time limit
 *   agent_failures            agent calls failed
 *   max_cycles_still_gaining  the last cycle still gained above the plateau when the cycles ran out
 *   no_gain_from_source       none of one source's measured hypotheses gained (2 or more)
 *   optimistic_estimates      most of one source's hypotheses measured under half what they expected (2 or more)
 *
 * Pure: the review and its input in, advice out.
 */
import type { ReviewInput } from "./review-facts.ts";
import { TIMEOUT, undecided } from "./review-reasons.ts";
import type { ReviewAdvice, ReviewHypothesis, ReviewSource, RunReview, SourceKind } from "./review-schema.ts";

/** A source "breaks the tests" when at least this many of its hypotheses did, and at least half. */
const MANY_TEST_BREAKERS = 2;
/** A source "gains nothing" when at least this many of its hypotheses were measured and none gained. */
const MANY_NO_GAIN = 2;
/** Estimates are optimistic when most of a source's, and at least this many, measured under this share of the expected gain and this many points short. */
const ESTIMATES_SEEN = 2;
const ESTIMATE_SHARE = 0.5;
const ESTIMATE_POINTS = 10;
/** A host that kept the base waiting for a CPU this share of its time (percent) is named as busy. */
const BUSY_HOST_PCT = 5;

type Review = Omit<RunReview, "advice">;

const ids = (list: readonly { id: string }[]) => list.map((h) => h.id).join(", ");
const pct = (value: number) => `${value.toFixed(1)}%`;
const mean = (values: readonly number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;

function phaseFailed(review: Review, input: ReviewInput): ReviewAdvice[] {
  if (input.result.stop_reason !== "PHASE_FAILED") return [];
  const phase = review.phases.find((p) => p.status === "failed");
  const failure = input.phase_failures.filter((f) => f.count > 0 && (!phase || (f.phase === phase.phase && f.cycle === phase.cycle))).at(-1);
  const where = phase ? `${phase.label} of cycle ${phase.cycle}` : "a phase";
  const why = failure ? ` after ${failure.count} failures with: ${failure.message}` : "";
  return [{ rule: "phase_failed", fact: `the run ended at ${where}${why}`, advice: "fix that cause, then start the run again (what earlier cycles kept stays on the branch)", headline: `the run ended at ${where}, failing the same way again and again: fix that cause and run again` }];
}

function noHypothesesLeft(review: Review, input: ReviewInput): ReviewAdvice[] {
  const { result, settings } = input;
  if (result.target_met !== false) return [];
  const last = input.cycles.at(-1);
  const target = result.target ? `the target ${result.target} is not met` : "the target is not met";
  let fact: string | null = null;
  if (result.stop_reason === "NO_HYPOTHESES") fact = `${target} and no hypothesis was left to try after cycle ${last?.cycle ?? 1}`;
  else if (result.stop_reason === "PLATEAU" && last && last.kept.length === 0 && last.removed.length > 0) fact = `${target} and cycle ${last.cycle} kept none of its ${last.removed.length} hypotheses`;
  if (!fact) return [];
  if (settings.agent) {
    return [{ rule: "no_hypotheses_left", fact, advice: `the agent (${settings.agent}) found nothing more: give it the profile's top bottleneck in a hypotheses file, or another --agent-model`, headline: `${fact}: another --agent-model, or a hypotheses file aimed at the top bottleneck` }];
  }
  const tried = [...new Set(review.hypotheses.map((h) => h.origin ?? "unknown"))];
  const advice = `add an agent to propose more than ${tried.length > 0 ? tried.join(", ") : "the built-in sources"} did: --agent claude (or codex, gemini, opencode; docs/agents.md)`;
  return [{ rule: "no_hypotheses_left", fact, advice, headline: `${fact}: add an agent (--agent claude)` }];
}

function unknownAtCap(review: Review, input: ReviewInput): ReviewAdvice[] {
  const noise = review.noise;
  if (noise.unknown_at_cap === 0) return [];
  const capped = input.comparisons.filter((r) => r.rounds !== null && r.phase !== "final" && r.rounds >= noise.cap && undecided(r.outcome));
  const sets = [...new Set(capped.map((r) => r.hypotheses.join("+")))].join(", ");
  const counted = `${noise.unknown_at_cap} of ${noise.comparisons} comparisons ended unknown at the cap of ${noise.cap} rounds`;
  const runs = noise.cap_from_flag ? `a larger --max-runs (now ${noise.cap}; e.g. ${noise.cap * 2})` : `--max-runs ${noise.cap * 2} (the default cap is ${noise.cap})`;
  const busy = noise.host_busy_pct !== null && noise.host_busy_pct >= BUSY_HOST_PCT ? ` (the base waited for a CPU ${pct(noise.host_busy_pct)} of its time)` : noise.base_spread_pct !== null ? ` (the base's runs spread ${pct(noise.base_spread_pct)})` : "";
  const threshold = input.settings.threshold_pct === null ? `--threshold with the smallest gain worth keeping (now the ${noise.min_effect_pct}% floor)` : `a larger --threshold (now ${input.settings.threshold_pct}%)`;
  return [{ rule: "unknown_at_cap", fact: `${counted}${sets ? ` (${sets})` : ""}`, advice: `${runs}, a quieter machine${busy} or ${threshold}`, headline: `${counted}: --max-runs ${noise.cap * 2}, a quieter machine or --threshold` }];
}

const REVIEW_SOURCE: Record<SourceKind, (source: ReviewSource, slug: string) => string> = {
  agent: (_s, slug) => `review that agent's changes (transcripts under .hex-skills/optimization/${slug}/agents/) or try another --agent-model`,
  file: (s) => `review those hypotheses in ${s.origin} before the next run`,
  rules: () => "review what the built-in rules proposed (perfloop research --out FILE shows it; --no-rules turns them off)",
  knob: () => "drop those values from --knob",
  branch: () => "make the branch pass the tests first",
  unknown: () => "review that source",
};

function testsFromSource(review: Review, input: ReviewInput): ReviewAdvice[] {
  return review.sources
    .filter((s) => s.removed_tests >= MANY_TEST_BREAKERS && s.removed_tests * 2 >= s.hypotheses)
    .map((s) => {
      const broke = review.hypotheses.filter((h) => (h.origin ?? "unknown") === s.origin && h.outcome === "removed_tests");
      const counted = `${s.removed_tests} of ${s.hypotheses} hypotheses from ${s.origin} broke the tests`;
      return { rule: "tests_from_source", fact: `${counted} (${ids(broke)})`, advice: REVIEW_SOURCE[s.source](s, input.slug), headline: `${counted}: review that source` };
    });
}

function timeouts(_review: Review, input: ReviewInput): ReviewAdvice[] {
  const stopped = input.cycles.flatMap((c) => c.removed.filter((r) => TIMEOUT.test(r.reason)));
  if (stopped.length === 0) return [];
  const counted = `${stopped.length} hypothes${stopped.length === 1 ? "is was" : "es were"} stopped at the time limit`;
  const advice = input.settings.timeout_s === null ? "if they were slow rather than hung, set --timeout (the limit was 10 x the base's time + 10 s)" : `if they were slow rather than hung, raise --timeout (now ${input.settings.timeout_s} s)`;
  return [{ rule: "timeouts", fact: `${counted} (${ids(stopped)})`, advice, headline: `${counted}: --timeout, if they were slow rather than hung` }];
}

function agentFailures(_review: Review, input: ReviewInput): ReviewAdvice[] {
  const failed = input.agent_calls.filter((c) => !c.ok);
  if (failed.length === 0) return [];
  const counted = `${failed.length} of ${input.agent_calls.length} agent calls failed`;
  const fact = `${counted} (${failed[0]!.error ?? `exit ${failed[0]!.exit_code ?? "?"}`})`;
  if (failed.every((c) => TIMEOUT.test(c.error ?? ""))) {
    const advice = input.settings.agent_timeout_s === null ? "they ran out of time: set a longer --agent-timeout" : `they ran out of time: raise --agent-timeout (now ${input.settings.agent_timeout_s} s)`;
    return [{ rule: "agent_failures", fact, advice, headline: `${counted}, out of time: a longer --agent-timeout` }];
  }
  return [{ rule: "agent_failures", fact, advice: `check the agent command and its transcript (${failed[0]!.transcript})`, headline: `${counted}: see the transcripts (report.md, "Agent calls")` }];
}

function maxCyclesStillGaining(_review: Review, input: ReviewInput): ReviewAdvice[] {
  const last = input.cycles.at(-1);
  if (input.result.stop_reason !== "MAX_CYCLES" || input.result.target_met !== false || !last || last.improvement_pct < input.settings.plateau_pct) return [];
  const n = input.settings.max_cycles;
  const gained = `cycle ${last.cycle} still gained ${pct(last.improvement_pct)}`;
  return [{ rule: "max_cycles_still_gaining", fact: `${gained} (the plateau is ${input.settings.plateau_pct}%) when the run reached --max-cycles ${n}`, advice: `allow more cycles: --max-cycles ${n + 1} or more`, headline: `${gained} at the last allowed cycle: --max-cycles ${n + 1} or more` }];
}

function noGainFromSource(review: Review): ReviewAdvice[] {
  return review.sources
    .filter((s) => s.kept === 0 && s.removed_no_gain >= MANY_NO_GAIN)
    .map((s) => {
      const none = review.hypotheses.filter((h) => (h.origin ?? "unknown") === s.origin && h.outcome === "removed_no_gain");
      const counted = `none of the ${none.length} hypotheses from ${s.origin} that were measured gained`;
      return { rule: "no_gain_from_source", fact: `${counted} (${ids(none)})`, advice: "aim that source at where the time goes: the profile's top bottleneck (report.md, context.md)", headline: `${counted}: aim it at the profile's top bottleneck` };
    });
}

function optimisticEstimates(review: Review): ReviewAdvice[] {
  const bySource = new Map<string, ReviewHypothesis[]>();
  for (const h of review.hypotheses) if (h.expected_pct !== null && h.measured_pct !== null && h.measured !== "with_others") bySource.set(h.origin ?? "unknown", [...(bySource.get(h.origin ?? "unknown") ?? []), h]);
  return [...bySource].flatMap(([origin, list]) => {
    const short = list.filter((h) => h.measured_pct! < h.expected_pct! * ESTIMATE_SHARE && h.expected_pct! - h.measured_pct! >= ESTIMATE_POINTS);
    if (short.length < ESTIMATES_SEEN || short.length * 2 <= list.length) return [];
    const counted = `${short.length} of the ${list.length} measured hypotheses from ${origin} that stated an expected impact measured under half of it`;
    const each = short.map((h) => `${h.id}: expected ${pct(h.expected_pct!)}, measured ${pct(h.measured_pct!)}`).join("; ");
    return [{ rule: "optimistic_estimates", fact: `${counted} (${each})`, advice: "take its expected_impact as optimistic: it decides what is tried first (docs/hypotheses.md)", headline: `${counted}: its estimates are optimistic` }];
  });
}

const RULES = [phaseFailed, noHypothesesLeft, unknownAtCap, testsFromSource, timeouts, agentFailures, maxCyclesStillGaining, noGainFromSource, optimisticEstimates];

export function adviseRun(review: Review, input: ReviewInput): ReviewAdvice[] {
  return RULES.flatMap((rule) => rule(review, input));
}
