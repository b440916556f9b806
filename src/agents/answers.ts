/**
 * Reading what an agent answered (docs/agents.md, "Answers"), always through a valibot schema:
 *
 * - research: a hypotheses file (docs/hypotheses.md). A hypothesis without `change` is an idea,
 *   made afterwards by an edit call; one with a change is taken as it is, like a file's.
 * - edit: optionally one JSON object `{ "summary", "expected_impact" }` at the end; what counts is
 *   what changed in the scratch tree.
 * - review: `{ "version": 1, "verdict"?, "findings": [{ severity, hypothesis, reason, suggestion }] }`.
 *
 * A model's text may hold prose and more than one JSON object (an example it quotes, then its
 * answer): the answer is the one object of the expected shape; two of that shape are refused.
 */
import * as v from "valibot";
import { PerfloopError } from "../errors.ts";
import { parseHypotheses } from "../research/hypotheses.ts";
import type { Hypothesis } from "../research/hypotheses-schema.ts";
import { extractJsonObject, jsonObjectsIn } from "../research/json-extract.ts";

/** The stand-in change an idea carries through validation; never stored or applied. */
const IDEA_CHANGE = { kind: "command", run: "perfloop:idea" } as const;

export type Found<T> = { ok: true; value: T; note: string | null } | { ok: false; error: string };

/** The one object of the expected shape in `text` (`has` tells the shape), or why there is none. */
export function answerObject(text: string, has: (value: Record<string, unknown>) => boolean, shape: string): Found<Record<string, unknown>> {
  try {
    const whole = extractJsonObject(text);
    if (has(whole.value)) return { ok: true, value: whole.value, note: whole.surrounded ? "ignored text around the JSON object" : null };
  } catch {
    // Several objects, or none: look for the one of the right shape.
  }
  const candidates = jsonObjectsIn(text).filter(has);
  if (candidates.length === 1) return { ok: true, value: candidates[0]!, note: "ignored text and other JSON around the answer" };
  if (candidates.length > 1) return { ok: false, error: `${candidates.length} answers of the form ${shape} found; the answer must be exactly one` };
  return { ok: false, error: `no JSON answer of the form ${shape} found` };
}

function describe(error: unknown): string {
  if (error instanceof PerfloopError) return error.hint ? `${error.message}; ${error.hint}` : error.message;
  return error instanceof Error ? error.message : String(error);
}

export interface ResearchAnswer {
  /** Hypotheses that came with a change, validated like a file's. */
  ready: Hypothesis[];
  /** Ideas to be made by an edit call each (their `change` is a stand-in: never apply it). */
  ideas: Hypothesis[];
  note: string | null;
}

/** The research answer in `text`; `label` names the agent in errors. */
export function readResearchAnswer(text: string, label: string): Found<ResearchAnswer> {
  const found = answerObject(text, (o) => Array.isArray(o.hypotheses), '{"version":1,"hypotheses":[...]}');
  if (!found.ok) return found;
  const raw = found.value.hypotheses as unknown[];
  const ideaAt = new Set<number>();
  const filled = raw.map((entry, index) => {
    if (typeof entry === "object" && entry !== null && !Array.isArray(entry) && !("change" in entry)) {
      ideaAt.add(index);
      return { ...entry, change: IDEA_CHANGE };
    }
    return entry;
  });
  try {
    const list = parseHypotheses({ ...found.value, hypotheses: filled }, label);
    return {
      ok: true,
      value: { ready: list.filter((_, i) => !ideaAt.has(i)), ideas: list.filter((_, i) => ideaAt.has(i)), note: found.note },
      note: found.note,
    };
  } catch (error) {
    const message = describe(error);
    return { ok: false, error: message.startsWith(label) ? message.slice(label.length).replace(/^[:\s]+/, "") : message };
  }
}

const EditAnswerSchema = v.object({
  summary: v.optional(v.pipe(v.string(), v.trim(), v.minLength(1), v.maxLength(2000))),
  expected_impact: v.optional(v.union([v.pipe(v.string(), v.minLength(1), v.maxLength(40)), v.pipe(v.number(), v.minValue(0), v.maxValue(100))])),
});

/** What an edit call said it did; both fields null when it said nothing usable (that is allowed). */
export function readEditAnswer(text: string): { summary: string | null; expected_impact: string | number | null } {
  const found = answerObject(text, (o) => typeof o.summary === "string", '{"summary": "..."}');
  if (!found.ok) return { summary: null, expected_impact: null };
  const parsed = v.safeParse(EditAnswerSchema, found.value);
  if (!parsed.success) return { summary: null, expected_impact: null };
  return { summary: parsed.output.summary ?? null, expected_impact: parsed.output.expected_impact ?? null };
}

export const REVIEW_SEVERITIES = ["high", "medium", "low"] as const;

const ReviewFindingSchema = v.pipe(
  v.object({
    severity: v.picklist(REVIEW_SEVERITIES, "severity must be high, medium or low"),
    hypothesis: v.optional(v.nullable(v.pipe(v.string(), v.maxLength(64, "hypothesis must be an id of the plan"))), null),
    reason: v.optional(v.pipe(v.string(), v.trim(), v.minLength(1, "reason must say what is wrong"), v.maxLength(4000))),
    /** spec/hypotheses.md's first form called the reason `note`. */
    note: v.optional(v.pipe(v.string(), v.trim(), v.minLength(1), v.maxLength(4000))),
    suggestion: v.optional(v.nullable(v.pipe(v.string(), v.trim(), v.maxLength(4000))), null),
  }),
  v.check((f) => f.reason !== undefined || f.note !== undefined, "each finding needs a reason"),
  v.transform((f) => ({ severity: f.severity, hypothesis: f.hypothesis ?? null, reason: (f.reason ?? f.note)!, suggestion: f.suggestion || null })),
);

export const ReviewAnswerSchema = v.object({
  version: v.optional(v.literal(1, "version must be 1")),
  verdict: v.optional(v.picklist(["GO", "GO_WITH_CONCERNS", "NO_GO"], "verdict must be GO, GO_WITH_CONCERNS or NO_GO")),
  findings: v.pipe(v.array(ReviewFindingSchema, "findings must be an array"), v.maxLength(100, "at most 100 findings")),
});
export type ReviewAnswer = v.InferOutput<typeof ReviewAnswerSchema>;

export function readReviewAnswer(text: string): Found<ReviewAnswer> {
  const found = answerObject(text, (o) => Array.isArray(o.findings), '{"version":1,"verdict":"...","findings":[...]}');
  if (!found.ok) return found;
  const parsed = v.safeParse(ReviewAnswerSchema, found.value);
  if (!parsed.success) {
    const issue = parsed.issues[0]!;
    const path = issue.path?.map((p) => String(p.key)).join(".") ?? "";
    return { ok: false, error: `the review answer is not valid${path ? ` at ${path}` : ""}: ${issue.message}` };
  }
  return { ok: true, value: parsed.output, note: found.note };
}
