/**
 * REVIEW SLOT: the place of the run review (report.json's `review`, written by
 * src/report/review.ts) in report.html. The review's schema is not read here: `review` is taken as
 * unknown and drawn generically, through a tolerant check, so that this page renders any shape of
 * it, or none (an older report): each list of records a table of their plain fields, each record a
 * list of facts, each plain value a fact. A renderer written for the review's own schema replaces
 * `reviewSection`'s body; its place in the page (after the gap analysis, as in report.md) stays.
 * Pure; every value escaped.
 */
import { html, type Html, type Part } from "./escape.ts";
import { bullets, facts, section, table } from "./parts.ts";

type Plain = string | number | boolean | null;

const isPlain = (value: unknown): value is Plain => value === null || ["string", "number", "boolean"].includes(typeof value);
const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/** A key in words: "unknown_at_cap" -> "unknown at cap". */
const words = (key: string) => key.replace(/_/g, " ");

function plainText(value: Plain): string {
  if (value === null) return "-";
  if (typeof value === "number") return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(4)));
  return String(value);
}

/** Records as a table of the plain fields any of them has (nested values left out; they are in report.json). */
function recordsTable(records: readonly Record<string, unknown>[]): Html {
  const columns = [...new Set(records.flatMap((r) => Object.keys(r).filter((key) => isPlain(r[key]))))];
  const numeric = columns.flatMap((key, i) => (records.every((r) => typeof r[key] === "number" || r[key] === null || r[key] === undefined) ? [i] : []));
  return table(columns.map(words), records.map((r) => columns.map((key) => (isPlain(r[key]) ? plainText(r[key]) : "-"))), numeric);
}

function value(key: string, item: unknown): Part {
  if (isPlain(item)) return plainText(item);
  if (Array.isArray(item)) {
    if (item.length === 0) return "none";
    if (item.every(isRecord)) return recordsTable(item);
    return bullets(item.map((entry) => (isPlain(entry) ? plainText(entry) : JSON.stringify(entry))));
  }
  if (isRecord(item)) return facts(Object.entries(item).map(([k, v]) => [words(k), value(k, v)] as const));
  return words(key);
}

/** The run review's section, or nothing when the report has none. */
export function reviewSection(review: unknown): Html | null {
  if (review === undefined || review === null) return null;
  const body: Part[] = [];
  if (isRecord(review)) {
    for (const [key, item] of Object.entries(review)) {
      if (isPlain(item)) body.push(html`<p><strong>${words(key)}:</strong> ${plainText(item)}</p>`);
      else body.push(html`<h3>${words(key)}</h3>`, value(key, item));
    }
  } else {
    body.push(value("review", review));
  }
  return section("review", "Run review", html`<div class="slot">${body}</div>`);
}
