/**
 * What a `perfloop run` was asked to do, fixed at preflight and stored in the PHASE_0_PREFLIGHT
 * checkpoint, so that `perfloop resume` carries on with exactly the same options. Read back
 * through this schema: a damaged value is a CorruptStateError naming the run's files.
 */
import * as v from "valibot";
import { CorruptStateError } from "../errors.ts";
import { REGRESSION_NAMES } from "../execute/guardrails.ts";

const nullableString = v.nullable(v.string());
const nullableNumber = v.nullable(v.number());

export const TargetSpecSchema = v.variant("kind", [
  v.object({ kind: v.literal("command"), command: v.string() }),
  v.object({ kind: v.literal("function"), file: v.string(), export_name: v.string(), args: v.array(v.unknown()) }),
  v.object({ kind: v.literal("endpoint"), url: v.string(), method: v.string(), requests: v.number(), concurrency: v.number(), body: v.optional(v.string()) }),
]);

/** How perfloop starts an endpoint's server from each side tree (`--serve`, docs/run.md). */
export const ServeOptionsSchema = v.object({
  command: v.string(),
  /** The path polled until the server answers; null: the target's own. */
  ready_path: nullableString,
  ready_timeout_s: v.pipe(v.number(), v.minValue(0)),
});
export type ServeOptions = v.InferOutput<typeof ServeOptionsSchema>;

export const RunOptionsSchema = v.object({
  /** The target as the person typed it. */
  target: v.string(),
  target_spec: TargetSpecSchema,
  /** Endpoints: `--serve` and its readiness flags; null: the endpoint is measured as it runs. */
  serve: v.optional(v.nullable(ServeOptionsSchema), null),
  /** --observed and --target as typed (parsed again into metric specs in phase 1). */
  observed_text: nullableString,
  target_text: nullableString,
  max_cycles: v.pipe(v.number(), v.integer(), v.minValue(1)),
  plateau_pct: v.pipe(v.number(), v.minValue(0)),
  mode: v.picklist(["execute", "plan_only"]),
  test: v.object({ command: v.string(), source: v.string() }),
  e2e: nullableString,
  /** Absolute path of the hypotheses file, read again at every cycle's research. */
  hypotheses_file: nullableString,
  /** `--agent`: a preset (claude, codex, gemini, opencode) or a command line (src/agents/spec.ts). */
  agent: nullableString,
  /** `--agent-model`, `--agent-timeout` (seconds), `--agent-calls` (the run's budget), docs/agents.md. */
  agent_model: v.optional(nullableString, null),
  agent_timeout_s: v.optional(nullableNumber, null),
  agent_calls: v.optional(v.number(), 20),
  /** `--reviewer`, each a preset or a command line, asked in phase 7 (docs/agents.md). */
  reviewers: v.optional(v.array(v.string()), []),
  /** `--allow-regression`: guardrails a faster change may make worse (src/execute/guardrails.ts). */
  allow_regression: v.optional(v.array(v.picklist(REGRESSION_NAMES)), []),
  /** The built-in rules propose hypotheses (docs/research.md); `--no-rules` turns them off. */
  rules: v.optional(v.boolean(), true),
  /** `--knob NAME=a,b,c` as typed (research/knobs.ts reads them again every cycle). */
  knobs: v.optional(v.array(v.string()), []),
  /** `--try-branch` / `--try-commit`, resolved to commits at preflight (coordinator/try-refs.ts). */
  try_refs: v.optional(v.array(v.object({ flag: v.picklist(["--try-branch", "--try-commit"]), ref: v.string(), commit: v.string() })), []),
  /** The person's smallest gain that counts, percent. */
  threshold_pct: nullableNumber,
  max_runs: nullableNumber,
  runs: nullableNumber,
  warmup: nullableNumber,
  setup: nullableString,
  /** More directories commands in side trees may write (`--allow-write`, docs/safety.md), absolute. */
  allow_write: v.optional(v.array(v.string()), []),
  /** A per-candidate time limit for the target and the tests (`--timeout`), seconds; null: derived from the base. */
  timeout_s: v.optional(nullableNumber, null),
  waive_gate: v.boolean(),
  merge: v.boolean(),
  /** `--keep-trees`: the side work trees stay when the run ends (for debugging); by default they are removed. */
  keep_trees: v.optional(v.boolean(), false),
  budget_minutes: nullableNumber,
  /** The commit the run starts from (HEAD at preflight) and the person's branch then. */
  base: v.string(),
  branch: nullableString,
  /** Where the person ran perfloop, relative to the repository root ("" at the root). */
  subdir: v.string(),
  /** What the project is built with, for the context and the report. */
  stack: v.array(v.string()),
  /** Files that are inputs of the run and may be uncommitted (the hypotheses file, its patches). */
  inputs: v.array(v.string()),
});
export type RunOptions = v.InferOutput<typeof RunOptionsSchema>;

export function readRunOptions(payload: Record<string, unknown>, file: string): RunOptions {
  const parsed = v.safeParse(RunOptionsSchema, payload.options);
  if (!parsed.success) {
    const issue = parsed.issues[0]!;
    const path = issue.path?.map((item) => String(item.key)).join(".") ?? "options";
    throw new CorruptStateError(file, `the preflight checkpoint's options.${path} ${issue.message}`, "start a new run with perfloop run");
  }
  return parsed.output;
}
