/**
 * The A/A calibration of a command target (DESIGN, "Deciding that a change is real"): the
 * baseline run against itself, interleaved (ABBA) after a warm-up, CALIBRATION_RUNS_PER_ARM runs
 * per arm; src/measure/min-effect.ts turns the two arms into a spread (how far apart identical
 * runs look at 95%), which raises the minimum effect a later comparison must show.
 *
 * Done once per target and machine, stored as JSON at
 *     <projectRoot>/.hex-skills/optimization/calibration/<key>.json,
 *     key = the first 16 hex digits of sha256(command + "\0" + cwd)
 * (the NUL keeps "a b" + "c" apart from "a" + "b c"; the record repeats command and cwd, so a
 * key collision is seen and recomputed). A stored calibration is reused only when it parses with
 * the schema below, names the same command and directory, has at least the runs asked for, and
 * was measured on the same machine: the fingerprint (os, arch, CPU model, core count, runtime and
 * its version, and a hash of the host name, so the file does not reveal it) must match field by
 * field. Anything else is recomputed, and the result says why; a corrupt file is a warning, not an
 * error, since it can always be measured again. Files are written atomically (atomic-fs.ts).
 */
import { createHash } from "node:crypto";
import os from "node:os";
import { join } from "node:path";
import * as v from "valibot";
import { type Calibration, calibrate } from "../measure/index.ts";
import type { Platform } from "../platform/types.ts";
import { readTextIfExists, writeJsonAtomic } from "../runtime/atomic-fs.ts";
import { type AbProgress, compareCommands } from "./ab-sampler.ts";
import { type CommandRun, type CommandSpec, requireCount, type RunFailure } from "./command-target.ts";

/** Runs per arm of the A/A comparison (10 + 10, as DESIGN's first batch). */
export const CALIBRATION_RUNS_PER_ARM = 10;
/** Format version of the stored record. */
export const CALIBRATION_FILE_VERSION = 1;
/** Hex digits of the sha256 used for the file name and the host name hash. */
const KEY_HEX_DIGITS = 16;

const sha256Hex = (text: string): string => createHash("sha256").update(text).digest("hex");

export interface MachineFingerprint {
  os: string;
  arch: string;
  cpu_model: string;
  cpu_count: number;
  runtime: string;
  runtime_version: string;
  /** First 16 hex digits of sha256(host name). */
  hostname_sha256: string;
}

/** This machine and runtime, as far as a timing depends on them. */
export function machineFingerprint(platform: Platform): MachineFingerprint {
  const cpus = os.cpus();
  return {
    os: `${os.platform()} ${os.release()}`,
    arch: os.arch(),
    cpu_model: cpus[0]?.model.trim() ?? "unknown",
    cpu_count: cpus.length,
    runtime: platform.runtime,
    runtime_version: platform.runtimeVersion,
    hostname_sha256: sha256Hex(os.hostname()).slice(0, KEY_HEX_DIGITS),
  };
}

/** The names of the fingerprint fields that differ, with both values. */
export function fingerprintDifferences(stored: MachineFingerprint, current: MachineFingerprint): string[] {
  const keys = Object.keys(current) as (keyof MachineFingerprint)[];
  return keys
    .filter((key) => stored[key] !== current[key])
    .map((key) => `${key} ${JSON.stringify(stored[key])} -> ${JSON.stringify(current[key])}`);
}

export function calibrationKey(command: string, cwd: string): string {
  return sha256Hex(`${command}\0${cwd}`).slice(0, KEY_HEX_DIGITS);
}

export function calibrationPath(projectRoot: string, command: string, cwd: string): string {
  return join(projectRoot, ".hex-skills", "optimization", "calibration", `${calibrationKey(command, cwd)}.json`);
}

const finite = () => v.pipe(v.number(), v.finite());
const positiveInt = () => v.pipe(v.number(), v.integer(), v.minValue(1));
const fraction = () => v.pipe(v.number(), v.minValue(0), v.maxValue(1));

const FingerprintSchema = v.object({
  os: v.string(),
  arch: v.string(),
  cpu_model: v.string(),
  cpu_count: v.pipe(v.number(), v.integer(), v.minValue(0)),
  runtime: v.string(),
  runtime_version: v.string(),
  hostname_sha256: v.string(),
});

const CalibrationSchema = v.object({
  spread: v.pipe(finite(), v.minValue(0)),
  ratio: finite(),
  ratio_ci: v.tuple([finite(), finite()]),
  p_value: fraction(),
  n_a: positiveInt(),
  n_b: positiveInt(),
  confidence: fraction(),
  resamples: positiveInt(),
  seed: finite(),
  reason: v.string(),
});

/** The stored record; loose, so that fields a later perfloop adds survive. */
export const StoredCalibrationSchema = v.looseObject({
  version: v.literal(CALIBRATION_FILE_VERSION),
  command: v.string(),
  cwd: v.string(),
  created_at: v.pipe(v.string(), v.isoTimestamp()),
  fingerprint: FingerprintSchema,
  runs_per_arm: positiveInt(),
  warmup_rounds: v.pipe(v.number(), v.integer(), v.minValue(0)),
  calibration: CalibrationSchema,
  wall_ms_a: v.array(finite()),
  wall_ms_b: v.array(finite()),
});
export type StoredCalibration = v.InferOutput<typeof StoredCalibrationSchema>;

export type StoredLookup =
  | { status: "missing" }
  | { status: "corrupt"; detail: string }
  | { status: "stale"; detail: string }
  | { status: "ok"; record: StoredCalibration };

/** Reads and checks a stored calibration; never throws for a bad file. */
export function readStoredCalibration(
  path: string,
  expected: { command: string; cwd: string; fingerprint: MachineFingerprint; runsPerArm: number },
): StoredLookup {
  let text: string | null;
  try {
    text = readTextIfExists(path);
  } catch (error) {
    return { status: "corrupt", detail: `cannot be read: ${error instanceof Error ? error.message : String(error)}` };
  }
  if (text === null) return { status: "missing" };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { status: "corrupt", detail: "not JSON" };
  }
  const parsed = v.safeParse(StoredCalibrationSchema, json);
  if (!parsed.success) {
    const issue = parsed.issues[0];
    const where = v.getDotPath(issue);
    return { status: "corrupt", detail: `${where ?? "the record"}: ${issue.message}` };
  }
  const record = parsed.output;
  if (record.command !== expected.command || record.cwd !== expected.cwd) {
    return { status: "stale", detail: "it belongs to another command or directory" };
  }
  const differences = fingerprintDifferences(record.fingerprint, expected.fingerprint);
  if (differences.length > 0) return { status: "stale", detail: `measured on another machine or runtime (${differences.join("; ")})` };
  if (record.runs_per_arm < expected.runsPerArm) {
    return { status: "stale", detail: `it has ${record.runs_per_arm} runs per arm, ${expected.runsPerArm} are asked for` };
  }
  return { status: "ok", record };
}

export interface CalibrateCommandOptions extends CommandSpec {
  /** The project whose `.hex-skills/optimization/calibration/` holds the file. */
  projectRoot: string;
  /** Default CALIBRATION_RUNS_PER_ARM. */
  runsPerArm?: number;
  warmupRounds?: number;
  timeoutMs?: number;
  maxOutputBytes?: number;
  seed?: number;
  /** Measure again even when a valid calibration is stored. */
  force?: boolean;
  /** This machine's fingerprint; default machineFingerprint(platform) (tests pass another). */
  fingerprint?: MachineFingerprint;
  onProgress?: (event: AbProgress) => void;
  signal?: AbortSignal;
}

export interface CalibrationReady {
  status: "ok";
  calibration: Calibration;
  record: StoredCalibration;
  source: "stored" | "measured";
  path: string;
  /** Why it was measured, or that it was reused. */
  reason: string;
  warnings: string[];
}

export interface CalibrationFailed {
  status: "failed";
  path: string;
  failure: RunFailure;
  message: string;
  samples: CommandRun[];
}

export interface CalibrationAborted {
  status: "aborted";
  path: string;
  reason: string;
}

export type CalibrateCommandResult = CalibrationReady | CalibrationFailed | CalibrationAborted;

/** The stored calibration when it is still valid, else a new A/A measurement, stored. */
export async function calibrateCommand(platform: Platform, options: CalibrateCommandOptions): Promise<CalibrateCommandResult> {
  const runsPerArm = requireCount(options.runsPerArm ?? CALIBRATION_RUNS_PER_ARM, "calibration runs per arm", 2);
  const fingerprint = options.fingerprint ?? machineFingerprint(platform);
  const path = calibrationPath(options.projectRoot, options.command, options.cwd);
  const warnings: string[] = [];
  let why: string;
  if (options.force) {
    why = "measured again, as asked";
  } else {
    const stored = readStoredCalibration(path, { command: options.command, cwd: options.cwd, fingerprint, runsPerArm });
    if (stored.status === "ok") {
      return {
        status: "ok",
        calibration: stored.record.calibration,
        record: stored.record,
        source: "stored",
        path,
        reason: `reused the calibration of ${stored.record.created_at}`,
        warnings,
      };
    }
    if (stored.status === "corrupt") {
      warnings.push(`calibration file ${path} is corrupt (${stored.detail}); ignored and measured again`);
      why = `the stored calibration is corrupt (${stored.detail})`;
    } else if (stored.status === "stale") {
      why = `the stored calibration does not apply: ${stored.detail}`;
    } else {
      why = "no calibration stored";
    }
  }

  const spec: CommandSpec = { command: options.command, cwd: options.cwd, env: options.env };
  const compared = await compareCommands(platform, spec, spec, {
    initialRounds: runsPerArm,
    maxRuns: runsPerArm,
    warmupRounds: options.warmupRounds,
    timeoutMs: options.timeoutMs,
    maxOutputBytes: options.maxOutputBytes,
    seed: options.seed,
    onProgress: options.onProgress,
    signal: options.signal,
  });
  if (compared.status === "aborted") return { status: "aborted", path, reason: compared.reason };
  if (compared.status === "failed") {
    return {
      status: "failed",
      path,
      failure: compared.failure,
      message: `calibration: ${compared.failure.message}`,
      samples: [...compared.samples_a, ...compared.samples_b].sort((x, y) => x.run - y.run),
    };
  }
  const wallA = compared.samples_a.filter((sample) => !sample.warmup).map((sample) => sample.wall_ms);
  const wallB = compared.samples_b.filter((sample) => !sample.warmup).map((sample) => sample.wall_ms);
  const calibration = calibrate(wallA, wallB, { seed: options.seed });
  const record: StoredCalibration = {
    version: CALIBRATION_FILE_VERSION,
    command: options.command,
    cwd: options.cwd,
    created_at: new Date(platform.now()).toISOString(),
    fingerprint,
    runs_per_arm: runsPerArm,
    warmup_rounds: compared.warmup_rounds,
    calibration,
    wall_ms_a: wallA,
    wall_ms_b: wallB,
  };
  writeJsonAtomic(path, record, platform.pid);
  return { status: "ok", calibration, record, source: "measured", path, reason: why, warnings };
}
