/**
 * How the executor measures a target in a side tree, one kind of target each (docs/run.md,
 * "Functions and endpoints"): a runner opens the target in a tree (a function's module found, an
 * endpoint's server started and answering), hands the comparison an Arm that runs one round of it
 * (ab-sampler.ts), and closes it (the server and every process it started stopped). rounds.ts
 * asks for two of them per comparison, one per side, so A and B interleave round by round.
 *
 * - A command's round is one run of it (runCommandOnce).
 * - A function's round is one process of perfloop itself (`__bench-fn`, src/profile/bench-fn.ts) in the side
 *   tree that imports the export and times it with mitata for FUNCTION_ROUND_MS; the round's
 *   figure is that process's median time per call (`values.time_per_call_ns`). Each round is a
 *   fresh process, so one side's JIT and heap never warm the other's.
 * - An endpoint's runner (endpoint-runner.ts) starts the person's server per side.
 */
import { join } from "node:path";
import * as v from "valibot";
import type { Platform } from "../platform/index.ts";
import { commandArm, type Arm } from "../profile/ab-sampler.ts";
import { outputTail, runSample, type RunLimits, type RunOutcome } from "../profile/command-target.ts";
import { createStepMarkerCollector } from "../profile/step-markers.ts";
import { reportedMetricsOf } from "../model/metrics.ts";
import { BENCH_FN_COMMAND, type BenchFnRequest, BenchFnResultSchema } from "../profile/bench-fn.ts";

/** A target opened in one side tree: its rounds, and how it is stopped. */
export interface OpenTarget extends Arm {
  close(): Promise<void>;
}

export type Opened = { ok: true; target: OpenTarget } | { ok: false; reason: string };

export interface TargetRunner {
  /** The metric a verdict judges unless the person's --target names another of this kind. */
  readonly metric: string;
  /** The metrics the report's before/after table shows (model/metrics.ts reportedMetricsOf); null: every one measured. */
  readonly reported: readonly string[] | null;
  /**
   * The target in the tree at `cwd` with `env` (a failure is about the tree: a verdict on a
   * candidate), run through `platform`: the workspace's confined one (src/confine/sandbox.ts),
   * so a side tree's target can write nothing outside it.
   */
  open(platform: Platform, cwd: string, env: Readonly<Record<string, string | undefined>>): Promise<Opened>;
}

/** A command target: each round one run of `command` with /bin/sh -c. */
export function commandRunner(command: string): TargetRunner {
  return {
    metric: "wall_time_ms",
    reported: reportedMetricsOf("command"),
    open: async (platform, cwd, env) => ({ ok: true, target: { ...commandArm(platform, { command, cwd, env }), close: async () => {} } }),
  };
}

/** How long one function round times the export (mitata's min_cpu_time), before its process ends. */
export const FUNCTION_ROUND_MS = 200;

export interface FunctionTargetSpec {
  /** The module, relative to the side tree's working directory (the person's cwd in the repository). */
  file: string;
  exportName: string;
  args: unknown[];
}

/** A function target: each round one `__bench-fn` process of perfloop in the side tree. */
export function functionRunner(spec: FunctionTargetSpec, roundMs = FUNCTION_ROUND_MS): TargetRunner {
  return {
    metric: "time_per_call_ns",
    reported: reportedMetricsOf("function"),
    open: async (platform, cwd, env) => {
      const self = platform.selfCommand();
      const request: BenchFnRequest = { file: join(cwd, spec.file), export_name: spec.exportName, args: spec.args, min_time_ms: roundMs, project_root: cwd };
      const argv = [...self, BENCH_FN_COMMAND, JSON.stringify(request)];
      const runOnce = (session: number, warmup: boolean, limits: RunLimits): Promise<RunOutcome> => functionRound(platform, argv, cwd, env, session, warmup, limits);
      return { ok: true, target: { runOnce, close: async () => {} } };
    },
  };
}

async function functionRound(platform: Platform, argv: readonly string[], cwd: string, env: Readonly<Record<string, string | undefined>>, run: number, warmup: boolean, limits: RunLimits): Promise<RunOutcome> {
  const result = await platform.spawn({ argv, cwd, env, timeoutMs: limits.timeoutMs, maxOutputBytes: limits.maxOutputBytes, exactPeakMemory: true });
  const sample = runSample(result, run, warmup, createStepMarkerCollector().result());
  const last = result.stdout.trimEnd().split("\n").at(-1) ?? "";
  const parsed = result.exitCode === 0 && !result.timedOut ? v.safeParse(BenchFnResultSchema, safeJson(last)) : null;
  if (parsed?.success && parsed.output.ok) {
    return { ok: true, sample: { ...sample, values: { time_per_call_ns: parsed.output.time_per_call_ns, ...(parsed.output.heap_bytes_per_call === null ? {} : { heap_bytes_per_call: parsed.output.heap_bytes_per_call }) } } };
  }
  const said = parsed?.success && !parsed.output.ok ? parsed.output.error : null;
  const cause = result.spawnError !== null ? `could not start: ${result.spawnError}` : result.timedOut ? `timed out after ${limits.timeoutMs} ms` : result.signal !== null ? `killed by ${result.signal}` : said ?? `exit ${result.exitCode}`;
  const stderrTail = outputTail(result.stderr);
  const stdoutTail = said ? said : outputTail(result.stdout);
  return {
    ok: false,
    sample,
    failure: {
      run,
      warmup,
      exit_code: said ? 1 : result.exitCode,
      signal: result.signal,
      timed_out: result.timedOut,
      spawn_error: result.spawnError,
      stderr_tail: stderrTail,
      stdout_tail: stdoutTail,
      message: `the function failed on round ${run}${warmup ? " (a warm-up round)" : ""}: ${cause}${stderrTail && !said ? `, stderr tail: ${stderrTail}` : ""}`,
    },
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
