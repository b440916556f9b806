/**
 * What the run review is computed from (review.ts buildReview, review-advice.ts): the run's
 * checkpoints, pauses, failures, worker results, hypotheses, cycles and experiment log, gathered
 * from disk by src/coordinator/review-input.ts. Types only.
 */
import type { LogEntry } from "./experiment-rows.ts";
import type { SourceKind } from "./review-schema.ts";
import type { ReportCycle, RunReport } from "./run-report.ts";

export interface ReviewInput {
  slug: string;
  started_at: string;
  finished_at: string;
  /** Every checkpoint in order; `failed`: the one that ended the run at a phase that kept failing. */
  checkpoints: readonly { phase: string; cycle: number; created_at: string; failed: boolean }[];
  /** Where an unfinished run stands (paused: the phase it paused in); null when it is done. */
  open: { phase: string; cycle: number; paused: boolean } | null;
  /** Every pause: where, why, and when it was answered (null: still waiting). */
  pauses: readonly { cycle: number; phase: string; reason: string; at: string; resumed_at: string | null }[];
  /** Every failure of a phase as it was recorded (phase-failures.ts), in order. */
  phase_failures: readonly { cycle: number; phase: string; code: string; message: string; count: number; at: string }[];
  /** Every worker result as it was recorded (ln-811 ... ln-814). */
  worker_results: readonly { worker: string; cycle: number; recorded_at: string }[];
  /** The hypotheses research gave, per cycle, with where each came from. */
  hypotheses: readonly { cycle: number; id: string; origin: string | null; source: SourceKind; expected_impact: string | number | null }[];
  cycles: readonly ReportCycle[];
  /** This run's rows of the experiment log. */
  comparisons: readonly LogEntry[];
  agent_calls: RunReport["agent_calls"];
  /** The base's spread in the first profile; null without one. */
  base_noise: { spread_pct: number | null; ci_pct: number | null; host_busy_pct: number | null } | null;
  settings: {
    cap: number;
    cap_from_flag: boolean;
    threshold_pct: number | null;
    min_effect_pct: number;
    agent: string | null;
    timeout_s: number | null;
    agent_timeout_s: number | null;
    max_cycles: number;
    plateau_pct: number;
    /** The main metric is better higher (throughput): a ratio above 1 is a gain. */
    higher_better: boolean;
  };
  result: { final_result: string; stop_reason: string; target_met: boolean | null; target: string | null };
}
