/**
 * Reviewers' findings merged with perfloop's own feasibility checks (phase 7; docs/agents.md,
 * "Reviewers"). Pure.
 *
 *   R1 as given  a reviewer's finding, attributed to it, with its suggested correction
 *   R2 high      a reviewer's verdict NO_GO without a high finding of its own
 *   R3 medium    a reviewer that failed, timed out, was not run or gave no usable answer: a
 *                warning, so the plan is at least GO_WITH_CONCERNS, never a silent GO
 *
 * A finding naming a hypothesis that is not in the plan is kept, about the plan as a whole, and
 * says which id it named. The verdict follows the same rule as the checks alone: NO_GO with any
 * high finding, GO_WITH_CONCERNS with any other, GO with none.
 */
import type { Review } from "../agents/review.ts";
import { verdictOf, type Feasibility } from "./feasibility.ts";

export function mergeReviews(feasibility: Feasibility, reviews: readonly Review[], planIds: readonly string[]): Feasibility {
  const ids = new Set(planIds);
  const findings: Feasibility["findings"] = [...feasibility.findings];
  for (const review of reviews) {
    const by = `reviewer ${review.reviewer}`;
    if (review.error !== null) {
      findings.push({ check: "R3", severity: "medium", hypothesis: null, message: `${review.error}: the plan was not reviewed by it`, reviewer: review.reviewer, suggestion: null });
      continue;
    }
    for (const f of review.findings) {
      const known = f.hypothesis === null || ids.has(f.hypothesis);
      const about = known ? f.hypothesis : null;
      const named = known ? "" : ` (about ${f.hypothesis}, which is not in the plan)`;
      findings.push({ check: "R1", severity: f.severity, hypothesis: about, message: `${by}: ${f.reason}${named}`, reviewer: review.reviewer, suggestion: f.suggestion });
    }
    if (review.verdict === "NO_GO" && !review.findings.some((f) => f.severity === "high")) {
      findings.push({ check: "R2", severity: "high", hypothesis: null, message: `${by} says NO_GO`, reviewer: review.reviewer, suggestion: null });
    }
  }
  return { ...feasibility, findings, verdict: verdictOf(findings) };
}
