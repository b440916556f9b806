/**
 * Commits without the person's index: blobs, trees and the commit are written straight into
 * the object store (`writeBlob`, `writeTree`, `writeCommit`) and the branch is moved with
 * `writeRef`. The person's HEAD, index and files are not touched; `git fsck` stays clean.
 *
 * Trees are written incrementally: only the directories on the path of a changed file are
 * rewritten; every other subtree keeps the base commit's tree id. Blobs are hashed first
 * (SHA-1 of "blob <size>\0<bytes>", git's object id) and only new ones are written.
 */
import { PerfloopError, UsageError } from "../errors.ts";
import type { FileEntry, FileTree, TreeChanges } from "./types.ts";
import { gitArgs, gitErrorCode, gitPlainArgs, loadGit, type GitRepo } from "./iso.ts";
import { mapLimit } from "./pool.ts";
import { readIdentity, type Identity } from "./repo.ts";
import { resolveCommitish } from "./resolve.ts";
import { isSafeTreePath, listTree, OBJECT_READ_CONCURRENCY, parentsOf, type TreeItem, type TreeListing } from "./tree.ts";
import { readWorkTree } from "./worktree-read.ts";

/** perfloop's branches: `perfloop/<slug>`. */
export const BRANCH_PREFIX = "perfloop/";
const TREE_MODE = "040000";

export interface CommitRequest {
  /** The parent commit (a commit-ish). */
  base: string;
  /** The commit message, as given (a final newline is added when missing, as git does). */
  message: string;
  /** The new content: exactly one of a whole tree, changes against the base, or a side work tree directory. */
  tree?: FileTree;
  changes?: TreeChanges;
  dir?: string;
  /** Author and committer; default: the repository's user.name/email, else perfloop <perfloop@localhost>. */
  identity?: Identity;
  /** Seconds since the epoch; default now. */
  timestamp?: number;
}

export interface CommitResult {
  commit: string;
  tree: string;
  base: string;
  /** Paths added, modified or deleted against the base. */
  changed: string[];
}

export interface BranchCommitResult extends CommitResult {
  /** "perfloop/<slug>" */
  branch: string;
  /** "refs/heads/perfloop/<slug>" */
  ref: string;
}

/** Writes a commit on top of `base` and returns it; no ref moves. */
export async function writeCommitOn(repo: GitRepo, request: CommitRequest): Promise<CommitResult> {
  const git = await loadGit();
  const sources = [request.tree, request.changes, request.dir].filter((source) => source !== undefined);
  if (sources.length !== 1) throw new PerfloopError("bad_commit_request", "a commit needs exactly one of tree, changes or dir");
  const base = await resolveCommitish(repo, request.base);
  const listing = await listTree(repo, base);

  const blobChanges = request.changes
    ? await writeChangedBlobs(repo, listing, request.changes, false)
    : await writeChangedBlobs(repo, listing, fullTreeChanges(listing, request.tree ?? (await readWorkTree(repo, request.dir as string, { base: listing }))), true);
  const tree = blobChanges.size === 0 ? listing.tree : await writeTrees(repo, listing, blobChanges);

  const identity = request.identity ?? (await readIdentity(repo));
  const signature = {
    name: identity.name,
    email: identity.email,
    timestamp: request.timestamp ?? Math.floor(Date.now() / 1000),
    timezoneOffset: new Date().getTimezoneOffset(),
  };
  const message = request.message.endsWith("\n") ? request.message : `${request.message}\n`;
  const commit = await git.writeCommit({
    ...gitArgs(repo),
    commit: { message, tree, parent: [base], author: signature, committer: signature },
  });
  return { commit, tree, base, changed: [...blobChanges.keys()].sort() };
}

/** Writes a commit on top of `base` and points branch `perfloop/<slug>` at it (created or moved). */
export async function commitTree(repo: GitRepo, request: CommitRequest & { slug: string }): Promise<BranchCommitResult> {
  const git = await loadGit();
  const branch = branchName(request.slug);
  const ref = `refs/heads/${branch}`;
  const result = await writeCommitOn(repo, request);
  try {
    await git.writeRef({ ...gitPlainArgs(repo), ref, value: result.commit, force: true });
  } catch (error) {
    throw new PerfloopError("git_ref_failed", `could not write ${ref}: ${error instanceof Error ? error.message : String(error)}`, {
      data: { ref, gitCode: gitErrorCode(error) },
      hint: "a branch named like a parent of it (e.g. `perfloop`) blocks it; rename that branch",
    });
  }
  return { ...result, branch, ref };
}

/** "perfloop/<slug>", after checking that the slug is usable in a ref name. */
export function branchName(slug: string): string {
  assertRefPart(slug, "slug");
  return `${BRANCH_PREFIX}${slug}`;
}

/**
 * One component of a ref name perfloop builds: letters, digits, "_", "-", "." (not first, not
 * "..", not ending in "." or ".lock"), as git-check-ref-format(1) allows and shells need no quoting.
 */
export function assertRefPart(part: string, what: string): void {
  const ok = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(part) && !part.includes("..") && !part.endsWith(".") && !part.endsWith(".lock");
  if (!ok) {
    throw new UsageError(`invalid ${what} ${JSON.stringify(part)} for a git ref name`, `use letters, digits, "-", "_" and "." in the ${what}`, { [what]: part });
  }
}

/** Every path of `listing` that `tree` lacks becomes a deletion; every path of `tree` a candidate change. */
function fullTreeChanges(listing: TreeListing, tree: FileTree): TreeChanges {
  const changes: TreeChanges = new Map(tree);
  for (const path of listing.files.keys()) if (!tree.has(path)) changes.set(path, null);
  // Submodules are not files of a FileTree: keep them rather than deleting them.
  return changes;
}

/**
 * Hashes each changed entry and writes the blobs the object store lacks. With `dropSame`,
 * entries identical to the base (same mode and blob id) are no changes at all.
 */
async function writeChangedBlobs(repo: GitRepo, listing: TreeListing, changes: TreeChanges, dropSame: boolean): Promise<Map<string, TreeItem | null>> {
  const git = await loadGit();
  const { createHash } = await import("node:crypto");
  const paths = [...changes.keys()];
  for (const path of paths) {
    if (!isSafeTreePath(path)) throw new PerfloopError("unsafe_path", `refusing to commit ${JSON.stringify(path)}: not a relative path inside the tree`, { data: { path } });
  }
  const items = await mapLimit(paths, OBJECT_READ_CONCURRENCY, async (path): Promise<TreeItem | null | "same"> => {
    const entry = changes.get(path) as FileEntry | null;
    if (entry === null) return listing.files.has(path) || listing.treeOids.has(path) || !dropSame ? null : "same";
    const oid = createHash("sha1").update(`blob ${entry.data.byteLength}\0`).update(entry.data).digest("hex");
    const before = listing.files.get(path);
    if (before && before.oid === oid && before.mode === entry.mode) return dropSame ? "same" : { mode: entry.mode, oid };
    if (!before || before.oid !== oid) await git.writeBlob({ ...gitPlainArgs(repo), blob: entry.data });
    return { mode: entry.mode, oid };
  });
  const result = new Map<string, TreeItem | null>();
  paths.forEach((path, index) => {
    const item = items[index];
    if (item !== "same" && item !== undefined) result.set(path, item);
  });
  return result;
}

type WriteEntry = { mode: string; path: string; oid: string; type: "blob" | "tree" | "commit" };

/** Rewrites the directories on the path of each change, deepest first; returns the root tree id. */
async function writeTrees(repo: GitRepo, listing: TreeListing, changes: Map<string, TreeItem | null>): Promise<string> {
  const git = await loadGit();
  const byDir = new Map<string, Map<string, TreeItem | null>>();
  const affected = new Set<string>([""]);
  for (const [path, item] of changes) {
    const parents = parentsOf(path);
    for (const parent of parents) affected.add(parent);
    const dir = parents.at(-1) ?? "";
    const name = path.slice(dir === "" ? 0 : dir.length + 1);
    if (!byDir.has(dir)) byDir.set(dir, new Map());
    byDir.get(dir)?.set(name, item);
  }
  const depth = (dir: string): number => (dir === "" ? 0 : dir.split("/").length);
  const order = [...affected].sort((a, b) => depth(b) - depth(a));
  const written = new Map<string, string | null>();

  for (const dir of order) {
    const baseOid = listing.treeOids.get(dir);
    const entries = new Map<string, WriteEntry>();
    if (baseOid) {
      const { tree } = await git.readTree({ ...gitArgs(repo), oid: baseOid });
      for (const entry of tree) entries.set(entry.path, entry);
    }
    // Files first, then the subdirectories written below: a directory that gains entries wins
    // over a file of the same name; an emptied directory gives way to a file that replaces it.
    for (const [name, item] of byDir.get(dir) ?? []) {
      if (item === null) entries.delete(name);
      else entries.set(name, { mode: item.mode, path: name, oid: item.oid, type: "blob" });
    }
    const prefix = dir === "" ? "" : `${dir}/`;
    for (const [child, oid] of written) {
      if (!child.startsWith(prefix) || child.slice(prefix.length).includes("/") || child === dir) continue;
      const name = child.slice(prefix.length);
      if (oid !== null) entries.set(name, { mode: TREE_MODE, path: name, oid, type: "tree" });
      else if (entries.get(name)?.type === "tree") entries.delete(name);
    }
    if (entries.size === 0 && dir !== "") {
      written.set(dir, null);
      continue;
    }
    written.set(dir, await git.writeTree({ ...gitPlainArgs(repo), tree: [...entries.values()] }));
  }
  return written.get("") as string;
}
