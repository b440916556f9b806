// One figure per change (docs/measurement.md), end to end through the compiled binary: a run
// keeps the closed form and drops a no-op found by bisection, so the kept set is compared with the
// base more than once and its figure pools those rounds. Every place that shows the gain — the
// headline and tables of report.md, report.json's run, cycle and metric rows, the experiment
// log's final row, the terminal summary and the commit message — shows the same number.
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { after, describe, test } from "node:test";
import { removeDir } from "../helpers/cli.ts";
import { CLOSED_FORM, fixtureRepo, git, reportOf, runPerfloop, TARGET, TEST } from "./run-helpers.ts";

const skip = process.env.PERFLOOP_BIN ? false : "set PERFLOOP_BIN to the compiled binary (npm run build) to run the e2e tests";
const dirs: string[] = [];
after(() => dirs.forEach(removeDir));

/** A change that does nothing for speed, in another file than the fix (so the two never overlap). */
const NO_OP = { id: "H2", description: "A comment in the tests", evidence: "none", change: { kind: "edit", file: "test.sh", search: "echo ok", replace: "echo ok # checked" } };

const pct = (ratio: number) => `${(1 - ratio) * 100 > 0 ? "-" : "+"}${Math.abs((1 - ratio) * 100).toFixed(1)}%`;

describe("one figure per change", { skip }, () => {
  test("the kept change's gain is the same number in every place that shows it", { timeout: 240_000 }, async () => {
    const dir = fixtureRepo(dirs);
    writeFileSync(join(dir, "hypotheses.json"), JSON.stringify({ version: 1, hypotheses: [CLOSED_FORM, NO_OP] }));
    const result = await runPerfloop(["run", TARGET, "--test", TEST, "--hypotheses", "hypotheses.json", "--target", "-99.9%", "--max-cycles", "1", "--slug", "figure", "--yes", "--max-runs", "60"], { cwd: dir });
    assert.equal(result.code, 0, result.stderr);
    const report = reportOf(dir, "figure");
    const cycle = report.cycles[0];
    assert.deepEqual(cycle.kept.map((k: { id: string }) => k.id), ["H1"]);
    assert.ok(cycle.removed.some((r: { id: string }) => r.id === "H2"), JSON.stringify(cycle.removed));
    const ratio: number = cycle.ratio;
    const gain = (1 - ratio) * 100;
    const close = (value: number, what: string) => assert.ok(Math.abs(value - gain) < 1e-9, `${what}: ${value} against the cycle's ${gain}`);
    close(cycle.improvement_pct, "the cycle's improvement_pct");
    close(report.improvement_pct, "the run's improvement_pct");
    close(report.cycles[0].metrics.find((m: { metric: string }) => m.metric === "wall_time_ms").improvement_pct, "the cycle's wall-time row");
    close(report.metrics.find((m: { metric: string }) => m.metric === "wall_time_ms").improvement_pct, "the run's wall-time row");
    assert.ok(Math.abs(report.multiplier - 1 / ratio) < 1e-9);

    // The log: one final row, status kept, with the pooled figure and the commit; the kept set was
    // compared with the base at least twice (the strike's bisection, then its confirmation).
    const log = readFileSync(join(dir, report.files.experiment_log), "utf8").trimEnd().split("\n").map((line) => line.split("\t"));
    const [header, ...rows] = log;
    const column = (name: string) => header!.indexOf(name);
    const final = rows.filter((r) => r[column("phase")] === "final");
    assert.equal(final.length, 1, log.join("\n"));
    assert.equal(final[0]![column("status")], "kept");
    assert.equal(final[0]![column("improvement_pct")], gain.toFixed(2));
    assert.equal(final[0]![column("ratio")], ratio.toFixed(4));
    assert.equal(final[0]![column("commit")], cycle.commit);
    const againstBase = rows.filter((r) => r[column("hypotheses")] === "H1" && r[column("phase")] !== "final");
    assert.ok(againstBase.length >= 2, log.join("\n"));
    const pooled = againstBase.reduce((n, r) => n + Number(r[column("rounds")]), 0);
    assert.equal(Number(final[0]![column("rounds")]), pooled);
    assert.deepEqual(cycle.runs, [pooled, pooled]);

    // The words: report.md's headline, table and cycle line, the terminal summary, the commit.
    const shown = pct(ratio);
    const md = readFileSync(join(dir, report.files.report_md), "utf8");
    assert.match(md, new RegExp(`\\*\\*(Target met|Improved):\\*\\* wall time ${shown.replace(/[+.]/g, "\\$&")}`));
    assert.ok(md.split("\n").some((line) => line.startsWith("| wall time") && line.includes(shown)), md);
    assert.ok(md.includes(`kept H1 (${shown}`), md);
    assert.ok(result.stdout.includes(`wall time ${shown}`), result.stdout);
    // The headline carries the figure's interval and n, the cycle's own.
    const change = (r: number) => `${r > 1 ? "+" : "-"}${Math.abs((r - 1) * 100).toFixed(1)}%`;
    const headlineCi = `; 95% CI ${change(cycle.ratio_ci[0])} to ${change(cycle.ratio_ci[1])}, n ${pooled})`;
    assert.ok(md.split("\n")[2]!.includes(headlineCi), `${md.split("\n")[2]} lacks ${headlineCi}`);
    assert.ok(result.stdout.split("\n")[0]!.includes(headlineCi), result.stdout);
    assert.ok(result.stdout.includes(`kept H1 (${shown}`), result.stdout);
    const message = git(dir, "log", "-1", "--format=%B", cycle.commit);
    assert.ok(message.includes(`wall time -${gain.toFixed(1)}%`), message);
    // The no-op's reason reads its interval: never "no difference" when the interval excludes 1.
    const noOp = cycle.removed.find((r: { id: string }) => r.id === "H2").reason as string;
    const interval = /95% CI (\d\.\d+)-(\d\.\d+)/.exec(noOp);
    if (interval && (Number(interval[1]) > 1 || Number(interval[2]) < 1)) assert.doesNotMatch(noOp, /no difference/);
  });
});
