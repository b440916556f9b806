/**
 * The run review for people: report.md's "Run review" section (run-markdown.ts places it) and
 * the terminal summary's headline lines (run-text.ts). Its words (the tally, the headings, the
 * tables' headers and cells, the sentences for nothing to show, the noise) are exported here and
 * read by report.html's section too (html/review-html.ts), so the two say the same. Pure: the
 * review in, lines out.
 */
import { formatMs } from "../ui/table.ts";
import type { HypothesisOutcome, ReviewFailure, ReviewHypothesis, ReviewNoise, ReviewPhase, ReviewSource, ReviewWorker, RunReview } from "./review-schema.ts";

/** Advice lines shown in the terminal; the rest are counted and left to report.md. */
const HEADLINE_ADVICE = 3;

export const OUTCOME_WORDS: Record<HypothesisOutcome, string> = {
  kept: "kept",
  removed_tests: "removed: broke the tests",
  removed_no_gain: "removed: no gain",
  removed_other: "removed: other",
  not_tried: "not tried",
};

const MEASURED_WORDS: Record<ReviewHypothesis["measured"], string> = { alone: "alone", on_top: "on top of the kept", with_others: "with the kept set", not_measured: "" };

const cell = (text: string) => text.replaceAll("|", "\\|").replace(/\r?\n/g, " ");
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

function table(headers: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const line = (cells: readonly string[]) => `| ${cells.map(cell).join(" | ")} |`;
  return [line(headers), `|${headers.map(() => "---").join("|")}|`, ...rows.map(line)];
}

/** A phase's or worker's time; under a millisecond (a phase recorded with the one before it) as "-". */
const time = (ms: number) => (ms < 1 ? "-" : formatMs(ms));
const signed = (pct: number) => `${pct > 0 ? "+" : ""}${pct.toFixed(1)}%`;

/** The section's headings and the sentences it says when a part has nothing to show. */
export const REVIEW_WORDS = {
  title: "Run review",
  next: "Next run",
  noAdvice: "Nothing in this run calls for different settings next time.",
  phases: "Phases and workers",
  failures: "Failure points",
  noFailures: "None: no phase failed or was done again, nothing was stopped at a time limit, the run never paused.",
  hypotheses: "Hypotheses: expected against measured",
  noHypotheses: "No hypothesis was tried.",
  hypothesesKey: "Expected: as the hypothesis states it (in brackets as a share saved); measured: the gain on the main metric, positive = better.",
  noise: "Noise",
} as const;

export const PHASE_HEADERS = ["cycle", "phase", "time", "waited", "attempts", "status"] as const;
export const phaseCells = (p: ReviewPhase): string[] => [String(p.cycle), p.label, time(p.ms), p.waited_ms > 0 ? formatMs(p.waited_ms) : "-", String(p.attempts), p.status];

export const WORKER_HEADERS = ["cycle", "worker", "role", "time", "status", "note"] as const;
export const workerCells = (w: ReviewWorker): string[] => [String(w.cycle), w.worker, w.role, w.ms === null ? "-" : time(w.ms), w.status, w.note ?? "-"];

export const HYPOTHESIS_HEADERS = ["cycle", "hypothesis", "from", "expected", "measured", "outcome"] as const;
export const hypothesisCells = (h: ReviewHypothesis): string[] => [String(h.cycle), h.id, h.origin ?? "-", expectedText(h), measuredText(h), OUTCOME_WORDS[h.outcome]];

export const SOURCE_HEADERS = ["source", "kind", "hypotheses", "kept", "broke the tests", "no gain", "other", "not tried"] as const;
export const sourceCells = (s: ReviewSource): string[] => [s.origin, s.source, String(s.hypotheses), String(s.kept), String(s.removed_tests), String(s.removed_no_gain), String(s.removed_other), String(s.not_tried)];

/** Where a failure happened, before its detail: "timeout, cycle 1, H2". */
export const failurePlace = (f: ReviewFailure): string => `${f.kind}${f.cycle === null ? "" : `, cycle ${f.cycle}`}, ${f.where}`;

function expectedText(h: ReviewHypothesis): string {
  if (h.expected === null) return "not stated";
  const written = typeof h.expected === "number" ? `${h.expected}%` : h.expected;
  return h.expected_pct === null || written === `${h.expected_pct}%` ? written : `${written} (${h.expected_pct.toFixed(1)}%)`;
}

function measuredText(h: ReviewHypothesis): string {
  if (h.measured_pct === null) return "not measured";
  return `${signed(h.measured_pct)} ${MEASURED_WORDS[h.measured]}`.trim();
}

/** "3 hypotheses from 1 source: 1 kept, 1 removed for breaking the tests, 1 for no gain". */
export function reviewTally(review: RunReview): string {
  const count = (outcome: HypothesisOutcome) => review.hypotheses.filter((h) => h.outcome === outcome).length;
  const parts = [
    `${count("kept")} kept`,
    count("removed_tests") ? `${count("removed_tests")} removed for breaking the tests` : null,
    count("removed_no_gain") ? `${count("removed_no_gain")} for no gain` : null,
    count("removed_other") ? `${count("removed_other")} for another reason` : null,
    count("not_tried") ? `${count("not_tried")} not tried` : null,
  ].filter((part): part is string => part !== null);
  const n = review.hypotheses.length;
  return `${n} ${n === 1 ? "hypothesis" : "hypotheses"} from ${plural(review.sources.length, "source")}: ${parts.join(", ")}`;
}

/** The noise of the run, one fact a line. */
export function noiseLines(noise: ReviewNoise): string[] {
  const cap = `${noise.cap} rounds${noise.cap_from_flag ? " (--max-runs)" : " (the default cap)"}`;
  const lines = [`Comparisons: ${noise.comparisons}; unknown: ${noise.unknown}, of them ${noise.unknown_at_cap} at the cap of ${cap}`];
  lines.push(`Smallest gain that counts: ${noise.min_effect_pct}%`);
  if (noise.base_spread_pct !== null) {
    const ci = noise.base_ci_pct === null ? "" : `; its median's 95% interval spans ${noise.base_ci_pct.toFixed(1)}% of it`;
    lines.push(`The base's run-to-run spread in the first profile (MAD / median): ${noise.base_spread_pct.toFixed(1)}%${ci}. A run measures no A/A calibration; this spread stands in for it.`);
  }
  if (noise.host_busy_pct !== null) lines.push(`The base waited for a CPU ${noise.host_busy_pct.toFixed(1)}% of its wall time (the host was busy with other work)`);
  return lines;
}

/** report.md's section. */
export function reviewSection(review: RunReview): string[] {
  const w = REVIEW_WORDS;
  const out = [`## ${w.title}`, "", `${reviewTally(review)}.`, ""];
  out.push(`### ${w.next}`, "");
  if (review.advice.length === 0) out.push(w.noAdvice, "");
  else out.push(...review.advice.map((a) => `- ${cell(a.fact)}: ${cell(a.advice)}`), "");
  out.push(`### ${w.phases}`, "");
  out.push(...table(PHASE_HEADERS, review.phases.map(phaseCells)), "");
  if (review.workers.length > 0) out.push(...table(WORKER_HEADERS, review.workers.map(workerCells)), "");
  out.push(`### ${w.failures}`, "");
  if (review.failures.length === 0) out.push(w.noFailures, "");
  else out.push(...review.failures.map((f) => `- ${cell(failurePlace(f))}: ${cell(f.detail)}`), "");
  out.push(`### ${w.hypotheses}`, "");
  if (review.hypotheses.length === 0) out.push(w.noHypotheses, "");
  else {
    out.push(w.hypothesesKey, "");
    out.push(...table(HYPOTHESIS_HEADERS, review.hypotheses.map(hypothesisCells)), "");
    out.push(...table(SOURCE_HEADERS, review.sources.map(sourceCells)), "");
  }
  out.push(`### ${w.noise}`, "", ...noiseLines(review.noise).map((line) => `- ${line}`), "");
  return out;
}

/** The terminal's lines: the advice, at most HEADLINE_ADVICE of it and a count of the rest; none when there is none. */
export function reviewHeadlines(review: RunReview): string[] {
  const lines = review.advice.slice(0, HEADLINE_ADVICE).map((a) => a.headline);
  const more = review.advice.length - HEADLINE_ADVICE;
  if (more > 0) lines.push(`${more} more in report.md ("Run review")`);
  return lines;
}
