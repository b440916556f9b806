/**
 * The executor's two questions about a set of hypotheses, asked in its side trees (workspace.ts):
 * is it safe (`gate`: the side tree written, the tests and the e2e check passing within their
 * time limits), and how does it measure against another set (`measure`: an interleaved comparison,
 * ab-sampler.ts)?
 *
 * A bad hypothesis is a verdict, not a failed run (docs/safety.md): a change that cannot be
 * written, tests that fail or hang, a target that fails, crashes or hangs with it are all answers
 * with their reason, which the strike and the bisection (strike.ts) turn into removals. Only the
 * base failing ends the execution with an error: that is not a hypothesis' doing.
 *
 * Time limits come from the base (measured before any change is tried): a candidate's tests and
 * target runs get TIMEOUT_FACTOR times the base's time plus TIMEOUT_MARGIN_MS, so that a hang
 * costs a bounded, predictable time, and a change that makes something ten times slower is still
 * measured (and removed as slower). `--timeout` sets the limit instead.
 */
import { constants } from "node:os";
import { join } from "node:path";
import { CancelledError, PerfloopError } from "../errors.ts";
import { describeOutcome, SIGNIFICANCE_LEVEL, type Verdict } from "../measure/index.ts";
import { compareArms, judgedBy, poolComparisons, type AbCompared, type CompareCommandsResult } from "../profile/ab-sampler.ts";
import type { OpenTarget, TargetRunner } from "./target-runners.ts";
import { comparisonProgress } from "../profile/ab-progress.ts";
import { failureGist } from "./failure-gist.ts";
import type { GroupVerdict } from "./bisect.ts";
import type { E2eStatus } from "./experiment-log.ts";
import type { SideName, Workspace } from "./workspace.ts";
import type { GateResult, MeasureResult, Measurer } from "./measurer.ts";
import { judgeGuardrails, type GuardrailRecord, type RegressionName } from "./guardrails.ts";
import { metricLabel } from "../model/metrics.ts";

/** A candidate may take this many times as long as the base... */
const TIMEOUT_FACTOR = 10;
/** ...plus this, so that a fast command does not get a limit of a few milliseconds. */
const TIMEOUT_MARGIN_MS = 10_000;

/** The time limit of a candidate's run, from the base's time (or the person's `--timeout`). */
export function candidateLimitMs(baseMs: number, overrideMs?: number): number {
  return overrideMs ?? Math.round(TIMEOUT_FACTOR * baseMs + TIMEOUT_MARGIN_MS);
}

export function describeLimit(limitMs: number, baseMs: number, overridden: boolean): string {
  const seconds = `${(limitMs / 1000).toFixed(limitMs < 10_000 ? 1 : 0)} s`;
  return overridden ? `${seconds}, --timeout` : `${seconds}: ${TIMEOUT_FACTOR} x the base's ${Math.round(baseMs)} ms + ${TIMEOUT_MARGIN_MS / 1000} s`;
}


export interface RoundSettings {
  /** How the target is opened in a side tree and measured round by round (target-runners.ts). */
  runner: TargetRunner;
  test: string;
  e2e?: string;
  /** Where commands run inside each side tree, relative to its root. */
  subdir: string;
  threshold?: number;
  maxRuns?: number;
  /** Guardrails the person lets regress (`--allow-regression`, guardrails.ts). */
  allowRegression?: readonly RegressionName[];
  /** The metric every verdict judges (default the runner's); the others guard it (guardrails.ts). */
  mainMetric?: string;
  testLimit: { ms: number; text: string };
  targetLimit: { ms: number; text: string };
  signal?: AbortSignal;
  /** Throws at a safe point (Ctrl-C, the budget). */
  checkpoint(): void;
  say(stage: string, message: string): void;
}

/** A verdict as bisect.ts's group verdict; `metric`: what it judged (named unless wall time). */
export function groupVerdict(v: Verdict, metric?: string): GroupVerdict {
  return { outcome: v.outcome, label: describeOutcome(v), summary: describeVerdict(v, metric), looksSlower: v.ratio > 1 + v.min_effect };
}

/** A set that could not be measured because of what it changes. */
export function failedVerdict(reason: string): GroupVerdict {
  return { outcome: "slower", label: "slower", summary: reason, looksSlower: true, failure: reason };
}

/**
 * "median ratio 0.912 (95% CI ...)"; with the judged metric's name in front when it is not wall
 * time ("peak memory median ratio 1.000 ..."), so that a reason says what did not change.
 */
export function describeVerdict(v: Verdict, metric?: string): string {
  const of = metric !== undefined && metric !== "wall_time_ms" ? `${metricLabel(metric)} ` : "";
  return `${of}median ratio ${v.ratio.toFixed(3)} (95% CI ${v.ratio_ci[0].toFixed(3)}-${v.ratio_ci[1].toFixed(3)}), p ${v.p_value < 0.0001 ? "< 0.0001" : `= ${v.p_value.toPrecision(2)}`}, n ${v.n_a}+${v.n_b}`;
}

/** A shell reports a command killed by signal N as exit 128 + N: name it (" (SIGSEGV)"). */
function shellSignal(exitCode: number | null): string {
  if (exitCode === null || exitCode <= 128 || exitCode > 128 + 64) return "";
  const name = Object.entries(constants.signals).find(([, number]) => number === exitCode - 128)?.[0];
  return name ? `, killed by ${name}` : "";
}

/** The command target's measurer (measurer.ts): its side trees, its tests, its interleaved runs. */
export class Rounds implements Measurer {
  /** Runs (warm-ups too) that left processes running (ended by perfloop), by the set measured ("" = the base). */
  private readonly leftovers = new Map<string, { runs: number; of: number }>();
  /** Every completed comparison of a set against the base, by the set (sorted ids): pooled for its figure. */
  private readonly againstBase = new Map<string, AbCompared[]>();

  constructor(
    private readonly workspace: Workspace,
    private readonly settings: RoundSettings,
  ) {}

  /** One line per set whose target left processes running (docs/safety.md: the report says so). */
  leftoverWarnings(): string[] {
    return [...this.leftovers].map(([key, n]) => `${key ? `with ${key}` : "on the base"}, the target left processes running after ${n.runs} of its ${n.of} runs; perfloop ended them each time`);
  }

  private countLeftovers(ids: readonly string[], samples: readonly { leftover_processes: number | null }[]): void {
    const leaving = samples.filter((sample) => (sample.leftover_processes ?? 0) > 0).length;
    if (leaving === 0) return;
    const key = ids.join(", ");
    const seen = this.leftovers.get(key) ?? { runs: 0, of: 0 };
    this.leftovers.set(key, { runs: seen.runs + leaving, of: seen.of + samples.length });
  }

  cwdOf(side: SideName): string {
    return join(this.workspace.dir(side), this.settings.subdir);
  }

  /** Where the execution's time went (docs/run.md, "Where the time goes"). */
  readonly time = { testRuns: 0, testMs: 0, testsCached: 0, measuredRuns: 0, measuredMs: 0 };
  /** Every guardrail judged on a faster comparison, in order. */
  private readonly guardrails: GuardrailRecord[] = [];
  /** Gate results by tree (Workspace.treeKey): the same tree is never tested twice. */
  private readonly gated = new Map<string, GateResult>();

  /** The base passed its tests (and e2e check): a set that makes the base's tree needs no test run. */
  basePassed(): void {
    const key = this.workspace.treeKey([]);
    if (key) this.gated.set(key, { ok: true, e2e: this.settings.e2e ? "pass" : "skipped" });
  }

  /** The candidate tree with `ids`: written, tests passing, the e2e check passing, each within its limit; once per distinct tree. */
  async gate(ids: readonly string[]): Promise<GateResult> {
    const key = this.workspace.treeKey(ids);
    const known = key ? this.gated.get(key) : undefined;
    if (known) {
      this.time.testsCached++;
      return known;
    }
    const started = performance.now();
    const writing = this.workspace.sideTreesMs;
    try {
      const result = await this.runGate(ids);
      if (key) this.gated.set(key, result);
      return result;
    } finally {
      // Writing the side tree is counted as side-tree time, not as test time.
      this.time.testMs += performance.now() - started - (this.workspace.sideTreesMs - writing);
    }
  }

  private async runGate(ids: readonly string[]): Promise<GateResult> {
    const { settings, workspace } = this;
    settings.checkpoint();
    settings.say("tests", `tests with ${ids.join(", ")}`);
    const unwritable = await workspace.switchTo("candidate", ids);
    if (unwritable) return { ok: false, reason: unwritable, e2e: "skipped" };
    const env = workspace.envOf(ids);
    this.time.testRuns++;
    const tests = await workspace.run(settings.test, this.cwdOf("candidate"), env, settings.testLimit.ms);
    // Tests that the person's Ctrl-C ended are the stop, not a verdict about the change.
    if (settings.signal?.aborted) throw new CancelledError("execute stopped while testing");
    if (tests.exitCode !== 0) {
      const reason = tests.timedOut ? `the tests did not finish within the limit (${settings.testLimit.text})` : `breaks the tests: ${failureGist(tests.tail)}`;
      return { ok: false, reason, e2e: "skipped" };
    }
    if (!settings.e2e) return { ok: true, e2e: "skipped" };
    this.time.testRuns++;
    settings.say("tests", `the e2e check with ${ids.join(", ")}`);
    const e2e = await workspace.run(settings.e2e, this.cwdOf("candidate"), env, settings.testLimit.ms);
    if (settings.signal?.aborted) throw new CancelledError("execute stopped while testing");
    if (e2e.exitCode === 0) return { ok: true, e2e: "pass" };
    const reason = e2e.timedOut ? `the e2e check did not finish within the limit (${settings.testLimit.text})` : `breaks the e2e check: ${failureGist(e2e.tail)}`;
    return { ok: false, reason, e2e: "fail" };
  }

  /**
   * The target with `aIds` on `aSide` against the target with `bIds` on `bSide`, interleaved. A
   * failure on the B side is a verdict about `bIds`; on the A side (the base, or a set measured
   * before) it is an error.
   */
  async measure(aIds: readonly string[], bIds: readonly string[], aSide: "base" | "candidate", bSide: "candidate" | "alternative", alpha = SIGNIFICANCE_LEVEL): Promise<MeasureResult> {
    const { settings, workspace } = this;
    settings.checkpoint();
    if (aSide === "candidate") {
      const unwritable = await workspace.switchTo("candidate", aIds);
      if (unwritable) throw new PerfloopError("side_tree_failed", `the side tree of ${aIds.join(", ")} could not be written again: ${unwritable}`);
    }
    const unwritable = await workspace.switchTo(bSide, bIds);
    if (unwritable) return { ok: false, reason: unwritable };
    const started = performance.now();
    const progress = comparisonProgress(`${bIds.join(", ") || "the base"} against ${aIds.join(", ") || "the base"}`, () => workspace.platform.now());
    const main = settings.mainMetric ?? settings.runner.metric;
    const a = await settings.runner.open(workspace.platform, this.cwdOf(aSide), workspace.childEnv(workspace.envOf(aIds)));
    if (!a.ok) throw new PerfloopError("command_failed", `the target could not be started ${aIds.length === 0 ? "on the base" : `with ${aIds.join(", ")}`}: ${a.reason}`);
    let b: OpenTarget | null = null;
    let compared: CompareCommandsResult;
    try {
      const opened = await settings.runner.open(workspace.platform, this.cwdOf(bSide), workspace.childEnv(workspace.envOf(bIds)));
      if (!opened.ok) return { ok: false, reason: `the target could not be started with it: ${opened.reason}` };
      b = opened.target;
      compared = await compareArms(a.target, b, {
        metric: main,
        userThreshold: settings.threshold ?? null,
        alpha,
        maxRuns: settings.maxRuns,
        timeoutMs: settings.targetLimit.ms,
        signal: settings.signal,
        onProgress: (p) => settings.say("measure", progress(p)),
      });
    } finally {
      await Promise.all([a.target.close(), b?.close()]);
    }
    this.time.measuredMs += performance.now() - started;
    this.time.measuredRuns += compared.samples_a.length + compared.samples_b.length;
    this.countLeftovers(aIds, compared.samples_a);
    this.countLeftovers(bIds, compared.samples_b);
    if (compared.status === "aborted") throw new CancelledError("execute stopped while measuring");
    if (compared.status === "failed") {
      const failure = compared.failure;
      const what = failure.timed_out
        ? `did not finish within the limit (${settings.targetLimit.text})`
        : failure.spawn_error
          ? `could not start (${failure.spawn_error})`
          : failure.signal
            ? `was killed by ${failure.signal}`
            : `exits with ${failure.exit_code}${shellSignal(failure.exit_code)}`;
      const gist = failure.timed_out || failure.spawn_error ? "" : `: ${failureGist(`${failure.stdout_tail}\n${failure.stderr_tail}`)}`;
      // A function's or an endpoint's round says what failed in its own words (target-runners.ts).
      if (settings.runner.reported !== null && !failure.timed_out) {
        if (compared.side === "b") return { ok: false, reason: `the target failed with it: ${failure.message}` };
        throw new PerfloopError("command_failed", `the target failed ${aIds.length === 0 ? "on the base" : `with ${aIds.join(", ")}`} while measuring: ${failure.message}`, { hint: "the target must succeed on the base commit every time: check that it is not flaky" });
      }
      if (compared.side === "b") return { ok: false, reason: `the target ${what} with it${gist}` };
      throw new PerfloopError("command_failed", `the target ${what} ${aIds.length === 0 ? "on the base" : `with ${aIds.join(", ")}`} while measuring${gist}`, {
        hint: "the target must succeed on the base commit every time: check that it is not flaky",
      });
    }
    // The verdict judges the main metric; a better set must not pay for it in a guardrail (guardrails.ts): a breach is a verdict about bIds.
    const result = judgedBy(compared, main);
    if (result.verdict.outcome === "faster") {
      const judged = judgeGuardrails(result, aIds, bIds, settings.allowRegression ?? [], main);
      this.guardrails.push(...judged.records);
      if (judged.breach) return { ok: false, reason: judged.breach };
    }
    if (aSide === "base" && aIds.length === 0) {
      const key = [...bIds].sort().join(",");
      this.againstBase.set(key, [...(this.againstBase.get(key) ?? []), result]);
    }
    return { ok: true, result };
  }

  /** The guardrails judged, the last one for each pair of sets (for the report). */
  guardrailRecords(): GuardrailRecord[] {
    const last = new Map<string, GuardrailRecord>();
    for (const g of this.guardrails) last.set(`${g.metric}\0${g.against.join(",")}\0${g.hypotheses.join(",")}`, g);
    return [...last.values()];
  }

  /**
   * The one figure of a set against the base (docs/measurement.md, "One figure per change"):
   * every round of every comparison of exactly these two trees, pooled, at the usual level. When the
   * pool does not read "faster" (the comparisons disagree), the last comparison stands, alone.
   */
  figureOf(ids: readonly string[]): AbCompared | null {
    const all = this.againstBase.get([...ids].sort().join(",")) ?? [];
    if (all.length === 0) return null;
    const pooled = poolComparisons(all, SIGNIFICANCE_LEVEL, this.settings.mainMetric ?? this.settings.runner.metric);
    return pooled.verdict.outcome === "faster" ? pooled : all.at(-1)!;
  }

  /** How many comparisons `figureOf(ids)` pools. */
  comparisonsOf(ids: readonly string[]): number {
    return this.againstBase.get([...ids].sort().join(","))?.length ?? 0;
  }
}
