/**
 * What cpu-command.ts reads from disk to decide how a command runs: a file's `#!` line, Bun's
 * standalone marker in a compiled binary, package.json scripts and deno.json tasks. Every read is
 * small and bounded; a file that cannot be read is "not there", never an error.
 */
import { closeSync, openSync, readSync, statSync } from "node:fs";
import { join } from "node:path";
import { readJsonLoose } from "../runtime/atomic-fs.ts";
import { isPlainObject } from "../runtime/schemas.ts";
import { commandName } from "./cpu-command-words.ts";

/** Bytes at the end of an executable searched for Bun's standalone marker. */
export const BUN_MARKER_TAIL_BYTES = 1024 * 1024;
const BUN_STANDALONE_MARKER = "\n---- Bun! ----\n";

/** The interpreter words of a `#!` line, without `env` and its `-S`; null when there is none. */
export function shebang(file: string): string[] | null {
  const head = readHead(file, 256);
  if (!head.startsWith("#!")) return null;
  const line = head.slice(2).split("\n")[0]?.trim() ?? "";
  let words = line.split(/\s+/).filter(Boolean);
  if (commandName(words[0] ?? "") === "env") {
    words = words.slice(1);
    while (words[0]?.startsWith("-")) words = words.slice(1);
  }
  return words.length > 0 ? words : null;
}

function readHead(file: string, bytes: number): string {
  let fd: number | undefined;
  try {
    fd = openSync(file, "r");
    const buffer = new Uint8Array(bytes);
    const read = readSync(fd, buffer, 0, bytes, 0);
    return new TextDecoder().decode(buffer.subarray(0, read));
  } catch {
    return "";
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** True for a `bun build --compile` executable: Bun's standalone marker sits near its end. */
export function isCompiledBun(file: string): boolean {
  let fd: number | undefined;
  try {
    const size = statSync(file).size;
    const length = Math.min(size, BUN_MARKER_TAIL_BYTES);
    fd = openSync(file, "r");
    const buffer = new Uint8Array(length);
    readSync(fd, buffer, 0, length, size - length);
    return new TextDecoder("latin1").decode(buffer).includes(BUN_STANDALONE_MARKER);
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

export function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** `scripts[name]` of `<cwd>/package.json`, or null. */
export function packageScript(cwd: string, name: string): string | null {
  const json = readJson(join(cwd, "package.json"));
  const scripts = json?.scripts;
  if (!scripts || typeof scripts !== "object") return null;
  const script = (scripts as Record<string, unknown>)[name];
  return typeof script === "string" ? script : null;
}

/** `tasks[name]` of `<cwd>/deno.json` (a string, or `{ command }`), or null. deno.jsonc is not read. */
export function denoTask(cwd: string, name: string): string | null {
  const tasks = readJson(join(cwd, "deno.json"))?.tasks;
  if (!tasks || typeof tasks !== "object") return null;
  const task = (tasks as Record<string, unknown>)[name];
  if (typeof task === "string") return task;
  if (task && typeof task === "object" && typeof (task as { command?: unknown }).command === "string") {
    return (task as { command: string }).command;
  }
  return null;
}

function readJson(path: string): Record<string, unknown> | null {
  const value = readJsonLoose(path);
  return isPlainObject(value) ? value : null;
}
