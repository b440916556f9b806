/**
 * Merging perfloop's branch into the person's current branch, only when asked (a question at
 * the end of a run, or --merge).
 *
 * Allowed: a fast-forward, or a 3-way merge without conflicts, on a clean work tree. The steps:
 * 1. refuse a detached HEAD, changes to tracked files, or an untracked file the merge would
 *    overwrite (nothing changes);
 * 2. a dry run of isomorphic-git's `merge`: a conflict stops here and names the files, with
 *    nothing changed (no ref, index or file);
 * 3. the real `merge`, which only moves the branch ref (a fast-forward) or writes a merge commit
 *    and moves the ref;
 * 4. isomorphic-git's `checkout` of the current branch in the person's own directory: it brings
 *    the changed files and the index to the new HEAD (checked by experiment: afterwards
 *    `git status --porcelain` is empty and `git log` shows the merge; tests/integration/git-merge).
 */
import { PerfloopError, UsageError } from "../errors.ts";
import { gitArgs, gitErrorCode, loadGit, type GitRepo } from "./iso.ts";
import { currentBranch, dirtyPaths, headCommit, readIdentity, type Identity } from "./repo.ts";
import { resolveCommitish } from "./resolve.ts";
import { listTree } from "./tree.ts";

export type MergeKind = "fast-forward" | "merge-commit" | "already-merged";

export interface MergeOutcome {
  kind: MergeKind;
  /** The person's branch that received the merge. */
  into: string;
  /** The branch (or commit-ish) merged. */
  from: string;
  /** HEAD before and after. */
  before: string;
  after: string;
}

export interface MergeRequest {
  /** What to merge, usually "perfloop/<slug>". */
  from: string;
  /** Message of a merge commit; default "Merge branch '<from>' into <branch>". */
  message?: string;
  identity?: Identity;
}

export async function mergeIntoCurrent(repo: GitRepo, request: MergeRequest): Promise<MergeOutcome> {
  const git = await loadGit();
  const into = await currentBranch(repo);
  if (!into) throw new UsageError("HEAD is detached: there is no branch to merge into", "check out the branch that should receive the result (git switch <branch>), then merge again");
  const before = await headCommit(repo);
  const theirs = await resolveCommitish(repo, request.from);
  // Untracked files do not stop a merge unless the merge would write a file of the same path
  // (git's own rule); changes to tracked files always do.
  const incoming = (await listTree(repo, theirs)).files;
  const dirty = (await dirtyPaths(repo)).filter((entry) => entry.status !== "??" || incoming.has(entry.path));
  if (dirty.length > 0) {
    throw new UsageError(
      `cannot merge ${request.from}: the work tree has uncommitted changes (${dirty.map((entry) => entry.path).slice(0, 10).join(", ")})`,
      "commit or stash them, then merge again",
      { dirty },
    );
  }
  const identity = request.identity ?? (await readIdentity(repo));
  const timestamp = Math.floor(Date.now() / 1000);
  const signature = { name: identity.name, email: identity.email, timestamp, timezoneOffset: new Date().getTimezoneOffset() };
  const args = { ...gitArgs(repo), ours: into, theirs: request.from, message: request.message, author: signature, committer: signature };

  try {
    await git.merge({ ...args, dryRun: true });
  } catch (error) {
    throw explainMergeFailure(request.from, into, error);
  }
  let result;
  try {
    result = await git.merge(args);
  } catch (error) {
    throw explainMergeFailure(request.from, into, error);
  }
  if (result.alreadyMerged) return { kind: "already-merged", into, from: request.from, before, after: before };
  await git.checkout({ ...gitArgs(repo), ref: into });
  return {
    kind: result.fastForward ? "fast-forward" : "merge-commit",
    into,
    from: request.from,
    before,
    after: await headCommit(repo),
  };
}

function explainMergeFailure(from: string, into: string, error: unknown): Error {
  const code = gitErrorCode(error);
  if (code === "MergeConflictError") {
    const data = (error as { data: { filepaths: string[]; bothModified: string[]; deleteByUs: string[]; deleteByTheirs: string[] } }).data;
    const files = [...new Set(data.filepaths)].sort();
    return new PerfloopError("merge_conflict", `merging ${from} into ${into} would conflict in ${files.join(", ")}; nothing was changed`, {
      data: { files, bothModified: data.bothModified, deleteByUs: data.deleteByUs, deleteByTheirs: data.deleteByTheirs },
      hint: `merge it yourself: git merge ${from}`,
    });
  }
  if (code === "MergeNotSupportedError") {
    return new PerfloopError("merge_unsupported", `merging ${from} into ${into} needs a recursive merge (several merge bases); nothing was changed`, {
      hint: `merge it yourself: git merge ${from}`,
    });
  }
  return error instanceof Error ? error : new Error(String(error));
}
