/**
 * What each cycle leaves in the runtime state (`record-cycle`, state.cycles[]): the kept commit,
 * the hypotheses kept and removed with reasons, and the measured change. The report, the next
 * cycle and a resumed run read it back through this schema (coordinator/loop-context.ts).
 */
import * as v from "valibot";

const nullableNumber = v.nullable(v.number());

export const CycleRecordSchema = v.looseObject({
  cycle: v.number(),
  status: v.literal("completed"),
  mode: v.picklist(["execute", "plan_only"]),
  base_commit: v.string(),
  /** The commit holding this cycle's kept changes on top of base_commit; null when nothing was kept. */
  commit: v.nullable(v.string()),
  planned: v.array(v.string()),
  kept: v.array(v.string()),
  removed: v.array(v.object({ id: v.string(), reason: v.string() })),
  /** Median ratio of the kept result to this cycle's base (paired, interleaved); null when nothing was measured. */
  ratio: nullableNumber,
  ratio_ci: v.nullable(v.tuple([v.number(), v.number()])),
  p_value: nullableNumber,
  runs: v.nullable(v.tuple([v.number(), v.number()])),
  /** This cycle's gain in percent (positive = better); 0 when nothing was kept. The plateau rule reads it. */
  improvement_pct: v.number(),
  /** Medians of the base and the result, per metric, measured interleaved in this cycle. */
  baseline: v.record(v.string(), nullableNumber),
  final: v.record(v.string(), nullableNumber),
  target_met: v.boolean(),
  stop_reason: v.optional(v.string()),
  final_result: v.optional(v.string()),
  next_cycle: v.optional(v.number()),
});
export type CycleRecord = v.InferOutput<typeof CycleRecordSchema>;
