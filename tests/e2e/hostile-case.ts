/**
 * A hostile case: what it attacks, what it expects, how it sets up its world and its command
 * line; and `runCase`, which runs it and returns every broken invariant (hostile-run.ts) plus the
 * case's own expectations (hypotheses removed with a reason, kept, not kept, its own checks).
 */
import { spawnSync } from "node:child_process";
import { appendFileSync, rmSync } from "node:fs";
import process from "node:process";
import { perfloopArgv } from "../helpers/cli.ts";
import { checkInvariants, keptOf, perfloop, removedOf, type Ran } from "./hostile-run.ts";
import { worldState } from "./hostile-snapshot.ts";
import { makeWorld, TARGET, TEST, writeHypotheses, type World } from "./hostile-world.ts";

export interface HostileCase {
  /** "1".."33" for the brief's cases (with a letter for variants), "A1".. for the corpus' own. */
  id: string;
  /** One line: what it attacks. */
  attack: string;
  /** One line: the expected outcome. */
  expected: string;
  /** The exit codes accepted (1 only where a case expects it). */
  exits: readonly number[];
  /** Default `execute` (no profile phase); `run` drives the whole loop. */
  command?: "execute" | "run";
  /** Default DEFAULT_LIMIT_MS. */
  limitMs?: number;
  /**
   * The case needs a per-command time limit (timeoutArgs): with a build that has `--timeout`,
   * `--timeout 5` is passed; without one perfloop waits its default (10 minutes) and the case
   * fails on its own limit.
   */
  needsTimeout?: boolean;
  /** Changes the person's repository before its first commit. */
  beforeCommit?: (world: World) => void;
  /** Paths the person commits under .hex-skills/ (checked like every other file of theirs). */
  tracked?: readonly string[];
  /** The hypotheses (written to hyp/hypotheses.json), or the path to pass to --hypotheses. */
  hypotheses: (world: World) => object[] | string;
  /** The --test command; default `sh test.sh`. */
  test?: (world: World) => string;
  /** Flags added after the standard ones. */
  flags?: (world: World) => string[];
  /** The whole command line instead of the standard one (for flag cases). */
  argv?: (world: World, file: string) => string[];
  /** On exit 0: each id must be listed as removed, its reason matching. */
  removed?: Record<string, RegExp>;
  /** On exit 0: these ids must be kept. */
  kept?: readonly string[];
  /** On exit 0: these ids must not be kept. */
  notKept?: readonly string[];
  /** The case's own checks, after the run; one line per problem. */
  check?: (world: World, ran: Ran) => string[];
}

/** Most cases end in seconds; a case that makes something hang gets its own limit. */
export const DEFAULT_LIMIT_MS = 60_000;
/** The slug every case passes (one repository per case). */
export const SLUG = "hostile";

/** Whether the binary's `<command> --help` names `--timeout` (a per-command time limit). */
export function hasTimeoutFlag(command: "execute" | "run"): boolean {
  const [bin, ...prefix] = perfloopArgv();
  const help = spawnSync(bin!, [...prefix, command, "--help"], { encoding: "utf8", timeout: 30_000 });
  return /--timeout\b/.test(`${help.stdout}${help.stderr}`);
}

const timeoutFlag = new Map<string, boolean>();

/**
 * The flags that give a hanging case its per-command limit: HOSTILE_TIMEOUT_ARGS when set (""
 * for none, or e.g. "--timeout 5" to force it), else `--timeout 5` when the build has the flag.
 */
function timeoutArgs(command: "execute" | "run"): string[] {
  const forced = process.env.HOSTILE_TIMEOUT_ARGS;
  if (forced !== undefined) return forced.split(" ").filter(Boolean);
  if (!timeoutFlag.has(command)) timeoutFlag.set(command, hasTimeoutFlag(command));
  return timeoutFlag.get(command) ? ["--timeout", "5"] : [];
}

/** The standard command line of a case. */
export function argvOf(c: HostileCase, world: World, file: string): string[] {
  if (c.argv) return c.argv(world, file);
  const command = c.command ?? "execute";
  const test = c.test?.(world) ?? TEST;
  const common = ["--json", "--max-runs", "10", "--slug", SLUG];
  // --waive-gate: a BLOCK (the ~25 ms target judged fast enough on a loaded machine) would end
  // the run before any hypothesis is tried, and the case would pass without testing anything.
  const base = command === "run"
    ? ["run", TARGET, "--test", test, "--hypotheses", file, "--yes", "--max-cycles", "1", "--runs", "3", "--waive-gate", ...common]
    : ["execute", TARGET, "--hypotheses", file, "--test", test, ...common];
  if (c.needsTimeout) base.push(...timeoutArgs(command));
  return [...base, ...(c.flags?.(world) ?? [])];
}

export interface CaseResult {
  id: string;
  code: number;
  /** Stopped at the case's limit (then `code` is what perfloop exited with after the SIGTERM). */
  killed: boolean;
  ms: number;
  problems: string[];
  followUps: string[];
  /** What perfloop said it kept and removed (exit 0), or its last stderr line. */
  said: string;
}

/** The case's expectations on a finished run (exit 0): removed with reasons, kept, not kept. */
function hypothesisProblems(c: HostileCase, ran: Ran): string[] {
  if (ran.code !== 0 || ran.json === undefined) return [];
  const problems: string[] = [];
  const removed = removedOf(ran);
  const kept = keptOf(ran);
  for (const [id, reason] of Object.entries(c.removed ?? {})) {
    const said = removed.get(id);
    if (said === undefined) problems.push(`${id} should be listed as removed (${reason}); kept: [${kept.join(", ")}], removed: ${JSON.stringify([...removed])}`);
    else if (!reason.test(said)) problems.push(`${id} was removed, but its reason does not match ${reason}: ${said}`);
  }
  for (const id of c.kept ?? []) if (!kept.includes(id)) problems.push(`${id} should be kept; kept: [${kept.join(", ")}], removed: ${JSON.stringify([...removed])}`);
  for (const id of c.notKept ?? []) if (kept.includes(id)) problems.push(`${id} must not be kept, but it was`);
  return problems;
}

/** Runs one case in a world of its own; never throws (a crash of the harness is a problem too). */
export async function runCase(c: HostileCase): Promise<CaseResult> {
  let world: World | undefined;
  try {
    world = makeWorld(c.id, { beforeCommit: c.beforeCommit });
    const given = c.hypotheses(world);
    const file = typeof given === "string" ? given : writeHypotheses(world, given);
    const before = worldState(world, c.tracked);
    const limitMs = c.limitMs ?? DEFAULT_LIMIT_MS;
    const command = c.command ?? "execute";
    const ran = await perfloop(world, argvOf(c, world, file), limitMs);
    const verdict = await checkInvariants(world, ran, before, { exits: c.exits, limitMs, slug: SLUG, command, tracked: c.tracked });
    const problems = [...verdict.problems, ...hypothesisProblems(c, ran), ...(c.check?.(world, ran) ?? [])];
    const stop = ran.json?.final_result ? `${ran.json.final_result} (${ran.json.stop_reason}), ` : "";
    const said = ran.code === 0 ? `${stop}kept [${keptOf(ran).join(", ")}], removed ${JSON.stringify([...removedOf(ran)])}` : (ran.stderr.trim().split("\n").pop() ?? "").slice(0, 300);
    return record({ id: c.id, code: ran.code, killed: ran.killed, ms: ran.ms, problems, followUps: verdict.followUps, said });
  } catch (error) {
    return record({ id: c.id, code: -1, killed: false, ms: 0, problems: [`the harness failed: ${(error as Error).stack ?? error}`], followUps: [], said: "" });
  } finally {
    if (world && !process.env.HOSTILE_KEEP) rmSync(world.root, { recursive: true, force: true });
  }
}

/** HOSTILE_REPORT=<file>: one JSON line per case, for the table in hostile.test.ts. */
function record(result: CaseResult): CaseResult {
  const file = process.env.HOSTILE_REPORT;
  if (file) appendFileSync(file, `${JSON.stringify(result)}\n`);
  return result;
}
