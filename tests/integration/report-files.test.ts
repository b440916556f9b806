// Every run's report is kept by its run id; the newest is also at the usual place
// (src/coordinator/report-files.ts). A report written before that layout is kept too.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { archivedReportPaths, reportFileOf, reportHtmlOf, reportPaths, writeReportFiles } from "../../src/coordinator/report-files.ts";
import { removeDir, tempDir } from "../helpers/cli.ts";

const dirs: string[] = [];
after(() => dirs.forEach(removeDir));

const SLUG = "sum";
const FIRST = "ln-810-sum-1000-aaaaaaaa";
const SECOND = "ln-810-sum-2000-bbbbbbbb";

function root(): string {
  const dir = tempDir("perfloop-reports-");
  dirs.push(dir);
  return dir;
}

const report = (runId: string) => ({ version: 1, slug: SLUG, run_id: runId, final_result: `result of ${runId}` });
const json = (path: string) => JSON.parse(readFileSync(path, "utf8"));

test("a second run of a slug keeps the first run's report by its run id; the usual place holds the newest", () => {
  const dir = root();
  writeReportFiles(dir, report(FIRST), "# first\n", 7);
  writeReportFiles(dir, report(SECOND), "# second\n", 7);
  const usual = reportPaths(dir, SLUG);
  assert.equal(usual.json, join(dir, ".hex-skills/optimization/sum/report.json"));
  assert.equal(json(usual.json).run_id, SECOND);
  assert.equal(readFileSync(usual.md, "utf8"), "# second\n");
  for (const [runId, md] of [[FIRST, "# first\n"], [SECOND, "# second\n"]] as const) {
    const kept = archivedReportPaths(dir, SLUG, runId);
    assert.equal(kept.json, join(dir, ".hex-skills/optimization/sum/runs", runId, "report.json"));
    assert.deepEqual(json(kept.json), report(runId));
    assert.equal(readFileSync(kept.md, "utf8"), md);
    assert.equal(reportFileOf(dir, SLUG, runId), kept.json);
  }
  assert.equal(reportFileOf(dir, SLUG, "ln-810-sum-3000-cccccccc"), null);
});

test("a report written at the usual place only (before runs/) is kept under its run id before the next one replaces it", () => {
  const dir = root();
  const usual = reportPaths(dir, SLUG);
  mkdirSync(join(usual.json, ".."), { recursive: true });
  writeFileSync(usual.json, `${JSON.stringify(report(FIRST))}\n`);
  writeFileSync(usual.md, "# old\n");
  assert.equal(reportFileOf(dir, SLUG, FIRST), usual.json, "found at the usual place while it is this run's");
  writeReportFiles(dir, report(SECOND), "# second\n", 7);
  const kept = archivedReportPaths(dir, SLUG, FIRST);
  assert.deepEqual(json(kept.json), report(FIRST));
  assert.equal(readFileSync(kept.md, "utf8"), "# old\n");
  assert.equal(reportFileOf(dir, SLUG, FIRST), kept.json);
  assert.equal(json(usual.json).run_id, SECOND);
});

test("a damaged report at the usual place, or one naming an unsafe run id, is replaced and not copied anywhere", () => {
  for (const text of ["{not json", `${JSON.stringify({ run_id: "../../escape" })}\n`, `${JSON.stringify({ run_id: 12 })}\n`]) {
    const dir = root();
    const usual = reportPaths(dir, SLUG);
    mkdirSync(join(usual.json, ".."), { recursive: true });
    writeFileSync(usual.json, text);
    writeReportFiles(dir, report(SECOND), "# second\n", 7);
    assert.equal(json(usual.json).run_id, SECOND, text);
    assert.equal(existsSync(join(dir, ".hex-skills/optimization/escape")), false);
    assert.equal(existsSync(join(dir, ".hex-skills/escape")), false);
  }
});

test("report.html beside report.md, kept by run id too; reportHtmlOf names the usual place while it is the run's, then the kept copy", () => {
  const dir = root();
  writeReportFiles(dir, report(FIRST), "# first\n", 7, "<p>first</p>");
  const usual = reportPaths(dir, SLUG);
  assert.equal(usual.html, join(dir, ".hex-skills/optimization/sum/report.html"));
  assert.equal(readFileSync(usual.html, "utf8"), "<p>first</p>");
  assert.equal(reportHtmlOf(dir, SLUG, FIRST), usual.html);
  writeReportFiles(dir, report(SECOND), "# second\n", 7, "<p>second</p>");
  assert.equal(readFileSync(usual.html, "utf8"), "<p>second</p>");
  assert.equal(reportHtmlOf(dir, SLUG, SECOND), usual.html);
  const kept = archivedReportPaths(dir, SLUG, FIRST).html;
  assert.equal(readFileSync(kept, "utf8"), "<p>first</p>");
  assert.equal(reportHtmlOf(dir, SLUG, FIRST), kept);
  assert.equal(reportHtmlOf(dir, SLUG, "ln-810-sum-3000-cccccccc"), null);
  // A report written before report.html: no page, and none is made up.
  const older = root();
  writeReportFiles(older, report(FIRST), "# first\n", 7);
  assert.equal(existsSync(reportPaths(older, SLUG).html), false);
  assert.equal(reportHtmlOf(older, SLUG, FIRST), null);
});

test("a report at the usual place only, with its page, keeps the page under its run id before the next run replaces it", () => {
  const dir = root();
  const usual = reportPaths(dir, SLUG);
  mkdirSync(join(usual.json, ".."), { recursive: true });
  writeFileSync(usual.json, `${JSON.stringify(report(FIRST))}\n`);
  writeFileSync(usual.html, "<p>old</p>");
  writeReportFiles(dir, report(SECOND), "# second\n", 7, "<p>second</p>");
  assert.equal(readFileSync(archivedReportPaths(dir, SLUG, FIRST).html, "utf8"), "<p>old</p>");
});
