/**
 * Measuring a command target (DESIGN, "The workers / Profile"): warm-up runs, then a fixed number
 * of runs or as many as the noise asks for (src/measure/adaptive.ts: start at INITIAL_RUNS, add
 * runs while the bootstrap interval of the median wall time is wider than the minimum effect, up
 * to a cap). The command line is run as given, by `/bin/sh -c` (Platform.spawn's `shell`).
 *
 * Per run: wall time, CPU user + system, peak RSS, storage I/O, the time spent waiting for a CPU
 * (src/platform/cpu-wait.ts), exit code and the step markers the program printed. Per metric over
 * the measured runs (warm-up runs are kept in `samples`, flagged, and never enter a statistic):
 * median, MAD (raw), min, max, a bootstrap 95% interval of the median and the outliers with their
 * reasons (modified z-score, src/measure/outliers.ts). A metric the runtime cannot measure on every
 * run is left out, with a warning, rather than summarised from a biased subset (Deno reports peak
 * RSS only for a child that set a new high-water mark). Measured runs ask for the command's own
 * peak (SpawnRequest.exactPeakMemory): on x86_64 Linux under Bun even a peak below perfloop's own.
 *
 * A run that exits non-zero, is killed, times out or cannot start ends the measurement: the result
 * is a failure naming the run, the exit status and the tail of its stderr, with no metrics (the
 * numbers of a failing command say nothing about its performance). An AbortSignal is honoured
 * between runs; the result then says how far it got.
 */
import {
  bootstrapMedianCi,
  DEFAULT_WARMUP_RUNS,
  findOutliers,
  INITIAL_RUNS,
  MAX_RUNS,
  MIN_EFFECT_FLOOR,
  planSampleRuns,
  type SamplePlan,
  summarize,
} from "../measure/index.ts";
import { UsageError } from "../errors.ts";
import { betterOf, metricUnit } from "../model/metrics.ts";
import type { Platform, SpawnResult } from "../platform/types.ts";
import { aggregateStepMarkers, createStepMarkerCollector, type RunStepMarkers, type StepMarkerSummary } from "./step-markers.ts";
import type { MetricSummary, Step } from "./types.ts";

/** Time limit of one run unless the caller gives one: long builds are real targets. */
export const DEFAULT_RUN_TIMEOUT_MS = 10 * 60_000;
/** Output kept per stream of a run (only its tail is used: for the failure message). */
export const DEFAULT_MAX_OUTPUT_BYTES = 256 * 1024;
/** Lines and characters of stderr (or stdout, when stderr is empty) quoted on failure. */
export const OUTPUT_TAIL_LINES = 20;
export const OUTPUT_TAIL_MAX_CHARS = 2_000;
/** Below this median wall time, process start-up dominates (hyperfine warns under 5 ms too). */
export const SHORT_COMMAND_MS = 5;
/**
 * Every measured run gets this variable holding 0 to LAYOUT_OFFSET_MAX - 1 "X"s, a new random
 * length each run, as hyperfine does (HYPERFINE_RANDOMIZED_ENVIRONMENT_OFFSET, since 1.12). The
 * environment sits at the top of a process's stack, so its size shifts the alignment of everything
 * below; one fixed alignment can make a program a few percent faster or slower for no reason
 * (T. Mytkowicz, A. Diwan, M. Hauswirth, P. F. Sweeney, "Producing Wrong Data Without Doing
 * Anything Obviously Wrong!", ASPLOS 2009). Varying it turns that bias into noise that the
 * statistics see, for both arms of a comparison alike.
 */
export const LAYOUT_OFFSET_VARIABLE = "PERFLOOP_RANDOMIZED_ENVIRONMENT_OFFSET";
/** One page: every stack alignment below it is reachable. */
export const LAYOUT_OFFSET_MAX = 4096;

/** A new random offset value, uniform over 0 .. LAYOUT_OFFSET_MAX - 1 characters. */
export function layoutOffsetValue(): string {
  const [word] = crypto.getRandomValues(new Uint32Array(1));
  return "X".repeat((word ?? 0) % LAYOUT_OFFSET_MAX);
}

/** memory_peak_mb is in MiB. */
const BYTES_PER_MB = 1024 * 1024;

/** A command line and where it runs. */
export interface CommandSpec {
  command: string;
  cwd: string;
  /** The child's complete environment (Platform.spawn inherits nothing). */
  env: Readonly<Record<string, string | undefined>>;
}

/** One run's measurements (snake_case: stored as is). */
export interface CommandRun {
  /** 1-based position among all runs of this measurement, warm-up runs included. */
  run: number;
  warmup: boolean;
  wall_ms: number;
  /** User + system CPU of the command and what it waited for; null when unknown. */
  cpu_ms: number | null;
  cpu_user_ms: number | null;
  cpu_system_ms: number | null;
  /** Peak resident set size of the largest process, MiB; null when unknown. */
  memory_peak_mb: number | null;
  io_read_bytes: number | null;
  io_write_bytes: number | null;
  /** Time the run waited for a CPU that other work held (SpawnResult.cpuWaitMs); null when unknown. */
  cpu_wait_ms: number | null;
  cpu_wait_source: "schedstat" | "loadavg" | null;
  exit_code: number | null;
  markers: RunStepMarkers;
  /** Processes the run left running, which perfloop ended (SpawnResult.leftoverProcesses). */
  leftover_processes: number | null;
  /**
   * The round's figures of a function or an endpoint target, by metric key (model/metrics.ts):
   * time per call, latencies, throughput (src/execute/target-runners.ts). A command has none.
   */
  values?: Readonly<Record<string, number>>;
}

/** Why a run ended the measurement. */
export interface RunFailure {
  run: number;
  warmup: boolean;
  exit_code: number | null;
  signal: string | null;
  timed_out: boolean;
  spawn_error: string | null;
  stderr_tail: string;
  stdout_tail: string;
  /** e.g. "command failed on run 3: exit 1, stderr tail: ..." */
  message: string;
}

export type RunOutcome = { ok: true; sample: CommandRun } | { ok: false; sample: CommandRun; failure: RunFailure };

export interface RunLimits {
  timeoutMs: number;
  maxOutputBytes: number;
}

/** The last lines of a captured stream, trimmed, at most OUTPUT_TAIL_MAX_CHARS. */
export function outputTail(text: string): string {
  const lines = text.trimEnd().split("\n").slice(-OUTPUT_TAIL_LINES).join("\n");
  return lines.length > OUTPUT_TAIL_MAX_CHARS ? `...${lines.slice(-OUTPUT_TAIL_MAX_CHARS)}` : lines;
}

/** Runs the command once and measures it; a non-zero exit, a signal or a timeout is a failure. */
export async function runCommandOnce(
  platform: Platform,
  spec: CommandSpec,
  run: number,
  warmup: boolean,
  limits: RunLimits,
): Promise<RunOutcome> {
  const markers = createStepMarkerCollector();
  const result = await platform.spawn({
    shell: spec.command,
    cwd: spec.cwd,
    env: { ...spec.env, [LAYOUT_OFFSET_VARIABLE]: layoutOffsetValue() },
    timeoutMs: limits.timeoutMs,
    maxOutputBytes: limits.maxOutputBytes,
    onOutputLine: (_stream, line) => markers.push(line),
    exactPeakMemory: true,
  });
  const sample = runSample(result, run, warmup, markers.result());
  if (result.exitCode === 0 && !result.timedOut && result.spawnError === null) return { ok: true, sample };

  const cause =
    result.spawnError !== null
      ? `could not start: ${result.spawnError}`
      : result.timedOut
        ? `timed out after ${limits.timeoutMs} ms`
        : result.signal !== null
          ? `killed by ${result.signal}`
          : `exit ${result.exitCode}`;
  const stderrTail = outputTail(result.stderr);
  const stdoutTail = outputTail(result.stdout);
  const quoted = stderrTail !== "" ? `, stderr tail: ${stderrTail}` : stdoutTail !== "" ? `, stdout tail: ${stdoutTail}` : "";
  return {
    ok: false,
    sample,
    failure: {
      run,
      warmup,
      exit_code: result.exitCode,
      signal: result.signal,
      timed_out: result.timedOut,
      spawn_error: result.spawnError,
      stderr_tail: stderrTail,
      stdout_tail: stdoutTail,
      message: `command failed on run ${run}${warmup ? " (a warm-up run)" : ""}: ${cause}${quoted}`,
    },
  };
}

/** One run's figures from its process's result (a function's round is a process too: execute/target-runners.ts). */
export function runSample(result: SpawnResult, run: number, warmup: boolean, markers: CommandRun["markers"]): CommandRun {
  return {
    run,
    warmup,
    wall_ms: result.wallMs,
    cpu_ms: result.cpuUserMs !== null && result.cpuSystemMs !== null ? result.cpuUserMs + result.cpuSystemMs : null,
    cpu_user_ms: result.cpuUserMs,
    cpu_system_ms: result.cpuSystemMs,
    memory_peak_mb: result.maxRssBytes === null ? null : result.maxRssBytes / BYTES_PER_MB,
    io_read_bytes: result.ioReadBytes,
    io_write_bytes: result.ioWriteBytes,
    cpu_wait_ms: result.cpuWaitMs,
    cpu_wait_source: result.cpuWaitSource,
    exit_code: result.exitCode,
    markers,
    leftover_processes: result.leftoverProcesses,
  };
}

type NumericField = "wall_ms" | "cpu_ms" | "memory_peak_mb" | "io_read_bytes" | "io_write_bytes";

/** The metrics reported for a command, by name (model/metrics.ts): the sample field. */
const METRICS: readonly { name: string; field: NumericField }[] = [
  { name: "wall_time_ms", field: "wall_ms" },
  { name: "cpu_time_ms", field: "cpu_ms" },
  { name: "memory_peak_mb", field: "memory_peak_mb" },
  { name: "io_read_bytes", field: "io_read_bytes" },
  { name: "io_write_bytes", field: "io_write_bytes" },
];

export interface SummaryOptions {
  /** Whether the first measured run was the first run at all (no warm-up): reads a slow one as cold. */
  firstIsFirstRun: boolean;
  /** Bootstrap seed; default the package's. */
  seed?: number;
}

/** One metric over measured values, with its unit and direction from the vocabulary (model/metrics.ts). */
export function summarizeMetric(name: string, values: readonly number[], options: SummaryOptions): MetricSummary {
  const summary = summarize(values);
  const interval = bootstrapMedianCi(values, { seed: options.seed });
  return {
    name,
    unit: metricUnit(name),
    better: betterOf(name),
    n: summary.n,
    median: summary.median,
    mad: summary.mad,
    min: summary.min,
    max: summary.max,
    ci: [interval.lo, interval.hi],
    confidence: interval.confidence,
    outliers: findOutliers(values, { firstSampleIsFirstRun: options.firstIsFirstRun }),
  };
}

/** Metrics of measured runs (outlier indexes are positions among them); a metric missing on any run is left out with a warning. */
export function summarizeRuns(
  measured: readonly CommandRun[],
  options: SummaryOptions,
): { metrics: Record<string, MetricSummary>; warnings: string[] } {
  const metrics: Record<string, MetricSummary> = {};
  const warnings: string[] = [];
  if (measured.length === 0) return { metrics, warnings };
  for (const metric of METRICS) {
    const values = measured.map((sample) => sample[metric.field]);
    const known = values.filter((value): value is number => value !== null);
    if (known.length === values.length) {
      metrics[metric.name] = summarizeMetric(metric.name, known, options);
    } else {
      const why =
        metric.name === "memory_peak_mb"
          ? "perfloop measures every peak on x86_64 Linux under Bun or its binary; elsewhere a peak below perfloop's own memory cannot be told apart from it; see docs/measurement.md, Peak memory"
          : "this runtime does not measure it for every child";
      warnings.push(`${metric.name} left out: known on ${known.length} of ${values.length} runs (${why})`);
    }
  }
  for (const name of new Set(measured.flatMap((sample) => Object.keys(sample.values ?? {})))) {
    const known = measured.flatMap((sample) => (sample.values?.[name] === undefined ? [] : [sample.values[name]]));
    if (known.length === measured.length) metrics[name] = summarizeMetric(name, known, options);
    else warnings.push(`${name} left out: known on ${known.length} of ${measured.length} runs`);
  }
  const leaving = measured.filter((sample) => (sample.leftover_processes ?? 0) > 0);
  if (leaving.length > 0) {
    const most = Math.max(...leaving.map((sample) => sample.leftover_processes ?? 0));
    warnings.push(`the command left processes running after ${leaving.length} of ${measured.length} runs (up to ${most} at once); perfloop ended them when each run ended (docs/safety.md)`);
  }
  return { metrics, warnings };
}

export interface MeasureProgress {
  phase: "warmup" | "measure";
  /** 1-based within the phase. */
  run: number;
  /** Runs planned in the phase; null when adaptive (the noise decides). */
  of: number | null;
  last_ms: number;
}

export interface MeasureCommandOptions extends CommandSpec {
  /** Default DEFAULT_WARMUP_RUNS (1). */
  warmupRuns?: number;
  /** A fixed number of measured runs; when absent the count is adaptive. */
  runs?: number;
  /** Adaptive: first decision after this many runs (default INITIAL_RUNS). */
  initialRuns?: number;
  /** Adaptive: the cap (default MAX_RUNS). */
  maxRuns?: number;
  /** Adaptive: the median's interval must be this narrow, relative (default MIN_EFFECT_FLOOR). */
  minEffect?: number;
  /** Per run; default DEFAULT_RUN_TIMEOUT_MS. */
  timeoutMs?: number;
  maxOutputBytes?: number;
  /** Bootstrap seed of every interval. */
  seed?: number;
  onProgress?: (event: MeasureProgress) => void;
  /** Checked before every run. */
  signal?: AbortSignal;
}

export interface RunPlanRecord {
  mode: "fixed" | "adaptive";
  /** The planner's decisions, from the first one after the initial runs (adaptive only). */
  decisions: SamplePlan[];
  stopped_because: "fixed" | "enough" | "cap";
  reason: string;
  min_effect: number | null;
  max_runs: number | null;
}

interface Common {
  command: string;
  cwd: string;
  /** Every run, warm-up runs first (flagged). */
  samples: CommandRun[];
}

export interface CommandMeasured extends Common {
  status: "ok";
  runs: number;
  warmup_runs: number;
  metrics: Record<string, MetricSummary>;
  /** From step markers (type "step_marker"), a tree. */
  steps: Step[];
  step_markers: StepMarkerSummary;
  plan: RunPlanRecord;
  warnings: string[];
}

export interface CommandFailed extends Common {
  status: "failed";
  failure: RunFailure;
}

export interface CommandAborted extends Common {
  status: "aborted";
  reason: string;
}

export type MeasureCommandResult = CommandMeasured | CommandFailed | CommandAborted;

export function requireCount(value: number, what: string, min: number): number {
  if (!Number.isInteger(value) || value < min) throw new UsageError(`${what} must be an integer >= ${min}, got ${value}`);
  return value;
}

export function requireLimits(options: { timeoutMs?: number; maxOutputBytes?: number }): RunLimits {
  const timeoutMs = options.timeoutMs ?? DEFAULT_RUN_TIMEOUT_MS;
  if (!(Number.isFinite(timeoutMs) && timeoutMs > 0)) throw new UsageError(`the run time limit must be > 0 ms, got ${timeoutMs}`);
  const maxOutputBytes = requireCount(options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES, "the output limit (bytes)", 0);
  return { timeoutMs, maxOutputBytes };
}

/** Measures a command: warm-up, then fixed or adaptive runs; see the module comment. */
export async function measureCommand(platform: Platform, options: MeasureCommandOptions): Promise<MeasureCommandResult> {
  const warmupRuns = requireCount(options.warmupRuns ?? DEFAULT_WARMUP_RUNS, "warm-up runs", 0);
  const fixed = options.runs === undefined ? null : requireCount(options.runs, "the number of runs", 1);
  const maxRuns = requireCount(options.maxRuns ?? MAX_RUNS, "the run cap", 1);
  const initialRuns = Math.min(requireCount(options.initialRuns ?? INITIAL_RUNS, "the initial runs", 1), maxRuns);
  const minEffect = options.minEffect ?? MIN_EFFECT_FLOOR;
  if (!(minEffect > 0 && minEffect < 1)) throw new UsageError(`the minimum effect must be a fraction in (0, 1), got ${minEffect}`);
  const limits = requireLimits(options);
  const spec: CommandSpec = { command: options.command, cwd: options.cwd, env: options.env };
  const common = (): Common => ({ command: spec.command, cwd: spec.cwd, samples });

  const samples: CommandRun[] = [];
  const measured: CommandRun[] = [];
  type Stop = CommandFailed | CommandAborted;

  /** Runs once; returns how the measurement ended when this run ends it, else null. */
  const step = async (warmup: boolean, of: number | null): Promise<Stop | null> => {
    if (options.signal?.aborted) {
      return { status: "aborted", ...common(), reason: `stopped before run ${samples.length + 1}: ${abortText(options.signal)}` };
    }
    const outcome = await runCommandOnce(platform, spec, samples.length + 1, warmup, limits);
    samples.push(outcome.sample);
    if (!outcome.ok) return { status: "failed", ...common(), failure: outcome.failure };
    if (!warmup) measured.push(outcome.sample);
    const run = warmup ? samples.length : measured.length;
    options.onProgress?.({ phase: warmup ? "warmup" : "measure", run, of, last_ms: outcome.sample.wall_ms });
    return null;
  };
  /** Runs `count` times; stops at the first run that ends the measurement. */
  const repeat = async (count: number, warmup: boolean, of: number | null): Promise<Stop | null> => {
    for (let i = 0; i < count; i++) {
      const stopped = await step(warmup, of);
      if (stopped) return stopped;
    }
    return null;
  };

  const warmedUp = await repeat(warmupRuns, true, warmupRuns);
  if (warmedUp) return warmedUp;

  const decisions: SamplePlan[] = [];
  let plan: RunPlanRecord;
  if (fixed !== null) {
    const stopped = await repeat(fixed, false, fixed);
    if (stopped) return stopped;
    plan = { mode: "fixed", decisions, stopped_because: "fixed", reason: `${fixed} runs, as asked`, min_effect: null, max_runs: null };
  } else {
    const planOptions = { initialRuns, maxRuns, minEffect, seed: options.seed };
    for (;;) {
      const next = planSampleRuns(measured.map((sample) => sample.wall_ms), planOptions);
      if (measured.length >= initialRuns) decisions.push(next);
      if (next.action !== "more") {
        plan = { mode: "adaptive", decisions, stopped_because: next.action, reason: next.reason, min_effect: minEffect, max_runs: maxRuns };
        break;
      }
      const stopped = await repeat(next.runs, false, null);
      if (stopped) return stopped;
    }
  }

  const { metrics, warnings } = summarizeRuns(measured, { firstIsFirstRun: warmupRuns === 0, seed: options.seed });
  const medianWall = metrics.wall_time_ms?.median ?? null;
  const stepMarkers = aggregateStepMarkers(measured.map((sample) => sample.markers), medianWall);
  if (medianWall !== null && medianWall < SHORT_COMMAND_MS) {
    warnings.push(
      `the command takes ${medianWall.toFixed(2)} ms, under ${SHORT_COMMAND_MS} ms: ` +
        "process start-up is a large part of what is measured",
    );
  }
  if (plan.stopped_because === "cap") warnings.push(`noisy: ${plan.reason}`);
  for (const [name, metric] of Object.entries(metrics)) {
    if (metric.outliers.length > 0) warnings.push(`${name}: ${metric.outliers.length} outlier run(s), flagged and kept`);
  }
  warnings.push(...stepMarkers.warnings);
  return {
    status: "ok",
    ...common(),
    runs: measured.length,
    warmup_runs: warmupRuns,
    metrics,
    steps: stepMarkers.steps,
    step_markers: stepMarkers,
    plan,
    warnings,
  };
}

/** The abort reason as text. */
export function abortText(signal: AbortSignal): string {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason.message;
  return reason === undefined ? "aborted" : String(reason);
}
