/**
 * The executor's stages over one hypothesis set (DESIGN, phase 8), each on its own, all asking a
 * Measurer (measurer.ts) to test and measure:
 *
 *   1. Strike (strikeStage): every uncontested hypothesis together; the tests (and e2e check)
 *      first, the breaking ones isolated (bisect.ts isolateBreaking) and removed with their
 *      reason; then an interleaved comparison against the base.
 *   2. Useful members (usefulStage): no significant gain, or a group of several: each member must
 *      earn its place (findUseful), judged at a Bonferroni-adjusted level; subsets are measured
 *      without testing them, and the set finally kept is tested, then confirmed against the base.
 *   3. On top (on-top.ts): contested alternatives one at a time on top of what is kept, the best
 *      significant winner of each group stays; then the hypotheses that overlapped another in a
 *      file, rebased onto what is kept and judged there.
 *   4. Final (on-top.ts finalStage): the kept set against the base once more when anything was
 *      added since its last measurement; its figure pools every comparison of the two trees.
 * A stage reads and returns the kept set; removals and log rows gather in the shared Stages.
 */
import { describeOutcome } from "../measure/index.ts";
import type { AbCompared } from "../profile/ab-sampler.ts";
import { findUseful, isolateBreaking, type GroupVerdict, type Removed } from "./bisect.ts";
import type { LogRow } from "./experiment-log.ts";
import { comparisonOf, type Comparison } from "./comparisons.ts";
import type { Measurer } from "./measurer.ts";
import { contestedStage, deferredStage, finalStage, type ContestedResult } from "./on-top.ts";
import { describeVerdict, failedVerdict, groupVerdict } from "./rounds.ts";
import { familyAlpha, stagesOf, type Stages, type StrikeInput } from "./stages.ts";

export interface StrikeOutcome {
  kept: string[];
  removed: Removed[];
  /** The measurement of the kept set against the base, or null when nothing is kept. */
  final: AbCompared | null;
  strikeResult: "clean" | "bisected" | "failed";
  contested: ContestedResult[];
  rows: LogRow[];
  /** Every row's comparison as the report keeps it, in the rows' order (comparisons.ts). */
  comparisons: Comparison[];
}

export async function strikeAndBisect(input: StrikeInput): Promise<StrikeOutcome> {
  const x = stagesOf(input);
  const struck = await strikeStage(x, [...input.strike]);
  const useful = struck.kept.length > 0 && struck.settled === null ? await usefulStage(x, struck.kept, struck.measured) : { kept: struck.kept, final: struck.settled };
  let strikeResult: StrikeOutcome["strikeResult"] = struck.bisected || useful.kept.length < struck.kept.length ? "bisected" : "clean";
  if (input.strike.length > 0 && useful.kept.length === 0) strikeResult = "failed";
  const contested = await contestedStage(x, useful.kept);
  const rebased = await deferredStage(x, contested.kept);
  const changed = useful.final === null || contested.results.some((r) => r.winner !== null) || rebased.added;
  const final = await finalStage(x, rebased.kept, changed ? null : useful.final);
  const comparisons = x.rows.map((row) => x.comparisons.get(row) ?? comparisonOf(row, null));
  return { kept: final.kept, removed: x.removed, final: final.figure, strikeResult, contested: contested.results, rows: x.rows, comparisons };
}

type Measured = Awaited<ReturnType<Measurer["measure"]>>;

/**
 * The strike: the set's tests (its breakers removed), then the set against the base. `settled`:
 * the measurement that already decides it (a single faster hypothesis), else null and the useful
 * members are to be found.
 */
async function strikeStage(x: Stages, strike: string[]): Promise<{ kept: string[]; bisected: boolean; measured: Measured | null; settled: AbCompared | null }> {
  if (strike.length === 0) return { kept: [], bisected: false, measured: null, settled: null };
  const tested = await passingPart(x, strike);
  for (const id of tested.culprits) x.rows.push(x.row("bisect", [id], "removed", null, "fail", "breaks the tests"));
  const kept = tested.kept;
  const bisected = kept.length < strike.length;
  if (kept.length === 0) return { kept, bisected, measured: null, settled: null };
  x.say("strike", `measuring ${kept.join(", ")} against the base`);
  const measured = await x.measurer.measure([], kept, "base", "candidate");
  const faster = measured.ok && measured.result.verdict.outcome === "faster";
  x.rows.push(x.row("strike", kept, faster ? "applied" : "removed", measured.ok ? measured.result : null, x.input.e2e ? "pass" : "skipped"));
  const settled = faster && kept.length === 1 && measured.ok ? measured.result : null;
  return { kept, bisected, measured, settled };
}

/**
 * Only what is significant on its own stays: a useless or harmful member must not ride along on
 * another's gain, and a gain may hide behind a loss. Subsets of a set whose tests passed are
 * measured without running the tests again; what is finally kept is tested (passingPart) and,
 * unless it is the whole set that was faster, confirmed against the base.
 */
async function usefulStage(x: Stages, strike: string[], measured: Measured | null): Promise<{ kept: string[]; final: AbCompared | null }> {
  const faster = measured !== null && measured.ok && measured.result.verdict.outcome === "faster";
  const why = !measured || !measured.ok ? `the target fails with the whole set (${measured?.reason ?? "not measured"})` : faster ? "faster as a whole; checking that every member earns its place" : `no significant gain (${describeOutcome(measured.result.verdict)})`;
  x.say("bisect", `${why}; finding the useful hypotheses`);
  const alpha = familyAlpha(strike.length);
  const verdictOf = async (ids: readonly string[]): Promise<GroupVerdict> => {
    x.say("bisect", `measuring ${ids.join(", ")} against the base`);
    const group = await x.measurer.measure([], ids, "base", "candidate", alpha);
    if (!group.ok) {
      x.rows.push(x.row("bisect", ids, "removed", null, "skipped", "the target fails"));
      return failedVerdict(group.reason);
    }
    x.rows.push(x.row("bisect", ids, group.result.verdict.outcome === "faster" ? "applied" : "removed", group.result, "skipped"));
    return groupVerdict(group.result.verdict, group.result.metric);
  };
  const known = measured && measured.ok ? groupVerdict(measured.result.verdict, measured.result.metric) : failedVerdict(measured?.reason ?? "not measured");
  const useful = await findUseful(strike, verdictOf, known);
  x.removed.push(...useful.removed);
  if (useful.kept.length === strike.length && faster && measured.ok) return { kept: strike, final: measured.result };
  const kept = useful.kept.length > 0 ? (await passingPart(x, useful.kept)).kept : [];
  if (kept.length === 0) return { kept, final: null };
  x.say("strike", `confirming ${kept.join(", ")} together against the base`);
  const confirm = await x.measurer.measure([], kept, "base", "candidate");
  const confirmed = confirm.ok && confirm.result.verdict.outcome === "faster";
  x.rows.push(x.row("strike", kept, confirmed ? "applied" : "removed", confirm.ok ? confirm.result : null, "skipped"));
  if (confirmed && confirm.ok) return { kept, final: confirm.result };
  const how = confirm.ok ? describeVerdict(confirm.result.verdict, confirm.result.metric) : confirm.reason;
  for (const id of kept) x.removed.push({ id, reason: `the kept set did not confirm its gain together: ${how}` });
  return { kept: [], final: null };
}

/**
 * A set's tests (the strike's; or the kept set's, which was not tested as such, being a subset of
 * a set that passed): when they fail, what breaks them on its own or with the rest is isolated
 * (bisect.ts isolateBreaking) and removed with its reason.
 */
async function passingPart(x: Stages, set: string[]): Promise<{ kept: string[]; culprits: string[] }> {
  x.say("strike", `tests with ${set.join(", ")}`);
  const gate = await x.measurer.gate(set);
  if (gate.ok) return { kept: set, culprits: [] };
  x.say("bisect", `the tests fail with ${set.join(", ")} (${gate.reason}); finding which hypotheses break them`);
  const reasons = new Map<string, string>();
  const culprits = await isolateBreaking(set, async (ids) => {
    const outcome = await x.measurer.gate(ids);
    if (!outcome.ok) for (const id of ids) reasons.set(id, outcome.reason);
    return outcome.ok;
  });
  for (const id of culprits) x.removed.push({ id, reason: reasons.get(id) ?? gate.reason });
  const rest = set.filter((id) => !culprits.includes(id));
  if (rest.length === 0) return { kept: [], culprits };
  const again = await x.measurer.gate(rest);
  if (again.ok) return { kept: rest, culprits };
  for (const id of rest) x.removed.push({ id, reason: `the tests still fail with the rest: ${again.reason}` });
  return { kept: [], culprits };
}
