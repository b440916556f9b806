/**
 * Measures one command line with perfloop's sampler (measureCommand, a fixed run count) and prints
 * one JSON object on stdout: the wall times of the measured runs and their summary. Run by run.sh
 * under Bun (and Deno), next to hyperfine on the same command.
 *
 *   bun bench/vs-hyperfine/driver.ts --runs 40 --warmup 3 -- 'sleep 0.05'
 */
import process from "node:process";
import { detectPlatform, restartQuietly } from "../../src/platform/index.ts";
import { measureCommand } from "../../src/profile/command-target.ts";

function parseArgs(argv: readonly string[]): { runs: number; warmup: number; command: string } {
  let runs = 40;
  let warmup = 3;
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === "--runs") runs = Number(argv[++i]);
    else if (arg === "--warmup") warmup = Number(argv[++i]);
    else if (arg === "--") rest.push(...argv.slice(i + 1)), (i = argv.length);
    else rest.push(arg);
  }
  if (rest.length !== 1 || !(runs >= 1) || !(warmup >= 0)) {
    process.stderr.write("usage: driver.ts [--runs N] [--warmup W] -- '<command line>'\n");
    process.exit(2);
  }
  return { runs, warmup, command: rest[0] as string };
}

const { runs, warmup, command } = parseArgs(process.argv.slice(2));
// As `perfloop profile` does (src/platform/quiet-runtime.ts): under Bun, restart with the runtime's
// background compiling and memory purging off. Under Deno this returns at once.
const platform = detectPlatform();
restartQuietly(platform);
const result = await measureCommand(platform, { command, cwd: platform.cwd, env: platform.env, runs, warmupRuns: warmup });
if (result.status !== "ok") {
  process.stderr.write(`${result.status === "failed" ? result.failure.message : result.reason}\n`);
  process.exit(1);
}
const wall = result.metrics.wall_time_ms!;
const measured = result.samples.filter((sample) => !sample.warmup);
process.stdout.write(
  `${JSON.stringify({
    tool: `perfloop (${platform.runtime} ${platform.runtimeVersion})`,
    command,
    n: wall.n,
    median_ms: wall.median,
    ci_ms: wall.ci,
    min_ms: wall.min,
    max_ms: wall.max,
    cpu_median_ms: result.metrics.cpu_time_ms?.median ?? null,
    times_ms: measured.map((sample) => sample.wall_ms),
  })}\n`,
);
