/**
 * Phases 2 and 3: profile the cycle's base in a side work tree, then the gate.
 *
 * The profile never runs in the person's tree: the cycle's base commit (the run's base in cycle 1,
 * the last kept commit later) is written to `.hex-skills/optimization/<slug>/worktree/profile`
 * and measured there, so a command that writes files (a build) touches only perfloop's copy.
 */
import { join } from "node:path";
import { materialize, nameUntrackedIn, readUntracked } from "../git/index.ts";
import { ensureDirAt } from "../runtime/state-dirs.ts";
import { runProfile } from "../profile/profile.ts";
import type { Phase } from "../runtime/phases.ts";
import type { Run } from "../runtime/store.ts";
import { digestProfile } from "./digest.ts";
import { evaluateGate } from "./gate.ts";
import { checkStop, cycleBase, payloadOf, profileDigestOf, slugDir, type LoopContext } from "./loop-context.ts";
import { CANCELLED } from "./decisions.ts";
import { CancelledError, PerfloopError } from "../errors.ts";
import { confinementHint } from "../confine/hint.ts";
import { Sandbox } from "../confine/sandbox.ts";
import { serveEndpoint } from "../execute/endpoint-runner.ts";
import { endpointSpecOf } from "./target-runner.ts";

/**
 * A side tree for `name` holding `commit`, the environment its commands get, and the sandbox they
 * run in (src/confine/sandbox.ts): the caller closes it. Setup (`--setup`) has run there.
 */
export async function sideTree(ctx: LoopContext, name: string, commit: string): Promise<{ dir: string; cwd: string; env: Record<string, string | undefined>; sandbox: Sandbox; scratch: string }> {
  const root = join(slugDir(ctx), "worktree");
  const dir = ensureDirAt(join(root, name));
  await materialize(ctx.repo, commit, dir, { replace: true });
  const sandbox = new Sandbox(ctx.platform, { repoDir: ctx.repo.dir, gitdir: ctx.repo.gitdir, allowWrite: ctx.options.allow_write ?? [], notice: (message) => ctx.say(message, true), signal: ctx.signal });
  const scratch = sandbox.side(dir);
  // The sandbox's commands also get GIT_CEILING_DIRECTORIES: git finds no repository there (docs/git.md).
  const tree = { dir, cwd: join(dir, ctx.options.subdir), env: { ...ctx.platform.env }, sandbox, scratch };
  if (ctx.options.setup) {
    ctx.say(`setting up the side tree: ${ctx.options.setup}`);
    const setup = await sandbox.platform.spawn({ shell: ctx.options.setup, cwd: tree.cwd, env: tree.env, timeoutMs: SETUP_TIMEOUT_MS, maxOutputBytes: 64 * 1024 });
    if (setup.spawnError || setup.exitCode !== 0) {
      await sandbox.close();
      const tail = `${setup.stdout}\n${setup.stderr}`.trim().split("\n").slice(-3).join(" | ");
      throw new PerfloopError("setup_failed", `the setup command \`${ctx.options.setup}\` failed in the side tree (${setup.spawnError ?? `exit ${setup.exitCode}`}): ${tail}`, { hint: confinementHint(`${setup.stdout}\n${setup.stderr}`) ?? "it prepares each side tree (e.g. npm ci); fix it, then resume" });
    }
  }
  return tree;
}

/** The setup command (`--setup`) gets this long in each side tree. */
export const SETUP_TIMEOUT_MS = 20 * 60_000;

export async function profilePhase(ctx: LoopContext, run: Run): Promise<void> {
  const cycle = run.state.current_cycle;
  const base = cycleBase(run, ctx.options, cycle);
  ctx.say(`checking out ${base.slice(0, 7)} into a side tree for the profile`);
  try {
    const tree = await sideTree(ctx, "profile", base);
    try {
      await profileIn(ctx, run, base, tree);
    } finally {
      await tree.sandbox.close();
    }
  } catch (error) {
    // A failure for want of a file the person has but never committed (preflight's list): named.
    if (!(error instanceof CancelledError)) {
      const checks = payloadOf(run, "PHASE_0_PREFLIGHT")?.checks;
      nameUntrackedIn(error, readUntracked(checks?.untracked), { subdir: ctx.options.subdir, root: join(slugDir(ctx), "worktree", "profile") });
    }
    throw error;
  }
}

async function profileIn(ctx: LoopContext, run: Run, base: string, tree: Awaited<ReturnType<typeof sideTree>>): Promise<void> {
  checkStop(ctx);
  const absolute = ctx.userTarget?.kind === "absolute" ? ctx.userTarget : null;
  const spec = ctx.options.target_spec;
  // An endpoint whose server perfloop starts (--serve): started in the profile's tree, measured at the port perfloop chose.
  const serving = endpointSpecOf(ctx.options);
  const report = await runProfile(
    tree.sandbox.platform,
    {
      target: ctx.options.target,
      ...(serving ? { serve: () => serveEndpoint(tree.sandbox.platform, serving, tree.cwd, tree.env, "the profile") } : {}),
      projectRoot: ctx.repo.dir,
      workDir: tree.cwd,
      scratchDir: tree.scratch,
      env: tree.env,
      slug: ctx.slug,
      runs: ctx.options.runs ?? undefined,
      warmup: ctx.options.warmup ?? undefined,
      maxRuns: spec.kind === "command" ? (ctx.options.max_runs ?? undefined) : undefined,
      requests: spec.kind === "endpoint" ? spec.requests : undefined,
      concurrency: spec.kind === "endpoint" ? spec.concurrency : undefined,
      method: spec.kind === "endpoint" ? spec.method : undefined,
      body: spec.kind === "endpoint" ? spec.body : undefined,
      args: spec.kind === "function" ? JSON.stringify(spec.args) : undefined,
      checkedTest: ctx.options.test,
      runId: run.runId,
      targetMetric: absolute ? { metric: absolute.metric, value: absolute.value, better: absolute.better } : null,
    },
    (event) => {
      if (event.kind === "cpu-profile") ctx.say("profile: one more run with a CPU profile");
      else if (event.kind === "measure") ctx.say(`profile: ${event.message}`);
    },
    ctx.signal,
  );
  const digest = digestProfile(report, base, ctx.options.subdir);
  ctx.client.recordWorker("ln-811", {
    baseline: report.result.performance_map.baseline,
    performance_map: { ...report.result.performance_map, steps: digest.steps },
    wrong_tool_indicators: report.result.wrong_tool_indicators,
    e2e_test: { command: ctx.options.e2e, source: ctx.options.e2e ? "user" : "none" },
    instrumented_files: [],
    bottleneck_classification: report.result.bottleneck_classification,
    summary_path: report.summary_path,
  });
  ctx.client.checkpoint("PHASE_2_PROFILE", { digest, cycle_base: base, summary_path: report.summary_path });
}

/** Phase 3: the rules (gate.ts), a waiver by flag, and the checkpoint. */
export function gatePhase(ctx: LoopContext, run: Run): void {
  const cycle = run.state.current_cycle;
  const decision = evaluateGate({ digest: profileDigestOf(run, cycle), cycle, target: ctx.userTarget });
  const gate = { computed: decision.computed, findings: decision.findings, indicators: decision.indicators };
  if (decision.computed === "BLOCK" && ctx.options.waive_gate) {
    ctx.client.checkpoint("PHASE_3_WRONG_TOOL_GATE", { gate_verdict: "WAIVED", gate, waived_by: "--waive-gate" });
    return;
  }
  if (decision.block) {
    ctx.client.checkpoint("PHASE_3_WRONG_TOOL_GATE", { gate_verdict: "BLOCK", gate, stop_reason: decision.block.stop_reason, final_result: decision.block.final_result, block: decision.block });
    return;
  }
  ctx.client.checkpoint("PHASE_3_WRONG_TOOL_GATE", { gate_verdict: decision.computed, gate });
}

export type GateNext = { kind: "advance"; to: Phase } | { kind: "pause"; reason: string };

/**
 * After the gate's checkpoint: where to go. A BLOCK asks the person (end or waive) on a terminal;
 * `--yes` ends (the documented default: nothing is changed, the report says why); with neither,
 * the run pauses for `perfloop resume --decide end|waive`.
 */
export async function afterGate(ctx: LoopContext, run: Run): Promise<GateNext> {
  const payload = payloadOf(run, "PHASE_3_WRONG_TOOL_GATE");
  if (payload?.gate_verdict !== "BLOCK") return { kind: "advance", to: "PHASE_4_RESEARCH" };
  // From cycle 2 on, already optimized (or within the norm) is the success earlier cycles made: no question.
  if (payload.block?.success) return { kind: "advance", to: "PHASE_10_AGGREGATE" };
  const findings = (payload.gate?.findings ?? []).filter((f) => f.level === "block").map((f) => f.message);
  if (ctx.asker.interactive) {
    await ctx.asker.note(`The wrong-tool gate blocked cycle ${run.state.current_cycle}`, findings);
    const answer = await ctx.asker.select(
      "Optimizing the code may not be the way to a gain here. What now?",
      [
        { value: "end", label: "End here", hint: run.state.current_cycle === 1 ? "a diagnostic report, nothing changed" : "keep what earlier cycles gained" },
        { value: "waive", label: "Waive the gate and go on", hint: "research and try the hypotheses anyway" },
      ],
      "end",
    );
    if (answer === CANCELLED) throw new CancelledError(`stopped at the gate's question: continue with perfloop resume --slug ${ctx.slug}`);
    if (answer === "waive") {
      ctx.client.checkpoint("PHASE_3_WRONG_TOOL_GATE", { gate_verdict: "WAIVED", gate: payload.gate, waived_by: "person" });
      return { kind: "advance", to: "PHASE_4_RESEARCH" };
    }
    return { kind: "advance", to: "PHASE_10_AGGREGATE" };
  }
  if (ctx.asker.yes) return { kind: "advance", to: "PHASE_10_AGGREGATE" };
  return { kind: "pause", reason: `The wrong-tool gate blocked cycle ${run.state.current_cycle}: ${findings.join("; ")}` };
}
