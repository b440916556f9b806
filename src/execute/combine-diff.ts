/**
 * Git-style unified diffs of tree changes, for the ledger and reports: `diff --git a/p b/p`
 * headers, `new file mode` / `deleted file mode` / `old mode`+`new mode` lines, 3 lines of context
 * as `git diff` prints by default, `\ No newline at end of file` where it applies. Binary files are
 * noted (`Binary files a/p and b/p differ`), not diffed. A change between a symlink and a file is
 * a deletion and a creation, as git shows it. The output passes `git apply --check`.
 */
import { formatPatch, structuredPatch } from "diff";
import type { FileEntry, FileTree, TreeChanges } from "../git/types.ts";
import { decodeText, sameEntry } from "./combine-text.ts";

/** Lines of context around each change: git diff's default (`diff.context`). */
export const DIFF_CONTEXT_LINES = 3;

const SYMLINK = "120000";

function binaryNote(path: string, before: FileEntry | null, after: FileEntry | null): string {
  const lines = [`diff --git a/${path} b/${path}`];
  if (!before) lines.push(`new file mode ${after!.mode}`);
  else if (!after) lines.push(`deleted file mode ${before.mode}`);
  else if (before.mode !== after.mode) lines.push(`old mode ${before.mode}`, `new mode ${after.mode}`);
  lines.push(`Binary files ${before ? `a/${path}` : "/dev/null"} and ${after ? `b/${path}` : "/dev/null"} differ`);
  return `${lines.join("\n")}\n`;
}

/** The diff of one path; `""` when nothing changed. */
export function fileDiff(path: string, before: FileEntry | null, after: FileEntry | null): string {
  if (sameEntry(before, after)) return "";
  if (before && after && before.mode !== after.mode && (before.mode === SYMLINK || after.mode === SYMLINK)) {
    return fileDiff(path, before, null) + fileDiff(path, null, after);
  }
  const oldText = before ? decodeText(before.data) : "";
  const newText = after ? decodeText(after.data) : "";
  if (oldText === null || newText === null) return binaryNote(path, before, after);
  const patch = structuredPatch(
    before ? `a/${path}` : "/dev/null",
    after ? `b/${path}` : "/dev/null",
    oldText,
    newText,
    undefined,
    undefined,
    { context: DIFF_CONTEXT_LINES },
  );
  patch.isGit = true;
  if (!before) {
    patch.isCreate = true;
    patch.newMode = after!.mode;
  } else if (!after) {
    patch.isDelete = true;
    patch.oldMode = before.mode;
  } else if (before.mode !== after.mode) {
    patch.oldMode = before.mode;
    patch.newMode = after.mode;
  }
  return formatPatch(patch);
}

/** The diff of `changes` against `base`, files in path order. */
export function changesDiff(base: FileTree, changes: TreeChanges): string {
  return [...changes.keys()]
    .sort()
    .map((path) => fileDiff(path, base.get(path) ?? null, changes.get(path) ?? null))
    .join("");
}

/** The diff from `base` to `tree`, files in path order. */
export function unifiedDiff(base: FileTree, tree: FileTree): string {
  const paths = new Set([...base.keys(), ...tree.keys()]);
  return [...paths]
    .sort()
    .map((path) => fileDiff(path, base.get(path) ?? null, tree.get(path) ?? null))
    .join("");
}

/** The changes that turn `base` into `tree`. */
export function treeChanges(base: FileTree, tree: FileTree): TreeChanges {
  const changes: TreeChanges = new Map();
  for (const [path, entry] of tree) if (!sameEntry(base.get(path), entry)) changes.set(path, entry);
  for (const path of base.keys()) if (!tree.has(path)) changes.set(path, null);
  return changes;
}
