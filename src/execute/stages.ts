/**
 * What the executor's stages (strike.ts, on-top.ts) share: their input (the sets, how to measure
 * them through a Measurer, how to rebase one), the removals and the experiment log's rows, and
 * the significance level of a family of judgements.
 */
import { describeOutcome, SIGNIFICANCE_LEVEL } from "../measure/index.ts";
import type { AbCompared } from "../profile/ab-sampler.ts";
import type { ContestedGroup } from "../research/hypotheses-contested.ts";
import type { Removed } from "./bisect.ts";
import type { E2eStatus, LogRow } from "./experiment-log.ts";
import type { Measurer } from "./measurer.ts";
import { comparisonOf, type Comparison } from "./comparisons.ts";

/** An uncontested hypothesis that overlaps an earlier one in a file: judged after the strike, rebased. */
export interface Deferred {
  id: string;
  /** The earlier hypothesis it overlaps, and where. */
  overlaps: string;
  path: string;
}

export interface StrikeInput {
  measurer: Measurer;
  /** The uncontested hypotheses, in order (fix level first). */
  strike: readonly string[];
  contested: readonly ContestedGroup[];
  /** Files each set changes, for the experiment log. */
  filesOf(ids: readonly string[]): string[];
  /** Whether something can be combined without overlapping (workspace.combine). */
  overlaps(ids: readonly string[]): boolean;
  /** Hypotheses set aside because they overlap an earlier one; [] when none. */
  deferred?: readonly Deferred[];
  /** Applies `id` again on top of `onto` (workspace.rebase): why it cannot, or null. */
  rebase?(id: string, onto: readonly string[]): Promise<string | null>;
  now(): string;
  e2e: boolean;
  say(stage: string, message: string): void;
}

/** What every stage shares: the input, the removals and the experiment log's rows. */
export interface Stages {
  input: StrikeInput;
  measurer: Measurer;
  removed: Removed[];
  rows: LogRow[];
  /** Each row's comparison as the report keeps it (comparisons.ts), by row. */
  comparisons: Map<LogRow, Comparison>;
  say(stage: string, message: string): void;
  /** A log row of one comparison (or of a set that could not be measured, with why). */
  row(phase: LogRow["phase"], ids: readonly string[], status: LogRow["status"], result: AbCompared | null, e2e: E2eStatus, why?: string): LogRow;
}

/** Judging n alternatives (or up to about 2n subsets): each at alpha / n, so that a no-op is not kept by chance. */
export const familyAlpha = (size: number) => SIGNIFICANCE_LEVEL / Math.max(1, size);

export function stagesOf(input: StrikeInput): Stages {
  const comparisons = new Map<LogRow, Comparison>();
  return {
    input,
    measurer: input.measurer,
    removed: [],
    rows: [],
    comparisons,
    say: input.say,
    row: (phase, ids, status, result, e2e, why = "not measured") => {
      const verdict = result?.verdict ?? null;
      const row: LogRow = {
        timestamp: input.now(),
        phase,
        hypotheses: [...ids],
        baseline_ms: result?.metrics_a.wall_time_ms?.median ?? null,
        result_ms: result?.metrics_b.wall_time_ms?.median ?? null,
        improvement_pct: verdict ? (1 - verdict.ratio) * 100 : null,
        status,
        commit: null,
        files: input.filesOf(ids),
        e2e_status: e2e,
        ratio: verdict?.ratio ?? null,
        ratio_ci: verdict?.ratio_ci ?? null,
        rounds: result?.rounds ?? null,
        outcome: verdict ? describeOutcome(verdict) : why,
      };
      comparisons.set(row, comparisonOf(row, result));
      return row;
    },
  };
}
