/**
 * `perfloop compare A B`: is command B faster than command A? Both run interleaved in one session
 * (A B B A ...), after a warm-up, adding rounds while the verdict is unknown, up to a cap. The
 * minimum effect is the largest of the person's threshold, 2%, and the spread of A against itself
 * (an A/A calibration, stored per command and machine and reused).
 */
import { CancelledError, PerfloopError, UsageError } from "../errors.ts";
import type { Platform } from "../platform/index.ts";
import { requireProjectRoot } from "./project-root.ts";
import { type AbCompared, type AbProgress, compareCommands } from "./ab-sampler.ts";
import { type CalibrationReady, calibrateCommand } from "./calibration.ts";
import type { MachineFingerprint } from "./calibration.ts";
import { machineFingerprint } from "./calibration.ts";

export interface CompareOptions {
  a: string;
  b: string;
  projectRoot: string;
  /** The person's own threshold, a fraction (0.05 = 5%). */
  threshold?: number;
  maxRuns?: number;
  warmup?: number;
  /** Use (or measure and store) an A/A calibration of A; default true. */
  calibrate?: boolean;
  timeoutMs?: number;
}

export type CompareEvent = { stage: "calibrate" | "compare"; progress: AbProgress } | { stage: "calibrate-start" | "compare-start" };

export interface CompareReport {
  a: string;
  b: string;
  project_root: string;
  comparison: AbCompared;
  calibration: Pick<CalibrationReady, "calibration" | "source" | "path" | "reason"> | null;
  machine: MachineFingerprint;
  warnings: string[];
}

function failure(side: string, command: string, message: string, exitCode: number | null, run: number): PerfloopError {
  if ((exitCode === 127 || exitCode === null) && run <= 2) {
    return new UsageError(`${side} could not run: ${command} (${message})`, "check the command's spelling and that it is installed; it runs with /bin/sh -c in the project root");
  }
  return new PerfloopError("command_failed", message, { hint: "both commands must succeed on every run to be compared" });
}

export async function runCompare(platform: Platform, options: CompareOptions, onEvent: (event: CompareEvent) => void = () => {}, signal?: AbortSignal): Promise<CompareReport> {
  requireProjectRoot(options.projectRoot);
  for (const [flag, command] of [["A", options.a], ["B", options.b]] as const) {
    if (!command.trim()) throw new UsageError(`command ${flag} is empty`, 'pass two commands in quotes: perfloop compare "<A>" "<B>"');
  }
  if (options.threshold !== undefined && !(options.threshold >= 0 && options.threshold < 1)) {
    throw new UsageError(`--threshold must be a percentage from 0 to 99 (got ${options.threshold * 100})`, "e.g. --threshold 5 for 5%");
  }
  if (options.maxRuns !== undefined && (!Number.isInteger(options.maxRuns) || options.maxRuns < 2)) {
    throw new UsageError(`--max-runs must be a whole number of at least 2 (got ${options.maxRuns})`, "e.g. --max-runs 60");
  }
  if (options.warmup !== undefined && (!Number.isInteger(options.warmup) || options.warmup < 0)) {
    throw new UsageError(`--warmup must be a whole number of at least 0 (got ${options.warmup})`, "e.g. --warmup 1");
  }
  const env = platform.env;
  const cwd = options.projectRoot;
  const warnings: string[] = [];
  let calibration: CompareReport["calibration"] = null;
  if (options.calibrate !== false) {
    onEvent({ stage: "calibrate-start" });
    const calibrated = await calibrateCommand(platform, {
      command: options.a,
      cwd,
      env,
      projectRoot: options.projectRoot,
      timeoutMs: options.timeoutMs,
      signal,
      onProgress: (progress) => onEvent({ stage: "calibrate", progress }),
    });
    if (signal?.aborted || calibrated.status === "aborted") throw new CancelledError("compare stopped before it finished");
    if (calibrated.status === "failed") throw failure("command A", options.a, calibrated.message, calibrated.failure.exit_code, calibrated.failure.run);
    calibration = { calibration: calibrated.calibration, source: calibrated.source, path: calibrated.path, reason: calibrated.reason };
    warnings.push(...calibrated.warnings);
  }
  onEvent({ stage: "compare-start" });
  const result = await compareCommands(platform, { command: options.a, cwd, env }, { command: options.b, cwd, env }, {
    userThreshold: options.threshold ?? null,
    calibration: calibration?.calibration ?? null,
    maxRuns: options.maxRuns,
    warmupRounds: options.warmup,
    timeoutMs: options.timeoutMs,
    signal,
    onProgress: (progress) => onEvent({ stage: "compare", progress }),
  });
  if (signal?.aborted || result.status === "aborted") throw new CancelledError("compare stopped before it finished");
  if (result.status === "failed") {
    const side = result.side === "a" ? "command A" : "command B";
    throw failure(side, result.side === "a" ? options.a : options.b, result.message, result.failure.exit_code, result.failure.run);
  }
  warnings.push(...result.warnings);
  return { a: options.a, b: options.b, project_root: options.projectRoot, comparison: result, calibration, machine: machineFingerprint(platform), warnings };
}
