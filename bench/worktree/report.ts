/**
 * Reads the hyperfine JSON exports of bench/worktree/run.sh (one per round) and prints, in
 * Markdown, each command's median per round and its ratio to `git worktree add` in the same
 * round, then the median of those ratios (goal for perfloop: at most 1.5x).
 * Usage: bun bench/worktree/report.ts [--inproc <ms>] <round-1.json> [<round-2.json> ...]
 */
import { readFileSync } from "node:fs";
import process from "node:process";

const GOAL = 1.5;
const BASELINE = "git worktree add";
const PERFLOOP = "perfloop materialize (bun)";
const STARTUP = "perfloop startup only (bun)";

const args = process.argv.slice(2);
let inproc: number | undefined;
const files: string[] = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === "--inproc") inproc = Number(args[++i]);
  else files.push(args[i] as string);
}
if (files.length === 0) {
  console.error("usage: report.ts [--inproc <ms>] <round.json>...");
  process.exit(2);
}

interface Result { command: string; median: number }
const rounds = files.map((file) => new Map((JSON.parse(readFileSync(file, "utf8")) as { results: Result[] }).results.map((r) => [r.command, r.median * 1000])));
const commands = [...(rounds[0]?.keys() ?? [])];
const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};
const ratiosOf = (command: string): number[] => rounds.map((round) => (round.get(command) ?? NaN) / (round.get(BASELINE) ?? NaN));

console.log(`| command | ${rounds.map((_, i) => `round ${i + 1} median ms`).join(" | ")} | ratio to ${BASELINE} (median of rounds) |`);
console.log(`|---|${rounds.map(() => "---:").join("|")}|---:|`);
for (const command of commands) {
  const cells = rounds.map((round, i) => `${(round.get(command) ?? NaN).toFixed(0)} (${(ratiosOf(command)[i] ?? NaN).toFixed(2)}x)`);
  console.log(`| ${command.replace(/\|/g, "\\|")} | ${cells.join(" | ")} | ${median(ratiosOf(command)).toFixed(2)}x |`);
}
const ratio = median(ratiosOf(PERFLOOP));
console.log();
console.log(`perfloop / ${BASELINE}, whole process: ${ratio.toFixed(2)}x (rounds: ${ratiosOf(PERFLOOP).map((r) => r.toFixed(2)).join(", ")}) — goal <= ${GOAL}x: ${ratio <= GOAL ? "met" : "MISSED"}`);
const net = rounds.map((round) => ((round.get(PERFLOOP) ?? NaN) - (round.get(STARTUP) ?? NaN)) / (round.get(BASELINE) ?? NaN));
if (net.every(Number.isFinite)) console.log(`without bun startup and the isomorphic-git import: ${median(net).toFixed(2)}x`);
if (inproc !== undefined) {
  const git = median(rounds.map((round) => round.get(BASELINE) ?? NaN));
  console.log(`in-process materialize alone: ${inproc.toFixed(0)} ms, ${(inproc / git).toFixed(2)}x of the median ${BASELINE} (${git.toFixed(0)} ms)`);
}
