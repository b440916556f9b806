/**
 * Which agent `--agent` and `--reviewer` name (docs/agents.md): one of the presets (claude, codex,
 * gemini, opencode: presets.ts knows each CLI's non-interactive mode) or any other command line,
 * which speaks perfloop's JSON protocol on stdin and stdout (docs/hypotheses.md, "The agent
 * protocol").
 */
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";
import { UsageError } from "../errors.ts";
import { PRESETS, type Preset, type PresetName } from "./presets.ts";

export type AgentSpec = { kind: "preset"; preset: Preset; label: string } | { kind: "command"; command: string; label: string };

/** Commands are quoted in messages on one line, cut to this many characters. */
const LABEL_CHARS = 80;

function commandLabel(command: string): string {
  const line = command.replace(/\s+/g, " ").trim();
  return line.length > LABEL_CHARS ? `${line.slice(0, LABEL_CHARS - 3)}...` : line;
}

export function agentSpec(value: string): AgentSpec {
  const name = value.trim();
  if (Object.hasOwn(PRESETS, name)) return { kind: "preset", preset: PRESETS[name as PresetName], label: name };
  return { kind: "command", command: value, label: `\`${commandLabel(value)}\`` };
}

/** The executable `name` on `PATH`, or null. */
export function onPath(name: string, env: Readonly<Record<string, string | undefined>>): string | null {
  for (const dir of (env.PATH ?? "").split(delimiter)) {
    if (dir === "") continue;
    const file = join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // Not here.
    }
  }
  return null;
}

/**
 * Preflight for `--agent` / `--reviewer`: a preset's CLI must be installed, else one line naming
 * the install step. A command agent is the person's own and is checked by running it.
 */
export function checkAgentInstalled(flag: string, value: string, env: Readonly<Record<string, string | undefined>>): void {
  const spec = agentSpec(value);
  if (spec.kind !== "preset") return;
  if (onPath(spec.preset.binary, env) !== null) return;
  throw new UsageError(`${flag} ${spec.label}: ${spec.preset.title} (\`${spec.preset.binary}\`) is not on PATH`, `install it with \`${spec.preset.install}\` and log in once (docs/agents.md), or pass a command line instead`);
}
