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
import { dirname, join, relative, resolve, sep } from "node:path";
import { PerfloopError } from "../errors.ts";
import type { FileEntry, TreeChanges } from "./types.ts";
import { linkDependencies } from "./deps-link.ts";
import { gitArgs, loadGit, type GitRepo, type NodeFs } from "./iso.ts";
import { mapLimit } from "./pool.ts";
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
  /** Remove what is already at `dir` first (it must not be the repository or hold it). */
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
  const commit = await resolveCommitish(repo, commitish);
  await prepareTarget(fs, target, options.replace === true);
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
  await writeChanges(repo.fs, dir, changes);
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
 * directories they leave empty. Paths are checked: nothing is written outside `dir`.
 */
export async function writeChanges(fs: NodeFs, dir: string, changes: TreeChanges, concurrency = WRITE_CONCURRENCY): Promise<void> {
  const root = resolve(dir);
  for (const path of changes.keys()) {
    if (!isSafeTreePath(path)) throw new PerfloopError("unsafe_path", `refusing to write ${JSON.stringify(path)}: not a relative path inside the work tree`, { data: { path } });
  }
  // Deletions and replacements first (sequentially, they may share directories), then writes.
  const entries = [...changes];
  for (const [path] of entries) await fs.promises.rm(join(root, path), { recursive: true, force: true });
  const written = entries.filter((pair): pair is [string, FileEntry] => pair[1] !== null);
  for (const [path] of written) await makeParents(fs, root, path);
  await mapLimit(written, concurrency, ([path, entry]) => writeEntry(fs, join(root, path), entry));
  for (const [path, entry] of entries) if (entry === null) await removeEmptyParents(fs, root, path);
}

/** mkdir -p of the parents, replacing a file or link that stands where a directory must be. */
async function makeParents(fs: NodeFs, root: string, path: string): Promise<void> {
  let current = root;
  for (const part of dirname(path).split("/")) {
    if (part === ".") break;
    current = join(current, part);
    const stat = await fs.promises.lstat(current).catch(() => null);
    if (stat?.isDirectory()) continue;
    if (stat) await fs.promises.rm(current, { force: true });
    await fs.promises.mkdir(current);
  }
}

async function removeEmptyParents(fs: NodeFs, root: string, path: string): Promise<void> {
  let current = dirname(join(root, path));
  while (current !== root && current.startsWith(root + sep)) {
    const left = await fs.promises.readdir(current).catch(() => null);
    if (left === null || left.length > 0) return;
    await fs.promises.rmdir(current);
    current = dirname(current);
  }
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

async function prepareTarget(fs: NodeFs, target: string, replace: boolean): Promise<void> {
  const existing = await fs.promises.readdir(target).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return null;
    throw error;
  });
  if (existing && existing.length > 0) {
    if (!replace) {
      throw new PerfloopError("worktree_exists", `the side work tree ${target} already holds files`, {
        data: { dir: target },
        hint: "remove it, or materialize with replace",
      });
    }
    await fs.promises.rm(target, { recursive: true, force: true });
  }
  await fs.promises.mkdir(target, { recursive: true });
}
