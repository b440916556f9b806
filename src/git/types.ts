/**
 * Shapes shared by the git layer, the hypotheses and the executor. Paths are POSIX, relative to
 * the repository root, never starting with "/" or containing "..".
 */

/** Git file modes perfloop keeps: regular, executable, symlink. */
export type FileMode = "100644" | "100755" | "120000";

/** One file of a tree: its mode and bytes (for a symlink, the bytes are the link target). */
export interface FileEntry {
  mode: FileMode;
  data: Uint8Array;
}

/** A whole tree of files, path -> entry. */
export type FileTree = Map<string, FileEntry>;

/** Changes against a base tree: an entry (added or modified) or null (deleted). */
export type TreeChanges = Map<string, FileEntry | null>;

export interface CommitInfo {
  oid: string;
  message: string;
  author: { name: string; email: string; timestamp: number };
}
