/**
 * Makes a side work tree runnable without reinstalling: dependency folders that exist in the
 * person's tree but are not tracked by git (usually ignored) are linked into the side tree as
 * symlinks to the person's folders.
 *
 * Which folders (DEPENDENCY_DIRS): each is looked for at the repository root and beside every
 * tracked manifest that names it (a `package.json` in a workspace package gets its own
 * `node_modules`). Left out on purpose:
 * - build outputs and caches such as `target/` (Cargo, Maven), `dist/`, `build/`,
 *   `__pycache__/`, `.next/`: a build in the side tree would write through the link into the
 *   person's own artifacts; the side tree builds them itself (or `--setup "<command>"`, run by
 *   the executor, prepares it).
 * - anything git tracks: the side tree already has its own copy, from the commit.
 * A linked folder is shared, not copied: a tool that writes into it (an install, a cache under
 * `node_modules/.cache`) writes into the person's folder. Use `--setup` for an isolated install.
 * perfloop's own writes never go through a link: a change that writes or deletes inside a linked
 * folder first gets the side tree its own copy of it (`privatizeDependency`, used by
 * writeChanges in materialize.ts).
 */
import { basename, dirname, join, resolve, sep } from "node:path";
import type { NodeFs } from "./iso.ts";
import { copyTree, entryKind, isInside, removeEntry } from "./no-follow.ts";
import type { TreeListing } from "./tree.ts";

export interface DependencyDir {
  /** The folder's name. */
  name: string;
  /** Tracked files beside which the folder is looked for (besides the repository root). */
  manifests: readonly string[];
  /** Who makes it. */
  tool: string;
}

export const DEPENDENCY_DIRS: readonly DependencyDir[] = [
  { name: "node_modules", manifests: ["package.json"], tool: "npm, yarn, pnpm, bun" },
  { name: ".venv", manifests: ["pyproject.toml", "requirements.txt", "setup.py", "Pipfile"], tool: "python -m venv, uv, poetry (in-project)" },
  { name: "venv", manifests: ["pyproject.toml", "requirements.txt", "setup.py", "Pipfile"], tool: "python -m venv" },
  { name: "vendor", manifests: ["composer.json", "Gemfile", "go.mod"], tool: "composer, bundler --path vendor, go mod vendor (when not committed)" },
  { name: ".bundle", manifests: ["Gemfile"], tool: "bundler's local config" },
];

/**
 * Where dependency folders may be, relative to the root: the root itself ("") and every
 * directory holding a tracked manifest of that folder. Pure: used by `linkDependencies` and
 * by `readWorkTree` (which skips these links when reading a side tree back).
 */
export function dependencyCandidates(listing: Pick<TreeListing, "files">): string[] {
  const candidates = new Set<string>();
  for (const dep of DEPENDENCY_DIRS) candidates.add(dep.name);
  for (const path of listing.files.keys()) {
    const slash = path.lastIndexOf("/");
    if (slash < 0) continue;
    const file = path.slice(slash + 1);
    const dir = path.slice(0, slash);
    for (const dep of DEPENDENCY_DIRS) if (dep.manifests.includes(file)) candidates.add(`${dir}/${dep.name}`);
  }
  return [...candidates].sort();
}

/**
 * Whether `path` (relative, POSIX) is a dependency candidate judged from a side tree's own files
 * rather than a listing: a DEPENDENCY_DIRS name at the root, or beside one of its manifests
 * (`isFile` says whether a relative path is a regular file there). The same rule as
 * `dependencyCandidates` when the side tree holds its commit's manifests.
 */
export function isDependencyCandidate(path: string, isFile: (path: string) => boolean): boolean {
  const slash = path.lastIndexOf("/");
  const name = path.slice(slash + 1);
  const dir = slash < 0 ? "" : path.slice(0, slash);
  return DEPENDENCY_DIRS.some((dep) => dep.name === name && (dir === "" || dep.manifests.some((manifest) => isFile(`${dir}/${manifest}`))));
}

/**
 * The person's folder when the entry at `path` of the side tree `root` is one of the links
 * `linkDependencies` makes, else null: a symlink at a dependency candidate path whose target lies
 * outside the side tree, is a directory, and ends in the same relative path (the link to
 * `<person>/packages/ui/node_modules` sits at `packages/ui/node_modules`). A link a command left
 * there pointing anywhere else is not one: it is replaced, never copied or followed.
 */
export function dependencyLinkSource(fs: NodeFs, root: string, path: string): string | null {
  const link = join(root, path);
  if (entryKind(fs, link) !== "link") return null;
  const isFile = (file: string): boolean => {
    try {
      return fs.lstatSync(join(root, file)).isFile();
    } catch {
      return false;
    }
  };
  if (!isDependencyCandidate(path, isFile)) return null;
  const target = resolve(dirname(link), fs.readlinkSync(link));
  const suffix = `${sep}${path.split("/").join(sep)}`;
  if (isInside(target, root) || !target.endsWith(suffix) || target.length === suffix.length) return null;
  let source: string;
  try {
    if (!fs.statSync(target).isDirectory()) return null;
    source = fs.realpathSync(target);
  } catch {
    return null;
  }
  // A folder that holds the side tree would be copied into itself.
  return isInside(fs.realpathSync(root), source) ? null : source;
}

/**
 * Gives the side tree its own copy of a linked dependency folder: the person's folder is copied
 * (links inside as links, never followed) next to the link, then the link is replaced by the
 * copy. Returns false, changing nothing, when the entry at `path` is not a dependency link.
 */
export function privatizeDependency(fs: NodeFs, root: string, path: string): boolean {
  const source = dependencyLinkSource(fs, root, path);
  if (source === null) return false;
  const link = join(root, path);
  const copy = join(dirname(link), `.${basename(link)}.perfloop-copy`);
  removeEntry(fs, copy); // a copy left half-made by a killed run
  copyTree(fs, source, copy);
  fs.unlinkSync(link);
  fs.renameSync(copy, link);
  return true;
}

/**
 * Links every candidate folder that is a directory in `personDir`, is not tracked (neither the
 * path nor anything under it is in `listing`) and is absent from `sideDir`. The link target is
 * absolute. Returns the linked relative paths, sorted.
 */
export async function linkDependencies(fs: NodeFs, personDir: string, sideDir: string, listing: Pick<TreeListing, "files" | "dirs">): Promise<string[]> {
  const tracked = new Set<string>([...listing.dirs, ...listing.files.keys()]);
  const linked: string[] = [];
  for (const path of dependencyCandidates(listing)) {
    if (tracked.has(path)) continue;
    const source = join(personDir, path);
    const stat = await fs.promises.stat(source).catch(() => null);
    if (!stat?.isDirectory()) continue;
    const link = join(sideDir, path);
    if (await fs.promises.lstat(link).catch(() => null)) continue;
    await fs.promises.symlink(source, link, "dir");
    linked.push(path);
  }
  return linked;
}
