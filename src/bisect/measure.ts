/**
 * The measurements of a bisect (docs/bisect.md), each one interleaved session in side trees
 * (trees.ts): the ends against each other (confirm), a probed commit against both ends of its
 * range (probe), and a commit against its parent (step). Rounds are added while judge.ts says
 * "more", as `perfloop compare` does (src/measure/adaptive.ts): a first batch, then doubling, at
 * least MIN_EXTRA_RUNS at a time, up to the cap. The confirm starts with compare's INITIAL_RUNS;
 * probes and steps with PROBE_INITIAL_ROUNDS, the fewest with which the paired test can decide
 * (6 rounds all one way: exact two-sided p = 2/64): a bisect's slowdown is usually large, and a
 * probe that is not decided at once gets more rounds like any other comparison.
 *
 * Each round runs every arm once, in an order that changes from round to round so that no arm
 * always runs first, last or in the middle: for two arms A B then B A (ABBA), for three arms the
 * six orders of a Williams design (E. J. Williams, "Experimental designs balanced for the
 * estimation of residual effects of treatments", Aust. J. Sci. Res. A 2(3), 1949): over each six
 * rounds every arm takes every position twice and follows every other arm equally often.
 * Warm-up rounds (not judged) run each arm once first.
 *
 * What a round measures is the target's (src/execute/target-runners.ts): a command's wall time,
 * a function's time per call (one `__bench-fn` process per round), an endpoint's median latency
 * (a batch of requests to the server perfloop started from that arm's tree). The arms of a
 * session are opened before its first round (an endpoint's servers started and answering) and
 * closed after its last, however it ends.
 */
import { CancelledError, PerfloopError } from "../errors.ts";
import { DEFAULT_WARMUP_RUNS, INITIAL_RUNS, MAX_AB_RUNS, MIN_EXTRA_RUNS } from "../measure/index.ts";
import { median } from "../measure/summary.ts";
import type { OpenTarget, TargetRunner } from "../execute/target-runners.ts";
import { type Arm, roundValue } from "../profile/ab-sampler.ts";
import { abortText, DEFAULT_MAX_OUTPUT_BYTES, type RunLimits } from "../profile/command-target.ts";
import { type ConfirmJudgement, type Judged, judgeConfirm, judgeProbe, judgeStep, type ProbeJudgement, type StepJudgement } from "./judge.ts";
import type { BisectTrees, PreparedTree } from "./trees.ts";

/** First batch of a probe or a step (see the module comment). */
export const PROBE_INITIAL_ROUNDS = 6;

/** The orders of one round, cycled: ABBA for two arms, a Williams design for three. */
const ROUND_ORDERS: Readonly<Record<number, readonly (readonly number[])[]>> = {
  2: [
    [0, 1],
    [1, 0],
  ],
  3: [
    [0, 1, 2],
    [1, 2, 0],
    [2, 0, 1],
    [2, 1, 0],
    [0, 2, 1],
    [1, 0, 2],
  ],
};

/** The order of the arms in measured round `round` (0-based). */
export function roundOrder(arms: number, round: number): readonly number[] {
  const orders = ROUND_ORDERS[arms];
  if (!orders) throw new RangeError(`a bisect session has 2 or 3 arms, got ${arms}`);
  return orders[round % orders.length] as readonly number[];
}

export interface SessionSettings {
  /** The cap on measured rounds. Default MAX_AB_RUNS. */
  maxRounds?: number;
  /** The first batch (at most the cap). Default INITIAL_RUNS. */
  initialRounds?: number;
  /** Default DEFAULT_WARMUP_RUNS. */
  warmupRounds?: number;
  /** One run's time limit. */
  timeoutMs: number;
  signal?: AbortSignal;
  /** After each run: the measured round reached (0 during warm-up) and the rounds planned so far. */
  onRun?(round: number, planned: number): void;
}

export type SessionEnd<T> = { status: "decided"; judgement: T; rounds: number; roundMs: number[] } | { status: "failed"; arm: number; message: string; rounds: number };

/**
 * Rounds of `arms` until `judge` decides or the cap is reached (then `atCap` is true). The judge
 * gets each arm's values of `metric` (wall time unless given); a decided session also tells each
 * arm's median time of one round, ms.
 */
export async function runSession<T>(arms: readonly Arm[], judge: (values: number[][], atCap: boolean) => Judged<T>, settings: SessionSettings, metric = "wall_time_ms"): Promise<SessionEnd<T>> {
  const cap = settings.maxRounds ?? MAX_AB_RUNS;
  const values: number[][] = arms.map(() => []);
  const walls: number[][] = arms.map(() => []);
  const limits: RunLimits = { timeoutMs: settings.timeoutMs, maxOutputBytes: DEFAULT_MAX_OUTPUT_BYTES };
  let session = 0;
  let rounds = 0;
  const one = async (arm: number, warmup: boolean, planned: number): Promise<SessionEnd<T> | null> => {
    if (settings.signal?.aborted) throw new CancelledError(`stopped before run ${session + 1}: ${abortText(settings.signal)}`);
    session++;
    const outcome = await (arms[arm] as Arm).runOnce(session, warmup, limits);
    if (!outcome.ok) {
      if (settings.signal?.aborted) throw new CancelledError(`stopped during run ${session}: ${abortText(settings.signal)}`);
      return { status: "failed", arm, message: outcome.failure.message, rounds };
    }
    if (!warmup) {
      const value = roundValue(outcome.sample, metric);
      if (value === null || !(value > 0)) return { status: "failed", arm, message: `round ${session} measured no ${metric} (got ${value})`, rounds };
      (values[arm] as number[]).push(value);
      (walls[arm] as number[]).push(outcome.sample.wall_ms);
    }
    settings.onRun?.(warmup ? 0 : rounds + 1, planned);
    return null;
  };
  for (let round = 0; round < (settings.warmupRounds ?? DEFAULT_WARMUP_RUNS); round++) {
    for (let arm = 0; arm < arms.length; arm++) {
      const ended = await one(arm, true, 0);
      if (ended) return ended;
    }
  }
  let batch = Math.min(settings.initialRounds ?? INITIAL_RUNS, cap);
  for (;;) {
    const planned = rounds + batch;
    for (let i = 0; i < batch; i++) {
      for (const arm of roundOrder(arms.length, rounds)) {
        const ended = await one(arm, false, planned);
        if (ended) return ended;
      }
      rounds++;
    }
    const judged = judge(values, rounds >= cap);
    if (judged.decided) {
      const { decided: _, ...judgement } = judged;
      return { status: "decided", judgement: judgement as T, rounds, roundMs: walls.map((wall) => median(wall)) };
    }
    batch = Math.max(0, Math.min(Math.max(rounds, MIN_EXTRA_RUNS), rounds, cap - rounds));
    if (batch === 0) throw new Error("runSession: the judge did not decide at the cap");
  }
}

export interface MeasureContext {
  trees: BisectTrees;
  /** How a round of the target runs in a tree: a command's, a function's or an endpoint's. */
  runner: TargetRunner;
  /** What the target is called in a reason: "the command", "the function", "the server". */
  noun: string;
  /** Threshold as a fraction. */
  threshold: number;
  maxRounds?: number;
  warmupRounds?: number;
  timeoutMs: number;
  signal?: AbortSignal;
  onRun?(round: number, planned: number): void;
}

/** An end of the history (or of a range) that cannot be measured: the bisect cannot go on. */
export class EndFailedError extends PerfloopError {
  constructor(which: string, commit: string, reason: string) {
    super("bisect_end_failed", `${which} (${commit.slice(0, 12)}) cannot be measured: ${reason}`, {
      hint: "the ends must build, pass --test and run the target; fix --setup, --test, --serve or the target, or choose other ends",
    });
    this.name = "EndFailedError";
  }
}

type ReadyTree = Extract<PreparedTree, { ok: true }>;

async function endTree(ctx: MeasureContext, which: string, commit: string, keep: readonly string[]): Promise<ReadyTree> {
  const tree = await ctx.trees.prepare(commit, keep);
  if (!tree.ok) throw new EndFailedError(which, commit, tree.reason);
  return tree;
}

const sessionSettings = (ctx: MeasureContext, initialRounds = PROBE_INITIAL_ROUNDS): SessionSettings => ({ maxRounds: ctx.maxRounds, initialRounds, warmupRounds: ctx.warmupRounds, timeoutMs: ctx.timeoutMs, signal: ctx.signal, onRun: ctx.onRun });

type Session<T> = SessionEnd<T> | { status: "unopened"; arm: number; message: string; rounds: 0 };

/**
 * The target opened in each tree (in order: a server that does not start is the failure of its
 * arm, and the arms opened before it are closed), then the rounds, then every arm closed.
 */
async function session<T>(ctx: MeasureContext, trees: readonly ReadyTree[], judge: (values: number[][], atCap: boolean) => Judged<T>, initialRounds?: number): Promise<Session<T>> {
  const opened: OpenTarget[] = [];
  try {
    for (const [arm, tree] of trees.entries()) {
      if (ctx.signal?.aborted) throw new CancelledError(`stopped before the target was started: ${abortText(ctx.signal)}`);
      const target = await ctx.runner.open(ctx.trees.platform, tree.cwd, ctx.trees.env());
      if (!target.ok) return { status: "unopened", arm, message: `${ctx.noun} could not be started: ${target.reason}`, rounds: 0 };
      opened.push(target.target);
    }
    return await runSession(opened, judge, sessionSettings(ctx, initialRounds), ctx.runner.metric);
  } finally {
    for (const target of opened) await target.close();
  }
}

/** The slower of two ends' median round times, ms. */
const slowerRound = (roundMs: readonly number[]) => Math.max(...roundMs.filter((ms) => Number.isFinite(ms)), 0);

/** Bad against good. Either end failing ends the bisect. */
export async function measureConfirm(ctx: MeasureContext, good: string, bad: string): Promise<ConfirmJudgement & { rounds: number; round_ms: number }> {
  const keep = [good, bad];
  const goodTree = await endTree(ctx, "good", good, keep);
  const badTree = await endTree(ctx, "bad", bad, keep);
  const end = await session<ConfirmJudgement>(ctx, [goodTree, badTree], ([g, b], atCap) => judgeConfirm(g as number[], b as number[], ctx.threshold, atCap), INITIAL_RUNS);
  if (end.status !== "decided") throw new EndFailedError(end.arm === 0 ? "good" : "bad", end.arm === 0 ? good : bad, end.message);
  return { ...end.judgement, rounds: end.rounds, round_ms: slowerRound(end.roundMs) };
}

export type ProbeMeasured = ({ verdict: ProbeJudgement["verdict"] } & Omit<ProbeJudgement, "verdict">) | { verdict: "failed"; reason: string; vs_lo: null; vs_hi: null; mid: null };

/** `commit` against the ends of its range, `lo` (fast) and `hi` (slow); a failure of the commit's own is a "failed" verdict. */
export async function measureProbe(ctx: MeasureContext, lo: string, commit: string, hi: string): Promise<ProbeMeasured & { rounds: number }> {
  const keep = [lo, commit, hi];
  const loTree = await endTree(ctx, "the fast end of the range", lo, keep);
  const hiTree = await endTree(ctx, "the slow end of the range", hi, keep);
  const tree = await ctx.trees.prepare(commit, keep);
  const failed = (reason: string, rounds: number) => ({ verdict: "failed" as const, reason, vs_lo: null, vs_hi: null, mid: null, rounds });
  if (!tree.ok) return failed(tree.reason, 0);
  const end = await session<ProbeJudgement>(ctx, [loTree, tree, hiTree], ([l, x, h], atCap) => judgeProbe(l as number[], x as number[], h as number[], atCap));
  if (end.status !== "decided") {
    if (end.arm === 1) return failed(end.status === "unopened" ? end.message : failedText(ctx, end.message), end.rounds);
    throw new EndFailedError(end.arm === 0 ? "the fast end of the range" : "the slow end of the range", end.arm === 0 ? lo : hi, end.message);
  }
  return { ...end.judgement, rounds: end.rounds };
}

/** A failed round's message as a reason: a function's and an endpoint's name themselves ("the function failed on round 3: ..."), a command's does not. */
const failedText = (ctx: MeasureContext, message: string) => (/^the \w+ failed/.test(message) ? message : `${ctx.noun} failed: ${message}`);

export type StepMeasured = StepJudgement | { outcome: "failed"; vs: null; reason: string };

/** `commit` against `parent`. A side that fails now (it ran before) is a "failed" step. */
export async function measureStep(ctx: MeasureContext, parent: string, commit: string): Promise<StepMeasured & { rounds: number }> {
  const keep = [parent, commit];
  const parentTree = await ctx.trees.prepare(parent, keep);
  const tree = await ctx.trees.prepare(commit, keep);
  for (const prepared of [parentTree, tree]) {
    if (!prepared.ok) return { outcome: "failed", vs: null, reason: `${prepared.commit.slice(0, 12)}: ${prepared.reason}`, rounds: 0 };
  }
  const end = await session<StepJudgement>(ctx, [parentTree as ReadyTree, tree as ReadyTree], ([p, c], atCap) => judgeStep(p as number[], c as number[], ctx.threshold, atCap));
  if (end.status !== "decided") return { outcome: "failed", vs: null, reason: `${end.arm === 0 ? "the parent" : "the commit"} failed: ${end.message}`, rounds: end.rounds };
  return { ...end.judgement, rounds: end.rounds };
}
