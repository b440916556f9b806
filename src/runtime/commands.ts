/**
 * `perfloop runtime <verb>`: the original optimization runtime CLI (contract §2), with its output
 * styles, error strings and exit codes, and its defects fixed (§10). Each verb returns an Outcome;
 * the CLI layer only prints it.
 */
import { readFileSync, statSync } from "node:fs";
import { resolve } from "node:path";
import * as v from "valibot";
import { PerfloopError, UsageError } from "../errors.ts";
import { isFailedPhaseExit, validateTransition } from "./guards.ts";
import { check } from "./issues.ts";
import { LockBusyError } from "./lock.ts";
import { resolveActive, unfinishedRuns } from "./active-runs.ts";
import { assertRunId, newRunId, pointerPath, runtimePaths, safe } from "./paths.ts";
import { StateDirError } from "./state-dirs.ts";
import { WriteError } from "./write-error.ts";
import { EDGES, PHASES, SKILL, isPhase, isWorkPhase, type Phase } from "./phases.ts";
import { computeResumeAction } from "./resume-action.ts";
import {
  CheckpointPayloadSchema,
  CycleConfigSchema,
  CycleRecordSchema,
  ManifestInputSchema,
  ManifestSchema,
  PendingDecisionSchema,
  WorkerResultSchema,
  type Manifest,
} from "./schemas.ts";
import { RunStore, type Run, type StoreDeps } from "./store.ts";
import {
  applyAdvance,
  applyCheckpoint,
  applyComplete,
  applyCycleRecord,
  applyPause,
  applyResolve,
  applyWorkerResult,
  initialState,
  newEntry,
} from "./transitions.ts";
import { appendCheckpoint, emptyCheckpoints } from "./checkpoints.ts";

/** How an outcome is printed (contract §1, "Output styles"). */
export type OutcomeStyle = "success" | "hard" | "result" | "guard" | "start";
export interface Outcome {
  style: OutcomeStyle;
  body: Record<string, unknown>;
}

export const RUNTIME_COMMANDS = [
  "start",
  "status",
  "advance",
  "checkpoint",
  "record-worker-result",
  "record-cycle",
  "pause",
  "complete",
] as const;
export const UNKNOWN_COMMAND = `Unknown command. Use: ${RUNTIME_COMMANDS.join(", ")}`;
const MULTIPLE_ACTIVE = "Multiple active ln-810 runs found. Pass --slug or --run-id.";

export interface RuntimeFlags {
  projectRoot: string;
  cwd: string;
  runId?: string;
  slug?: string;
  phase?: string;
  to?: string;
  payload?: string;
  payloadFile?: string;
  manifestFile?: string;
  reason?: string;
  resolve: boolean;
  worker?: string;
  /** advance --resolve: the answer to the pending decision (one of its choices), recorded in decisions. */
  choice?: string;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

const hard = (error: string): Outcome => ({ style: "hard", body: { ok: false, error } });
const ok = (body: Record<string, unknown>): Outcome => ({ style: "success", body: { ok: true, ...body } });

/** A failure inside a verb that is reported as a hard fail with its message. */
class HardFail extends Error {}

function runtimeInfo(run: Run): Record<string, unknown> {
  return {
    skill: run.manifest.skill,
    identifier: run.manifest.identifier,
    run_id: run.runId,
    phase: run.state.phase,
    complete: run.state.complete,
  };
}

/** Payload rules of §1: the file beats the flag; nothing means {}. */
function readPayload(flags: RuntimeFlags): unknown {
  if (flags.payloadFile) {
    const path = resolve(flags.cwd, flags.payloadFile);
    let value: unknown = null;
    try {
      value = JSON.parse(readFileSync(path, "utf8"));
    } catch {
      value = null;
    }
    if (value === null) throw new HardFail(`Unable to read payload file: ${flags.payloadFile}`);
    return value;
  }
  if (!flags.payload) return {};
  try {
    return JSON.parse(flags.payload);
  } catch (error) {
    throw new HardFail(`Invalid JSON payload: ${(error as Error).message}`);
  }
}

function objectPayload(flags: RuntimeFlags, label: string): Record<string, unknown> {
  const payload = readPayload(flags);
  if (typeof payload !== "object" || payload === null || Array.isArray(payload)) {
    throw new HardFail(`Invalid ${label}: /payload must be object`);
  }
  return payload as Record<string, unknown>;
}

export class RuntimeService {
  readonly store: RunStore;

  constructor(
    private readonly flags: RuntimeFlags,
    private readonly deps: StoreDeps,
  ) {
    this.store = new RunStore(runtimePaths(flags.projectRoot), deps);
  }

  private now(): string {
    return new Date(this.deps.now()).toISOString();
  }

  /**
   * Run resolution (§1): --run-id, else the slug's pointer, else the only pointer; a pointer that is
   * missing or corrupt is rebuilt from runs/ (active-runs.ts).
   */
  private resolveRunId(): string {
    if (this.flags.runId) return assertRunId(this.flags.runId);
    const found = resolveActive(this.store, this.flags.slug);
    if (found.kind === "many") throw new HardFail(MULTIPLE_ACTIVE);
    if (found.kind === "none") throw new HardFail("No active ln-810 run found. Pass --slug or --run-id.");
    return found.run.runId;
  }

  private loadOrFail(runId: string): Run {
    const run = this.store.load(runId);
    if (!run) throw new HardFail(`Run not found: ${runId}`);
    return run;
  }

  /** Resolves the run outside the lock (pointers only), then loads it again inside. */
  private underLock<T>(work: (run: Run) => T): T {
    const runId = this.resolveRunId();
    return this.store.locked(() => work(this.loadOrFail(runId)));
  }

  run(command: string): Outcome {
    try {
      switch (command) {
        case "start":
          return this.start();
        case "status":
          return this.status();
        case "checkpoint":
          return this.checkpoint();
        case "advance":
          return this.advance();
        case "record-worker-result":
          return this.recordWorkerResult();
        case "record-cycle":
          return this.recordCycle();
        case "pause":
          return this.pause();
        case "complete":
          return this.complete();
        default:
          return hard(UNKNOWN_COMMAND);
      }
    } catch (error) {
      if (error instanceof HardFail) return hard(error.message);
      // A full disk or a read-only file is not the verb's answer: src/main.ts (or the coordinator) reports it.
      if (error instanceof WriteError || error instanceof StateDirError) throw error;
      if (error instanceof LockBusyError) {
        return command === "start" ? { style: "start", body: { ok: false, error: error.message } } : { style: "result", body: { ok: false, error: error.message } };
      }
      if (error instanceof PerfloopError) return hard(error.message);
      throw error;
    }
  }

  /**
   * `first`: a checkpoint recorded in the same history write as RUN_STARTED (the coordinator's
   * preflight), so that no crash can leave a started run without it. The CLI verb passes none.
   */
  start(first?: { phase: Phase; payload: Record<string, unknown> }): Outcome {
    const { slug, manifestFile } = this.flags;
    if (!slug?.trim() || !manifestFile) return hard("start requires --slug and --manifest-file");
    if (!isDirectory(this.store.paths.projectRoot)) {
      return hard(`Project root not found: ${this.store.paths.projectRoot} (pass --project-root <an existing directory>)`);
    }
    let raw: unknown = null;
    try {
      raw = JSON.parse(readFileSync(resolve(this.flags.cwd, manifestFile), "utf8"));
    } catch {
      raw = null;
    }
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
      return hard(`Manifest file not found or invalid: ${manifestFile}`);
    }
    const input = raw as Record<string, unknown>;
    const checked = check("ln-810 manifest", ManifestInputSchema, { ...input, target: input.target });
    if (!checked.ok) return { style: "start", body: { ok: false, error: checked.error, details: checked.details } };
    const given = checked.value;
    const now = this.now();
    const manifest: Manifest = v.parse(ManifestSchema, {
      skill: SKILL,
      mode: given.mode ?? "optimization",
      identifier: slug,
      slug,
      target: given.target,
      observed_metric: given.observed_metric ?? null,
      target_metric: given.target_metric ?? null,
      execution_mode: given.execution_mode ?? "execute",
      cycle_config: v.parse(CycleConfigSchema, given.cycle_config ?? {}),
      project_root: this.store.paths.projectRoot,
      context_file: given.context_file ?? null,
      service_topology: given.service_topology ?? null,
      created_at: now,
    });
    return this.store.locked(() => {
      // The slug's pointer, and the runs themselves: a lost or corrupt pointer hides no run (active-runs.ts).
      const read = this.store.tryReadPointer(pointerPath(this.store.paths, slug));
      const pointed = read.kind === "ok" ? this.store.load(read.pointer.run_id) : null;
      const existing = pointed && pointed.state.complete !== true ? pointed : (unfinishedRuns(this.store, safe(slug))[0] ?? null);
      if (existing) {
        return {
          style: "start" as const,
          body: {
            ok: false,
            recovery: true,
            error: `An unfinished run exists for slug ${slug} (${existing.runId}, phase ${existing.state.phase}); continue it, or complete it first`,
            run: { manifest: existing.manifest, state: existing.state, checkpoints: existing.checkpoints, history: existing.history },
          },
        };
      }
      const runId = newRunId(slug, this.deps.now());
      const state = initialState(manifest, runId, now);
      const checkpoints = emptyCheckpoints();
      const blank: Run = { runId, manifest, state, checkpoints, history: [], historyValidBytes: 0, historyTorn: false };
      const events: Parameters<RunStore["commit"]>[2] = [{ type: "RUN_STARTED", fields: { manifest, state, checkpoints } }];
      let after = { state, checkpoints };
      if (first) {
        const entry = newEntry(checkpoints, first.phase, state.current_cycle, first.payload, now);
        after = { checkpoints: appendCheckpoint(checkpoints, entry), state: applyCheckpoint(state, entry, now) };
        events.push(
          { type: "CHECKPOINT_RECORDED", fields: { phase: first.phase, payload: first.payload, cycle: entry.cycle, checkpoint_sequence: entry.sequence } },
          { type: "STATE_SAVED", fields: { state: after.state } },
        );
      }
      this.store.commit(blank, { ...after, manifest }, events);
      return { style: "success" as const, body: { ok: true, run_id: runId, manifest, state: after.state, checkpoints: after.checkpoints } };
    });
  }

  status(): Outcome {
    let run: Run | null;
    if (this.flags.runId) {
      run = this.store.load(assertRunId(this.flags.runId));
    } else {
      const found = resolveActive(this.store, this.flags.slug);
      if (found.kind === "many") return { style: "guard", body: { ok: false, error: MULTIPLE_ACTIVE } };
      run = found.kind === "one" ? found.run : null;
    }
    if (!run) return ok({ active: false, runtime: null });
    return ok(this.describe(run));
  }

  /** The status object: the run, its files and what to do next. */
  describe(run: Run): Record<string, unknown> {
    const files = this.store.runPaths(run.runId);
    return {
      active: !run.state.complete,
      runtime: runtimeInfo(run),
      manifest: run.manifest,
      state: run.state,
      checkpoints: run.checkpoints,
      paths: {
        root: this.store.paths.root,
        run_dir: files.run_dir,
        manifest: files.manifest,
        state: files.state,
        checkpoints: files.checkpoints,
        history: files.history,
        active: pointerPath(this.store.paths, run.manifest.identifier),
      },
      resume_action: computeResumeAction(run.state, run.checkpoints),
    };
  }

  checkpoint(): Outcome {
    const phase = this.flags.phase;
    if (!phase) return hard("checkpoint requires --phase");
    if (!isWorkPhase(phase)) {
      return hard(`Unknown phase: ${phase}. Use one of: ${PHASES.join(", ")}`);
    }
    const payload = objectPayload(this.flags, "checkpoint entry");
    const checked = check("checkpoint entry", v.object({ payload: CheckpointPayloadSchema }), { payload });
    if (!checked.ok) return { style: "result", body: { ok: false, error: checked.error, details: checked.details } };
    return this.underLock((run) => {
      const now = this.now();
      const entry = newEntry(run.checkpoints, phase, run.state.current_cycle, payload, now);
      const checkpoints = appendCheckpoint(run.checkpoints, entry);
      const state = applyCheckpoint(run.state, entry, now);
      const saved = this.store.commit(run, { state, checkpoints }, [
        { type: "CHECKPOINT_RECORDED", fields: { phase, payload, cycle: entry.cycle, checkpoint_sequence: entry.sequence } },
        { type: state.phase === "PAUSED" && run.state.phase !== "PAUSED" ? "RUN_PAUSED" : "STATE_SAVED", fields: { state } },
      ]);
      return ok({ runtime: runtimeInfo(saved), state, checkpoint: entry, history_length: checkpoints._history.length });
    });
  }

  advance(): Outcome {
    const to = this.flags.to;
    if (!to) return hard("advance requires --to");
    return this.underLock((run) => {
      const now = this.now();
      const state = run.state;
      if (this.flags.resolve && state.phase === "PAUSED") {
        const back = state.paused_from;
        if (!isPhase(to) || to === "PAUSED" || to === "DONE") {
          return this.guardFail(`Invalid resume target: ${to}`, []);
        }
        if (back && to !== back) {
          const guard = validateTransition(state, run.checkpoints, back, to);
          if (!guard.ok || !(EDGES[back].includes(to) || isFailedPhaseExit(state, run.checkpoints, back, to))) {
            return this.guardFail(guard.ok ? `Invalid transition: ${back} -> ${to}` : guard.error, guard.ok ? [] : (guard.details ?? []), guard);
          }
        }
        const choice = this.flags.choice;
        if (choice !== undefined) {
          const choices = state.pending_decision?.choices ?? [];
          if (!choices.includes(choice)) {
            return this.guardFail(choices.length ? `Unknown choice: ${choice}. Use one of: ${choices.join(", ")}` : `No pending decision to answer with ${choice}`, []);
          }
        }
        const next = applyResolve(state, to, now, choice);
        const saved = this.store.commit(run, { state: next, checkpoints: run.checkpoints }, [{ type: "STATE_SAVED", fields: { state: next } }]);
        return ok({ runtime: runtimeInfo(saved), state: next, resumed_from: "PAUSED" });
      }
      const guard = validateTransition(state, run.checkpoints, state.phase, to);
      if (!guard.ok) return this.guardFail(guard.error, guard.details ?? [], guard);
      const next = applyAdvance(state, to as Phase, now);
      const saved = this.store.commit(run, { state: next, checkpoints: run.checkpoints }, [
        { type: next.complete ? "RUN_COMPLETED" : "STATE_SAVED", fields: { state: next } },
      ]);
      return ok({ runtime: runtimeInfo(saved), state: next });
    });
  }

  private guardFail(error: string, details: string[], guard?: unknown): Outcome {
    return { style: "guard", body: { ok: false, error, validation_errors: details, guard: guard ?? { ok: false, error } } };
  }

  recordWorkerResult(): Outcome {
    const worker = this.flags.worker;
    if (!worker) return hard("record-worker-result requires --worker");
    const payload = objectPayload(this.flags, "optimization worker result");
    const checked = check("optimization worker result", WorkerResultSchema, { ...payload, worker });
    if (!checked.ok) return { style: "result", body: { ok: false, error: checked.error, details: checked.details } };
    return this.underLock((run) => {
      const state = applyWorkerResult(run.state, worker, checked.value, this.now());
      const saved = this.store.commit(run, { state, checkpoints: run.checkpoints }, [{ type: "STATE_SAVED", fields: { state } }]);
      return ok({ runtime: runtimeInfo(saved), state });
    });
  }

  recordCycle(): Outcome {
    const payload = objectPayload(this.flags, "optimization cycle record");
    return this.underLock((run) => {
      const record = { ...payload, cycle: payload.cycle || run.state.current_cycle || 1 };
      const checked = check("optimization cycle record", CycleRecordSchema, record);
      if (!checked.ok) return { style: "result" as const, body: { ok: false, error: checked.error, details: checked.details } };
      const state = applyCycleRecord(run.state, checked.value, this.now());
      const saved = this.store.commit(run, { state, checkpoints: run.checkpoints }, [{ type: "STATE_SAVED", fields: { state } }]);
      return ok({ runtime: runtimeInfo(saved), state });
    });
  }

  pause(): Outcome {
    const raw = this.flags.payload || this.flags.payloadFile ? objectPayload(this.flags, "pause payload") : {};
    let pending = null;
    if (raw.pending_decision !== undefined && raw.pending_decision !== null) {
      const checked = check("pending decision", PendingDecisionSchema, raw.pending_decision);
      if (!checked.ok) return { style: "result", body: { ok: false, error: checked.error, details: checked.details } };
      pending = checked.value;
    }
    return this.underLock((run) => {
      if (run.state.complete || run.state.phase === "DONE") {
        return { style: "result" as const, body: { ok: false, error: "Run is complete; nothing to pause" } };
      }
      const state = applyPause(run.state, this.flags.reason || "Paused", pending, this.now());
      const saved = this.store.commit(run, { state, checkpoints: run.checkpoints }, [{ type: "RUN_PAUSED", fields: { state } }]);
      return ok({ runtime: runtimeInfo(saved), state });
    });
  }

  complete(): Outcome {
    return this.underLock((run) => {
      const guard = validateTransition(run.state, run.checkpoints, run.state.phase, "DONE");
      if (!guard.ok) return this.guardFail(guard.error, guard.details ?? [], guard);
      const state = applyComplete(run.state, this.now());
      const saved = this.store.commit(run, { state, checkpoints: run.checkpoints }, [{ type: "RUN_COMPLETED", fields: { state } }]);
      return ok({ runtime: runtimeInfo(saved), state });
    });
  }
}

/** Flags that must be strings; anything else is a usage error before any work. */
export function assertKnownCommand(command: string | undefined): asserts command is string {
  if (!command) throw new UsageError(UNKNOWN_COMMAND, "run `perfloop runtime --help`");
}
