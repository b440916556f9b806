/**
 * Runs perfloop for one hostile case and checks what every case must hold (hostile.test.ts): the
 * exit code's class and what goes with it, no internal error or stack trace, the time limit, no
 * process of the case left alive, and the person's files, git state and disk unchanged. Every
 * broken invariant is collected as one line, so that a case reports all it damaged at once.
 */
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { constants } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { perfloopArgv } from "../helpers/cli.ts";
import { fsckProblems, snapshotDiff, worldState } from "./hostile-snapshot.ts";
import type { World } from "./hostile-world.ts";

export interface Ran {
  args: string[];
  code: number;
  stdout: string;
  stderr: string;
  json: any;
  ms: number;
  /** Killed by the case's time limit. */
  killed: boolean;
}

/** Between the SIGTERM at a case's limit and the SIGKILL. */
const TERM_GRACE_MS = 5000;

/** Runs the binary in the case's world (cwd: the repository); stopped after `limitMs`. */
export function perfloop(world: World, args: string[], limitMs: number): Promise<Ran> {
  const [command, ...prefix] = perfloopArgv();
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(command!, [...prefix, ...args], { cwd: world.repo, env: world.env, stdio: ["ignore", "pipe", "pipe"], detached: true });
    let stdout = "";
    let stderr = "";
    let killed = false;
    child.stdout.on("data", (chunk) => (stdout = stdout.length < 4_000_000 ? stdout + chunk : stdout));
    child.stderr.on("data", (chunk) => (stderr = stderr.length < 4_000_000 ? stderr + chunk : stderr));
    // At the limit, SIGTERM (as a CI job's timeout sends it), then SIGKILL to its process group.
    let hardKill: ReturnType<typeof setTimeout> | undefined;
    const timer = setTimeout(() => {
      killed = true;
      child.kill("SIGTERM");
      hardKill = setTimeout(() => {
        try {
          process.kill(-child.pid!, "SIGKILL");
        } catch {
          child.kill("SIGKILL");
        }
      }, TERM_GRACE_MS);
    }, limitMs);
    const done = (code: number | null, signal?: NodeJS.Signals | null) => {
      clearTimeout(timer);
      clearTimeout(hardKill);
      let json: unknown;
      try {
        json = JSON.parse(stdout);
      } catch {
        json = undefined;
      }
      // Killed by a signal: 128 + its number, as a shell reports it, and the signal named on stderr.
      const bySignal = signal ? 128 + (constants.signals[signal] ?? 0) : -1;
      if (signal && !killed) stderr += `\n(the harness: perfloop was killed by ${signal})`;
      resolve({ args, code: code ?? bySignal, stdout, stderr, json, ms: Date.now() - started, killed });
    };
    child.on("error", (error) => ((stderr += String(error)), done(-1)));
    child.on("close", done);
  });
}

/** Live processes of the case: HOSTILE_MARK in their environment, or its mark or sleep number on their command line. */
export function caseProcesses(world: World): { pid: number; cmdline: string }[] {
  const found: { pid: number; cmdline: string }[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${name}/cmdline`, "latin1").replace(/\0/g, " ").trim();
      if (!cmdline) continue; // a zombie, or a kernel thread
      let environ = "";
      try {
        environ = readFileSync(`/proc/${name}/environ`, "latin1");
      } catch {
        // Another user's process: only its command line can name the case.
      }
      if (cmdline.includes(world.mark) || cmdline.includes(world.sleep) || environ.includes(`HOSTILE_MARK=${world.mark}`)) found.push({ pid: Number(name), cmdline });
    } catch {
      // Gone meanwhile.
    }
  }
  return found;
}

/** Waits up to `ms` for the case's processes to end; then kills what is left (by pid) and returns it. */
export async function leftovers(world: World, ms = 2000): Promise<string[]> {
  const until = Date.now() + ms;
  let alive = caseProcesses(world);
  while (alive.length > 0 && Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    alive = caseProcesses(world);
  }
  for (const { pid } of alive) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Ended meanwhile.
    }
  }
  return alive.map(({ pid, cmdline }) => `${pid} ${cmdline.slice(0, 120)}`);
}

/**
 * stderr is exactly one line naming the problem: `perfloop: <message>`, or with --json the same
 * message as `{"ok":false,"error":"<message>"}` (src/main.ts writes errors so under --json).
 */
function oneLineRefusal(stderr: string): boolean {
  const lines = stderr.split("\n").filter((line) => line.trim());
  if (lines.length !== 1) return false;
  const line = lines[0]!;
  if (line.startsWith("perfloop: ")) return true;
  try {
    const parsed = JSON.parse(line);
    return parsed.ok === false && typeof parsed.error === "string" && parsed.error.length > 0 && !parsed.error.includes("\n");
  } catch {
    return false;
  }
}

function tail(text: string, lines = 6): string {
  return text.trim().split("\n").slice(-lines).join(" | ").slice(0, 600);
}

export interface Expectation {
  /** The exit codes the case accepts (1 only where the case expects it). */
  exits: readonly number[];
  limitMs: number;
  /** The slug the case passes (for status and resume). */
  slug: string;
  /** `run` (the whole loop) or `execute`. */
  command: "run" | "execute";
  /** Paths the person committed under .hex-skills/ (theirs, so checked too). */
  tracked?: readonly string[];
}

export interface Verdict {
  ran: Ran;
  /** Every broken invariant, one line each; empty when the case holds. */
  problems: string[];
  /** Extra invocations (resume, status) with their exit codes, for the record. */
  followUps: string[];
}

/** Checks the invariants of one finished invocation and carries a paused or failed run to its end. */
export async function checkInvariants(world: World, ran: Ran, before: Record<string, string>, expect: Expectation): Promise<Verdict> {
  const problems: string[] = [];
  const followUps: string[] = [];
  const said = `exit ${ran.code} after ${(ran.ms / 1000).toFixed(1)} s; stderr: ${tail(ran.stderr)}`;
  if (ran.killed) problems.push(`did not end within ${expect.limitMs / 1000} s (stopped with SIGTERM, then SIGKILL); ${tail(ran.stderr)}`);
  const left = await leftovers(world);
  if (left.length > 0) problems.push(`processes left alive after perfloop ${ran.killed ? "was stopped" : "ended"}: ${left.join("; ")}`);
  if (!ran.killed && !expect.exits.includes(ran.code)) problems.push(`expected exit ${expect.exits.join(" or ")}, got ${said}`);
  const internal = [ran.stderr, ran.stdout].find((text) => /internal error/i.test(text) || /^ {4}at /m.test(text));
  if (internal) problems.push(`an internal error or a stack trace: ${tail(internal, 8)}`);

  const runsDir = join(world.repo, ".hex-skills", "optimization", "runtime", "runs");
  if (ran.code === 2) {
    if (!oneLineRefusal(ran.stderr)) problems.push(`exit 2 must come with exactly one "perfloop: ..." line on stderr (with --json: one {"ok":false,"error":...} line), got: ${tail(ran.stderr)}`);
    if (existsSync(runsDir)) problems.push("exit 2 (refused) but a run was written under .hex-skills/optimization/runtime/runs/");
  }
  if (ran.code === 3) {
    const cancel = await perfloop(world, ["resume", "--slug", expect.slug, "--decide", "cancel", "--yes", "--json"], 60_000);
    followUps.push(`resume --decide cancel: exit ${cancel.code}`);
    if (cancel.code !== 0) problems.push(`paused (exit 3), but resume --decide cancel --yes gave exit ${cancel.code}: ${tail(cancel.stderr)}`);
  }
  if (ran.code === 1 && expect.command === "run" && !ran.killed) {
    // A failed phase is retried by resume; the same failure twice in a row is a run stuck forever.
    const again = await perfloop(world, ["resume", "--slug", expect.slug, "--yes", "--json"], expect.limitMs);
    followUps.push(`resume: exit ${again.code}`);
    const last = (text: string) => text.trim().split("\n").pop() ?? "";
    if (again.code === 1 && last(again.stderr) === last(ran.stderr)) problems.push(`resume fails the same way again: ${tail(again.stderr, 2)}`);
    if (again.code === 3) await perfloop(world, ["resume", "--slug", expect.slug, "--decide", "cancel", "--yes"], 60_000);
    const after = await leftovers(world);
    if (after.length > 0) problems.push(`processes left alive after resume: ${after.join("; ")}`);
  }
  if (ran.code === 0 && expect.command === "run") {
    const status = await perfloop(world, ["status", "--slug", expect.slug, "--json"], 30_000);
    const phase = status.json?.runs?.[0]?.phase ?? status.json?.last_run?.phase;
    followUps.push(`status: ${phase}`);
    if (status.json?.runs?.length || phase !== "DONE") problems.push(`exit 0, but perfloop status says the run is ${phase ?? "unknown"}: ${tail(status.stdout + status.stderr)}`);
  }

  const damage = snapshotDiff(before, worldState(world, expect.tracked));
  if (damage.length > 0) problems.push(`the person's files, git state or disk changed: ${damage.slice(0, 12).join("; ")}${damage.length > 12 ? `; and ${damage.length - 12} more` : ""}`);
  const fsck = fsckProblems(world.repo);
  if (fsck) problems.push(`git fsck is not clean: ${tail(fsck)}`);
  return { ran, problems, followUps };
}

/** The removed hypotheses and their reasons, from execute's JSON or run's report (every cycle). */
export function removedOf(ran: Ran): Map<string, string> {
  const json = ran.json ?? {};
  const list: { id: string; reason: string }[] = json.hypotheses_removed ?? (json.cycles ?? []).flatMap((cycle: { removed?: { id: string; reason: string }[] }) => cycle.removed ?? []);
  return new Map(list.map((r) => [r.id, r.reason]));
}

/** The kept hypotheses, from execute's JSON or run's report. */
export function keptOf(ran: Ran): string[] {
  const json = ran.json ?? {};
  return json.hypotheses_applied ?? (json.cycles ?? []).flatMap((cycle: { kept?: { id: string }[] }) => (cycle.kept ?? []).map((k) => k.id));
}
