/**
 * The profile digest as the PROFILE checkpoint stores it (coordinator/digest.ts makes it from a
 * profile): the gate, the context, the report and a resumed run read it back through this schema.
 */
import * as v from "valibot";
import { TARGET_KINDS } from "./metrics.ts";

const num = v.number();
const nullableNum = v.nullable(v.number());

export const MetricDigestSchema = v.object({
  median: num,
  ci: v.tuple([num, num]),
  mad: num,
  min: num,
  max: num,
  n: num,
  unit: v.string(),
  outliers: num,
  outlier_reasons: v.array(v.string()),
});
export type MetricDigest = v.InferOutput<typeof MetricDigestSchema>;

export const ProfileDigestSchema = v.object({
  /** The commit that was profiled (the cycle's base). */
  commit: v.string(),
  target_kind: v.picklist(TARGET_KINDS),
  baseline: v.record(v.string(), nullableNum),
  /** Per metric of a command (wall, CPU, memory, I/O), or the main metric of a function or endpoint. */
  metrics: v.record(v.string(), MetricDigestSchema),
  runs: nullableNum,
  stopped_because: v.nullable(v.string()),
  classification: v.string(),
  bottleneck_detail: v.string(),
  classification_rule: v.string(),
  top_bottlenecks: v.array(v.looseObject({ step: v.string(), type: v.string(), share: num, description: v.string() })),
  steps: v.array(v.looseObject({ id: v.string(), function: v.string(), wall_time_ms: num, time_share_pct: v.optional(num), location: v.optional(v.string()) })),
  hot_functions: v.array(v.object({ function: v.string(), location: v.string(), self_pct: num, total_pct: num })),
  /**
   * The hot functions in the project's own files, for the rules (research/rules/propose.ts): path
   * relative to the repository root. Absent in checkpoints written before the rules existed.
   */
  hot_code: v.optional(
    v.array(v.object({ function: v.string(), path: v.string(), line: num, column: num, self_pct: num, self_with_runtime_pct: num, total_pct: num })),
    [],
  ),
  suspicions: v.array(v.looseObject({ category: v.string(), location: v.string(), verdict: v.string(), description: v.string(), evidence: v.string(), function: v.string() })),
  optimization_hints: v.array(v.string()),
  wrong_tool_indicators: v.array(v.string()),
  wrong_tool_evidence: v.array(v.object({ indicator: v.string(), reason: v.string() })),
  /** attempted: the command is run by a JS runtime perfloop can profile. */
  cpu_profile: v.object({
    attempted: v.boolean(),
    ok: v.boolean(),
    reason: v.nullable(v.string()),
    /** The runtime that ran the CPU profile (node, deno, bun); absent in older checkpoints. */
    runtime: v.optional(v.nullable(v.string()), null),
    /** Self time per frame category over the whole profile, for the knobs; absent in older checkpoints. */
    categories: v.optional(v.nullable(v.object({ duration_ms: num, self_ms_by_category: v.record(v.string(), num) })), null),
  }),
  endpoint_errors: nullableNum,
  warnings: v.array(v.string()),
  summary_path: v.string(),
});
export type ProfileDigest = v.InferOutput<typeof ProfileDigestSchema>;
