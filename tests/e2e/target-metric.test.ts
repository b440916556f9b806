// The target's own metric (docs/run.md, "Guardrails") through the compiled binary, on
// tests/fixtures/memory-bound: work.js fills a 160 MiB buffer, then sums in a loop. H1 fills a
// 1 MiB buffer as many bytes' worth (160 passes) and sums the same loop: its peak memory is node's
// own, about 45 MiB against 205 (and it is faster too, by the big buffer's page faults). H2 sums
// a third of the loop: faster by about as much, the peak unchanged. With `--target 50MB` the
// executor judges peak memory: it keeps H1, holds wall time as a guardrail, and removes H2 (it
// gains wall time, not memory); every place that shows the gain shows peak memory's one figure.
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { removeDir } from "../helpers/cli.ts";
import { fixtureRepo, git } from "../helpers/repo.ts";
import { reportOf, runPerfloop, skipWithoutPeakMemory } from "./run-helpers.ts";

const skip = skipWithoutPeakMemory();
const dirs: string[] = [];
after(() => dirs.forEach(removeDir));

const SMALLER = {
  id: "H1",
  description: "A smaller buffer filled more often",
  evidence: "the buffer is the peak",
  change: {
    kind: "edit",
    file: "work.js",
    search: "const buffer = Buffer.alloc(160 * 1024 * 1024);\nbuffer.fill(7);\nlet s = buffer[buffer.length - 1];\nfor (let i = 0; i < 60_000_000; i++) s += i % 7;",
    replace: "const buffer = Buffer.alloc(1024 * 1024);\nfor (let pass = 0; pass < 160; pass++) buffer.fill(7);\nlet s = buffer[buffer.length - 1];\nfor (let i = 0; i < 60_000_000; i++) s += i % 7;",
  },
};

const FASTER = {
  id: "H2",
  description: "A shorter loop",
  evidence: "the loop is the time",
  change: { kind: "edit", file: "work.js", search: "for (let i = 0; i < 60_000_000; i++) s += i % 7;", replace: "for (let i = 0; i < 20_000_000; i++) s += i % 7;" },
};

const pct = (ratio: number) => `${ratio < 1 ? "-" : "+"}${Math.abs((1 - ratio) * 100).toFixed(1)}%`;

describe("the target's metric", { skip }, () => {
  test("a memory target keeps the change that lowers the peak, removes the one that only saves time, and reports peak memory", { timeout: 300_000 }, async () => {
    const dir = fixtureRepo(dirs, "memory-bound");
    writeFileSync(join(dir, "hypotheses.json"), JSON.stringify({ version: 1, hypotheses: [SMALLER, FASTER] }));
    const result = await runPerfloop(["run", "node work.js", "--test", "sh test.sh", "--hypotheses", "hypotheses.json", "--target", "50MB", "--max-cycles", "1", "--slug", "memory", "--yes", "--max-runs", "30"], { cwd: dir });
    assert.equal(result.code, 0, result.stderr);
    const report = reportOf(dir, "memory");
    const cycle = report.cycles[0];
    assert.deepEqual(cycle.kept.map((k: { id: string }) => k.id), ["H1"], JSON.stringify(cycle.removed));
    // H2 makes the command faster, which a memory target does not count.
    const h2 = cycle.removed.find((r: { id: string }) => r.id === "H2");
    assert.ok(h2, JSON.stringify(cycle.removed));
    // Its peak is the same to a fraction of a percent (0.999 and 1.001 were seen): its label reads
    // its interval, "no difference", or "slower"/"faster, less than ..." when noise puts the whole
    // interval just beside 1 (src/measure/verdict.ts describeOutcome); never kept.
    const same = /^(no difference|unknown|slower|faster, less than the [\d.]+% minimum effect): peak memory median ratio (\d+\.\d+)/.exec(h2.reason);
    assert.ok(same && Math.abs(Number(same[2]) - 1) < 0.02, h2.reason);
    // The cycle's figure is peak memory's paired ratio, not wall time's.
    const ratio: number = cycle.ratio;
    assert.ok(ratio < 0.5, `peak memory ratio ${ratio}`);
    const wall = cycle.guardrails.find((g: { metric: string }) => g.metric === "wall_time_ms");
    assert.equal(wall.verdict, "held", JSON.stringify(cycle.guardrails));
    // H1 does the base's work without the big buffer's page faults: not slower.
    assert.ok(wall.ratio < 1.02, `wall time: ${JSON.stringify(wall)}`);
    assert.ok(!cycle.guardrails.some((g: { metric: string }) => g.metric === "memory_peak_mb"), JSON.stringify(cycle.guardrails));

    // One figure: the cycle, the run, the peak-memory rows, the headline, the commit message.
    const gain = (1 - ratio) * 100;
    const close = (value: number, what: string) => assert.ok(Math.abs(value - gain) < 1e-9, `${what}: ${value} against the cycle's ${gain}`);
    close(cycle.improvement_pct, "the cycle's improvement_pct");
    close(report.improvement_pct, "the run's improvement_pct");
    close(cycle.metrics.find((m: { metric: string }) => m.metric === "memory_peak_mb").improvement_pct, "the cycle's peak-memory row");
    close(report.metrics.find((m: { metric: string }) => m.metric === "memory_peak_mb").improvement_pct, "the run's peak-memory row");
    const memory = report.metrics.find((m: { metric: string }) => m.metric === "memory_peak_mb");
    assert.ok(memory.before > 100 && memory.after < 50, `peak memory ${memory.before} -> ${memory.after} MiB`);
    assert.equal(report.final_result, "TARGET_MET");
    const shown = pct(ratio);
    assert.ok(result.stdout.split("\n")[0]!.startsWith(`Target met: peak memory ${shown} (`), result.stdout);
    const md = readFileSync(join(dir, report.files.report_md), "utf8");
    assert.ok(md.includes(`**Target met:** peak memory ${shown} (`), md);
    const message = git(dir, "log", "-1", "--format=%B", cycle.commit);
    assert.ok(message.includes(`peak memory -${gain.toFixed(1)}%`), message);
  });
});
