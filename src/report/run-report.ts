/**
 * The run report's model: `.hex-skills/optimization/<slug>/report.json` and what report.md, the
 * terminal summary and `perfloop report` render. One valibot schema: written through it, read
 * back through it.
 */
import * as v from "valibot";
import { RunTimeSchema } from "./run-time.ts";
import { GuardrailRecordSchema } from "../execute/guardrails.ts";
import { RunReviewSchema } from "./review-schema.ts";
import { ComparisonSchema } from "../execute/comparisons.ts";

const nullableNumber = v.nullable(v.number());
const nullableString = v.nullable(v.string());

export const MetricChangeSchema = v.object({
  metric: v.string(),
  before: nullableNumber,
  after: nullableNumber,
  improvement_pct: nullableNumber,
  multiplier: nullableNumber,
});

export const ReportCycleSchema = v.object({
  cycle: v.number(),
  base_commit: v.string(),
  commit: nullableString,
  gate: nullableString,
  validation: nullableString,
  planned: v.array(v.string()),
  /** `origin`: where the hypothesis came from (the built-in rules, a file, an agent); absent in older reports. */
  kept: v.array(v.object({ id: v.string(), description: v.string(), origin: v.optional(nullableString, null) })),
  removed: v.array(v.object({ id: v.string(), reason: v.string(), origin: v.optional(nullableString, null) })),
  ratio: nullableNumber,
  ratio_ci: v.nullable(v.tuple([v.number(), v.number()])),
  p_value: nullableNumber,
  runs: v.nullable(v.tuple([v.number(), v.number()])),
  improvement_pct: v.number(),
  baseline: v.record(v.string(), nullableNumber),
  final: v.record(v.string(), nullableNumber),
  metrics: v.array(MetricChangeSchema),
  stop_reason: nullableString,
  /** The guardrails judged on the kept set and on every set that regressed (docs/run.md, "Guardrails"); absent in older reports. */
  guardrails: v.optional(v.array(GuardrailRecordSchema), []),
  /** Every comparison of the cycle's execution, in order, with its per-round ratios (execute/comparisons.ts); absent in older reports. */
  comparisons: v.optional(v.array(ComparisonSchema), []),
});

/** A cycle's profile, as much of it as the report shows: its top functions by self time (coordinator/digest.ts). */
export const ReportProfileSchema = v.object({
  cycle: v.number(),
  /** The commit profiled: the cycle's base. */
  commit: v.string(),
  classification: v.string(),
  /** The CPU profile's runtime, or why there is none (not a JS target, it failed). */
  cpu_profile: nullableString,
  /** The profile's measurement of the base: each metric's median and its 95% interval. */
  metrics: v.record(v.string(), v.object({ median: v.number(), ci: v.tuple([v.number(), v.number()]) })),
  hot_functions: v.array(v.object({ function: v.string(), location: v.string(), self_pct: v.number(), total_pct: v.number() })),
});

export const RunReportSchema = v.object({
  version: v.literal(1),
  slug: v.string(),
  run_id: v.string(),
  target: v.string(),
  target_kind: v.string(),
  mode: v.picklist(["execute", "plan_only"]),
  project_root: v.string(),
  stop_reason: v.string(),
  final_result: v.string(),
  target_metric: v.nullable(v.looseObject({ text: v.string() })),
  target_description: nullableString,
  target_source: nullableString,
  observed_metric: v.nullable(v.looseObject({ text: v.string() })),
  target_met: v.nullable(v.boolean()),
  target_value: nullableNumber,
  /** Every metric of the first baseline, before; and after all kept cycles. */
  baseline: v.record(v.string(), nullableNumber),
  final: v.record(v.string(), nullableNumber),
  metrics: v.array(MetricChangeSchema),
  /** Cumulative, on the target's main metric (wall time for commands); positive means better. */
  improvement_pct: nullableNumber,
  multiplier: nullableNumber,
  /** How the before/after numbers were measured. */
  measurement: v.string(),
  confirmation: v.nullable(v.object({ ratio: v.number(), ratio_ci: v.tuple([v.number(), v.number()]), p_value: v.number(), runs: v.tuple([v.number(), v.number()]) })),
  base: v.string(),
  branch: nullableString,
  commit: nullableString,
  merged: v.nullable(v.object({ kind: v.string(), into: v.string(), before: v.string(), after: v.string() })),
  merge_hint: nullableString,
  cycles: v.array(ReportCycleSchema),
  diagnosis: v.array(v.string()),
  gap_analysis: nullableString,
  decisions: v.array(v.looseObject({ kind: v.string(), selected_choice: v.string(), answered_at: v.string() })),
  warnings: v.array(v.string()),
  /** Every agent and reviewer call of the run (docs/agents.md, "Transcripts"); the transcript is under agents/. */
  agent_calls: v.optional(
    v.array(
      v.object({
        transcript: v.string(),
        cycle: v.number(),
        kind: v.string(),
        agent: v.string(),
        idea: nullableString,
        ok: v.boolean(),
        error: nullableString,
        exit_code: nullableNumber,
        wall_ms: v.number(),
        files_changed: v.array(v.string()),
        hypotheses: v.array(v.string()),
        cost_usd: nullableNumber,
      }),
    ),
    [],
  ),
  /** report_html: absent in older reports. */
  files: v.object({ report_md: v.string(), report_json: v.string(), report_html: v.optional(nullableString, null), context_md: nullableString, experiment_log: nullableString }),
  /** Each cycle's profile (its top functions); absent in older reports. */
  profiles: v.optional(v.array(ReportProfileSchema), []),
  started_at: v.string(),
  finished_at: v.string(),
  /** Where the run's time went (run-time.ts); absent in older reports. */
  time: v.optional(v.nullable(RunTimeSchema), null),
  /** The run review (review.ts, docs/report.md "The run review"); absent in older reports. */
  review: v.optional(RunReviewSchema),
});
export type RunReport = v.InferOutput<typeof RunReportSchema>;
export type ReportCycle = v.InferOutput<typeof ReportCycleSchema>;
export type ReportProfile = v.InferOutput<typeof ReportProfileSchema>;
