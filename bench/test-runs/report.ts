/**
 * Reads bench/test-runs/run.sh's results: per run, the test runs and distinct trees the suite
 * recorded, what perfloop's report counted, the measured time, the run's wall time and its ratio
 * to the minimum (one test run per distinct tree plus the measured rounds); then the medians.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { median } from "../../src/measure/index.ts";

const dir = process.argv[2] ?? ".";
const runs = readdirSync(dir).filter((name) => /^run-\d+\.report\.json$/.test(name)).sort();
const rows = runs.map((name) => {
  const n = name.match(/\d+/)![0];
  const report = JSON.parse(readFileSync(join(dir, name), "utf8"));
  const trees = readFileSync(join(dir, `run-${n}.trees`), "utf8").trim().split("\n").map((line) => line.split(" "));
  const firstRun = new Map<string, number>();
  for (const [tree, ms] of trees) if (!firstRun.has(tree!)) firstRun.set(tree!, Number(ms));
  const wall = Number(readFileSync(join(dir, `run-${n}.wall-us`), "utf8")) / 1000;
  const e = report.time?.execute;
  const measured = e?.measured_ms ?? 0;
  const distinct = firstRun.size;
  const testsMs = [...firstRun.values()].reduce((sum, ms) => sum + ms, 0);
  const minimum = testsMs + measured;
  const kept = report.cycles.flatMap((c: { kept: { id: string }[] }) => c.kept.map((k) => k.id)).join(",");
  return { n, runs: trees.length, distinct, testsMs, counted: e?.test_runs ?? 0, cached: e?.tests_cached ?? 0, measured, wall, minimum, ratio: wall / minimum, kept };
});
const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
console.log("| run | test runs (the suite's count) | distinct trees | the executor's (+ not run again) | one run per tree | measured | minimum | wall | wall / minimum | kept |");
console.log("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
for (const r of rows) console.log(`| ${r.n} | ${r.runs} | ${r.distinct} | ${r.counted} (+${r.cached}) | ${s(r.testsMs)} | ${s(r.measured)} | ${s(r.minimum)} | ${s(r.wall)} | ${r.ratio.toFixed(2)} | ${r.kept} |`);
const m = (key: "runs" | "distinct" | "wall" | "minimum" | "ratio") => median(rows.map((r) => r[key]));
console.log(`| median | ${m("runs")} | ${m("distinct")} | | | | ${s(m("minimum"))} | ${s(m("wall"))} | **${m("ratio").toFixed(2)}** | |`);
