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
import { lstatSync, readdirSync, readlinkSync, type Stats } from "node:fs";
import { join, relative, sep } from "node:path";
import { DEPENDENCY_DIRS } from "../git/deps-link.ts";

/** Levels below a dependency folder that are fingerprinted (the folder, its packages, their files). */
export const DEPENDENCY_DEPTH = 2;
/** Paths of the git directory (relative, POSIX) that perfloop itself writes or that hold only objects. */
const GIT_SKIPPED = ["objects", "refs/heads/perfloop", "refs/perfloop", "logs/refs/heads/perfloop", "logs/refs/perfloop"];
const DEPENDENCY_NAMES = new Set(DEPENDENCY_DIRS.map((d) => d.name));

export type Fingerprint = Map<string, string>;

function describe(path: string, stat: Stats): string {
  const base = `${stat.mode.toString(8)}:${stat.size}:${stat.mtimeMs}:${stat.ctimeMs}:${stat.ino}`;
  if (!stat.isSymbolicLink()) return base;
  try {
    return `${base}->${readlinkSync(path)}`;
  } catch {
    return base;
  }
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

/** Paths added, removed or changed between two fingerprints, sorted. */
export function changedPaths(before: Fingerprint, after: Fingerprint): string[] {
  const changed = new Set<string>();
  for (const [path, value] of before) if (after.get(path) !== value) changed.add(path);
  for (const path of after.keys()) if (!before.has(path)) changed.add(path);
  return [...changed].sort();
}
