/**
 * Reviewers of the plan in phase 7 (docs/agents.md, "Reviewers"): each `--reviewer` reads the
 * plan (context.md and the hypotheses with their changes) in a scratch copy of the base and
 * answers with findings (answers.ts, ReviewAnswerSchema). The findings join perfloop's own
 * feasibility checks (src/validate/reviews.ts); a reviewer that fails, times out or answers
 * nothing usable is a finding too, so a plan is never a silent GO because a reviewer was absent.
 */
import { readReviewAnswer, type ReviewAnswer } from "./answers.ts";
import { callAgent, roleLabel, type CallSession } from "./call.ts";
import { reviewPrompt, type ReviewPromptInput } from "./prompt.ts";

export interface Review {
  /** The reviewer as the person named it (a preset, or the command). */
  reviewer: string;
  /** One line when the reviewer gave no usable answer. */
  error: string | null;
  verdict: ReviewAnswer["verdict"] | null;
  findings: ReviewAnswer["findings"];
  /** The transcript's directory under agents/, null when the reviewer was not run. */
  transcript: string | null;
}

export async function reviewPlan(session: CallSession, prompt: ReviewPromptInput, request: Record<string, unknown>): Promise<Review> {
  const label = roleLabel("review", session.spec);
  const text = reviewPrompt(prompt);
  let answer: ReviewAnswer | null = null;
  const outcome = await callAgent(session, { kind: "review", idea: null, prompt: text, request: { ...request, prompt: text, response_schema: "review-v1" } }, (done) => {
    if (!done.ran) return { ok: false, error: done.error, note: null, hypotheses: [] };
    const read = readReviewAnswer(done.text);
    if (!read.ok) return { ok: false, error: `${label} gave no usable answer: ${read.error}`, note: null, hypotheses: [] };
    answer = read.value;
    const changed = done.changes.size > 0 ? `changed ${done.changes.size} file(s) in its copy: not kept (a reviewer only reads)` : null;
    return { ok: true, error: null, note: [read.note, changed].filter(Boolean).join("; ") || null, hypotheses: [] };
  });
  const read = answer as ReviewAnswer | null;
  return {
    reviewer: session.spec.label,
    error: outcome.interpretation.ok ? null : (outcome.interpretation.error ?? `${label} failed`),
    verdict: read?.verdict ?? null,
    findings: read?.findings ?? [],
    transcript: outcome.transcript,
  };
}
