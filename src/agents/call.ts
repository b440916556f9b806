/**
 * One agent call (docs/agents.md): the scratch tree written fresh at the cycle's base, the agent
 * run there confined with its prompt on stdin, a time limit and an output limit, its answer read
 * out of the CLI's output format (presets.ts) or taken as it is (a command agent), what it changed
 * in the tree captured as a diff, and the whole call recorded as a transcript (transcript.ts).
 *
 * Nothing the agent does is a throw: a failure is a value with one line saying what went wrong
 * (the agent's name, the problem, the end of its stderr), and the run goes on without it.
 */
import { relative } from "node:path";
import { CancelledError } from "../errors.ts";
import type { TreeChanges } from "../git/types.ts";
import type { SpawnResult } from "../platform/index.ts";
import { changesDiff } from "../execute/combine-diff.ts";
import { decodeText } from "../execute/combine-text.ts";
import type { AgentTree } from "./scratch-tree.ts";
import type { AgentSpec } from "./spec.ts";
import { writeTranscript, type CallKind } from "./transcript.ts";

/** Default time limit for one call: a model working on a large repository can take minutes. */
export const AGENT_TIMEOUT_MS = 10 * 60_000;
/**
 * Limit on the agent's stdout (and, separately, its stderr capture). An answer is kilobytes; more
 * than this is a runaway, refused rather than half-read (the capture keeps only the end).
 */
export const AGENT_MAX_OUTPUT_BYTES = 4 * 1024 * 1024;
/** Set to "1" in the agent's environment, so a script can tell it runs under perfloop. */
export const AGENT_ENV_FLAG = "PERFLOOP_AGENT";
/** Lines of the agent's stderr quoted in an error, each cut to this many characters. */
const STDERR_TAIL_LINES = 5;
const STDERR_LINE_CHARS = 200;

export interface CallSession {
  tree: AgentTree;
  spec: AgentSpec;
  /** The preset's model (`--agent-model`); a command agent sees it as PERFLOOP_AGENT_MODEL. */
  model: string | null;
  timeoutMs: number;
  env: Readonly<Record<string, string | undefined>>;
  repoDir: string;
  /** Where perfloop was started, relative to the repository root: the agent starts there too. */
  subdir: string;
  slugDir: string;
  runId: string;
  cycle: number;
  base: string;
  pid: number;
  now(): number;
  signal?: AbortSignal;
  /** The call number limit is checked by the caller; this only says a call is starting. */
  say?(message: string): void;
}

export interface CallRequest {
  kind: CallKind;
  /** The idea an edit call makes. */
  idea: string | null;
  /** The text a preset gets on stdin. */
  prompt: string;
  /** What a command agent gets on stdin instead: the JSON request (with the prompt in it). */
  request: Record<string, unknown>;
}

export interface Interpretation {
  ok: boolean;
  error: string | null;
  note: string | null;
  hypotheses: string[];
}

export interface CallOutcome {
  /** The agent's answer text (a preset's result field, a command's stdout); "" after a failure. */
  text: string;
  /** The process ended well and printed an answer; the caller's interpretation may still fail it. */
  ran: boolean;
  /** One line when `ran` is false. */
  error: string | null;
  changes: TreeChanges;
  /** The unified diff of `changes` against the base, null when nothing changed. */
  diff: string | null;
  /** A binary file among the changes (a diff cannot carry it). */
  binary: string | null;
  ignoredWrites: string[];
  wallMs: number;
  costUsd: number | null;
  /** The transcript's directory under agents/. */
  transcript: string;
}

/** The last non-empty lines of stderr, trimmed and cut, joined with " | "; "" when none. */
export function stderrTail(stderr: string): string {
  return stderr
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== "")
    .slice(-STDERR_TAIL_LINES)
    .map((line) => (line.length > STDERR_LINE_CHARS ? `${line.slice(0, STDERR_LINE_CHARS - 3)}...` : line))
    .join(" | ");
}

function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`;
}

function mib(bytes: number): string {
  return `${Number((bytes / (1024 * 1024)).toFixed(2))} MiB`;
}

/** What is wrong with how the process ended, or null when it exited 0 within the limits. */
function processProblem(result: SpawnResult, timeoutMs: number, spec: AgentSpec): string | null {
  if (result.spawnError !== null) {
    const install = spec.kind === "preset" ? ` (install it with \`${spec.preset.install}\`)` : "";
    return `could not be started: ${result.spawnError}${install}`;
  }
  if (result.timedOut) return `did not answer within ${seconds(timeoutMs)} (the time limit, --agent-timeout) and was stopped`;
  if (result.signal !== null) return `was killed by ${result.signal}`;
  if (result.exitCode === 127 && spec.kind === "command") {
    return "failed with exit 127 (command not found): it runs in a scratch copy of the cycle's base commit, where only committed files exist; commit the script or give its absolute path";
  }
  if (result.exitCode !== 0) return `failed with exit ${result.exitCode}`;
  if (result.stdoutTruncated) return `printed more than ${mib(AGENT_MAX_OUTPUT_BYTES)} on stdout (the output limit)`;
  if (result.stdout.trim() === "") return "printed nothing on stdout";
  return null;
}

function binaryAmong(changes: TreeChanges): string | null {
  for (const [path, entry] of changes) if (entry && entry.mode !== "120000" && decodeText(entry.data) === null) return path;
  return null;
}

/** The agent's role in messages: "agent claude", "reviewer `./review.sh`". */
export function roleLabel(kind: CallKind, spec: AgentSpec): string {
  return `${kind === "review" ? "reviewer" : "agent"} ${spec.label}`;
}

/**
 * Runs one call and records it. `interpret` reads the answer (and the changes) into the caller's
 * terms; its verdict is what the transcript records.
 */
export async function callAgent(
  session: CallSession,
  call: CallRequest,
  interpret: (outcome: Omit<CallOutcome, "transcript">) => Interpretation | Promise<Interpretation>,
): Promise<CallOutcome & { interpretation: Interpretation }> {
  if (session.signal?.aborted) throw new CancelledError("stopped before an agent call");
  const { spec } = session;
  const label = roleLabel(call.kind, spec);
  const startedAt = new Date(session.now()).toISOString();
  await session.tree.fresh(session.base);
  const mode = call.kind === "edit" ? "edit" : "answer";
  const env: Record<string, string | undefined> = { ...session.env, [AGENT_ENV_FLAG]: "1", PERFLOOP_AGENT_KIND: call.kind };
  let argv: string[] | null = null;
  let shell: string | null = null;
  let stdin: string;
  if (spec.kind === "preset") {
    argv = spec.preset.argv({ mode, model: session.model });
    Object.assign(env, spec.preset.env?.({ mode }) ?? {});
    stdin = call.prompt;
  } else {
    shell = spec.command;
    if (session.model) env.PERFLOOP_AGENT_MODEL = session.model;
    stdin = JSON.stringify(call.request);
  }
  // A change to the person's repository that Landlock does not stop (permissions) throws: the run stops.
  const ran = await session.tree.run(
    { ...(argv ? { argv } : { shell: shell! }), env, stdin, timeoutMs: session.timeoutMs, maxOutputBytes: AGENT_MAX_OUTPUT_BYTES },
    session.subdir,
  );
  const { result, changes, ignoredWrites } = ran;
  const tail = stderrTail(result.stderr);
  const problem = processProblem(result, session.timeoutMs, spec);
  let text = "";
  let costUsd: number | null = null;
  let error: string | null = null;
  if (problem !== null) error = `${label} ${problem}`;
  else if (spec.kind === "preset") {
    const read = spec.preset.readAnswer(result.stdout);
    if (read.ok) {
      text = read.text;
      costUsd = read.cost_usd;
    } else error = `${label} ${read.error}`;
  } else text = result.stdout;
  if (error !== null && tail !== "") error = `${error}; stderr: ${tail}`;
  const binary = binaryAmong(changes);
  const diff = changes.size > 0 && binary === null ? changesDiff(session.tree.base, changes) : null;
  const outcome = { text, ran: error === null, error, changes, diff, binary, ignoredWrites, wallMs: result.wallMs, costUsd };
  const interpretation = await interpret(outcome);
  const notes = [interpretation.note, ignoredWrites.length ? `wrote ${ignoredWrites.join(", ")} in its tree, which is not part of a change: ignored` : null].filter(Boolean).join("; ") || null;
  const written = writeTranscript(
    session.slugDir,
    {
      run_id: session.runId,
      cycle: session.cycle,
      kind: call.kind,
      agent: spec.kind === "preset" ? spec.label : `command: ${spec.command}`,
      idea: call.idea,
      argv,
      shell,
      cwd: relative(session.repoDir, session.tree.dir) + (session.subdir ? `/${session.subdir}` : ""),
      started_at: startedAt,
      wall_ms: Math.round(result.wallMs),
      exit_code: result.exitCode,
      signal: result.signal,
      timed_out: result.timedOut,
      stdout_truncated: result.stdoutTruncated,
      ok: interpretation.ok,
      error: interpretation.error,
      note: notes,
      files_changed: [...changes.keys()].sort(),
      hypotheses: interpretation.hypotheses,
      cost_usd: costUsd,
    },
    { prompt: stdin, stdout: result.stdout, stderr: result.stderr, diff },
    session.pid,
  );
  return { ...outcome, transcript: written.dir, interpretation };
}
