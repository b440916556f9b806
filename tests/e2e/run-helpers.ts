/**
 * Helpers for the `perfloop run` end-to-end tests: fixture repositories, the person's state to
 * compare byte for byte, and the binary run with a time limit or killed at a moment. Not a test
 * file itself (no `.test.` in the name).
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { perfloopArgv, type CliResult } from "../helpers/cli.ts";
import { fixtureRepo as repoOf, git, personState } from "../helpers/repo.ts";
/** The fixture's target and tests. */
export const TARGET = "sh work.sh";
export const TEST = "sh test.sh";

/** The closed form: the loop becomes one line (about 40x less time). */
export const CLOSED_FORM = {
  id: "H1",
  description: "Gauss's closed form instead of the loop",
  evidence: "the loop is the whole time",
  change: { kind: "edit", file: "work.sh", search: "while [ $i -lt $n ]; do\n  i=$((i + 1))\n  t=$((i * 1))\n  s=$((s + t))\ndone", replace: "s=$((n * (n + 1) / 2))" },
};
/** An edit whose text is not in the file: it cannot apply (a NO_GO). */
export const NOT_APPLYING = {
  id: "H9",
  description: "Edit a line that is not there",
  evidence: "a typo in the search text",
  change: { kind: "edit", file: "work.sh", search: "while [ $j -lt $n ]", replace: "while [ $j -le $n ]" },
};

/**
 * The reason a no-op is removed with: never kept, but its label reads its interval
 * (src/measure/verdict.ts describeOutcome), which noise may put wholly above 1 ("slower") or wholly
 * below it by less than the minimum effect ("faster, less than the 2% minimum effect").
 */
export const NO_GAIN = /(no difference|unknown|no gain|slower|faster, (less than|not proven beyond) the [\d.]+% minimum effect)/;

/** The sum-loop fixture as a new repository (see tests/helpers/repo.ts). */
export function fixtureRepo(dirs: string[]): string {
  return repoOf(dirs, "sum-loop");
}

export { git, personState };

export interface Spawned extends CliResult {
  /** True when the test killed it (at killAfterMs or limitMs). */
  killed: boolean;
  /** True when `interruptWhen` held and its signal was sent. */
  stopped: boolean;
  ms: number;
}

/**
 * Runs perfloop with stdin closed; kills it with SIGKILL after `killAfterMs` when given, else
 * fails the test when it takes longer than `limitMs`.
 */
export function runPerfloop(args: string[], options: { cwd: string; env?: Record<string, string>; killAfterMs?: number; limitMs?: number; interruptWhen?: () => boolean; stopSignal?: "SIGINT" | "SIGKILL" }): Promise<Spawned> {
  const [command, ...prefix] = perfloopArgv();
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command!, [...prefix, ...args], {
      cwd: options.cwd,
      env: { ...process.env, NO_COLOR: "1", ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    let killed = false;
    let stopped = false;
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    const limit = options.killAfterMs ?? options.limitMs ?? 240_000;
    const timer = setTimeout(() => {
      killed = true;
      child.kill("SIGKILL");
    }, limit);
    // Ctrl-C: SIGINT to perfloop itself, as a terminal sends it (or `stopSignal`), once `interruptWhen` holds.
    const when = options.interruptWhen;
    const interrupt = when
      ? setInterval(() => {
          if (!when()) return;
          stopped = true;
          child.kill(options.stopSignal ?? "SIGINT");
          clearInterval(interrupt!);
        }, 25)
      : null;
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      if (interrupt) clearInterval(interrupt);
      if (killed && options.killAfterMs === undefined) {
        reject(new Error(`perfloop ${args.join(" ")} did not finish within ${limit} ms:\n${stderr}`));
        return;
      }
      let json: unknown;
      try {
        json = JSON.parse(stdout.trim() ? stdout : stderr);
      } catch {
        json = undefined;
      }
      resolve({ code: code ?? -1, stdout, stderr, json, killed, stopped, ms: Date.now() - started });
    });
  });
}

/**
 * Why an e2e test that needs the peak memory of every run is skipped, or false: it needs the
 * binary, and perfloop's launcher, which runs on x86_64 Linux (docs/measurement.md, "Peak memory").
 */
export function skipWithoutPeakMemory(): string | false {
  if (!process.env.PERFLOOP_BIN) return "set PERFLOOP_BIN to the compiled binary (npm run build) to run the e2e tests";
  return process.platform === "linux" && process.arch === "x64" ? false : "peak memory is measured for every run on x86_64 Linux only";
}

/** Reads the run's report.json. */
export function reportOf(dir: string, slug: string): Record<string, any> {
  return JSON.parse(readFileSync(join(dir, ".hex-skills", "optimization", slug, "report.json"), "utf8"));
}
