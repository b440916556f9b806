/**
 * Helpers for the `perfloop run` end-to-end tests: fixture repositories, the person's state to
 * compare byte for byte, and the binary run with a time limit or killed at a moment. Not a test
 * file itself (no `.test.` in the name).
 */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { cpSync, readFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { perfloopArgv, REPO_ROOT, snapshotTree, tempDir, type CliResult } from "../helpers/cli.ts";

export const SUM_LOOP = join(REPO_ROOT, "tests", "fixtures", "sum-loop");
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

const GIT_ENV = { GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@t", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@t" };

export function git(cwd: string, ...args: string[]): string {
  const result = spawnSync("git", args, { cwd, encoding: "utf8", env: { ...process.env, ...GIT_ENV } });
  assert.equal(result.status, 0, `git ${args.join(" ")}: ${result.stderr}`);
  return result.stdout;
}

/** A new git repository holding the fixture, one commit on `main`. */
export function fixtureRepo(dirs: string[], fixture = SUM_LOOP): string {
  const dir = tempDir("perfloop-run-");
  dirs.push(dir);
  cpSync(fixture, dir, { recursive: true });
  git(dir, "init", "-q", "-b", "main");
  git(dir, "add", "-A");
  git(dir, "commit", "-qm", "base");
  return dir;
}

/** HEAD, the branch, the index bytes and every file outside .git and .hex-skills. */
export function personState(dir: string): Record<string, string> {
  const files = snapshotTree(dir);
  const mine = Object.fromEntries(Object.entries(files).filter(([path]) => !path.startsWith("/.git/") && !path.startsWith("/.hex-skills/")));
  return { ...mine, HEAD: git(dir, "rev-parse", "HEAD"), branch: git(dir, "symbolic-ref", "HEAD"), index: readFileSync(join(dir, ".git", "index")).toString("base64") };
}

export interface Spawned extends CliResult {
  /** True when the test killed it. */
  killed: boolean;
  ms: number;
}

/**
 * Runs perfloop with stdin closed; kills it with SIGKILL after `killAfterMs` when given, else
 * fails the test when it takes longer than `limitMs`.
 */
export function runPerfloop(args: string[], options: { cwd: string; env?: Record<string, string>; killAfterMs?: number; limitMs?: number }): Promise<Spawned> {
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
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    const limit = options.killAfterMs ?? options.limitMs ?? 240_000;
    const timer = setTimeout(() => {
      killed = true;
      child.kill("SIGKILL");
    }, limit);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
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
      resolve({ code: code ?? -1, stdout, stderr, json, killed, ms: Date.now() - started });
    });
  });
}

/** Reads the run's report.json. */
export function reportOf(dir: string, slug: string): Record<string, any> {
  return JSON.parse(readFileSync(join(dir, ".hex-skills", "optimization", slug, "report.json"), "utf8"));
}
