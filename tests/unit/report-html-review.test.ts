// report.html's run review (src/report/html/review-html.ts): report.md's parts in report.md's order
// and words (every line and table row of review-render.ts's Markdown is in the page), phases as
// people read them and times formatted as on the rest of the page, hostile ids and sources
// escaped, a review that does not parse shown as one line, and no section for an older report.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import * as v from "valibot";
import { renderReportHtml } from "../../src/report/html/page.ts";
import { reviewSection } from "../../src/report/html/review-html.ts";
import { reviewSection as reviewMarkdown } from "../../src/report/review-render.ts";
import { RunReportSchema } from "../../src/report/run-report.ts";
import { htmlStructure } from "../helpers/html-structure.ts";
import { report, runReview } from "./report-html-fixture.ts";

const HOSTILE = `"><script>alert(1)</script><img src=x onerror=alert(2)>'&</style><!--`;

/** A page around a fragment, for the structure check. */
const pageOf = (fragment: string) => `<!doctype html>\n<html><body>${fragment}</body></html>`;

/** The text a reader sees: tags dropped, entities read back. */
function textOf(markup: string): string {
  return markup
    .replace(/<[^>]+>/g, "")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&");
}

/** The review's section of a whole page. */
const sectionOf = (page: string) => page.match(/<section id="review">[\s\S]*?<\/section>/)?.[0] ?? "";

describe("the run review in report.html", () => {
  const review = runReview();
  const section = reviewSection(review)!.text;

  test("sound markup; its parts in report.md's order, the advice for the next run first", () => {
    assert.deepEqual(htmlStructure(pageOf(section)).problems, []);
    assert.match(section, /^<section id="review"><h2>Run review<\/h2><p>4 hypotheses from 2 sources: 1 kept, 1 removed for breaking the tests, 1 for no gain, 1 not tried\.<\/p>/);
    const headings = [...section.matchAll(/<h3>([^<]+)<\/h3>/g)].map((m) => m[1]);
    assert.deepEqual(headings, ["Next run", "Phases and workers", "Failure points", "Hypotheses: expected against measured", "Noise"]);
    assert.match(section, /<h3>Next run<\/h3><ul><li>1 of 6 comparisons ended unknown at the cap of 100 rounds: <strong>--max-runs 200, a quieter machine or --threshold<\/strong><\/li><li>the base waited for a CPU 12\.5% of its wall time: <strong>run on a quieter machine<\/strong><\/li><\/ul>/);
    assert.equal(section.match(/<table>/g)?.length, 4, "phases, workers, hypotheses, sources");
  });

  test("the same words as report.md: every line and every table row of its section", () => {
    const seen = textOf(section);
    const rows = [...section.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((m) => [...m[1]!.matchAll(/<t[hd][^>]*>([\s\S]*?)<\/t[hd]>/g)].map((c) => textOf(c[1]!)));
    for (const line of reviewMarkdown(review)) {
      if (line === "" || /^\|---/.test(line)) continue;
      if (line.startsWith("|")) {
        const cells = line.slice(2, -2).split(" | ");
        assert.ok(rows.some((row) => JSON.stringify(row) === JSON.stringify(cells)), `a row ${line}`);
      } else {
        const words = line.replace(/^#+ /, "").replace(/^- /, "");
        assert.ok(seen.includes(words), words);
      }
    }
  });

  test("phases as people read them, times as on the rest of the page, numbers right-aligned", () => {
    const page = renderReportHtml({ ...report(), review });
    assert.ok(!page.includes("PHASE_"), "no phase by its constant's name");
    assert.ok(!/waited ms|waited_ms|>ms</.test(page), "no raw key");
    assert.match(section, /<tr><td class="num">1<\/td><td>0 preflight<\/td><td class="num">-<\/td><td class="num">-<\/td><td class="num">1<\/td><td>ok<\/td><\/tr>/, "under a millisecond: recorded with the phase before");
    assert.match(section, /<tr><td class="num">1<\/td><td>6 validate plan<\/td><td class="num">1\.1 min<\/td><td class="num">1\.0 min<\/td><td class="num">1<\/td><td>ok<\/td><\/tr>/);
    assert.match(section, /<td>8 execute<\/td><td class="num">1\.6 min<\/td><td class="num">-<\/td><td class="num">2<\/td>/);
    assert.match(section, /<td>8 execute<\/td><td class="num">12\.3 s<\/td><td class="num">-<\/td><td class="num">1<\/td><td><span class="tag tone-neutral">unfinished<\/span><\/td>/);
    assert.match(section, /<td>ln-811<\/td><td>profiler<\/td><td class="num">4\.15 s<\/td><td>ok<\/td><td>-<\/td>/);
    assert.match(section, /<td>ln-812<\/td><td>researcher<\/td><td class="num">-<\/td><td><span class="tag tone-neutral">skipped<\/span><\/td>/);
    assert.match(section, /<li><strong>pause, cycle 1, 6 validate plan<\/strong>: validation said NO_GO; answered after 1\.0 min<\/li>/);
  });

  test("hypotheses expected against measured, tagged by outcome; the sources' tally; the noise", () => {
    assert.match(section, /<td class="num">1<\/td><td><code>H1<\/code><\/td><td>hypotheses\.json<\/td><td class="num">-40% \(40\.0%\)<\/td><td class="num">\+50\.0% alone<\/td><td><span class="tag tone-good">kept<\/span><\/td>/);
    assert.match(section, /<td><code>H2<\/code><\/td><td>hypotheses\.json<\/td><td class="num">5%<\/td><td class="num">-0\.1% alone<\/td><td><span class="tag tone-bad">removed: no gain<\/span><\/td>/);
    assert.match(section, /<td><code>H3<\/code><\/td><td>built-in rules<\/td><td class="num">not stated<\/td><td class="num">not measured<\/td><td><span class="tag tone-bad">removed: broke the tests<\/span><\/td>/);
    assert.match(section, /<td><span class="tag tone-neutral">not tried<\/span><\/td>/);
    assert.match(section, /<th scope="col">source<\/th><th scope="col">kind<\/th><th scope="col" class="num">hypotheses<\/th>/);
    assert.match(section, /<tr><td>hypotheses\.json<\/td><td>file<\/td><td class="num">3<\/td><td class="num">1<\/td><td class="num">0<\/td><td class="num">1<\/td><td class="num">0<\/td><td class="num">1<\/td><\/tr>/);
    assert.match(section, /<h3>Noise<\/h3><ul><li>Comparisons: 6; unknown: 1, of them 1 at the cap of 100 rounds \(the default cap\)<\/li><li>Smallest gain that counts: 2%<\/li>/);
    assert.match(section, /<li>The base waited for a CPU 12\.5% of its wall time \(the host was busy with other work\)<\/li><\/ul><\/section>$/);
  });

  test("a run with nothing to show in a part says so, in report.md's sentences", () => {
    const quiet = reviewSection(runReview({ advice: [], failures: [], hypotheses: [], sources: [], workers: [] }))!.text;
    assert.deepEqual(htmlStructure(pageOf(quiet)).problems, []);
    assert.match(quiet, /<h3>Next run<\/h3><p>Nothing in this run calls for different settings next time\.<\/p>/);
    assert.match(quiet, /<h3>Failure points<\/h3><p>None: no phase failed or was done again, nothing was stopped at a time limit, the run never paused\.<\/p>/);
    assert.match(quiet, /<h3>Hypotheses: expected against measured<\/h3><p>No hypothesis was tried\.<\/p>/);
    assert.equal(quiet.match(/<table>/g)?.length, 1, "the phases only");
  });

  test("hostile hypothesis ids, sources, advice and failures are shown as text, never as markup", () => {
    const evil = runReview({
      hypotheses: [{ ...review.hypotheses[0]!, id: HOSTILE, origin: HOSTILE, expected: HOSTILE, reason: HOSTILE }],
      sources: [{ ...review.sources[0]!, origin: HOSTILE }],
      workers: [{ ...review.workers[0]!, worker: `agent: ${HOSTILE}`, role: HOSTILE, note: HOSTILE }],
      failures: [{ kind: "agent", cycle: null, where: HOSTILE, detail: HOSTILE }],
      advice: [{ rule: HOSTILE, fact: HOSTILE, advice: HOSTILE, headline: HOSTILE }],
      phases: [{ ...review.phases[0]!, label: HOSTILE }],
    });
    const page = renderReportHtml({ ...report(), review: evil });
    assert.deepEqual(htmlStructure(page).problems, []);
    assert.ok(!/<script|<img|<!--/i.test(page));
    assert.equal(page.split("</style>").length, 2);
    const shown = sectionOf(page);
    assert.equal(shown.split("&lt;script&gt;alert(1)&lt;/script&gt;").length - 1, 12, "each once: the hypothesis' id, origin and expected impact, the source, the worker, role and note, the phase, the failure's place and detail, the advice's fact and advice");
  });

  test("a review that does not parse: one line saying so, none of its data", () => {
    for (const bad of [{ phases: "PHASE_0_PREFLIGHT", [HOSTILE]: HOSTILE }, { ...runReview(), noise: { ms: 5, waited_ms: 3 } }, [HOSTILE], HOSTILE]) {
      const note = reviewSection(bad)!.text;
      assert.deepEqual(htmlStructure(pageOf(note)).problems, []);
      assert.match(note, /^<section id="review"><h2>Run review<\/h2><p class="muted">This report's review could not be read \([^<]{1,160}\); it is in report\.json as written\.<\/p><\/section>$/);
      assert.ok(!note.includes("PHASE_") && !note.includes("waited") && !note.includes("alert(1)"), note);
    }
    assert.match(reviewSection({ ...runReview(), noise: { ms: 5 } })!.text, /\(noise\.comparisons: missing\)/, "names where");
    assert.match(reviewSection({ ...runReview(), noise: { ...runReview().noise, cap: "100" } })!.text, /\(noise\.cap: expected number\)/, "and what was expected");
    const unparsed = renderReportHtml({ ...report(), review: { phases: [{ phase: "PHASE_8_EXECUTE", ms: 5 }] } } as never);
    assert.deepEqual(htmlStructure(unparsed).problems, []);
    assert.ok(!unparsed.includes("PHASE_"));
  });

  test("an older report (no review) has no section; one read back from report.json with a review has it", () => {
    const old = JSON.parse(JSON.stringify(report()));
    assert.equal(old.review, undefined);
    const page = renderReportHtml(v.parse(RunReportSchema, old));
    assert.ok(!htmlStructure(page).sections.includes("review"));
    assert.ok(!page.includes("Run review"));
    assert.equal(reviewSection(undefined), null);
    assert.equal(reviewSection(null), null);
    const read = v.parse(RunReportSchema, JSON.parse(JSON.stringify({ ...report(), review })));
    const withReview = renderReportHtml(read);
    const sections = htmlStructure(withReview).sections;
    assert.deepEqual(sections.slice(sections.indexOf("gap"), sections.indexOf("gap") + 3), ["gap", "review", "decisions"]);
    assert.equal(sectionOf(withReview), section);
  });
});
