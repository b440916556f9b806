/**
 * The side work tree: a commit's files written into a directory perfloop owns (usually
 * `.hex-skills/optimization/<slug>/worktree/`), with their modes, executable bits and symlinks,
 * as `git worktree add` or `git archive | tar -x` would lay them out.
 *
 * It reads objects with isomorphic-git (`readTree`, `readBlob`) and writes plain files, so the
 * person's HEAD, index and files are never touched. It does NOT use isomorphic-git's `checkout`
 * with another `dir`: that rewrites the person's index (FACTS.md). Files are written with a
 * bounded number in flight; executables are created with mode 0777 and regular files with 0666,
 * both minus the umask, which is what git's own checkout does.
 */
import { join, relative, resolve, sep } from "node:path";
import { PerfloopError } from "../errors.ts";
import type { FileEntry, TreeChanges } from "./types.ts";
import { linkDependencies, privatizeDependency } from "./deps-link.ts";
import { gitArgs, loadGit, type GitRepo, type NodeFs } from "./iso.ts";
import { assertRealDir, assertRealParents, emptyDir, entryKind, NoFollowTree } from "./no-follow.ts";
import { mapLimit } from "./pool.ts";
import { PERFLOOP_DIR } from "./repo.ts";
import { resolveCommitish } from "./resolve.ts";
import { objectSnapshotFs, withPath } from "./sync-fs.ts";
import { isSafeTreePath, listTree } from "./tree.ts";

/**
 * Files in flight at once (a blob read, then its file written). Bounded so that a tree of any
 * size cannot exhaust file descriptors (EMFILE). Measured on 2,000 small files (docs/git.md):
 * on a 2-core machine 8, 32 and one at a time were within noise of each other, as file creation
 * in the kernel dominates; more cores can create files in parallel, so keep some headroom.
 */
export const WRITE_CONCURRENCY = 32;
/** Created with these, minus the umask (as git checkout does). */
const FILE_MODE = 0o666;
const EXECUTABLE_MODE = 0o777;

export interface MaterializeOptions {
  /**
   * Empty what is already at `dir` first, keeping the directory itself (it must not be the
   * repository or hold it); a link at `dir` is unlinked, not followed.
   */
  replace?: boolean;
  /** Link ignored dependency folders from the person's tree (deps-link.ts). Default true. */
  linkDependencies?: boolean;
  concurrency?: number;
}

export interface MaterializeResult {
  commit: string;
  tree: string;
  dir: string;
  files: number;
  /** Dependency folders linked from the person's tree (relative paths). */
  linked: string[];
}

/** Writes the tree of `commitish` into `dir` (created; it must be absent or empty unless `replace`). */
export async function materialize(repo: GitRepo, commitish: string, dir: string, options: MaterializeOptions = {}): Promise<MaterializeResult> {
  const git = await loadGit();
  const { fs } = repo;
  const target = resolve(dir);
  assertSideDir(repo, target);
  assertRealParents(fs, repo.dir, target);
  const commit = await resolveCommitish(repo, commitish);
  prepareTarget(fs, target, options.replace === true);
  // Read-only from here on: objects are read through a snapshot of the object store (sync-fs.ts).
  const reading: GitRepo = { ...repo, gitFs: objectSnapshotFs(fs, repo.gitdir) };
  const listing = await listTree(reading, commit);

  // Directories first, each after its parent (listTree's order), so file writes never race a
  // mkdir. Synchronously: a hundred mkdirs cost less than a hundred round trips to the I/O pool.
  for (const path of listing.dirs) fs.mkdirSync(join(target, path));
  for (const path of listing.submodules.keys()) fs.mkdirSync(join(target, path), { recursive: true });

  const files = [...listing.files];
  await mapLimit(files, options.concurrency ?? WRITE_CONCURRENCY, async ([path, item]) => {
    const { blob } = await git.readBlob({ ...gitArgs(reading), oid: item.oid });
    await writeEntry(fs, join(target, path), { mode: item.mode, data: blob });
  });

  const linked = options.linkDependencies === false ? [] : await linkDependencies(fs, repo.dir, target, listing);
  return { commit, tree: listing.tree, dir: target, files: files.length, linked };
}

export interface UpdateResult {
  commit: string;
  /** Paths written or removed, sorted. */
  changed: string[];
}

/**
 * Moves a side work tree made from `from` to the tree of `to` by rewriting only the files that
 * differ between the two commits (by blob id and mode) and removing those `to` lacks: what the
 * executor needs between rounds, for a fraction of a new materialization's cost. Files changed
 * in the side tree by other means (a test that rewrites a tracked file) are not noticed; use
 * `materialize(..., { replace: true })` for a full reset.
 */
export async function updateWorkTree(repo: GitRepo, dir: string, from: string, to: string): Promise<UpdateResult> {
  const git = await loadGit();
  const target = resolve(dir);
  assertSideDir(repo, target);
  assertRealParents(repo.fs, repo.dir, target);
  assertRealDir(repo.fs, target);
  const reading: GitRepo = { ...repo, gitFs: objectSnapshotFs(repo.fs, repo.gitdir) };
  const [fromCommit, commit] = await Promise.all([resolveCommitish(repo, from), resolveCommitish(repo, to)]);
  const [before, after] = await Promise.all([listTree(reading, fromCommit), listTree(reading, commit)]);
  const paths: string[] = [];
  for (const [path, item] of after.files) {
    const old = before.files.get(path);
    if (!old || old.oid !== item.oid || old.mode !== item.mode) paths.push(path);
  }
  const removed = [...before.files.keys()].filter((path) => !after.files.has(path));
  const entries = await mapLimit(paths, WRITE_CONCURRENCY, async (path) => {
    const item = after.files.get(path) as { mode: FileEntry["mode"]; oid: string };
    const { blob } = await git.readBlob({ ...gitArgs(reading), oid: item.oid });
    return { mode: item.mode, data: blob } satisfies FileEntry;
  });
  const changes: TreeChanges = new Map<string, FileEntry | null>(removed.map((path) => [path, null]));
  paths.forEach((path, index) => changes.set(path, entries[index] as FileEntry));
  await writeChanges(repo.fs, target, changes);
  return { commit, changed: [...changes.keys()].sort() };
}

/** Writes one entry at an absent path: a symlink, or a file created with its mode. */
export async function writeEntry(fs: NodeFs, path: string, entry: FileEntry): Promise<void> {
  if (entry.mode === "120000") {
    await fs.promises.symlink(new TextDecoder().decode(entry.data), path);
  } else {
    await fs.promises.writeFile(path, entry.data, { mode: entry.mode === "100755" ? EXECUTABLE_MODE : FILE_MODE, flag: "wx" }).catch((error: unknown) => {
      throw withPath(error, path);
    });
  }
}

/**
 * Applies `changes` to a work tree directory: writes added and modified entries (replacing what
 * was there, even a directory or a link of another kind), removes deleted ones and the
 * directories they leave empty. Paths are checked: nothing is written outside `dir`, and no
 * symlink is ever followed (no-follow.ts): a link standing where a directory must be is replaced
 * by a real directory, except a dependency link, which is replaced by the side tree's own copy of
 * the person's folder first (deps-link.ts). `dir` must be a real directory, and so must its
 * parents from the directory holding `.hex-skills/` down. Written paths that lie under one another
 * (a link `lib` and a file `lib/x.js`: no tree holds both) are applied in the map's order, the
 * later one replacing the earlier.
 */
export async function writeChanges(fs: NodeFs, dir: string, changes: TreeChanges, concurrency = WRITE_CONCURRENCY): Promise<void> {
  const root = resolve(dir);
  for (const path of changes.keys()) {
    if (!isSafeTreePath(path)) throw new PerfloopError("unsafe_path", `refusing to write ${JSON.stringify(path)}: not a relative path inside the work tree`, { data: { path } });
  }
  const marker = `${sep}${PERFLOOP_DIR}${sep}`;
  const holder = root.lastIndexOf(marker);
  if (holder > 0) assertRealParents(fs, root.slice(0, holder), root);
  assertRealDir(fs, root);
  const tree = new NoFollowTree(fs, root, (path) => privatizeDependency(fs, root, path));
  const entries = [...changes];
  try {
    // Deletions first (sequentially, they may share directories), then the writes' parents, then
    // the writes: no two of those lie under one another, so they run concurrently.
    const deleted = entries.filter(([, entry]) => entry === null).map(([path]) => path);
    for (const path of deleted) if (tree.parents(path, false)) tree.remove(path);
    const written = lastOfNested(entries.filter((pair): pair is [string, FileEntry] => pair[1] !== null));
    for (const [path] of written) tree.parents(path, true);
    await mapLimit(written, concurrency, async ([path, entry]) => {
      tree.remove(path);
      await writeEntry(fs, tree.full(path), entry);
    });
    for (const path of deleted) tree.removeEmptyParents(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "EEXIST" && code !== "ENOTDIR" && code !== "ELOOP") throw error;
    // Only another process writing in the side tree at the same time gets here.
    throw new PerfloopError("worktree_changed", `the side work tree ${root} changed while perfloop wrote into it (${code} at ${(error as NodeJS.ErrnoException).path ?? "?"})`, {
      data: { dir: root, code },
      hint: "stop whatever still runs in the side tree, then materialize it again",
    });
  }
}

/**
 * The written entries with those that a later entry replaces left out: an entry whose path lies
 * under a later one's, or above it. What applying them one by one in order would leave.
 */
function lastOfNested(written: [string, FileEntry][]): [string, FileEntry][] {
  const paths = new Set(written.map(([path]) => path));
  const hasNested = written.some(([path]) => {
    for (let slash = path.indexOf("/"); slash > 0; slash = path.indexOf("/", slash + 1)) if (paths.has(path.slice(0, slash))) return true;
    return false;
  });
  if (!hasNested) return written;
  const kept: [string, FileEntry][] = [];
  for (const pair of written) {
    const [path] = pair;
    const clashes = ([other]: [string, FileEntry]): boolean => other === path || other.startsWith(`${path}/`) || path.startsWith(`${other}/`);
    for (let index = kept.length - 1; index >= 0; index -= 1) if (clashes(kept[index] as [string, FileEntry])) kept.splice(index, 1);
    kept.push(pair);
  }
  return kept;
}

/** The side tree must not be the person's tree, a parent of it, or inside the git directory. */
function assertSideDir(repo: GitRepo, target: string): void {
  const insideOrSame = (child: string, parent: string): boolean => {
    const rel = relative(parent, child);
    return rel === "" || (!rel.startsWith("..") && !rel.startsWith(sep) && rel !== "..");
  };
  if (insideOrSame(repo.dir, target) || insideOrSame(target, repo.gitdir)) {
    throw new PerfloopError("bad_worktree_dir", `refusing to materialize into ${target}: it is (or holds) the repository itself or its git directory`, {
      data: { dir: target, repo: repo.dir },
      hint: "use a directory such as .hex-skills/optimization/<slug>/worktree",
    });
  }
}

/**
 * Makes `target` an empty real directory. An existing directory is emptied in place, never removed
 * and made again: it keeps its inode, to which a confinement layer (Landlock rules) may be bound.
 * Nothing in it is followed. A link or a file at `target` is unlinked (a link's target is not
 * touched) and a directory made. Without `replace`, anything already there is refused.
 */
function prepareTarget(fs: NodeFs, target: string, replace: boolean): void {
  const kind = entryKind(fs, target);
  if (kind === "missing") {
    fs.mkdirSync(target, { recursive: true });
    return;
  }
  if (kind === "dir" && fs.readdirSync(target).length === 0) return;
  if (!replace) {
    const what = kind === "dir" ? "already holds files" : kind === "link" ? "is a symlink" : "is a file";
    throw new PerfloopError("worktree_exists", `the side work tree ${target} ${what}`, {
      data: { dir: target },
      hint: "remove it, or materialize with replace",
    });
  }
  if (kind === "dir") {
    emptyDir(fs, target);
    return;
  }
  fs.unlinkSync(target);
  fs.mkdirSync(target);
}
