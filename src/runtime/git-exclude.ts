/**
 * Keeps `.hex-skills/` out of `git status` without touching anything git tracks: one line in the
 * repository's `info/exclude` (gitignore(5): a file of the git directory, never committed).
 * state-dirs.ts adds it whenever it makes a `.hex-skills`, so every command that writes perfloop's
 * state (profile, run, execute, research, compare, the runtime verbs, ...) leaves the person's
 * `git status` as it was; `perfloop run` and `execute` also call src/git's ensureExcluded, with
 * the same text, before their clean-tree check.
 */
import { closeSync, fstatSync, ftruncateSync, mkdirSync, openSync, readFileSync, statSync, writeSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";

/** The line added: a directory pattern without a slash before it, so it matches at any depth. */
export const EXCLUDE_LINE = ".hex-skills/";
const HEADER = "# perfloop's own files (never committed)";

/**
 * What to append to an exclude file holding `text` so that it excludes `pattern`, or null when
 * it already does: a line equal to it up to a leading or trailing slash (`.hex-skills`,
 * `.hex-skills/`, `/.hex-skills/`) counts. A text without a final newline gets one first.
 */
export function excludeAddition(text: string, pattern: string = EXCLUDE_LINE): string | null {
  const bare = (line: string) => line.trim().replace(/^\/|\/$/g, "");
  if (text.split(/\r?\n/).some((line) => bare(line) === bare(pattern))) return null;
  const separator = text === "" || text.endsWith("\n") ? "" : "\n";
  return `${separator}${HEADER}\n${pattern}\n`;
}

function readText(path: string): string | null {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return null;
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * The git directory whose `info/exclude` applies to `dir`: from the nearest `.git` at or above
 * it, a directory, or a `gitdir: <path>` file (a submodule, a linked work tree); a linked work
 * tree's `commondir` names the directory git reads `info/exclude` from. null outside a repository.
 */
export function excludeGitDir(dir: string): string | null {
  for (let current = resolve(dir); ; current = dirname(current)) {
    const dotGit = join(current, ".git");
    if (isDirectory(dotGit)) return dotGit;
    const pointer = readText(dotGit);
    const target = pointer === null ? null : /^gitdir:\s*(.+?)\s*$/m.exec(pointer)?.[1];
    if (target) {
      const gitdir = isAbsolute(target) ? target : resolve(current, target);
      const common = readText(join(gitdir, "commondir"))?.trim();
      return common ? resolve(gitdir, common) : gitdir;
    }
    if (dirname(current) === current) return null;
  }
}

/** Appends every byte of `text` or none: a write that fails part-way is cut back to the file's length before. */
function appendWhole(file: string, text: string): void {
  const fd = openSync(file, "a");
  const before = fstatSync(fd).size;
  try {
    const bytes = Buffer.from(text);
    for (let offset = 0; offset < bytes.length; ) {
      const written = writeSync(fd, bytes, offset);
      if (written <= 0) throw Object.assign(new Error("the device took no more bytes"), { code: "ENOSPC", syscall: "write", path: file });
      offset += written;
    }
  } catch (error) {
    ftruncateSync(fd, before);
    throw error;
  } finally {
    closeSync(fd);
  }
}

/**
 * Adds `pattern` to `<gitdir>/info/exclude` unless an equivalent line is there (excludeAddition);
 * true when it was added. A failure (a read-only disk, a full one) throws, and leaves no part of
 * the line behind.
 */
export function addExcludeLine(gitdir: string, pattern: string = EXCLUDE_LINE): boolean {
  const file = join(gitdir, "info", "exclude");
  const addition = excludeAddition(readText(file) ?? "", pattern);
  if (addition === null) return false;
  mkdirSync(join(gitdir, "info"), { recursive: true });
  appendWhole(file, addition);
  return true;
}

/**
 * Adds `.hex-skills/` to the exclude file of the repository holding `dir`, once. Best effort:
 * outside a repository, or when the git directory cannot be written, nothing is added and false
 * is returned; perfloop's state is written all the same. True when the line was added.
 */
export function excludeStateDir(dir: string): boolean {
  try {
    const gitdir = excludeGitDir(dir);
    return gitdir !== null && addExcludeLine(gitdir);
  } catch {
    return false;
  }
}
