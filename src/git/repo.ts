/**
 * The person's repository: find its root, check that its tracked files are unchanged, keep perfloop's own
 * files out of `git status`, and read the identity perfloop commits with.
 *
 * Nothing here writes the person's HEAD, index or files. The dirty check runs isomorphic-git's
 * `statusMatrix` with `refresh: false`, so that it does not rewrite `.git/index` (with the
 * default it refreshes stat data in the index). The only write is `ensureExcluded`, which
 * appends one line to `.git/info/exclude`, a file git never commits.
 */
import { isAbsolute, join, resolve } from "node:path";
import { PerfloopError, UsageError } from "../errors.ts";
import { gitArgs, gitErrorCode, gitPlainArgs, loadGit, type GitRepo, type NodeFs } from "./iso.ts";
import { addExcludeLine, EXCLUDE_LINE } from "../runtime/git-exclude.ts";
import { syncBackedFs } from "./sync-fs.ts";
import { collectUntracked, untrackedNotice, withoutInputs, type UntrackedFiles } from "./untracked.ts";

/** perfloop's own directory in the person's tree (spec/runtime-contract.md). */
export const PERFLOOP_DIR = ".hex-skills";
/** The line `ensureExcluded` adds to `.git/info/exclude` (a directory pattern, as git writes them). */
export const EXCLUDE_PATTERN = EXCLUDE_LINE;
/** Used when the repository's own config has no user.name / user.email. */
export const DEFAULT_IDENTITY: Identity = { name: "perfloop", email: "perfloop@localhost" };
/** How many dirty paths an error message lists before "and N more". */
const DIRTY_PATHS_SHOWN = 10;

export interface Identity {
  name: string;
  email: string;
}

/**
 * Opens the repository that holds `start` (a directory; relative paths resolve against the
 * process's cwd). Throws a UsageError (exit 2) when there is none.
 */
export async function openRepo(fs: NodeFs, start: string): Promise<GitRepo> {
  const git = await loadGit();
  const from = resolve(start);
  const gitFs = syncBackedFs(fs);
  let dir: string;
  try {
    dir = await git.findRoot({ fs: gitFs, filepath: from });
  } catch (error) {
    if (gitErrorCode(error) !== "NotFoundError") throw error;
    throw new UsageError(`not a git repository: ${from} (nor any of its parents)`, "run perfloop inside a git repository (`git init` and a first commit)", { dir: from });
  }
  const gitdir = await gitDirOf(fs, dir);
  return { fs, gitFs, dir, gitdir, cache: {} };
}

/**
 * `<dir>/.git`, or the directory a `.git` file points to ("gitdir: ..."; submodules). A linked
 * work tree of `git worktree add` keeps its objects and refs in a shared "commondir", which
 * isomorphic-git does not follow: refused with a clear message rather than half working.
 */
async function gitDirOf(fs: NodeFs, dir: string): Promise<string> {
  const dotGit = join(dir, ".git");
  const stat = await fs.promises.stat(dotGit);
  if (stat.isDirectory()) return dotGit;
  const text = await fs.promises.readFile(dotGit, "utf8");
  const match = /^gitdir:\s*(.+?)\s*$/m.exec(text);
  if (!match?.[1]) throw new UsageError(`${dotGit} is neither a directory nor a "gitdir:" file`, "run perfloop in a normal git checkout");
  const gitdir = isAbsolute(match[1]) ? match[1] : resolve(dir, match[1]);
  const common = await fs.promises.stat(join(gitdir, "commondir")).catch(() => null);
  if (common) {
    throw new UsageError(
      `${dir} is a linked work tree (git worktree add); perfloop needs the main checkout`,
      "run perfloop in the repository's main work tree",
      { dir, gitdir },
    );
  }
  return gitdir;
}

/** The commit HEAD points to; a UsageError when the repository has no commit yet. */
export async function headCommit(repo: GitRepo): Promise<string> {
  const git = await loadGit();
  try {
    return await git.resolveRef({ ...gitArgs(repo), ref: "HEAD" });
  } catch (error) {
    if (gitErrorCode(error) !== "NotFoundError") throw error;
    throw new UsageError(`the repository at ${repo.dir} has no commits yet`, "commit your code first (git add -A && git commit)", { dir: repo.dir });
  }
}

/** The current branch's short name ("main"), or undefined when HEAD is detached. */
export async function currentBranch(repo: GitRepo): Promise<string | undefined> {
  const git = await loadGit();
  const name = await git.currentBranch({ ...gitArgs(repo), fullname: false });
  return name || undefined;
}

/** One uncommitted change, with a two-letter status like `git status --porcelain`'s. */
export interface DirtyPath {
  path: string;
  /** "M " staged, " M" modified, "A " added, "D " / " D" deleted, "??" untracked, ... */
  status: string;
}

/**
 * Every path whose HEAD, index and work tree versions differ, and every untracked file that is
 * not ignored (.gitignore, .git/info/exclude). perfloop's own directory never counts.
 */
export async function dirtyPaths(repo: GitRepo): Promise<DirtyPath[]> {
  return (await treeStatus(repo)).dirty;
}

/** One status walk of the person's tree: what `dirtyPaths` lists, split, and the untracked files as a run records them. */
export interface TreeStatus {
  /** Everything `git status --porcelain` would list, untracked files ("??") too. */
  dirty: DirtyPath[];
  /** Changes to tracked files: modified, staged, added, deleted. These refuse a run. */
  changed: DirtyPath[];
  /** The untracked files (untracked.ts): they do not refuse a run; side trees do not have them. */
  untracked: UntrackedFiles;
}

export async function treeStatus(repo: GitRepo): Promise<TreeStatus> {
  const git = await loadGit();
  await headCommit(repo);
  const rows = await git.statusMatrix({
    ...gitArgs(repo),
    refresh: false,
    filter: (path) => path !== PERFLOOP_DIR && !path.startsWith(`${PERFLOOP_DIR}/`),
  });
  const dirty: DirtyPath[] = [];
  const untracked: string[] = [];
  const tracked: string[] = [];
  for (const [path, head, workdir, stage] of rows) {
    const status = porcelainStatus(head, workdir, stage);
    if (status === "??") untracked.push(path);
    else tracked.push(path);
    if (head === 1 && workdir === 1 && stage === 1) continue;
    dirty.push({ path, status });
  }
  return { dirty, changed: dirty.filter((entry) => entry.status !== "??"), untracked: collectUntracked(untracked, tracked) };
}

/**
 * statusMatrix's numbers (head 0 absent / 1 present; workdir 0 absent / 1 same as HEAD /
 * 2 different; stage 0 absent / 1 same as HEAD / 2 same as workdir / 3 different from both)
 * as `git status --porcelain`'s XY.
 */
export function porcelainStatus(head: number, workdir: number, stage: number): string {
  if (head === 0 && stage === 0) return "??";
  const x = head === 0 ? "A" : stage === 0 ? "D" : stage === 1 ? " " : "M";
  const y = stage !== 0 && workdir === 0 ? "D" : stage === 3 || (stage === 1 && workdir === 2) ? "M" : " ";
  return `${x}${y}`;
}

export interface CleanCheck {
  /** The base perfloop works from: HEAD's commit. */
  base: string;
  /** The changes to tracked files (untracked files are not among them). */
  dirty: DirtyPath[];
  /** The untracked files: they never refuse, and side trees do not have them. */
  untracked: UntrackedFiles;
  /** Set when the tree is dirty and that was allowed: what the person should know. */
  warning?: string;
  /** Set when there are untracked files: the one line that says they are not included. */
  notice?: string;
}

/**
 * Refuses changes to tracked files (modified, staged, deleted: UsageError, exit 2) unless
 * `allowDirty`; then the base is still HEAD and the warning says that uncommitted changes are not
 * part of it. Untracked files never refuse: side trees start from the base commit and never see
 * them, and the notice says so once (leaving out `inputs`, the run's own files, such as the
 * hypotheses file).
 */
export async function requireClean(repo: GitRepo, options: { allowDirty?: boolean; inputs?: ReadonlySet<string> } = {}): Promise<CleanCheck> {
  const base = await headCommit(repo);
  const status = await treeStatus(repo);
  const dirty = status.changed;
  const untracked = options.inputs ? withoutInputs(status.untracked, options.inputs) : status.untracked;
  const notice = untrackedNotice(untracked) ?? undefined;
  if (dirty.length === 0) return { base, dirty, untracked, ...(notice ? { notice } : {}) };
  const listed = describeDirty(dirty);
  if (!options.allowDirty) {
    throw new UsageError(
      `the work tree has uncommitted changes: ${listed}`,
      "commit or stash them first, or pass --allow-dirty (perfloop then starts from HEAD without them)",
      { dirty },
    );
  }
  return {
    base,
    dirty,
    untracked,
    warning: `the base is HEAD (${base.slice(0, 7)}); uncommitted changes are not included: ${listed}`,
    ...(notice ? { notice } : {}),
  };
}

function describeDirty(dirty: DirtyPath[]): string {
  const shown = dirty.slice(0, DIRTY_PATHS_SHOWN).map((entry) => `${entry.status.trim()} ${entry.path}`);
  const more = dirty.length - shown.length;
  return shown.join(", ") + (more > 0 ? ` and ${more} more` : "");
}

/**
 * Adds `.hex-skills/` to `.git/info/exclude` once (idempotent: an existing `.hex-skills`,
 * `.hex-skills/` or `/.hex-skills/` line counts; keeps what is there, adds a newline first when
 * the file lacks a final one; runtime/git-exclude.ts). Returns true when the line was added. Call
 * it before `requireClean`: the dirty check then never walks perfloop's own files.
 */
export async function ensureExcluded(repo: GitRepo, pattern = EXCLUDE_PATTERN): Promise<boolean> {
  return addExcludeLine(repo.gitdir, pattern);
}

/**
 * The author and committer perfloop writes: user.name / user.email from the repository's config
 * when set (isomorphic-git reads `.git/config` only, not ~/.gitconfig), else "perfloop
 * <perfloop@localhost>".
 */
export async function readIdentity(repo: GitRepo): Promise<Identity> {
  const git = await loadGit();
  const read = async (path: string): Promise<string | undefined> => {
    const value: unknown = await git.getConfig({ ...gitPlainArgs(repo), path });
    return typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;
  };
  const [name, email] = await Promise.all([read("user.name"), read("user.email")]);
  return { name: name ?? DEFAULT_IDENTITY.name, email: email ?? DEFAULT_IDENTITY.email };
}

/** Wraps an unexpected isomorphic-git failure with what perfloop was doing. */
export function gitFailure(action: string, error: unknown): PerfloopError {
  const message = error instanceof Error ? error.message : String(error);
  return new PerfloopError("git_failed", `${action}: ${message}`, { data: { gitCode: gitErrorCode(error) } });
}
