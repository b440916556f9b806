/**
 * The coordinator's side of coding agents (docs/agents.md): the confined scratch tree and the call
 * session of one phase, the research prompt's inputs gathered from the run (the context, the hot
 * functions' source at the cycle's base, what earlier cycles kept and removed), the run's call
 * budget, and the reviewers of phase 7.
 *
 * An agent is run only where perfloop can confine it (Landlock): elsewhere it is not asked, with
 * that reason, and a reviewer that is not asked is a finding (src/validate/reviews.ts).
 */
import { mkdirSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { join, relative } from "node:path";
import { CancelledError } from "../errors.ts";
import { readTextAt } from "../git/index.ts";
import type { Hypothesis } from "../research/hypotheses-schema.ts";
import type { Run } from "../runtime/store.ts";
import { AGENT_TIMEOUT_MS, type CallSession } from "../agents/call.ts";
import type { HotFunction, ReviewPromptInput, TriedHypothesis } from "../agents/prompt.ts";
import { researchWithAgent, type AgentResearchResult } from "../agents/research.ts";
import { reviewPlan, type Review } from "../agents/review.ts";
import { AgentTree } from "../agents/scratch-tree.ts";
import { agentSpec, type AgentSpec } from "../agents/spec.ts";
import { agentsDir, listCalls } from "../agents/transcript.ts";
import { completedCycles, cycleBase, payloadOf, profileDigestOf, slugDir, type LoopContext } from "./loop-context.ts";
import { describeMetric } from "../model/metric-spec.ts";
import { storedMetric } from "../model/metric-spec-schema.ts";

/**
 * A CLI's state directories, created when missing (as the CLI itself would on its first run:
 * under confinement it cannot), left out when that fails. A Landlock rule needs the directory.
 */
function usableStateDirs(dirs: readonly string[]): string[] {
  return dirs.filter((dir) => {
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      return statSync(dir).isDirectory();
    } catch {
      return false;
    }
  });
}

/** Runs `work` with a call session for `spec` in this cycle; the scratch tree is closed afterwards. */
async function withSession<T>(ctx: LoopContext, run: Run, spec: AgentSpec, notRun: (reason: string) => T, work: (session: CallSession) => Promise<T>): Promise<T> {
  const home = ctx.platform.env.HOME ?? homedir();
  const stateDirs = spec.kind === "preset" ? usableStateDirs(spec.preset.stateDirs(home, ctx.platform.env)) : [];
  const tree = new AgentTree({ platform: ctx.platform, repo: ctx.repo, worktreeRoot: join(slugDir(ctx), "worktree"), allowWrite: [...ctx.options.allow_write, ...stateDirs], signal: ctx.signal });
  try {
    const unconfined = await tree.confinedOrWhy();
    if (unconfined !== null) return notRun(`commands cannot be confined here (${unconfined}); perfloop runs a coding agent only where it can confine it (docs/agents.md)`);
    const session: CallSession = {
      tree,
      spec,
      model: ctx.options.agent_model,
      timeoutMs: ctx.options.agent_timeout_s ? ctx.options.agent_timeout_s * 1000 : AGENT_TIMEOUT_MS,
      env: ctx.platform.env,
      repoDir: ctx.repo.dir,
      subdir: ctx.options.subdir,
      slugDir: slugDir(ctx),
      runId: run.runId,
      cycle: run.state.current_cycle,
      base: cycleBase(run, ctx.options, run.state.current_cycle),
      pid: ctx.platform.pid,
      now: () => ctx.platform.now(),
      signal: ctx.signal,
      say: (message) => ctx.say(message),
    };
    const result = await work(session);
    if (ctx.signal.aborted) throw new CancelledError(`stopped during an agent call: continue with perfloop resume --slug ${ctx.slug}`);
    return result;
  } finally {
    await tree.close();
  }
}

/** Research and edit calls this run has made (from the transcripts, so a resumed run counts them too). */
function callsMade(ctx: LoopContext, run: Run): number {
  return listCalls(slugDir(ctx), run.runId).calls.filter((c) => c.kind !== "review").length;
}

/** What earlier cycles tried, with the descriptions research stored and the reasons execution gave. */
function triedBefore(run: Run): { tried: TriedHypothesis[]; cycles: { cycle: number; kept: string[]; ratio: number | null; ratio_ci: [number, number] | null }[] } {
  const tried: TriedHypothesis[] = [];
  const cycles = [];
  for (const record of completedCycles(run)) {
    if (record.cycle >= run.state.current_cycle) continue;
    const planned = payloadOf(run, "PHASE_4_RESEARCH", record.cycle)?.hypotheses ?? [];
    const description = (id: string) => planned.find((h) => h.id === id)?.description ?? "";
    const ratio = record.ratio === null ? "" : `; the cycle's kept set measured ratio ${record.ratio.toFixed(3)}${record.ratio_ci ? ` [${record.ratio_ci[0].toFixed(3)}, ${record.ratio_ci[1].toFixed(3)}]` : ""}`;
    for (const id of record.kept) tried.push({ id, description: description(id), cycle: record.cycle, outcome: "kept", reason: `kept${ratio}` });
    for (const r of record.removed) tried.push({ id: r.id, description: description(r.id), cycle: record.cycle, outcome: "removed", reason: r.reason });
    cycles.push({ cycle: record.cycle, kept: record.kept, ratio: record.ratio, ratio_ci: record.ratio_ci });
  }
  return { tried, cycles };
}

async function hotFunctions(ctx: LoopContext, run: Run, base: string): Promise<HotFunction[]> {
  const hot = profileDigestOf(run).hot_code.slice(0, 6);
  const sources = new Map<string, string | null>();
  const out: HotFunction[] = [];
  for (const h of hot) {
    if (!sources.has(h.path)) sources.set(h.path, await readTextAt(ctx.repo, base, h.path).catch(() => null));
    out.push({ function: h.function, path: h.path, line: h.line, self_pct: h.self_pct, total_pct: h.total_pct, source: sources.get(h.path) ?? null });
  }
  return out;
}

/** `contextMarkdown`: this cycle's context.md without hypotheses (phase-research.ts). */
export async function researchByAgent(ctx: LoopContext, run: Run, contextMarkdown: string): Promise<AgentResearchResult & { label: string }> {
  const spec = agentSpec(ctx.options.agent!);
  ctx.say(`research: asking the agent ${spec.label}`);
  const cycle = run.state.current_cycle;
  const base = cycleBase(run, ctx.options, cycle);
  const digest = profileDigestOf(run, cycle);
  const { tried, cycles } = triedBefore(run);
  const target = payloadOf(run, "PHASE_5_SET_TARGET", 1);
  const goal = storedMetric(target?.target_metric) ?? ctx.userTarget;
  const notRun = (reason: string): AgentResearchResult => ({ hypotheses: [], setAside: [], error: `agent ${spec.label} not asked: ${reason}`, note: null, calls: 0 });
  const result = await withSession(ctx, run, spec, notRun, async (session) =>
    await researchWithAgent({
      session,
      prompt: { target: ctx.options.target, cycle, maxCycles: ctx.options.max_cycles, base, goal: goal ? describeMetric(goal, ctx.options.target_spec.kind) : null, testCommand: ctx.options.test.command, contextMarkdown, hot: await hotFunctions(ctx, run, base), tried, cycles },
      request: {
        version: 1,
        kind: "research",
        slug: ctx.slug,
        cycle,
        base,
        context_markdown: contextMarkdown,
        performance_map: digest as unknown as Record<string, unknown>,
        previous_cycles: completedCycles(run).filter((c) => c.cycle < cycle),
      },
      callsLeft: ctx.options.agent_calls - callsMade(ctx, run),
      triedIds: new Set(tried.map((t) => t.id)),
      transcriptsShown: relative(ctx.repo.dir, agentsDir(slugDir(ctx))),
    }),
  );
  return { ...result, label: spec.label };
}

/** Every `--reviewer` asked about this cycle's plan, one after the other. */
/** `contextMarkdown`: this cycle's context.md with the plan (phase 6). */
export async function reviewByAgents(ctx: LoopContext, run: Run, contextMarkdown: string, hypotheses: readonly Hypothesis[], diffs: ReadonlyMap<string, string>, origins: Readonly<Record<string, string>>): Promise<Review[]> {
  const cycle = run.state.current_cycle;
  const base = cycleBase(run, ctx.options, cycle);
  const prompt: ReviewPromptInput = {
    cycle,
    base,
    contextMarkdown,
    hypotheses: hypotheses.map((h) => ({ id: h.id, description: h.description, fix_level: h.fix_level, risk: h.risk, diff: diffs.get(h.id) || null, change_kind: h.change.kind, origin: origins[h.id] ?? "unknown" })),
  };
  const reviews: Review[] = [];
  for (const value of ctx.options.reviewers) {
    const spec = agentSpec(value);
    ctx.say(`validate: asking the reviewer ${spec.label}`);
    const notRun = (reason: string): Review => ({ reviewer: spec.label, error: `reviewer ${spec.label} not asked: ${reason}`, verdict: null, findings: [], transcript: null });
    reviews.push(
      await withSession(ctx, run, spec, notRun, async (session) =>
        await reviewPlan({ ...session, model: null }, prompt, { version: 1, kind: "review", slug: ctx.slug, cycle, base, context_markdown: contextMarkdown, hypotheses, previous_cycles: completedCycles(run).filter((c) => c.cycle < cycle) }),
      ),
    );
  }
  return reviews;
}
