// report.html end to end through the compiled binary, on real runs of tests/fixtures/sum-loop
// (docs/report-html.md): a met target whose strike breaks the tests (a bisection removes the
// breaker, whose description is hostile markup), a diagnostic BLOCK, a NO_GO pause answered with
// a waiver, and a multi-cycle plateau. Each page is checked for its structure (sound markup, no
// element or attribute the renderer does not write, sections in report.md's order, a chart and a
// table per figure, a dot per kept round) and is what `perfloop report --format html` prints; the
// plateau's page is opened in headless Chromium, which must render it without a console message,
// and screenshot. Chromium is Debian's `chromium` package; where it is missing that test skips and
// says so. REPORT_SCREENSHOT=<path.png> keeps the screenshot (docs/report-screenshot.png is one).
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import process from "node:process";
import { after, describe, test } from "node:test";
import { removeDir } from "../helpers/cli.ts";
import { htmlStructure, type Structure } from "../helpers/html-structure.ts";
import { CLOSED_FORM, fixtureRepo, git, NOT_APPLYING, runPerfloop, TARGET, TEST } from "./run-helpers.ts";

const skip = process.env.PERFLOOP_BIN ? false : "set PERFLOOP_BIN to the compiled binary (npm run build) to run the e2e tests";
const dirs: string[] = [];
after(() => dirs.forEach(removeDir));

/** Comparisons in the fixture decide fast (a large effect) or reach this cap soon (no effect). */
const FAST = ["--max-runs", "60"];

/** The closed form, described in markup that must stay text. */
const HOSTILE_CLOSED_FORM = { ...CLOSED_FORM, description: `Gauss's closed form <script>alert("x")</script> & <img src=x onerror=alert(1)>` };
/** A hypothesis that breaks the tests: work.sh then ignores its argument. */
const BREAKS_TESTS = {
  id: "H3",
  description: "Read n from the second argument",
  evidence: "none",
  change: { kind: "edit", file: "work.sh", search: "n=${1:-12000}", replace: "n=${2:-12000}" },
};

/**
 * A research agent for the plateau: cycle 1 sums the first quarter in closed form and drops the
 * wasted step (about 35% less time: decided in a few rounds, and the result stays above the
 * gate's 10 ms norm for a small process); cycle 2 rewords a comment (no gain: a plateau).
 */
const PLATEAU_AGENT = `
const plan = {
  1: [{ id: "H1", description: "The first quarter in closed form, no wasted step", evidence: "the loop is the whole time",
        change: { kind: "edit", file: "work.sh", search: "i=0\\ns=0\\nwhile [ $i -lt $n ]; do\\n  i=$((i + 1))\\n  t=$((i * 1))\\n  s=$((s + t))\\ndone",
                  replace: "i=$((n / 4))\\ns=$((i * (i + 1) / 2))\\nwhile [ $i -lt $n ]; do\\n  i=$((i + 1))\\n  s=$((s + i))\\ndone" } }],
  2: [{ id: "H2", description: "Reword the header comment", evidence: "none", change: { kind: "edit", file: "work.sh", search: "the slow way", replace: "the slow way, on purpose" } }],
};
let input = "";
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", () => console.log(JSON.stringify({ version: 1, hypotheses: plan[JSON.parse(input).cycle] ?? [] })));
`;

/** Every top-level section the page may have, in the page's (and report.md's) order. */
const ORDER = ["summary", "before-after", "profile", "cycles", "diagnosis", "gap", "review", "decisions", "agent-calls", "time", "warnings", "files"];

function hypotheses(dir: string, list: object[]): void {
  writeFileSync(join(dir, "hypotheses.json"), JSON.stringify({ version: 1, hypotheses: list }, null, 2));
}

interface Page {
  html: string;
  report: Record<string, any>;
  structure: Structure;
}

/** The run's report.html checked for what every page must hold, and the same bytes as `perfloop report --format html`. */
async function checkedPage(dir: string, slug: string): Promise<Page> {
  const base = join(dir, ".hex-skills", "optimization", slug);
  const report = JSON.parse(readFileSync(join(base, "report.json"), "utf8"));
  assert.equal(report.files.report_html, `.hex-skills/optimization/${slug}/report.html`);
  const html = readFileSync(join(dir, report.files.report_html), "utf8");
  assert.equal(readFileSync(join(base, "runs", report.run_id, "report.html"), "utf8"), html, "the run's kept copy");
  const structure = htmlStructure(html);
  assert.deepEqual(structure.problems, []);
  const top = structure.sections.filter((id) => !id.startsWith("cycle-"));
  assert.deepEqual(top, ORDER.filter((id) => top.includes(id)), "sections in report.md's order");
  for (const id of ["summary", "before-after", "cycles", "files"]) assert.ok(top.includes(id), `section ${id}`);
  assert.deepEqual(structure.sections.filter((id) => id.startsWith("cycle-")), report.cycles.map((c: { cycle: number }) => `cycle-${c.cycle}`));
  const figures = [...html.matchAll(/<figure class="figure">([\s\S]*?)<\/figure>/g)].map((m) => m[1]!);
  assert.equal(figures.length, structure.counts.get("svg") ?? 0, "every chart is in a figure");
  for (const figure of figures) {
    assert.equal(figure.match(/<svg /g)?.length, 1);
    assert.equal(figure.match(/<table>/g)?.length, 1, "a table of the chart's numbers beside it");
  }
  // A strip plot per cycle that measured something, a dot per kept round, a tree per cycle.
  const measured = report.cycles.flatMap((c: { comparisons: { ratio: number | null; round_ratios: number[] }[] }) => c.comparisons.filter((x) => x.ratio !== null));
  assert.equal([...html.matchAll(/<circle [^>]*class="dot /g)].length, measured.reduce((n: number, c: { round_ratios: number[] }) => n + c.round_ratios.length, 0));
  for (const c of measured) assert.ok(c.round_ratios.length > 0 && c.round_ratios.every((r: number) => r > 0), JSON.stringify(c));
  for (const c of report.cycles) assert.match(html, new RegExp(`<svg class="chart" id="chart-steps-${c.cycle}"`));
  assert.match(html, new RegExp(`<p class="headline tone-(good|neutral|bad)"><strong>`));
  // The run review, drawn from its schema: its parts, each phase by its label, no raw phase name or key.
  const review = html.match(/<section id="review">[\s\S]*?<\/section>/)?.[0];
  assert.ok(report.review && review, "a run writes its review, and the page shows it");
  for (const heading of ["Next run", "Phases and workers", "Failure points", "Hypotheses: expected against measured", "Noise"]) assert.ok(review.includes(`<h3>${heading}</h3>`), heading);
  for (const p of report.review.phases) assert.ok(review.includes(`<td>${p.label}</td>`), p.label);
  assert.ok(!/PHASE_|waited ms|could not be read/.test(review), review);
  const printed = await runPerfloop(["report", "--slug", slug, "--format", "html"], { cwd: dir });
  assert.equal(printed.code, 0, printed.stderr);
  assert.equal(printed.stdout, html, "perfloop report --format html prints the same page");
  return { html, report, structure };
}

/** Chromium on PATH (Debian's package), or null. */
function chromium(): string | null {
  for (const name of ["chromium", "chromium-browser"]) {
    const found = spawnSync(name, ["--version"], { encoding: "utf8", timeout: 30_000 });
    if (found.status === 0) return name;
  }
  return null;
}

/** Runs headless Chromium on a page: its stderr (console messages are logged there) and exit code. */
function headless(browser: string, args: string[], profile: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(browser, ["--headless", "--disable-gpu", "--no-sandbox", "--no-first-run", `--user-data-dir=${profile}`, "--enable-logging=stderr", "--v=0", ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill("SIGKILL"), 90_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The width and height a PNG file declares (its IHDR chunk). */
function pngSize(path: string): [number, number] {
  const bytes = readFileSync(path);
  assert.equal(bytes.subarray(1, 4).toString("latin1"), "PNG");
  return [bytes.readUInt32BE(16), bytes.readUInt32BE(20)];
}

const browser = skip ? null : chromium();

describe("report.html of real runs", { skip }, () => {
  /** The plateau's page and its file, for the browser. */
  let plateau: (Page & { file: string }) | null = null;

  test("a met target: the strike breaks the tests, the bisection removes the breaker, its markup stays text", { timeout: 120_000 }, async () => {
    const dir = fixtureRepo(dirs);
    hypotheses(dir, [HOSTILE_CLOSED_FORM, BREAKS_TESTS]);
    const run = await runPerfloop(["run", TARGET, "--test", TEST, "--hypotheses", "hypotheses.json", "--target", "-50%", "--slug", "met", "--yes", ...FAST], { cwd: dir });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^html +\.hex-skills\/optimization\/met\/report\.html$/m, "the terminal summary names the page");
    const page = await checkedPage(dir, "met");
    assert.equal(page.report.final_result, "TARGET_MET");
    assert.match(page.html, /<strong>Target met:<\/strong>/);
    assert.deepEqual(page.report.cycles[0].comparisons.map((c: { phase: string; hypotheses: string[]; status: string }) => `${c.phase} ${c.hypotheses.join(",")} ${c.status}`), ["bisect H3 removed", "strike H1 applied", "final H1 kept"]);
    assert.match(page.html, /bisect H3<\/td><td><span class="tone-bad">breaks the tests; removed<\/span>/);
    assert.match(page.html, /<td>Gauss&#39;s closed form &lt;script&gt;alert\(&quot;x&quot;\)&lt;\/script&gt; &amp; &lt;img src=x onerror=alert\(1\)&gt;<\/td>/);
    assert.ok(!/<script|<img/i.test(page.html));
    // status links a finished run's page.
    const status = await runPerfloop(["status"], { cwd: dir });
    const html = join(dir, ".hex-skills/optimization/met/report.html");
    assert.ok(status.stdout.includes(`  report   ${pathToFileURL(html).href}\n`), status.stdout);
    const json = await runPerfloop(["status", "--json"], { cwd: dir });
    assert.equal(json.json.last_run.report_html, html);
  });

  test("a diagnostic BLOCK: the gate's findings as the diagnosis, nothing executed", { timeout: 120_000 }, async () => {
    const dir = fixtureRepo(dirs);
    hypotheses(dir, [CLOSED_FORM]);
    const run = await runPerfloop(["run", "true", "--test", TEST, "--hypotheses", "hypotheses.json", "--slug", "block", "--yes", "--json"], { cwd: dir });
    assert.equal(run.code, 0, run.stderr);
    const page = await checkedPage(dir, "block");
    assert.equal(page.report.final_result, "DIAGNOSTIC");
    assert.ok(page.structure.sections.includes("diagnosis"));
    assert.match(page.html, /<strong>Diagnostic:<\/strong>/);
    assert.match(page.html, /<section id="diagnosis"><h2>Diagnosis<\/h2><ul><li>[^<]*within_industry_norm/);
    assert.match(page.html, /<dt>Branch<\/dt><dd>none, nothing was kept<\/dd>/);
    assert.equal([...page.html.matchAll(/<circle [^>]*class="dot /g)].length, 0);
  });

  test("a NO_GO pause answered with a waiver: the decision, and the hypothesis that does not apply removed with its reason", { timeout: 180_000 }, async () => {
    const dir = fixtureRepo(dirs);
    hypotheses(dir, [CLOSED_FORM, NOT_APPLYING]);
    const paused = await runPerfloop(["run", TARGET, "--test", TEST, "--hypotheses", "hypotheses.json", "--target", "-50%", "--slug", "nogo", "--yes", ...FAST], { cwd: dir });
    assert.equal(paused.code, 3, paused.stderr);
    assert.ok(!existsSync(join(dir, ".hex-skills/optimization/nogo/report.html")), "a paused run has no page yet");
    const done = await runPerfloop(["resume", "--slug", "nogo", "--decide", "waive"], { cwd: dir });
    assert.equal(done.code, 0, done.stderr);
    assert.match(done.stdout, /^html +\.hex-skills\/optimization\/nogo\/report\.html$/m, "resume's summary names the page");
    const page = await checkedPage(dir, "nogo");
    assert.match(page.html, /<section id="decisions"><h2>Decisions<\/h2>[\s\S]*<td>validation_no_go<\/td><td>waive<\/td>/);
    assert.match(page.html, /<dt>Validation<\/dt><dd>WAIVED<\/dd>/);
    assert.match(page.html, /removed H9<\/td><td><span class="tone-bad">not executed: does not apply to the base/);
    assert.match(page.html, /<strong>Target met:<\/strong>/);
  });

  test("a multi-cycle plateau: a section per cycle, the whole run's row, the gap to the target", { timeout: 240_000 }, async () => {
    const dir = fixtureRepo(dirs);
    // Committed: the agent runs in a side tree made from the base commit.
    writeFileSync(join(dir, "plateau-agent.js"), PLATEAU_AGENT);
    git(dir, "add", "plateau-agent.js");
    git(dir, "commit", "-qm", "the plateau's agent");
    const run = await runPerfloop(["run", TARGET, "--test", TEST, "--agent", "node plateau-agent.js", "--target", "-95%", "--slug", "plat", "--yes", "--json", ...FAST], { cwd: dir });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.json.stop_reason, "PLATEAU");
    const page = await checkedPage(dir, "plat");
    assert.deepEqual(page.structure.sections.filter((id) => id.startsWith("cycle-")), ["cycle-1", "cycle-2"]);
    assert.match(page.html, /<td>Whole run<\/td>/);
    assert.match(page.html, /<section id="gap"><h2>Gap analysis<\/h2><p>target -95% not met/);
    assert.match(page.html, /<td>strike H2<\/td><td class="num">\d+<\/td>/, "cycle 2's comparison in its strip plot's table");
    assert.ok(page.structure.sections.includes("agent-calls"));
    plateau = { ...page, file: join(dir, page.report.files.report_html) };
  });

  test("headless Chromium renders the page without a console message; a screenshot ~1000 px wide", { timeout: 120_000, skip: browser ? false : "Chromium is not installed (Debian: apt-get install chromium): the page is not opened in a browser" }, async (t) => {
    if (!plateau) return t.skip("the plateau run did not finish");
    const url = pathToFileURL(plateau.file).href;
    const work = mkdtempSync(join(tmpdir(), "perfloop-chromium-"));
    dirs.push(work);
    const dom = await headless(browser!, ["--dump-dom", url], join(work, "profile"));
    assert.equal(dom.code, 0, dom.stderr);
    const console = dom.stderr.split("\n").filter((line) => /:CONSOLE[:(\]]/.test(line));
    assert.deepEqual(console, [], "no console message: no error, no blocked request or script");
    // The browser parsed the page as written: the same sections and charts.
    const parsed = htmlStructure(`<!doctype html>\n${dom.stdout.replace(/^<!DOCTYPE html>\n?/i, "")}`);
    assert.deepEqual(parsed.sections, plateau.structure.sections);
    assert.equal(parsed.counts.get("svg"), plateau.structure.counts.get("svg"));
    const shot = join(work, "report.png");
    const taken = await headless(browser!, ["--hide-scrollbars", "--force-device-scale-factor=1", "--window-size=1000,1500", `--screenshot=${shot}`, url], join(work, "profile"));
    assert.equal(taken.code, 0, taken.stderr);
    assert.deepEqual(pngSize(shot), [1000, 1500]);
    if (process.env.REPORT_SCREENSHOT) copyFileSync(shot, process.env.REPORT_SCREENSHOT);
  });
});
