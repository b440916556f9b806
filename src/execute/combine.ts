/**
 * Combining the changes of several hypotheses into one tree. Changes to different files compose.
 * Changes to the same file are merged one part at a time, in the order given, line by line with
 * node-diff3 (`merge(ours, base, theirs)` on arrays of lines: the merge `git merge-file` makes;
 * FACTS.md, Text merge): ours is what the earlier parts made of the file, theirs the next part's
 * version, base the base tree's. Lines keep their terminators, so CRLF files and a last line
 * without a newline come out as they went in.
 *
 * A conflict (overlapping or adjacent edits, an edit against a deletion, two different new modes,
 * two different versions of a binary file or symlink) is reported with the path and the ids
 * involved: the parts merged into that path so far, then each part that could not be merged. The
 * conflicting part's change to THAT path is left out; the path keeps what the earlier parts made
 * of it (with two parts: the first part's version). Its changes to other paths still apply.
 */
import { merge } from "node-diff3";
import type { FileEntry, FileMode, FileTree, TreeChanges } from "../git/types.ts";
import { decodeText, encodeText, sameBytes, sameEntry, splitLines } from "./combine-text.ts";

export { changesDiff, fileDiff, treeChanges, unifiedDiff } from "./combine-diff.ts";

export interface CombinePart {
  id: string;
  changes: TreeChanges;
  /**
   * The part's entries were made on the tree of exactly the parts before it (a hypothesis rebased
   * onto a kept result, docs/run.md "Overlapping hypotheses"): they replace what those parts made
   * of a path instead of being merged with it.
   */
  replaces?: boolean;
}

export type ConflictReason = "overlap" | "edit-delete" | "mode" | "binary";

export interface CombineConflict {
  path: string;
  /** The parts merged into the path before the conflict, then the part(s) that conflicted. */
  ids: string[];
  /** What the first conflict at this path was. */
  reason: ConflictReason;
}

export interface Combined {
  tree: FileTree;
  /** In path order. */
  conflicts: CombineConflict[];
}

type Merged = { ok: true; entry: FileEntry | null } | { ok: false; reason: ConflictReason };

function mergeMode(base: FileEntry | null, ours: FileEntry, theirs: FileEntry): FileMode | null {
  if (ours.mode === theirs.mode) return ours.mode;
  if (base && ours.mode === base.mode) return theirs.mode;
  if (base && theirs.mode === base.mode) return ours.mode;
  return null;
}

function mergeData(base: FileEntry | null, ours: FileEntry, theirs: FileEntry, mode: FileMode): Uint8Array | ConflictReason {
  if (sameBytes(ours.data, theirs.data)) return ours.data;
  if (base && sameBytes(ours.data, base.data)) return theirs.data;
  if (base && sameBytes(theirs.data, base.data)) return ours.data;
  if (mode === "120000") return "overlap";
  const oursText = decodeText(ours.data);
  const baseText = base ? decodeText(base.data) : "";
  const theirsText = decodeText(theirs.data);
  if (oursText === null || baseText === null || theirsText === null) return "binary";
  const result = merge(splitLines(oursText), splitLines(baseText), splitLines(theirsText));
  return result.conflict ? "overlap" : encodeText(result.result.join(""));
}

/** A 3-way merge of one path's entries (null: absent or deleted). */
export function mergeEntries(base: FileEntry | null, ours: FileEntry | null, theirs: FileEntry | null): Merged {
  if (sameEntry(ours, theirs) || sameEntry(theirs, base)) return { ok: true, entry: ours };
  if (sameEntry(ours, base)) return { ok: true, entry: theirs };
  if (!ours || !theirs) return { ok: false, reason: "edit-delete" };
  const mode = mergeMode(base, ours, theirs);
  if (mode === null) return { ok: false, reason: "mode" };
  const data = mergeData(base, ours, theirs, mode);
  return typeof data === "string" ? { ok: false, reason: data } : { ok: true, entry: { mode, data } };
}

/** Applies every part's changes to a copy of `base`, merging same-file changes (see above). */
export function combineChanges(base: FileTree, parts: readonly CombinePart[]): Combined {
  const current = new Map<string, { entry: FileEntry | null; ids: string[] }>();
  const conflicts = new Map<string, CombineConflict>();
  for (const { id, changes, replaces } of parts) {
    for (const [path, theirs] of changes) {
      const baseEntry = base.get(path) ?? null;
      const state = current.get(path);
      if (!state) {
        current.set(path, { entry: theirs, ids: [id] });
        continue;
      }
      if (replaces) {
        state.entry = theirs;
        state.ids.push(id);
        continue;
      }
      const merged = mergeEntries(baseEntry, state.entry, theirs);
      if (merged.ok) {
        state.entry = merged.entry;
        state.ids.push(id);
        continue;
      }
      const conflict = conflicts.get(path);
      if (conflict) conflict.ids.push(id);
      else conflicts.set(path, { path, ids: [...state.ids, id], reason: merged.reason });
    }
  }
  const tree: FileTree = new Map(base);
  for (const [path, { entry }] of current) {
    if (entry) tree.set(path, entry);
    else tree.delete(path);
  }
  const sorted = [...conflicts.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { tree, conflicts: sorted };
}
