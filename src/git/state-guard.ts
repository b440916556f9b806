/**
 * Before a run or an execute writes anything: perfloop's state directory `.hex-skills` must be its
 * own. It must not be tracked by git (anything in the index under `.hex-skills/`, or a
 * `.hex-skills` in HEAD's tree, a symbolic link above all: perfloop would write its state, and
 * delete files, wherever the link points), and none of its directories on disk may be a link
 * (runtime/state-dirs.ts). Each case is one line naming it and the fix (exit 2).
 */
import { UsageError } from "../errors.ts";
import { checkStateTree, STATE_DIR } from "../runtime/state-dirs.ts";
import { gitArgs, loadGit, type GitRepo } from "./iso.ts";

/** Tracked paths named in the message before "and N more". */
const TRACKED_SHOWN = 3;
/** git's mode of a symbolic link in a tree. */
const LINK_MODE = "120000";

const isState = (path: string) => path === STATE_DIR || path.startsWith(`${STATE_DIR}/`);

/** HEAD's entry for `.hex-skills` (mode and, for a link, its target), or null. */
async function headEntry(repo: GitRepo): Promise<{ mode: string; target: string | null } | null> {
  const git = await loadGit();
  const head = await git.resolveRef({ ...gitArgs(repo), ref: "HEAD" }).catch(() => null);
  if (!head) return null; // no commit yet: nothing is committed
  const { tree } = await git.readTree({ ...gitArgs(repo), oid: head });
  const entry = tree.find((item) => item.path === STATE_DIR);
  if (!entry) return null;
  if (entry.mode !== LINK_MODE) return { mode: entry.mode, target: null };
  const { blob } = await git.readBlob({ ...gitArgs(repo), oid: entry.oid });
  return { mode: entry.mode, target: new TextDecoder().decode(blob) };
}

/** Refuses a `.hex-skills` that is tracked by git or that is (or holds) a symbolic link. */
export async function refuseUnsafeStateDir(repo: GitRepo): Promise<void> {
  const git = await loadGit();
  const committed = await headEntry(repo);
  if (committed?.mode === LINK_MODE) {
    throw new UsageError(
      `${STATE_DIR} is committed to the repository as a symbolic link (to ${committed.target}): perfloop would write its state, and delete files, where it points`,
      `remove it from the repository (git rm ${STATE_DIR} && git commit -m "Remove ${STATE_DIR}"), then run the command again; perfloop makes a real directory and keeps it out of git`,
    );
  }
  const tracked = (await git.listFiles({ ...gitArgs(repo) })).filter(isState);
  if (tracked.length > 0 || committed) {
    const shown = tracked.slice(0, TRACKED_SHOWN).join(", ") + (tracked.length > TRACKED_SHOWN ? ` and ${tracked.length - TRACKED_SHOWN} more` : "");
    throw new UsageError(
      `${STATE_DIR} is tracked by git (${tracked.length > 0 ? shown : "in HEAD"}): perfloop keeps its own state there and must not change committed files`,
      `untrack it (git rm -r --cached ${STATE_DIR} && git commit -m "Untrack ${STATE_DIR}"), then run the command again; perfloop keeps it out of git status itself`,
    );
  }
  checkStateTree(repo.dir);
}
