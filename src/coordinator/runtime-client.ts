/**
 * The coordinator's way into the runtime: every state change of `perfloop run` goes through the
 * same RuntimeService verbs a coding agent calls (`perfloop runtime <verb>`), with the same
 * validation, guards, lock and history. A refusal is a bug in the coordinator or damage on disk,
 * never something to work around: it becomes a PerfloopError naming the verb and the guard.
 */
import { PerfloopError } from "../errors.ts";
import type { Platform } from "../platform/index.ts";
import { RuntimeService, type Outcome, type RuntimeFlags } from "../runtime/commands.ts";
import { lockDeps } from "../runtime/lock.ts";
import type { Phase } from "../runtime/phases.ts";
import type { PendingDecision } from "../runtime/schemas.ts";
import type { Run } from "../runtime/store.ts";
import { unfinishedRuns } from "../runtime/active-runs.ts";
import { pointerPath, safe } from "../runtime/paths.ts";
import { WriteError } from "../runtime/write-error.ts";

export class RuntimeRefused extends PerfloopError {
  constructor(verb: string, body: Record<string, unknown>) {
    super("runtime_refused", `the runtime refused ${verb}: ${String(body.error ?? "unknown error")}`, {
      data: { verb, body },
      hint: "the run's files may have been changed by hand; `perfloop status` shows where it stands",
    });
  }
}

export class RunClient {
  constructor(
    private readonly platform: Platform,
    readonly projectRoot: string,
    readonly runId: string,
  ) {}

  private service(flags: Partial<RuntimeFlags>): RuntimeService {
    return new RuntimeService(
      { projectRoot: this.projectRoot, cwd: this.platform.cwd, runId: this.runId, resolve: false, ...flags },
      lockDeps(this.platform),
    );
  }

  private call(verb: string, flags: Partial<RuntimeFlags>): Record<string, unknown> {
    const outcome: Outcome = this.service(flags).run(verb);
    if (outcome.style !== "success" || outcome.body.ok !== true) throw new RuntimeRefused(verb, outcome.body);
    return outcome.body;
  }

  /** The run as on disk now (history replayed, validated). */
  load(): Run {
    const run = this.service({}).store.load(this.runId);
    if (!run) throw new PerfloopError("run_missing", `run ${this.runId} is gone from ${this.projectRoot}/.hex-skills/optimization/runtime/runs`);
    return run;
  }

  checkpoint(phase: Phase, payload: Record<string, unknown>): void {
    this.call("checkpoint", { phase, payload: JSON.stringify(payload) });
  }

  advance(to: Phase): void {
    this.call("advance", { to });
  }

  /** Leaves PAUSED for `to` (the paused phase or, through the guards, one of its successors), recording `choice`. */
  resolve(to: Phase, choice?: string): void {
    this.call("advance", { to, resolve: true, choice });
  }

  recordWorker(worker: string, payload: Record<string, unknown>): void {
    this.call("record-worker-result", { worker, payload: JSON.stringify(payload) });
  }

  recordCycle(payload: Record<string, unknown>): void {
    this.call("record-cycle", { payload: JSON.stringify(payload) });
  }

  pause(reason: string, pending: PendingDecision | null): void {
    this.call("pause", { reason, payload: JSON.stringify(pending ? { pending_decision: pending } : {}) });
  }

  complete(): void {
    this.call("complete", {});
  }
}

/**
 * Starts a run from a manifest file, with its preflight checkpoint in the same write; returns its
 * id, or the unfinished run that blocks it.
 */
export function startRun(platform: Platform, projectRoot: string, slug: string, manifestFile: string, preflight: Record<string, unknown>): { ok: true; runId: string } | { ok: false; unfinished: Run | null; error: string } {
  const service = new RuntimeService(
    { projectRoot, cwd: platform.cwd, slug, manifestFile, resolve: false },
    lockDeps(platform),
  );
  let outcome: Outcome;
  try {
    outcome = service.start({ phase: "PHASE_0_PREFLIGHT", payload: preflight });
  } catch (error) {
    // A full disk during the start: the history write is all or nothing, so either the run exists
    // (and is resumed) or it does not (and the command is run again).
    if (!(error instanceof WriteError)) throw error;
    const started = unfinishedRuns(service.store, safe(slug)).length > 0;
    throw started ? error.withNext(`continue with perfloop resume --slug ${slug}`) : error;
  }
  if (outcome.style === "success" && outcome.body.ok === true) return { ok: true, runId: String(outcome.body.run_id) };
  if (outcome.body.recovery === true) {
    return { ok: false, unfinished: activeRunOf(platform, projectRoot, slug), error: String(outcome.body.error ?? "an unfinished run exists") };
  }
  throw new RuntimeRefused("start", outcome.body);
}

/**
 * The unfinished run of a slug, or null: the one its pointer names, else the newest unfinished
 * run of the slug in runs/ (a lost or corrupt pointer hides nothing; runtime/active-runs.ts).
 */
export function activeRunOf(platform: Platform, projectRoot: string, slug: string): Run | null {
  const service = new RuntimeService(
    { projectRoot, cwd: platform.cwd, slug, resolve: false },
    lockDeps(platform),
  );
  const store = service.store;
  const read = store.tryReadPointer(pointerPath(store.paths, slug));
  const pointed = read.kind === "ok" ? store.load(read.pointer.run_id) : null;
  if (pointed && !pointed.state.complete) return pointed;
  return unfinishedRuns(store, safe(slug))[0] ?? null;
}
