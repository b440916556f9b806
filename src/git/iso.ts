/**
 * The one door to isomorphic-git. It costs ~20 ms to load (FACTS.md), so nothing imports it at
 * the top level: every git function awaits `loadGit()` when it first needs it. The name is fixed
 * so that `bun build --compile` bundles it (a computed name would not be bundled).
 */
import type * as fsModule from "node:fs";

export type Git = typeof import("isomorphic-git");

/** The `fs` perfloop is given and uses itself: node:fs (Bun and Deno both have it). */
export type NodeFs = typeof fsModule;
/** The fs client isomorphic-git takes (perfloop passes sync-fs.ts's wrapper of NodeFs). */
export type GitFs = Parameters<Git["readBlob"]>[0]["fs"];

/**
 * A repository as the git layer sees it. `cache` is isomorphic-git's cache object (parsed pack
 * indexes, the index file): one per repository handle, so repeated reads of a packed repository
 * parse each pack index once.
 */
export interface GitRepo {
  /** node:fs, as given: perfloop's own file work. */
  fs: NodeFs;
  /** The same fs, synchronous calls behind promises (sync-fs.ts): what isomorphic-git is given. */
  gitFs: GitFs;
  /** The work tree root (absolute). */
  dir: string;
  /** The git directory (absolute), usually `<dir>/.git`. */
  gitdir: string;
  cache: object;
}

export function loadGit(): Promise<Git> {
  return import("isomorphic-git");
}

/** The arguments every isomorphic-git call takes for this repository. */
export function gitArgs(repo: GitRepo): { fs: GitFs; dir: string; gitdir: string; cache: object } {
  return { fs: repo.gitFs, dir: repo.dir, gitdir: repo.gitdir, cache: repo.cache };
}

/** The same without `cache`, for the calls that take none (writeRef, getConfig, writeBlob...). */
export function gitPlainArgs(repo: GitRepo): { fs: GitFs; dir: string; gitdir: string } {
  return { fs: repo.gitFs, dir: repo.dir, gitdir: repo.gitdir };
}

/** isomorphic-git errors carry a string `code` (e.g. "NotFoundError"). */
export function gitErrorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}
