/**
 * Refs under `refs/perfloop/`: perfloop's own namespace, outside branches and tags, so
 * `git branch` and `git tag` stay quiet while the commits stay reachable (not pruned by gc).
 *
 * The ledger of tried hypotheses keeps one commit per try at
 * `refs/perfloop/<slug>/<n>-<id>`: n is the order of the try (1, 2, ...), id the hypothesis id.
 * `git log refs/perfloop/<slug>/3-h7` shows exactly what was measured.
 */
import { UsageError } from "../errors.ts";
import { assertRefPart } from "./commit.ts";
import { gitErrorCode, gitPlainArgs, loadGit, type GitRepo } from "./iso.ts";

export const PERFLOOP_REFS = "refs/perfloop";

export interface PerfloopRef {
  /** The full ref, "refs/perfloop/..." */
  ref: string;
  /** Its path below refs/perfloop/ */
  name: string;
  oid: string;
}

export interface LedgerEntry extends PerfloopRef {
  n: number;
  id: string;
}

/** `refs/perfloop/<name>` after checking each component of `name`. */
export function perfloopRef(name: string): string {
  const parts = name.split("/");
  for (const part of parts) assertRefPart(part, "ref name component");
  return `${PERFLOOP_REFS}/${name}`;
}

/** `refs/perfloop/<slug>/<n>-<id>` */
export function ledgerRef(slug: string, n: number, id: string): string {
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`ledger entry number must be a positive integer (got ${n})`);
  assertRefPart(slug, "slug");
  assertRefPart(id, "hypothesis id");
  return `${PERFLOOP_REFS}/${slug}/${n}-${id}`;
}

/** Points `refs/perfloop/<name>` at `oid` (created or moved). */
export async function writePerfloopRef(repo: GitRepo, name: string, oid: string): Promise<string> {
  const git = await loadGit();
  const ref = perfloopRef(name);
  await git.writeRef({ ...gitPlainArgs(repo), ref, value: oid, force: true });
  return ref;
}

/** The commit at `refs/perfloop/<name>`, or undefined when there is no such ref. */
export async function readPerfloopRef(repo: GitRepo, name: string): Promise<string | undefined> {
  const git = await loadGit();
  try {
    return await git.resolveRef({ ...gitPlainArgs(repo), ref: perfloopRef(name) });
  } catch (error) {
    if (gitErrorCode(error) === "NotFoundError") return undefined;
    throw error;
  }
}

/** Every ref under `refs/perfloop/<prefix>` (all of them when prefix is ""), sorted by name. */
export async function listPerfloopRefs(repo: GitRepo, prefix = ""): Promise<PerfloopRef[]> {
  const git = await loadGit();
  const base = prefix === "" ? PERFLOOP_REFS : perfloopRef(prefix.replace(/\/+$/, ""));
  const names = await git.listRefs({ ...gitPlainArgs(repo), filepath: base });
  const refs = await Promise.all(
    names.map(async (relative) => {
      const ref = `${base}/${relative}`;
      const oid = await git.resolveRef({ ...gitPlainArgs(repo), ref });
      return { ref, name: ref.slice(PERFLOOP_REFS.length + 1), oid };
    }),
  );
  return refs.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Removes `refs/perfloop/<name>`, loose or packed (isomorphic-git's deleteRef edits packed-refs too). */
export async function deletePerfloopRef(repo: GitRepo, name: string): Promise<void> {
  const git = await loadGit();
  await git.deleteRef({ ...gitPlainArgs(repo), ref: perfloopRef(name) });
}

/** Records one tried hypothesis: `refs/perfloop/<slug>/<n>-<id>` -> `commit`. Returns the ref. */
export async function recordTried(repo: GitRepo, entry: { slug: string; n: number; id: string; commit: string }): Promise<string> {
  const ref = ledgerRef(entry.slug, entry.n, entry.id);
  const git = await loadGit();
  await git.writeRef({ ...gitPlainArgs(repo), ref, value: entry.commit, force: true });
  return ref;
}

/** The ledger of `slug`, in the order of the tries (n), then by id. Refs not shaped `<n>-<id>` are skipped. */
export async function listTried(repo: GitRepo, slug: string): Promise<LedgerEntry[]> {
  assertRefPart(slug, "slug");
  const entries: LedgerEntry[] = [];
  for (const ref of await listPerfloopRefs(repo, slug)) {
    const match = /^(\d+)-(.+)$/.exec(ref.name.slice(slug.length + 1));
    if (!match || ref.name.slice(slug.length + 1).includes("/")) continue;
    entries.push({ ...ref, n: Number(match[1]), id: match[2] as string });
  }
  return entries.sort((a, b) => a.n - b.n || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
