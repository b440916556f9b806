/**
 * The agent source of hypotheses (`--agent "<command>"`, spec/hypotheses.md "The agent protocol").
 *
 * perfloop runs the person's command line as given with `/bin/sh -c` in the repository root, with
 * a time limit and an output limit, writes one JSON request (`AgentRequest`) to its stdin and
 * reads a hypotheses file (docs/hypotheses.md) from its stdout. Prose or a ```json fence around
 * ONE JSON object is tolerated (json-extract.ts). The child's environment is the given one plus
 * `PERFLOOP_AGENT=1`, so a script can tell it runs under perfloop.
 *
 * An agent that fails is not fatal: the run goes on with the other sources. So every failure is a
 * value (`{ ok: false, error }`), never a throw: one line naming the command, what went wrong and
 * the last lines of its stderr joined with " | ".
 */
import { PerfloopError } from "../errors.ts";
import type { Platform, SpawnResult } from "../platform/index.ts";
import { parseHypotheses, resolveAgainstRepo } from "./hypotheses.ts";
import type { Hypothesis } from "./hypotheses-schema.ts";
import { extractJsonObject } from "./json-extract.ts";

/** The version of the request perfloop writes to the agent's stdin. */
export const AGENT_PROTOCOL_VERSION = 1;
/** Default time limit for one agent call: a model answering on a large context can take minutes. */
export const AGENT_TIMEOUT_MS = 10 * 60_000;
/**
 * Default limit on the agent's stdout (and, separately, its stderr capture). A hypotheses file is
 * kilobytes; more than this is a runaway, refused rather than half-read (the capture keeps only
 * the tail).
 */
export const AGENT_MAX_OUTPUT_BYTES = 4 * 1024 * 1024;
/** Lines of the agent's stderr quoted in an error. */
export const AGENT_STDERR_TAIL_LINES = 5;
/** One quoted stderr line is cut to this many characters, so the error stays readable. */
export const AGENT_STDERR_LINE_CHARS = 200;
/** The command is quoted in errors on one line, cut to this many characters. */
export const AGENT_COMMAND_LABEL_CHARS = 80;
/** Set to "1" in the agent's environment. */
export const AGENT_ENV_FLAG = "PERFLOOP_AGENT";

/** What the agent reads on stdin: one JSON object (spec/hypotheses.md). */
export interface AgentRequest {
  version: 1;
  kind: "research" | "review";
  slug: string;
  cycle: number;
  /** The whole context.md of the run. */
  context_markdown: string;
  performance_map: Record<string, unknown>;
  previous_cycles: unknown[];
  response_schema: "hypotheses-v1" | "review-v1";
}

export interface AskAgentOptions {
  /** The person's command line, run as given with `sh -c`. */
  command: string;
  /** Where it runs (the repository root). */
  cwd: string;
  /** The child's environment (complete: nothing else is inherited); PERFLOOP_AGENT=1 is added. */
  env: Readonly<Record<string, string | undefined>>;
  request: AgentRequest;
  /** For patch files the answer names by path (read in, symlinks refused). */
  repoRoot: string;
  /** Default AGENT_TIMEOUT_MS. */
  timeoutMs?: number;
  /** Default AGENT_MAX_OUTPUT_BYTES. */
  maxOutputBytes?: number;
  /**
   * Aborted before the call: a "cancelled" failure, and the command is not run. The running agent
   * is not interrupted (Platform.spawn takes no signal); its time limit bounds the wait.
   */
  signal?: AbortSignal;
}

export type AgentAnswer =
  /** `note` says what was tolerated, e.g. "ignored text around the JSON object". */
  | { ok: true; hypotheses: Hypothesis[]; wall_ms: number; note: string | null }
  /** `error` is one line: the command, what went wrong, and the stderr tail joined with " | ". */
  | { ok: false; error: string; wall_ms: number };

const ANSWER_SHAPE = '(expected one hypotheses file, {"version":1,"hypotheses":[...]}: see docs/hypotheses.md)';

/** `agent \`cmd\``, on one line and short enough to read. */
function commandLabel(command: string): string {
  const line = command.replace(/\s+/g, " ").trim();
  const short = line.length > AGENT_COMMAND_LABEL_CHARS ? `${line.slice(0, AGENT_COMMAND_LABEL_CHARS - 3)}...` : line;
  return `agent \`${short}\``;
}

/** The last non-empty lines of stderr, each trimmed and cut, joined with " | "; "" when none. */
export function stderrTail(stderr: string, lines = AGENT_STDERR_TAIL_LINES): string {
  return stderr
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== "")
    .slice(-lines)
    .map((line) => (line.length > AGENT_STDERR_LINE_CHARS ? `${line.slice(0, AGENT_STDERR_LINE_CHARS - 3)}...` : line))
    .join(" | ");
}

function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`;
}

function bytes(count: number): string {
  const MiB = 1024 * 1024;
  if (count >= MiB && count % MiB === 0) return `${count / MiB} MiB`;
  if (count >= 1024 && count % 1024 === 0) return `${count / 1024} KiB`;
  return `${count} bytes`;
}

/** What is wrong with how the process ended, or null when it exited 0 within the limits. */
function processProblem(result: SpawnResult, timeoutMs: number, maxOutputBytes: number): string | null {
  if (result.spawnError !== null) return `could not be started: ${result.spawnError}`;
  if (result.timedOut) return `did not answer within ${seconds(timeoutMs)} (the time limit) and was stopped`;
  if (result.signal !== null) return `was killed by ${result.signal}`;
  if (result.exitCode !== 0) return `failed with exit ${result.exitCode}`;
  if (result.stdoutTruncated) {
    return `printed more than ${bytes(maxOutputBytes)} on stdout (the output limit)`;
  }
  if (result.stdout.trim() === "") return `printed nothing on stdout ${ANSWER_SHAPE}`;
  return null;
}

/** The one-line message of a validation error, with its fix when it has one. */
function describe(error: unknown): string {
  if (error instanceof PerfloopError) return error.hint ? `${error.message}; ${error.hint}` : error.message;
  return error instanceof Error ? error.message : String(error);
}

/**
 * Runs the agent once and returns its hypotheses, validated like any hypotheses file and resolved
 * against the repository, or a one-line failure. Never throws for anything the agent did.
 */
export async function askAgentForHypotheses(platform: Platform, options: AskAgentOptions): Promise<AgentAnswer> {
  const label = commandLabel(options.command);
  if (options.signal?.aborted) return { ok: false, error: `${label} was not run: cancelled`, wall_ms: 0 };

  const timeoutMs = options.timeoutMs ?? AGENT_TIMEOUT_MS;
  const maxOutputBytes = options.maxOutputBytes ?? AGENT_MAX_OUTPUT_BYTES;
  const result = await platform.spawn({
    shell: options.command,
    cwd: options.cwd,
    env: { ...options.env, [AGENT_ENV_FLAG]: "1" },
    stdin: JSON.stringify(options.request),
    timeoutMs,
    maxOutputBytes,
  });
  const wall_ms = result.wallMs;
  const tail = stderrTail(result.stderr);
  const fail = (problem: string): AgentAnswer => ({
    ok: false,
    error: tail === "" ? problem : `${problem}; stderr: ${tail}`,
    wall_ms,
  });

  const problem = processProblem(result, timeoutMs, maxOutputBytes);
  if (problem !== null) return fail(`${label} ${problem}`);

  let extracted: ReturnType<typeof extractJsonObject>;
  try {
    extracted = extractJsonObject(result.stdout);
  } catch (error) {
    return fail(`${label} gave no usable answer on stdout: ${describe(error)} ${ANSWER_SHAPE}`);
  }

  let hypotheses: Hypothesis[];
  try {
    hypotheses = await resolveAgainstRepo(parseHypotheses(extracted.value, label), options.repoRoot, label);
  } catch (error) {
    // A UsageError already starts with the label and names the hypothesis and field; anything
    // else (a patch file that cannot be read) is still the answer's problem, not perfloop's.
    const message = describe(error);
    return fail(message.startsWith(label) ? message : `${label}: ${message}`);
  }
  const note = extracted.surrounded ? "ignored text around the JSON object" : null;
  return { ok: true, hypotheses, wall_ms, note };
}
