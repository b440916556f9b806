/**
 * How often compareCommands calls a difference (run by run.sh). Three kinds of trial, rotated so
 * that drift hits all alike, each a fresh adaptive comparison (ABBA, one warm-up round, 10 rounds,
 * then doubling while the verdict is unknown, up to the cap), of a ~20 ms shell loop:
 * - "aa": the loop against itself; any "faster" or "slower" is a false positive.
 * - "slower": against a copy with 5% more iterations; "slower" is a detection. perfloop's verdict
 *   exists to decide whether to KEEP a change, so a candidate that is merely not faster may also
 *   end as "no_difference" (its interval excludes a gain): correct, but not a detection.
 * - "faster": the 5% slower copy is the baseline and the loop the candidate (a gain of 1 - 1/1.05
 *   = 4.8%); "faster" (kept) is a detection. This is the decision perfloop makes for a hypothesis.
 *
 * Modes: "floor" uses the 2% minimum effect; "calibrated" first runs the A/A calibration of the
 * baseline (10 + 10 runs, calibrateCommand with force, in a temp project) for every trial, as a
 * new target would, and uses max(2%, its spread), as perfloop run does.
 *
 *   bun bench/verdicts/driver.ts [--trials 40] [--mode floor|calibrated] [--kinds aa,slower,faster] [--slower-pct 5]
 *       [--iterations 20000] [--max-runs 60] [--out trials.jsonl] [--confirm]
 */
import { appendFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { median } from "../../src/measure/index.ts";
import { detectPlatform, restartQuietly } from "../../src/platform/index.ts";
import { compareCommands } from "../../src/profile/ab-sampler.ts";
import { calibrateCommand } from "../../src/profile/calibration.ts";

function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at === -1 ? fallback : (process.argv[at + 1] ?? fallback);
}
const trials = Number(option("trials", "40"));
const mode = option("mode", "floor");
const slowerPct = Number(option("slower-pct", "5"));
const iterations = Number(option("iterations", "20000"));
const maxRuns = Number(option("max-runs", "60"));
const out = option("out", "");
/** --confirm: claim a change only after a confirming batch (compareCommands' confirmChanges, off in perfloop). */
const confirmChanges = process.argv.includes("--confirm");
/** Which kinds of trial to run (comma-separated); e.g. "aa" alone to bound the false positive rate. */
const kinds = option("kinds", "aa,slower,faster").split(",");
if (!(trials >= 1) || !["floor", "calibrated"].includes(mode) || !kinds.every((kind) => ["aa", "slower", "faster"].includes(kind))) {
  process.stderr.write(
    "usage: driver.ts [--trials N] [--mode floor|calibrated] [--kinds aa,slower,faster] [--slower-pct P] [--iterations N] [--max-runs N] [--out FILE] [--confirm]\n",
  );
  process.exit(2);
}

// As `perfloop compare` and `perfloop execute` do (src/platform/quiet-runtime.ts): under Bun,
// restart with the runtime's background compiling and memory purging off. Under Deno: nothing.
const platform = detectPlatform();
restartQuietly(platform);
const loop = (n: number) => `i=0; while [ $i -lt ${n} ]; do i=$((i+1)); done`;
const base = { command: loop(iterations), cwd: platform.cwd, env: platform.env };
const slower = { command: loop(Math.round(iterations * (1 + slowerPct / 100))), cwd: platform.cwd, env: platform.env };
const project = mkdtempSync(join(tmpdir(), "perfloop-verdicts-"));

type Kind = "aa" | "slower" | "faster";
const ALL_KINDS: readonly Kind[] = ["aa", "slower", "faster"];
const KINDS: readonly Kind[] = ALL_KINDS.filter((kind) => kinds.includes(kind));

interface Trial {
  kind: Kind;
  trial: number;
  outcome: string;
  rounds: number;
  stopped_because: string;
  ratio: number;
  ratio_ci: [number, number];
  p_value: number;
  min_effect: number;
  calibration_spread: number | null;
  /** Looks at which a change was seen but not yet confirmed (src/measure/adaptive.ts). */
  provisional_looks: number;
  seconds: number;
}

const results: Trial[] = [];
try {
  for (let trial = 0; trial < trials; trial++) {
    for (let k = 0; k < KINDS.length; k++) {
      const kind = KINDS[(k + trial) % KINDS.length] as Kind;
      const started = performance.now();
      let spread: number | null = null;
      if (mode === "calibrated") {
        const baseline = kind === "faster" ? slower : base;
        const calibrated = await calibrateCommand(platform, { projectRoot: project, ...baseline, force: true, seed: trial });
        if (calibrated.status !== "ok") throw new Error(calibrated.status === "failed" ? calibrated.message : calibrated.reason);
        spread = calibrated.calibration.spread;
      }
      const [a, b] = kind === "aa" ? [base, base] : kind === "slower" ? [base, slower] : [slower, base];
      const result = await compareCommands(platform, a, b, {
        maxRuns,
        seed: 1000 + trial,
        calibration: spread === null ? null : { spread },
        confirmChanges,
      });
      if (result.status !== "ok") throw new Error(result.status === "failed" ? result.message : result.reason);
      const record: Trial = {
        kind,
        trial,
        outcome: result.verdict.outcome,
        rounds: result.rounds,
        stopped_because: result.stopped_because,
        ratio: result.verdict.ratio,
        ratio_ci: result.verdict.ratio_ci,
        p_value: result.verdict.p_value,
        min_effect: result.min_effect,
        calibration_spread: spread,
        provisional_looks: result.decisions.filter((plan) => (plan.provisional ?? null) !== null).length,
        seconds: (performance.now() - started) / 1000,
      };
      results.push(record);
      // Each measured round's wall times, so that bench/verdicts/replay.ts can judge other stopping rules on the same runs.
      const wall = (samples: typeof result.samples_a) => samples.filter((sample) => !sample.warmup).map((sample) => sample.wall_ms);
      const rounds_ms = { a: wall(result.samples_a), b: wall(result.samples_b) };
      if (out) appendFileSync(out, `${JSON.stringify({ mode, runtime: platform.runtime, ...record, max_runs: maxRuns, confirm: confirmChanges, rounds_ms })}\n`);
      process.stderr.write(
        `${mode} ${kind} ${trial + 1}/${trials}: ${record.outcome} after ${record.rounds} rounds, ratio ${record.ratio.toFixed(3)} ` +
          `[${record.ratio_ci.map((x) => x.toFixed(3)).join(", ")}], min effect ${(record.min_effect * 100).toFixed(1)}%\n`,
      );
    }
  }
} finally {
  rmSync(project, { recursive: true, force: true });
}

/** Clopper-Pearson exact 95% interval of a binomial proportion, by bisection on the binomial tail. */
function clopperPearson(k: number, n: number): [number, number] {
  const logChoose = (a: number, b: number) => {
    let s = 0;
    for (let i = 1; i <= b; i++) s += Math.log(a - b + i) - Math.log(i);
    return s;
  };
  const cdf = (x: number, p: number) => {
    let sum = 0;
    for (let i = 0; i <= x; i++) sum += Math.exp(logChoose(n, i) + i * Math.log(p) + (n - i) * Math.log1p(-p));
    return sum;
  };
  const solve = (f: (p: number) => number) => {
    let lo = 0;
    let hi = 1;
    for (let i = 0; i < 60; i++) {
      const mid = (lo + hi) / 2;
      if (f(mid) > 0) lo = mid;
      else hi = mid;
    }
    return (lo + hi) / 2;
  };
  const lower = k === 0 ? 0 : solve((p) => 1 - cdf(k - 1, p) < 0.025 ? 1 : -1);
  const upper = k === n ? 1 : solve((p) => cdf(k, p) > 0.025 ? 1 : -1);
  return [lower, upper];
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
/** Which outcomes count as a hit for each kind. */
const HITS: Record<Kind, readonly string[]> = { aa: ["faster", "slower"], slower: ["slower"], faster: ["faster"] };
const summary = (kind: Kind) => {
  const rows = results.filter((r) => r.kind === kind);
  const hits = rows.filter((r) => HITS[kind].includes(r.outcome)).length;
  const [lo, hi] = clopperPearson(hits, rows.length);
  const count = (outcome: string) => rows.filter((r) => r.outcome === outcome).length;
  const rounds = rows.map((r) => r.rounds);
  return {
    kind,
    trials: rows.length,
    hits,
    rate: hits / rows.length,
    rate_ci95: [lo, hi] as [number, number],
    outcomes: { faster: count("faster"), slower: count("slower"), no_difference: count("no_difference"), unknown: count("unknown") },
    rounds_median: median(rounds),
    rounds_max: Math.max(...rounds),
    ratio_median: median(rows.map((r) => r.ratio)),
    min_effect_median: median(rows.map((r) => r.min_effect)),
    seconds_median: median(rows.map((r) => r.seconds)),
  };
};
const sides = Object.fromEntries(KINDS.map((kind) => [kind, summary(kind)])) as Partial<Record<Kind, ReturnType<typeof summary>>>;
process.stdout.write(
  `${JSON.stringify({ mode, runtime: `${platform.runtime} ${platform.runtimeVersion}`, iterations, slower_pct: slowerPct, max_runs: maxRuns, ...sides })}\n`,
);
const describe = (kind: Kind, what: string): string[] => {
  const s = sides[kind];
  if (!s) return [];
  return [
    `mode ${mode}, ${platform.runtime}: ${what} ${s.hits}/${s.trials} = ${pct(s.rate)} (95% CI ${pct(s.rate_ci95[0])}-${pct(s.rate_ci95[1])}); ` +
      `outcomes ${JSON.stringify(s.outcomes)}; runs per arm median ${s.rounds_median}, max ${s.rounds_max}; median ratio ${s.ratio_median.toFixed(3)}`,
  ];
};
process.stderr.write(
  `${[
    ...describe("aa", "A/A false positives"),
    ...describe("slower", `B ${slowerPct}% slower, called slower`),
    ...describe("faster", `B faster (baseline ${slowerPct}% slower), kept`),
  ].join("\n")}\n`,
);
