/**
 * The plan validator's own checks (phase 7, ln-813), pure: the hypotheses, what applying each to
 * the base gave, and the profile's confirmed suspicions in; findings and a verdict out.
 *
 *   V1 high    the change does not apply to the base (a patch that fails, an edit whose text is
 *              not there exactly once, a command that fails, a branch that does not exist)
 *   V2 high    depends on a hypothesis that does not apply
 *   V3 high    a removal (fix_level removal) without an optimizing twin: an application- or
 *              configuration-level hypothesis on the same bottleneck or the same files
 *   V4 medium  two uncontested hypotheses change the same lines: only the first (fix-level
 *              order) is tried in the strike, the other rebased onto what it keeps and judged
 *              there (execute/strike.ts); declare `conflicts_with` to A/B them instead
 *   V5 medium  a file it says it modifies is not in the base
 *   V6 low     no evidence given
 *   V7 low     research reordered the hypotheses by fix level (a correction, listed)
 *   V8 low     a confirmed suspicion of the profile that no hypothesis touches
 *
 * Verdict: NO_GO with any high finding, GO_WITH_CONCERNS with any other, GO with none. A waived
 * NO_GO executes the hypotheses that apply (`executable`).
 */
import * as v from "valibot";
import type { Hypothesis } from "../research/hypotheses-schema.ts";

export type Severity = "high" | "medium" | "low";
export type ValidationVerdict = "GO" | "GO_WITH_CONCERNS" | "NO_GO";

export interface Finding {
  check: string;
  severity: Severity;
  hypothesis: string | null;
  message: string;
  /** A reviewer's finding (src/validate/reviews.ts): who found it, and the correction it suggests. */
  reviewer?: string;
  suggestion?: string | null;
}

export interface FeasibilityInput {
  hypotheses: readonly Hypothesis[];
  /** Why a hypothesis did not apply to the base, by id. */
  failed: ReadonlyMap<string, string>;
  /** Paths each applied hypothesis changes, by id. */
  changedFiles: ReadonlyMap<string, readonly string[]>;
  /** Overlaps found when combining the uncontested hypotheses that apply. */
  overlaps: readonly { path: string; ids: readonly string[]; reason: string }[];
  /** Does the base commit hold this path? */
  inBase: (path: string) => boolean;
  /** Research's note when it reordered the hypotheses by fix level, else null. */
  reordered: string | null;
  /** The profile's confirmed suspicions ("path:line" locations). */
  confirmedSuspicions: readonly { location: string; category: string; function: string }[];
}

/** A stored result (the VALIDATE checkpoint), read back through this schema. */
export const FeasibilitySchema = v.object({
  verdict: v.picklist(["GO", "GO_WITH_CONCERNS", "NO_GO"]),
  findings: v.array(
    v.object({
      check: v.string(),
      severity: v.picklist(["high", "medium", "low"]),
      hypothesis: v.nullable(v.string()),
      message: v.string(),
      reviewer: v.optional(v.string()),
      suggestion: v.optional(v.nullable(v.string())),
    }),
  ),
  /** Ids that can be executed (they apply, and so do their dependencies). */
  executable: v.array(v.string()),
  /** Ids that cannot, with the reason. */
  invalid: v.array(v.object({ id: v.string(), reason: v.string() })),
});
export type Feasibility = v.InferOutput<typeof FeasibilitySchema>;

/** NO_GO with any high finding, GO_WITH_CONCERNS with any other, GO with none. */
export function verdictOf(findings: readonly Pick<Finding, "severity">[]): ValidationVerdict {
  return findings.some((f) => f.severity === "high") ? "NO_GO" : findings.length > 0 ? "GO_WITH_CONCERNS" : "GO";
}

const OPTIMIZING_LEVELS = new Set(["application", "configuration"]);

export function checkFeasibility(input: FeasibilityInput): Feasibility {
  const findings: Finding[] = [];
  const invalid = new Map<string, string>();
  for (const h of input.hypotheses) {
    const reason = input.failed.get(h.id);
    if (reason !== undefined) {
      findings.push({ check: "V1", severity: "high", hypothesis: h.id, message: `${h.id} does not apply to the base: ${reason}` });
      invalid.set(h.id, `does not apply to the base: ${reason}`);
    }
  }
  for (let changed = true; changed; ) {
    changed = false;
    for (const h of input.hypotheses) {
      if (invalid.has(h.id)) continue;
      const broken = h.dependencies.find((id) => invalid.has(id));
      if (broken === undefined) continue;
      findings.push({ check: "V2", severity: "high", hypothesis: h.id, message: `${h.id} depends on ${broken}, which cannot be applied` });
      invalid.set(h.id, `depends on ${broken}, which cannot be applied`);
      changed = true;
    }
  }
  const filesOf = (h: Hypothesis) => new Set([...(input.changedFiles.get(h.id) ?? []), ...h.files_to_modify]);
  for (const h of input.hypotheses) {
    if (h.fix_level !== "removal") continue;
    const mine = filesOf(h);
    const twin = input.hypotheses.find(
      (other) =>
        other.id !== h.id &&
        OPTIMIZING_LEVELS.has(other.fix_level) &&
        ((h.bottleneck_addressed !== null && other.bottleneck_addressed === h.bottleneck_addressed) || [...filesOf(other)].some((path) => mine.has(path))),
    );
    if (!twin) {
      findings.push({
        check: "V3",
        severity: "high",
        hypothesis: h.id,
        message: `${h.id} removes something (fix_level removal) and no application- or configuration-level hypothesis optimizes the same thing instead; add one, or waive to try the removal alone`,
      });
    }
  }
  for (const overlap of input.overlaps) {
    const [first, ...rest] = overlap.ids;
    findings.push({
      check: "V4",
      severity: "medium",
      hypothesis: rest[0] ?? null,
      message: `${overlap.ids.join(" and ")} both change ${overlap.path} (${overlap.reason}): only ${first} is tried in the strike, then ${rest.join(", ")} on top of what it keeps; list them in each other's conflicts_with to A/B them instead`,
    });
  }
  for (const h of input.hypotheses) {
    if (invalid.has(h.id)) continue;
    for (const path of h.files_to_modify) {
      const created = (input.changedFiles.get(h.id) ?? []).includes(path);
      if (!input.inBase(path) && !created) findings.push({ check: "V5", severity: "medium", hypothesis: h.id, message: `${h.id} lists ${path} in files_to_modify, which is not in the base commit` });
    }
    if (h.evidence.length === 0) findings.push({ check: "V6", severity: "low", hypothesis: h.id, message: `${h.id} gives no evidence (why it should help)` });
  }
  if (input.reordered) findings.push({ check: "V7", severity: "low", hypothesis: null, message: input.reordered });
  const touched = new Set(input.hypotheses.flatMap((h) => [...filesOf(h)]));
  for (const s of input.confirmedSuspicions) {
    const path = s.location.replace(/:\d+(:\d+)?$/, "");
    if (!touched.has(path)) findings.push({ check: "V8", severity: "low", hypothesis: null, message: `confirmed suspicion at ${s.location} (${s.category} in ${s.function}) is not addressed by any hypothesis` });
  }
  return {
    verdict: verdictOf(findings),
    findings,
    executable: input.hypotheses.filter((h) => !invalid.has(h.id)).map((h) => h.id),
    invalid: [...invalid].map(([id, reason]) => ({ id, reason })),
  };
}
