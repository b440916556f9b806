/**
 * Writing and deleting inside a directory perfloop owns (a side work tree) without ever following
 * a symlink. Commands run in a side tree (tests, the target) may leave links there, such as
 * `src -> /some/outside/dir`, and the dependency folders are links into the person's tree
 * (deps-link.ts): a write or a removal that followed one would change files outside the tree.
 *
 * The rules, for every path perfloop writes or deletes (docs/git.md, "Writing without following
 * links"):
 * - its parents are walked from the root with lstat. A real directory is fine. A symlink that the
 *   caller adopts (`adoptLink`: the dependency links, which get a private copy) becomes a real
 *   directory. Any other link, file or special file standing where a directory must be is removed
 *   itself (unlink) and a real directory is made in its place;
 * - the leaf is lstat'ed: a directory is removed recursively without following the links inside
 *   it, anything else is unlinked; the new entry is then created with O_CREAT|O_EXCL ("wx"), or
 *   as a new symlink, both of which fail rather than follow a link that appeared in between.
 *
 * Node's `fs.rm({ recursive: true })` does not follow links inside the directory it removes, nor
 * a link it is given (rimraf's lstat walk in Node; unlinkat-based walks in Bun and Deno):
 * tests/integration/git-no-follow.test.ts checks this under each runtime.
 *
 * Limit: the checks are not atomic against another process that swaps a directory for a link
 * while perfloop writes (Node has no openat/O_NOFOLLOW for directories). perfloop writes into a
 * side tree only between the commands it runs there.
 */
import { dirname, join, relative, sep } from "node:path";
import { PerfloopError } from "../errors.ts";
import type { NodeFs } from "./iso.ts";

export type EntryKind = "missing" | "dir" | "link" | "other";

/** What stands at `path`, by lstat (never followed). A parent that is not a directory counts as missing. */
export function entryKind(fs: NodeFs, path: string): EntryKind {
  let stat: ReturnType<NodeFs["lstatSync"]>;
  try {
    stat = fs.lstatSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return "missing";
    throw error;
  }
  if (stat?.isDirectory()) return "dir";
  return stat?.isSymbolicLink() ? "link" : "other";
}

/** Removes what stands at `path` itself: a directory with everything in it (links inside are removed, not followed), or a file or link. */
export function removeEntry(fs: NodeFs, path: string): EntryKind {
  const kind = entryKind(fs, path);
  if (kind === "dir") fs.rmSync(path, { recursive: true, force: true });
  else if (kind !== "missing") fs.unlinkSync(path);
  return kind;
}

/** Removes everything inside the real directory `dir`, keeping `dir` itself (its inode). */
export function emptyDir(fs: NodeFs, dir: string): void {
  for (const name of fs.readdirSync(dir)) removeEntry(fs, join(dir, name));
}

/**
 * Copies the directory `source` to `dest` (absent), never following a link inside: links are
 * copied as links with the same target text, files with their permission bits, directories
 * recursively. Sockets, FIFOs and devices are left out. Returns the number of entries copied.
 */
export function copyTree(fs: NodeFs, source: string, dest: string): number {
  let copied = 0;
  const walk = (from: string, to: string): void => {
    fs.mkdirSync(to);
    for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
      const src = join(from, entry.name);
      const dst = join(to, entry.name);
      if (entry.isSymbolicLink()) fs.symlinkSync(fs.readlinkSync(src), dst);
      else if (entry.isDirectory()) walk(src, dst);
      else if (entry.isFile()) fs.copyFileSync(src, dst, fs.constants.COPYFILE_EXCL);
      else continue;
      copied += 1;
    }
    // After the entries: a read-only directory is filled first, then made read-only.
    fs.chmodSync(to, fs.lstatSync(from).mode & 0o7777);
  };
  walk(source, dest);
  return copied;
}

/** `child` is `parent` or inside it (both absolute, resolved). */
export function isInside(child: string, parent: string): boolean {
  const rel = relative(parent, child);
  return rel === "" || (rel !== ".." && !rel.startsWith(`..${sep}`) && !rel.startsWith(sep));
}

/**
 * The real directories of one operation on one tree: each parent is checked once (the cache that
 * keeps writeChanges from an lstat per file per component).
 */
export class NoFollowTree {
  private readonly real = new Set<string>([""]);

  /**
   * @param root an absolute path that is a real directory (see `assertRealDir`).
   * @param adoptLink called for a symlink standing where a directory must be, with its relative
   *   path; returns true when it turned the link into a real directory (a private copy).
   */
  constructor(
    readonly fs: NodeFs,
    readonly root: string,
    private readonly adoptLink: (path: string) => boolean = () => false,
  ) {}

  full(path: string): string {
    return join(this.root, path);
  }

  /**
   * Makes every parent of `path` (relative, POSIX) a real directory, by the rules above. With
   * `create` false (a deletion) nothing is created: a missing parent, or a non-directory one
   * (which is removed itself), means there is nothing to delete, and false is returned.
   */
  parents(path: string, create: boolean): boolean {
    const parts = path.split("/");
    let current = "";
    for (let index = 0; index < parts.length - 1; index += 1) {
      current = current === "" ? (parts[index] as string) : `${current}/${parts[index]}`;
      if (this.real.has(current)) continue;
      const full = this.full(current);
      const kind = entryKind(this.fs, full);
      if (kind === "link" && this.adoptLink(current)) {
        this.real.add(current);
        continue;
      }
      if (kind === "dir") {
        this.real.add(current);
        continue;
      }
      if (kind === "link" || kind === "other") this.fs.unlinkSync(full);
      if (!create) return false;
      this.fs.mkdirSync(full);
      this.real.add(current);
    }
    return true;
  }

  /** Removes the leaf at `path` itself (never followed); forgets the directories it held. */
  remove(path: string): EntryKind {
    const kind = removeEntry(this.fs, this.full(path));
    if (kind === "dir") for (const known of this.real) if (known === path || known.startsWith(`${path}/`)) this.real.delete(known);
    return kind;
  }

  /** rmdir of the real directories `path` leaves empty, from its parent up to (not including) the root. */
  removeEmptyParents(path: string): void {
    for (let current = dirname(path); current !== "." && current !== ""; current = dirname(current)) {
      const full = this.full(current);
      if (entryKind(this.fs, full) !== "dir" || this.fs.readdirSync(full).length > 0) return;
      this.fs.rmdirSync(full);
      this.real.delete(current);
    }
  }
}

/**
 * `dir` must be a real directory, not a link to one (a write below a linked root would land in
 * the link's target).
 */
export function assertRealDir(fs: NodeFs, dir: string): void {
  const kind = entryKind(fs, dir);
  if (kind === "dir") return;
  const what = kind === "missing" ? "does not exist" : kind === "link" ? "is a symlink" : "is not a directory";
  throw new PerfloopError("bad_worktree_dir", `refusing to write into the side work tree ${dir}: it ${what}`, {
    data: { dir },
    hint: "materialize it again (materialize with replace makes a real directory in place of a link)",
  });
}

/**
 * The directories from `start` (excluded) down to `dir` (excluded) must be real directories or
 * absent: a link among them would put the side tree somewhere else. Throws a PerfloopError naming
 * the first link or file.
 */
export function assertRealParents(fs: NodeFs, start: string, dir: string): void {
  const rel = relative(start, dirname(dir));
  if (rel === "" || !isInside(dirname(dir), start)) return;
  let current = start;
  for (const part of rel.split(sep)) {
    current = join(current, part);
    const kind = entryKind(fs, current);
    if (kind === "missing") return;
    if (kind === "dir") continue;
    const what = kind === "link" ? "a symlink" : "not a directory";
    throw new PerfloopError("bad_worktree_dir", `refusing to use the side work tree ${dir}: ${current} is ${what}, and perfloop never writes through links`, {
      data: { dir, path: current },
      hint: `remove ${current}; perfloop makes the directories it needs`,
    });
  }
}
