/**
 * Every record the runtime reads or writes, as valibot schemas (runtime contract §4).
 * Messages follow the original validator's wording (§4.5) so callers that match on them still work.
 * Records on disk are loose objects: keys a later perfloop adds survive a round trip.
 */
import * as v from "valibot";
import { ALL_PHASES, GATE_VERDICTS, HISTORY_EVENTS, SKILL, VALIDATION_VERDICTS } from "./phases.ts";

const must = (type: string) => `must be ${type}`;
const oneOf = (values: readonly string[]) => `must be one of: ${values.join(", ")}`;

export const str = () => v.string(must("string"));
export const nonEmpty = () => v.pipe(v.string(must("string")), v.minLength(1, "must have length >= 1"));
export const nullableStr = () => v.nullable(v.string(must("string,null")));
export const dateTime = () =>
  v.pipe(
    v.string(must("string")),
    v.check((value) => !Number.isNaN(Date.parse(value)), "must be a valid date-time string"),
  );
/** "object" as the original means it: not null and not an array (valibot's record/object accept arrays). */
export const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);
export const obj = () => v.custom<Record<string, unknown>>(isPlainObject, must("object"));

export const int = (min: number) =>
  v.pipe(v.number(must("integer")), v.integer(must("integer")), v.minValue(min, `must be >= ${min}`));
export const num = () => v.pipe(v.number(must("number")), v.finite(must("number")));
export const phaseName = () => v.picklist(ALL_PHASES, oneOf(ALL_PHASES));
const stringOrObjectArray = () =>
  v.array(v.union([v.string(), obj()], must("string,object")), must("array"));

export const CycleConfigSchema = v.pipe(
  v.unknown(),
  v.check(isPlainObject, must("object")),
  v.looseObject(
    {
      max_cycles: v.optional(int(1), 3),
      plateau_threshold: v.optional(v.pipe(num(), v.minValue(0, "must be >= 0")), 5),
    },
    must("object"),
  ),
);
export type CycleConfig = v.InferOutput<typeof CycleConfigSchema>;

export const EXECUTION_MODES = ["execute", "plan_only"] as const;

/** What `start --manifest-file` accepts; unknown keys are dropped by normalization. */
export const ManifestInputSchema = v.looseObject(
  {
    target: str(),
    mode: v.optional(str()),
    observed_metric: v.optional(v.unknown()),
    target_metric: v.optional(v.unknown()),
    execution_mode: v.optional(v.picklist(EXECUTION_MODES, oneOf(EXECUTION_MODES))),
    cycle_config: v.optional(CycleConfigSchema),
    context_file: v.optional(nullableStr()),
    service_topology: v.optional(v.unknown()),
  },
  must("object"),
);

export const ManifestSchema = v.looseObject(
  {
    skill: v.literal(SKILL, `must be one of: ${SKILL}`),
    mode: str(),
    identifier: nonEmpty(),
    slug: nonEmpty(),
    target: str(),
    observed_metric: v.nullable(v.unknown()),
    target_metric: v.nullable(v.unknown()),
    execution_mode: v.picklist(EXECUTION_MODES, oneOf(EXECUTION_MODES)),
    cycle_config: CycleConfigSchema,
    project_root: nonEmpty(),
    context_file: nullableStr(),
    service_topology: v.nullable(v.unknown()),
    created_at: dateTime(),
  },
  must("object"),
);
export type Manifest = v.InferOutput<typeof ManifestSchema>;

export const PendingDecisionSchema = v.strictObject(
  {
    kind: nonEmpty(),
    question: nonEmpty(),
    choices: v.pipe(v.array(nonEmpty(), must("array")), v.minLength(1, "must contain at least 1 item(s)")),
    default_choice: nullableStr(),
    context: v.optional(obj()),
    resume_to_phase: phaseName(),
    blocking: v.boolean(must("boolean")),
  },
  must("object"),
);
export type PendingDecision = v.InferOutput<typeof PendingDecisionSchema>;

export const DecisionSchema = v.strictObject(
  {
    kind: nonEmpty(),
    selected_choice: nonEmpty(),
    answered_at: dateTime(),
    context: v.optional(obj()),
  },
  must("object"),
);
export type Decision = v.InferOutput<typeof DecisionSchema>;

export const PhaseRecordSchema = v.looseObject({ status: str(), ts: dateTime() }, must("object"));

export const StateSchema = v.looseObject(
  {
    run_id: nonEmpty(),
    skill: nonEmpty(),
    mode: nullableStr(),
    identifier: nonEmpty(),
    slug: nonEmpty(),
    target: str(),
    execution_mode: v.picklist(EXECUTION_MODES, oneOf(EXECUTION_MODES)),
    cycle_config: CycleConfigSchema,
    target_metric: v.nullable(v.unknown()),
    context_file: nullableStr(),
    phase: phaseName(),
    complete: v.boolean(must("boolean")),
    paused_reason: nullableStr(),
    /** Extension: the phase a pause interrupted, where `--resolve` returns to. */
    paused_from: v.optional(v.nullable(phaseName()), null),
    pending_decision: v.nullable(PendingDecisionSchema),
    decisions: v.array(DecisionSchema, must("array")),
    current_cycle: int(1),
    /** Extension: the cycle a recorded boundary asks for; it becomes current when PROFILE starts it. */
    next_cycle: v.optional(v.nullable(int(1)), null),
    cycles: v.array(obj(), must("array")),
    phases: v.record(v.string(), PhaseRecordSchema, must("object")),
    worker_results: v.record(v.string(), obj(), must("object")),
    stop_reason: nullableStr(),
    final_result: nullableStr(),
    report_ready: v.boolean(must("boolean")),
    created_at: dateTime(),
    updated_at: dateTime(),
  },
  must("object"),
);
export type State = v.InferOutput<typeof StateSchema>;

export const CheckpointEntrySchema = v.strictObject(
  {
    sequence: int(1),
    phase: phaseName(),
    /** Extension: the cycle the checkpoint belongs to (guards only read the current cycle's). */
    cycle: v.optional(int(1), 1),
    created_at: dateTime(),
    payload: obj(),
  },
  must("object"),
);
export type CheckpointEntry = v.InferOutput<typeof CheckpointEntrySchema>;

export const CheckpointsSchema = v.looseObject(
  {
    _history: v.array(CheckpointEntrySchema, must("array")),
    _next_sequence: int(1),
  },
  must("object"),
);
export interface Checkpoints {
  _history: CheckpointEntry[];
  _next_sequence: number;
  [phase: string]: CheckpointEntry | CheckpointEntry[] | number;
}

export const HistoryEventSchema = v.looseObject(
  {
    sequence: int(1),
    event_type: v.picklist(HISTORY_EVENTS, oneOf(HISTORY_EVENTS)),
    created_at: dateTime(),
    run_id: nonEmpty(),
    manifest: v.optional(obj()),
    state: v.optional(obj()),
    checkpoints: v.optional(obj()),
    phase: v.optional(phaseName()),
    payload: v.optional(obj()),
    cycle: v.optional(int(1)),
    checkpoint_sequence: v.optional(int(1)),
  },
  must("object"),
);
export type HistoryEvent = v.InferOutput<typeof HistoryEventSchema>;

export const PointerSchema = v.strictObject(
  { skill: nonEmpty(), identifier: nonEmpty(), run_id: nonEmpty(), updated_at: dateTime() },
  must("object"),
);
export type Pointer = v.InferOutput<typeof PointerSchema>;

/** A lock file's body (runtime/lock-file.ts); `pid_start` is /proc/<pid>/stat field 22, null without /proc. */
export const LockSchema = v.looseObject({ pid: int(1), started_at: dateTime(), pid_start: v.optional(v.nullable(v.string())) }, must("object"));

/**
 * Checkpoint payloads: any object, but the keys the guards read must have the right type
 * (FIX 14, 21), checked before anything is written.
 */
export const CheckpointPayloadSchema = v.looseObject(
  {
    gate_verdict: v.optional(v.picklist(GATE_VERDICTS, oneOf(GATE_VERDICTS))),
    validation_verdict: v.optional(v.picklist(VALIDATION_VERDICTS, oneOf(VALIDATION_VERDICTS))),
    hypotheses_count: v.optional(v.nullable(int(0))),
    next_cycle: v.optional(v.nullable(int(1))),
    stop_reason: v.optional(nullableStr()),
    final_result: v.optional(nullableStr()),
    report_ready: v.optional(v.boolean(must("boolean"))),
    context_file: v.optional(nullableStr()),
    status: v.optional(str()),
    phase_status: v.optional(str()),
    target: v.optional(str()),
  },
  must("object"),
);

/**
 * Worker results (§4.6), widened to what the workers really emit (FIX 2): hypotheses and concerns
 * may be objects, corrections_applied a number, and unknown keys are kept.
 */
export const WorkerResultSchema = v.looseObject(
  {
    worker: nonEmpty(),
    branch: v.optional(str()),
    verdict: v.optional(str()),
    strike_result: v.optional(str()),
    baseline: v.optional(obj()),
    performance_map: v.optional(obj()),
    e2e_test: v.optional(v.nullable(obj())),
    industry_benchmark: v.optional(obj()),
    target_metrics: v.optional(obj()),
    final: v.optional(obj()),
    wrong_tool_indicators: v.optional(v.array(str(), must("array"))),
    instrumented_files: v.optional(v.array(str(), must("array"))),
    hypotheses: v.optional(stringOrObjectArray()),
    local_codebase_findings: v.optional(v.array(str(), must("array"))),
    corrections_applied: v.optional(v.union([int(0), v.array(str())], must("integer,array"))),
    concerns: v.optional(stringOrObjectArray()),
    hypotheses_applied: v.optional(v.array(str(), must("array"))),
    hypotheses_removed: v.optional(stringOrObjectArray()),
    total_improvement_pct: v.optional(num()),
    target_met: v.optional(v.boolean(must("boolean"))),
    recorded_at: v.optional(dateTime()),
  },
  must("object"),
);

/** Cycle records (§4.7), with the metrics the original lacked (FIX 9). */
export const CycleRecordSchema = v.looseObject(
  {
    cycle: int(1),
    status: v.optional(v.picklist(["completed"], oneOf(["completed"]))),
    next_cycle: v.optional(int(1)),
    stop_reason: v.optional(str()),
    final_result: v.optional(str()),
    recorded_at: v.optional(dateTime()),
    baseline: v.optional(obj()),
    final: v.optional(obj()),
    improvement_pct: v.optional(num()),
    target_met: v.optional(v.boolean(must("boolean"))),
  },
  must("object"),
);

/** Worker summary envelopes (§4.8). */
export const SUMMARY_KINDS = [
  "optimization-profile",
  "optimization-research",
  "optimization-validation",
  "optimization-execution",
] as const;
export const SummaryEnvelopeSchema = v.strictObject(
  {
    schema_version: nonEmpty(),
    summary_kind: v.picklist(SUMMARY_KINDS, oneOf(SUMMARY_KINDS)),
    run_id: nonEmpty(),
    identifier: nonEmpty(),
    producer_skill: nonEmpty(),
    produced_at: dateTime(),
    payload: obj(),
  },
  must("object"),
);
export type SummaryEnvelope = v.InferOutput<typeof SummaryEnvelopeSchema>;
