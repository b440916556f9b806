/**
 * report.html's cycles (docs/report-html.md): one section per cycle, in report.md's order (base and
 * commit, gate and validation, what was planned and measured, kept and removed), then two figures,
 * each a chart with its numbers beside it: every comparison's per-round ratios as a strip plot
 * against the minimum-effect band, and the strike and bisection as a tree of what was tried
 * together and what was removed and why; then the cycle's metrics and guardrails. Pure.
 */
import { describeGuardrail } from "../../execute/guardrails.ts";
import type { ReportCycle } from "../run-report.ts";
import { describeRatio, describeStop, METRIC_HEADERS, metricCells } from "../run-text.ts";
import { formatP, formatRatioPct } from "../../ui/table.ts";
import { stripPlot, treeChart, type StripRow } from "./charts.ts";
import { html, type Html } from "./escape.ts";
import { bullets, code, facts, figure, section, short, table, tag } from "./parts.ts";
import { comparisonTone, cycleTree, stepLabel } from "./steps.ts";

const ci = (interval: readonly [number, number] | null) => (interval ? `${interval[0].toFixed(3)}-${interval[1].toFixed(3)}` : "-");

function stripFigure(cycle: ReportCycle): Html | null {
  const measured = cycle.comparisons.filter((c) => c.ratio !== null);
  if (measured.length === 0) return null;
  const rows: StripRow[] = measured.map((c) => ({ label: stepLabel(c), ratios: c.round_ratios, ratio: c.ratio, interval: c.ratio_ci, minEffect: c.min_effect, tone: comparisonTone(c) }));
  const chart = stripPlot(rows, { id: `chart-rounds-${cycle.cycle}`, title: `Cycle ${cycle.cycle}: the per-round ratios of each comparison` });
  const numbers = table(
    ["comparison", "rounds", "median ratio", "95% CI", "min. effect", "p", "outcome"],
    measured.map((c) => [
      stepLabel(c),
      c.rounds === null ? "-" : String(c.rounds),
      c.ratio === null ? "-" : c.ratio.toFixed(3),
      ci(c.ratio_ci),
      c.min_effect === null ? "-" : `${(c.min_effect * 100).toFixed(1)}%`,
      c.p_value === null ? "-" : formatP(c.p_value),
      tag(c.outcome, comparisonTone(c)),
    ]),
    [1, 2, 3, 4, 5],
  );
  const thinned = measured.some((c) => c.rounds !== null && c.round_ratios.length < c.rounds);
  const pooled = measured.some((c) => c.phase === "final");
  return figure(
    chart,
    numbers,
    html`Each dot is one round: the target's time with the set (B) divided by its time without it (A) in the same round, so drift shared by the round cancels. The bar is the median with its 95% interval; the shaded band is the minimum effect around 1, the change too small to count. ${thinned ? "A comparison of many rounds shows an even sample of them. " : ""}${pooled ? "The final row pools every comparison of the kept set against the base." : ""}`,
  );
}

function treeFigure(cycle: ReportCycle): Html {
  const nodes = cycleTree(cycle);
  const chart = treeChart(nodes, { id: `chart-steps-${cycle.cycle}`, title: `Cycle ${cycle.cycle}: what was tried together, and what was removed` });
  // The root is the chart's first line and the table's caption; every other node is a row, indented as in the chart.
  const numbers = table(
    ["step", "result"],
    nodes.slice(1).map((node) => [html`${"\u00a0\u00a0".repeat(Math.max(0, node.depth - 1))}${node.label}`, html`<span class="tone-${node.tone}">${node.detail || "-"}</span>`]),
    [],
    nodes[0]!.label,
  );
  return figure(chart, numbers, "The planned set at the top; each step under the step whose set holds its own: the strike tries every uncontested hypothesis together, the bisection splits a set that breaks the tests or does not gain, contested and rebased hypotheses are measured on top of what was kept, the final step is the kept set against the base. Hypotheses removed without a measurement hang from the top with their reason.");
}

export function cycleSection(cycle: ReportCycle): Html {
  const measuredText = cycle.ratio === null ? "nothing" : `${formatRatioPct(cycle.ratio)}, ${describeRatio({ ...cycle, ratio: cycle.ratio })}`;
  const list = facts([
    ["Base", html`${short(cycle.base_commit)} → ${cycle.commit ? html`commit ${short(cycle.commit)}` : "nothing committed"}`],
    ["Gate", cycle.gate ?? "not reached"],
    ["Validation", cycle.validation ?? "not reached"],
    ["Planned", cycle.planned.join(", ") || "none"],
    ["Measured", measuredText],
    cycle.stop_reason ? ["Stopped here", `${describeStop(cycle.stop_reason)} (${cycle.stop_reason})`] : null,
  ]);
  const kept = cycle.kept.length > 0 ? html`<h4>Kept</h4>${table(["hypothesis", "from", "description"], cycle.kept.map((k) => [code(k.id), k.origin ?? "-", k.description || "-"]))}` : html`<p>Kept: nothing.</p>`;
  const removed = cycle.removed.length > 0 ? html`<h4>Removed</h4>${bullets(cycle.removed.map((r) => html`${code(r.id)}${r.origin ? ` (${r.origin})` : ""}: ${r.reason}`))}` : null;
  const metrics = cycle.metrics.length > 0 ? html`<h4>Metrics of this cycle, its base against its result</h4>${table(METRIC_HEADERS, cycle.metrics.map(metricCells), [1, 2, 3, 4])}` : null;
  const guardrails = cycle.guardrails.length > 0 ? html`<h4>Guardrails</h4>${bullets(cycle.guardrails.map(describeGuardrail))}` : null;
  const body = html`${list}${kept}${removed}${stripFigure(cycle)}${treeFigure(cycle)}${metrics}${guardrails}`;
  return section(`cycle-${cycle.cycle}`, `Cycle ${cycle.cycle}`, body, 3);
}
