/**
 * Bisecting a hypothesis set, as pure search strategies over an injected oracle (the executor
 * supplies "do the tests pass with these applied?" and "is this subset faster than the base?").
 *
 * Breaking hypotheses (tests fail with the whole set): delta debugging's isolation (A. Zeller and
 * R. Hildebrandt, "Simplifying and Isolating Failure-Inducing Input", IEEE TSE 28(2), 2002),
 * simplified: split the set in halves and test each on top of the context known to pass; a half
 * that fails holds a culprit and is split again; when both halves pass alone but fail together,
 * the failure needs both, and the right half is searched again on top of the left one. One
 * culprit among n costs about 2 log2(n) test runs.
 *
 * Useless or harmful hypotheses: group testing by halving (also after a strike that is faster as a
 * whole, so that a member that adds nothing or costs time does not ride along). A group whose verdict is
 * "no_difference" (its interval excludes a gain of the minimum effect) and whose median ratio is
 * within the minimum effect is dropped whole; a single hypothesis is kept only when "faster"; a
 * larger group that is faster, slower or unknown, or "no_difference" while its median ratio is
 * slower by more than the minimum effect (`looksSlower`: a loss the interval does not prove), is
 * split again, because a gain can hide behind a loss in the same group. One useful hypothesis
 * among n costs about 2 log2(n) comparisons. A gain cancelled to within the minimum effect by an
 * equal loss in the same group is missed; the strike that follows confirms what was kept.
 */

export type Oracle<T> = (ids: readonly string[]) => Promise<T>;

export interface Removed {
  id: string;
  reason: string;
}

function halves(ids: readonly string[]): [string[], string[]] {
  const middle = Math.ceil(ids.length / 2);
  return [ids.slice(0, middle), ids.slice(middle)];
}

/**
 * The hypotheses that make the tests fail. `passes(ids)` runs the tests with exactly `ids`
 * applied; the caller knows that `passes(set)` is false and `passes([])` (the base) is true.
 */
export async function isolateBreaking(set: readonly string[], passes: Oracle<boolean>, context: readonly string[] = []): Promise<string[]> {
  if (set.length === 0) return [];
  if (set.length === 1) return [...set];
  const [left, right] = halves(set);
  const leftPasses = await passes([...context, ...left]);
  const rightPasses = await passes([...context, ...right]);
  const culprits: string[] = [];
  if (!leftPasses) culprits.push(...(await isolateBreaking(left, passes, context)));
  if (!rightPasses) culprits.push(...(await isolateBreaking(right, passes, context)));
  if (leftPasses && rightPasses) {
    // Each half passes alone: the failure needs something from both. Keep the left half as
    // context and find what in the right half breaks on top of it.
    culprits.push(...(await isolateBreaking(right, passes, [...context, ...left])));
  }
  return culprits;
}

export type GroupOutcome = "faster" | "slower" | "no_difference" | "unknown";

export interface GroupVerdict {
  outcome: GroupOutcome;
  /** The outcome in words that never contradict the interval (measure/verdict.ts describeOutcome); default: the outcome. */
  label?: string;
  /** A short sentence with the numbers, used as the removal reason. */
  summary: string;
  /** The median ratio is slower by more than the minimum effect, whatever the outcome says. */
  looksSlower?: boolean;
  /**
   * The group could not be measured because of what it changes (the tests or the target fail or
   * hang with it, it cannot be written): outcome "slower", and a single member is removed with
   * exactly this reason.
   */
  failure?: string;
}

/**
 * The hypotheses worth keeping for speed. `verdict(ids)` measures the base with exactly `ids`
 * applied against the base. Returns what to keep and what was removed, each with its reason.
 */
export async function findUseful(set: readonly string[], verdict: Oracle<GroupVerdict>, known?: GroupVerdict): Promise<{ kept: string[]; removed: Removed[] }> {
  const kept: string[] = [];
  const removed: Removed[] = [];
  const visit = async (group: string[], known?: GroupVerdict): Promise<void> => {
    if (group.length === 0) return;
    const result = known ?? (await verdict(group));
    if (group.length === 1) {
      if (result.outcome === "faster") kept.push(group[0]!);
      else removed.push({ id: group[0]!, reason: result.failure ?? `${result.label ?? result.outcome.replace("_", " ")}: ${result.summary}` });
      return;
    }
    if (result.outcome === "no_difference" && result.looksSlower !== true) {
      for (const id of group) removed.push({ id, reason: `no gain in its group (${group.join(", ")}): ${result.summary}` });
      return;
    }
    const [left, right] = halves(group);
    await visit(left);
    await visit(right);
  };
  await visit([...set], known);
  return { kept, removed };
}
