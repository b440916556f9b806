/**
 * Phase 5's middle rule (docs/research.md, "The research target"): when the person gave no
 * target, research proposes one from what it found, with a confidence; the 50% default comes
 * only after it.
 *
 * The target is the saving the hypotheses are expected to make together: each hypothesis's
 * expected impact read as a share saved (hypotheses-order.ts `impactScore`), alternatives (one
 * group, or naming each other in conflicts_with) counting once with the best of them, and
 * independent ones composing multiplicatively (1 - Π(1 - s)): two changes saving 50% each leave
 * 25%, not 0%. The built-in rules derive their impacts from the profile (the hot function's
 * share times the part of it the rewrite removes: TYPICAL_SAVINGS), so their targets carry the
 * profile's evidence; impacts a file or an agent states are their guesses.
 *
 * Confidence:
 *   high    every contributing hypothesis comes from the built-in rules, at low risk;
 *   medium  the largest contributor comes from the built-in rules, or every contributor gives
 *           evidence;
 *   low     otherwise. A low-confidence target is reported but not used: the default is as good
 *           a guess, and is the documented one.
 * The expected impacts are upper bounds (a hot function's share includes the work a rewrite keeps,
 * the linear part of a quadratic loop, and samples are attributed coarsely), so the target asks
 * for TARGET_REALISM of the composed saving. The saving is rounded down to a multiple of TARGET_STEP_PCT and kept within
 * [MIN_RESEARCH_TARGET_PCT, MAX_RESEARCH_TARGET_PCT]; below the minimum there is no research
 * target (not worth a cycle's goal).
 */
import { impactScore } from "./hypotheses-order.ts";
import type { Hypothesis } from "./hypotheses-schema.ts";

export const MIN_RESEARCH_TARGET_PCT = 5;
export const MAX_RESEARCH_TARGET_PCT = 90;
export const TARGET_STEP_PCT = 5;
/** The part of the composed expected saving a research target asks for (see the header). */
export const TARGET_REALISM = 0.75;

/**
 * The part of a hot function's own time each kind of rewrite typically removes (the rules'
 * `saves`): the table the rules' expected impacts come from. Quadratic work made linear removes
 * nearly all of it once inputs are large; a hoisted constant (a RegExp, a formatter, a parse)
 * removes its construction cost, a part of the function; running awaits together removes waiting,
 * which a CPU profile does not see.
 */
export const TYPICAL_SAVINGS: readonly { kind: string; saves: string; rules: string }[] = [
  { kind: "quadratic search or copy made linear", saves: "80-90% of the function's own time", rules: "set-membership, index-map, accumulating-spread, queue-shift" },
  { kind: "sort replaced by one pass", saves: "about 60%", rules: "sort-min-max" },
  { kind: "loop-invariant construction or parse hoisted", saves: "30-60%", rules: "regexp-hoist, intl-hoist, json-parse-once, read-once" },
  { kind: "an intermediate array dropped", saves: "30-40%", rules: "filter-first" },
  { kind: "sequential awaits run together", saves: "unknown from a CPU profile (waiting)", rules: "await-all" },
];

export type Confidence = "high" | "medium" | "low";

export interface ResearchTarget {
  /** Percent saved, a multiple of TARGET_STEP_PCT. */
  saving_pct: number;
  confidence: Confidence;
  /** The hypotheses that set it, largest first, with their share saved (%) and source. */
  contributors: { id: string; saving_pct: number; origin: string }[];
  /** One line for the report: what set the target and how sure it is. */
  basis: string;
}

/** Alternatives: hypotheses in one group, or linked by conflicts_with (transitively). */
function alternatives(list: readonly Hypothesis[]): Hypothesis[][] {
  const parent = new Map(list.map((h) => [h.id, h.id]));
  const find = (id: string): string => {
    let root = id;
    while (parent.get(root) !== root) root = parent.get(root) as string;
    return root;
  };
  const link = (a: string, b: string) => {
    if (parent.has(a) && parent.has(b)) parent.set(find(a), find(b));
  };
  const byGroup = new Map<string, string>();
  for (const h of list) {
    if (h.group) {
      const first = byGroup.get(h.group);
      if (first) link(h.id, first);
      else byGroup.set(h.group, h.id);
    }
    for (const other of h.conflicts_with) link(h.id, other);
  }
  const sets = new Map<string, Hypothesis[]>();
  for (const h of list) sets.set(find(h.id), [...(sets.get(find(h.id)) ?? []), h]);
  return [...sets.values()];
}

export function researchTarget(hypotheses: readonly Hypothesis[], origins: Readonly<Record<string, string>>, rulesSource: string): ResearchTarget | null {
  const contributors: { h: Hypothesis; share: number }[] = [];
  for (const set of alternatives(hypotheses.filter((h) => h.fix_level !== "removal"))) {
    let best: { h: Hypothesis; share: number } | null = null;
    for (const h of set) {
      const share = impactScore(h.expected_impact);
      if (share !== null && share > 0 && (!best || share > best.share)) best = { h, share: Math.min(share, 0.99) };
    }
    if (best) contributors.push(best);
  }
  if (contributors.length === 0) return null;
  contributors.sort((a, b) => b.share - a.share || a.h.id.localeCompare(b.h.id));
  const left = contributors.reduce((rest, c) => rest * (1 - c.share), 1);
  const raw = (1 - left) * 100 * TARGET_REALISM;
  const saving = Math.min(MAX_RESEARCH_TARGET_PCT, Math.floor(raw / TARGET_STEP_PCT) * TARGET_STEP_PCT);
  if (saving < MIN_RESEARCH_TARGET_PCT) return null;
  const fromRules = (c: { h: Hypothesis }) => origins[c.h.id] === rulesSource;
  const confidence: Confidence = contributors.every((c) => fromRules(c) && c.h.risk === "low")
    ? "high"
    : fromRules(contributors[0]!) || contributors.every((c) => c.h.evidence.length > 0)
      ? "medium"
      : "low";
  const listed = contributors.slice(0, 3).map((c) => `${c.h.id} ${Math.round(c.share * 100)}%`).join(", ");
  const more = contributors.length > 3 ? ` and ${contributors.length - 3} more` : "";
  return {
    saving_pct: saving,
    confidence,
    contributors: contributors.map((c) => ({ id: c.h.id, saving_pct: Math.round(c.share * 1000) / 10, origin: origins[c.h.id] ?? "unknown" })),
    basis: `research: ${TARGET_REALISM * 100}% of the expected impacts of ${listed}${more} together (${confidence} confidence)`,
  };
}
