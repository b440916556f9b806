/**
 * Runs perfloop as a subprocess, the way a person or an agent would: the compiled binary when
 * PERFLOOP_BIN is set, otherwise the sources under the runtime running the tests (Bun or Deno).
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import process from "node:process";

export const REPO_ROOT = resolve(import.meta.dirname, "..", "..");
export const MAIN = join(REPO_ROOT, "src", "main.ts");

export function runtimeName(): "bun" | "deno" | "node" {
  const g = globalThis as Record<string, unknown>;
  if (g.Bun) return "bun";
  if (g.Deno) return "deno";
  return "node";
}

/** argv prefix that starts perfloop. */
export function perfloopArgv(): string[] {
  const bin = process.env.PERFLOOP_BIN;
  if (bin) return [resolve(bin)];
  if (runtimeName() === "deno") return [process.execPath, "run", "-A", "--no-check", MAIN];
  return [process.execPath, MAIN];
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON when non-empty, else stderr (as the original's harness does). */
  json: any;
}

function parseJson(stdout: string, stderr: string): unknown {
  const text = stdout.trim() ? stdout : stderr;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export function cli(args: string[], options: { cwd?: string; env?: Record<string, string>; input?: string; timeoutMs?: number; maxBuffer?: number } = {}): CliResult & { timedOut: boolean } {
  const [command, ...prefix] = perfloopArgv();
  const result = spawnSync(command!, [...prefix, ...args], {
    cwd: options.cwd ?? REPO_ROOT,
    env: { ...process.env, NO_COLOR: "1", ...options.env },
    input: options.input ?? "",
    encoding: "utf8",
    timeout: options.timeoutMs ?? 60_000,
    ...(options.maxBuffer ? { maxBuffer: options.maxBuffer } : {}),
  });
  const stdout = result.stdout ?? "";
  const stderr = result.stderr ?? "";
  const timedOut = (result.error as NodeJS.ErrnoException | undefined)?.code === "ETIMEDOUT" || result.signal === "SIGTERM";
  return { code: result.status ?? -1, stdout, stderr, json: parseJson(stdout, stderr), timedOut };
}

/** The same, without blocking (for concurrency tests). */
export function cliAsync(args: string[], options: { cwd?: string } = {}): Promise<CliResult> {
  const [command, ...prefix] = perfloopArgv();
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command!, [...prefix, ...args], {
      cwd: options.cwd ?? REPO_ROOT,
      env: { ...process.env, NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => resolvePromise({ code: code ?? -1, stdout, stderr, json: parseJson(stdout, stderr) }));
  });
}

export function tempDir(prefix = "perfloop-test-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Every file under `dir` with its bytes, to prove that nothing was written. */
export function snapshotTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (current: string) => {
    for (const name of readdirSync(current)) {
      const path = join(current, name);
      if (statSync(path).isDirectory()) walk(path);
      else out[path.slice(dir.length)] = readFileSync(path, "utf8");
    }
  };
  walk(dir);
  return out;
}

/** The manifest the original's tests use (contract §7). */
export function writeManifest(dir: string, slug: string, maxCycles = 3, extra: Record<string, unknown> = {}, name = "manifest.json"): string {
  const path = join(dir, name);
  writeFileSync(
    path,
    JSON.stringify({
      slug,
      target: `${slug} target`,
      observed_metric: { type: "response_time", value: 6300, unit: "ms" },
      cycle_config: { max_cycles: maxCycles, plateau_threshold: 5 },
      execution_mode: "execute",
      ...extra,
    }),
  );
  return path;
}

/** A tiny driver for one project + slug, like the original's test helpers. */
export class RuntimeDriver {
  constructor(
    readonly dir: string,
    readonly slug: string,
  ) {}

  call(verb: string, flags: Record<string, string | true | object> = {}): CliResult {
    const args = ["runtime", verb, "--project-root", this.dir, "--slug", this.slug];
    for (const [key, value] of Object.entries(flags)) {
      if (value === true) args.push(`--${key}`);
      else args.push(`--${key}`, typeof value === "string" ? value : JSON.stringify(value));
    }
    return cli(args, { cwd: this.dir });
  }

  start(maxCycles = 3, extra: Record<string, unknown> = {}): CliResult {
    return this.call("start", { "manifest-file": writeManifest(this.dir, this.slug, maxCycles, extra) });
  }

  cp(phase: string, payload: object = {}): CliResult {
    return this.call("checkpoint", { phase: `PHASE_${phase}`, payload });
  }

  adv(to: string): CliResult {
    return this.call("advance", { to: to === "DONE" ? "DONE" : `PHASE_${to}` });
  }

  rwr(worker: string, payload: object): CliResult {
    return this.call("record-worker-result", { worker, payload });
  }

  status(): CliResult {
    return this.call("status");
  }
}
