/**
 * Helpers for the integration tests (tests/integration): the runtime's files on disk, the smoke
 * flow as data (so it can be driven synchronously, asynchronously or under kills), and a spawn
 * that can be SIGKILLed. Everything goes through real subprocesses and real temp directories.
 */
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { REPO_ROOT, cli, cliAsync, perfloopArgv, writeManifest, type CliResult } from "./cli.ts";

/** `<project>/.hex-skills/optimization/runtime` (contract §3). */
export function runtimeRoot(dir: string): string {
  return join(dir, ".hex-skills", "optimization", "runtime");
}

export function lockFile(dir: string): string {
  return join(runtimeRoot(dir), ".lock");
}

export function runsDir(dir: string): string {
  return join(runtimeRoot(dir), "runs");
}

export function activeDir(dir: string): string {
  return join(runtimeRoot(dir), "active", "ln-810");
}

export interface RunFiles {
  run_dir: string;
  manifest: string;
  state: string;
  checkpoints: string;
  history: string;
}

export function runFiles(dir: string, runId: string): RunFiles {
  const run_dir = join(runsDir(dir), runId);
  return {
    run_dir,
    manifest: join(run_dir, "manifest.json"),
    state: join(run_dir, "state.json"),
    checkpoints: join(run_dir, "checkpoints.json"),
    history: join(run_dir, "history.jsonl"),
  };
}

/** Run directories present under runs/ (sorted). */
export function runDirNames(dir: string): string[] {
  const runs = runsDir(dir);
  return existsSync(runs) ? readdirSync(runs).sort() : [];
}

/** Pointer files present under active/ln-810 (sorted), ignoring temp files. */
export function pointerNames(dir: string): string[] {
  const active = activeDir(dir);
  return existsSync(active) ? readdirSync(active).filter((name) => name.endsWith(".json")).sort() : [];
}

export function readJson(path: string): any {
  return JSON.parse(readFileSync(path, "utf8"));
}

/**
 * Parses history.jsonl strictly: every line must be JSON and the file must end with a newline.
 * Fails the test (naming the line) otherwise.
 */
export function readHistoryStrict(path: string): any[] {
  const text = readFileSync(path, "utf8");
  assert.ok(text.endsWith("\n"), `${path} must end with a newline (a torn last line was not repaired)`);
  return text
    .slice(0, -1)
    .split("\n")
    .map((line, index) => {
      try {
        return JSON.parse(line);
      } catch {
        assert.fail(`${path}: line ${index + 1} is not JSON: ${line.slice(0, 200)}`);
      }
    });
}

/** History events are numbered 1..n with no gap or repeat, all for one run. */
export function assertHistoryWellFormed(events: any[], runId: string, what: string): void {
  events.forEach((event, index) => {
    assert.equal(event.sequence, index + 1, `${what}: history line ${index + 1} has sequence ${event.sequence}`);
    assert.equal(event.run_id, runId, `${what}: history line ${index + 1} names run ${event.run_id}`);
  });
  assert.equal(events[0]?.event_type, "RUN_STARTED", `${what}: history must start with RUN_STARTED`);
}

/**
 * The checkpoints file form agrees with the history it was built from: one entry per
 * CHECKPOINT_RECORDED event, same phase, payload, time and sequence; sequences unique and rising.
 */
export function assertCheckpointsMatchHistory(checkpoints: any, events: any[], what: string): void {
  const recorded = events.filter((event) => event.event_type === "CHECKPOINT_RECORDED");
  const entries: any[] = checkpoints._history;
  assert.equal(entries.length, recorded.length, `${what}: ${recorded.length} CHECKPOINT_RECORDED events but ${entries.length} checkpoints`);
  const sequences = entries.map((entry) => entry.sequence);
  assert.equal(new Set(sequences).size, sequences.length, `${what}: checkpoint sequences repeat: ${sequences.join(",")}`);
  for (let i = 1; i < sequences.length; i++) {
    assert.ok(sequences[i] > sequences[i - 1], `${what}: checkpoint sequences not rising: ${sequences.join(",")}`);
  }
  entries.forEach((entry, index) => {
    const event = recorded[index];
    assert.equal(entry.phase, event.phase, `${what}: checkpoint ${index} phase`);
    assert.deepEqual(entry.payload, event.payload, `${what}: checkpoint ${index} payload`);
    assert.equal(entry.created_at, event.created_at, `${what}: checkpoint ${index} created_at must be its event's time (FIX 16)`);
    if (event.checkpoint_sequence !== undefined) {
      assert.equal(entry.sequence, event.checkpoint_sequence, `${what}: checkpoint ${index} sequence`);
    }
  });
  assert.ok(checkpoints._next_sequence > (sequences.at(-1) ?? 0), `${what}: _next_sequence ${checkpoints._next_sequence} not past the last entry`);
}

/** A failing call must not have printed a JavaScript stack trace. */
export function assertNoStackTrace(result: CliResult, what: string): void {
  const both = `${result.stdout}\n${result.stderr}`;
  assert.doesNotMatch(both, /\n\s+at .+[(:]\d+/, `${what}: stack trace printed:\n${both}`);
  assert.doesNotMatch(both, /internal error/, `${what}: internal error:\n${both}`);
}

/** Asserts exit 0 and `ok:true` JSON on stdout; returns the JSON. */
export function expectOk(result: CliResult, what: string): any {
  assert.equal(result.code, 0, `${what}: exit ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`);
  assert.equal(result.json?.ok, true, `${what}: ${result.stdout}`);
  return result.json;
}

/** A manifest file of its own per slug, so that two slugs can start at the same time. */
export function writeSlugManifest(dir: string, slug: string, maxCycles = 3): string {
  return writeManifest(dir, slug, maxCycles, {}, `manifest-${slug}.json`);
}

/** argv for `perfloop runtime <verb>`; `slug` null means no --slug (run lookup by pointer). */
export function runtimeArgs(dir: string, slug: string | null, verb: string, flags: Record<string, string | true | object> = {}): string[] {
  const args = ["runtime", verb, "--project-root", dir];
  if (slug !== null) args.push("--slug", slug);
  for (const [key, value] of Object.entries(flags)) {
    if (value === true) args.push(`--${key}`);
    else args.push(`--${key}`, typeof value === "string" ? value : JSON.stringify(value));
  }
  return args;
}

export interface Step {
  label: string;
  verb: string;
  flags: Record<string, string | true | object>;
  /** For advance/complete: the phase the run is in once the step has taken effect. */
  reaches?: string;
}

const cp = (phase: string, payload: object = {}): Step => ({
  label: `cp ${phase}`,
  verb: "checkpoint",
  flags: { phase: `PHASE_${phase}`, payload },
});
const adv = (to: string): Step => {
  const phase = to === "DONE" ? "DONE" : `PHASE_${to}`;
  return { label: `adv ${to}`, verb: "advance", flags: { to: phase }, reaches: phase };
};
const rwr = (worker: string, payload: object): Step => ({
  label: `rwr ${worker}`,
  verb: "record-worker-result",
  flags: { worker, payload },
});

/** The smoke flow of contract §7 after `start`, ending with `complete`. */
export function smokeSteps(slug: string): Step[] {
  return [
    cp("0_PREFLIGHT"),
    adv("1_PARSE_INPUT"),
    cp("1_PARSE_INPUT", { target_metric: { value: 500, unit: "ms" } }),
    adv("2_PROFILE"),
    rwr("ln-811", { baseline: { wall_time_ms: 6300 } }),
    cp("2_PROFILE"),
    adv("3_WRONG_TOOL_GATE"),
    cp("3_WRONG_TOOL_GATE", { gate_verdict: "PROCEED" }),
    adv("4_RESEARCH"),
    rwr("ln-812", { hypotheses: ["H1"] }),
    cp("4_RESEARCH", { hypotheses_count: 1 }),
    adv("5_SET_TARGET"),
    cp("5_SET_TARGET", { target_metric: { value: 500, unit: "ms" } }),
    adv("6_WRITE_CONTEXT"),
    cp("6_WRITE_CONTEXT", { context_file: `.hex-skills/optimization/${slug}/context.md` }),
    adv("7_VALIDATE_PLAN"),
    rwr("ln-813", { verdict: "GO" }),
    cp("7_VALIDATE_PLAN", { validation_verdict: "GO" }),
    adv("8_EXECUTE"),
    rwr("ln-814", { target_met: true }),
    cp("8_EXECUTE", { execution_result: { target_met: true } }),
    adv("9_CYCLE_BOUNDARY"),
    {
      label: "record-cycle",
      verb: "record-cycle",
      flags: { payload: { cycle: 1, status: "completed", stop_reason: "TARGET_MET", final_result: "TARGET_MET" } },
    },
    cp("9_CYCLE_BOUNDARY", { stop_reason: "TARGET_MET", final_result: "TARGET_MET" }),
    adv("10_AGGREGATE"),
    cp("10_AGGREGATE"),
    adv("11_REPORT"),
    cp("11_REPORT", { report_ready: true, final_result: "TARGET_MET" }),
    { label: "complete", verb: "complete", flags: {}, reaches: "DONE" },
  ];
}

/** Runs one step synchronously and requires success. */
export function runStep(dir: string, slug: string | null, step: Step): any {
  return expectOk(cli(runtimeArgs(dir, slug, step.verb, step.flags), { cwd: dir }), `${slug ?? "(no slug)"}: ${step.label}`);
}

/** Runs steps one after another without blocking the event loop (so two flows interleave). */
export async function runStepsAsync(dir: string, slug: string, steps: Step[]): Promise<any[]> {
  const out: any[] = [];
  for (const step of steps) {
    out.push(expectOk(await cliAsync(runtimeArgs(dir, slug, step.verb, step.flags), { cwd: dir }), `${slug}: ${step.label}`));
  }
  return out;
}

export interface Exited {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

export interface Killable {
  child: ChildProcess;
  exited: Promise<Exited>;
}

/** Spawns perfloop with `args` (no shell), so that `child.kill("SIGKILL")` hits perfloop itself. */
export function spawnPerfloop(args: string[], cwd: string = REPO_ROOT): Killable {
  const [command, ...prefix] = perfloopArgv();
  const child = spawn(command!, [...prefix, ...args], {
    cwd,
    env: { ...process.env, NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (chunk) => (stdout += chunk));
  child.stderr!.on("data", (chunk) => (stderr += chunk));
  const exited = new Promise<Exited>((resolvePromise, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => resolvePromise({ code, signal, stdout, stderr }));
  });
  return { child, exited };
}

/** A small seeded PRNG (mulberry32), so that a failing random schedule can be replayed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const delay = (ms: number): Promise<void> => new Promise((resolvePromise) => setTimeout(resolvePromise, ms));
