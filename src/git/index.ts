/**
 * The git layer (docs/git.md). Nothing here loads isomorphic-git until a function that needs it
 * runs (iso.ts), so importing this module costs no startup time.
 */
export type { CommitInfo, FileEntry, FileMode, FileTree, TreeChanges } from "./types.ts";
export type { GitRepo, NodeFs } from "./iso.ts";
export {
  currentBranch,
  DEFAULT_IDENTITY,
  dirtyPaths,
  ensureExcluded,
  EXCLUDE_PATTERN,
  headCommit,
  openRepo,
  PERFLOOP_DIR,
  readIdentity,
  requireClean,
  treeStatus,
  type CleanCheck,
  type DirtyPath,
  type Identity,
  type TreeStatus,
} from "./repo.ts";
export {
  explainUntracked,
  mentionedUntracked,
  nameUntrackedIn,
  NO_UNTRACKED,
  readUntracked,
  untrackedNotice,
  withoutInputs,
  type UntrackedFiles,
} from "./untracked.ts";
export { commitExists, resolveCommitish } from "./resolve.ts";
export { applyChanges, diffTrees, listTree, readTextAt, readTreeAt, sameEntry, type TreeItem, type TreeListing } from "./tree.ts";
export { materialize, updateWorkTree, writeChanges, WRITE_CONCURRENCY, type MaterializeOptions, type MaterializeResult, type UpdateResult } from "./materialize.ts";
export { DEPENDENCY_DIRS, dependencyLinkSource, isDependencyCandidate, linkDependencies, privatizeDependency, type DependencyDir } from "./deps-link.ts";
export { assertRealDir, assertRealParents, copyTree, emptyDir, entryKind, isInside, NoFollowTree, removeEntry, type EntryKind } from "./no-follow.ts";
export { readWorkTree, type ReadWorkTreeOptions } from "./worktree-read.ts";
export { BRANCH_PREFIX, branchName, commitTree, writeCommitOn, type BranchCommitResult, type CommitRequest, type CommitResult } from "./commit.ts";
export {
  deletePerfloopRef,
  ledgerRef,
  listPerfloopRefs,
  listTried,
  PERFLOOP_REFS,
  readPerfloopRef,
  recordTried,
  writePerfloopRef,
  type LedgerEntry,
  type PerfloopRef,
} from "./ledger.ts";
export { mergeIntoCurrent, type MergeKind, type MergeOutcome, type MergeRequest } from "./merge.ts";
