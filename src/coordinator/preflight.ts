/**
 * Phase 0, before anything is written: everything `perfloop run` needs is checked here, so that
 * bad input is one clear line (exit 2) and leaves no run, no file and no ref behind.
 *
 *  1. a git repository with a commit; the target parsed; the metrics parsed; the cycle settings;
 *  2. the slug (derived from the target when not given) is free: no unfinished run, no branch
 *     `perfloop/<slug>` from an earlier run;
 *  3. no tracked file is changed (the run's own input files, such as the hypotheses file, may be
 *     uncommitted); untracked files do not refuse, side trees never have them: said once, and
 *     named when a command fails for want of one;
 *  4. the hypotheses file reads and validates;
 *  5. the test command (given, or discovered) passes, and the target runs once successfully, on
 *     the base commit, in a temporary side tree outside the repository.
 * The person's tree, index and HEAD are only read. The steps of 5, which take time (the copy, the
 * setup, the tests, the target), are announced as they begin and end with their durations
 * (`PreflightWatch`); every refusal that needs none of them comes before them, as one line.
 * Ctrl-C stops preflight at once.
 */
import * as fs from "node:fs";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { CancelledError, UsageError } from "../errors.ts";
import { confinementHint } from "../confine/hint.ts";
import { resolveAllowWrite } from "../confine/allow-write.ts";
import { parseAllowRegression } from "../execute/guardrails.ts";
import { Sandbox } from "../confine/sandbox.ts";
import { branchName, currentBranch, headCommit, materialize, nameUntrackedIn, openRepo, resolveCommitish, treeStatus, untrackedNotice, withoutInputs, type GitRepo, type UntrackedFiles } from "../git/index.ts";
import type { Platform } from "../platform/index.ts";
import { requireProjectRoot } from "../profile/project-root.ts";
import { parseTarget, slugFromTarget } from "../profile/target.ts";
import { checkTestCommand, discoverTestCommand } from "../profile/test-command.ts";
import { loadHypotheses } from "../research/hypotheses.ts";
import { knobFlagHypotheses } from "../research/knob-flag.ts";
import { detectStack } from "../research/stack.ts";
import { ownCandidates } from "../research/own-candidates.ts";
import type { TryRefOption } from "./try-refs.ts";
import type { TargetSpec } from "../profile/types.ts";
import type { TargetRunner } from "../execute/target-runners.ts";
import { safe } from "../runtime/paths.ts";
import { refuseUnsafeStateDir } from "../git/state-guard.ts";
import { activeRunOf } from "./runtime-client.ts";
import { parseMetric, type MetricSpec } from "../model/metric-spec.ts";
import type { RunOptions, ServeOptions } from "./run-options.ts";
import { targetRunnerOf, UNSERVED_ENDPOINT, UNSERVED_HINT } from "./target-runner.ts";
import { checkAgentInstalled } from "../agents/spec.ts";
import { checkNumber, NUMBER_FLAGS, type NumberFlag } from "./number-ranges.ts";

/** The target's probe run and the preflight test run get this long. */
export const PREFLIGHT_TIMEOUT_MS = 20 * 60_000;
/** How long a server started with --serve may take to answer, unless --ready-timeout says. */
const DEFAULT_READY_TIMEOUT_S = 30;
/** The preflight copies in the temporary directory: `perfloop-preflight-<pid>-XXXXXX`. */
const PREFLIGHT_PREFIX = "perfloop-preflight-";
/** Lines of a failing probe's output quoted in the error. */
const PROBE_TAIL_LINES = 8;
/** Lines of a failing probe's output kept in the error's data (output_tail). */
const OUTPUT_TAIL_LINES = 60;
export const DEFAULT_MAX_CYCLES = 3;
export const DEFAULT_PLATEAU_PCT = 5;
/** A Ctrl-C during preflight: there is no run to resume yet. */
const STOPPED = "stopped during preflight; nothing was written: run the same command again to start";

/** What the person asked for on the command line, already typed (cli/run.ts). */
export interface RunRequest {
  target: string;
  /** Where perfloop was started (--project-root or the current directory). */
  start: string;
  slug?: string;
  observed?: string;
  targetMetric?: string;
  maxCycles?: number;
  plateauPct?: number;
  mode?: "execute" | "plan_only";
  test?: string;
  e2e?: string;
  hypotheses?: string;
  agent?: string;
  agentModel?: string;
  agentTimeoutS?: number;
  agentCalls?: number;
  reviewers?: readonly string[];
  /** `--allow-regression`, as typed (guardrails.ts checks each). */
  allowRegression?: readonly string[];
  /** The built-in rules (default on). */
  rules?: boolean;
  /** `--knob` values as typed. */
  knobs?: readonly string[];
  /** `--try-branch` and `--try-commit` refs as typed. */
  tryBranches?: readonly string[];
  tryCommits?: readonly string[];
  thresholdPct?: number;
  maxRuns?: number;
  runs?: number;
  warmup?: number;
  setup?: string;
  waiveGate?: boolean;
  merge?: boolean;
  keepTrees?: boolean;
  budgetMinutes?: number;
  allowDirty?: boolean;
  /** More directories commands in side trees may write (docs/safety.md). */
  allowWrite?: readonly string[];
  /** A per-candidate time limit in seconds for the target and the tests; default derived from the base. */
  timeoutS?: number;
  /** fn: targets: the arguments as JSON; endpoints: requests, concurrency, method. */
  args?: string;
  requests?: number;
  concurrency?: number;
  method?: string;
  /** Endpoints: the request body; `--serve`, `--ready-path`, `--ready-timeout` (docs/run.md). */
  body?: string;
  serve?: string;
  readyPath?: string;
  readyTimeoutS?: number;
}

/** Ctrl-C, and what preflight is doing for the progress: each step as it begins, and as it ends after `ms`. */
interface PreflightWatch {
  /** Aborted by Ctrl-C: preflight stops (its commands are ended by the signal) and writes nothing. */
  signal: AbortSignal;
  /** May wait (a spinner starting). */
  begin(step: string): Promise<void>;
  end(step: string, ms: number): void;
}

export interface Preflight {
  repo: GitRepo;
  slug: string;
  options: RunOptions;
  observed: MetricSpec | null;
  target: MetricSpec | null;
  /** What preflight checked, for the checkpoint and the report. */
  checks: { tests_ms: number; probe_ms: number; dirty_ignored: string[]; untracked: UntrackedFiles };
  warnings: string[];
}

/**
 * A number of the request, in its flag's documented range (cli/number-flags.ts: the same check
 * the command line makes, for callers that build a request in code, such as the demo).
 */
function bounded(flag: NumberFlag, value: number | undefined): number | undefined {
  return value === undefined ? undefined : checkNumber(flag, value);
}

/** The run's agent call budget when `--agent-calls` is not given (docs/agents.md). */
const DEFAULT_AGENT_CALLS = 20;

/** `--agent` and `--reviewer`: a preset's CLI must be installed; the agent's flags need an agent. */
function checkAgentFlags(request: RunRequest, env: Readonly<Record<string, string | undefined>>): void {
  if (request.agent === undefined) {
    const stray = request.agentModel !== undefined ? "--agent-model" : request.agentTimeoutS !== undefined ? "--agent-timeout" : request.agentCalls !== undefined ? "--agent-calls" : null;
    if (stray) throw new UsageError(`${stray} is given without --agent`, "name the agent too, e.g. --agent claude (docs/agents.md)");
  } else checkAgentInstalled("--agent", request.agent, env);
  for (const reviewer of request.reviewers ?? []) {
    if (reviewer.trim() === "") throw new UsageError("--reviewer needs a value", "a preset (claude, codex, gemini, opencode) or a command line (docs/agents.md)");
    checkAgentInstalled("--reviewer", reviewer, env);
  }
}

/** Each `--try-branch` / `--try-commit` resolved to a commit (an unknown ref is bad input), checked by the ids it will get. */
async function resolveTryRefs(repo: GitRepo, branches: readonly string[], commits: readonly string[]): Promise<TryRefOption[]> {
  ownCandidates({ branches: [...branches], commits: [...commits] }); // refuses a ref that cannot be one, or one given twice
  const out: TryRefOption[] = [];
  for (const [flag, refs] of [["--try-branch", branches], ["--try-commit", commits]] as const) {
    for (const ref of refs) {
      try {
        out.push({ flag, ref, commit: await resolveCommitish(repo, ref) });
      } catch (error) {
        if (error instanceof UsageError) throw new UsageError(`${flag} ${ref}: ${error.message}`, error.hint ?? "name a branch, a tag or a commit of this repository");
        throw error;
      }
    }
  }
  return out;
}

/**
 * `--serve`, `--ready-path`, `--ready-timeout`, `--body` and the request flags, checked against
 * the target: the server and request flags belong to an endpoint, the readiness ones to --serve, a
 * body to a method that has one. `perfloop run`, `perfloop profile` and `perfloop bisect` alike.
 */
export function serveOptions(request: Pick<RunRequest, "serve" | "readyPath" | "readyTimeoutS" | "body" | "requests" | "concurrency" | "method">, spec: Pick<TargetSpec, "kind">): ServeOptions | null {
  if (spec.kind !== "endpoint") {
    const given: [string, unknown][] = [["--serve", request.serve], ["--ready-path", request.readyPath], ["--ready-timeout", request.readyTimeoutS], ["--body", request.body], ["--requests", request.requests], ["--concurrency", request.concurrency], ["--method", request.method]];
    const stray = given.find(([, value]) => value !== undefined)?.[0] ?? null;
    if (stray) throw new UsageError(`${stray} applies to endpoint targets (http:// or https:// URLs) only`, `remove ${stray}, or target an endpoint`);
    return null;
  }
  if (request.serve === undefined) {
    const stray = request.readyPath !== undefined ? "--ready-path" : request.readyTimeoutS !== undefined ? "--ready-timeout" : null;
    if (stray) throw new UsageError(`${stray} is given without --serve`, 'name the command that starts the server too, e.g. --serve "node server.js"');
    return null;
  }
  return { command: request.serve, ready_path: request.readyPath ?? null, ready_timeout_s: request.readyTimeoutS ?? DEFAULT_READY_TIMEOUT_S };
}

/** One round of a function or an endpoint on the base, in the preflight tree: its time, or why it cannot be measured. */
async function probeTarget(runner: TargetRunner, platform: Platform, cwd: string, env: Readonly<Record<string, string | undefined>>, spec: TargetSpec): Promise<number> {
  const hint = spec.kind === "function" ? `check that ${spec.export_name} is exported by ${spec.file} as a function, and --args` : "check --serve: the server must listen on $PORT and answer the URL (docs/run.md)";
  const opened = await runner.open(platform, cwd, env);
  if (!opened.ok) throw new UsageError(`the target cannot be measured on the base commit: ${opened.reason}`, hint);
  try {
    const started = platform.now();
    const round = await opened.target.runOnce(0, true, { timeoutMs: PREFLIGHT_TIMEOUT_MS, maxOutputBytes: 64 * 1024 });
    if (!round.ok) throw new UsageError(`the target fails on the base commit: ${round.failure.message}`, confinementHint(`${round.failure.stderr_tail}\n${round.failure.stdout_tail}`) ?? hint);
    return platform.now() - started;
  } finally {
    await opened.target.close();
  }
}

export async function preflight(platform: Platform, request: RunRequest, watch: PreflightWatch): Promise<Preflight> {
  const timed = async <T>(begin: string, end: (value: T) => string, work: () => Promise<T>): Promise<T> => {
    await watch.begin(begin);
    const started = platform.now();
    const value = await work();
    watch.end(end(value), platform.now() - started);
    return value;
  };
  const start = resolve(platform.cwd, request.start);
  requireProjectRoot(start);
  if (!request.target.trim()) throw new UsageError("the target is empty", 'pass what to make faster in quotes, e.g. perfloop run "npm run build"');
  const repo = await openRepo(fs, start);
  await refuseUnsafeStateDir(repo);
  const subdir = relative(repo.dir, start).split("\\").join("/");
  const targetSpec = parseTarget(request.target, { projectRoot: start, args: request.args, requests: request.requests, concurrency: request.concurrency, method: request.method, body: request.body });
  const mode = request.mode ?? "execute";
  const serve = serveOptions(request, targetSpec);
  // A function's or a served endpoint's runner: preflight measures one round with it on HEAD (in plan_only too).
  const runnerChoice = mode === "execute" || serve ? targetRunnerOf({ target_spec: targetSpec, subdir, serve }, repo.dir) : null;
  const defaultTime = targetSpec.kind === "endpoint" ? "latency_p50_ms" : "wall_time_ms";
  const observed = request.observed === undefined ? null : parseMetric(request.observed, { flag: "--observed", defaultTimeMetric: defaultTime, allowRelative: false });
  const target = request.targetMetric === undefined ? null : parseMetric(request.targetMetric, { flag: "--target", defaultTimeMetric: defaultTime });
  const maxCycles = bounded(NUMBER_FLAGS.maxCycles, request.maxCycles) ?? DEFAULT_MAX_CYCLES;
  const plateau = bounded(NUMBER_FLAGS.plateau, request.plateauPct) ?? DEFAULT_PLATEAU_PCT;
  const threshold = bounded(NUMBER_FLAGS.threshold, request.thresholdPct);
  const maxRuns = bounded(NUMBER_FLAGS.maxRuns, request.maxRuns);
  const runs = bounded(NUMBER_FLAGS.runs, request.runs);
  const warmup = bounded(NUMBER_FLAGS.warmup, request.warmup);
  const budget = bounded(NUMBER_FLAGS.budget, request.budgetMinutes);

  const slug = safe(request.slug ?? slugFromTarget(targetSpec));
  const branch = branchName(slug);
  if (activeRunOf(platform, repo.dir, slug)) {
    throw new UsageError(`an unfinished run exists for slug ${slug}`, `continue it with: perfloop resume --slug ${slug} (perfloop status shows where it stands), or pass another --slug`);
  }
  const git = await import("isomorphic-git");
  const existing = await git.default.resolveRef({ fs: repo.gitFs, dir: repo.dir, gitdir: repo.gitdir, ref: `refs/heads/${branch}` }).catch(() => null);
  if (existing) {
    throw new UsageError(`branch ${branch} already exists (from an earlier run)`, `merge or delete it first (git branch -D ${branch}), or pass another --slug`);
  }

  // Inputs of the run may be uncommitted: the hypotheses file and the patch files it names.
  const hypothesesFile = request.hypotheses === undefined ? null : resolve(platform.cwd, request.hypotheses);
  const hypotheses = hypothesesFile ? await loadHypotheses(hypothesesFile, repo.dir) : [];
  const inputs = new Set<string>();
  if (hypothesesFile) inputs.add(relative(repo.dir, hypothesesFile));
  for (const h of hypotheses) if (h.change.kind === "patch" && h.change.path) inputs.add(h.change.path);
  const base = await headCommit(repo);
  const head = `HEAD (${base.slice(0, 7)})`;
  const status = await treeStatus(repo);
  const ignored = status.dirty.filter((d) => inputs.has(d.path));
  const blocking = status.changed.filter((d) => !inputs.has(d.path));
  if (blocking.length > 0 && !request.allowDirty) {
    const shown = blocking.slice(0, 10).map((d) => `${d.status.trim()} ${d.path}`).join(", ") + (blocking.length > 10 ? ` and ${blocking.length - 10} more` : "");
    throw new UsageError(`the work tree has uncommitted changes: ${shown}`, "commit or stash them first, or pass --allow-dirty (the run then starts from HEAD without them)");
  }
  // Untracked files do not refuse: the side trees start from the base commit and never see them.
  const untracked = withoutInputs(status.untracked, inputs);
  const warnings: string[] = [];
  if (runnerChoice?.kind === "unservable") warnings.push(`${UNSERVED_ENDPOINT.split(":")[0]}: the run measures ${targetSpec.kind === "endpoint" ? targetSpec.url : request.target} as it runs, plans, and changes nothing (as --mode plan_only; ${UNSERVED_HINT})`);
  if (blocking.length > 0) warnings.push(`the run starts from HEAD (${base.slice(0, 7)}); uncommitted changes are not included`);
  const notice = untrackedNotice(untracked);
  if (notice) warnings.push(notice);
  checkAgentFlags(request, platform.env);
  const allowRegression = parseAllowRegression(request.allowRegression ?? []);
  const knobs = [...(request.knobs ?? [])];
  knobFlagHypotheses(knobs); // refuses a bad --knob now, with the flag named
  const tryRefs = await resolveTryRefs(repo, request.tryBranches ?? [], request.tryCommits ?? []);
  const otherSource = knobs.length > 0 || tryRefs.length > 0;
  if (!hypothesesFile && !request.agent && request.rules === false && !otherSource) warnings.push("no hypotheses source (--no-rules, and neither --hypotheses nor --agent): the run profiles and reports, and changes nothing");

  const discovered = request.test ? null : discoverTestCommand(start) ?? (start === repo.dir ? null : discoverTestCommand(repo.dir));
  const testCommand = request.test ?? discovered?.command;
  if (!testCommand) {
    throw new UsageError("no test command found (none given, none discovered)", 'pass the command that checks the code is still right, e.g. --test "npm test" (discovery rules: docs/profile-rules.md)');
  }
  const testSource = request.test ? "--test" : `${discovered!.source}: ${discovered!.reason}`;

  const allowWrite = resolveAllowWrite(platform.cwd, repo.dir, request.allowWrite ?? []);
  const timeoutS = bounded(NUMBER_FLAGS.timeout, request.timeoutS);
  if (request.e2e !== undefined && !request.e2e.trim()) throw new UsageError("--e2e needs a command", 'e.g. --e2e "npm run e2e"');

  // The tests and one run of the target on the base commit, in a confined side tree outside the
  // repository (src/confine/sandbox.ts); removed however preflight ends (a signal included; a
  // copy left by a kill -9 is removed by the next preflight).
  sweepPreflightCopies(platform);
  const scratch = mkdtempSync(join(tmpdir(), `${PREFLIGHT_PREFIX}${platform.pid}-`));
  const sandbox = new Sandbox(platform, { repoDir: repo.dir, gitdir: repo.gitdir, allowWrite, notice: (message) => warnings.push(message), signal: watch.signal });
  const checkStopped = () => {
    if (watch.signal.aborted) throw new CancelledError(STOPPED);
  };
  let testsMs = 0;
  let probeMs = 0;
  try {
    const tree = join(scratch, "tree");
    await timed(`copying ${head} into a temporary tree`, () => `${head} copied into a temporary tree`, () => materialize(repo, base, tree));
    checkStopped();
    sandbox.side(tree);
    const confined = sandbox.platform;
    const cwd = join(tree, subdir);
    const env = platform.env;
    if (request.setup) {
      const setup = await timed(`running the setup command on ${head}: ${request.setup}`, (r) => (r.exitCode === 0 ? "the setup command ran" : "the setup command failed"), () => confined.spawn({ shell: request.setup!, cwd, env, timeoutMs: PREFLIGHT_TIMEOUT_MS, maxOutputBytes: 64 * 1024 }));
      checkStopped();
      if (setup.spawnError || setup.exitCode !== 0) throw new UsageError(`the setup command \`${request.setup}\` failed on the base commit (${setup.spawnError ?? `exit ${setup.exitCode}`}): ${tailOf(setup.stdout, setup.stderr)}`, confinementHint(`${setup.stdout}\n${setup.stderr}`) ?? "fix --setup; it prepares each side tree (e.g. npm ci)", { output_tail: outputTail(setup.stdout, setup.stderr) });
    }
    const tests = await timed(`running the tests on ${head}: ${testCommand}`, () => "the tests pass", () => checkTestCommand(confined, { command: testCommand, cwd, env, timeoutMs: PREFLIGHT_TIMEOUT_MS }));
    checkStopped();
    testsMs = tests.wall_ms;
    if (targetSpec.kind === "command") {
      const probe = await timed(`running the target once on ${head}: ${targetSpec.command}`, (r) => (r.exitCode === 0 ? "the target ran once" : "the target failed"), () => confined.spawn({ shell: targetSpec.command, cwd, env, timeoutMs: PREFLIGHT_TIMEOUT_MS, maxOutputBytes: 64 * 1024 }));
      checkStopped();
      probeMs = probe.wallMs;
      if (probe.spawnError || probe.timedOut || probe.exitCode !== 0) {
        const how = probe.spawnError ? `could not start (${probe.spawnError})` : probe.timedOut ? "did not finish in time" : probe.exitCode === 127 ? "was not found (exit 127)" : `fails (${probe.exitCode === null ? `ended by ${probe.signal}` : `exit ${probe.exitCode}`})`;
        throw new UsageError(`the target \`${targetSpec.command}\` ${how} on the base commit: ${tailOf(probe.stdout, probe.stderr)}`, confinementHint(`${probe.stdout}\n${probe.stderr}`) ?? "check the command: it runs with /bin/sh -c at the same place in a clean checkout of HEAD", { output_tail: outputTail(probe.stdout, probe.stderr) });
      }
      if (probe.leftoverProcesses) warnings.push(`the target left ${probe.leftoverProcesses} process(es) running after it exited on the base commit; perfloop ends them after every run`);
    } else if (runnerChoice?.kind === "runner") {
      probeMs = await timed(`measuring the target once on ${head}: ${request.target.trim()}`, () => "the target was measured once", () => probeTarget(runnerChoice.runner, confined, cwd, env, targetSpec));
      checkStopped();
    }
  } catch (error) {
    // A command ended by the person's Ctrl-C fails: that is the stop, not a finding about it.
    if (watch.signal.aborted) throw new CancelledError(STOPPED);
    // A failure for want of a file the person has but never committed: named (src/git/untracked.ts).
    nameUntrackedIn(error, untracked, { subdir, root: join(scratch, "tree") });
    throw error;
  } finally {
    await sandbox.close();
    rmSync(scratch, { recursive: true, force: true });
  }

  const options: RunOptions = {
    target: request.target.trim(),
    target_spec: targetSpec,
    serve,
    observed_text: request.observed ?? null,
    target_text: request.targetMetric ?? null,
    max_cycles: maxCycles,
    plateau_pct: plateau,
    // An endpoint perfloop does not start cannot be changed: the run profiles and plans it.
    mode: runnerChoice?.kind === "unservable" ? "plan_only" : mode,
    test: { command: testCommand, source: testSource },
    e2e: request.e2e ?? null,
    hypotheses_file: hypothesesFile,
    agent: request.agent ?? null,
    agent_model: request.agentModel ?? null,
    agent_timeout_s: bounded(NUMBER_FLAGS.agentTimeout, request.agentTimeoutS) ?? null,
    agent_calls: bounded(NUMBER_FLAGS.agentCalls, request.agentCalls) ?? DEFAULT_AGENT_CALLS,
    reviewers: [...(request.reviewers ?? [])],
    allow_regression: allowRegression,
    rules: request.rules !== false,
    knobs,
    try_refs: tryRefs,
    threshold_pct: threshold ?? null,
    max_runs: maxRuns ?? null,
    runs: runs ?? null,
    warmup: warmup ?? null,
    setup: request.setup ?? null,
    allow_write: allowWrite,
    timeout_s: timeoutS ?? null,
    waive_gate: request.waiveGate === true,
    merge: request.merge === true,
    keep_trees: request.keepTrees === true,
    budget_minutes: budget ?? null,
    base,
    branch: (await currentBranch(repo)) ?? null,
    subdir,
    stack: detectStack(start),
    inputs: [...inputs].sort(),
  };
  return { repo, slug, options, observed, target, checks: { tests_ms: testsMs, probe_ms: probeMs, dirty_ignored: ignored.map((d) => d.path), untracked }, warnings };
}

/** More of a failing command's output than the message quotes, for naming a missing untracked file (src/git/untracked.ts). */
function outputTail(stdout: string, stderr: string): string {
  return `${stdout}\n${stderr}`.split("\n").filter((line) => line.trim()).slice(-OUTPUT_TAIL_LINES).join("\n");
}

function tailOf(stdout: string, stderr: string): string {
  const lines = `${stdout}\n${stderr}`.split("\n").map((l) => l.trim()).filter(Boolean);
  return lines.slice(-PROBE_TAIL_LINES).join(" | ") || "no output";
}


/** Removes preflight copies whose perfloop is gone (a kill -9 leaves its copy behind). */
function sweepPreflightCopies(platform: Platform): void {
  let names: string[];
  try {
    names = readdirSync(tmpdir());
  } catch {
    return;
  }
  for (const name of names) {
    const pid = Number(/^perfloop-preflight-(\d+)-/.exec(name)?.[1]);
    if (!Number.isInteger(pid) || pid === platform.pid || platform.processAlive(pid)) continue;
    try {
      rmSync(join(tmpdir(), name), { recursive: true, force: true });
    } catch {
      // Another user's copy, or a file system that refuses: not perfloop's to force.
    }
  }
}
