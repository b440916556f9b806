/**
 * The metric specs of metric-spec.ts as stored on disk (PARSE_INPUT and SET_TARGET checkpoints, the
 * manifest), read back through this schema.
 */
import * as v from "valibot";
import { type MetricSpec } from "./metric-spec.ts";
import { TARGET_METRICS } from "./metrics.ts";

const better = v.picklist(["lower", "higher"]);

export const MetricSpecSchema = v.variant("kind", [
  v.object({ kind: v.literal("absolute"), metric: v.picklist(TARGET_METRICS), value: v.number(), unit: v.picklist(["ms", "MB", "req/s"]), better, text: v.string() }),
  v.object({ kind: v.literal("relative"), metric: v.picklist(TARGET_METRICS), factor: v.number(), improvement_pct: v.number(), better, text: v.string() }),
]);

/** A stored spec, or null when absent or not a spec (an agent's free-form target_metric). */
export function storedMetric(value: unknown): MetricSpec | null {
  const parsed = v.safeParse(MetricSpecSchema, value);
  return parsed.success ? (parsed.output as MetricSpec) : null;
}
