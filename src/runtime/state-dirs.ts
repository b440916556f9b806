/**
 * perfloop's directories under `<project>/.hex-skills/`, made and checked one component at a time
 * with lstat, so that no state write or delete ever goes through a symbolic link: a `.hex-skills`
 * committed as a link (or any link or file where perfloop expects one of its directories) would
 * otherwise send the whole state, and the deletes that go with it, outside the repository.
 * A link or a non-directory there is refused with one line (exit 2); nothing is written.
 */
import { lstatSync, mkdirSync, readdirSync, readlinkSync, type Stats } from "node:fs";
import { dirname, isAbsolute, join, resolve, sep } from "node:path";
import { ExitCode, PerfloopError } from "../errors.ts";
import { excludeStateDir } from "./git-exclude.ts";
import { rethrowIo, type WriteAction } from "./write-error.ts";

/** perfloop's own directory in a project (spec/runtime-contract.md). */
export const STATE_DIR = ".hex-skills";
const DIR_MODE = 0o755;

/** A link or a file where perfloop keeps one of its directories. */
export class StateDirError extends PerfloopError {
  constructor(shown: string, problem: string, hint: string) {
    super("unsafe_state_dir", `${shown} ${problem}`, { hint, data: { path: shown }, exitCode: ExitCode.usage });
    this.name = "StateDirError";
  }
}

function lstatOrNull(path: string, action: WriteAction = "read"): Stats | null {
  try {
    return lstatSync(path);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === "ENOENT") return null;
    return rethrowIo(error, path, action);
  }
}

function refuse(path: string, shown: string, stat: Stats): never {
  if (stat.isSymbolicLink()) {
    let target = "";
    try {
      target = ` (to ${readlinkSync(path)})`;
    } catch {
      // The link's target is only for the message.
    }
    throw new StateDirError(
      shown,
      `is a symbolic link${target}: perfloop keeps its state inside the repository and never writes through a link`,
      `remove the link (rm ${shown}), then run the command again; perfloop makes a real directory there`,
    );
  }
  throw new StateDirError(shown, "is not a directory: perfloop keeps its state in a directory there", `move ${shown} out of the way, then run the command again`);
}

function checkedParts(relativeDir: string): string[] {
  const parts = relativeDir.split(/[\\/]+/).filter((part) => part !== "");
  if (parts[0] !== STATE_DIR || parts.some((part) => part === "." || part === "..")) {
    throw new Error(`not a directory of perfloop's state: ${JSON.stringify(relativeDir)}`);
  }
  return parts;
}

/**
 * Makes `<projectRoot>/<relativeDir>` (which starts with `.hex-skills`), creating each missing
 * component on its own and refusing any that is a symbolic link or not a directory. The project
 * root itself may be reached through links; nothing below it may be one. Making `.hex-skills`
 * also adds it to the repository's `info/exclude` (git-exclude.ts). Returns the absolute path.
 */
export function ensureStateDir(projectRoot: string, relativeDir: string): string {
  const parts = checkedParts(relativeDir);
  let current = resolve(projectRoot);
  try {
    // The project root is the person's (it may be reached through links); made when missing, as mkdir -p would.
    mkdirSync(current, { recursive: true });
  } catch (error) {
    rethrowIo(error, current, "create");
  }
  for (let index = 0; index < parts.length; index++) {
    current = join(current, parts[index]!);
    const shown = parts.slice(0, index + 1).join("/");
    let stat = lstatOrNull(current, "create");
    if (stat === null) {
      try {
        mkdirSync(current, DIR_MODE);
        // A new `.hex-skills` is kept out of `git status` from its first file on (git-exclude.ts).
        if (index === 0) excludeStateDir(resolve(projectRoot));
      } catch (error) {
        // Another process may have made it in between; it is checked below like any other.
        if ((error as { code?: string }).code !== "EEXIST") rethrowIo(error, current, "create");
      }
      stat = lstatSync(current);
    }
    if (!stat.isDirectory()) refuse(current, shown, stat);
  }
  return current;
}

/**
 * Checks the components that exist, creating nothing; false when one is missing (so there is
 * nothing there to remove), true when all are real directories.
 */
export function stateDirExists(projectRoot: string, relativeDir: string): boolean {
  const parts = checkedParts(relativeDir);
  let current = resolve(projectRoot);
  for (let index = 0; index < parts.length; index++) {
    current = join(current, parts[index]!);
    const stat = lstatOrNull(current);
    if (stat === null) return false;
    if (!stat.isDirectory()) refuse(current, parts.slice(0, index + 1).join("/"), stat);
  }
  return true;
}

/** The project root and the path below it for an absolute path under a `.hex-skills`; else null. */
export function splitStatePath(path: string): { root: string; relative: string } | null {
  if (!isAbsolute(path)) return null;
  const parts = resolve(path).split(sep);
  // The first `.hex-skills` is the project's: a run id or slug below it may repeat the name.
  const index = parts.indexOf(STATE_DIR);
  if (index <= 0) return null;
  return { root: parts.slice(0, index).join(sep) || sep, relative: parts.slice(index).join("/") };
}

/**
 * The directory a file of perfloop's goes into, made safely (ensureStateDir) when the file is under
 * a `.hex-skills`; any other path (a test's scratch file) is made with mkdir -p.
 */
export function ensureParentDir(file: string): string {
  return ensureDirAt(dirname(resolve(file)));
}

/** ensureStateDir for an absolute directory under a `.hex-skills`; mkdir -p for any other. */
export function ensureDirAt(dir: string): string {
  const state = splitStatePath(dir);
  if (state) return ensureStateDir(state.root, state.relative);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    rethrowIo(error, dir, "create");
  }
  return dir;
}

/** False when the file's directory is missing (nothing to remove); throws on a link in the way. */
export function parentDirExists(file: string): boolean {
  const dir = dirname(resolve(file));
  const state = splitStatePath(dir);
  return state ? stateDirExists(state.root, state.relative) : lstatOrNull(dir) !== null;
}

/** The directories perfloop writes into whose children it also writes into (one level checked). */
const CHECKED_TREES = [
  ".hex-skills",
  ".hex-skills/optimization",
  ".hex-skills/optimization/runtime",
  ".hex-skills/optimization/runtime/active",
  ".hex-skills/optimization/runtime/active/ln-810",
  ".hex-skills/optimization/runtime/runs",
  ".hex-skills/runtime-artifacts",
  ".hex-skills/runtime-artifacts/runs",
];

/**
 * Before a run writes anything: each of perfloop's directories that exists, and each directory
 * entry inside them, must be a real directory (or, inside them, a plain file), never a link.
 * The deeper levels are checked as they are written (ensureStateDir).
 */
export function checkStateTree(projectRoot: string): void {
  const root = resolve(projectRoot);
  for (const relativeDir of CHECKED_TREES) {
    if (!stateDirExists(root, relativeDir)) continue;
    for (const name of readdirSync(join(root, relativeDir))) {
      const path = join(root, relativeDir, name);
      const stat = lstatOrNull(path);
      if (stat?.isSymbolicLink()) refuse(path, `${relativeDir}/${name}`, stat);
    }
  }
}
