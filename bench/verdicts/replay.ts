/**
 * Judges the rounds recorded by driver.ts (trials.jsonl, `rounds_ms`) again under two stopping
 * rules, so that they are compared on the very same runs:
 *
 * - "first decided": stop at the first look whose verdict is not "unknown" (perfloop's rule);
 * - "confirmed": planAbRuns with confirmChanges (src/measure/adaptive.ts): a change is claimed only
 *   after one more batch confirms it (tried, measured, not kept; see docs/measurement.md).
 *
 * Record with the confirmed rule (`run.sh` with CONFIRM=1, driver.ts --confirm): it never stops
 * before the other, and both look after the same batches while the verdict is unknown, so the
 * recorded rounds hold every look of both. The recorded rule must replay to each trial's recorded
 * outcome and round count (checked; exit 1 when not).
 *
 *   bun bench/verdicts/replay.ts <trials.jsonl>...
 */
import { readFileSync } from "node:fs";
import process from "node:process";
import * as v from "valibot";
import { type AbPlan, INITIAL_RUNS, median, planAbRuns } from "../../src/measure/index.ts";

const TrialSchema = v.object({
  kind: v.picklist(["aa", "slower", "faster"]),
  trial: v.number(),
  outcome: v.string(),
  rounds: v.number(),
  min_effect: v.number(),
  max_runs: v.optional(v.number()),
  confirm: v.optional(v.boolean(), false),
  rounds_ms: v.object({ a: v.array(v.number()), b: v.array(v.number()) }),
});
type Trial = v.InferOutput<typeof TrialSchema>;

const files = process.argv.slice(2);
if (files.length === 0) {
  process.stderr.write("usage: replay.ts <trials.jsonl>...\n");
  process.exit(2);
}
const cap = Number(process.env.MAX_RUNS ?? 100);

const trials: Trial[] = [];
for (const file of files) {
  for (const [index, line] of readFileSync(file, "utf8").split("\n").entries()) {
    if (line.trim() === "") continue;
    const parsed = v.safeParse(TrialSchema, JSON.parse(line));
    if (parsed.success) trials.push(parsed.output);
    else process.stderr.write(`${file}:${index + 1}: skipped (no rounds_ms: recorded before replay existed)\n`);
  }
}

const options = (trial: Trial) => ({ minEffect: trial.min_effect, seed: 1000 + trial.trial, paired: true, maxRuns: trial.max_runs ?? cap });

/** The trial's rounds judged look by look by planAbRuns, with or without the confirming batch. */
function replay(trial: Trial, confirmChanges: boolean): { outcome: string; rounds: number } {
  const { a, b } = trial.rounds_ms;
  let n = INITIAL_RUNS;
  let last: AbPlan | null = null;
  for (;;) {
    if (n > a.length) return { outcome: "(not enough rounds recorded)", rounds: n };
    last = planAbRuns(a.slice(0, n), b.slice(0, n), { ...options(trial), confirmChanges, provisional: last?.provisional ?? null });
    if (last.action !== "more") return { outcome: last.verdict?.outcome ?? "?", rounds: n };
    n += last.runs;
  }
}

const wrong = (trial: Trial, outcome: string) => (trial.kind === "aa" ? outcome === "faster" || outcome === "slower" : trial.kind === "faster" ? outcome !== "faster" : outcome === "faster");
const rows: string[] = [];
let mismatches = 0;
for (const kind of ["aa", "slower", "faster"] as const) {
  const ofKind = trials.filter((trial) => trial.kind === kind);
  if (ofKind.length === 0) continue;
  const old = ofKind.map((trial) => replay(trial, false));
  const now = ofKind.map((trial) => replay(trial, true));
  ofKind.forEach((trial, i) => {
    const replayed = trial.confirm ? now[i]! : old[i]!;
    if (replayed.outcome !== trial.outcome || replayed.rounds !== trial.rounds) mismatches++;
  });
  const count = (results: { outcome: string }[]) => results.filter((result, i) => wrong(ofKind[i]!, result.outcome)).length;
  const rounds = (results: { rounds: number }[]) => median(results.map((result) => result.rounds));
  const what = kind === "aa" ? "A/A called a change" : kind === "faster" ? "5% gain not kept" : "5% loss kept";
  rows.push(`| ${kind} | ${ofKind.length} | ${what} | ${count(old)} | ${count(now)} | ${rounds(old)} | ${rounds(now)} |`);
  ofKind.forEach((trial, i) => {
    if (old[i]!.outcome !== now[i]!.outcome) {
      rows.push(`|  | trial ${trial.trial} | differs | ${old[i]!.outcome} at ${old[i]!.rounds} | ${now[i]!.outcome} at ${now[i]!.rounds} | | |`);
    }
  });
}
process.stdout.write(
  [
    `${trials.length} trials from ${files.length} file(s); the rule they were recorded with reproduced ${trials.length - mismatches} of their outcomes and round counts.`,
    "",
    "| kind | trials | wrong means | wrong, first decided | wrong, confirmed | rounds (median), first decided | rounds (median), confirmed |",
    "|---|---:|---|---:|---:|---:|---:|",
    ...rows,
    "",
  ].join("\n"),
);
if (mismatches > 0) process.exitCode = 1;
