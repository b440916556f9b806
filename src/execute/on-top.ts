/**
 * The executor's stages on top of what the strike kept (strike.ts has the order): contested
 * alternatives, the hypotheses that overlapped another in a file (rebased onto the kept set,
 * docs/run.md "Overlapping hypotheses"), and the final measurement of the kept set against the
 * base, whose figure pools every comparison of the two trees (docs/measurement.md).
 */
import { describeOutcome, type Verdict } from "../measure/index.ts";
import type { AbCompared } from "../profile/ab-sampler.ts";
import type { Hypothesis } from "../research/hypotheses-schema.ts";
import type { MeasureResult } from "./measurer.ts";
import { describeVerdict } from "./rounds.ts";
import { familyAlpha, type Stages } from "./stages.ts";

export interface ContestedResult {
  group: string;
  alternatives: string[];
  winner: string | null;
  measurement: string;
}

/** `id` on top of `kept`, against `kept` (or against the base when nothing is kept). */
function onTopOf(x: Stages, kept: readonly string[], ids: readonly string[], alpha: number): Promise<MeasureResult> {
  return kept.length > 0 ? x.measurer.measure(kept, ids, "candidate", "alternative", alpha) : x.measurer.measure([], ids, "base", "alternative", alpha);
}

/** Rebases `id` onto `kept` when the two overlap (`overlapping`): why it still cannot be combined, or null. */
async function combinable(x: Stages, kept: readonly string[], id: string, overlapping: boolean): Promise<string | null> {
  if (!overlapping) return null;
  return x.input.rebase ? await x.input.rebase(id, kept) : "it cannot be rebased here";
}

/** Each contested group's alternatives, one at a time on top of what is kept; the best significant winner stays. */
export async function contestedStage(x: Stages, start: readonly string[]): Promise<{ kept: string[]; results: ContestedResult[] }> {
  let kept = [...start];
  const results: ContestedResult[] = [];
  for (const group of x.input.contested) {
    const alternatives = group.members.map((h: Hypothesis) => h.id);
    const alpha = familyAlpha(alternatives.length);
    let winner: string | null = null;
    let best: Verdict | null = null;
    const notes: string[] = [];
    const lose = (id: string, note: string, reason: string) => {
      notes.push(`${id}: ${note}`);
      x.removed.push({ id, reason: `contested (${group.name}): ${reason}` });
    };
    for (const id of alternatives) {
      const ids = [...kept, id];
      // Overlapping the strike: rebased onto it (its edit or patch applied again there), as a deferred one is.
      const overlapping = x.input.overlaps(ids);
      const conflict = await combinable(x, kept, id, overlapping);
      if (conflict !== null) {
        lose(id, "conflicts with the strike", `conflicts with the strike's changes, also when rebased onto them: ${conflict}`);
        continue;
      }
      if (overlapping) x.say("contested", `${id} overlapped the strike: rebased onto ${kept.join(", ")}`);
      x.say("contested", `trying ${id} on top of ${kept.join(", ") || "the base"}`);
      const gate = await x.measurer.gate(ids);
      if (!gate.ok) {
        lose(id, gate.reason, gate.reason);
        continue;
      }
      x.say("contested", `measuring ${id} on top of ${kept.join(", ") || "the base"}`);
      const measured = await onTopOf(x, kept, ids, alpha);
      if (!measured.ok) {
        lose(id, measured.reason, measured.reason);
        continue;
      }
      const verdict = measured.result.verdict;
      x.rows.push(x.row("contested", ids, winner === null ? "alternative_a" : "alternative_b", measured.result, gate.e2e));
      notes.push(`${id}: ${describeOutcome(verdict)} (${describeVerdict(verdict, measured.result.metric)})`);
      if (verdict.outcome === "faster" && (!best || verdict.ratio < best.ratio)) {
        if (winner) x.removed.push({ id: winner, reason: `contested (${group.name}): ${id} did better` });
        winner = id;
        best = verdict;
      } else {
        x.removed.push({ id, reason: `contested (${group.name}): ${describeOutcome(verdict)} on top of the strike: ${describeVerdict(verdict, measured.result.metric)}` });
      }
    }
    results.push({ group: group.name, alternatives, winner, measurement: notes.join("; ") });
    if (winner) kept = [...kept, winner];
  }
  for (const group of x.input.contested) {
    for (const dependent of group.dependents ?? []) x.removed.push({ id: dependent.id, reason: `depends on contested group ${group.name}; not tried in this version` });
  }
  return { kept, results };
}

/**
 * The deferred hypotheses, one at a time on top of what is kept: rebased onto it when they still
 * overlap it, then the gate and a comparison against it, at a level shared by all of them.
 */
export async function deferredStage(x: Stages, start: readonly string[]): Promise<{ kept: string[]; added: boolean }> {
  const deferred = x.input.deferred ?? [];
  const alpha = familyAlpha(deferred.length);
  let kept = [...start];
  let added = false;
  for (const { id, overlaps, path } of deferred) {
    const ids = [...kept, id];
    const onTop = kept.join(", ") || "the base";
    const overlapping = x.input.overlaps(ids);
    const conflict = await combinable(x, kept, id, overlapping);
    if (conflict !== null) {
      x.removed.push({ id, reason: `conflicts with ${overlaps} in ${path}, also when rebased onto the kept result (${onTop}): ${conflict}` });
      x.rows.push(x.row("rebased", [id], "removed", null, "skipped", "conflicts"));
      continue;
    }
    if (overlapping) x.say("rebased", `${id} overlapped ${overlaps} in ${path}: rebased onto ${onTop}`);
    x.say("rebased", `tests with ${id} on top of ${onTop}`);
    const gate = await x.measurer.gate(ids);
    if (!gate.ok) {
      x.removed.push({ id, reason: gate.reason });
      x.rows.push(x.row("rebased", ids, "removed", null, gate.e2e, "breaks the tests"));
      continue;
    }
    x.say("rebased", `measuring ${id} on top of ${onTop}`);
    const measured = kept.length > 0 ? await x.measurer.measure(kept, ids, "candidate", "alternative", alpha) : await x.measurer.measure([], ids, "base", "candidate", alpha);
    if (!measured.ok) {
      x.removed.push({ id, reason: measured.reason });
      x.rows.push(x.row("rebased", ids, "removed", null, gate.e2e, "the target fails"));
      continue;
    }
    const verdict = measured.result.verdict;
    const faster = verdict.outcome === "faster";
    x.rows.push(x.row("rebased", ids, faster ? "applied" : "removed", measured.result, gate.e2e));
    if (faster) {
      kept = ids;
      added = true;
    } else {
      x.removed.push({ id, reason: `${describeOutcome(verdict)} on top of ${onTop}: ${describeVerdict(verdict, measured.result.metric)}` });
    }
  }
  return { kept, added };
}

/**
 * The kept set against the base: measured again when `measured` is null (something was added
 * since), and its one figure pooled from every comparison of the two trees, with the log's final row.
 */
export async function finalStage(x: Stages, kept: string[], measured: AbCompared | null): Promise<{ kept: string[]; figure: AbCompared | null }> {
  if (kept.length === 0) return { kept, figure: null };
  let final = measured;
  if (final === null) {
    x.say("final", `measuring ${kept.join(", ")} against the base`);
    const again = await x.measurer.measure([], kept, "base", "candidate");
    if (!again.ok || again.result.verdict.outcome !== "faster") {
      const how = again.ok ? describeVerdict(again.result.verdict, again.result.metric) : again.reason;
      for (const id of kept) x.removed.push({ id, reason: `the final set is not faster than the base: ${how}` });
      return { kept: [], figure: null };
    }
    final = again.result;
  }
  const figure = x.measurer.figureOf(kept) ?? final;
  x.rows.push(x.row("final", kept, "kept", figure, "skipped"));
  return { kept, figure };
}
