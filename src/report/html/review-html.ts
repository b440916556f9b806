/**
 * report.html's run review (docs/report-html.md, docs/report.md "The run review"): report.json's
 * `review`, in report.md's order and words (review-render.ts holds them): the tally, the advice
 * for the next run (each with the fact it comes from), the phases and workers, the failure points,
 * each hypothesis expected against measured with the sources' tally, the noise. The review is
 * read as unknown and parsed here with RunReviewSchema, so that a page drawn from any report.json
 * shows either the review or one line saying where it could not be read, never its data; a report
 * without one (older) has no section. Pure; every value escaped.
 */
import * as v from "valibot";
import {
  failurePlace,
  OUTCOME_WORDS,
  HYPOTHESIS_HEADERS,
  hypothesisCells,
  noiseLines,
  PHASE_HEADERS,
  phaseCells,
  REVIEW_WORDS,
  reviewTally,
  SOURCE_HEADERS,
  sourceCells,
  WORKER_HEADERS,
  workerCells,
} from "../review-render.ts";
import { type HypothesisOutcome, type ReviewPhase, type ReviewWorker, type RunReview, RunReviewSchema } from "../review-schema.ts";
import { html, type Html, type Part } from "./escape.ts";
import { bullets, code, section, table, tag } from "./parts.ts";

type Tone = "good" | "bad" | "neutral";

/** The longest reason shown when the review cannot be read: the note stays one line (a picklist's choices are long). */
const NOTE_MAX = 160;

const PHASE_TONES: Record<ReviewPhase["status"], Tone | null> = { ok: null, failed: "bad", paused: "neutral", unfinished: "neutral" };
const WORKER_TONES: Record<ReviewWorker["status"], Tone | null> = { ok: null, failed: "bad", skipped: "neutral" };
const OUTCOME_TONES: Record<HypothesisOutcome, Tone> = { kept: "good", removed_tests: "bad", removed_no_gain: "bad", removed_other: "bad", not_tried: "neutral" };

/** A status as its words, tagged with its tone unless it is the plain "ok". */
const status = (words: string, tone: Tone | null): Part => (tone ? tag(words, tone) : words);

/** Text cells as report.md has them, with `replace` putting markup in place of some (by column). */
function cells(text: readonly string[], replace: Readonly<Record<number, Part>>): Part[] {
  return text.map((cell, i) => (i in replace ? replace[i]! : cell));
}

function nextRun(review: RunReview): Html {
  if (review.advice.length === 0) return html`<p>${REVIEW_WORDS.noAdvice}</p>`;
  return bullets(review.advice.map((a) => html`${a.fact}: <strong>${a.advice}</strong>`));
}

function phasesAndWorkers(review: RunReview): Html {
  const phases = table(
    PHASE_HEADERS,
    review.phases.map((p) => cells(phaseCells(p), { 5: status(p.status, PHASE_TONES[p.status]) })),
    [0, 2, 3, 4],
  );
  const workers =
    review.workers.length === 0
      ? null
      : table(
          WORKER_HEADERS,
          review.workers.map((w) => cells(workerCells(w), { 4: status(w.status, WORKER_TONES[w.status]) })),
          [0, 3],
        );
  return html`${phases}${workers}`;
}

function failurePoints(review: RunReview): Html {
  if (review.failures.length === 0) return html`<p>${REVIEW_WORDS.noFailures}</p>`;
  return bullets(review.failures.map((f) => html`<strong>${failurePlace(f)}</strong>: ${f.detail}`));
}

function hypotheses(review: RunReview): Html {
  if (review.hypotheses.length === 0) return html`<p>${REVIEW_WORDS.noHypotheses}</p>`;
  const tried = table(
    HYPOTHESIS_HEADERS,
    review.hypotheses.map((h) => cells(hypothesisCells(h), { 1: code(h.id), 5: tag(OUTCOME_WORDS[h.outcome], OUTCOME_TONES[h.outcome]) })),
    [0, 3, 4],
  );
  const sources = table(SOURCE_HEADERS, review.sources.map(sourceCells), [2, 3, 4, 5, 6, 7]);
  return html`<p>${REVIEW_WORDS.hypothesesKey}</p>${tried}${sources}`;
}

function body(review: RunReview): Html {
  const w = REVIEW_WORDS;
  return html`<p>${reviewTally(review)}.</p>
<h3>${w.next}</h3>${nextRun(review)}
<h3>${w.phases}</h3>${phasesAndWorkers(review)}
<h3>${w.failures}</h3>${failurePoints(review)}
<h3>${w.hypotheses}</h3>${hypotheses(review)}
<h3>${w.noise}</h3>${bullets(noiseLines(review.noise))}`;
}

/** The run review's section; a note when `review` is not a run review; nothing when the report has none. */
export function reviewSection(review: unknown): Html | null {
  if (review === undefined || review === null) return null;
  const parsed = v.safeParse(RunReviewSchema, review);
  if (!parsed.success) {
    const issue = parsed.issues[0];
    // Where and what was expected, from the schema; not the message, which quotes the value it received.
    const at = v.getDotPath(issue);
    const what = issue.received === "undefined" ? "missing" : `expected ${issue.expected ?? "another value"}`;
    const reason = `${at ? `${at}: ` : ""}${what}`;
    const shown = reason.length > NOTE_MAX ? `${reason.slice(0, NOTE_MAX - 1)}…` : reason;
    return section("review", REVIEW_WORDS.title, html`<p class="muted">This report's review could not be read (${shown}); it is in report.json as written.</p>`);
  }
  return section("review", REVIEW_WORDS.title, body(parsed.output));
}
