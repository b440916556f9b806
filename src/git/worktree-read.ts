/**
 * Reading a side work tree back into a FileTree, as `git add -A` would see it: files the base
 * commit tracks are always read; an untracked file or folder is read unless git ignores it
 * (the side tree's .gitignore files and the person's .git/info/exclude, through isomorphic-git's
 * `isIgnored`), and the dependency links made by deps-link.ts are never read, nor the side tree's
 * private copy of one (a real directory at an untracked dependency path where the person has that
 * folder: what writeChanges makes of a link it must write into). Symlinks are kept as links
 * (never followed); the executable bit is the owner's execute bit, as git reads it.
 */
import { join } from "node:path";
import type { FileEntry, FileTree } from "./types.ts";
import { dependencyCandidates } from "./deps-link.ts";
import { loadGit, type GitRepo, type NodeFs } from "./iso.ts";
import { mapLimit } from "./pool.ts";
import { listTree, type TreeListing } from "./tree.ts";
import { WRITE_CONCURRENCY } from "./materialize.ts";

export interface ReadWorkTreeOptions {
  /** The commit the side tree was made from (a commit-ish or its listing): its paths count as tracked. */
  base?: string | TreeListing;
}

type Found = { path: string; kind: "file" | "link" };

export async function readWorkTree(repo: GitRepo, dir: string, options: ReadWorkTreeOptions = {}): Promise<FileTree> {
  const git = await loadGit();
  const { fs } = repo;
  const base = typeof options.base === "string" ? await listTree(repo, options.base) : options.base;
  const tracked = new Set<string>(base ? [...base.dirs, ...base.files.keys()] : []);
  const links = new Set(dependencyCandidates(base ?? { files: new Map() }));
  const found: Found[] = [];

  const walk = async (prefix: string): Promise<void> => {
    const entries = await fs.promises.readdir(join(dir, prefix), { withFileTypes: true });
    const subdirs: string[] = [];
    for (const entry of entries) {
      if (entry.name === ".git") continue;
      const path = prefix === "" ? entry.name : `${prefix}/${entry.name}`;
      if (!tracked.has(path)) {
        if (links.has(path) && (entry.isSymbolicLink() || (entry.isDirectory() && (await isDirectory(fs, join(repo.dir, path)))))) continue;
        if (await git.isIgnored({ fs: repo.gitFs, dir, gitdir: repo.gitdir, filepath: path })) continue;
      }
      if (entry.isSymbolicLink()) found.push({ path, kind: "link" });
      else if (entry.isDirectory()) subdirs.push(path);
      else if (entry.isFile()) found.push({ path, kind: "file" });
    }
    await Promise.all(subdirs.map(walk));
  };
  await walk("");

  found.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const entries = await mapLimit(found, WRITE_CONCURRENCY, async ({ path, kind }): Promise<FileEntry> => {
    const full = join(dir, path);
    if (kind === "link") return { mode: "120000", data: new TextEncoder().encode(await fs.promises.readlink(full)) };
    const [stat, data] = await Promise.all([fs.promises.stat(full), fs.promises.readFile(full)]);
    return { mode: stat.mode & 0o100 ? "100755" : "100644", data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
  });
  return new Map(found.map((item, index) => [item.path, entries[index] as FileEntry]));
}

function isDirectory(fs: NodeFs, path: string): Promise<boolean> {
  return fs.promises.stat(path).then((stat) => stat.isDirectory(), () => false);
}
