/**
 * Every agent and reviewer call leaves a transcript (docs/agents.md, "Transcripts"), under
 * `.hex-skills/optimization/<slug>/agents/<NNN>-c<cycle>-<kind>[-<idea>]/`:
 *
 *   prompt.txt   what the agent was told (for a command agent: the JSON request on its stdin)
 *   stdout.txt   what it answered (the kept end, when it printed more than the output limit)
 *   stderr.txt   its diagnostics
 *   diff.patch   what it changed in its scratch tree, when it changed something
 *   call.json    the call: command line, exit code, time, outcome, files changed (CallRecordSchema)
 *
 * The numbering goes on across cycles and resumes, so the directory lists the calls in order. The
 * report lists them from call.json, read back through the schema (a damaged record is skipped and
 * named, never trusted).
 */
import { lstatSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import * as v from "valibot";
import { writeFileAtomic, writeJsonAtomic } from "../runtime/atomic-fs.ts";
import { ensureDirAt } from "../runtime/state-dirs.ts";

export const CALL_KINDS = ["research", "edit", "review"] as const;
export type CallKind = (typeof CALL_KINDS)[number];

export const CallRecordSchema = v.object({
  version: v.literal(1),
  run_id: v.string(),
  cycle: v.number(),
  index: v.number(),
  kind: v.picklist(CALL_KINDS),
  /** The agent as the person named it: a preset (`claude`) or `command: <cmd>`. */
  agent: v.string(),
  /** The idea an edit call realized, null for research and review calls. */
  idea: v.nullable(v.string()),
  /** What was run: an argument vector (a preset) or a shell command line (a command agent). */
  argv: v.nullable(v.array(v.string())),
  shell: v.nullable(v.string()),
  /** Relative to the repository root: always inside perfloop's scratch tree. */
  cwd: v.string(),
  started_at: v.string(),
  wall_ms: v.number(),
  exit_code: v.nullable(v.number()),
  signal: v.nullable(v.string()),
  timed_out: v.boolean(),
  stdout_truncated: v.boolean(),
  ok: v.boolean(),
  /** One line: what went wrong, null when the call gave a usable answer. */
  error: v.nullable(v.string()),
  /** What was tolerated or left out (prose around the JSON, a write into .git). */
  note: v.nullable(v.string()),
  files_changed: v.array(v.string()),
  /** Hypothesis ids this call produced (research: the ideas; edit: the captured patch). */
  hypotheses: v.array(v.string()),
  /** What the CLI reported it cost, when it says (USD). */
  cost_usd: v.nullable(v.number()),
});
export type CallRecord = v.InferOutput<typeof CallRecordSchema>;

/** `.hex-skills/optimization/<slug>/agents`. */
export function agentsDir(slugDir: string): string {
  return join(slugDir, "agents");
}

function names(dir: string): string[] {
  try {
    return readdirSync(dir).filter((name) => /^\d{3,}-/.test(name)).sort();
  } catch {
    return [];
  }
}

/** The next call's number: one past the highest there. */
function nextIndex(dir: string): number {
  return names(dir).reduce((max, name) => Math.max(max, Number.parseInt(name, 10)), 0) + 1;
}

export interface TranscriptFiles {
  prompt: string;
  stdout: string;
  stderr: string;
  diff: string | null;
}

/** Writes one call's transcript; returns its directory (relative to `slugDir`'s agents dir). */
export function writeTranscript(slugDir: string, record: Omit<CallRecord, "version" | "index">, files: TranscriptFiles, pid: number): { dir: string; index: number } {
  const root = ensureDirAt(agentsDir(slugDir));
  const index = nextIndex(root);
  const label = [String(index).padStart(3, "0"), `c${record.cycle}`, record.kind, ...(record.idea ? [record.idea] : [])].join("-");
  const dir = join(root, label);
  ensureDirAt(dir);
  writeFileAtomic(join(dir, "prompt.txt"), files.prompt, pid);
  writeFileAtomic(join(dir, "stdout.txt"), files.stdout, pid);
  writeFileAtomic(join(dir, "stderr.txt"), files.stderr, pid);
  if (files.diff) writeFileAtomic(join(dir, "diff.patch"), files.diff, pid);
  writeJsonAtomic(join(dir, "call.json"), { version: 1, index, ...record }, pid);
  return { dir: label, index };
}

export interface ListedCall extends CallRecord {
  /** The transcript's directory name under agents/. */
  dir: string;
}

/** Every readable call record, in order; `damaged` names the ones that are not. */
export function listCalls(slugDir: string, runId?: string): { calls: ListedCall[]; damaged: string[] } {
  const root = agentsDir(slugDir);
  const calls: ListedCall[] = [];
  const damaged: string[] = [];
  for (const name of names(root)) {
    const file = join(root, name, "call.json");
    try {
      if (lstatSync(file).isSymbolicLink()) throw new Error("a link");
      const parsed = v.safeParse(CallRecordSchema, JSON.parse(readFileSync(file, "utf8")));
      if (!parsed.success) throw new Error(parsed.issues[0]!.message);
      if (runId === undefined || parsed.output.run_id === runId) calls.push({ ...parsed.output, dir: name });
    } catch {
      damaged.push(name);
    }
  }
  return { calls, damaged };
}
