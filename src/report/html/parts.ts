/**
 * The building blocks report.html's sections share: a table that scrolls sideways on a phone, a
 * figure with a chart and its numbers side by side, a list of facts, inline code. Every value goes
 * through escape.ts's `html`. Pure.
 */
import { html, type Html, type Part } from "./escape.ts";

/** Shown length of a commit id, as in report.md. */
export const SHORT_COMMIT = 12;

export const code = (text: string): Html => html`<code>${text}</code>`;
export const short = (commit: string): Html => code(commit.slice(0, SHORT_COMMIT));

/** A table; columns in `numeric` are right-aligned with tabular figures. */
export function table(headers: readonly string[], rows: readonly (readonly Part[])[], numeric: readonly number[] = [], caption?: string): Html {
  const cls = (column: number) => (numeric.includes(column) ? html` class="num"` : null);
  const head = headers.map((h, i) => html`<th scope="col"${cls(i)}>${h}</th>`);
  const body = rows.map((row) => html`<tr>${row.map((cell, i) => html`<td${cls(i)}>${cell}</td>`)}</tr>`);
  return html`<div class="table-wrap"><table>${caption ? html`<caption class="muted">${caption}</caption>` : null}<thead><tr>${head}</tr></thead><tbody>${body}</tbody></table></div>`;
}

/** A chart and the table of its numbers, side by side on a wide screen, one above the other on a phone. */
export function figure(chart: Html, numbers: Html, caption: Part): Html {
  return html`<figure class="figure"><div class="plot">${chart}</div><div class="numbers">${numbers}</div><figcaption>${caption}</figcaption></figure>`;
}

/** A list of facts: term and description. */
export function facts(items: readonly (readonly [string, Part] | null | false)[]): Html {
  const rows = items.filter((item): item is readonly [string, Part] => Array.isArray(item));
  return html`<dl class="facts">${rows.map(([term, value]) => html`<dt>${term}</dt><dd>${value}</dd>`)}</dl>`;
}

/** A section with its heading; `id` for links within the page. */
export function section(id: string, title: string, body: Part, level: 2 | 3 = 2): Html {
  const heading = level === 2 ? html`<h2>${title}</h2>` : html`<h3>${title}</h3>`;
  return html`<section id="${id}">${heading}${body}</section>`;
}

/** A bulleted list of lines of text. */
export function bullets(items: readonly Part[]): Html {
  return html`<ul>${items.map((item) => html`<li>${item}</li>`)}</ul>`;
}

/** A small coloured label: "kept", "removed". */
export function tag(text: string, tone: "good" | "bad" | "neutral"): Html {
  return html`<span class="tag tone-${tone}">${text}</span>`;
}
