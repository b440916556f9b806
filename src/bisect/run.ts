/**
 * `perfloop bisect` from start to answer (docs/bisect.md): resolve the ends and the first-parent
 * history between them, take the slug's run lock, then ask the search (search.ts) for the next
 * measurement, make it (measure.ts, in side trees: trees.ts), append it to the checkpoint
 * (state.ts) and ask again, until the search answers. `resumeBisect` carries a checkpoint on
 * from its last measurement. However a drive ends (answered, failed, Ctrl-C), the side trees are
 * removed (unless --keep-trees) and the lock released; a `kill -9` leaves both, and the next drive
 * replaces the trees and takes the lock over (its holder is gone). The person's HEAD, index and
 * files are only read.
 */
import * as fs from "node:fs";
import { relative } from "node:path";
import { resolveAllowWrite } from "../confine/allow-write.ts";
import { acquireRunLock } from "../coordinator/run-lock.ts";
import { functionFileIn } from "../coordinator/target-runner.ts";
import type { ServeOptions } from "../coordinator/run-options.ts";
import { CancelledError, PerfloopError, UsageError } from "../errors.ts";
import { openRepo, type GitRepo } from "../git/index.ts";
import { refuseUnsafeStateDir } from "../git/state-guard.ts";
import { removeSideTrees } from "../execute/workspace.ts";
import { MIN_EFFECT_FLOOR } from "../measure/index.ts";
import type { Platform } from "../platform/index.ts";
import { DEFAULT_RUN_TIMEOUT_MS } from "../profile/command-target.ts";
import type { TargetSpec } from "../profile/types.ts";
import { runLockPath, runtimePaths, safe, sideTreesDir } from "../runtime/paths.ts";
import { removeStateFile } from "../runtime/atomic-fs.ts";
import { displayPath, ioErrorOf } from "../runtime/write-error.ts";
import type { Progress } from "../ui/progress.ts";
import { firstParentHistory } from "./history.ts";
import { describeComparison } from "./judge.ts";
import { type MeasureContext, measureConfirm, measureProbe, measureStep } from "./measure.ts";
import { buildReport, type BisectReport } from "./report.ts";
import { type Action, type Answer, nextStep } from "./search.ts";
import { type BisectState, bisectStatePath, type FoundBisect, readBisectState, searchEvents, type StoredEvent, writeBisectState } from "./state.ts";
import { runnerOf } from "./target.ts";
import { BisectTrees } from "./trees.ts";
import { actionLabel, eventLine, expectedProbes } from "./text.ts";

/** The default slug: `.hex-skills/optimization/bisect/`. */
export const DEFAULT_SLUG = "bisect";
/** A run of a probed commit may take this many times the slower end's median before it is ended (and the commit skipped)... */
export const PROBE_TIMEOUT_MULTIPLE = 10;
/** ...but never less than this. */
export const PROBE_TIMEOUT_FLOOR_MS = 60_000;

export interface BisectRequest {
  projectRoot: string;
  good: string;
  bad: string;
  /** The target as the person typed it. */
  command: string;
  /** The target parsed (src/profile/target.ts); a function's file absolute, in the person's checkout. */
  target: TargetSpec;
  /** An endpoint's server, which perfloop starts in each side tree (required for an endpoint). */
  serve: ServeOptions | null;
  /** A fraction; default MIN_EFFECT_FLOOR. */
  threshold?: number;
  test?: string;
  setup?: string;
  maxRuns: number;
  warmup: number;
  allowWrite: readonly string[];
  slug?: string;
  keepTrees: boolean;
  /** Start over even when an unfinished bisect of the slug exists. */
  fresh: boolean;
}

export interface BisectHooks {
  progress: Progress;
  /** Aborted by Ctrl-C: the running measurement stops, the ones made are kept. */
  signal: AbortSignal;
  note(message: string): void;
}

/** Starts a bisect and drives it to its answer. */
export async function startBisect(platform: Platform, request: BisectRequest, hooks: BisectHooks): Promise<BisectReport> {
  if (!request.command.trim()) throw new UsageError("the target is empty", 'pass the command whose time regressed, in quotes: perfloop bisect --good v1.0 --bad HEAD "npm run bench"');
  if (request.target.kind === "endpoint" && !request.serve) {
    throw new UsageError("perfloop bisect needs --serve for an endpoint: a server that is already running serves one commit only", 'pass the command that starts your server on $PORT, e.g. --serve "node server.js"; perfloop starts it from each commit\'s side tree (docs/bisect.md)');
  }
  const repo = await openRepo(fs, request.projectRoot);
  const subdir = relative(repo.dir, request.projectRoot).split("\\").join("/");
  const targetSpec: TargetSpec = request.target.kind === "function" ? { ...request.target, file: functionFileIn(request.target.file, repo.dir, subdir) } : request.target;
  // The runner checks what it can before anything is written (an https:// URL perfloop cannot serve, say).
  runnerOf({ command: request.command, target_spec: targetSpec, serve: request.serve });
  await refuseUnsafeStateDir(repo);
  const history = await firstParentHistory(repo, request.good, request.bad);
  const allowWrite = resolveAllowWrite(platform.cwd, repo.dir, request.allowWrite);
  const slug = safe(request.slug ?? DEFAULT_SLUG);
  const path = bisectStatePath(repo.dir, slug);
  const lock = takeLock(platform, repo, slug, hooks);
  let state: BisectState;
  try {
    const existing = readBisectState(path);
    if (existing?.status === "running" && !request.fresh) {
      throw new UsageError(`an unfinished bisect of slug ${slug} is in ${displayPath(path)} (${existing.events.length} measurements made)`, `carry it on with perfloop resume --slug ${slug}, or start over with --fresh`);
    }
    const now = new Date(platform.now()).toISOString();
    state = {
      version: 1,
      kind: "bisect",
      slug,
      status: "running",
      started_at: now,
      updated_at: now,
      options: {
        good_ref: request.good,
        bad_ref: request.bad,
        command: request.command,
        target_spec: targetSpec,
        serve: request.serve,
        threshold: request.threshold ?? MIN_EFFECT_FLOOR,
        test: request.test ?? null,
        setup: request.setup ?? null,
        max_runs: request.maxRuns,
        warmup: request.warmup,
        allow_write: allowWrite,
        subdir,
        keep_trees: request.keepTrees,
      },
      commits: history.commits,
      events: [],
    };
    writeBisectState(path, state, platform.pid);
  } catch (error) {
    lock.release();
    throw error;
  }
  return await drive(platform, repo, path, state, hooks, lock, request.keepTrees);
}

/** Carries an unfinished bisect on from its last measurement. */
export async function resumeBisect(platform: Platform, repo: GitRepo, found: FoundBisect, hooks: BisectHooks, keepTrees = false): Promise<BisectReport> {
  await refuseUnsafeStateDir(repo);
  const lock = takeLock(platform, repo, found.slug, hooks);
  let state: BisectState | null;
  try {
    // Read again under the lock: another drive may have finished it meanwhile.
    state = readBisectState(found.path);
    if (!state || state.status !== "running") throw new UsageError(`the bisect of slug ${found.slug} is finished`, "start another with perfloop bisect");
  } catch (error) {
    lock.release();
    throw error;
  }
  return await drive(platform, repo, found.path, state, hooks, lock, keepTrees || state.options.keep_trees);
}

function takeLock(platform: Platform, repo: GitRepo, slug: string, hooks: BisectHooks) {
  const lock = acquireRunLock(runLockPath(runtimePaths(repo.dir), slug), platform.pid, platform.now(), platform.processAlive, slug);
  if (lock.tookOver) hooks.note(`perfloop: ${lock.tookOver}`);
  return lock;
}

async function drive(platform: Platform, repo: GitRepo, path: string, state: BisectState, hooks: BisectHooks, lock: { release(): void }, keepTrees: boolean): Promise<BisectReport> {
  const { progress, signal } = hooks;
  const slug = state.slug;
  const n = state.commits.length - 1;
  const options = state.options;
  const trees = new BisectTrees(platform, repo, sideTreesDir(runtimePaths(repo.dir), slug), {
    setup: options.setup ?? undefined,
    test: options.test ?? undefined,
    subdir: options.subdir,
    allowWrite: options.allow_write,
    notice: (message) => progress.step(message),
    signal,
  });
  const ctx: MeasureContext = { trees, ...runnerOf(options), threshold: options.threshold, maxRounds: options.max_runs, warmupRounds: options.warmup, timeoutMs: DEFAULT_RUN_TIMEOUT_MS, signal };
  let answer: Answer | null = null;
  try {
    await progress.start(state.events.length === 0 ? `bisecting ${n} commits` : `resuming the bisect of ${n} commits after ${state.events.length} measurements`);
    for (;;) {
      let next;
      try {
        next = nextStep(n, searchEvents(state));
      } catch (error) {
        if (error instanceof RangeError) throw new PerfloopError("corrupt_state", `state file ${displayPath(path)} is corrupt: ${error.message}`, { hint: `remove it (rm ${displayPath(path)}) to start the bisect again` });
        throw error;
      }
      if (next.kind === "done") {
        answer = next.answer;
        break;
      }
      ctx.timeoutMs = runLimitMs(state);
      const label = actionLabel(next.action, state.commits, probesMade(state) + 1, expectedProbes(n));
      progress.update(label, true);
      ctx.onRun = (round, planned) => progress.update(round === 0 ? `${label}: warming up` : `${label}: round ${round}/${planned}`);
      const started = platform.now();
      const measured = await measure(ctx, next.action, state.commits);
      const event = { ...measured, ms: Math.max(0, platform.now() - started) } as StoredEvent;
      state.events.push(event);
      state.updated_at = new Date(platform.now()).toISOString();
      writeBisectState(path, state, platform.pid);
      progress.step(eventLine(event, state.commits, n));
    }
    state.status = "done";
    state.updated_at = new Date(platform.now()).toISOString();
    writeBisectState(path, state, platform.pid);
    await trees.close();
    const report = await buildReport(repo, state, answer, displayPath(path));
    if (answer.kind === "refused") {
      progress.fail("nothing to bisect");
      throw refusal(state, report);
    }
    progress.stop("bisect done");
    return report;
  } catch (error) {
    if (answer?.kind === "refused") throw error;
    progress.fail("bisect stopped");
    const kept = `${state.events.length} measurement(s) are kept`;
    if (error instanceof CancelledError || signal.aborted) {
      const why = signal.aborted && signal.reason instanceof Error ? ` (${signal.reason.message})` : "";
      throw new CancelledError(`bisect stopped${why}; ${kept}: perfloop resume --slug ${slug} carries on`);
    }
    const io = ioErrorOf(error, { cwd: repo.dir });
    if (io) throw io.withNext(`continue with perfloop resume --slug ${slug}`);
    // Nothing measured yet (an end that cannot be measured, say): nothing to resume either.
    if (state.events.length === 0 && error instanceof PerfloopError && error.code !== "corrupt_state") {
      removeStateFile(path);
      throw new PerfloopError(error.code, error.message, { exitCode: error.exitCode, data: error.data, hint: `${error.hint ? `${error.hint}; ` : ""}then run the command again` });
    }
    if (error instanceof PerfloopError && error.code !== "corrupt_state") {
      throw new PerfloopError(error.code, error.message, { exitCode: error.exitCode, data: error.data, hint: `${error.hint ? `${error.hint}; ` : ""}${kept}: perfloop resume --slug ${slug} retries` });
    }
    throw error;
  } finally {
    await trees.close();
    // Still under the lock: no other drive is writing into the trees.
    const problem = keepTrees ? null : removeSideTrees(repo.dir, slug);
    if (problem) hooks.note(`perfloop: ${problem}`);
    lock.release();
  }
}

function probesMade(state: BisectState): number {
  return state.events.filter((event) => event.kind === "probe").length;
}

/**
 * One run's time limit: before the ends are measured the default; then PROBE_TIMEOUT_MULTIPLE
 * times the slower end's round, at least PROBE_TIMEOUT_FLOOR_MS. (An older checkpoint's confirm
 * has no round time: a command's medians are its rounds' wall times.)
 */
export function runLimitMs(state: BisectState): number {
  const confirm = state.events.find((event) => event.kind === "confirm");
  if (!confirm) return DEFAULT_RUN_TIMEOUT_MS;
  const round = confirm.round_ms ?? ((state.options.target_spec?.kind ?? "command") === "command" ? Math.max(confirm.vs.median_a, confirm.vs.median_b) : null);
  if (round === null) return DEFAULT_RUN_TIMEOUT_MS;
  return Math.min(DEFAULT_RUN_TIMEOUT_MS, Math.max(PROBE_TIMEOUT_FLOOR_MS, PROBE_TIMEOUT_MULTIPLE * round));
}

/** A stored event before its time is known. */
type Unclocked = StoredEvent extends infer E ? (E extends unknown ? Omit<E, "ms"> : never) : never;

async function measure(ctx: MeasureContext, action: Action, commits: readonly string[]): Promise<Unclocked> {
  const at = (i: number) => commits[i] as string;
  if (action.kind === "confirm") {
    const r = await measureConfirm(ctx, at(action.lo), at(action.hi));
    return { kind: "confirm", outcome: r.outcome, vs: r.vs, reason: r.reason, round_ms: r.round_ms, rounds: r.rounds };
  }
  if (action.kind === "probe") {
    const r = await measureProbe(ctx, at(action.lo), at(action.commit), at(action.hi));
    return { kind: "probe", commit: action.commit, lo: action.lo, hi: action.hi, verdict: r.verdict, reason: r.reason, vs_lo: r.vs_lo, vs_hi: r.vs_hi, mid: r.mid, rounds: r.rounds };
  }
  const r = await measureStep(ctx, at(action.parent), at(action.commit));
  return { kind: "step", commit: action.commit, parent: action.parent, outcome: r.outcome, vs: r.vs, reason: r.reason, rounds: r.rounds };
}

/** "bad is not slower than good": one line, exit 1. */
function refusal(state: BisectState, report: BisectReport): PerfloopError {
  const confirm = state.events.find((event) => event.kind === "confirm");
  const below = confirm?.outcome === "below_threshold";
  const limit = `the ${Number((state.options.threshold * 100).toFixed(1))}% threshold`;
  const bad = `bad (${state.options.bad_ref}, ${report.bad.commit.slice(0, 12)})`;
  const good = `good (${state.options.good_ref}, ${report.good.commit.slice(0, 12)})`;
  const how = below ? `is slower than ${good}, but by less than ${limit}` : `is not slower than ${good} by ${limit} or more`;
  const evidence = confirm ? `: ${describeComparison(confirm.vs)}` : "";
  return new PerfloopError("not_a_regression", `${bad} ${how}${evidence}; nothing to bisect`, {
    hint: below ? "lower --threshold to bisect a smaller slowdown" : "check --good and --bad: good is the older, fast commit and bad the newer, slow one",
    data: { report },
  });
}
