/**
 * Checks of a hypotheses file beyond its schema, and the one-line errors for all of them:
 * `<source>: hypothesis <id>: <field> <problem>` with the fix as the hint (exit 2).
 */
import type * as v from "valibot";
import { UsageError } from "../errors.ts";
import { type Hypothesis, ID_PATTERN, splitFix } from "./hypotheses-schema.ts";

export const FORMAT_DOC = "docs/hypotheses.md";

/** Keeps a value quoted in an error message short and on one line. */
export function quote(value: unknown, max = 60): string {
  const json = JSON.stringify(value) ?? String(value);
  return json.length > max ? `${json.slice(0, max - 3)}...` : json;
}

/** The error for one field of one hypothesis. */
export function fieldError(source: string, id: string, field: string, problem: string, hint: string): UsageError {
  return new UsageError(`${source}: hypothesis ${id}: ${field} ${problem}`, hint, { source, hypothesis: id, field });
}

type AnyIssue = v.BaseIssue<unknown>;

function isObjectIssue(issue: AnyIssue): boolean {
  return issue.type === "object" || issue.type === "strict_object" || issue.type === "loose_object";
}

/** Turns the first schema issue into one line naming the hypothesis (its id, else its position). */
export function schemaError(source: string, input: unknown, issues: readonly AnyIssue[]): UsageError {
  const issue = issues[0]!;
  const keys = (issue.path ?? []).map((item) => item.key);
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? "s" : ""})` : "";
  const own = splitFix(issue.message);
  let problem = own.problem;
  let hint = own.fix ?? `see ${FORMAT_DOC} for the format`;
  if (isObjectIssue(issue) && keys.length > 0 && issue.expected === "never") {
    problem = "is not a known field";
    hint = `check its spelling against ${FORMAT_DOC}; unknown fields are refused`;
  } else if (isObjectIssue(issue) && keys.length > 0 && issue.expected?.startsWith('"')) {
    problem = "is missing";
    hint = `add it (${FORMAT_DOC} lists the required fields)`;
  }
  if (keys[0] !== "hypotheses" || typeof keys[1] !== "number") {
    const field = keys.length > 0 ? keys.join(".") : "the file";
    return new UsageError(`${source}: ${field} ${problem}${more}`, hint, { source, field });
  }
  const index = keys[1];
  const raw = (input as { hypotheses: unknown[] }).hypotheses[index] as { id?: unknown } | undefined;
  const id = typeof raw?.id === "string" && ID_PATTERN.test(raw.id) ? raw.id : `#${index + 1}`;
  const field = keys.length > 2 ? keys.slice(2).join(".") : "entry";
  return fieldError(source, id, field, `${problem}${more}`, hint);
}

/**
 * Unique ids; dependencies and conflicts_with name other, existing ids; nothing both depends on
 * and conflicts with the same hypothesis; no dependency cycle.
 */
export function checkReferences(source: string, list: readonly Hypothesis[]): void {
  const seen = new Map<string, number>();
  list.forEach((hypothesis, index) => {
    const first = seen.get(hypothesis.id);
    if (first !== undefined) {
      throw fieldError(source, hypothesis.id, "id", `is used twice (entries ${first + 1} and ${index + 1})`, "give each hypothesis its own id");
    }
    seen.set(hypothesis.id, index);
  });
  for (const hypothesis of list) {
    for (const field of ["dependencies", "conflicts_with"] as const) {
      for (const other of hypothesis[field]) {
        if (!seen.has(other)) {
          throw fieldError(source, hypothesis.id, field, `names unknown id ${quote(other)}`, "use an id defined in this file, or remove it");
        }
        if (other === hypothesis.id && field === "conflicts_with") {
          throw fieldError(source, hypothesis.id, field, "names the hypothesis itself", "remove it");
        }
      }
    }
    const both = hypothesis.dependencies.find((other) => hypothesis.conflicts_with.includes(other));
    if (both !== undefined) {
      throw fieldError(
        source,
        hypothesis.id,
        "conflicts_with",
        `names ${both}, which is also one of its dependencies`,
        "a hypothesis cannot need and exclude the same one: remove one of the two",
      );
    }
  }
  const cycle = findCycle(list);
  if (cycle) {
    throw fieldError(
      source,
      cycle[0]!,
      "dependencies",
      `form a cycle: ${cycle.join(" -> ")}`,
      "remove one of these dependencies",
    );
  }
}

/** A dependency cycle as a path `[a, b, ..., a]`, or `null` (depth-first search, three colours). */
export function findCycle(list: readonly Hypothesis[]): string[] | null {
  const byId = new Map(list.map((hypothesis) => [hypothesis.id, hypothesis]));
  const state = new Map<string, "visiting" | "done">();
  const stack: string[] = [];
  const visit = (id: string): string[] | null => {
    if (state.get(id) === "done") return null;
    if (state.get(id) === "visiting") return [...stack.slice(stack.indexOf(id)), id];
    state.set(id, "visiting");
    stack.push(id);
    for (const next of byId.get(id)?.dependencies ?? []) {
      const found = visit(next);
      if (found) return found;
    }
    stack.pop();
    state.set(id, "done");
    return null;
  };
  for (const hypothesis of list) {
    const found = visit(hypothesis.id);
    if (found) return found;
  }
  return null;
}
