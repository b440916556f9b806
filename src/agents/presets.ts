/**
 * The coding-agent CLIs perfloop knows (docs/agents.md, "Presets"): for each, its documented
 * non-interactive command line, how its machine-readable output carries the final answer and a
 * failure, where it keeps its own state (writable under confinement, so that its login and
 * session files work), and how to install it. The prompt always goes on stdin.
 *
 * Two modes: `answer` (research and review: it reads the scratch copy and answers; the CLI's own
 * permissions keep it from editing where it has them) and `edit` (it may edit files in its working
 * directory without asking). Either way perfloop's confinement is what protects the person's
 * files (scratch-tree.ts); the CLI's own sandbox and permission flags only narrow it further.
 *
 * Every output parser is total: anything a CLI prints is an answer or one line saying why not.
 */
import { join } from "node:path";
import * as v from "valibot";
import { jsonObjectsIn } from "../research/json-extract.ts";

export type PresetMode = "answer" | "edit";

export interface PresetCall {
  mode: PresetMode;
  model: string | null;
}

export type PresetAnswer = { ok: true; text: string; cost_usd: number | null } | { ok: false; error: string };

export interface Preset {
  name: string;
  /** As people call the product. */
  title: string;
  binary: string;
  install: string;
  /** Where its non-interactive mode is documented. */
  docs: string;
  /** The argument vector (argv[0] is the binary); the prompt goes on stdin. */
  argv(call: PresetCall): string[];
  /** Variables it needs set for a call, beyond the person's environment. */
  env?(call: Pick<PresetCall, "mode">): Record<string, string>;
  /** The answer text out of what it printed on stdout. */
  readAnswer(stdout: string): PresetAnswer;
  /** Its own state and login directories, writable under confinement (absolute). */
  stateDirs(home: string, env: Readonly<Record<string, string | undefined>>): string[];
}

/** A message quoted from a CLI's output is cut to this many characters. */
const QUOTE_CHARS = 300;

function quote(text: string): string {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length > QUOTE_CHARS ? `${line.slice(0, QUOTE_CHARS - 3)}...` : line;
}

function withModel(argv: string[], flag: string, model: string | null): string[] {
  return model ? [...argv, flag, model] : argv;
}

/** JSON lines of a stream output format; lines that are not JSON objects are skipped. */
function jsonLines(stdout: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const line of stdout.split("\n")) {
    const text = line.trim();
    if (!text.startsWith("{")) continue;
    try {
      const value: unknown = JSON.parse(text);
      if (typeof value === "object" && value !== null && !Array.isArray(value)) out.push(value as Record<string, unknown>);
    } catch {
      // Not a JSON line: a CLI's own log line.
    }
  }
  return out;
}

/** The one JSON object a single-object output format prints (the last, when it printed more). */
function lastObject(stdout: string): Record<string, unknown> | null {
  const whole = stdout.trim();
  try {
    const value: unknown = JSON.parse(whole);
    if (typeof value === "object" && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // Log lines around it: take the last object.
  }
  return jsonObjectsIn(whole).at(-1) ?? null;
}

function existing(dirs: readonly (string | undefined)[]): string[] {
  return [...new Set(dirs.filter((d): d is string => typeof d === "string" && d !== ""))];
}

/**
 * Claude Code, `claude -p` (print mode) with `--output-format json`: one result object,
 * `{ "type": "result", "subtype": "success", "is_error": false, "result": "<the answer>",
 * "total_cost_usd": 0.01, "session_id": "...", ... }`; `subtype` names a failure
 * (`error_max_turns`, `error_during_execution`).
 */
const ClaudeResultSchema = v.looseObject({
  type: v.literal("result"),
  subtype: v.optional(v.string()),
  is_error: v.optional(v.boolean()),
  result: v.optional(v.string()),
  total_cost_usd: v.optional(v.number()),
});

const claude: Preset = {
  name: "claude",
  title: "Claude Code",
  binary: "claude",
  install: "npm install -g @anthropic-ai/claude-code",
  docs: "https://docs.claude.com/en/docs/claude-code/headless",
  argv: ({ mode, model }) =>
    withModel(
      mode === "edit"
        ? ["claude", "-p", "--output-format", "json", "--permission-mode", "acceptEdits", "--allowedTools", "Read,Grep,Glob,LS,Edit,MultiEdit,Write"]
        : ["claude", "-p", "--output-format", "json", "--permission-mode", "default", "--allowedTools", "Read,Grep,Glob,LS"],
      "--model",
      model,
    ),
  readAnswer(stdout) {
    const object = lastObject(stdout);
    const parsed = v.safeParse(ClaudeResultSchema, object);
    if (!parsed.success) return { ok: false, error: 'printed no result object ({"type":"result",...}) on stdout' };
    const r = parsed.output;
    if (r.is_error === true || (r.subtype !== undefined && r.subtype !== "success")) {
      return { ok: false, error: `reported an error (${r.subtype ?? "is_error"})${r.result ? `: ${quote(r.result)}` : ""}` };
    }
    if (r.result === undefined || r.result.trim() === "") return { ok: false, error: "answered with an empty result" };
    return { ok: true, text: r.result, cost_usd: r.total_cost_usd ?? null };
  },
  stateDirs: (home, env) => existing([env.CLAUDE_CONFIG_DIR ?? join(home, ".claude")]),
};

/**
 * Codex, `codex exec` with `--json`: JSON lines, `{"type":"item.completed","item":{"type":
 * "agent_message","text":"<the answer>"}}` for each message (the last is the answer),
 * `{"type":"turn.failed","error":{"message":...}}` and `{"type":"error","message":...}` for
 * failures. `-` reads the prompt from stdin; `--skip-git-repo-check` because the scratch copy is
 * not a git repository; `--ephemeral` keeps session files out of its state directory.
 */
const codex: Preset = {
  name: "codex",
  title: "Codex CLI",
  binary: "codex",
  install: "npm install -g @openai/codex",
  docs: "https://developers.openai.com/codex/noninteractive",
  argv: ({ mode, model }) => [
    ...withModel(["codex", "exec", "--json", "--skip-git-repo-check", "--ephemeral", "--sandbox", mode === "edit" ? "workspace-write" : "read-only"], "--model", model),
    "-",
  ],
  readAnswer(stdout) {
    const events = jsonLines(stdout);
    // An `error` event may be a retry the turn recovered from: a failure is turn.failed, or an error with no completed turn.
    const completed = events.some((e) => e.type === "turn.completed");
    const failure = events.find((e) => e.type === "turn.failed") ?? (completed ? undefined : events.find((e) => e.type === "error"));
    if (failure) {
      const error = failure.error as { message?: unknown } | undefined;
      const message = typeof error?.message === "string" ? error.message : typeof failure.message === "string" ? failure.message : "no message";
      return { ok: false, error: `reported ${String(failure.type)}: ${quote(message)}` };
    }
    const messages = events
      .filter((e) => e.type === "item.completed")
      .map((e) => e.item as { type?: unknown; text?: unknown } | undefined)
      .filter((item) => item?.type === "agent_message" && typeof item.text === "string")
      .map((item) => item!.text as string);
    const text = messages.at(-1);
    if (text === undefined || text.trim() === "") return { ok: false, error: 'printed no agent message ({"type":"item.completed","item":{"type":"agent_message",...}}) on stdout' };
    return { ok: true, text, cost_usd: null };
  },
  stateDirs: (home, env) => existing([env.CODEX_HOME ?? join(home, ".codex")]),
};

/**
 * Gemini CLI, `gemini -p` with `--output-format json`: one object, `{ "response": "<the answer>",
 * "stats": {...} }`, or `{ "error": { "type", "message", "code" } }`. The prompt comes on stdin
 * (`-p ""` makes the run non-interactive and adds nothing to it).
 */
const GeminiSchema = v.looseObject({
  response: v.optional(v.nullable(v.string())),
  error: v.optional(v.nullable(v.looseObject({ type: v.optional(v.string()), message: v.optional(v.string()) }))),
});

const gemini: Preset = {
  name: "gemini",
  title: "Gemini CLI",
  binary: "gemini",
  install: "npm install -g @google/gemini-cli",
  docs: "https://google-gemini.github.io/gemini-cli/docs/cli/headless.html",
  argv: ({ mode, model }) => withModel(["gemini", "--output-format", "json", "--approval-mode", mode === "edit" ? "auto_edit" : "default", "-p", ""], "--model", model),
  readAnswer(stdout) {
    const parsed = v.safeParse(GeminiSchema, lastObject(stdout));
    if (!parsed.success || (parsed.output.response === undefined && parsed.output.error === undefined)) return { ok: false, error: 'printed no JSON answer ({"response": ...}) on stdout' };
    const { response, error } = parsed.output;
    if (error) return { ok: false, error: `reported an error${error.type ? ` (${error.type})` : ""}: ${quote(error.message ?? "no message")}` };
    if (!response || response.trim() === "") return { ok: false, error: "answered with an empty response" };
    return { ok: true, text: response, cost_usd: null };
  },
  stateDirs: (home, env) => existing([env.GEMINI_CLI_HOME ? join(env.GEMINI_CLI_HOME, ".gemini") : join(home, ".gemini")]),
};

/**
 * opencode, `opencode run` with `--format json`: JSON lines (`step_start`, `tool_use`, `text`,
 * `step_finish`, `error`), `{"type":"text","part":{"type":"text","text":"..."}}` for text; the
 * answer is the last step's text, `{"type":"error","error":{...}}` a failure. The prompt comes on
 * stdin; the permissions of the call are set with OPENCODE_PERMISSION.
 */
const opencode: Preset = {
  name: "opencode",
  title: "opencode",
  binary: "opencode",
  install: "npm install -g opencode-ai",
  docs: "https://opencode.ai/docs/cli/",
  argv: ({ model }) => withModel(["opencode", "run", "--format", "json"], "--model", model),
  env: ({ mode }) => ({ OPENCODE_PERMISSION: JSON.stringify(mode === "edit" ? { edit: "allow", bash: "deny", webfetch: "deny" } : { edit: "deny", bash: "deny", webfetch: "deny" }) }),
  readAnswer(stdout) {
    const events = jsonLines(stdout);
    const failure = events.find((e) => e.type === "error");
    if (failure) {
      const error = failure.error as { name?: unknown; message?: unknown; data?: { message?: unknown } } | undefined;
      const message = typeof error?.data?.message === "string" ? error.data.message : typeof error?.message === "string" ? error.message : typeof error?.name === "string" ? error.name : "no message";
      return { ok: false, error: `reported an error: ${quote(message)}` };
    }
    // The answer is the text of the last step (earlier steps' text came before tool calls).
    let text = "";
    let all = "";
    for (const e of events) {
      if (e.type === "step_start") text = "";
      const part = e.part as { text?: unknown } | undefined;
      if (e.type === "text" && typeof part?.text === "string") {
        text += part.text;
        all += part.text;
      }
    }
    if (text.trim() === "") text = all;
    if (text.trim() === "") return { ok: false, error: 'printed no text ({"type":"text","part":{...}}) on stdout' };
    return { ok: true, text, cost_usd: null };
  },
  stateDirs: (home, env) =>
    existing([
      join(env.XDG_DATA_HOME ?? join(home, ".local", "share"), "opencode"),
      join(env.XDG_CONFIG_HOME ?? join(home, ".config"), "opencode"),
      join(env.XDG_CACHE_HOME ?? join(home, ".cache"), "opencode"),
      join(env.XDG_STATE_HOME ?? join(home, ".local", "state"), "opencode"),
    ]),
};

export const PRESETS = { claude, codex, gemini, opencode } as const;
export type PresetName = keyof typeof PRESETS;
