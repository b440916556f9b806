/**
 * What the measured command line starts, for the knobs (knobs.ts): a package-manager or npx
 * wrapper in front of the real program, and the simple commands that run (the command's own,
 * and the package script's when the caller passed package.json's `scripts`). Pure: the command
 * text and the scripts in, words out; nothing is read from disk.
 *
 * Wrappers recognised (the first simple command of the line):
 *   npx <bin>, npm exec|x <bin>, pnpm exec <bin>, bunx <bin>, bun x <bin>, yarn exec <bin>:
 *     a binary, run directly as `node_modules/.bin/<bin>`;
 *   npm run|run-script <s>, npm test|start|stop|restart, pnpm run <s>, pnpm test|start,
 *   yarn run <s>: a package script;
 *   yarn <s>, pnpm <s>: a script when `scripts` has it, a binary when `scripts` is known and
 *     does not, either when `scripts` is unknown.
 * `yarn dlx` and `pnpm dlx` download their tool: no local binary to name.
 */
import { commandName, type Segment, splitCommandLine } from "../profile/cpu-command-words.ts";

export type WrapperName = "npx" | "npm" | "yarn" | "pnpm" | "bunx";

export interface WrapperUse {
  /** The package manager whose own start-up comes before the program's. */
  wrapper: WrapperName;
  /** What it runs: a binary of node_modules/.bin, a package.json script, or either (unknown scripts). */
  runs: "binary" | "script" | "binary-or-script";
  /** The binary's or the script's name. */
  name: string;
  /** The rest of the command line after the name, as the person wrote it (quotes kept). */
  rest: string;
  /** The script's command line, when `runs` is "script" and the scripts were given. */
  script: string | null;
  /** `pre<name>` / `post<name>` scripts npm, pnpm and yarn would also run (when the scripts were given). */
  hooks: string[];
}

/** One simple command that runs: its leading `NAME=value` assignments and its words. */
export interface SimpleCommand {
  assignments: { name: string; value: string }[];
  words: string[];
  /** "command": the measured command line itself; "script": a package script it starts. */
  from: "command" | "script";
}

export interface CommandShape {
  /** The line holds several commands, a pipe, a subshell or a substitution. */
  compound: boolean;
  /** The wrapper in front of the first simple command, if any. */
  wrapper: WrapperUse | null;
  /** Every simple command that runs, wrappers taken off (the binary's words, the script's commands). */
  commands: SimpleCommand[];
}

const NPM_SCRIPT_COMMANDS = new Set(["run", "run-script", "rum", "urn"]);
const NPM_LIFECYCLE = new Map([["test", "test"], ["t", "test"], ["tst", "test"], ["start", "start"], ["stop", "stop"], ["restart", "restart"]]);
/** yarn's and pnpm's own commands: `yarn <one of these>` is not a script or a binary. */
const YARN_COMMANDS = new Set([
  "add", "audit", "autoclean", "bin", "cache", "check", "config", "constraints", "create", "dedupe", "dlx", "explain", "generate-lock-entry",
  "global", "help", "import", "info", "init", "install", "licenses", "link", "list", "login", "logout", "node", "npm", "outdated", "owner",
  "pack", "plugin", "policies", "publish", "rebuild", "remove", "search", "set", "stage", "tag", "team", "unlink", "unplug", "up", "upgrade",
  "upgrade-interactive", "version", "versions", "why", "workspace", "workspaces",
]);
const PNPM_COMMANDS = new Set([
  "add", "audit", "bin", "config", "create", "dedupe", "deploy", "dlx", "doctor", "env", "fetch", "i", "import", "init", "install", "install-test",
  "licenses", "link", "list", "ln", "ls", "outdated", "pack", "patch", "patch-commit", "prune", "publish", "rb", "rebuild", "recursive", "remove",
  "rm", "root", "server", "setup", "store", "un", "uninstall", "unlink", "up", "update", "why",
]);
/** npx options followed by a value. */
const NPX_VALUE_OPTIONS = new Set(["-p", "--package", "--cache", "--userconfig", "-w", "--workspace"]);
/** How deep a script starting another script (`npm run a` in `scripts.b`) is followed. */
const MAX_SCRIPT_DEPTH = 3;

type Scripts = Readonly<Record<string, string>> | null | undefined;

/** The first positional word at or after `from` (options skipped), with its index; npx-style value options skip their value. */
function positional(words: readonly string[], from: number): number {
  let i = from;
  while (i < words.length) {
    const word = words[i] as string;
    if (word === "--") return i + 1 < words.length ? i + 1 : -1;
    if (!word.startsWith("-")) return i;
    i += NPX_VALUE_OPTIONS.has(word) ? 2 : 1;
  }
  return -1;
}

/** `prettier@3` -> `prettier`, `@scope/tool@1` -> `tool`: the binary a package usually installs. */
function binaryOf(spec: string): string {
  const unscoped = spec.startsWith("@") ? spec.slice(spec.indexOf("/") + 1) : spec;
  const at = unscoped.indexOf("@");
  return at > 0 ? unscoped.slice(0, at) : unscoped;
}

interface Unwrapped {
  wrapper: WrapperName;
  runs: WrapperUse["runs"];
  name: string;
  /** Index of the name's word. */
  at: number;
}

/** The wrapper at the start of one simple command's words, or null. */
function unwrap(words: readonly string[], scripts: Scripts): Unwrapped | null {
  const first = commandName(words[0] ?? "");
  const sub = words[1];
  const script = (name: string) => (scripts ? (name in scripts ? "script" : "binary") : "binary-or-script") as WrapperUse["runs"];
  const found = (wrapper: WrapperName, runs: WrapperUse["runs"], at: number, name = words[at] as string): Unwrapped | null =>
    at < 0 || at >= words.length ? null : { wrapper, runs, name, at };
  switch (first) {
    case "npx": {
      const at = positional(words, 1);
      return at < 0 ? null : found("npx", "binary", at, binaryOf(words[at] as string));
    }
    case "bunx": {
      const at = positional(words, 1);
      return at < 0 ? null : found("bunx", "binary", at, binaryOf(words[at] as string));
    }
    case "bun": {
      if (sub !== "x") return null;
      const at = positional(words, 2);
      return at < 0 ? null : found("bunx", "binary", at, binaryOf(words[at] as string));
    }
    case "npm": {
      const at = positional(words, 1);
      const command = at < 0 ? undefined : words[at];
      if (command === undefined) return null;
      if (NPM_SCRIPT_COMMANDS.has(command)) return found("npm", "script", positional(words, at + 1));
      const lifecycle = NPM_LIFECYCLE.get(command);
      if (lifecycle !== undefined) return { wrapper: "npm", runs: "script", name: lifecycle, at };
      if (command === "exec" || command === "x") {
        const bin = positional(words, at + 1);
        return bin < 0 ? null : found("npx", "binary", bin, binaryOf(words[bin] as string));
      }
      return null;
    }
    case "yarn":
    case "pnpm": {
      const wrapper = first;
      const at = positional(words, 1);
      const command = at < 0 ? undefined : words[at];
      if (command === undefined) return null;
      if (command === "run" || command === "run-script") return found(wrapper, "script", positional(words, at + 1));
      if (command === "exec") return found(wrapper, "binary", positional(words, at + 1));
      if (command === "test" || command === "start" || command === "t") {
        return { wrapper, runs: "script", name: command === "t" ? "test" : command, at };
      }
      if ((wrapper === "yarn" ? YARN_COMMANDS : PNPM_COMMANDS).has(command)) return null;
      return found(wrapper, script(command), at);
    }
    default:
      return null;
  }
}

function assignmentsOf(segment: Segment): SimpleCommand["assignments"] {
  return segment.assignments.map((word) => {
    const eq = word.value.indexOf("=");
    return { name: word.value.slice(0, eq), value: word.value.slice(eq + 1) };
  });
}

/** The simple commands a command line runs, wrappers taken off, package scripts followed. */
function expand(text: string, scripts: Scripts, from: SimpleCommand["from"], depth: number): { compound: boolean; commands: SimpleCommand[]; first: { segment: Segment; unwrapped: Unwrapped | null } | null } {
  const split = splitCommandLine(text);
  if (split.error) return { compound: split.compound, commands: [], first: null };
  const commands: SimpleCommand[] = [];
  let first: { segment: Segment; unwrapped: Unwrapped | null } | null = null;
  for (const segment of split.segments) {
    const words = segment.words.map((word) => word.value);
    const unwrapped = unwrap(words, scripts);
    first ??= { segment, unwrapped };
    const assignments = assignmentsOf(segment);
    const body = scripts && unwrapped && unwrapped.runs === "script" ? scripts[unwrapped.name] : undefined;
    if (body !== undefined && depth < MAX_SCRIPT_DEPTH) {
      const inner = expand(body, scripts, "script", depth + 1);
      for (const command of inner.commands) commands.push({ ...command, assignments: [...assignments, ...command.assignments] });
      continue;
    }
    const own = unwrapped && unwrapped.runs !== "script" ? [unwrapped.name, ...words.slice(unwrapped.at + 1)] : words;
    if (own.length > 0) commands.push({ assignments, words: own, from });
  }
  return { compound: split.compound, commands, first };
}

/** The wrapper, the simple commands and whether the line is compound. */
export function commandShape(command: string, scripts?: Scripts): CommandShape {
  const expanded = expand(command, scripts, "command", 0);
  const first = expanded.first;
  let wrapper: WrapperUse | null = null;
  if (first?.unwrapped) {
    const { wrapper: name, runs, name: target, at } = first.unwrapped;
    const word = first.segment.words[at];
    const last = first.segment.words.at(-1);
    const rest = word && last && !expanded.compound ? command.slice(word.end, last.end).trim() : "";
    const script = runs === "script" ? (scripts?.[target] ?? null) : null;
    const hooks = runs !== "binary" && scripts ? [`pre${target}`, `post${target}`].filter((hook) => hook in scripts) : [];
    wrapper = { wrapper: name, runs, name: target, rest: rest.replace(/^--(?:\s+|$)/, ""), script, hooks };
  }
  return { compound: expanded.compound, wrapper, commands: expanded.commands };
}

/** The runtime a simple command starts, from its first word: node, deno or bun; null for anything else. */
export function runtimeOfCommand(words: readonly string[]): "node" | "deno" | "bun" | null {
  const name = commandName(words[0] ?? "");
  if (name === "node" || name === "nodejs") return "node";
  if (name === "deno") return "deno";
  if (name === "bun" || name === "bunx") return "bun";
  return null;
}
