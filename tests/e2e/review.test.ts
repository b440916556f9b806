// The run review end to end through the compiled binary, on a repository made from
// tests/fixtures/sum-loop: three hypotheses from one file (the closed form, a change of a comment,
// one that breaks the tests) and a target the closed form cannot reach. report.json's `review`
// counts them as kept, removed for no gain and removed for breaking the tests; its noise agrees
// with the experiment log, read here on its own; its advice names the dead end (no hypothesis
// left, no agent); report.md has the section and the terminal summary the headline.
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { after, describe, test } from "node:test";
import { removeDir } from "../helpers/cli.ts";
import { CLOSED_FORM, fixtureRepo, reportOf, runPerfloop, TARGET, TEST } from "./run-helpers.ts";

const skip = process.env.PERFLOOP_BIN ? false : "set PERFLOOP_BIN to the compiled binary (npm run build) to run the e2e tests";
const dirs: string[] = [];
after(() => dirs.forEach(removeDir));

/** The cap of rounds per comparison: small, so the run stays short. */
const CAP = 60;

const HYPOTHESES = [
  { ...CLOSED_FORM, expected_impact: "10x" },
  { id: "H2", description: "Reword the header comment", expected_impact: "low", evidence: "none", change: { kind: "edit", file: "work.sh", search: "the slow way", replace: "the slow way, on purpose" } },
  { id: "H3", description: "Print a constant", evidence: "none", change: { kind: "edit", file: "work.sh", search: "echo $s", replace: "echo 0" } },
];

describe("the run review", { skip }, () => {
  test("report.json's review counts each source's hypotheses, agrees with the experiment log, and advises on the dead end", { timeout: 60_000 }, async () => {
    const dir = fixtureRepo(dirs);
    writeFileSync(join(dir, "hypotheses.json"), JSON.stringify({ version: 1, hypotheses: HYPOTHESES }));
    const result = await runPerfloop(["run", TARGET, "--test", TEST, "--hypotheses", "hypotheses.json", "--target", "-99.9%", "--slug", "rev", "--yes", "--json", "--max-runs", String(CAP)], { cwd: dir, limitMs: 50_000 });
    assert.equal(result.code, 0, result.stderr);
    const review = reportOf(dir, "rev").review;
    // The printed report is built once the run is complete: it also times phase 11, which report.json is written in.
    assert.deepEqual({ ...result.json.review, phases: null }, { ...review, phases: null });

    // Per phase and per worker: cycle 1 ran every phase, each worker recorded its result.
    const executed = review.phases.find((p: { phase: string }) => p.phase === "PHASE_8_EXECUTE");
    assert.ok(executed.ms > 0 && executed.status === "ok" && executed.attempts === 1, JSON.stringify(executed));
    assert.deepEqual(review.workers.map((w: { worker: string; status: string }) => `${w.worker} ${w.status}`), ["ln-811 ok", "ln-812 ok", "ln-813 ok", "ln-814 ok"]);
    assert.deepEqual(review.failures, []);

    // Each hypothesis: where it came from, what it expected, what became of it.
    const byId = Object.fromEntries(review.hypotheses.map((h: { id: string }) => [h.id, h]));
    assert.deepEqual([byId.H1.outcome, byId.H2.outcome, byId.H3.outcome], ["kept", "removed_no_gain", "removed_tests"]);
    assert.deepEqual([byId.H1.expected_pct, byId.H2.expected_pct, byId.H3.expected], [90, 10, null]);
    assert.equal(byId.H3.measured, "not_measured");
    assert.deepEqual(review.sources, [{ origin: "hypotheses.json", source: "file", hypotheses: 3, kept: 1, removed_tests: 1, removed_no_gain: 1, removed_other: 0, not_tried: 0 }]);

    // The measured gain and the noise, counted again here from the experiment log's rows.
    const [header, ...lines] = readFileSync(join(dir, ".hex-skills/optimization/rev/ln-814-log.tsv"), "utf8").trim().split("\n");
    const columns = header!.split("\t");
    const rows = lines.map((line) => Object.fromEntries(line.split("\t").map((cell, i) => [columns[i], cell])));
    const alone = rows.filter((r) => r.hypotheses === "H1" && r.ratio !== "").at(-1)!;
    assert.ok(Math.abs(byId.H1.measured_pct - (1 - Number(alone.ratio)) * 100) < 0.02, `${JSON.stringify(byId.H1)} against ${JSON.stringify(alone)}`);
    assert.equal(byId.H1.measured, "alone");
    const measured = rows.filter((r) => r.rounds !== "" && r.phase !== "final");
    const unknown = measured.filter((r) => r.outcome === "unknown" || r.outcome!.startsWith("faster, not proven"));
    const atCap = unknown.filter((r) => Number(r.rounds) >= CAP);
    assert.ok(measured.length >= 2, JSON.stringify(rows));
    assert.deepEqual([review.noise.comparisons, review.noise.unknown, review.noise.unknown_at_cap, review.noise.cap, review.noise.cap_from_flag], [measured.length, unknown.length, atCap.length, CAP, true]);
    assert.ok(review.noise.base_spread_pct > 0, JSON.stringify(review.noise));

    // The advice: the target is out of reach and nothing is left to try, with no agent to ask.
    const rules = review.advice.map((a: { rule: string }) => a.rule);
    assert.equal(rules[0], "no_hypotheses_left");
    assert.match(review.advice[0].advice, /--agent claude/);
    assert.equal(rules.includes("unknown_at_cap"), atCap.length > 0, "the cap advice exactly when a comparison hit the cap");

    const md = readFileSync(join(dir, ".hex-skills/optimization/rev/report.md"), "utf8");
    assert.match(md, /^## Run review$/m);
    assert.match(md, /^3 hypotheses from 1 source: 1 kept, 1 removed for breaking the tests, 1 for no gain\.$/m);
    assert.match(md, /^\| 1 \| H3 \| hypotheses\.json \| not stated \| not measured \| removed: broke the tests \|$/m);

    const text = await runPerfloop(["report", "--slug", "rev"], { cwd: dir });
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^review {5}the target -99\.9% is not met and no hypothesis was left to try after cycle 1: add an agent \(--agent claude\)$/m);
  });
});
