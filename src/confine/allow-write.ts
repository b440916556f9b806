/**
 * `--allow-write <dir>` (docs/safety.md): more directories that commands in side trees may write,
 * for the caches some tools insist on (~/.npm, ~/.cache/go-build). Each must exist and lie outside
 * the repository: allowing the repository, or a directory holding it, would undo the confinement.
 */
import { statSync } from "node:fs";
import { resolve } from "node:path";
import { UsageError } from "../errors.ts";
import { isInside } from "../git/index.ts";

/** The directories as absolute paths; a missing one, or one that is or holds or lies in the repository, is refused. */
export function resolveAllowWrite(cwd: string, repoDir: string, dirs: readonly string[]): string[] {
  return dirs.map((dir) => {
    const path = resolve(cwd, dir);
    if (!statSync(path, { throwIfNoEntry: false })?.isDirectory()) {
      throw new UsageError(`--allow-write ${dir}: no such directory`, "name an existing directory that commands in side trees may write (a cache, for example)");
    }
    if (isInside(repoDir, path) || isInside(path, repoDir)) {
      throw new UsageError(`--allow-write ${dir} would let commands write your repository`, "allow only directories outside the repository (caches such as ~/.npm or ~/.cache/go-build)");
    }
    return path;
  });
}
