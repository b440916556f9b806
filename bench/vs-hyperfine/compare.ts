/**
 * perfloop's sampler against hyperfine on the same commands (run by run.sh). For each command and
 * each of REPEATS rounds, every tool measures WARMUP + RUNS runs; the tools' order rotates from
 * round to round so that slow drift of a shared machine hits them alike. Two ratios per tool:
 * "pooled", the median of all its runs over the reference's, and "paired", the median over rounds
 * of the ratio of the two tools' medians in the same round (drift between rounds cancels). Tools:
 *
 * - "hyperfine -N sh -c": `hyperfine -N "sh -c '<cmd>'"`, the same process tree perfloop runs
 *   (perfloop always runs a command line through /bin/sh -c): the reference.
 * - "hyperfine (shell, corrected)": hyperfine's default, through a shell, minus the time of an
 *   empty shell it measures first; shown for context (it reports ~0 for `true`).
 * - "perfloop (binary)": `dist/perfloop profile '<cmd>' --runs N --warmup W --json` in a scratch git
 *   repository, the product as a person runs it; its measured samples' wall times.
 * - "perfloop (bun)", "perfloop (deno)": driver.ts, i.e. measureCommand with a fixed run count,
 *   each in a fresh runtime process (under Bun restarted quietly, as the binary does).
 *
 * Overhead per run is the median wall time of `true` in each tool; `hyperfine -N true` (no shell)
 * is the floor of starting any process.
 *
 * This harness is a Bun process too, idle while a tool measures. It restarts itself quietly first
 * (src/platform/quiet-runtime.ts), so that its own background compiling and memory purging, on a
 * machine with as few as two cores, run during no tool's measurement; every tool it starts gets
 * the environment the harness was started with.
 *
 *   node_modules/.bin/bun bench/vs-hyperfine/compare.ts <results dir>
 *   (env: RUNS, WARMUP, REPEATS, RUNTIMES, COMMANDS="true sleep loop python", LOOP_ITERATIONS)
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import process from "node:process";
import { bootstrapMedianCi, median } from "../../src/measure/index.ts";
import { detectPlatform, restartQuietly } from "../../src/platform/index.ts";

const harness = detectPlatform();
restartQuietly(harness);
/** What every tool is started with: the environment this harness was started with. */
const toolEnv = harness.env as NodeJS.ProcessEnv;

const root = resolve(import.meta.dirname ?? ".", "../..");
const runs = Number(process.env.RUNS ?? 10);
const warmup = Number(process.env.WARMUP ?? 2);
/** Many short blocks rather than a few long ones: a shared machine's load drifts within minutes. */
const repeats = Number(process.env.REPEATS ?? 30);
const runtimes = (process.env.RUNTIMES ?? "binary bun deno").split(/\s+/).filter(Boolean);
const resultsDir = process.argv[2] ?? join(root, "bench/vs-hyperfine/results");
mkdirSync(resultsDir, { recursive: true });

const python = existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
/** 20,000 iterations of a dash loop take about 20 ms on a 2020s x86 core. */
const LOOP_ITERATIONS = Number(process.env.LOOP_ITERATIONS ?? 20_000);
const allCommands: { key: string; name: string; line: string }[] = [
  { key: "true", name: "true", line: "true" },
  { key: "sleep", name: "sleep 0.05", line: "sleep 0.05" },
  { key: "loop", name: `sh loop (${LOOP_ITERATIONS} iterations)`, line: `i=0; while [ $i -lt ${LOOP_ITERATIONS} ]; do i=$((i+1)); done` },
  { key: "python", name: "python3 sum(range(1.5e6))", line: `${python} -c 'sum(range(1500000))'` },
];
const chosen = (process.env.COMMANDS ?? "true sleep loop python").split(/\s+/).filter(Boolean);
const unknown = chosen.filter((key) => !allCommands.some((command) => command.key === key));
if (unknown.length > 0 || chosen.length === 0) {
  process.stderr.write(`COMMANDS: unknown ${unknown.join(", ") || "(empty)"}; choose from ${allCommands.map((c) => c.key).join(" ")}\n`);
  process.exit(2);
}
const commands = allCommands.filter((command) => chosen.includes(command.key));

/** A word for hyperfine's shell-words splitting: single-quoted, ' written as '\''. */
const quoteWord = (text: string): string => `'${text.replaceAll("'", `'\\''`)}'`;

interface Measured {
  tool: string;
  command: string;
  times_ms: number[];
}

function run(argv: string[]): string {
  const result = spawnSync(argv[0] as string, argv.slice(1), { cwd: root, env: toolEnv, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) {
    throw new Error(`${argv.join(" ")} exited ${result.status}: ${result.stderr}`);
  }
  return result.stdout;
}

function hyperfine(tool: string, name: string, args: string[], file: string): Measured {
  run(["hyperfine", "--style", "none", "--warmup", String(warmup), "--runs", String(runs), "--export-json", file, ...args]);
  const exported = JSON.parse(readFileSync(file, "utf8")) as { results: { times: number[] }[] };
  return { tool, command: name, times_ms: (exported.results[0]?.times ?? []).map((seconds) => seconds * 1000) };
}

/** A scratch git repository for `perfloop profile` (it writes its envelope under .hex-skills/ there). */
let scratch: string | undefined;
function scratchRepo(): string {
  if (scratch === undefined) {
    scratch = mkdtempSync(join(tmpdir(), "perfloop-vs-hyperfine-"));
    run(["git", "init", "-q", scratch]);
  }
  return scratch;
}

function perfloopBinary(name: string, line: string): Measured {
  const binary = join(root, "dist/perfloop");
  const argv = [binary, "profile", line, "--runs", String(runs), "--warmup", String(warmup), "--slug", "bench", "--json"];
  const result = spawnSync(argv[0] as string, argv.slice(1), { cwd: scratchRepo(), env: toolEnv, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`${argv.join(" ")} exited ${result.status}: ${result.stderr}`);
  const out = JSON.parse(result.stdout) as { measurement: { samples: { warmup: boolean; wall_ms: number }[] } };
  return { tool: "perfloop (binary)", command: name, times_ms: out.measurement.samples.filter((s) => !s.warmup).map((s) => s.wall_ms) };
}

function perfloop(runtime: string, name: string, line: string): Measured {
  if (runtime === "binary") return perfloopBinary(name, line);
  const driver = join(root, "bench/vs-hyperfine/driver.ts");
  const argv =
    runtime === "deno"
      ? [join(root, "node_modules/.bin/deno"), "run", "-A", "--no-check", driver]
      : [join(root, "node_modules/.bin/bun"), driver];
  const out = JSON.parse(run([...argv, "--runs", String(runs), "--warmup", String(warmup), "--", line])) as { times_ms: number[] };
  return { tool: `perfloop (${runtime})`, command: name, times_ms: out.times_ms };
}

const all: Measured[] = [];
for (let round = 0; round < repeats; round++) {
  for (const [index, command] of commands.entries()) {
    const tools: (() => Measured)[] = [
      () => hyperfine("hyperfine -N sh -c", command.name, ["-N", `sh -c ${quoteWord(command.line)}`], join(resultsDir, `hf-n-${index}-${round}.json`)),
      () => hyperfine("hyperfine (shell, corrected)", command.name, [command.line], join(resultsDir, `hf-sh-${index}-${round}.json`)),
      ...runtimes.map((runtime) => () => perfloop(runtime, command.name, command.line)),
    ];
    if (command.line === "true") {
      tools.push(() => hyperfine("hyperfine -N true (no shell)", command.name, ["-N", "true"], join(resultsDir, `hf-bare-${round}.json`)));
    }
    for (let k = 0; k < tools.length; k++) {
      const measured = (tools[(k + round) % tools.length] as () => Measured)();
      all.push(measured);
      process.stderr.write(`round ${round + 1}/${repeats} ${command.name}: ${measured.tool} median ${median(measured.times_ms).toFixed(3)} ms\n`);
    }
  }
}
writeFileSync(join(resultsDir, "all.json"), `${JSON.stringify({ runs, warmup, repeats, commands, results: all }, null, 2)}\n`);

const pooled = (tool: string, command: string): number[] =>
  all.filter((m) => m.tool === tool && m.command === command).flatMap((m) => m.times_ms);
const roundMedians = (tool: string, command: string): number[] =>
  all.filter((m) => m.tool === tool && m.command === command).map((m) => median(m.times_ms));
const fmt = (ms: number): string => ms.toFixed(ms < 10 ? 3 : 2);
const reference = "hyperfine -N sh -c";
const perfloopTools = runtimes.map((runtime) => `perfloop (${runtime})`);

const lines: string[] = [];
lines.push(`Medians in ms over ${repeats} rounds x ${runs} runs (each after ${warmup} warm-up runs) per tool and command.`, "");
const ratioHeads = perfloopTools.flatMap((tool) => [`${tool} / hyperfine, pooled`, "paired [95% CI]"]);
lines.push(`| command | ${reference} | hyperfine (shell, corrected) | ${perfloopTools.join(" | ")} | ${ratioHeads.join(" | ")} |`);
lines.push(`|---|---:|---:|${perfloopTools.map(() => "---:").join("|")}|${ratioHeads.map(() => "---:").join("|")}|`);
for (const command of commands) {
  const ref = median(pooled(reference, command.name));
  const refRounds = roundMedians(reference, command.name);
  const cell = (tool: string) => fmt(median(pooled(tool, command.name)));
  const ratios = perfloopTools.flatMap((tool) => {
    const paired = roundMedians(tool, command.name).map((value, round) => value / (refRounds[round] as number));
    // The interval of the median of the per-round ratios (percentile bootstrap over rounds).
    const ci = bootstrapMedianCi(paired, { seed: 1 });
    return [(median(pooled(tool, command.name)) / ref).toFixed(3), `${median(paired).toFixed(3)} [${ci.lo.toFixed(3)}, ${ci.hi.toFixed(3)}]`];
  });
  lines.push(`| ${command.name} | ${cell(reference)} | ${cell("hyperfine (shell, corrected)")} | ${perfloopTools.map(cell).join(" | ")} | ${ratios.join(" | ")} |`);
}
if (commands.some((command) => command.key === "true")) {
  lines.push("", "Overhead per run: median wall time of `true` (perfloop runs it as `/bin/sh -c true`).", "");
  lines.push("| tool | median of `true`, ms | minus hyperfine -N sh -c, ms |", "|---|---:|---:|");
  const refTrue = median(pooled(reference, "true"));
  for (const tool of ["hyperfine -N true (no shell)", reference, ...perfloopTools]) {
    const value = median(pooled(tool, "true"));
    lines.push(`| ${tool} | ${fmt(value)} | ${(value - refTrue >= 0 ? "+" : "") + (value - refTrue).toFixed(3)} |`);
  }
}
const report = lines.join("\n");
writeFileSync(join(resultsDir, "report.md"), `${report}\n`);
process.stdout.write(`${report}\n`);
