/**
 * Trees: list a commit's files (modes and blob ids), read them whole into a FileTree, and the
 * pure operations on FileTrees (diff, apply). Reads go through isomorphic-git's object store, so
 * nothing in the person's work tree or index is looked at or touched.
 */
import type { FileEntry, FileMode, FileTree, TreeChanges } from "./types.ts";
import { gitArgs, loadGit, type GitRepo } from "./iso.ts";
import { createLimiter, mapLimit } from "./pool.ts";
import { resolveCommitish } from "./resolve.ts";
import { objectSnapshotFs } from "./sync-fs.ts";

/** Object reads in flight at once while walking trees and reading blobs. */
export const OBJECT_READ_CONCURRENCY = 64;

/** A file of a commit's tree without its bytes. */
export interface TreeItem {
  mode: FileMode;
  oid: string;
}

export interface TreeListing {
  /** The tree object's id. */
  tree: string;
  /** Files (regular, executable, symlink) by path. */
  files: Map<string, TreeItem>;
  /** Every directory below the root, each after its parent. */
  dirs: string[];
  /** Submodule entries (gitlinks): path -> commit id. Not materialized as files. */
  submodules: Map<string, string>;
  /** The tree object of every directory: path -> tree id ("" is the root). */
  treeOids: Map<string, string>;
}

/**
 * git's file modes as perfloop keeps them: executables stay executable, symlinks stay links, and
 * old-style modes (100664 and the like) become 100644 or 100755 by the owner's execute bit, as
 * git itself reads them.
 */
export function normalizeMode(mode: string): FileMode | null {
  const value = Number.parseInt(mode, 8);
  const type = value & 0o170000;
  if (type === 0o120000) return "120000";
  if (type === 0o100000) return value & 0o100 ? "100755" : "100644";
  return null;
}

/** Lists every file of the tree of `commitish` (a commit-ish or a tree id) with its blob id. */
export async function listTree(repo: GitRepo, commitish: string): Promise<TreeListing> {
  const git = await loadGit();
  const root = HEX40.test(commitish) ? commitish : await resolveCommitish(repo, commitish);
  const files = new Map<string, TreeItem>();
  const submodules = new Map<string, string>();
  const dirs: string[] = [];
  const treeOids = new Map<string, string>();
  const limit = createLimiter(OBJECT_READ_CONCURRENCY);
  const walk = async (oid: string, prefix: string): Promise<void> => {
    const read = await limit(() => git.readTree({ ...gitArgs(repo), oid }));
    if (prefix === "") treeOids.set("", read.oid);
    const subtrees: Promise<void>[] = [];
    for (const entry of read.tree) {
      const path = prefix + entry.path;
      if (entry.type === "tree") {
        dirs.push(path);
        treeOids.set(path, entry.oid);
        subtrees.push(walk(entry.oid, `${path}/`));
      } else if (entry.type === "commit") {
        submodules.set(path, entry.oid);
      } else {
        const mode = normalizeMode(entry.mode);
        if (mode) files.set(path, { mode, oid: entry.oid });
      }
    }
    await Promise.all(subtrees);
  };
  await walk(root, "");
  return { tree: treeOids.get("") ?? "", files, dirs, submodules, treeOids };
}

const HEX40 = /^[0-9a-f]{40}$/;

/** Reads the whole tree of `ref` (branch, tag, commit id...) into memory. */
export async function readTreeAt(repo: GitRepo, ref: string): Promise<FileTree> {
  const git = await loadGit();
  const commit = await resolveCommitish(repo, ref);
  // Read-only: objects are read through a snapshot of the object store (sync-fs.ts).
  const reading: GitRepo = { ...repo, gitFs: objectSnapshotFs(repo.fs, repo.gitdir) };
  const listing = await listTree(reading, commit);
  const paths = [...listing.files.keys()].sort();
  const entries = await mapLimit(paths, OBJECT_READ_CONCURRENCY, async (path) => {
    const item = listing.files.get(path) as TreeItem;
    const { blob } = await git.readBlob({ ...gitArgs(reading), oid: item.oid });
    return { mode: item.mode, data: blob } satisfies FileEntry;
  });
  return new Map(paths.map((path, index) => [path, entries[index] as FileEntry]));
}

/** True when two entries have the same mode and bytes. */
export function sameEntry(a: FileEntry, b: FileEntry): boolean {
  if (a.mode !== b.mode || a.data.byteLength !== b.data.byteLength) return false;
  for (let i = 0; i < a.data.byteLength; i++) if (a.data[i] !== b.data[i]) return false;
  return true;
}

/** What turns `base` into `next`: added and modified entries, and null for each deletion. */
export function diffTrees(base: FileTree, next: FileTree): TreeChanges {
  const changes: TreeChanges = new Map();
  for (const [path, entry] of next) {
    const before = base.get(path);
    if (!before || !sameEntry(before, entry)) changes.set(path, entry);
  }
  for (const path of base.keys()) if (!next.has(path)) changes.set(path, null);
  return changes;
}

/**
 * A new FileTree: `tree` with `changes` applied (the input is not modified). An entry whose path
 * runs through a file, or a file that would replace a directory, is applied as git would store
 * it: the file or the directory's contents are removed, so the result is always a valid tree.
 */
export function applyChanges(tree: FileTree, changes: TreeChanges): FileTree {
  const result: FileTree = new Map(tree);
  // Every directory that may hold entries (a superset: deletions do not shrink it), so the scan
  // for "a file replaces a directory" runs only when one could.
  const dirs = new Set<string>();
  for (const path of tree.keys()) for (const parent of parentsOf(path)) dirs.add(parent);
  for (const [path, entry] of changes) {
    if (entry === null) {
      result.delete(path);
      continue;
    }
    for (const parent of parentsOf(path)) {
      result.delete(parent);
      dirs.add(parent);
    }
    if (dirs.has(path)) {
      const inside = `${path}/`;
      for (const existing of [...result.keys()]) if (existing.startsWith(inside)) result.delete(existing);
      dirs.delete(path);
    }
    result.set(path, entry);
  }
  return result;
}

/** "a/b/c.txt" -> ["a", "a/b"] */
export function parentsOf(path: string): string[] {
  const parts = path.split("/");
  return parts.slice(0, -1).map((_, index) => parts.slice(0, index + 1).join("/"));
}

/** A tree path must be relative, POSIX, with no empty, "." or ".." segment and no ".git". */
export function isSafeTreePath(path: string): boolean {
  if (path === "" || path.startsWith("/") || path.includes("\\") || path.includes("\0")) return false;
  return path.split("/").every((part) => part !== "" && part !== "." && part !== ".." && part.toLowerCase() !== ".git");
}

/**
 * The text of one regular file at a commit, or null when the path is not a regular file there
 * (missing, a directory, a symlink, a submodule) or is not UTF-8 text. Read-only, like readTreeAt.
 */
export async function readTextAt(repo: GitRepo, commit: string, path: string): Promise<string | null> {
  const git = await loadGit();
  const reading: GitRepo = { ...repo, gitFs: objectSnapshotFs(repo.fs, repo.gitdir) };
  const slash = path.lastIndexOf("/");
  const dir = slash < 0 ? "" : path.slice(0, slash);
  const name = path.slice(slash + 1);
  try {
    const { tree } = await git.readTree({ ...gitArgs(reading), oid: commit, ...(dir ? { filepath: dir } : {}) });
    const entry = tree.find((item) => item.path === name);
    if (!entry || entry.type !== "blob" || (entry.mode !== "100644" && entry.mode !== "100755")) return null;
    const { blob } = await git.readBlob({ ...gitArgs(reading), oid: entry.oid });
    return new TextDecoder("utf-8", { fatal: true }).decode(blob);
  } catch {
    return null;
  }
}
