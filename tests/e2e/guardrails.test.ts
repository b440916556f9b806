// Guardrails (docs/run.md, "Guardrails") through the compiled binary, on tests/fixtures/memory-hog:
// H1 makes the target about 1.3x faster by filling a 64 MiB table, about 2.4x the peak memory. It is
// removed for the memory guardrail; with --allow-regression memory it is kept, and the report says
// that the guardrail regressed and was allowed.
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { removeDir } from "../helpers/cli.ts";
import { fixtureRepo } from "../helpers/repo.ts";
import { reportOf, runPerfloop, skipWithoutPeakMemory } from "./run-helpers.ts";

const skip = skipWithoutPeakMemory();
const dirs: string[] = [];
after(() => dirs.forEach(removeDir));

const HOG = {
  id: "H1",
  description: "A precomputed table instead of most of the loop",
  evidence: "the loop is the whole time",
  change: {
    kind: "edit",
    file: "work.js",
    search: "let s = 0;\nfor (let i = 0; i < 60_000_000; i++) s += i % 7;",
    replace: "const table = Buffer.alloc(64 * 1024 * 1024, 1);\nlet s = table[0];\nfor (let i = 0; i < 2_000_000; i++) s += i % 7;",
  },
};

describe("guardrails", { skip }, () => {
  test("a change that is faster but more than doubles peak memory is removed for the memory guardrail, and kept with --allow-regression memory", { timeout: 300_000 }, async () => {
    const dir = fixtureRepo(dirs, "memory-hog");
    writeFileSync(join(dir, "hypotheses.json"), JSON.stringify({ version: 1, hypotheses: [HOG] }));
    const args = ["run", "node work.js", "--test", "sh test.sh", "--hypotheses", "hypotheses.json", "--target", "-90%", "--max-cycles", "1", "--yes", "--max-runs", "40"];
    const guarded = await runPerfloop([...args, "--slug", "guarded"], { cwd: dir });
    assert.equal(guarded.code, 0, guarded.stderr);
    const removed = reportOf(dir, "guarded").cycles[0].removed;
    assert.deepEqual(removed.map((r: { id: string }) => r.id), ["H1"]);
    assert.match(removed[0].reason, /^the memory guardrail: peak memory \d+\.\d\dx the base's \(95% CI .*\), beyond the \d+(\.\d)?% minimum effect \(--allow-regression memory keeps such a change\)$/);

    const allowed = await runPerfloop([...args, "--slug", "allowed", "--allow-regression", "memory"], { cwd: dir });
    assert.equal(allowed.code, 0, allowed.stderr);
    const report = reportOf(dir, "allowed");
    const cycle = report.cycles[0];
    assert.deepEqual(cycle.kept.map((k: { id: string }) => k.id), ["H1"]);
    const memory = cycle.guardrails.find((g: { metric: string }) => g.metric === "memory_peak_mb");
    assert.equal(memory.verdict, "regressed");
    assert.equal(memory.allowed, true);
    assert.ok(memory.ratio_ci[0] > 1.5, JSON.stringify(memory));
    assert.ok(report.warnings.some((w: string) => /^(cycle 1: )?H1 raised peak memory \d+\.\d\dx .*kept because of --allow-regression memory$/.test(w)), report.warnings.join("\n"));
    const md = readFileSync(join(dir, report.files.report_md), "utf8");
    assert.match(md, /- peak memory regressed, allowed by --allow-regression memory: H1 against the base, ratio /);
    // A bad value is refused before anything runs.
    const bad = await runPerfloop([...args, "--slug", "bad", "--allow-regression", "speed"], { cwd: dir });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--allow-regression "speed" names no guardrail/);
  });
});
