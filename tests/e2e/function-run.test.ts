// A function target through the whole loop with the compiled binary (docs/run.md, "Functions"):
// tests/fixtures/slow-lookup exports run(), which looks 2,000 values up in an array with
// includes(). H1 puts the array in a Set (about 10x faster per call), H2 skips half the values
// (faster, and the tests catch the wrong count), H3 adds a comment (no difference). The executor
// times the export with mitata in a fresh process of perfloop per round in each side tree, A and B
// interleaved, and keeps H1 alone; the report's table shows the time per call.
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { removeDir } from "../helpers/cli.ts";
import { fixtureRepo, git, personState } from "../helpers/repo.ts";
import { NO_GAIN, reportOf, runPerfloop } from "./run-helpers.ts";

const skip = process.env.PERFLOOP_BIN ? false : "set PERFLOOP_BIN to the compiled binary (npm run build) to run the e2e tests";
const dirs: string[] = [];
after(() => dirs.forEach(removeDir));

const LOOP = "  let hits = 0;\n  for (const value of wanted) if (known.includes(value)) hits++;";
const HYPOTHESES = [
  { id: "H1", description: "A Set for the known values", evidence: "includes() is linear", change: { kind: "edit", file: "lookup.mjs", search: LOOP, replace: "  const set = new Set(known);\n  let hits = 0;\n  for (const value of wanted) if (set.has(value)) hits++;" } },
  { id: "H2", description: "Look up half the values", evidence: "less work", change: { kind: "edit", file: "lookup.mjs", search: "for (const value of wanted)", replace: "for (const value of wanted.slice(0, 1000))" } },
  { id: "H3", description: "A comment", evidence: "none", change: { kind: "edit", file: "lookup.mjs", search: "export function run() {", replace: "// Counts the wanted values that are known.\nexport function run() {" } },
];

describe("perfloop run on a function target", { skip }, () => {
  test("the whole loop keeps the real fix alone and reports the time per call", { timeout: 300_000 }, async () => {
    const dir = fixtureRepo(dirs, "slow-lookup");
    writeFileSync(join(dir, "hypotheses.json"), JSON.stringify({ version: 1, hypotheses: HYPOTHESES }));
    const before = personState(dir);
    const result = await runPerfloop(["run", "fn:lookup.mjs#run", "--test", "sh test.sh", "--hypotheses", "hypotheses.json", "--max-cycles", "1", "--slug", "fn", "--yes", "--max-runs", "20"], { cwd: dir });
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(personState(dir), before, "the person's files, index or branch changed");

    const report = reportOf(dir, "fn");
    const cycle = report.cycles[0];
    assert.deepEqual(cycle.kept.map((k: { id: string }) => k.id), ["H1"], JSON.stringify(cycle.removed));
    const reasons = Object.fromEntries(cycle.removed.map((r: { id: string; reason: string }) => [r.id, r.reason]));
    assert.match(reasons.H2, /breaks the tests/);
    // A comment changes nothing: removed as no difference, unknown, or a gain within the noise (the minimum effect).
    assert.match(reasons.H3, NO_GAIN);
    assert.ok(cycle.ratio < 0.5, `time per call ratio ${cycle.ratio}`);

    // The before/after table is the function's own metrics, led by its time per call.
    const rows = report.metrics.map((m: { metric: string }) => m.metric);
    assert.equal(rows[0], "time_per_call_ns", JSON.stringify(report.metrics));
    assert.ok(!rows.includes("wall_time_ms"), `a round process's wall time is not the function's: ${rows}`);
    const perCall = report.metrics[0];
    assert.ok(perCall.before > perCall.after && perCall.after > 0, JSON.stringify(perCall));
    assert.match(result.stdout, /time per call +[\d.]+ [µm]s +[\d.]+ [µn]?s +-\d/);
    assert.match(readFileSync(join(dir, report.files.report_md), "utf8"), /time per call/);

    // The branch holds H1's change, and the function still gives the same answer there.
    const kept = git(dir, "show", `${cycle.commit}:lookup.mjs`);
    assert.ok(kept.includes("new Set(known)") && !kept.includes("slice(0, 1000)") && !kept.includes("Counts the wanted"), kept);
  });

  test("a missing export is refused at preflight with one line, and nothing is written", { timeout: 120_000 }, async () => {
    const dir = fixtureRepo(dirs, "slow-lookup");
    const before = personState(dir);
    const result = await runPerfloop(["run", "fn:lookup.mjs#missing", "--test", "sh test.sh", "--yes"], { cwd: dir });
    assert.equal(result.code, 2, result.stderr);
    const lines = result.stderr.trim().split("\n").filter((line) => line.startsWith("perfloop:"));
    assert.equal(lines.length, 1, result.stderr);
    assert.match(lines[0]!, /missing/);
    assert.doesNotMatch(result.stderr, /\n\s+at /, "a stack trace");
    assert.deepEqual(personState(dir), before);
  });
});
