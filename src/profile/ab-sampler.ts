/**
 * A/B measurement of two commands (DESIGN, "Deciding that a change is real"): baseline A and
 * candidate B run interleaved in one session (ABBA by default, src/measure/interleave.ts), after
 * warm-up rounds, so drift hits both alike. After the first INITIAL_RUNS rounds the verdict on
 * wall time decides (compareSamples, paired by round: the median of the per-round ratios B/A with
 * a bootstrap interval over rounds, and the Wilcoxon signed-rank test on their logarithms);
 * while it is "unknown", planAbRuns adds rounds (doubling) up to the cap, as Chromium's Pinpoint
 * adds attempts. CPU time and peak memory get verdicts of their own at the end, as guardrails
 * (DESIGN: a gain is refused when memory gets worse beyond the same threshold).
 *
 * The minimum effect is `minEffect` when given, else minimumEffect(userThreshold, A/A spread of
 * `calibration`): the largest of the person's threshold, 2% and the calibrated spread.
 *
 * Each side has its own command, directory and environment (B may run in a side work tree). A
 * failing run of either side ends the comparison with that side and run named; an AbortSignal is
 * honoured between runs.
 */
import {
  type Calibration,
  compareSamples,
  DEFAULT_WARMUP_RUNS,
  INITIAL_RUNS,
  interleave,
  type InterleaveOrder,
  MAX_AB_RUNS,
  minimumEffect,
  planAbRuns,
  type AbPlan,
  type Verdict,
} from "../measure/index.ts";
import { PerfloopError, UsageError } from "../errors.ts";
import { betterOf as metricBetter, metricLabel, metricUnit } from "../model/metrics.ts";
import type { Platform } from "../platform/types.ts";
import {
  abortText,
  type CommandRun,
  type CommandSpec,
  requireCount,
  requireLimits,
  type RunFailure,
  type RunLimits,
  type RunOutcome,
  runCommandOnce,
  summarizeRuns,
} from "./command-target.ts";
import type { MetricSummary } from "./types.ts";

export type Side = "a" | "b";

export interface AbProgress {
  phase: "warmup" | "measure";
  arm: Side;
  /** 1-based round within the phase. */
  round: number;
  /** Rounds planned so far in the phase (grows when the verdict asks for more). */
  of: number;
  last_ms: number;
}

export interface CompareCommandsOptions {
  /** The minimum effect as a fraction; overrides userThreshold and calibration when given. */
  minEffect?: number;
  /** Significance level of the rank test (default SIGNIFICANCE_LEVEL); lower it when many comparisons are judged. */
  alpha?: number;
  /** The person's own threshold, a fraction (0.05 = 5%). */
  userThreshold?: number | null;
  /** The A/A calibration of the baseline (calibration.ts); its spread raises the minimum effect. */
  calibration?: Pick<Calibration, "spread"> | null;
  /** Rounds before the first verdict (default INITIAL_RUNS). */
  initialRounds?: number;
  /** The cap on measured rounds, i.e. runs per arm (default MAX_AB_RUNS). */
  maxRuns?: number;
  /** Default DEFAULT_WARMUP_RUNS. */
  warmupRounds?: number;
  /** Default "abba". */
  order?: InterleaveOrder;
  /** Claim a change only after a confirming batch (src/measure/adaptive.ts); off by default, as measured. */
  confirmChanges?: boolean;
  /** Seed of the random order and of every bootstrap interval. */
  seed?: number;
  /** Per run; default DEFAULT_RUN_TIMEOUT_MS. */
  timeoutMs?: number;
  maxOutputBytes?: number;
  onProgress?: (event: AbProgress) => void;
  signal?: AbortSignal;
}

/**
 * The verdicts of the metrics the comparison did not judge, each paired on the same rounds: CPU
 * time and peak memory (null when unknown on some run or 0 on a baseline run), wall time when
 * another metric is judged, and each metric of the target kind's own (`CommandRun.values`: a
 * function's time per call, an endpoint's latencies) that was not judged.
 */
export interface Guardrails {
  cpu_time_ms: Verdict | null;
  memory_peak_mb: Verdict | null;
  wall_time_ms?: Verdict;
  [metric: string]: Verdict | null | undefined;
}

/**
 * One side of a comparison: how one of its rounds runs. A command's round is one run of it
 * (runCommandOnce); a function's or an endpoint's is a batch of calls or requests whose figures
 * go in the sample's `values` (src/execute/target-runners.ts).
 */
export interface Arm {
  runOnce(session: number, warmup: boolean, limits: RunLimits): Promise<RunOutcome>;
}

/** A command as an Arm. */
export function commandArm(platform: Platform, spec: CommandSpec): Arm {
  return { runOnce: (session, warmup, limits) => runCommandOnce(platform, spec, session, warmup, limits) };
}

/**
 * A round's value of `metric`, as the verdict compares it (lower is better): the sample's own
 * field for wall time, CPU time and peak memory, else the kind's figure in `values`; a metric
 * where higher is better (throughput) as its reciprocal, so that "faster" always means better.
 */
export function roundValue(sample: CommandRun, metric: string): number | null {
  const value = metric === "wall_time_ms" ? sample.wall_ms : metric === "cpu_time_ms" ? sample.cpu_ms : metric === "memory_peak_mb" ? sample.memory_peak_mb : (sample.values?.[metric] ?? null);
  if (value === null || value === undefined) return null;
  return metricBetter(metric) === "higher" ? (value > 0 ? 1 / value : Number.POSITIVE_INFINITY) : value;
}

interface Common {
  /** Every run of A, then of B, in the order run, warm-ups flagged (a run's `run` is its position in the session). */
  samples_a: CommandRun[];
  samples_b: CommandRun[];
  /** Measured rounds completed. */
  rounds: number;
}

export interface AbCompared extends Common {
  status: "ok";
  /** The metric the verdict judges: the comparison's `metric` (default wall time), or judgedBy's. */
  metric: string;
  /** The verdict on `metric`, B against A (a ratio of roundValue: below 1 is better). */
  verdict: Verdict;
  guardrails: Guardrails;
  metrics_a: Record<string, MetricSummary>;
  metrics_b: Record<string, MetricSummary>;
  stopped_because: "enough" | "cap";
  /** The planner's decisions, one per batch. */
  decisions: AbPlan[];
  min_effect: number;
  /** Where the minimum effect came from. */
  min_effect_source: "option" | "threshold_floor_calibration";
  warmup_rounds: number;
  order: InterleaveOrder;
  warnings: string[];
}

export interface AbFailed extends Common {
  status: "failed";
  side: Side;
  failure: RunFailure;
  /** e.g. "candidate (B): command failed on run 4: exit 1, ..." */
  message: string;
}

export interface AbAborted extends Common {
  status: "aborted";
  reason: string;
}

export type CompareCommandsResult = AbCompared | AbFailed | AbAborted;

const SIDE_NAMES: Record<Side, string> = { a: "baseline (A)", b: "candidate (B)" };

/** Compares command B against command A, interleaved and adaptive; see the module comment. */
export function compareCommands(platform: Platform, a: CommandSpec, b: CommandSpec, options: CompareCommandsOptions = {}): Promise<CompareCommandsResult> {
  return compareArms(commandArm(platform, a), commandArm(platform, b), options);
}

export interface CompareArmsOptions extends CompareCommandsOptions {
  /** The metric whose rounds the verdict judges and the planner adds rounds for (default wall time). */
  metric?: string;
}

/** Compares arm B against arm A, interleaved and adaptive, judged by `options.metric`; see the module comment. */
export async function compareArms(a: Arm, b: Arm, options: CompareArmsOptions = {}): Promise<CompareCommandsResult> {
  const metric = options.metric ?? "wall_time_ms";
  const warmupRounds = requireCount(options.warmupRounds ?? DEFAULT_WARMUP_RUNS, "warm-up rounds", 0);
  const maxRuns = requireCount(options.maxRuns ?? MAX_AB_RUNS, "the run cap", 2);
  const initialRounds = Math.min(requireCount(options.initialRounds ?? INITIAL_RUNS, "the initial rounds", 2), maxRuns);
  const limits = requireLimits(options);
  const order = options.order ?? "abba";
  const explicit = options.minEffect !== undefined;
  if (explicit && !((options.minEffect as number) >= 0 && (options.minEffect as number) < 1)) {
    throw new UsageError(`the minimum effect must be a fraction in [0, 1), got ${options.minEffect}`);
  }
  const minEffect = explicit
    ? (options.minEffect as number)
    : minimumEffect(options.userThreshold ?? null, options.calibration?.spread ?? null);
  // Each measured round holds one run of A and one of B, next to each other in time: the verdict
  // pairs them (per-round ratios, Wilcoxon signed-rank), so drift shared by a round cancels.
  const compare: CompareSettings = { minEffect, seed: options.seed, alpha: options.alpha, paired: true };

  const runs: Record<Side, CommandRun[]> = { a: [], b: [] };
  const measured: Record<Side, number[]> = { a: [], b: [] };
  const arms: Record<Side, Arm> = { a, b };
  let session = 0;
  let rounds = 0;
  const common = (): Common => ({ samples_a: runs.a, samples_b: runs.b, rounds });

  /** Runs one batch of the plan; returns how the comparison ended when a run ends it. */
  const runBatch = async (newRounds: number, warmup: number, planned: number): Promise<AbFailed | AbAborted | null> => {
    // ABBA continues across batches: after an odd number of rounds the next batch starts B A.
    const sides: Side[] = order === "abba" && rounds % 2 === 1 ? ["b", "a"] : ["a", "b"];
    const before = rounds;
    const plan = interleave(sides, newRounds, { order, warmupRounds: warmup, seed: (options.seed ?? 0) + before });
    for (const entry of plan) {
      if (options.signal?.aborted) {
        return { status: "aborted", ...common(), reason: `stopped before run ${session + 1}: ${abortText(options.signal)}` };
      }
      session++;
      const outcome = await arms[entry.arm].runOnce(session, entry.warmup, limits);
      runs[entry.arm].push(outcome.sample);
      if (!outcome.ok) {
        // A run that the person's Ctrl-C ended is the stop, not a failure of the command.
        if (options.signal?.aborted) return { status: "aborted", ...common(), reason: `stopped during run ${session}: ${abortText(options.signal)}` };
        const message = `${SIDE_NAMES[entry.arm]}: ${outcome.failure.message}`;
        return { status: "failed", ...common(), side: entry.arm, failure: outcome.failure, message };
      }
      if (!entry.warmup) {
        const value = roundValue(outcome.sample, metric);
        if (value === null) throw new PerfloopError("metric_not_measured", `the target's metric, ${metricLabel(metric)}, was not measured on run ${session}, so it cannot judge a change`, { hint: metric === "memory_peak_mb" ? "peak memory is measured for every run on x86_64 Linux only (docs/measurement.md): use a wall-time target elsewhere" : "use a wall-time target" });
        measured[entry.arm].push(value);
        if (measured.a.length === measured.b.length) rounds = measured.a.length;
      }
      options.onProgress?.({
        phase: entry.warmup ? "warmup" : "measure",
        arm: entry.arm,
        round: entry.warmup ? entry.round + 1 : before + entry.round + 1,
        of: entry.warmup ? warmup : planned,
        last_ms: outcome.sample.wall_ms,
      });
    }
    return null;
  };

  const warmed = await runBatch(0, warmupRounds, 0);
  if (warmed) return warmed;
  const decisions: AbPlan[] = [];
  let last: AbPlan;
  for (;;) {
    last = planAbRuns(measured.a, measured.b, {
      ...compare,
      initialRuns: initialRounds,
      maxRuns,
      confirmChanges: options.confirmChanges === true,
      provisional: decisions.at(-1)?.provisional ?? null,
    });
    if (last.verdict !== null) decisions.push(last);
    if (last.action !== "more") break;
    const stopped = await runBatch(last.runs, 0, rounds + last.runs);
    if (stopped) return stopped;
  }
  const verdict = last.verdict as Verdict;

  const measuredRuns = (side: Side) => runs[side].filter((sample) => !sample.warmup);
  const { guardrails, metrics_a, metrics_b, warnings } = summarizeSides(measuredRuns("a"), measuredRuns("b"), compare, { firstIsFirstRun: warmupRounds === 0, seed: options.seed }, metric);
  if (last.action === "cap") warnings.push(`undecided at the cap: ${last.reason}`);
  return {
    status: "ok",
    ...common(),
    metric,
    verdict,
    guardrails,
    metrics_a,
    metrics_b,
    stopped_because: last.action === "cap" ? "cap" : "enough",
    decisions,
    min_effect: minEffect,
    min_effect_source: explicit ? "option" : "threshold_floor_calibration",
    warmup_rounds: warmupRounds,
    order,
    warnings,
  };
}

type CompareSettings = { minEffect: number; seed?: number; alpha?: number; paired: true };

/**
 * Each side's metric summaries and the verdicts of the metrics not judged (Guardrails) on the
 * measured rounds. A metric no run measured (CPU time of an endpoint's requests) is left out
 * quietly; one measured on some runs only is left out with a warning.
 */
function summarizeSides(runsA: readonly CommandRun[], runsB: readonly CommandRun[], compare: CompareSettings, summaryOptions: { firstIsFirstRun: boolean; seed?: number }, judged: string): Pick<AbCompared, "guardrails" | "metrics_a" | "metrics_b" | "warnings"> {
  const sideA = summarizeRuns(runsA, summaryOptions);
  const sideB = summarizeRuns(runsB, summaryOptions);
  const warnings = [...sideA.warnings.map((text) => `${SIDE_NAMES.a}: ${text}`), ...sideB.warnings.map((text) => `${SIDE_NAMES.b}: ${text}`)];
  const guardrail = (metric: string): Verdict | null => {
    const valuesA = runsA.map((sample) => roundValue(sample, metric));
    const valuesB = runsB.map((sample) => roundValue(sample, metric));
    if ([...valuesA, ...valuesB].every((value) => value === null)) return null;
    if (valuesA.some((value) => value === null) || valuesB.some((value) => value === null)) {
      warnings.push(`no ${metric} guardrail: not measured on every run`);
      return null;
    }
    if (valuesA.some((value) => (value as number) <= 0 || !Number.isFinite(value))) {
      warnings.push(`no ${metric} guardrail: a baseline run measured 0`);
      return null;
    }
    return compareSamples(valuesA as number[], valuesB as number[], compare);
  };
  const own = [...new Set([...runsA, ...runsB].flatMap((sample) => Object.keys(sample.values ?? {})))];
  const guardrails: Guardrails = { cpu_time_ms: null, memory_peak_mb: null };
  for (const metric of ["wall_time_ms", "cpu_time_ms", "memory_peak_mb", ...own]) {
    // Counts (an endpoint's errors and requests) are judged as counts (execute/guardrails.ts), not as paired ratios.
    if (metric === judged || metricUnit(metric) === "count") continue;
    const verdict = guardrail(metric);
    if (verdict || metric !== "wall_time_ms") guardrails[metric] = verdict;
  }
  return { guardrails, metrics_a: sideA.metrics, metrics_b: sideB.metrics, warnings };
}

/**
 * One estimate from several comparisons of the same two trees (docs/measurement.md, "One figure
 * per change"): their measured rounds pooled, each round still a pair (one run of A, one of B, next
 * to each other in time), and the verdict computed again on all of them with the same minimum
 * effect, judged by `metric` (judgedBy). The first comparison's settings (warm-ups, order) describe the pool.
 */
export function poolComparisons(results: readonly AbCompared[], alpha?: number, metric: string = results[0]?.metric ?? "wall_time_ms"): AbCompared {
  const first = results[0];
  if (!first) throw new RangeError("poolComparisons needs at least one comparison");
  if (results.length === 1 && (alpha === undefined || alpha === first.verdict.alpha)) return judgedBy(first, metric);
  const measured = (samples: readonly CommandRun[]) => samples.filter((sample) => !sample.warmup);
  const runsA = results.flatMap((r) => measured(r.samples_a).slice(0, r.rounds));
  const runsB = results.flatMap((r) => measured(r.samples_b).slice(0, r.rounds));
  const compare: CompareSettings = { minEffect: first.min_effect, seed: first.verdict.seed, alpha, paired: true };
  const valuesOf = (runs: readonly CommandRun[]) => runs.map((sample) => roundValue(sample, metric) ?? Number.NaN);
  const verdict = compareSamples(valuesOf(runsA), valuesOf(runsB), compare);
  const sides = summarizeSides(runsA, runsB, compare, { firstIsFirstRun: false, seed: first.verdict.seed }, metric);
  return judgedBy({
    ...first,
    metric,
    samples_a: results.flatMap((r) => r.samples_a),
    samples_b: results.flatMap((r) => r.samples_b),
    rounds: runsA.length,
    verdict,
    ...sides,
    stopped_because: results.some((r) => r.stopped_because === "cap") ? "cap" : "enough",
    decisions: results.flatMap((r) => r.decisions),
    warnings: [...new Set([...results.flatMap((r) => r.warnings), ...sides.warnings])],
  }, metric);
}

/**
 * The comparison judged by `metric` (docs/run.md, "Guardrails"): its paired verdict becomes the
 * verdict, and the one judged before moves to the guardrails. A metric not measured on every run
 * cannot judge a change: that is an error, not a verdict.
 */
export function judgedBy(result: AbCompared, metric: string): AbCompared {
  if (metric === result.metric) return result;
  const verdict = result.guardrails[metric];
  if (!verdict) {
    throw new PerfloopError("metric_not_measured", `the target's metric, ${metricLabel(metric)}, was not measured on every run, so it cannot judge a change`, {
      hint: metric === "memory_peak_mb" ? "peak memory is measured for every run on x86_64 Linux only (docs/measurement.md): use a wall-time target elsewhere" : "use a wall-time target",
    });
  }
  const guardrails: Guardrails = { ...result.guardrails, [result.metric]: result.verdict };
  delete guardrails[metric];
  return { ...result, metric, verdict, guardrails: { ...guardrails, cpu_time_ms: guardrails.cpu_time_ms ?? null, memory_peak_mb: guardrails.memory_peak_mb ?? null } };
}
