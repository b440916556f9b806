/**
 * Detection, where confinement is not available (docs/safety.md): a fingerprint of the person's
 * repository taken before and compared after every command perfloop runs in a side tree. Any
 * difference stops the run with the changed paths named.
 *
 * What it covers: every entry of the work tree (lstat: type, mode, size, mtime, ctime, inode; a
 * link's target), except perfloop's own `.hex-skills/`; dependency folders (node_modules, ...)
 * only to DEPENDENCY_DEPTH levels, since they can hold hundreds of thousands of files; and the git
 * directory except its object store (objects are content-addressed: an added object changes
 * nothing, and perfloop writes objects itself) and perfloop's own refs (refs/heads/perfloop/,
 * refs/perfloop/). The ctime is what makes it hard to fool: no unprivileged process can set it.
 */
import { chmodSync, chownSync, lstatSync, readdirSync, readlinkSync, utimesSync, type Stats } from "node:fs";
import { join, relative, sep } from "node:path";
import { DEPENDENCY_DIRS } from "../git/deps-link.ts";

/** Levels below a dependency folder that are fingerprinted (the folder, its packages, their files). */
const DEPENDENCY_DEPTH = 2;
/** Paths of the git directory (relative, POSIX) that perfloop itself writes or that hold only objects. */
const GIT_SKIPPED = ["objects", "refs/heads/perfloop", "refs/perfloop", "logs/refs/heads/perfloop", "logs/refs/perfloop", "info/exclude"];
const DEPENDENCY_NAMES = new Set(DEPENDENCY_DIRS.map((d) => d.name));

export interface Entry {
  /** Everything compared, as one string. */
  key: string;
  /** What Landlock leaves open: permission bits and ownership. */
  owner: string;
  /** Absolute path, and what can be put back: permission bits and times. */
  path: string;
  mode: number;
  size: number;
  atimeMs: number;
  mtimeMs: number;
  symlink: boolean;
}

export type Fingerprint = Map<string, Entry>;

function describe(path: string, stat: Stats): Entry {
  // A directory's size and times change with its entries, which are compared one by one (and
  // perfloop adds its own refs under .git/refs): its own key is its mode, owners and inode.
  let key = stat.isDirectory()
    ? `${stat.mode.toString(8)}:${stat.uid}:${stat.gid}:${stat.ino}`
    : `${stat.mode.toString(8)}:${stat.uid}:${stat.gid}:${stat.size}:${stat.mtimeMs}:${stat.ctimeMs}:${stat.ino}`;
  if (stat.isSymbolicLink()) {
    try {
      key = `${key}->${readlinkSync(path)}`;
    } catch {
      // gone meanwhile: the key without its target still differs from a link's
    }
  }
  const owner = `${stat.mode.toString(8)}:${stat.uid}:${stat.gid}`;
  return { key, owner, path, mode: stat.mode, size: stat.size, atimeMs: stat.atimeMs, mtimeMs: stat.mtimeMs, symlink: stat.isSymbolicLink() };
}

function walk(root: string, dir: string, out: Fingerprint, label: string, skip: (rel: string) => boolean, depthLeft: number | null): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names.sort()) {
    const path = join(dir, name);
    const rel = relative(root, path).split(sep).join("/");
    if (skip(rel)) continue;
    let stat: Stats;
    try {
      stat = lstatSync(path);
    } catch {
      continue;
    }
    out.set(`${label}${rel}`, describe(path, stat));
    if (!stat.isDirectory()) continue;
    const below = depthLeft === null ? (DEPENDENCY_NAMES.has(name) ? DEPENDENCY_DEPTH : null) : depthLeft - 1;
    if (below === null || below > 0) walk(root, path, out, label, skip, below);
  }
}

/** The fingerprint of the person's repository: its work tree and its git directory. */
export function fingerprintRepository(repoDir: string, gitdir: string): Fingerprint {
  const out: Fingerprint = new Map();
  const gitInside = relative(repoDir, gitdir).split(sep).join("/");
  walk(repoDir, repoDir, out, "", (rel) => rel === ".hex-skills" || rel === gitInside, null);
  walk(gitdir, gitdir, out, ".git/", (rel) => GIT_SKIPPED.some((skipped) => rel === skipped || rel.startsWith(`${skipped}/`)), null);
  return out;
}

/**
 * Paths added, removed or changed between two fingerprints, sorted. `ownersOnly`: only entries in
 * both whose permission bits or ownership changed (what a confined command can still change; the
 * person editing their own files meanwhile is not a finding).
 */
export function changedPaths(before: Fingerprint, after: Fingerprint, ownersOnly = false): string[] {
  const changed = new Set<string>();
  for (const [path, entry] of before) {
    const now = after.get(path);
    if (ownersOnly ? now && !now.symlink && now.owner !== entry.owner : now?.key !== entry.key) changed.add(path);
  }
  if (!ownersOnly) for (const path of after.keys()) if (!before.has(path)) changed.add(path);
  return [...changed].sort();
}

/**
 * Puts back what can be put back of `changed` entries whose content did not change (same type and
 * size): permission bits and times, which Landlock does not confine (docs/safety.md). Returns the
 * paths it could not restore (removed, added, changed in size or type, links). Ownership is put
 * back only when perfloop may (as root).
 */
export function restoreMetadata(before: Fingerprint, after: Fingerprint, changed: readonly string[]): string[] {
  const left: string[] = [];
  for (const rel of changed) {
    const old = before.get(rel);
    const now = after.get(rel);
    const sameFile = old && now && !old.symlink && !now.symlink && (old.mode & 0o170000) === (now.mode & 0o170000) && old.size === now.size;
    if (!sameFile) {
      left.push(rel);
      continue;
    }
    try {
      if ((old.mode & 0o7777) !== (now.mode & 0o7777)) chmodSync(old.path, old.mode & 0o7777);
      if (old.owner.split(":").slice(1).join(":") !== now.owner.split(":").slice(1).join(":")) {
        const [, uid, gid] = old.owner.split(":").map(Number);
        chownSync(old.path, uid!, gid!);
      }
      if (old.mtimeMs !== now.mtimeMs || old.atimeMs !== now.atimeMs) utimesSync(old.path, old.atimeMs / 1000, old.mtimeMs / 1000);
    } catch {
      left.push(rel);
    }
  }
  return left;
}
