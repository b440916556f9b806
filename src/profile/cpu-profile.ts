/**
 * CPU profiles of JS/TS and Python targets (DESIGN.md, Profile: "a CPU profile of the run
 * (`--cpu-prof`), parsed into top functions by self and total time, with file:line").
 *
 * One extra run of the person's command with the runtime's profiler on (cpu-command.ts decides
 * how), then the `.cpuprofile` it wrote is parsed (cpu-profile-parse.ts), or, for Python, the
 * cProfile file is read back by the same interpreter (python-profile.ts) into the same summary. The profiled run is not
 * a measurement: the profiler slows the program, so its wall time only describes this run.
 * A profile that cannot be had is a reason, never an error: the rest of the profile goes on.
 * When the run writes several profiles (every bun process under BUN_OPTIONS, or a program that
 * starts workers), the busiest one (most non-idle time) is used and the count is reported.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Platform } from "../platform/types.ts";
import { type CpuCommandRule, type CpuProfileRuntime, planCpuProfile } from "./cpu-command.ts";
import { type CpuProfileSummary, parseCpuProfile } from "./cpu-profile-parse.ts";
import { readPythonProfile } from "./python-profile.ts";

export {
  type CpuCommandOptions,
  type CpuCommandRule,
  type CpuProfileDecision,
  type CpuProfilePlan,
  type CpuProfileRuntime,
  cpuProfileCommand,
  planCpuProfile,
} from "./cpu-command.ts";
export {
  type CpuHotFunction,
  type CpuProfileSummary,
  CpuProfileSchema,
  DEFAULT_TOP_FUNCTIONS,
  type ParseCpuProfileOptions,
  parseCpuProfile,
} from "./cpu-profile-parse.ts";
export type { FrameCategory, IoKind } from "./cpu-frame-kind.ts";

/** Output kept from the profiled run, for the reason when it fails. */
export const PROFILE_RUN_OUTPUT_BYTES = 64 * 1024;
/** Lines of stderr quoted in a reason. */
const REASON_TAIL_LINES = 5;

export interface CpuProfileRunOptions {
  command: string;
  cwd: string;
  /** The child's complete environment (Platform.spawn inherits nothing). */
  env: Readonly<Record<string, string | undefined>>;
  timeoutMs: number;
  /** Paths inside it are reported relative to it and count as the person's own code (default: cwd). */
  projectRoot?: string;
  top?: number;
  /** Keep the `.cpuprofile` files in this directory; by default a temporary one is used and removed. */
  profileDir?: string;
}

export type CpuProfileRun =
  | {
      ok: true;
      profile: CpuProfileSummary;
      runtime: CpuProfileRuntime;
      rule: CpuCommandRule;
      /** The command line that ran, and what differs from the person's own run. */
      shell: string;
      note: string | null;
      /** Wall time of the profiled run (slowed by the profiler; not a measurement). */
      wall_ms: number;
      profiles_found: number;
      /** The file used, when `profileDir` was given (the temporary one is removed). */
      file: string | null;
    }
  | { ok: false; reason: string; runtime: CpuProfileRuntime | null };

/** Runs the command once with a CPU profile. Never throws. */
export async function runWithCpuProfile(platform: Platform, options: CpuProfileRunOptions): Promise<CpuProfileRun> {
  const temporary = options.profileDir === undefined;
  let dir: string;
  try {
    if (options.profileDir === undefined) dir = mkdtempSync(join(tmpdir(), "perfloop-cpuprof-"));
    else {
      dir = options.profileDir;
      mkdirSync(dir, { recursive: true });
    }
  } catch (error) {
    return { ok: false, reason: `no directory for the profile: ${(error as Error).message}`, runtime: null };
  }
  try {
    return await profileInto(platform, options, dir, temporary);
  } catch (error) {
    return { ok: false, reason: `the profiled run failed: ${(error as Error).message}`, runtime: null };
  } finally {
    if (temporary) rmSync(dir, { recursive: true, force: true });
  }
}

async function profileInto(platform: Platform, options: CpuProfileRunOptions, dir: string, temporary: boolean): Promise<CpuProfileRun> {
  const decision = planCpuProfile(options.command, { profileDir: dir, cwd: options.cwd, env: options.env });
  if (!decision.plan) return { ok: false, reason: decision.reason, runtime: null };
  const plan = decision.plan;
  const before = new Set(listProfiles(dir));
  // A cProfile file left by an earlier run must not pass for this one's.
  if (plan.cprofile) for (const stale of [plan.cprofile.file, `${plan.cprofile.file}.json`]) rmSync(stale, { force: true });
  const result = await platform.spawn({
    shell: plan.shell,
    cwd: options.cwd,
    env: { ...options.env, ...plan.env },
    timeoutMs: options.timeoutMs,
    maxOutputBytes: PROFILE_RUN_OUTPUT_BYTES,
  });
  const failed = (why: string): CpuProfileRun => ({ ok: false, reason: why, runtime: plan.runtime });
  if (result.spawnError) return failed(`the profiled run could not start: ${result.spawnError}`);
  if (result.timedOut) return failed(`the profiled run timed out after ${options.timeoutMs} ms`);
  if (result.exitCode !== 0) {
    const how = result.exitCode === null ? `was ended by ${result.signal ?? "a signal"}` : `exited with code ${result.exitCode}`;
    return failed(`the profiled run (\`${plan.shell}\`) ${how}${tail(result.stderr)}`);
  }
  const done = (profile: CpuProfileSummary, profilesFound: number, file: string): CpuProfileRun => ({
    ok: true,
    profile,
    runtime: plan.runtime,
    rule: plan.rule,
    shell: plan.shell,
    note: plan.note,
    wall_ms: result.wallMs,
    profiles_found: profilesFound,
    file: temporary ? null : file,
  });
  if (plan.cprofile) {
    const read = await readPythonProfile(platform, { ...plan.cprofile, cwd: options.cwd, projectRoot: options.projectRoot ?? options.cwd, env: options.env, top: options.top });
    return read.ok ? done(read.profile, 1, plan.cprofile.file) : failed(read.reason);
  }
  const files = listProfiles(dir).filter((name) => !before.has(name));
  if (files.length === 0) return failed(`the profiled run (\`${plan.shell}\`) wrote no .cpuprofile`);

  let best: { profile: CpuProfileSummary; file: string; busy: number } | null = null;
  const problems: string[] = [];
  for (const name of files.sort()) {
    try {
      const profile = parseCpuProfile(readFileSync(join(dir, name), "utf8"), {
        projectRoot: options.projectRoot ?? options.cwd,
        top: options.top,
      });
      const busy = profile.duration_ms - profile.self_ms_by_category.idle;
      if (!best || busy > best.busy) best = { profile, file: join(dir, name), busy };
    } catch (error) {
      problems.push(`${name}: ${(error as Error).message}`);
    }
  }
  if (!best) return failed(`no readable CPU profile (${problems.join("; ")})`);
  return done(best.profile, files.length, best.file);
}

function listProfiles(dir: string): string[] {
  try {
    return readdirSync(dir).filter((name) => name.endsWith(".cpuprofile"));
  } catch {
    return [];
  }
}

function tail(text: string): string {
  const lines = text.trimEnd().split("\n").filter((line) => line.trim() !== "");
  return lines.length === 0 ? "" : `: ${lines.slice(-REASON_TAIL_LINES).join(" | ")}`;
}
