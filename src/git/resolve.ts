/**
 * Turning what a person typed (a branch, a tag, HEAD, a full or abbreviated commit id, with
 * optional `~N` / `^N` steps) into a commit id, or a UsageError that names it.
 *
 * Lookup order follows git's (gitrevisions(7)): a ref named exactly so, then refs/<name>,
 * refs/tags/<name>, refs/heads/<name>, refs/remotes/<name> (isomorphic-git's `resolveRef`),
 * then an object id prefix of at least 4 hex digits (`expandOid`). Annotated tags are peeled.
 */
import { UsageError } from "../errors.ts";
import { gitArgs, gitErrorCode, loadGit, type GitRepo } from "./iso.ts";

/** git's own minimum length for an abbreviated object id. */
const MIN_ABBREV = 4;
/** Annotated tags pointing at tags: a bound so a cycle cannot loop forever. */
const MAX_TAG_DEPTH = 10;

const HEX = /^[0-9a-f]+$/i;
const STEPS = /^(.*?)((?:[~^][0-9]*)*)$/;

/** The commit `name` designates; a UsageError (exit 2) naming `name` when there is none. */
export async function resolveCommitish(repo: GitRepo, name: string): Promise<string> {
  const text = name.trim();
  const match = STEPS.exec(text);
  const base = match?.[1] ?? "";
  const steps = match?.[2] ?? "";
  if (base === "") throw unknownRef(repo, name);
  let oid = await peelToCommit(repo, name, await resolveBase(repo, base, name));
  for (const step of steps.match(/[~^][0-9]*/g) ?? []) oid = await walkStep(repo, name, oid, step);
  return oid;
}

/** True when `name` resolves to a commit (no error). */
export async function commitExists(repo: GitRepo, name: string): Promise<boolean> {
  try {
    await resolveCommitish(repo, name);
    return true;
  } catch (error) {
    if (error instanceof UsageError) return false;
    throw error;
  }
}

async function resolveBase(repo: GitRepo, base: string, name: string): Promise<string> {
  const git = await loadGit();
  try {
    return await git.resolveRef({ ...gitArgs(repo), ref: base });
  } catch (error) {
    if (gitErrorCode(error) !== "NotFoundError") throw error;
  }
  if (base.length >= MIN_ABBREV && base.length <= 40 && HEX.test(base)) {
    try {
      return await git.expandOid({ ...gitArgs(repo), oid: base.toLowerCase() });
    } catch (error) {
      const code = gitErrorCode(error);
      if (code === "AmbiguousError") {
        throw new UsageError(`ambiguous commit id "${name}": several objects start with ${base}`, "give more digits of the commit id", { ref: name });
      }
      if (code !== "NotFoundError") throw error;
    }
  }
  throw unknownRef(repo, name);
}

async function peelToCommit(repo: GitRepo, name: string, oid: string): Promise<string> {
  const git = await loadGit();
  let current = oid;
  for (let depth = 0; depth <= MAX_TAG_DEPTH; depth++) {
    let type: string;
    try {
      type = (await git.readObject({ ...gitArgs(repo), oid: current, format: "content" })).type;
    } catch (error) {
      if (gitErrorCode(error) === "NotFoundError") throw unknownRef(repo, name);
      throw error;
    }
    if (type === "commit") return current;
    if (type !== "tag") {
      throw new UsageError(`"${name}" names a ${type}, not a commit`, "pass a branch, a tag or a commit id", { ref: name, oid: current });
    }
    current = (await git.readTag({ ...gitArgs(repo), oid: current })).tag.object;
  }
  throw new UsageError(`"${name}": tags nested more than ${MAX_TAG_DEPTH} deep`, "pass the commit id instead", { ref: name });
}

/** `~N`: N first parents back; `^N`: the N-th parent (`^` = `^1`, `^0` = the commit itself). */
async function walkStep(repo: GitRepo, name: string, oid: string, step: string): Promise<string> {
  const git = await loadGit();
  const count = step.length > 1 ? Number(step.slice(1)) : 1;
  const parentOf = async (commit: string, index: number): Promise<string> => {
    const { commit: parsed } = await git.readCommit({ ...gitArgs(repo), oid: commit });
    const parent = parsed.parent[index];
    if (parent === undefined) {
      throw new UsageError(`"${name}" goes past the start of history (${commit.slice(0, 7)} has no such parent)`, "use a shorter ~N or an existing parent", { ref: name });
    }
    return parent;
  };
  if (step[0] === "^") return count === 0 ? oid : parentOf(oid, count - 1);
  let current = oid;
  for (let i = 0; i < count; i++) current = await parentOf(current, 0);
  return current;
}

function unknownRef(repo: GitRepo, name: string): UsageError {
  return new UsageError(
    `unknown ref "${name}": no branch, tag or commit by that name in ${repo.dir}`,
    "check the name with `git branch -a`, `git tag` or `git log --oneline`",
    { ref: name },
  );
}
