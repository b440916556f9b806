/**
 * Which paths a hypothesis may touch. A path names a file of the repository's tree: POSIX,
 * relative to the repository root, inside it. Refused: empty, absolute (`/x`, `C:\x`, `\\x`),
 * any `..` or `.` segment, empty segments (`a//b`), backslashes, NUL, and anything inside `.git`
 * (any case, any depth: git itself refuses such tree entries). Going through a symlink is refused
 * too: `symlinkOnDisk` checks a directory on disk, `symlinkInTree` a tree of entries.
 */
import { lstat } from "node:fs/promises";
import { join } from "node:path";
import type { FileTree } from "../git/types.ts";

/** Why `path` cannot name a file of the tree, or `null` when it can. */
export function treePathProblem(path: string): string | null {
  if (path.length === 0) return "is empty";
  if (path.includes("\0")) return "contains a NUL character";
  if (path.startsWith("/") || path.startsWith("\\") || /^[A-Za-z]:/.test(path)) return "is absolute";
  if (path.includes("\\")) return "contains a backslash";
  const segments = path.split("/");
  if (segments.includes("..")) return "leaves the repository (..)";
  if (segments.some((segment) => segment === "" || segment === ".")) return "is not normalized (empty or . segment)";
  if (segments.some((segment) => segment.toLowerCase() === ".git")) return "is inside .git";
  return null;
}

/** The proper ancestors of a path: `a/b/c` -> `a`, `a/b`. */
export function ancestors(path: string): string[] {
  const segments = path.split("/");
  return segments.slice(0, -1).map((_, index) => segments.slice(0, index + 1).join("/"));
}

/**
 * The first component of `path` (an ancestor, or the path itself when `includeSelf`) that is a
 * symlink in `tree`, or `null`.
 */
export function symlinkInTree(tree: FileTree, path: string, includeSelf: boolean): string | null {
  const candidates = includeSelf ? [...ancestors(path), path] : ancestors(path);
  for (const candidate of candidates) {
    if (tree.get(candidate)?.mode === "120000") return candidate;
  }
  return null;
}

/**
 * The first component of `path` under `root` that is a symlink on disk (lstat, never followed),
 * or `null`. Components that do not exist end the walk: nothing below them can be a link.
 */
export async function symlinkOnDisk(root: string, path: string): Promise<string | null> {
  for (const candidate of [...ancestors(path), path]) {
    let isLink: boolean;
    try {
      isLink = (await lstat(join(root, candidate))).isSymbolicLink();
    } catch {
      return null;
    }
    if (isLink) return candidate;
  }
  return null;
}
