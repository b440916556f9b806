/**
 * `--try-branch REF` and `--try-commit REV` as hypotheses (docs/research.md, "Your own
 * candidates"): each is the ref's OWN change, as a patch applied to the cycle's base, so a branch
 * forked before the base's newer commits (or any branch in a later cycle, whose base holds what
 * perfloop kept) does not revert them:
 *  - a branch: what it changed since it forked from the base (`git diff <base>...<ref>`: from
 *    their merge base to the ref);
 *  - a commit: what that commit changed (`git show <rev>`: from its first parent to it).
 * The patch is applied like any other (with fuzz; validation says when it does not fit). A ref
 * already contained in the base, one with no change of its own, or one whose change holds a
 * binary file is left out with the reason. The refs were resolved to commits at preflight, so a
 * branch that moves during a run does not change what is tried.
 */
import { type GitRepo, readTreeAt } from "../git/index.ts";
import { gitArgs, loadGit } from "../git/iso.ts";
import { unifiedDiff } from "../execute/combine.ts";
import type { HypothesisInput } from "../research/hypotheses-schema.ts";
import { ownCandidates } from "../research/own-candidates.ts";

export interface TryRefOption {
  flag: "--try-branch" | "--try-commit";
  ref: string;
  /** The full commit id the ref named at preflight. */
  commit: string;
}

export interface TryRefResult {
  hypotheses: HypothesisInput[];
  /** Refs left out, with why. */
  skipped: { ref: string; reason: string }[];
}

async function mergeBase(repo: GitRepo, a: string, b: string): Promise<string | null> {
  const git = await loadGit();
  const found = await git.findMergeBase({ ...gitArgs(repo), oids: [a, b] });
  return (found[0] as string | undefined) ?? null;
}

async function firstParent(repo: GitRepo, commit: string): Promise<string | null> {
  const git = await loadGit();
  const { commit: read } = await git.readCommit({ ...gitArgs(repo), oid: commit });
  return read.parent[0] ?? null;
}

export async function tryRefHypotheses(repo: GitRepo, base: string, refs: readonly TryRefOption[]): Promise<TryRefResult> {
  const skipped: TryRefResult["skipped"] = [];
  const hypotheses: HypothesisInput[] = [];
  const named = ownCandidates({
    branches: refs.filter((r) => r.flag === "--try-branch").map((r) => ({ ref: r.ref, commit: r.commit })),
    commits: refs.filter((r) => r.flag === "--try-commit").map((r) => ({ ref: r.ref, commit: r.commit })),
  }).hypotheses;
  const ordered = [...refs.filter((r) => r.flag === "--try-branch"), ...refs.filter((r) => r.flag === "--try-commit")];
  for (const [index, option] of ordered.entries()) {
    const template = named[index] as HypothesisInput;
    const short = option.commit.slice(0, 12);
    let from: string | null;
    let what: string;
    if (option.flag === "--try-branch") {
      from = await mergeBase(repo, base, option.commit);
      if (from === null) {
        skipped.push({ ref: option.ref, reason: `${option.flag} ${option.ref} shares no history with the base` });
        continue;
      }
      if (from === option.commit) {
        skipped.push({ ref: option.ref, reason: `${option.flag} ${option.ref} (${short}) is already in the base` });
        continue;
      }
      what = `The changes of branch ${option.ref} since it forked from the base (${from.slice(0, 12)}..${short}), applied to the base`;
    } else {
      from = await firstParent(repo, option.commit);
      what = `The change of commit ${short}${option.ref === option.commit ? "" : ` (${option.ref})`} (from its parent), applied to the base`;
    }
    const after = await readTreeAt(repo, option.commit);
    const before = from === null ? new Map() : await readTreeAt(repo, from);
    const diff = unifiedDiff(before, after);
    if (diff.trim() === "") {
      skipped.push({ ref: option.ref, reason: `${option.flag} ${option.ref} changes nothing of its own` });
      continue;
    }
    if (/^Binary files .* differ$/m.test(diff)) {
      skipped.push({ ref: option.ref, reason: `${option.flag} ${option.ref} changes a binary file, which cannot be applied as a patch: rebase it onto the base and commit the result, then try that` });
      continue;
    }
    const files = [...new Set([...diff.matchAll(/^diff --git a\/(.+?) b\/(.+)$/gm)].flatMap((m) => [m[1] as string, m[2] as string]))].sort();
    hypotheses.push({ ...template, description: what, change: { kind: "patch", diff }, files_to_modify: files });
  }
  return { hypotheses, skipped };
}
