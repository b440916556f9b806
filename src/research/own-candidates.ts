/**
 * The person's own candidates: `--try-branch REF` (repeatable) and `--try-commit REV`
 * (repeatable), each one hypothesis with a `branch` change. Pure: refs in, hypotheses (the schema's
 * input form, for parseHypotheses like every source) and notes out; resolving a ref, listing the
 * files it changes and counting how far it is behind the base are the caller's (git) work.
 *
 * What a `branch` change tries (src/execute/apply.ts): the WHOLE TREE at the ref in place of the
 * base's. Every file whose content or mode differs between the base tree and the ref's tree takes
 * the ref's version, files only the ref has are added, files only the base has are deleted. It is
 * the two-dot diff `git diff <base> <ref>`, not the three-dot `git diff <base>...<ref>` from their
 * merge base: a ref that is behind the base (the base has commits the ref lacks, e.g. a branch
 * forked before the person's latest commits, or any ref in a later cycle, whose base holds the
 * changes perfloop kept) reverts those commits in the same hypothesis. A `--try-commit` is
 * likewise the commit's whole tree, not a cherry-pick of that commit's own change. When the caller
 * knows how far behind the ref is, a note says so and how to try only the ref's own changes.
 *
 * Ids: `branch-<ref>` and `commit-<12 hex digits>` (source-ids.ts: a ref with characters an id
 * cannot hold, such as `feature/x`, becomes `branch-feature-x-<hash>`).
 */
import * as v from "valibot";
import { UsageError } from "../errors.ts";
import type { HypothesisInput } from "./hypotheses-schema.ts";
import { sourceId } from "./source-ids.ts";

/** Hex digits of a commit id in a `--try-commit` hypothesis id. */
export const COMMIT_ID_DIGITS = 12;
/** git refuses longer ref names on most file systems (a path component is at most 255 bytes). */
const MAX_REF_LENGTH = 255;

/** One ref as the caller knows it; a bare string is `{ ref }`. */
export interface TryRef {
  /** As the person gave it: a branch, a tag, a commit id, `HEAD~2`... */
  ref: string;
  /** The full commit id it resolves to (git/resolve.ts resolveCommitish), when resolved. */
  commit?: string | null;
  /** The paths where the ref's tree differs from the base (git diffTrees): the hypothesis' files_to_modify. */
  files?: readonly string[] | null;
  /** Commits the base has and the ref lacks (`git rev-list --count <ref>..<base>`), when counted. */
  behind?: number | null;
}

export interface OwnCandidateInput {
  /** `--try-branch`, in the order given. */
  branches?: readonly (string | TryRef)[];
  /** `--try-commit`, in the order given. */
  commits?: readonly (string | TryRef)[];
}

export interface OwnCandidates {
  hypotheses: HypothesisInput[];
  /** Warnings for the person: a ref behind the base reverts the base's newer commits. */
  notes: string[];
}

const RefSchema = v.pipe(
  v.string(),
  v.minLength(1, "is empty\nname a branch, a tag or a commit"),
  v.maxLength(MAX_REF_LENGTH, `is longer than ${MAX_REF_LENGTH} characters\nname a branch, a tag or a commit`),
  v.check((ref) => !ref.startsWith("-"), "starts with '-'\nname a branch, a tag or a commit; a ref never starts with '-'"),
  v.check((ref) => !/[\s\u0000-\u001f\u007f]/.test(ref), "holds a blank or a control character\ngit ref names have none: name a branch, a tag or a commit"),
);
const HEX = /^[0-9a-f]{4,40}$/i;
const FULL_COMMIT = /^[0-9a-f]{40}$/i;

function shown(ref: string): string {
  return JSON.stringify(ref.length > 60 ? `${ref.slice(0, 57)}...` : ref);
}

function checkRef(flag: string, ref: string): void {
  const result = v.safeParse(RefSchema, ref);
  if (result.success) return;
  const message = result.issues[0].message;
  const at = message.indexOf("\n");
  throw new UsageError(`${flag} ${shown(ref)} ${message.slice(0, at)}`, message.slice(at + 1));
}

function normalize(item: string | TryRef): TryRef {
  return typeof item === "string" ? { ref: item } : item;
}

function behindNote(flag: string, item: TryRef, base: string | null): string | null {
  if (!item.behind || item.behind <= 0) return null;
  const commits = item.behind === 1 ? "1 commit" : `${item.behind} commits`;
  return `${flag} ${item.ref} is ${commits} behind ${base ?? "the base"}: perfloop tries its whole tree, so this hypothesis also reverts those ${commits}; to try only its own changes, rebase it onto the base first (git rebase ${base ?? "<base>"} ${item.ref}), or give them as a patch`;
}

/**
 * One hypothesis per `--try-branch` and `--try-commit`, branches first, each in the order given.
 * `base` names the base in notes (a branch or a commit id). Throws a UsageError for a ref that
 * cannot be one, or for two that name the same candidate.
 */
export function ownCandidates(input: OwnCandidateInput, base: string | null = null): OwnCandidates {
  const hypotheses: HypothesisInput[] = [];
  const notes: string[] = [];
  const ids = new Map<string, string>();
  const add = (flag: string, item: TryRef, hypothesis: HypothesisInput) => {
    const earlier = ids.get(hypothesis.id);
    if (earlier !== undefined) {
      throw new UsageError(`${flag} ${shown(item.ref)} names the same candidate as ${earlier}`, "give each branch or commit once");
    }
    ids.set(hypothesis.id, `${flag} ${item.ref}`);
    hypotheses.push(hypothesis);
    const note = behindNote(flag, item, base);
    if (note) notes.push(note);
  };
  const files = (item: TryRef) => (item.files ? { files_to_modify: [...item.files].sort() } : {});

  for (const raw of input.branches ?? []) {
    const item = normalize(raw);
    checkRef("--try-branch", item.ref);
    add("--try-branch", item, {
      id: sourceId("branch", item.ref),
      description: `The branch ${item.ref} as it stands: every file where its tree differs from the base's takes the branch's version (the diff from the base to the branch, not from their merge base)`,
      fix_level: "application",
      expected_impact: null,
      evidence: [`the person's own candidate (--try-branch ${item.ref})`],
      change: { kind: "branch", ref: item.ref },
      ...files(item),
    });
  }

  for (const raw of input.commits ?? []) {
    const item = normalize(raw);
    checkRef("--try-commit", item.ref);
    const commit = item.commit ?? null;
    if (commit !== null && !FULL_COMMIT.test(commit)) {
      throw new UsageError(`--try-commit ${shown(item.ref)} resolved to ${shown(commit)}, which is not a full commit id`, "resolve it with resolveCommitish (40 hex digits)");
    }
    const hex = commit ?? (HEX.test(item.ref) ? item.ref : null);
    const id = hex === null ? sourceId("commit", item.ref) : `commit-${hex.toLowerCase().slice(0, COMMIT_ID_DIGITS)}`;
    const name = commit === null ? item.ref : `${commit.slice(0, COMMIT_ID_DIGITS)}${item.ref === commit ? "" : ` (${item.ref})`}`;
    add("--try-commit", item, {
      id,
      description: `The tree of commit ${name}: every file where it differs from the base's takes that commit's version (its whole tree, not a cherry-pick of the commit's own change)`,
      fix_level: "application",
      expected_impact: null,
      evidence: [`the person's own candidate (--try-commit ${item.ref})`],
      change: { kind: "branch", ref: commit ?? item.ref },
      ...files(item),
    });
  }
  return { hypotheses, notes };
}
