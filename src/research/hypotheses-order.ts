/**
 * The order hypotheses are tried in (DESIGN.md, Research): fix level best-first, then expected
 * impact (largest first), complexity (lowest first), risk (lowest first), then the order the
 * sources gave. A hypothesis never comes before one of its dependencies: among those whose
 * dependencies are placed, the best-ranked goes next (Kahn's topological sort, 1962, with the rank
 * as the tie-break), so the result is the ranked order whenever dependencies allow it.
 */
import { FIX_LEVELS, type Hypothesis, LEVELS } from "./hypotheses-schema.ts";

/** What the words mean, as the share of the metric saved. */
export const IMPACT_WORDS: Readonly<Record<string, number>> = {
  huge: 0.5,
  major: 0.5,
  large: 0.5,
  big: 0.5,
  high: 0.5,
  medium: 0.25,
  moderate: 0.25,
  low: 0.1,
  small: 0.1,
  minor: 0.1,
  tiny: 0.01,
  negligible: 0.01,
};

const FACTOR_AFTER = /(\d+(?:\.\d+)?)\s*[x×](?![a-z])/;
const FACTOR_BEFORE = /(?:^|[^a-z])[x×]\s*(\d+(?:\.\d+)?)/;
const PERCENT = /(\d+(?:\.\d+)?)\s*%/;

/**
 * Expected impact as the share of the metric saved, 0..1, or `null` when it cannot be read.
 * - a number: a percentage saved (40 -> 0.4);
 * - "3x", "x3", "3×": a speed-up factor f, saving 1 - 1/f (3x -> 0.667); a factor below 1 is the
 *   new cost as a share of the old (0.5x -> 0.5);
 * - "-40%", "40% faster": a percentage saved, sign ignored (-> 0.4);
 * - a word from IMPACT_WORDS ("high" -> 0.5, "medium" -> 0.25, "low" -> 0.1);
 * the first of these found in the text wins, in that order. Absolute amounts ("-200ms") cannot be
 * compared with relative ones without the baseline, so they read as unknown.
 */
export function impactScore(impact: string | number | null): number | null {
  if (impact === null) return null;
  if (typeof impact === "number") return Math.min(Math.max(impact, 0), 100) / 100;
  const textValue = impact.toLowerCase();
  const factorMatch = FACTOR_AFTER.exec(textValue) ?? FACTOR_BEFORE.exec(textValue);
  if (factorMatch) {
    const factor = Number(factorMatch[1]);
    if (factor > 0) return factor >= 1 ? 1 - 1 / factor : 1 - factor;
  }
  const percentMatch = PERCENT.exec(textValue);
  if (percentMatch) return Math.min(Number(percentMatch[1]), 100) / 100;
  for (const word of textValue.split(/[^a-z]+/)) {
    const score = IMPACT_WORDS[word];
    if (score !== undefined) return score;
  }
  return null;
}

/** Negative when `a` should be tried before `b`: the ranking without dependencies. */
export function compareHypotheses(a: Hypothesis, b: Hypothesis): number {
  const level = FIX_LEVELS.indexOf(a.fix_level) - FIX_LEVELS.indexOf(b.fix_level);
  if (level !== 0) return level;
  const impactA = impactScore(a.expected_impact);
  const impactB = impactScore(b.expected_impact);
  if (impactA !== impactB) {
    if (impactA === null) return 1;
    if (impactB === null) return -1;
    return impactB - impactA;
  }
  const complexity = LEVELS.indexOf(a.complexity) - LEVELS.indexOf(b.complexity);
  if (complexity !== 0) return complexity;
  return LEVELS.indexOf(a.risk) - LEVELS.indexOf(b.risk);
}

/**
 * Ranked order, dependencies first. Dependencies on ids not in `list` are ignored (the list may be
 * a subset). Assumes no cycle (loadHypotheses refuses them); should one remain, the rest follows
 * in rank order.
 */
export function orderHypotheses<T extends Hypothesis>(list: readonly T[]): T[] {
  const ranked = list.map((hypothesis, index) => ({ hypothesis, index }));
  ranked.sort((a, b) => compareHypotheses(a.hypothesis, b.hypothesis) || a.index - b.index);
  const present = new Set(list.map((hypothesis) => hypothesis.id));
  const placed = new Set<string>();
  const result: T[] = [];
  const waiting = ranked.map((entry) => entry.hypothesis);
  while (waiting.length > 0) {
    let next = waiting.findIndex((hypothesis) =>
      hypothesis.dependencies.every((dependency) => !present.has(dependency) || placed.has(dependency)),
    );
    if (next < 0) next = 0;
    const [hypothesis] = waiting.splice(next, 1);
    placed.add(hypothesis!.id);
    result.push(hypothesis!);
  }
  return result;
}
