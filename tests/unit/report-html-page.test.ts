// report.html as a whole: escaping (a hostile run cannot inject markup), the page's structure and
// section order (report.md's), one chart and one table per figure, and older reports (no
// comparisons, profiles or report_html) still parsing and rendering. The run review's section:
// report-html-review.test.ts.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import * as v from "valibot";
import { escapeHtml, html, raw } from "../../src/report/html/escape.ts";
import { renderReportHtml } from "../../src/report/html/page.ts";
import { STYLE } from "../../src/report/html/style.ts";
import { RunReportSchema } from "../../src/report/run-report.ts";
import { htmlStructure } from "../helpers/html-structure.ts";
import { comparison, cycle, report, runReview } from "./report-html-fixture.ts";

const HOSTILE = `"><script>alert(1)</script><img src=x onerror=alert(2)>'&</style><!--`;

describe("escaping", () => {
  const cases: [string, string][] = [
    ["plain", "plain"],
    ["<b>", "&lt;b&gt;"],
    [`a "b" 'c'`, "a &quot;b&quot; &#39;c&#39;"],
    ["&amp;", "&amp;amp;"],
    ["nul\u0000bell\u0007", "nul\uFFFDbell\uFFFD"],
    ["tab\tline\n", "tab\tline\n"],
    ["lone \uD800 surrogate", "lone \uFFFD surrogate"],
    ["pair \uD83D\uDE00 kept", "pair \uD83D\uDE00 kept"],
  ];
  for (const [input, output] of cases) test(`escapeHtml(${JSON.stringify(input)})`, () => assert.equal(escapeHtml(input), output));

  test("the html template escapes what it interpolates, and only that", () => {
    const cell = html`<td title="${HOSTILE}">${HOSTILE}</td>`;
    assert.equal(cell.text.match(/</g)?.length, 2);
    assert.ok(!cell.text.includes("<script"));
    assert.equal(html`<p>${html`<b>${"<i>"}</b>`}</p>`.text, "<p><b>&lt;i&gt;</b></p>", "markup made by html passes, text inside it is escaped");
    assert.equal(html`${["a", "<", 3]}|${null}${undefined}${false}|${Number.NaN}`.text, "a&lt;3||");
    assert.equal(raw("<b>").text, "<b>");
  });

  test("a hostile run injects nothing: every element and attribute is one the renderer writes", () => {
    const evil = report({
      slug: HOSTILE,
      target: HOSTILE,
      base: HOSTILE,
      branch: HOSTILE,
      merge_hint: HOSTILE,
      measurement: HOSTILE,
      gap_analysis: HOSTILE,
      warnings: [HOSTILE],
      diagnosis: [HOSTILE],
      target_description: HOSTILE,
      decisions: [{ kind: HOSTILE, selected_choice: HOSTILE, answered_at: HOSTILE }],
      agent_calls: [{ transcript: HOSTILE, cycle: 1, kind: HOSTILE, agent: HOSTILE, idea: HOSTILE, ok: false, error: HOSTILE, exit_code: 1, wall_ms: 5, files_changed: [HOSTILE], hypotheses: [HOSTILE], cost_usd: null }],
      files: { report_md: HOSTILE, report_json: HOSTILE, report_html: HOSTILE, context_md: HOSTILE, experiment_log: HOSTILE },
      profiles: [{ cycle: 1, commit: HOSTILE, classification: HOSTILE, cpu_profile: HOSTILE, metrics: {}, hot_functions: [{ function: HOSTILE, location: HOSTILE, self_pct: 50, total_pct: 60 }] }],
      cycles: [
        cycle({
          cycle: 1,
          base_commit: HOSTILE,
          commit: HOSTILE,
          gate: HOSTILE,
          validation: HOSTILE,
          planned: [HOSTILE],
          kept: [{ id: HOSTILE, description: HOSTILE, origin: HOSTILE }],
          removed: [{ id: `${HOSTILE}2`, reason: HOSTILE, origin: HOSTILE }],
          stop_reason: HOSTILE,
          comparisons: [comparison({ phase: HOSTILE, hypotheses: [HOSTILE], against: [HOSTILE], status: HOSTILE, outcome: HOSTILE, e2e_status: HOSTILE })],
        }),
      ],
    });
    evil.review = runReview({ hypotheses: [{ ...runReview().hypotheses[0]!, id: HOSTILE, origin: HOSTILE }], sources: [{ ...runReview().sources[0]!, origin: HOSTILE }], advice: [{ rule: HOSTILE, fact: HOSTILE, advice: HOSTILE, headline: HOSTILE }] });
    const page = renderReportHtml(evil);
    const structure = htmlStructure(page);
    assert.deepEqual(structure.problems, []);
    assert.ok(!/<script|<img|<!--/i.test(page), "no injected element or comment (an injected handler would be an attribute the structure check refuses)");
    assert.equal(page.split("</style>").length, 2, "the style sheet is closed once, by the renderer");
    assert.ok(page.includes("&lt;script&gt;alert(1)&lt;/script&gt;"), "the text is shown, escaped");
  });

  test("the style sheet holds no markup", () => assert.ok(!/[<>]/.test(STYLE.replace(/>/g, ""))));
});

describe("the page", () => {
  const page = renderReportHtml(report());
  const structure = htmlStructure(page);

  test("sound markup, self-contained: a CSP that allows no script and no request, no link, no external URL", () => {
    assert.deepEqual(structure.problems, []);
    assert.match(page, /<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;; style-src &#39;unsafe-inline&#39;; img-src data:">/);
    assert.match(page, /<meta name="viewport" content="width=device-width, initial-scale=1">/);
    assert.match(page, /prefers-color-scheme: dark/);
    assert.match(page, /@media print/);
    assert.ok(!/https?:\/\/(?!www\.w3\.org\/2000\/svg)/.test(page), "no URL but the SVG namespace");
    assert.equal(structure.counts.get("script") ?? 0, 0);
  });

  test("sections in report.md's order, the review after the gap analysis", () => {
    const topLevel = structure.sections.filter((id) => !id.startsWith("cycle-"));
    assert.deepEqual(topLevel, ["summary", "before-after", "profile", "cycles", "gap", "decisions", "warnings", "files"]);
    assert.deepEqual(structure.sections.filter((id) => id.startsWith("cycle-")), ["cycle-1", "cycle-2"]);
    const withReview = htmlStructure(renderReportHtml({ ...report(), review: runReview() })).sections;
    assert.deepEqual(withReview.slice(withReview.indexOf("gap"), withReview.indexOf("gap") + 3), ["gap", "review", "decisions"]);
  });

  test("every figure: one chart with a title, and the table of its numbers", () => {
    const figures = [...page.matchAll(/<figure class="figure">([\s\S]*?)<\/figure>/g)].map((m) => m[1]!);
    // Before and after; the profile of cycle 1 (cycle 2's has no function); per cycle the strip plot and the tree.
    assert.equal(figures.length, 6);
    for (const figure of figures) {
      assert.equal(figure.match(/<svg /g)?.length, 1);
      assert.equal(figure.match(/<table>/g)?.length, 1);
      assert.match(figure, /<svg [^>]*role="img"[^>]*><title id="[^"]+">[^<]+<\/title>/);
    }
    assert.equal(structure.counts.get("svg"), 6);
  });

  test("the numbers: before and after with intervals, per-round ratios, the tree, the top functions", () => {
    assert.match(page, /<td class="num">400 ms<\/td><td class="num">200 ms<\/td><td class="num">192 ms to 208 ms<\/td><td class="num">-50\.0%<\/td>/, "cycle 1 after, its interval from the ratio's");
    assert.match(page, /<td>Cycle 2<\/td><td class="num">199 ms<br><span class="muted">195 ms to 204 ms<\/span><\/td><td class="num">nothing kept<\/td>/, "cycle 2's base from its profile");
    assert.match(page, /<td>contested H4 on top of H1<\/td><td class="num">6<\/td><td class="num">0\.995<\/td><td class="num">0\.970-1\.010<\/td><td class="num">2\.0%<\/td>/);
    assert.equal([...page.matchAll(/<circle [^>]*class="dot /g)].length, 6 + 6 + 6 + 6 + 12 + 6, "a dot per kept round of every measured comparison");
    assert.match(page, /removed H9<\/td><td><span class="tone-bad">does not apply to the base/);
    assert.match(page, /<td><code>sumLoop<\/code><\/td><td>src\/sum\.ts:4:1<\/td><td class="num">62\.5%<\/td><td class="num">80\.0%<\/td>/);
    assert.match(page, /<dt>This page<\/dt><dd><code>\.hex-skills\/optimization\/sum\/report\.html<\/code><\/dd>/);
    assert.match(page, /<p class="headline tone-good"><strong>Improved:<\/strong>/);
  });

  test("an older report (no comparisons, profiles or report_html) parses and renders", () => {
    const old = JSON.parse(JSON.stringify(report()));
    delete old.profiles;
    delete old.files.report_html;
    for (const c of old.cycles) delete c.comparisons;
    const parsed = v.parse(RunReportSchema, old);
    assert.equal(parsed.files.report_html, null);
    assert.deepEqual(parsed.profiles, []);
    const rendered = renderReportHtml(parsed);
    const s = htmlStructure(rendered);
    assert.deepEqual(s.problems, []);
    assert.ok(!s.sections.includes("profile"));
    // The tree still draws from kept and removed; no strip plot without rounds.
    assert.equal(s.counts.get("svg"), 1 + 2);
    assert.match(rendered, /kept H1/);
  });

  test("a run with nothing measured: no chart, the page still whole", () => {
    const empty = renderReportHtml(report({ metrics: [], cycles: [], profiles: [], final_result: "UNFINISHED", stop_reason: "UNFINISHED", branch: null, commit: null, merge_hint: null, gap_analysis: null, decisions: [], warnings: [] }));
    const s = htmlStructure(empty);
    assert.deepEqual(s.problems, []);
    assert.equal(s.counts.get("svg") ?? 0, 0);
    assert.match(empty, /No metric was measured yet/);
    assert.match(empty, /No cycle was completed/);
  });
});
