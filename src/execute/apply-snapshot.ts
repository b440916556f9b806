/**
 * What a directory holds, to see what a command changed in it: path -> mode and a SHA-1 of the
 * bytes (of the link target for a symlink), read with lstat so links are never followed.
 * `.git` (at any depth) is skipped, and whatever `ignore` says; empty directories do not count,
 * as in git. Sockets, FIFOs and devices are skipped.
 */
import { createHash } from "node:crypto";
import { lstat, readdir, readFile, readlink } from "node:fs/promises";
import type { FileEntry, FileMode } from "../git/types.ts";
import { encodeText } from "./combine-text.ts";

export interface SnapshotEntry {
  mode: FileMode;
  hash: string;
}

export type Snapshot = Map<string, SnapshotEntry>;

/** Git records only the owner's execute bit (S_IXUSR). */
const OWNER_EXECUTE = 0o100;

/** Reads one path of `root` as a tree entry, or `null` when it is gone or not a file or link. */
export async function readDirEntry(root: string, path: string): Promise<FileEntry | null> {
  const full = `${root}/${path}`;
  const info = await lstat(full).catch(() => null);
  if (!info) return null;
  if (info.isSymbolicLink()) return { mode: "120000", data: encodeText(await readlink(full)) };
  if (!info.isFile()) return null;
  const data = new Uint8Array(await readFile(full));
  return { mode: info.mode & OWNER_EXECUTE ? "100755" : "100644", data };
}

function hash(data: Uint8Array): string {
  return createHash("sha1").update(data).digest("hex");
}

/** Every file and symlink under `root`, by POSIX path relative to it. */
export async function snapshotDir(root: string, ignore: (path: string) => boolean = () => false): Promise<Snapshot> {
  const snapshot: Snapshot = new Map();
  const walk = async (relative: string): Promise<void> => {
    const entries = await readdir(relative === "" ? root : `${root}/${relative}`, { withFileTypes: true });
    await Promise.all(
      entries.map(async (dirent) => {
        if (dirent.name.toLowerCase() === ".git") return;
        const path = relative === "" ? dirent.name : `${relative}/${dirent.name}`;
        if (ignore(path)) return;
        if (dirent.isDirectory()) return walk(path);
        if (!dirent.isFile() && !dirent.isSymbolicLink()) return;
        const entry = await readDirEntry(root, path);
        if (entry) snapshot.set(path, { mode: entry.mode, hash: hash(entry.data) });
      }),
    );
  };
  await walk("");
  return snapshot;
}

/** Paths added, changed (bytes or mode) or removed between two snapshots, sorted. */
export function changedPaths(before: Snapshot, after: Snapshot): string[] {
  const paths = new Set<string>();
  for (const [path, entry] of after) {
    const old = before.get(path);
    if (!old || old.mode !== entry.mode || old.hash !== entry.hash) paths.add(path);
  }
  for (const path of before.keys()) if (!after.has(path)) paths.add(path);
  return [...paths].sort();
}
