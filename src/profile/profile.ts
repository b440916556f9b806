/**
 * The profile worker (phase 2, ln-811), standalone or for the coordinator: check the test command
 * on the unmodified code, measure the target (a command, a function or an endpoint), find where
 * the time goes (a CPU profile for JS/TS commands, step markers for any language), build the
 * performance map, and write the profile summary envelope. Everything is checked before anything
 * is written; a bad input writes nothing.
 */
import { join } from "node:path";
import { CancelledError, PerfloopError, UsageError } from "../errors.ts";
import type { Platform } from "../platform/index.ts";
import { requireProjectRoot } from "./project-root.ts";
import { safe } from "../runtime/paths.ts";
import { standaloneRunId, writeSummary } from "../runtime/summary.ts";
import { machineFingerprint, type MachineFingerprint } from "./calibration.ts";
import { type CommandMeasured, measureCommand, type MeasureProgress } from "./command-target.ts";
import { type CpuProfileRun, runWithCpuProfile } from "./cpu-profile.ts";
import { type EndpointProfile, measureEndpoint } from "./endpoint-target.ts";
import { type FunctionProfile, measureFunction } from "./function-target.ts";
import { buildPerformanceMap, type ProfileResult, suspicionsFromSource } from "./perf-map.ts";
import { type CpuWaitSource, runsCpuWait } from "./perf-map-cpu-wait.ts";
import { parseTarget, slugFromTarget } from "./target.ts";
import { checkTestCommand, discoverTestCommand, type TestCommandCheck } from "./test-command.ts";
import type { Baseline, TargetSpec } from "./types.ts";

type EndpointTarget = Extract<TargetSpec, { kind: "endpoint" }>;

/** The server perfloop started for an endpoint (`--serve`): its command and the URL it was measured at. */
export interface Served {
  command: string;
  url: string;
}

/** A served endpoint while it runs: also what its requests add to fetch's options (an https server's certificate left unchecked). */
interface Serving extends Served {
  init?: Readonly<Record<string, unknown>>;
  stop(): Promise<void>;
}

/** A test command gets this long on the unmodified code before it counts as failed. */
export const TEST_TIMEOUT_MS = 20 * 60_000;
/** The CPU-profiled extra run gets this long. */
export const CPU_PROFILE_TIMEOUT_MS = 10 * 60_000;

export interface ProfileOptions {
  target: string;
  projectRoot: string;
  slug?: string;
  /** A fixed number of measured runs (commands); adaptive when absent. */
  runs?: number;
  warmup?: number;
  maxRuns?: number;
  /** fn: targets */
  args?: string;
  /** endpoints */
  requests?: number;
  concurrency?: number;
  method?: string;
  /** Endpoints: the request body. */
  body?: string;
  /** The test command; discovered when absent. */
  test?: string;
  skipTests?: boolean;
  cpuProfile?: boolean;
  /**
   * Where the target and the tests run and source files are read (a side work tree of the
   * coordinator). Default: projectRoot. The summary is always written under projectRoot.
   */
  workDir?: string;
  /**
   * A directory the measured commands may write (a confined side tree's scratch directory,
   * src/confine/sandbox.ts), for the CPU profile's files. Default: a new temporary directory.
   */
  scratchDir?: string;
  /** The environment of every command; default the platform's. */
  env?: Readonly<Record<string, string | undefined>>;
  /** A test command already checked on this code (by the coordinator's preflight): recorded, not run again. */
  checkedTest?: { command: string; source: string };
  /** The person's absolute target, for the `already_optimized` indicator. */
  targetMetric?: { metric: string; value: number; better?: "lower" | "higher" } | null;
  /**
   * Endpoints: starts the person's server once the tests have passed (`perfloop profile --serve`,
   * src/cli/profile.ts); the endpoint is measured at the URL it answers on, then `stop` ends it
   * and everything it started, also when the measuring fails or is stopped.
   */
  serve?: (target: EndpointTarget) => Promise<Serving>;
  /** Run id to file the summary under; a standalone id when absent. */
  runId?: string;
  timeoutMs?: number;
}

export type ProfileEvent =
  | { kind: "tests"; command: string; source: string }
  | { kind: "measure"; message: string }
  | { kind: "cpu-profile"; command: string };

export interface TestReport {
  command: string | null;
  source: string;
  check: TestCommandCheck | null;
}

export interface ProfileReport {
  slug: string;
  run_id: string;
  target: TargetSpec;
  project_root: string;
  tests: TestReport;
  measurement: (CommandMeasured & { kind: "command" }) | FunctionProfile | EndpointProfile;
  cpu_profile: CpuProfileRun | null;
  /** The server perfloop started and stopped for an endpoint (`--serve`); null otherwise. */
  served: Served | null;
  result: ProfileResult;
  machine: MachineFingerprint;
  warnings: string[];
  summary_path: string;
}

function requireCount(flag: string, value: number | undefined, min: number): void {
  if (value === undefined) return;
  if (!Number.isInteger(value) || value < min) {
    throw new UsageError(`${flag} must be a whole number of at least ${min} (got ${value})`, `e.g. ${flag} ${Math.max(min, 10)}`);
  }
}

/** The test gate: the given or discovered command must pass on the unmodified code. */
async function testGate(platform: Platform, options: ProfileOptions, onEvent: (event: ProfileEvent) => void): Promise<TestReport> {
  if (options.checkedTest) return { command: options.checkedTest.command, source: options.checkedTest.source, check: null };
  if (options.skipTests) return { command: null, source: "skipped (--skip-tests)", check: null };
  const workDir = options.workDir ?? options.projectRoot;
  const discovered = options.test ? null : discoverTestCommand(workDir);
  const command = options.test ?? discovered?.command ?? null;
  const source = options.test ? "--test" : (discovered?.source ?? "none found");
  if (!command) return { command: null, source, check: null };
  onEvent({ kind: "tests", command, source });
  const check = await checkTestCommand(platform, { command, cwd: workDir, env: options.env ?? platform.env, timeoutMs: TEST_TIMEOUT_MS });
  return { command, source, check };
}

/** The medians of the measured runs, and the time they waited for a CPU (perf-map-cpu-wait.ts). */
function commandBaseline(measured: CommandMeasured): { baseline: Baseline; cpuWaitSource: CpuWaitSource | null } {
  const median = (name: string) => measured.metrics[name]?.median ?? null;
  const wait = runsCpuWait(measured.samples.filter((sample) => !sample.warmup));
  return {
    baseline: {
      wall_time_ms: median("wall_time_ms"),
      cpu_time_ms: median("cpu_time_ms"),
      memory_peak_mb: median("memory_peak_mb"),
      io_read_bytes: median("io_read_bytes"),
      io_write_bytes: median("io_write_bytes"),
      http_round_trips: null,
      cpu_wait_ms: wait.ms,
    },
    cpuWaitSource: wait.source,
  };
}

function functionBaseline(profile: FunctionProfile): Baseline {
  return {
    wall_time_ms: null,
    cpu_time_ms: null,
    memory_peak_mb: null,
    io_read_bytes: null,
    io_write_bytes: null,
    http_round_trips: null,
    heap_bytes_per_call: profile.heap_bytes_per_call,
    time_per_call_ns: profile.time_per_call_ns.median,
    time_per_call_p99_ns: profile.stats_ms.p99 * 1e6,
  };
}

function endpointBaseline(profile: EndpointProfile): Baseline {
  const p = profile.latency_percentiles_ms;
  return {
    wall_time_ms: null,
    cpu_time_ms: null,
    memory_peak_mb: null,
    io_read_bytes: null,
    io_write_bytes: null,
    http_round_trips: profile.http_round_trips,
    latency_p50_ms: p?.p50 ?? profile.latency_ms?.median ?? null,
    latency_p95_ms: p?.p95 ?? null,
    latency_p99_ms: p?.p99 ?? null,
    throughput_rps: profile.throughput_rps,
    error_count: profile.errors.total,
  };
}

/**
 * The functions whose source is scanned for suspicions: by self time counting the runtime code
 * each calls directly, so that a loop spending its time in a native (`Array#includes`) is read
 * even when its own self time is small. Drawn from both top lists of the profile.
 */
function hotForScan(profile: NonNullable<CpuProfileRun & { ok: true }>["profile"]) {
  const seen = new Set<string>();
  return [...profile.top_by_self, ...profile.top_by_total]
    .filter((hot) => {
      const key = `${hot.url}:${hot.line}:${hot.function}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .sort((a, b) => b.self_with_runtime_ms - a.self_with_runtime_ms);
}

/** A command that could not even start is bad input (exit 2); one that fails later is a failed run (exit 1). */
function commandFailure(command: string, failure: { run: number; exit_code: number | null; spawn_error: string | null; stderr_tail: string; message: string }): PerfloopError {
  const notFound = failure.exit_code === 127 || failure.spawn_error !== null;
  if (notFound && failure.run === 1) {
    const detail = failure.spawn_error ?? failure.stderr_tail.split("\n").filter(Boolean).at(-1) ?? "exit 127";
    return new UsageError(`the command could not run: ${command} (${detail})`, "check the command's spelling and that it is installed; it runs with /bin/sh -c in the project root");
  }
  return new PerfloopError("command_failed", failure.message, {
    hint: "the command must succeed on every run to be measured; fix it, or profile a command that passes",
    data: { ...failure },
  });
}

/** Measures the target; see the module comment. Throws UsageError on bad input before writing anything. */
export async function runProfile(platform: Platform, options: ProfileOptions, onEvent: (event: ProfileEvent) => void = () => {}, signal?: AbortSignal): Promise<ProfileReport> {
  requireProjectRoot(options.projectRoot);
  const workDir = options.workDir ?? options.projectRoot;
  const env = options.env ?? platform.env;
  const target = parseTarget(options.target, { ...options, projectRoot: workDir });
  requireCount("--runs", options.runs, 1);
  requireCount("--warmup", options.warmup, 0);
  requireCount("--max-runs", options.maxRuns, 2);
  if (target.kind !== "command" && (options.runs !== undefined || options.maxRuns !== undefined)) {
    throw new UsageError(`--runs and --max-runs apply to command targets only`, target.kind === "endpoint" ? "use --requests for an endpoint" : "a function is benchmarked by mitata until its statistics settle");
  }
  const slug = options.slug ? safe(options.slug) : slugFromTarget(target);
  const warnings: string[] = [];
  const tests = await testGate(platform, options, onEvent);
  if (!tests.command && !options.skipTests) warnings.push("no test command found: pass --test \"<cmd>\" so that changes can be checked later");

  let measurement: ProfileReport["measurement"];
  let baseline: Baseline;
  let cpuWaitSource: CpuWaitSource | null = null;
  let cpu: CpuProfileRun | null = null;
  let markerSteps: CommandMeasured["steps"] = [];
  let servedBy: Served | null = null;
  const progress = (message: string) => onEvent({ kind: "measure", message });
  if (target.kind === "command") {
    const result = await measureCommand(platform, {
      command: target.command,
      cwd: workDir,
      env,
      warmupRuns: options.warmup,
      runs: options.runs,
      maxRuns: options.maxRuns,
      timeoutMs: options.timeoutMs,
      signal,
      onProgress: (event: MeasureProgress) =>
        progress(`${event.phase === "warmup" ? "warm-up" : "run"} ${event.run}${event.of ? ` of ${event.of}` : ""}: ${event.last_ms.toFixed(1)} ms`),
    });
    if (signal?.aborted || result.status === "aborted") throw new CancelledError("profile stopped before it finished; nothing was written");
    if (result.status === "failed") throw commandFailure(target.command, result.failure);
    measurement = { kind: "command", ...result };
    ({ baseline, cpuWaitSource } = commandBaseline(result));
    markerSteps = result.steps;
    warnings.push(...result.warnings);
    if (options.cpuProfile !== false) {
      onEvent({ kind: "cpu-profile", command: target.command });
      cpu = await runWithCpuProfile(platform, {
        command: target.command,
        cwd: workDir,
        env,
        timeoutMs: CPU_PROFILE_TIMEOUT_MS,
        projectRoot: workDir,
        ...(options.scratchDir ? { profileDir: join(options.scratchDir, "cpuprofile") } : {}),
      });
      if (signal?.aborted) throw new CancelledError("profile stopped before it finished; nothing was written");
    }
  } else if (target.kind === "function") {
    progress(`benchmarking ${target.export_name} with mitata`);
    measurement = await measureFunction({ file: target.file, exportName: target.export_name, args: target.args, projectRoot: workDir });
    baseline = functionBaseline(measurement);
  } else {
    if (options.serve) progress("starting the server (--serve)");
    const served = options.serve ? await options.serve(target) : null;
    if (served) servedBy = { command: served.command, url: served.url };
    try {
      if (signal?.aborted) throw new CancelledError("profile stopped before it finished; nothing was written");
      measurement = await measureEndpoint({
        url: served?.url ?? target.url,
        ...(served?.init ? { init: served.init } : {}),
        method: target.method,
        ...(target.body === undefined ? {} : { body: target.body }),
        requests: target.requests,
        concurrency: target.concurrency,
        signal,
        onProgress: (event) => progress(`${event.phase === "warmup" ? "warm-up" : "requests"} ${event.done} of ${event.total}`),
      });
    } finally {
      await served?.stop();
    }
    baseline = endpointBaseline(measurement);
    if (measurement.succeeded === 0) warnings.push(`no request succeeded (${measurement.errors.total} errors): the latency is unknown`);
  }

  const cpuProfile = cpu?.ok ? cpu.profile : null;
  const suspicions = cpuProfile ? suspicionsFromSource(workDir, hotForScan(cpuProfile)) : [];
  const result = buildPerformanceMap({
    target,
    baseline,
    cpuWaitSource,
    markerSteps,
    cpuProfile,
    suspicions,
    testCommand: tests.command,
    targetMetric: options.targetMetric ?? null,
    e2eTest: { command: null, source: "none" },
  });
  const machine = machineFingerprint(platform);
  const nowMs = platform.now();
  const runId = options.runId ?? standaloneRunId("ln-811", nowMs, `${slug}:${options.projectRoot}`);
  const payload = {
    ...result,
    target,
    tests,
    measurement,
    cpu_profile: cpu,
    served: servedBy,
    machine,
    warnings,
  } as unknown as Record<string, unknown>;
  const { path } = writeSummary({ projectRoot: options.projectRoot, runId, slug, kind: "optimization-profile", payload, nowMs, pid: platform.pid });
  return { slug, run_id: runId, target, project_root: options.projectRoot, tests, measurement, cpu_profile: cpu, served: servedBy, result, machine, warnings, summary_path: path };
}
