/**
 * report.html's charts as inline SVG (docs/report-html.md): a value before and after with its
 * interval, the per-round ratios of comparisons as strip plots against the minimum-effect band, a
 * tree of steps, and bars of shares. Each takes plain numbers and labels and returns markup: no
 * layout engine, no script, no fonts to load. Text cannot be measured in SVG without a browser, so
 * labels are cut to a width estimated from their length (CHAR_WIDTH); the table beside each chart
 * has the full text and every number. Colours come from the page's style sheet (style.ts) through
 * classes, so light, dark and print follow it. Pure.
 */
import { coord, html, type Html, join } from "./escape.ts";
import { linearScale, logScale, niceMax, niceTicks, ratioDomain, ratioTicks } from "./scales.ts";

/** The width of every chart's coordinate system; the page scales it to the column. */
export const CHART_WIDTH = 480;
const FONT = 12;
/** An estimate of a character's width in the charts' sans-serif font: generous, so labels rarely overflow. */
const CHAR_WIDTH = FONT * 0.6;
const PAD = 8;

export type Tone = "good" | "bad" | "neutral";

/** `text` cut to `width` pixels of the chart's font, with an ellipsis when cut. */
export function fitText(text: string, width: number, font = FONT): string {
  const chars = Math.max(1, Math.floor(width / (font * 0.6)));
  const flat = text.replace(/\s+/g, " ");
  return flat.length <= chars ? flat : `${flat.slice(0, Math.max(0, chars - 1))}…`;
}

/** The SVG element: scaled to its column, titled for screen readers (role img, <title>, <desc>). */
function frame(id: string, title: string, description: string, height: number, body: Html): Html {
  return html`<svg class="chart" id="${id}" viewBox="0 0 ${CHART_WIDTH} ${coord(height)}" width="${CHART_WIDTH}" height="${coord(height)}" role="img" aria-labelledby="${id}-title ${id}-desc" xmlns="http://www.w3.org/2000/svg"><title id="${id}-title">${title}</title><desc id="${id}-desc">${description}</desc>${body}</svg>`;
}

function text(x: number, y: number, content: string, cls = "label", anchor: "start" | "middle" | "end" = "start"): Html {
  return html`<text x="${coord(x)}" y="${coord(y)}" class="${cls}" text-anchor="${anchor}">${content}</text>`;
}

function line(x1: number, y1: number, x2: number, y2: number, cls: string): Html {
  return html`<line x1="${coord(x1)}" y1="${coord(y1)}" x2="${coord(x2)}" y2="${coord(y2)}" class="${cls}"/>`;
}

function rect(x: number, y: number, width: number, height: number, cls: string, tip?: string): Html {
  const body = tip ? html`<title>${tip}</title>` : null;
  return html`<rect x="${coord(x)}" y="${coord(y)}" width="${coord(Math.max(0, width))}" height="${coord(height)}" class="${cls}">${body}</rect>`;
}

/** A horizontal axis from `from` to `to` (pixels): ticks, their labels and grid lines from `top` down to `bottom`. */
function axis(ticks: readonly number[], x: (value: number) => number, span: readonly [number, number], top: number, bottom: number, label: (value: number) => string, caption: string): Html {
  const parts: Html[] = [];
  for (const tick of ticks) {
    parts.push(line(x(tick), top, x(tick), bottom, "grid"));
    parts.push(text(x(tick), bottom + 14, label(tick), "tick", "middle"));
  }
  parts.push(line(span[0], bottom, span[1], bottom, "axis"));
  parts.push(text(CHART_WIDTH / 2, bottom + 30, caption, "caption", "middle"));
  return join(parts);
}

export interface BeforeAfterRow {
  label: string;
  before: number | null;
  /** The before value's 95% interval, when measured on its own (a profile's). */
  beforeInterval?: readonly [number, number] | null;
  after: number | null;
  /** The after value's 95% interval, when measured. */
  interval: readonly [number, number] | null;
  /** Said instead of a value when there is no after (e.g. "nothing kept"). */
  note?: string;
  tone: Tone;
}

/**
 * Per row (a cycle, the whole run): a bar for before, a bar for after with its interval as a
 * whisker, on one linear axis from 0. `format` writes a value in its unit.
 */
export function beforeAfterChart(rows: readonly BeforeAfterRow[], options: { id: string; title: string; format: (value: number) => string; caption: string }): Html {
  const left = 52;
  const valueWidth = 84;
  const right = CHART_WIDTH - PAD - valueWidth;
  const values = rows.flatMap((r) => [r.before, r.after, ...(r.interval ?? []), ...(r.beforeInterval ?? [])]).filter((n): n is number => n !== null && Number.isFinite(n) && n >= 0);
  const max = niceMax(Math.max(0, ...values));
  const x = linearScale(0, max, left, right);
  const bar = 13;
  const group = 18 + 2 * bar + 6 + 12;
  const top = 6;
  const parts: Html[] = [];
  const whisker = (interval: readonly [number, number], mid: number) => {
    const [lo, hi] = interval;
    parts.push(line(x(lo), mid, x(hi), mid, "whisker"), line(x(lo), mid - 4, x(lo), mid + 4, "whisker"), line(x(hi), mid - 4, x(hi), mid + 4, "whisker"));
  };
  rows.forEach((row, index) => {
    const y = top + index * group;
    parts.push(text(PAD, y + 12, fitText(row.label, CHART_WIDTH - 2 * PAD), "label strong"));
    const beforeY = y + 18;
    const afterY = beforeY + bar + 6;
    parts.push(text(left - 6, beforeY + bar - 3, "before", "tick", "end"));
    parts.push(text(left - 6, afterY + bar - 3, "after", "tick", "end"));
    if (row.before !== null) {
      parts.push(rect(left, beforeY, x(row.before) - left, bar, "bar before", `before: ${options.format(row.before)}`));
      parts.push(text(right + 6, beforeY + bar - 3, options.format(row.before), "value"));
      if (row.beforeInterval) whisker(row.beforeInterval, beforeY + bar / 2);
    } else {
      parts.push(text(left + 4, beforeY + bar - 3, "not measured", "muted"));
    }
    if (row.after !== null) {
      parts.push(rect(left, afterY, x(row.after) - left, bar, `bar after tone-${row.tone}`, `after: ${options.format(row.after)}`));
      parts.push(text(right + 6, afterY + bar - 3, options.format(row.after), "value"));
      if (row.interval) whisker(row.interval, afterY + bar / 2);
    } else {
      parts.push(text(left + 4, afterY + bar - 3, row.note ?? "not measured", "muted"));
    }
  });
  const bottom = top + rows.length * group;
  // The grid first, so that the bars are drawn over it.
  parts.unshift(axis(niceTicks(0, max, 4), x, [left, right], top, bottom, (t) => (t === 0 ? "0" : options.format(t)), options.caption));
  const description = rows.map((r) => `${r.label}: before ${r.before === null ? "not measured" : options.format(r.before)}, after ${r.after === null ? (r.note ?? "not measured") : options.format(r.after)}`).join("; ");
  return frame(options.id, options.title, description, bottom + 38, join(parts));
}

export interface StripRow {
  label: string;
  /** The per-round ratios B/A (below 1 is better). */
  ratios: readonly number[];
  /** The comparison's median ratio and its 95% interval. */
  ratio: number | null;
  interval: readonly [number, number] | null;
  /** The minimum effect, a fraction: the band 1 ± it is "no meaningful difference". */
  minEffect: number | null;
  tone: Tone;
}

/** A point's vertical offset in its strip, in [-1, 1]: deterministic (the golden ratio's sequence), so the same report draws the same chart. */
export function jitter(index: number): number {
  return ((index * 0.6180339887) % 1) * 2 - 1;
}

/**
 * One strip per comparison on a shared log axis of ratios: every round's ratio a dot, the
 * minimum-effect band around 1 shaded, 1 dashed, the median a tick with its 95% interval.
 */
export function stripPlot(rows: readonly StripRow[], options: { id: string; title: string; caption?: string }): Html {
  const all = rows.flatMap((r) => [...r.ratios, r.ratio ?? 1, ...(r.interval ?? []), ...(r.minEffect === null ? [] : [1 - r.minEffect, 1 + r.minEffect])]);
  const [lo, hi] = ratioDomain(all);
  const span = [PAD + 4, CHART_WIDTH - PAD - 4] as const;
  const x = logScale(lo, hi, span[0], span[1]);
  const strip = 26;
  const group = 16 + strip + 8;
  const top = 4;
  const parts: Html[] = [];
  rows.forEach((row, index) => {
    const y = top + index * group;
    parts.push(text(PAD, y + 12, fitText(row.label, CHART_WIDTH - 2 * PAD), "label"));
    const stripTop = y + 16;
    const mid = stripTop + strip / 2;
    parts.push(rect(PAD, stripTop, CHART_WIDTH - 2 * PAD, strip, "lane"));
    if (row.minEffect !== null && row.minEffect > 0) {
      const from = x(1 - row.minEffect);
      parts.push(rect(from, stripTop, x(1 + row.minEffect) - from, strip, "band", `minimum effect: ratios within ${(row.minEffect * 100).toFixed(1)}% of 1`));
    }
    const dots = row.ratios.filter((r) => r > 0 && Number.isFinite(r)).map((r, i) => html`<circle cx="${coord(x(r))}" cy="${coord(mid + jitter(i) * (strip / 2 - 4))}" r="2.6" class="dot tone-${row.tone}"/>`);
    parts.push(join(dots));
    if (row.interval) parts.push(rect(x(row.interval[0]), mid - 2, x(row.interval[1]) - x(row.interval[0]), 4, `ci tone-${row.tone}`, `95% interval ${row.interval[0].toFixed(3)} to ${row.interval[1].toFixed(3)}`));
    if (row.ratio !== null) parts.push(line(x(row.ratio), stripTop + 2, x(row.ratio), stripTop + strip - 2, `median tone-${row.tone}`));
    if (row.ratios.length === 0 && row.ratio === null) parts.push(text(CHART_WIDTH / 2, mid + 4, "not measured", "muted", "middle"));
  });
  const bottom = top + rows.length * group;
  parts.push(line(x(1), top, x(1), bottom, "one"));
  const ticks = ratioTicks(lo, hi);
  parts.push(axis(ticks, x, span, bottom, bottom, (t) => String(t), options.caption ?? "ratio B/A per round, log scale: below 1 is better; shaded: the minimum effect"));
  const description = rows.map((r) => `${r.label}: ${r.ratios.length} rounds, median ratio ${r.ratio === null ? "not measured" : r.ratio.toFixed(3)}`).join("; ");
  return frame(options.id, options.title, description, bottom + 38, join(parts));
}

export interface TreeNode {
  /** 0 for the root. */
  depth: number;
  /** The node's parent, by index in the list; null for the root. */
  parent: number | null;
  label: string;
  detail: string;
  /** A shorter detail for the chart's line (the table beside it and the node's tooltip have `detail`). */
  brief?: string;
  tone: Tone;
}

/** A tree drawn as an indented list: each node a marker and a line of text, joined to its parent. */
export function treeChart(nodes: readonly TreeNode[], options: { id: string; title: string }): Html {
  const rowHeight = 22;
  const indent = 18;
  const top = 6;
  const xOf = (depth: number) => PAD + 6 + depth * indent;
  const yOf = (index: number) => top + index * rowHeight + rowHeight / 2;
  const parts: Html[] = [];
  nodes.forEach((node, index) => {
    if (node.parent === null) return;
    const parent = nodes[node.parent];
    if (!parent) return;
    const px = xOf(parent.depth);
    parts.push(html`<path d="M${coord(px)} ${coord(yOf(node.parent) + 5)} V${coord(yOf(index))} H${coord(xOf(node.depth) - 5)}" class="edge"/>`);
  });
  nodes.forEach((node, index) => {
    const x = xOf(node.depth);
    const y = yOf(index);
    parts.push(html`<circle cx="${coord(x)}" cy="${coord(y)}" r="5" class="node tone-${node.tone}"><title>${node.label}: ${node.detail}</title></circle>`);
    const room = CHART_WIDTH - PAD - (x + 10);
    const label = fitText(node.label, room);
    const rest = room - label.length * CHAR_WIDTH - CHAR_WIDTH * 2;
    const said = node.brief ?? node.detail;
    const detail = rest > CHAR_WIDTH * 4 && said ? html`<tspan class="muted"> ${fitText(said, rest)}</tspan>` : null;
    parts.push(html`<text x="${coord(x + 10)}" y="${coord(y + 4)}" class="label"><tspan class="strong">${label}</tspan>${detail}</text>`);
  });
  const description = nodes.map((n) => `${"  ".repeat(n.depth)}${n.label}: ${n.detail}`).join("; ");
  return frame(options.id, options.title, description, top * 2 + nodes.length * rowHeight, join(parts));
}

export interface ShareRow {
  label: string;
  /** A second, quieter line of text (a file and line). */
  sublabel?: string;
  /** The share drawn solid (self time), in percent. */
  value: number;
  /** The share drawn as an outline behind it (total time), in percent. */
  outline?: number;
}

/** Horizontal bars of shares in percent, on an axis from 0 to at least the largest. */
export function shareBars(rows: readonly ShareRow[], options: { id: string; title: string; caption: string; legend?: readonly [string, string] }): Html {
  const valueWidth = 52;
  const left = PAD;
  const right = CHART_WIDTH - PAD - valueWidth;
  const max = Math.min(100, niceMax(Math.max(1, ...rows.flatMap((r) => [r.value, r.outline ?? 0])), 4));
  const x = linearScale(0, max, left, right);
  const bar = 12;
  const group = 16 + bar + 10;
  const parts: Html[] = [];
  let top = 4;
  if (options.legend) {
    parts.push(rect(PAD, 6, 10, 10, "bar share"), text(PAD + 14, 15, options.legend[0], "tick"));
    const second = PAD + 24 + options.legend[0].length * CHAR_WIDTH;
    parts.push(rect(second, 6, 10, 10, "bar outline"), text(second + 14, 15, options.legend[1], "tick"));
    top = 24;
  }
  rows.forEach((row, index) => {
    const y = top + index * group;
    const name = fitText(row.label, CHART_WIDTH - 2 * PAD);
    const sub = row.sublabel ? fitText(row.sublabel, CHART_WIDTH - 2 * PAD - (name.length + 2) * CHAR_WIDTH) : "";
    parts.push(html`<text x="${coord(PAD)}" y="${coord(y + 12)}" class="label"><tspan class="strong">${name}</tspan>${sub && sub !== "…" ? html`<tspan class="muted"> ${sub}</tspan>` : null}</text>`);
    const barY = y + 16;
    if (row.outline !== undefined) parts.push(rect(left, barY, x(Math.min(row.outline, max)) - left, bar, "bar outline", `total ${row.outline.toFixed(1)}%`));
    parts.push(rect(left, barY, x(Math.min(row.value, max)) - left, bar, "bar share", `self ${row.value.toFixed(1)}%`));
    parts.push(text(right + 6, barY + bar - 2, `${row.value.toFixed(1)}%`, "value"));
  });
  const bottom = top + rows.length * group;
  parts.unshift(axis(niceTicks(0, max, 4), x, [left, right], top, bottom, (t) => `${t}%`, options.caption));
  const description = rows.map((r) => `${r.label}: ${r.value.toFixed(1)}%${r.outline === undefined ? "" : ` (total ${r.outline.toFixed(1)}%)`}`).join("; ");
  return frame(options.id, options.title, description, bottom + 38, join(parts));
}
