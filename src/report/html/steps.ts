/**
 * A cycle's strike and bisection as a tree (report.html, docs/report-html.md): the planned set at
 * the root; each strike or bisection step of the execution (execute/comparisons.ts) under the
 * latest such step before it whose set holds its own (the strike holds the halves the bisection
 * measured; a confirmation of what was kept sits beside them); the steps on top of what was kept
 * (contested, rebased) and the final one from the root; hypotheses removed without being measured
 * (not applying to the base, the tests failing with the rest, a conflict) as leaves of the root
 * with their reason. A report written before comparisons were kept gets the root, what was kept
 * and what was removed. Pure.
 */
import type { Comparison } from "../../execute/comparisons.ts";
import type { ReportCycle } from "../run-report.ts";
import type { Tone, TreeNode } from "./charts.ts";

const PHASE_WORDS: Record<string, string> = {
  strike: "strike",
  bisect: "bisect",
  contested: "contested",
  rebased: "rebased",
  final: "final",
};

/** How a comparison reads: kept or applied is good, removed is bad, an alternative by its outcome. */
export function comparisonTone(c: Pick<Comparison, "status" | "outcome">): Tone {
  if (c.status === "kept" || c.status === "applied") return "good";
  if (c.status === "removed") return "bad";
  return c.outcome.startsWith("faster") ? "good" : "neutral";
}

/** "ratio 0.618 (0.600-0.640), 12 rounds" or the reason nothing was measured. */
export function measuredText(c: Comparison): string {
  if (c.ratio === null) return c.outcome;
  const ci = c.ratio_ci ? ` (95% CI ${c.ratio_ci[0].toFixed(3)}-${c.ratio_ci[1].toFixed(3)})` : "";
  const rounds = c.rounds === null ? "" : `, ${c.rounds} rounds`;
  return `${c.outcome}: ratio ${c.ratio.toFixed(3)}${ci}${rounds}`;
}

/** "strike H1, H2", "contested H4 on top of H1". */
export function stepLabel(c: Pick<Comparison, "phase" | "hypotheses" | "against">): string {
  const phase = PHASE_WORDS[c.phase] ?? c.phase;
  const set = c.against.length > 0 ? c.hypotheses.filter((id) => !c.against.includes(id)) : c.hypotheses;
  const onTop = c.against.length > 0 ? ` on top of ${c.against.join(", ")}` : "";
  return `${phase} ${set.join(", ") || "(nothing)"}${onTop}`;
}

const holds = (outer: readonly string[], inner: readonly string[]) => outer.length > inner.length && inner.every((id) => outer.includes(id));

/** The tree's nodes in drawing order: the root first, every node after its parent. */
export function cycleTree(cycle: Pick<ReportCycle, "cycle" | "planned" | "kept" | "removed" | "comparisons">): TreeNode[] {
  const nodes: TreeNode[] = [{ depth: 0, parent: null, label: `planned ${cycle.planned.join(", ") || "(nothing)"}`, detail: `cycle ${cycle.cycle}`, tone: "neutral" }];
  // The sets of the strike and bisection steps, by node; null for a node that holds no other.
  const sets: (string[] | null)[] = [null];
  for (const c of cycle.comparisons) {
    const splits = c.phase === "strike" || c.phase === "bisect";
    let parent = 0;
    for (let i = sets.length - 1; splits && i > 0; i--) {
      if (sets[i] && holds(sets[i]!, c.hypotheses)) {
        parent = i;
        break;
      }
    }
    const status = c.status.replace("_", " ");
    const brief = c.ratio === null ? `${c.outcome}; ${status}` : `${c.outcome}, ratio ${c.ratio.toFixed(3)}; ${status}`;
    nodes.push({ depth: nodes[parent]!.depth + 1, parent, label: stepLabel(c), detail: `${measuredText(c)}; ${status}`, brief, tone: comparisonTone(c) });
    sets.push(splits ? [...c.hypotheses] : null);
  }
  const measured = new Set(cycle.comparisons.flatMap((c) => c.hypotheses));
  for (const k of cycle.kept) {
    if (measured.has(k.id)) continue;
    nodes.push({ depth: 1, parent: 0, label: `kept ${k.id}`, detail: k.description, tone: "good" });
  }
  for (const r of cycle.removed) {
    if (measured.has(r.id)) continue;
    nodes.push({ depth: 1, parent: 0, label: `removed ${r.id}`, detail: r.reason, tone: "bad" });
  }
  return nodes;
}
