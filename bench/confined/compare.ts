/**
 * What confinement costs a measurement (docs/safety.md, docs/measurement.md): the same command
 * measured three ways, in rotating order, round after round:
 *
 * - "direct": Platform.spawn from this process, as the executor measured before confinement;
 * - "confined": through a Sandbox (src/confine/sandbox.ts), i.e. a resident spawner confined with
 *   Landlock that measures inside itself, as the executor measures now;
 * - "hyperfine -N sh -c": the reference.
 *
 * Per round each way measures WARMUP + RUNS runs; the ratio reported is the median over rounds of
 * the ratio of two ways' medians in the same round (drift between rounds cancels), with a
 * bootstrap 95% interval over rounds.
 *
 *   node_modules/.bin/bun bench/confined/compare.ts   (env: RUNS=10 WARMUP=2 REPEATS=20 COMMANDS="true sleep loop")
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { Sandbox } from "../../src/confine/sandbox.ts";
import { bootstrapMedianCi, median } from "../../src/measure/index.ts";
import { detectPlatform, restartQuietly, type Platform } from "../../src/platform/index.ts";

const platform = detectPlatform();
restartQuietly(platform);

const runs = Number(process.env.RUNS ?? 10);
const warmup = Number(process.env.WARMUP ?? 2);
const repeats = Number(process.env.REPEATS ?? 20);
const COMMANDS: Record<string, string> = {
  true: "true",
  sleep: "sleep 0.05",
  loop: "i=0; while [ $i -lt 60000 ]; do i=$((i + 1)); done",
};
const chosen = (process.env.COMMANDS ?? "true sleep loop").split(/\s+/).filter(Boolean);
for (const name of chosen) if (!COMMANDS[name]) throw new Error(`unknown command ${name}; choose from ${Object.keys(COMMANDS).join(", ")}`);

const scratch = mkdtempSync(join(tmpdir(), "perfloop-bench-confined-"));
const repo = join(scratch, "repo");
const side = join(repo, ".hex-skills", "worktree", "base");
mkdirSync(side, { recursive: true });
spawnSync("git", ["init", "-q"], { cwd: repo });
const sandbox = new Sandbox(platform, { repoDir: repo, gitdir: join(repo, ".git") });
sandbox.side(side);

async function measure(way: string, command: string): Promise<number[]> {
  if (way === "hyperfine") {
    const out = join(scratch, "h.json");
    spawnSync("hyperfine", ["-N", "--runs", String(runs), "--warmup", String(warmup), "--export-json", out, `sh -c '${command}'`], { stdio: "ignore" });
    return (JSON.parse(readFileSync(out, "utf8")).results[0].times as number[]).map((s) => s * 1000);
  }
  const target: Platform = way === "confined" ? sandbox.platform : platform;
  const times: number[] = [];
  for (let i = 0; i < warmup + runs; i++) {
    const result = await target.spawn({ shell: command, cwd: side, env: platform.env, timeoutMs: 60_000, maxOutputBytes: 4096 });
    if (result.exitCode !== 0) throw new Error(`${way}: ${command} failed: ${result.stderr}`);
    if (i >= warmup) times.push(result.wallMs);
  }
  return times;
}

const ways = ["direct", "confined", "hyperfine"];
const mode = await sandbox.mode();
console.log(`confinement: ${mode.mode === "landlock" ? `Landlock ABI ${mode.abi}` : `none (${mode.reason})`}; ${repeats} rounds of ${warmup}+${runs} runs per way`);
for (const name of chosen) {
  const command = COMMANDS[name]!;
  const medians: Record<string, number[]> = { direct: [], confined: [], hyperfine: [] };
  for (let round = 0; round < repeats; round++) {
    const order = ways.map((_, i) => ways[(i + round) % ways.length]!);
    for (const way of order) medians[way]!.push(median(await measure(way, command)));
  }
  const ratio = (a: string, b: string) => {
    const ratios = medians[a]!.map((value, i) => value / medians[b]![i]!);
    const ci = bootstrapMedianCi(ratios);
    return `${median(ratios).toFixed(3)} [${ci.lo.toFixed(3)}, ${ci.hi.toFixed(3)}]`;
  };
  const ms = (way: string) => `${median(medians[way]!).toFixed(2)} ms`;
  console.log(`${name.padEnd(6)} direct ${ms("direct")}, confined ${ms("confined")}, hyperfine ${ms("hyperfine")}; confined/direct ${ratio("confined", "direct")}, confined/hyperfine ${ratio("confined", "hyperfine")}, direct/hyperfine ${ratio("direct", "hyperfine")}`);
}
await sandbox.close();
rmSync(scratch, { recursive: true, force: true });
