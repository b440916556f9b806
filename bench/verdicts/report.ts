/**
 * Renders the summaries that driver.ts printed (one JSON object per line, in the file given) as a
 * Markdown table: the false positive rate of A/A trials, the detection rates of a 5% slower and a
 * 5% faster candidate, each with its exact (Clopper-Pearson) 95% interval, and the runs per arm.
 *
 *   bun bench/verdicts/report.ts results/<stamp>/summaries.jsonl
 */
import { readFileSync } from "node:fs";
import process from "node:process";

interface Side {
  trials: number;
  hits: number;
  rate: number;
  rate_ci95: [number, number];
  outcomes: Record<string, number>;
  rounds_median: number;
  rounds_max: number;
  ratio_median: number;
  min_effect_median: number;
  seconds_median: number;
}
interface Summary {
  mode: string;
  runtime: string;
  iterations: number;
  slower_pct: number;
  max_runs: number;
  aa?: Side;
  slower?: Side;
  faster?: Side;
}

const file = process.argv[2];
if (!file) {
  process.stderr.write("usage: report.ts <summaries.jsonl>\n");
  process.exit(2);
}
const summaries = readFileSync(file, "utf8")
  .split("\n")
  .filter((line) => line.trim() !== "")
  .map((line) => JSON.parse(line) as Summary);
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const rate = (s?: Side) => (s ? `${s.hits}/${s.trials} = ${pct(s.rate)} (${pct(s.rate_ci95[0])}-${pct(s.rate_ci95[1])})` : "-");
const outcomes = (s?: Side) => (s ? `${s.outcomes.faster}/${s.outcomes.slower}/${s.outcomes.no_difference}/${s.outcomes.unknown}` : "-");
const runs = (s?: Side) => (s ? `${s.rounds_median} (${s.rounds_max})` : "-");
const pctOf = summaries[0]?.slower_pct ?? 5;
const lines = [
  "Rates with exact (Clopper-Pearson) 95% intervals; outcomes as faster/slower/no_difference/unknown; runs per arm as median (max).",
  "",
  `| runtime | minimum effect | A/A false positives | B ${pctOf}% slower: called slower | B ${pctOf}% faster: kept | A/A runs | slower runs | faster runs | A/A outcomes | slower outcomes | faster outcomes |`,
  "|---|---|---:|---:|---:|---:|---:|---:|---|---|---|",
];
for (const s of summaries) {
  const any = s.aa ?? s.slower ?? s.faster;
  const effect = s.mode === "floor" ? "2% floor" : `calibrated (median ${any ? pct(any.min_effect_median) : "?"})`;
  lines.push(
    `| ${s.runtime} | ${effect} | ${rate(s.aa)} | ${rate(s.slower)} | ${rate(s.faster)} | ${runs(s.aa)} | ${runs(s.slower)} | ${runs(s.faster)} | ` +
      `${outcomes(s.aa)} | ${outcomes(s.slower)} | ${outcomes(s.faster)} |`,
  );
}
process.stdout.write(`${lines.join("\n")}\n`);
