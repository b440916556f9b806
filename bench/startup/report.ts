/**
 * Prints the startup table from a hyperfine --export-json file: median, MAD and stddev per command,
 * and the ratio of medians against the hello-world baseline, with PASS/MISS against the goal.
 * Usage: node_modules/.bin/bun bench/startup/report.ts bench/startup/results/latest.json
 * Ratios of medians are the claim; the absolute times depend on the (shared, noisy) machine.
 */
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";

const GOAL = 4; // perfloop's startup should be at most 4x the hello-world binary's.
const BASELINE = "hello";
const DRIFT_CHECK = "hello (again)"; // the baseline timed again last: its ratio shows how much the machine drifted

interface Result {
  command: string;
  mean: number;
  stddev: number | null;
  median: number;
  times: number[];
}

const file = process.argv[2] ?? new URL("./results/latest.json", import.meta.url).pathname;
const { results } = JSON.parse(readFileSync(file, "utf8")) as { results: Result[] };

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const mad = (xs: number[]): number => {
  const m = median(xs);
  return median(xs.map((x) => Math.abs(x - m)));
};
const ms = (s: number, digits = 1): string => (s * 1000).toFixed(digits);

const base = results.find((r) => r.command === BASELINE);
if (!base) {
  console.error(`no "${BASELINE}" row in ${file}`);
  process.exit(1);
}
const baseMedian = median(base.times);

const header = ["command", "runs", "median ms", "MAD ms", "stddev ms", "ratio vs hello", `goal <= ${GOAL}x`];
const rows = results.map((r) => {
  const med = median(r.times);
  const ratio = med / baseMedian;
  const verdict =
    r.command === BASELINE ? "(baseline)" : r.command === DRIFT_CHECK ? "(drift check)" : ratio <= GOAL ? "PASS" : "MISS";
  return [r.command, String(r.times.length), ms(med), ms(mad(r.times), 2), ms(r.stddev ?? 0, 2), `${ratio.toFixed(2)}x`, verdict];
});

const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
const line = (cells: string[]) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(" | ")} |`;
console.log(line(header));
console.log(`|${widths.map((w, i) => (i === 0 ? ":" : "-") + "-".repeat(w) + (i === 0 ? "-" : ":")).join("|")}|`);
for (const row of rows) console.log(line(row));
console.log();
console.log(
  `${new Date().toISOString().slice(0, 10)}, nproc ${availableParallelism()}, Bun ${Bun.version}; ` +
    `data: ${file}`,
);
console.log(`Goal: each perfloop command's median startup at most ${GOAL}x the hello-world binary's median.`);
const again = results.find((r) => r.command === DRIFT_CHECK);
if (again) {
  const drift = median(again.times) / baseMedian;
  if (Math.abs(drift - 1) > 0.1) {
    console.log(`Warning: hello drifted ${((drift - 1) * 100).toFixed(0)}% between the first and last rows; the machine is noisy, run again.`);
  }
}
