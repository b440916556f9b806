/**
 * What each phase's checkpoint payload holds, as the coordinator reads it back: one valibot schema
 * per phase, in one place (docs/runtime.md, "Checkpoints"). A payload is read through its schema
 * once (payloadOf, loop-context.ts; cached per stored payload), so the phases get typed fields and
 * a damaged or hand-edited checkpoint is one CorruptStateError naming the run's file, not a wrong
 * value deep in a phase.
 *
 * The schemas are loose: a payload keeps what they do not name (the runtime contract lets an agent
 * write more, `perfloop runtime checkpoint`), and every field is optional where a checkpoint from
 * an earlier version, a failed phase (`phase_failed`) or an agent may leave it out. Nested records
 * with schemas of their own (the profile digest, the feasibility, the aggregate, the run options)
 * are named here as `unknown` and read through those schemas where they are used.
 */
import * as v from "valibot";
import type { Phase } from "../runtime/phases.ts";
import { ComparisonSchema } from "../execute/comparisons.ts";
import { GuardrailRecordSchema } from "../execute/guardrails.ts";

const Text = v.optional(v.string());
const Flag = v.optional(v.boolean());

/** Fields any phase's checkpoint may carry: a phase that failed ends the run (phase-failures.ts). */
const COMMON = { phase_failed: Flag, phase_status: Text, status: Text, summary_path: v.optional(v.unknown()) };

const GateFindingSchema = v.looseObject({ rule: v.string(), level: v.picklist(["block", "concern"]), message: v.string() });

const SCHEMAS = {
  PHASE_0_PREFLIGHT: v.looseObject({
    ...COMMON,
    /** The run's options (run-options.ts reads them through RunOptionsSchema). */
    options: v.optional(v.unknown()),
    checks: v.optional(
      v.looseObject({
        tests_ms: v.optional(v.number()),
        probe_ms: v.optional(v.number()),
        dirty_ignored: v.optional(v.array(v.string())),
        /** src/git/untracked.ts reads it (readUntracked). */
        untracked: v.optional(v.unknown()),
      }),
    ),
  }),
  PHASE_1_PARSE_INPUT: v.looseObject({ ...COMMON, target_metric: v.optional(v.unknown()), observed_metric: v.optional(v.unknown()) }),
  PHASE_2_PROFILE: v.looseObject({ ...COMMON, digest: v.optional(v.unknown()), cycle_base: Text }),
  PHASE_3_WRONG_TOOL_GATE: v.looseObject({
    ...COMMON,
    gate_verdict: Text,
    gate: v.optional(v.looseObject({ computed: Text, findings: v.optional(v.array(GateFindingSchema), []), indicators: v.optional(v.array(v.string())) })),
    stop_reason: Text,
    final_result: Text,
    block: v.optional(v.nullable(v.looseObject({ stop_reason: Text, final_result: Text, success: Flag }))),
    waived_by: Text,
  }),
  PHASE_4_RESEARCH: v.looseObject({
    ...COMMON,
    hypotheses_count: v.optional(v.number()),
    /** Each one read whole through the hypotheses schema where it is executed (research/hypotheses.ts parseHypotheses). */
    hypotheses: v.optional(v.array(v.looseObject({ id: v.string(), description: v.optional(v.string()) })), []),
    skipped: v.optional(v.array(v.looseObject({ id: v.string(), reason: v.string() })), []),
    reordered: v.optional(v.nullable(v.string())),
    origins: v.optional(v.record(v.string(), v.string()), {}),
    rule_silences: v.optional(v.array(v.looseObject({ rule: v.string(), path: v.string(), line: v.number(), function: v.string(), reason: v.string() })), []),
  }),
  PHASE_5_SET_TARGET: v.looseObject({ ...COMMON, target_metric: v.optional(v.unknown()), target_source: Text }),
  PHASE_7_VALIDATE_PLAN: v.looseObject({ ...COMMON, validation_verdict: Text, feasibility: v.optional(v.unknown()), waived_by: Text }),
  PHASE_8_EXECUTE: v.looseObject({
    ...COMMON,
    reason: Text,
    /** Read through ExecutionResultSchema where a cycle's record is made (phase-close.ts). */
    execution_result: v.optional(
      v.looseObject({
        status: Text,
        time: v.optional(v.unknown()),
        warnings: v.optional(v.array(v.string()), []),
        guardrails: v.optional(v.array(GuardrailRecordSchema), []),
        /** Each comparison with its per-round ratios (report.html's strip plots). */
        comparisons: v.optional(v.array(ComparisonSchema), []),
      }),
    ),
  }),
  PHASE_10_AGGREGATE: v.looseObject({ ...COMMON, aggregate: v.optional(v.unknown()), final_result: Text }),
  PHASE_11_REPORT: v.looseObject({ ...COMMON, final_result: Text, merged: v.optional(v.unknown()) }),
} satisfies Partial<Record<Phase, v.GenericSchema>>;

const ANY = v.looseObject({ ...COMMON });

type Schemas = typeof SCHEMAS;
/** The payload of `P` as its schema reads it. */
export type PayloadOf<P extends Phase> = P extends keyof Schemas ? v.InferOutput<Schemas[P]> : v.InferOutput<typeof ANY>;

export function payloadSchemaOf<P extends Phase>(phase: P): v.GenericSchema<unknown, PayloadOf<P>> {
  return ((SCHEMAS as Partial<Record<Phase, v.GenericSchema>>)[phase] ?? ANY) as v.GenericSchema<unknown, PayloadOf<P>>;
}
