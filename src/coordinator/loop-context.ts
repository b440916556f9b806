/**
 * What every phase of the coordinator gets: the platform, the run on disk (through the runtime
 * client), the run's options from its preflight checkpoint, and the ways to talk to the person.
 * Phases read what earlier phases produced from the checkpoints, never from memory, so a resumed
 * run sees exactly what a continuous one does.
 */
import * as v from "valibot";
import { CancelledError, CorruptStateError, PerfloopError } from "../errors.ts";
import type { GitRepo } from "../git/index.ts";
import type { Platform } from "../platform/index.ts";
import { latestCheckpoint } from "../runtime/checkpoints.ts";
import { runtimePaths, slugDir as runSlugDir } from "../runtime/paths.ts";
import { RUN_SCOPED_PHASES, type Phase } from "../runtime/phases.ts";
import type { Run } from "../runtime/store.ts";
import type { Asker } from "./decisions.ts";
import { CycleRecordSchema, type CycleRecord } from "../model/cycle-record.ts";
import { ProfileDigestSchema, type ProfileDigest } from "../model/profile-digest.ts";
import type { MetricSpec } from "../model/metric-spec.ts";
import type { RunOptions } from "./run-options.ts";
import type { RunClient } from "./runtime-client.ts";
import { payloadSchemaOf, type PayloadOf } from "./payloads.ts";

export interface LoopContext {
  platform: Platform;
  client: RunClient;
  repo: GitRepo;
  slug: string;
  options: RunOptions;
  /** The person's target (phase 1), null when none was given. */
  userTarget: MetricSpec | null;
  observed: MetricSpec | null;
  asker: Asker;
  /** Progress for people: one line of what is happening now. */
  say(message: string, important?: boolean): void;
  /** Where the loop is (kept current by drive, read by progress). */
  where: { cycle: number };
  signal: AbortSignal;
  /** When the run's time budget ends (ms since the epoch), or Infinity. */
  deadline: number;
}

/** `.hex-skills/optimization/<slug>/` (runtime/paths.ts). */
export function slugDir(ctx: Pick<LoopContext, "repo" | "slug">): string {
  return runSlugDir(runtimePaths(ctx.repo.dir), ctx.slug);
}

/** The latest checkpoint payload of `phase` in `cycle` (run-scoped phases: of any cycle). */
export function payloadOf<P extends Phase>(run: Run, phase: P, cycle = run.state.current_cycle): PayloadOf<P> | null {
  const stored = latestCheckpoint(run.checkpoints, phase, cycle)?.payload;
  if (!stored) return null;
  const known = READ.get(stored);
  if (known) return known as PayloadOf<P>;
  const read = readStored(payloadSchemaOf(phase), stored, run, `the ${phase} checkpoint${RUN_SCOPED_PHASES.includes(phase) ? "" : ` of cycle ${cycle}`}`);
  READ.set(stored, read);
  return read;
}

/** Each stored payload as its schema read it (payloads.ts): read once. */
const READ = new WeakMap<object, unknown>();

export function runFile(run: Run): string {
  return `.hex-skills/optimization/runtime/runs/${run.runId}/history.jsonl`;
}

/** A stored record read back through its schema; damage is named with the run's file. */
export function readStored<S extends v.GenericSchema>(schema: S, value: unknown, run: Run, what: string): v.InferOutput<S> {
  const parsed = v.safeParse(schema, value);
  if (parsed.success) return parsed.output;
  const issue = parsed.issues[0]!;
  const path = issue.path?.map((item) => String(item.key)).join(".") ?? "";
  throw new CorruptStateError(runFile(run), `${what}${path ? `.${path}` : ""}: ${issue.message}`, "start a new run with perfloop run (or restore the file)");
}

/** Whether `cycle` has a profile (a checkpoint that ended the run at a failure has none). */
export function hasProfile(run: Run, cycle = run.state.current_cycle): boolean {
  const payload = payloadOf(run, "PHASE_2_PROFILE", cycle);
  return payload !== null && payload.phase_failed !== true;
}

export function profileDigestOf(run: Run, cycle = run.state.current_cycle): ProfileDigest {
  const payload = payloadOf(run, "PHASE_2_PROFILE", cycle);
  return readStored(ProfileDigestSchema, payload?.digest, run, `cycle ${cycle} profile checkpoint digest`);
}

/** The stored cycle records, in order. */
export function cycleRecords(run: Run): Record<string, unknown>[] {
  return [...run.state.cycles].sort((a, b) => Number(a.cycle) - Number(b.cycle));
}

/** The commit a cycle starts from: the last commit kept by an earlier cycle, else the run's base. */
export function cycleBase(run: Run, options: RunOptions, cycle = run.state.current_cycle): string {
  let base = options.base;
  for (const record of cycleRecords(run)) {
    if (Number(record.cycle) < cycle && typeof record.commit === "string" && record.commit) base = record.commit;
  }
  return base;
}

/** Throws at a safe point: Ctrl-C, or the time budget spent. */
export function checkStop(ctx: Pick<LoopContext, "signal" | "deadline" | "platform" | "slug">): void {
  if (ctx.signal.aborted) throw new CancelledError(`stopped; nothing of the current phase was kept: continue with perfloop resume --slug ${ctx.slug}`);
  if (ctx.platform.now() > ctx.deadline) {
    throw new PerfloopError("budget_spent", "the run's time budget is spent", { hint: `continue with perfloop resume --slug ${ctx.slug} (the budget counts per invocation)` });
  }
}

/** Every completed cycle's record, validated. */
export function completedCycles(run: Run): CycleRecord[] {
  return cycleRecords(run).map((record, index) => readStored(CycleRecordSchema, record, run, `cycles.${index}`));
}
