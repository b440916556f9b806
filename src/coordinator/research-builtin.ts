/**
 * The research sources perfloop has itself (docs/research.md), in their order: the knobs (the
 * stack's, and `--knob`), the built-in rules on the profile's hot functions (files read from the
 * cycle's base commit), and `--try-branch`/`--try-commit` (try-refs.ts). Each source's
 * hypotheses go through the one schema and are added with their origin; each source is reported
 * with what it looked at and what it left out.
 */
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import * as v from "valibot";
import { readTextAt } from "../git/index.ts";
import { parseHypotheses } from "../research/hypotheses.ts";
import type { Hypothesis } from "../research/hypotheses-schema.ts";
import { knobFlagHypotheses, parseKnobFlag } from "../research/knob-flag.ts";
import { proposeKnobs } from "../research/knobs.ts";
import { proposeFromHotCode } from "../research/rules/propose.ts";
import type { RuleSilence } from "../research/rules/engine.ts";
import type { Run } from "../runtime/store.ts";
import { cycleBase, profileDigestOf, type LoopContext } from "./loop-context.ts";
import { tryRefHypotheses } from "./try-refs.ts";

/** The names the built-in sources go by in sources, origins and reports. */
export const RULES_SOURCE = "built-in rules";
export const KNOBS_SOURCE = "knobs";
export const OWN_SOURCE = "--try-branch/--try-commit";

function knobRuntime(runtime: string | null | undefined): "node" | "deno" | "bun" | null {
  return runtime === "node" || runtime === "deno" || runtime === "bun" ? runtime : null;
}

/** package.json `scripts` where the command runs, to see through `npm run`; null when unreadable. */
function packageScripts(dir: string): Record<string, string> | null {
  try {
    const parsed = v.safeParse(v.object({ scripts: v.optional(v.record(v.string(), v.string())) }), JSON.parse(readFileSync(join(dir, "package.json"), "utf8")));
    return parsed.success ? (parsed.output.scripts ?? null) : null;
  } catch {
    return null;
  }
}


/** What one research source gave, for the research checkpoint and the report. */
export interface SourceReport {
  source: string;
  count: number;
  error: string | null;
  note: string | null;
}

/**
 * Why a built-in rule's high-risk rewrite is not tried by itself: its caveat says how the program
 * could behave differently, and perfloop only applies such a change when the person asks for it.
 */
export const HIGH_RISK_REASON =
  "risk high: a built-in rule's rewrite that can change how the program behaves is proposed, not tried; to try it, write it to a file (perfloop research --out FILE) and pass --hypotheses FILE";

/** A rewrite that can change what the program does (risk high: await-all) is proposed, not tried. */
export function withoutHighRisk(list: readonly Hypothesis[]): { tried: Hypothesis[]; setAside: { id: string; reason: string }[] } {
  return { tried: list.filter((h) => h.risk !== "high"), setAside: list.filter((h) => h.risk === "high").map((h) => ({ id: h.id, reason: HIGH_RISK_REASON })) };
}

export interface BuiltIn {
  sources: SourceReport[];
  /** Hypotheses found and not tried, with why. */
  setAside: { id: string; reason: string }[];
  ruleSilences: RuleSilence[];
  rulesElapsedMs: number | null;
}

export async function builtInSources(ctx: LoopContext, run: Run, add: (list: readonly Hypothesis[], origin: string) => string[]): Promise<BuiltIn> {
  const cycle = run.state.current_cycle;
  const sources: SourceReport[] = [];
  const setAside: { id: string; reason: string }[] = [];
  const digest = profileDigestOf(run, cycle);
  const base = cycleBase(run, ctx.options, cycle);
  // Knobs first: configuration is the best fix level (docs/research.md, Knobs).
  const given = knobFlagHypotheses(ctx.options.knobs);
  const givenNames = [...new Set(ctx.options.knobs.map((flag) => parseKnobFlag(flag).name))];
  const stackKnobs = proposeKnobs({
    command: ctx.options.target_spec.kind === "command" ? ctx.options.target_spec.command : ctx.options.target,
    stack: ctx.options.stack,
    profile: digest,
    runtime: knobRuntime(digest.cpu_profile.runtime),
    categories: digest.cpu_profile.categories ?? null,
    env: ctx.platform.env,
    scripts: packageScripts(join(ctx.repo.dir, ctx.options.subdir)),
    cpu_count: availableParallelism(),
    given_knobs: givenNames,
  });
  const knobList = parseHypotheses({ version: 1, hypotheses: [...given, ...stackKnobs.hypotheses] }, "the knobs");
  if (knobList.length > 0 || stackKnobs.notes.length > 0) {
    add(knobList, KNOBS_SOURCE);
    const notes = [...stackKnobs.notes.map((n) => n.text), ...stackKnobs.skipped.map((k) => `${k.knob} not proposed: ${k.reason}`)];
    sources.push({ source: KNOBS_SOURCE, count: knobList.length, error: null, note: notes.join("; ") || null });
    for (const note of stackKnobs.notes) ctx.say(`research: ${note.text}`);
  }
  let ruleSilences: RuleSilence[] = [];
  let rulesElapsedMs: number | null = null;
  if (ctx.options.rules) {
    const ruleRun = await proposeFromHotCode(digest.hot_code, (path) => readTextAt(ctx.repo, base, path), { now: () => ctx.platform.now() });
    const all = parseHypotheses({ version: 1, hypotheses: ruleRun.hypotheses }, "the built-in rules' hypotheses");
    const { tried: list, setAside: high } = withoutHighRisk(all);
    setAside.push(...high);
    add(list, RULES_SOURCE);
    ruleSilences = ruleRun.silences;
    rulesElapsedMs = ruleRun.elapsed_ms;
    const looked = ruleRun.functions === 0 ? "no hot function of the project's own JS/TS code to look at" : `looked at ${ruleRun.functions} hot function${ruleRun.functions === 1 ? "" : "s"} in ${ruleRun.files} file${ruleRun.files === 1 ? "" : "s"}`;
    const left = ruleRun.silences.length > 0 ? `; ${ruleRun.silences.length} pattern${ruleRun.silences.length === 1 ? "" : "s"} left alone (a precondition did not hold)` : "";
    const unread = ruleRun.unread.length > 0 ? `; not read: ${ruleRun.unread.map((u) => `${u.path} (${u.reason})`).join(", ")}` : "";
    ctx.say(`research: built-in rules ${looked}: ${list.length} hypothes${list.length === 1 ? "is" : "es"}`);
    sources.push({ source: RULES_SOURCE, count: list.length, error: null, note: `${looked}${left}${unread}` });
  }
  if (ctx.options.try_refs.length > 0) {
    const tried = await tryRefHypotheses(ctx.repo, base, ctx.options.try_refs);
    const list = parseHypotheses({ version: 1, hypotheses: tried.hypotheses }, "--try-branch and --try-commit");
    add(list, OWN_SOURCE);
    sources.push({ source: OWN_SOURCE, count: list.length, error: null, note: tried.skipped.map((x) => x.reason).join("; ") || null });
    for (const x of tried.skipped) ctx.say(`research: ${x.reason}`);
  }
  return { sources, setAside, ruleSilences, rulesElapsedMs };
}
