/**
 * Phases 4, 5 and 6: research (the hypotheses of this cycle), the target, and context.md.
 *
 * Research reads every source the person enabled, again in every cycle: the knobs (environment
 * settings from the stack and the profile, and `--knob`), the built-in rules
 * (docs/research.md: patches for anti-patterns in the profile's hot functions, on the files as the
 * cycle's base holds them; off with `--no-rules`), `--try-branch`/`--try-commit` (each ref's own
 * change as a patch on the cycle's base: try-refs.ts), the hypotheses file (so it may be extended
 * while a run is paused or between runs) and the agent (`--agent`, asked with this cycle's
 * context in a confined scratch copy of the base; its ideas made there one by one: agent-calls.ts). Where each hypothesis came from is stored beside it (`origins`) for the context and
 * the report. A hypothesis an earlier cycle tried (kept or removed) is not tried
 * again. A dependency on a hypothesis kept earlier is met by the base and dropped; a hypothesis
 * depending on one removed earlier is set aside with that reason. The result is ordered by fix
 * level (research/hypotheses-order.ts) and stored whole in the RESEARCH checkpoint, where
 * validation and execution read it back through the hypotheses schema.
 */
import { writeFileAtomic } from "../runtime/atomic-fs.ts";
import { join, relative } from "node:path";
import { CancelledError, UsageError } from "../errors.ts";
import { confinementMode } from "../confine/sandbox.ts";
import { researchTarget } from "../research/research-target.ts";
import { loadHypotheses, orderHypotheses, parseHypotheses } from "../research/hypotheses.ts";
import type { Hypothesis } from "../research/hypotheses-schema.ts";
import { renderContext } from "../report/context-md.ts";
import type { Run } from "../runtime/store.ts";
import { writeSummary } from "../runtime/summary.ts";
import { CANCELLED } from "./decisions.ts";
import { completedCycles, cycleBase, payloadOf, profileDigestOf, slugDir, type LoopContext } from "./loop-context.ts";
import { describeMetric, parseMetric, type MetricSpec } from "../model/metric-spec.ts";
import { storedMetric } from "../model/metric-spec-schema.ts";
import { builtInSources, RULES_SOURCE, type SourceReport } from "./research-builtin.ts";
import { researchByAgent } from "./agent-calls.ts";

/** The improvement asked for when neither the person nor research gives a target (phase 5). */
export const DEFAULT_TARGET = "-50%";


/** Ids tried in earlier cycles: kept (met by the base now) and removed (with their reason). */
function triedEarlier(run: Run): { kept: Set<string>; removed: Map<string, string> } {
  const kept = new Set<string>();
  const removed = new Map<string, string>();
  for (const record of completedCycles(run)) {
    if (record.cycle >= run.state.current_cycle) continue;
    for (const id of record.kept) kept.add(id);
    for (const r of record.removed) removed.set(r.id, `cycle ${record.cycle}: ${r.reason}`);
  }
  return { kept, removed };
}

/** The context an agent researches from: this cycle's problem and map, without hypotheses. */
export function contextInput(ctx: LoopContext, run: Run, hypotheses: readonly Hypothesis[] | null) {
  const cycle = run.state.current_cycle;
  const gate = payloadOf(run, "PHASE_3_WRONG_TOOL_GATE");
  const target = payloadOf(run, "PHASE_5_SET_TARGET");
  return {
    slug: ctx.slug,
    cycle,
    maxCycles: ctx.options.max_cycles,
    target: ctx.options.target,
    observed: ctx.observed,
    targetMetric: storedMetric(target?.target_metric) ?? ctx.userTarget,
    targetSource: target?.target_source ?? (ctx.userTarget ? "--target" : null),
    testCommand: ctx.options.test.command,
    e2e: ctx.options.e2e,
    stack: ctx.options.stack,
    base: cycleBase(run, ctx.options, cycle),
    digest: profileDigestOf(run, cycle),
    gate: { verdict: gate?.gate_verdict ?? "?", findings: gate?.gate?.findings ?? [] },
    hypotheses,
    origins: hypotheses ? researchOrigins(run) : undefined,
    ruleSilences: hypotheses ? ruleSilencesOf(run) : undefined,
    setAside: hypotheses ? setAsideOf(run) : undefined,
    previous: completedCycles(run).filter((c) => c.cycle < cycle),
  };
}

function setAsideOf(run: Run): { id: string; reason: string }[] {
  return (payloadOf(run, "PHASE_4_RESEARCH")?.skipped ?? []).map(({ id, reason }) => ({ id, reason }));
}

function ruleSilencesOf(run: Run): { rule: string; path: string; line: number; function: string; reason: string }[] {
  return (payloadOf(run, "PHASE_4_RESEARCH")?.rule_silences ?? []).map(({ rule, path, line, function: fn, reason }) => ({ rule, path, line, function: fn, reason }));
}

/**
 * An agent's `command` hypotheses run where perfloop can confine them (docs/safety.md); where it
 * cannot, they are set aside with the reason: a file the person wrote is theirs to trust, a
 * model's shell command is not.
 */
async function confinableOnly(ctx: LoopContext, list: readonly Hypothesis[]): Promise<{ hypotheses: Hypothesis[]; refused: { id: string; reason: string }[] }> {
  if (!list.some((h) => h.change.kind === "command")) return { hypotheses: [...list], refused: [] };
  const mode = await confinementMode(ctx.platform);
  if (mode.mode === "landlock") return { hypotheses: [...list], refused: [] };
  const reason = `a command from an agent is not run where commands cannot be confined (${mode.reason})`;
  return { hypotheses: list.filter((h) => h.change.kind !== "command"), refused: list.filter((h) => h.change.kind === "command").map((h) => ({ id: h.id, reason })) };
}

export async function researchPhase(ctx: LoopContext, run: Run): Promise<void> {
  const cycle = run.state.current_cycle;
  const sources: SourceReport[] = [];
  /** Hypotheses a source gave that are not tried (an agent's unconfinable command, a rule's high-risk rewrite). */
  const setAsideEarly: { id: string; reason: string }[] = [];
  const found: Hypothesis[] = [];
  const origins: Record<string, string> = {};
  /** Adds a source's hypotheses; returns the ids an earlier source already gave (those are ignored). */
  const add = (list: readonly Hypothesis[], origin: string): string[] => {
    const ids = new Set(found.map((h) => h.id));
    for (const h of list) {
      if (ids.has(h.id)) continue;
      found.push(h);
      origins[h.id] = origin;
    }
    return list.filter((h) => ids.has(h.id)).map((h) => h.id);
  };
  const builtIn = await builtInSources(ctx, run, add);
  sources.push(...builtIn.sources);
  setAsideEarly.push(...builtIn.setAside);
  const { ruleSilences, rulesElapsedMs } = builtIn;
  if (ctx.options.hypotheses_file) {
    ctx.say(`research: reading ${relative(ctx.repo.dir, ctx.options.hypotheses_file) || ctx.options.hypotheses_file}`);
    const list = await loadHypotheses(ctx.options.hypotheses_file, ctx.repo.dir);
    add(list, relative(ctx.repo.dir, ctx.options.hypotheses_file) || ctx.options.hypotheses_file);
    sources.push({ source: ctx.options.hypotheses_file, count: list.length, error: null, note: null });
  }
  if (ctx.options.agent) {
    const asked = await researchByAgent(ctx, run, renderContext(contextInput(ctx, run, null)));
    if (ctx.signal.aborted) throw new CancelledError(`stopped during research: continue with perfloop resume --slug ${ctx.slug}`);
    const source = `agent: ${asked.label}`;
    const { hypotheses, refused } = await confinableOnly(ctx, asked.hypotheses);
    setAsideEarly.push(...asked.setAside, ...refused);
    const duplicates = add(hypotheses, source);
    const note = [asked.note, duplicates.length ? `ignored ids already given by an earlier source: ${duplicates.join(", ")}` : null].filter(Boolean).join("; ") || null;
    sources.push({ source, count: hypotheses.length, error: asked.error, note });
  }

  const tried = triedEarlier(run);
  const skipped: { id: string; reason: string }[] = [...setAsideEarly];
  const fresh = found.filter((h) => {
    if (tried.kept.has(h.id)) skipped.push({ id: h.id, reason: "kept in an earlier cycle" });
    else if (tried.removed.has(h.id)) skipped.push({ id: h.id, reason: `tried in ${tried.removed.get(h.id)}` });
    else return true;
    return false;
  });
  // Dependencies on what earlier cycles kept are met by the base; on what they removed, not at
  // all; a hypothesis set aside takes the ones depending on it along (until nothing changes).
  let ready = fresh.map((h) => ({ ...h, dependencies: h.dependencies.filter((id) => !tried.kept.has(id)) }));
  for (let changed = true; changed; ) {
    changed = false;
    const present = new Set(ready.map((h) => h.id));
    ready = ready.filter((h) => {
      const lost = h.dependencies.find((id) => !present.has(id));
      if (lost === undefined) return true;
      const why = tried.removed.has(lost) ? `removed in ${tried.removed.get(lost)}` : "which is not tried in this cycle";
      skipped.push({ id: h.id, reason: `depends on ${lost}, ${why}` });
      changed = true;
      return false;
    });
  }
  const present = new Set(ready.map((h) => h.id));
  const cleaned = ready.map((h) => ({ ...h, change: inlineChange(h.change), conflicts_with: h.conflicts_with.filter((id) => present.has(id)) }));
  // The list is stored and read back through the one schema; check now that it will read.
  const ordered = orderHypotheses(parseHypotheses({ version: 1, hypotheses: cleaned }, "this cycle's hypotheses"));

  const before = cleaned.map((h) => h.id).join(", ");
  const after = ordered.map((h) => h.id).join(", ");
  const reordered = before === after ? null : `ordered by fix level, then expected impact, complexity and risk: ${after} (given as ${before})`;

  const summary = writeSummary({
    projectRoot: ctx.repo.dir,
    runId: run.runId,
    slug: ctx.slug,
    kind: "optimization-research",
    payload: { cycle, hypotheses: ordered, sources, skipped, origins: originsOf(ordered, origins), rule_silences: ruleSilences, rules_elapsed_ms: rulesElapsedMs },
    nowMs: ctx.platform.now(),
    pid: ctx.platform.pid,
  });
  ctx.client.recordWorker("ln-812", {
    hypotheses: ordered.map((h) => ({ id: h.id, description: h.description, fix_level: h.fix_level })),
    local_codebase_findings: profileDigestOf(run, cycle).optimization_hints,
    sources: sources.map((s) => ({ ...s })),
  });
  ctx.client.checkpoint("PHASE_4_RESEARCH", {
    hypotheses_count: ordered.length,
    hypotheses: ordered,
    sources,
    skipped,
    reordered,
    origins: originsOf(ordered, origins),
    rule_silences: ruleSilences,
    summary_path: summary.path,
  });
}

function originsOf(list: readonly Hypothesis[], origins: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(list.map((h) => [h.id, origins[h.id] ?? "unknown"]));
}

/** A patch read from a file carries its text (`diff`) and its `path`; the stored form is the text alone. */
function inlineChange(change: Hypothesis["change"]): Hypothesis["change"] {
  if (change.kind === "patch" && change.diff !== undefined && change.path !== undefined) return { kind: "patch", diff: change.diff };
  return change;
}

/** Where each of this cycle's hypotheses came from (empty for checkpoints written before origins existed). */
export function researchOrigins(run: Run): Record<string, string> {
  return { ...(payloadOf(run, "PHASE_4_RESEARCH")?.origins ?? {}) };
}

/** The hypotheses research stored for this cycle, validated again. */
export function researchedHypotheses(run: Run): Hypothesis[] {
  const payload = payloadOf(run, "PHASE_4_RESEARCH");
  try {
    return parseHypotheses({ version: 1, hypotheses: payload?.hypotheses ?? [] }, "the research checkpoint");
  } catch (error) {
    if (error instanceof UsageError) throw new UsageError(`${error.message}`, "the run's research checkpoint was changed; start a new run");
    throw error;
  }
}

/**
 * Phase 5: the person's target wins; else, on a terminal, the person is asked (with the baseline
 * shown and the research target as the answer Enter gives); else the research target when its
 * confidence is medium or high (research/research-target.ts); else 50% better than the baseline
 * (DEFAULT_TARGET). Later cycles keep cycle 1's target.
 */
export async function targetPhase(ctx: LoopContext, run: Run): Promise<void> {
  const cycle = run.state.current_cycle;
  const earlier = cycle > 1 ? payloadOf(run, "PHASE_5_SET_TARGET", 1) : null;
  if (earlier && storedMetric(earlier.target_metric)) {
    ctx.client.checkpoint("PHASE_5_SET_TARGET", { target_metric: earlier.target_metric, target_source: earlier.target_source });
    return;
  }
  if (ctx.userTarget) {
    ctx.client.checkpoint("PHASE_5_SET_TARGET", { target_metric: ctx.userTarget, target_source: "--target" });
    return;
  }
  const timeMetric = ctx.options.target_spec.kind === "endpoint" ? "latency_p50_ms" : "wall_time_ms";
  let fallback = DEFAULT_TARGET;
  let source = "default: 50% better than the baseline";
  const researched = researchTarget(researchedHypotheses(run), researchOrigins(run), RULES_SOURCE);
  if (researched && researched.confidence !== "low") {
    fallback = `-${researched.saving_pct}%`;
    source = researched.basis;
  } else if (researched) {
    source = `default: 50% better than the baseline (the research target -${researched.saving_pct}% has low confidence: ${researched.basis})`;
  }
  let chosen: MetricSpec = parseMetric(fallback, { flag: "--target", defaultTimeMetric: timeMetric });
  if (ctx.asker.interactive) {
    const digest = profileDigestOf(run, cycle);
    const wall = digest.metrics[timeMetric === "wall_time_ms" ? "wall_time_ms" : "latency_p50_ms"] ?? Object.values(digest.metrics)[0];
    await ctx.asker.note("Measured baseline", [
      wall ? `median ${wall.unit === "ms" ? `${wall.median.toFixed(1)} ms` : `${wall.median} ${wall.unit}`} (95% CI ${wall.ci[0].toFixed(1)} .. ${wall.ci[1].toFixed(1)}, n ${wall.n})` : "no main metric",
      `bottleneck: ${digest.classification}: ${digest.bottleneck_detail}`,
    ]);
    const answer = await ctx.asker.text(`What should it reach? (e.g. 200ms, -40%, 2x; Enter for ${fallback})`, {
      placeholder: fallback,
      check: (value) => {
        if (value.trim() === "") return undefined;
        try {
          parseMetric(value, { flag: "target", defaultTimeMetric: timeMetric });
          return undefined;
        } catch (error) {
          return (error as Error).message;
        }
      },
    });
    if (answer === CANCELLED) throw new CancelledError(`stopped at the target question: continue with perfloop resume --slug ${ctx.slug}`);
    if (answer.trim() !== "") {
      chosen = parseMetric(answer, { flag: "target", defaultTimeMetric: timeMetric });
      source = "answered at the prompt";
    }
  }
  ctx.say(`target: ${describeMetric(chosen, ctx.options.target_spec.kind)} (${source})`);
  ctx.client.checkpoint("PHASE_5_SET_TARGET", { target_metric: chosen, target_source: source, research_target: researched });
}

/** Phase 6: context.md, rewritten every cycle (it holds the previous cycles). */
export function contextPhase(ctx: LoopContext, run: Run): void {
  const file = join(slugDir(ctx), "context.md");
  writeFileAtomic(file, renderContext(contextInput(ctx, run, researchedHypotheses(run))), ctx.platform.pid);
  ctx.client.checkpoint("PHASE_6_WRITE_CONTEXT", { context_file: relative(ctx.repo.dir, file) });
}
