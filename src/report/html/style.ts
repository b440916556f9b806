/**
 * report.html's one style sheet, inline (docs/report-html.md): system fonts, colours as custom
 * properties with a dark set under `prefers-color-scheme: dark` and the light set again for print,
 * one column on a phone and chart and table side by side from WIDE_MIN up, tables that scroll
 * sideways rather than overflow, and figures that do not break across printed pages. The charts
 * (charts.ts) draw with these classes. Written by perfloop: nothing from a run goes in here.
 */

/** From this width a chart and its table stand side by side. */
const WIDE_MIN = "80rem";

const LIGHT = `
  --bg: #ffffff; --fg: #1b1f24; --muted: #59636e; --line: #d1d9e0; --soft: #f6f8fa;
  --accent: #0969da; --good: #1a7f37; --bad: #cf222e; --neutral: #9a6700;
  --before: #8c959f; --band: rgba(9, 105, 218, 0.13); --lane: #f6f8fa; --code: #eff2f5;`;

const DARK = `
  --bg: #0d1117; --fg: #e6edf3; --muted: #9198a1; --line: #3d444d; --soft: #151b23;
  --accent: #4493f8; --good: #3fb950; --bad: #f85149; --neutral: #d29922;
  --before: #656c76; --band: rgba(68, 147, 248, 0.2); --lane: #151b23; --code: #1f2630;`;

export const STYLE = `
:root {${LIGHT}
  color-scheme: light dark;
}
@media (prefers-color-scheme: dark) { :root {${DARK} } }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; text-size-adjust: 100%; }
body { margin: 0; background: var(--bg); color: var(--fg); font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif; }
main { max-width: 72rem; margin: 0 auto; padding: 1rem clamp(0.75rem, 3vw, 2rem) 3rem; }
h1 { font-size: 1.6rem; margin: 0.5rem 0; overflow-wrap: anywhere; }
h2 { font-size: 1.3rem; margin: 2rem 0 0.75rem; padding-bottom: 0.25rem; border-bottom: 1px solid var(--line); }
h3 { font-size: 1.1rem; margin: 1.5rem 0 0.5rem; }
h4 { font-size: 1rem; margin: 1rem 0 0.4rem; }
p, ul, dl { margin: 0.4rem 0 0.8rem; }
code { font: 0.88em/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background: var(--code); padding: 0.05em 0.3em; border-radius: 4px; overflow-wrap: anywhere; }
.headline { font-size: 1.1rem; padding: 0.6rem 0.9rem; border-left: 4px solid var(--neutral); background: var(--soft); border-radius: 4px; }
.headline.tone-good { border-color: var(--good); }
.headline.tone-bad { border-color: var(--bad); }
.muted { color: var(--muted); fill: var(--muted); }
dl.facts { display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: 0.2rem 1rem; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
@media (max-width: 30rem) { dl.facts { grid-template-columns: minmax(0, 1fr); } dl.facts dd { margin-bottom: 0.4rem; } }
.table-wrap { overflow-x: auto; margin: 0.4rem 0 1rem; }
table { border-collapse: collapse; font-size: 0.92rem; min-width: 50%; }
caption { text-align: left; padding: 0.2rem 0; }
th, td { text-align: left; padding: 0.3rem 0.6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: var(--soft); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.tag { font-size: 0.8rem; padding: 0.05em 0.45em; border-radius: 999px; border: 1px solid currentColor; white-space: nowrap; }
.tone-good { color: var(--good); }
.tone-bad { color: var(--bad); }
.tone-neutral { color: var(--neutral); }
figure.figure { margin: 1rem 0 1.5rem; display: grid; gap: 0.5rem 1.5rem; grid-template-columns: minmax(0, 1fr); break-inside: avoid; page-break-inside: avoid; }
@media (min-width: ${WIDE_MIN}) {
  main { max-width: 84rem; }
  figure.figure { grid-template-columns: minmax(0, 32rem) minmax(0, 1fr); align-items: start; }
  figure.figure .numbers table { font-size: 0.85rem; }
}
figure.figure figcaption { grid-column: 1 / -1; color: var(--muted); font-size: 0.9rem; }
figure.figure .numbers .table-wrap { margin-top: 0; }
svg.chart { display: block; width: 100%; max-width: 40rem; height: auto; font: 12px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
svg.chart .label { fill: var(--fg); }
svg.chart .strong { font-weight: 600; }
svg.chart .tick, svg.chart .caption { fill: var(--muted); font-size: 11px; }
svg.chart .value { fill: var(--fg); font-variant-numeric: tabular-nums; }
svg.chart .grid { stroke: var(--line); stroke-width: 1; }
svg.chart .axis { stroke: var(--muted); stroke-width: 1; }
svg.chart .bar.before { fill: var(--before); }
svg.chart .bar.after { fill: var(--accent); }
svg.chart .bar.after.tone-good { fill: var(--good); }
svg.chart .bar.after.tone-bad { fill: var(--bad); }
svg.chart .whisker { stroke: var(--fg); stroke-width: 1.5; }
svg.chart .lane { fill: var(--lane); }
svg.chart .band { fill: var(--band); }
svg.chart .one { stroke: var(--muted); stroke-width: 1; stroke-dasharray: 4 3; }
svg.chart .dot { fill: currentColor; fill-opacity: 0.55; }
svg.chart .ci { fill: currentColor; fill-opacity: 0.9; }
svg.chart .median { stroke: currentColor; stroke-width: 3; }
svg.chart .edge { fill: none; stroke: var(--line); stroke-width: 1.5; }
svg.chart .node { fill: currentColor; stroke: var(--bg); stroke-width: 1.5; }
svg.chart .bar.share { fill: var(--accent); }
svg.chart .bar.outline { fill: none; stroke: var(--accent); stroke-width: 1; stroke-dasharray: 3 2; }
footer { margin-top: 3rem; color: var(--muted); font-size: 0.85rem; }
@media print {
  :root {${LIGHT} }
  body { font-size: 11pt; }
  main { max-width: none; padding: 0; }
  h2 { break-after: avoid; page-break-after: avoid; }
  .table-wrap { overflow: visible; }
  figure.figure { grid-template-columns: minmax(0, 1fr); }
  svg.chart { max-width: 16cm; }
}
`;
