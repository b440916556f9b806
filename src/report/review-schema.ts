/**
 * The run review's model (docs/report.md, "The run review"): report.json's `review`, read back
 * with the report (run-report.ts). What the run did, phase by phase and worker by worker; where it
 * failed, waited or tried again; each hypothesis' expected impact against the measured one and
 * each source's tally; the noise of the run; and advice for the next run, each piece tied to a
 * fact of this one. Built by review.ts, rendered by review-render.ts.
 */
import * as v from "valibot";

const nullableNumber = v.nullable(v.number());
const nullableString = v.nullable(v.string());

/** Where a hypothesis came from, by kind of source (docs/research.md). */
export const SOURCE_KINDS = ["rules", "file", "agent", "branch", "knob", "unknown"] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];

/** What became of a hypothesis: kept, removed (its tests, no gain, anything else), or never tried (plan only, the run ended first). */
export const HYPOTHESIS_OUTCOMES = ["kept", "removed_tests", "removed_no_gain", "removed_other", "not_tried"] as const;
export type HypothesisOutcome = (typeof HYPOTHESIS_OUTCOMES)[number];

export const ReviewPhaseSchema = v.object({
  cycle: v.number(),
  phase: v.string(),
  label: v.string(),
  /** From the checkpoint before to this phase's own (its first attempt to its last), pauses included. */
  ms: v.number(),
  /** Of `ms`, the time the run stood paused here, waiting for an answer. */
  waited_ms: v.number(),
  /** 1 + the failures recorded for this phase in this cycle. */
  attempts: v.number(),
  /** ok; failed (the run ended here after failing the same way again and again); paused or unfinished (where an unfinished run stands). */
  status: v.picklist(["ok", "failed", "paused", "unfinished"]),
});
export type ReviewPhase = v.InferOutput<typeof ReviewPhaseSchema>;

export const ReviewWorkerSchema = v.object({
  cycle: v.number(),
  /** ln-811 (profiler), ln-812 (researcher), ln-813 (validator), ln-814 (executor), or `agent: <name>`. */
  worker: v.string(),
  role: v.string(),
  /** From the checkpoint before it to its recorded result; an agent call's own time. */
  ms: nullableNumber,
  /** ok; failed (an agent call that failed, a phase that ended the run); skipped (its phase ran without it: plan only). */
  status: v.picklist(["ok", "failed", "skipped"]),
  note: nullableString,
});
export type ReviewWorker = v.InferOutput<typeof ReviewWorkerSchema>;

export const ReviewFailureSchema = v.object({
  /** error: a phase failed; retry: a failed phase was done again; timeout: something was stopped at its time limit; pause: the run waited for an answer; agent: an agent call failed. */
  kind: v.picklist(["error", "retry", "timeout", "pause", "agent"]),
  cycle: nullableNumber,
  /** The phase, hypothesis or agent call it happened in. */
  where: v.string(),
  detail: v.string(),
});
export type ReviewFailure = v.InferOutput<typeof ReviewFailureSchema>;

export const ReviewHypothesisSchema = v.object({
  cycle: v.number(),
  id: v.string(),
  /** The source as research named it (`built-in rules`, a file, `agent: claude`, ...); null when not recorded. */
  origin: nullableString,
  source: v.picklist(SOURCE_KINDS),
  /** The expected impact as the hypothesis states it; null: not stated. */
  expected: v.nullable(v.union([v.string(), v.number()])),
  /** The same as a share of the main metric saved, in percent (research/hypotheses-order.ts impactScore); null when it cannot be read. */
  expected_pct: nullableNumber,
  /** Measured gain on the main metric in percent, positive = better; null when it was not measured. */
  measured_pct: nullableNumber,
  /** alone: against the base by itself; on_top: on top of what was kept before it; with_others: only as part of the kept set (the set's gain). */
  measured: v.picklist(["alone", "on_top", "with_others", "not_measured"]),
  outcome: v.picklist(HYPOTHESIS_OUTCOMES),
  /** Why it was removed, as the executor said it; null when kept or not tried. */
  reason: nullableString,
});
export type ReviewHypothesis = v.InferOutput<typeof ReviewHypothesisSchema>;

export const ReviewSourceSchema = v.object({
  origin: v.string(),
  source: v.picklist(SOURCE_KINDS),
  hypotheses: v.number(),
  kept: v.number(),
  removed_tests: v.number(),
  removed_no_gain: v.number(),
  removed_other: v.number(),
  not_tried: v.number(),
});
export type ReviewSource = v.InferOutput<typeof ReviewSourceSchema>;

export const ReviewNoiseSchema = v.object({
  /** Comparisons measured (the experiment log's rows with rounds, the pooled `final` rows left out). */
  comparisons: v.number(),
  /** Of them, ended undecided: "unknown", or "faster, not proven beyond the minimum effect". */
  unknown: v.number(),
  /** Of the unknown, those that took the cap's rounds: more runs might have decided them. */
  unknown_at_cap: v.number(),
  /** The cap on rounds per comparison: --max-runs, else the default. */
  cap: v.number(),
  cap_from_flag: v.boolean(),
  /** The smallest gain that counts: max(--threshold, the 2% floor); no A/A calibration raises it in a run. */
  min_effect_pct: v.number(),
  /**
   * The run-to-run spread of the base in the first profile, MAD / median of the main metric in
   * percent: the run's stand-in for an A/A spread (a run measures no A/A calibration; perfloop
   * compare does). Null when there is no profile.
   */
  base_spread_pct: nullableNumber,
  /** The width of the base median's 95% interval, as a percentage of the median. */
  base_ci_pct: nullableNumber,
  /** The share of the base's wall time spent waiting for a CPU (commands; the host was busy). */
  host_busy_pct: nullableNumber,
});
export type ReviewNoise = v.InferOutput<typeof ReviewNoiseSchema>;

export const ReviewAdviceSchema = v.object({
  /** Which rule of review-advice.ts gave it. */
  rule: v.string(),
  /** What happened in this run, with its numbers. */
  fact: v.string(),
  /** What to do about it next time. */
  advice: v.string(),
  /** Both in one short line, for the terminal summary. */
  headline: v.string(),
});
export type ReviewAdvice = v.InferOutput<typeof ReviewAdviceSchema>;

export const RunReviewSchema = v.object({
  phases: v.array(ReviewPhaseSchema),
  workers: v.array(ReviewWorkerSchema),
  failures: v.array(ReviewFailureSchema),
  hypotheses: v.array(ReviewHypothesisSchema),
  sources: v.array(ReviewSourceSchema),
  noise: ReviewNoiseSchema,
  advice: v.array(ReviewAdviceSchema),
});
export type RunReview = v.InferOutput<typeof RunReviewSchema>;
