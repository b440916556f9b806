/**
 * The history a bisect searches (docs/bisect.md): the first-parent line from bad back to good, as
 * `git log --first-parent good..bad` lists it, oldest first, good included. A merge on that line
 * is one step of it, as `git bisect --first-parent` treats it; when the slowdown is pinned on a
 * merge, the branch it merged is named from the refs that point at its second parent, else from
 * its subject ("Merge branch 'x'", "Merge pull request #n from y"). Read with isomorphic-git only:
 * nothing of the person's is written.
 */
import { UsageError } from "../errors.ts";
import { gitArgs, loadGit, type GitRepo } from "../git/iso.ts";
import { resolveCommitish } from "../git/index.ts";

/** First-parent commits walked from bad before giving up on finding good. */
export const MAX_HISTORY = 100_000;

export interface CommitFacts {
  sha: string;
  subject: string;
  author: string;
  /** Author time, ISO 8601. */
  date: string;
  parents: string[];
}

export interface History {
  good: string;
  bad: string;
  /** good, then each commit after it on bad's first-parent line, bad last. */
  commits: string[];
}

/** Resolves `good` and `bad` and lists the first-parent line between them; a UsageError that names the fix otherwise. */
export async function firstParentHistory(repo: GitRepo, goodRef: string, badRef: string): Promise<History> {
  const git = await loadGit();
  const good = await resolveCommitish(repo, goodRef);
  const bad = await resolveCommitish(repo, badRef);
  if (good === bad) throw new UsageError(`--good and --bad name the same commit (${good.slice(0, 12)})`, "give a known good commit older than the bad one, e.g. --good v1.0 --bad HEAD");
  const line: string[] = [];
  let at: string | undefined = bad;
  while (at !== undefined && at !== good) {
    if (line.length >= MAX_HISTORY) throw new UsageError(`--good ${goodRef} is not among the ${MAX_HISTORY} first-parent ancestors of --bad ${badRef}`, "give a newer --good");
    line.push(at);
    const { commit }: { commit: { parent: string[] } } = await git.readCommit({ ...gitArgs(repo), oid: at });
    at = commit.parent[0];
  }
  if (at === good) return { good, bad, commits: [good, ...line.reverse()] };
  if (await git.isDescendent({ ...gitArgs(repo), oid: good, ancestor: bad, depth: -1 })) {
    throw new UsageError(`--good ${goodRef} is newer than --bad ${badRef} (it descends from it)`, "swap them: --good names the older, fast commit and --bad the newer, slow one");
  }
  if (await git.isDescendent({ ...gitArgs(repo), oid: bad, ancestor: good, depth: -1 })) {
    throw new UsageError(
      `--good ${goodRef} is an ancestor of --bad ${badRef}, but not on its first-parent line (it came in through a merge)`,
      `perfloop bisects the first-parent line: give as --good a commit that \`git log --first-parent ${badRef}\` lists, e.g. the first parent of the merge that brought it in`,
    );
  }
  throw new UsageError(`--good ${goodRef} is not an ancestor of --bad ${badRef}`, "give as --good an older commit of the same history (git log --first-parent <bad> lists them)");
}

/** What a report says about a commit: its subject (first line of its message), author, date and parents. */
export async function commitFacts(repo: GitRepo, sha: string): Promise<CommitFacts> {
  const git = await loadGit();
  const { commit } = await git.readCommit({ ...gitArgs(repo), oid: sha });
  return {
    sha,
    subject: commit.message.split("\n")[0]?.trim() ?? "",
    author: `${commit.author.name} <${commit.author.email}>`,
    date: new Date(commit.author.timestamp * 1000).toISOString(),
    parents: commit.parent,
  };
}

const MERGE_SUBJECTS = [/^Merge (?:remote-tracking )?branch '([^']+)'/, /^Merge pull request #\d+ from (\S+)/, /^Merged? (?:in )?'?([^'\s]+)'? into /];

/** Where the branch a merge brought in started: the merge base of its two parents; null for a commit that is not a merge. */
export async function forkPoint(repo: GitRepo, merge: CommitFacts): Promise<string | null> {
  if (merge.parents.length < 2) return null;
  const git = await loadGit();
  const bases: string[] = await git.findMergeBase({ ...gitArgs(repo), oids: merge.parents.slice(0, 2) });
  return bases[0] ?? null;
}

/** The branch a merge commit brought in: a branch whose tip is its second parent, else the one its subject names; null when neither says. */
export async function mergedBranch(repo: GitRepo, merge: CommitFacts): Promise<string | null> {
  const second = merge.parents[1];
  if (!second) return null;
  const git = await loadGit();
  const names: string[] = [];
  for (const name of await git.listBranches({ ...gitArgs(repo) })) {
    const oid = await git.resolveRef({ ...gitArgs(repo), ref: `refs/heads/${name}` }).catch(() => null);
    if (oid === second) names.push(name);
  }
  if (names.length > 0) return names.sort()[0] as string;
  for (const pattern of MERGE_SUBJECTS) {
    const match = pattern.exec(merge.subject);
    if (match?.[1]) return match[1];
  }
  return null;
}
