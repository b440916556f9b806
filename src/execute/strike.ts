/**
 * The executor's rounds over one hypothesis set (DESIGN, phase 8), on top of rounds.ts:
 *
 *   1. Strike: every uncontested hypothesis together; the gate (tests, e2e) first, then an
 *      interleaved comparison against the base.
 *   2. The gate fails: the breaking hypotheses are isolated (bisect.ts isolateBreaking) and
 *      removed with their reason (tests failing or hanging, a change that cannot be written).
 *   3. No significant gain, or a group of several: each member must earn its place (findUseful),
 *      judged at a Bonferroni-adjusted level; a set whose target fails or hangs is split like a
 *      slower one until the culprit stands alone.
 *   4. Contested alternatives are measured one at a time on top of the strike, against it; the best
 *      significant winner of each group stays.
 *   5. A hypothesis that overlapped another in a file waited: it is rebased onto the kept set (its
 *      edit or patch applied again to that tree) and judged on top of it, against it; only one
 *      that still cannot be applied there is removed, as a conflict.
 *   6. The kept set is measured against the base once more when anything changed since its last
 *      measurement; its figure pools every comparison of the two trees (Rounds.figureOf).
 */
import { describeOutcome, SIGNIFICANCE_LEVEL, type Verdict } from "../measure/index.ts";
import type { AbCompared } from "../profile/ab-sampler.ts";
import type { ContestedGroup } from "../research/hypotheses-contested.ts";
import type { Hypothesis } from "../research/hypotheses-schema.ts";
import { findUseful, isolateBreaking, type GroupVerdict, type Removed } from "./bisect.ts";
import type { E2eStatus, LogRow } from "./experiment-log.ts";
import { describeVerdict, failedVerdict, groupVerdict, type Rounds } from "./rounds.ts";

/** An uncontested hypothesis that overlaps an earlier one in a file: judged after the strike, rebased. */
export interface Deferred {
  id: string;
  /** The earlier hypothesis it overlaps, and where. */
  overlaps: string;
  path: string;
}

export interface StrikeInput {
  rounds: Rounds;
  /** The uncontested hypotheses, in order (fix level first). */
  strike: readonly string[];
  contested: readonly ContestedGroup[];
  /** Files each set changes, for the experiment log. */
  filesOf(ids: readonly string[]): string[];
  /** Whether something can be combined without overlapping (workspace.combine). */
  overlaps(ids: readonly string[]): boolean;
  /** Hypotheses set aside because they overlap an earlier one; [] when none. */
  deferred?: readonly Deferred[];
  /** Applies `id` again on top of `onto` (workspace.rebase): why it cannot, or null. */
  rebase?(id: string, onto: readonly string[]): Promise<string | null>;
  now(): string;
  e2e: boolean;
  say(stage: string, message: string): void;
}

export interface StrikeOutcome {
  kept: string[];
  removed: Removed[];
  /** The measurement of the kept set against the base, or null when nothing is kept. */
  final: AbCompared | null;
  strikeResult: "clean" | "bisected" | "failed";
  contested: { group: string; alternatives: string[]; winner: string | null; measurement: string }[];
  rows: LogRow[];
}

/** Bisecting judges up to about 2n subsets: a single hypothesis is kept only at alpha / n, so that a no-op is not kept by chance. */
const familyAlpha = (size: number) => SIGNIFICANCE_LEVEL / Math.max(1, size);

export async function strikeAndBisect(input: StrikeInput): Promise<StrikeOutcome> {
  const { rounds, say } = input;
  const removed: Removed[] = [];
  const rows: LogRow[] = [];
  const row = (phase: LogRow["phase"], ids: readonly string[], status: LogRow["status"], result: AbCompared | null, e2e: E2eStatus, why = "not measured"): LogRow => {
    const verdict = result?.verdict ?? null;
    return {
      timestamp: input.now(),
      phase,
      hypotheses: [...ids],
      baseline_ms: result?.metrics_a.wall_time_ms?.median ?? null,
      result_ms: result?.metrics_b.wall_time_ms?.median ?? null,
      improvement_pct: verdict ? (1 - verdict.ratio) * 100 : null,
      status,
      commit: null,
      files: input.filesOf(ids),
      e2e_status: e2e,
      ratio: verdict?.ratio ?? null,
      ratio_ci: verdict?.ratio_ci ?? null,
      rounds: result?.rounds ?? null,
      outcome: verdict ? describeOutcome(verdict) : why,
    };
  };
  let strike = [...input.strike];
  let strikeResult: StrikeOutcome["strikeResult"] = "clean";

  // Strike: all uncontested together; isolate what breaks the gate.
  if (strike.length > 0) {
    const tested = await passingPart(input, strike, removed);
    if (tested.kept.length < strike.length) strikeResult = "bisected";
    for (const id of tested.culprits) rows.push(row("bisect", [id], "removed", null, "fail", "breaks the tests"));
    strike = tested.kept;
  }

  let final: AbCompared | null = null;
  if (strike.length > 0) {
    say("strike", `measuring ${strike.join(", ")} against the base`);
    const measured = await rounds.measure([], strike, "base", "candidate");
    const faster = measured.ok && measured.result.verdict.outcome === "faster";
    rows.push(row("strike", strike, faster ? "applied" : "removed", measured.ok ? measured.result : null, input.e2e ? "pass" : "skipped"));
    if (faster && strike.length === 1 && measured.ok) {
      final = measured.result;
    } else {
      // Keep only what is significant on its own: a useless or harmful member must not ride along
      // on another's gain, and a gain may hide behind a loss.
      const why = !measured.ok ? `the target fails with the whole set (${measured.reason})` : faster ? "faster as a whole; checking that every member earns its place" : `no significant gain (${describeOutcome(measured.result.verdict)})`;
      say("bisect", `${why}; finding the useful hypotheses`);
      // Subsets of a set whose tests passed are measured without running the tests again: only
      // what is finally kept must pass them (checked below), which spends the fewest test runs.
      const verdictOf = async (ids: readonly string[]): Promise<GroupVerdict> => {
        say("bisect", `measuring ${ids.join(", ")} against the base`);
        const group = await rounds.measure([], ids, "base", "candidate");
        if (!group.ok) {
          rows.push(row("bisect", ids, "removed", null, "skipped", "the target fails"));
          return failedVerdict(group.reason);
        }
        rows.push(row("bisect", ids, group.result.verdict.outcome === "faster" ? "applied" : "removed", group.result, "skipped"));
        return groupVerdict(group.result.verdict);
      };
      rounds.alpha = familyAlpha(strike.length);
      const useful = await findUseful(strike, verdictOf, measured.ok ? groupVerdict(measured.result.verdict) : failedVerdict(measured.reason));
      rounds.alpha = SIGNIFICANCE_LEVEL;
      if (useful.removed.length > 0) strikeResult = "bisected";
      removed.push(...useful.removed);
      const keptAll = useful.kept.length === strike.length;
      strike = useful.kept;
      if (keptAll && faster && measured.ok) {
        final = measured.result;
      } else if (strike.length > 0) {
        strike = (await passingPart(input, strike, removed)).kept;
      }
      if (!(keptAll && faster && measured.ok) && strike.length > 0) {
        say("strike", `confirming ${strike.join(", ")} together against the base`);
        const confirm = await rounds.measure([], strike, "base", "candidate");
        const confirmed = confirm.ok && confirm.result.verdict.outcome === "faster";
        rows.push(row("strike", strike, confirmed ? "applied" : "removed", confirm.ok ? confirm.result : null, "skipped"));
        if (confirmed && confirm.ok) final = confirm.result;
        else {
          const how = confirm.ok ? describeVerdict(confirm.result.verdict) : confirm.reason;
          for (const id of strike) removed.push({ id, reason: `the kept set did not confirm its gain together: ${how}` });
          strike = [];
        }
      }
    }
    if (strike.length === 0) strikeResult = "failed";
  }

  // Contested groups: each alternative on top of the strike, against the strike.
  const contestedResults: StrikeOutcome["contested"] = [];
  for (const group of input.contested) {
    const alternatives = group.members.map((h: Hypothesis) => h.id);
    rounds.alpha = familyAlpha(alternatives.length);
    let winner: string | null = null;
    let best: Verdict | null = null;
    const notes: string[] = [];
    for (const id of alternatives) {
      const ids = [...strike, id];
      if (input.overlaps(ids)) {
        // Rebased onto the strike (its edit or patch applied again there), as a deferred one is.
        const why = input.rebase ? await input.rebase(id, strike) : "it cannot be rebased here";
        if (why !== null) {
          notes.push(`${id}: conflicts with the strike`);
          removed.push({ id, reason: `contested (${group.name}): conflicts with the strike's changes, also when rebased onto them: ${why}` });
          continue;
        }
        say("contested", `${id} overlapped the strike: rebased onto ${strike.join(", ")}`);
      }
      say("contested", `trying ${id} on top of ${strike.join(", ") || "the base"}`);
      const gate = await rounds.gate(ids);
      if (!gate.ok) {
        notes.push(`${id}: ${gate.reason}`);
        removed.push({ id, reason: `contested (${group.name}): ${gate.reason}` });
        continue;
      }
      say("contested", `measuring ${id} on top of ${strike.join(", ") || "the base"}`);
      const measured = strike.length > 0 ? await rounds.measure(strike, ids, "candidate", "alternative") : await rounds.measure([], ids, "base", "alternative");
      if (!measured.ok) {
        notes.push(`${id}: ${measured.reason}`);
        removed.push({ id, reason: `contested (${group.name}): ${measured.reason}` });
        continue;
      }
      const verdict = measured.result.verdict;
      rows.push(row("contested", ids, winner === null ? "alternative_a" : "alternative_b", measured.result, gate.e2e));
      notes.push(`${id}: ${describeOutcome(verdict)} (${describeVerdict(verdict)})`);
      if (verdict.outcome === "faster" && (!best || verdict.ratio < best.ratio)) {
        if (winner) removed.push({ id: winner, reason: `contested (${group.name}): ${id} did better` });
        winner = id;
        best = verdict;
      } else {
        removed.push({ id, reason: `contested (${group.name}): ${describeOutcome(verdict)} on top of the strike: ${describeVerdict(verdict)}` });
      }
    }
    rounds.alpha = SIGNIFICANCE_LEVEL;
    contestedResults.push({ group: group.name, alternatives, winner, measurement: notes.join("; ") });
    if (winner) strike = [...strike, winner];
  }
  for (const group of input.contested) {
    for (const dependent of group.dependents ?? []) removed.push({ id: dependent.id, reason: `depends on contested group ${group.name}; not tried in this version` });
  }

  const rebased = await judgeDeferred(input, strike, row, rows, removed);
  strike = rebased.kept;

  // The final measurement of everything kept, against the base.
  if (strike.length > 0 && (final === null || contestedResults.some((r) => r.winner) || rebased.added)) {
    say("final", `measuring ${strike.join(", ")} against the base`);
    const measured = await rounds.measure([], strike, "base", "candidate");
    if (measured.ok && measured.result.verdict.outcome === "faster") final = measured.result;
    else {
      const how = measured.ok ? describeVerdict(measured.result.verdict) : measured.reason;
      for (const id of strike) removed.push({ id, reason: `the final set is not faster than the base: ${how}` });
      strike = [];
      final = null;
    }
  }
  // The kept set's one figure: every comparison of it with the base, pooled (docs/measurement.md).
  if (strike.length > 0 && final) {
    final = rounds.figureOf(strike) ?? final;
    rows.push(row("final", strike, "kept", final, "skipped"));
  }
  return { kept: strike, removed, final: strike.length > 0 ? final : null, strikeResult, contested: contestedResults, rows };
}

type RowOf = (phase: LogRow["phase"], ids: readonly string[], status: LogRow["status"], result: AbCompared | null, e2e: E2eStatus, why?: string) => LogRow;

/**
 * The deferred hypotheses, one at a time on top of what is kept: rebased onto it when they still
 * overlap it, then the gate and a comparison against it, at a level shared by all of them.
 */
async function judgeDeferred(input: StrikeInput, kept: string[], row: RowOf, rows: LogRow[], removed: Removed[]): Promise<{ kept: string[]; added: boolean }> {
  const { rounds, say } = input;
  const deferred = input.deferred ?? [];
  let added = false;
  for (const { id, overlaps, path } of deferred) {
    const ids = [...kept, id];
    const onTop = kept.join(", ") || "the base";
    if (input.overlaps(ids)) {
      const why = input.rebase ? await input.rebase(id, kept) : "it cannot be rebased here";
      if (why !== null) {
        removed.push({ id, reason: `conflicts with ${overlaps} in ${path}, also when rebased onto the kept result (${onTop}): ${why}` });
        rows.push(row("rebased", [id], "removed", null, "skipped", "conflicts"));
        continue;
      }
      say("rebased", `${id} overlapped ${overlaps} in ${path}: rebased onto ${onTop}`);
    }
    say("rebased", `tests with ${id} on top of ${onTop}`);
    const gate = await rounds.gate(ids);
    if (!gate.ok) {
      removed.push({ id, reason: gate.reason });
      rows.push(row("rebased", ids, "removed", null, gate.e2e, "breaks the tests"));
      continue;
    }
    say("rebased", `measuring ${id} on top of ${onTop}`);
    rounds.alpha = familyAlpha(deferred.length);
    const measured = kept.length > 0 ? await rounds.measure(kept, ids, "candidate", "alternative") : await rounds.measure([], ids, "base", "candidate");
    rounds.alpha = SIGNIFICANCE_LEVEL;
    if (!measured.ok) {
      removed.push({ id, reason: measured.reason });
      rows.push(row("rebased", ids, "removed", null, gate.e2e, "the target fails"));
      continue;
    }
    const verdict = measured.result.verdict;
    const faster = verdict.outcome === "faster";
    rows.push(row("rebased", ids, faster ? "applied" : "removed", measured.result, gate.e2e));
    if (faster) {
      kept = ids;
      added = true;
    } else {
      removed.push({ id, reason: `${describeOutcome(verdict)} on top of ${onTop}: ${describeVerdict(verdict)}` });
    }
  }
  return { kept, added };
}

/**
 * A set's tests (the strike's; or the kept set's, which was not tested as such, being a subset of
 * a set that passed): when they fail, what breaks them on its own or with the rest is isolated
 * (bisect.ts isolateBreaking) and removed with its reason.
 */
async function passingPart(input: StrikeInput, set: string[], removed: Removed[]): Promise<{ kept: string[]; culprits: string[] }> {
  const { rounds, say } = input;
  say("strike", `tests with ${set.join(", ")}`);
  const gate = await rounds.gate(set);
  if (gate.ok) return { kept: set, culprits: [] };
  say("bisect", `the tests fail with ${set.join(", ")} (${gate.reason}); finding which hypotheses break them`);
  const reasons = new Map<string, string>();
  const culprits = await isolateBreaking(set, async (ids) => {
    const outcome = await rounds.gate(ids);
    if (!outcome.ok) for (const id of ids) reasons.set(id, outcome.reason);
    return outcome.ok;
  });
  for (const id of culprits) removed.push({ id, reason: reasons.get(id) ?? gate.reason });
  const rest = set.filter((id) => !culprits.includes(id));
  if (rest.length === 0) return { kept: [], culprits };
  const again = await rounds.gate(rest);
  if (again.ok) return { kept: rest, culprits };
  for (const id of rest) removed.push({ id, reason: `the tests still fail with the rest: ${again.reason}` });
  return { kept: [], culprits };
}
