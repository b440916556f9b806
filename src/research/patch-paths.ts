/**
 * Reading a unified diff's file names, shared by the loader (files_to_modify, path checks) and the
 * executor (applying it). Git-style names (`a/x`, `b/x`, or any patch with a `diff --git` line)
 * lose their first component, as `git apply`/`patch -p1` do; other names are taken as they are
 * (`-p0`). `/dev/null` means "no file": the side that is created or deleted.
 */
import { parsePatch, type StructuredPatch } from "diff";

export interface FilePatch {
  /** The file before the patch, or `null` when the patch creates it. */
  oldPath: string | null;
  /** The file after the patch, or `null` when the patch deletes it. */
  newPath: string | null;
  patch: StructuredPatch;
}

const DEV_NULL = "/dev/null";

function isGitStyle(patch: StructuredPatch): boolean {
  if (patch.isGit) return true;
  const oldName = patch.oldFileName ?? DEV_NULL;
  const newName = patch.newFileName ?? DEV_NULL;
  return (oldName === DEV_NULL || oldName.startsWith("a/")) && (newName === DEV_NULL || newName.startsWith("b/"));
}

function stripName(name: string | undefined, gitStyle: boolean): string | null {
  if (name === undefined || name === "" || name === DEV_NULL) return null;
  if (!gitStyle) return name;
  const slash = name.indexOf("/");
  return slash < 0 ? name : name.slice(slash + 1);
}

/**
 * Parses a unified diff into one entry per file. Throws an `Error` with jsdiff's reason when the
 * text is not a diff, or names no file.
 */
export function parseFilePatches(text: string): FilePatch[] {
  const parsed = parsePatch(text).filter(
    (patch) => patch.hunks.length > 0 || patch.oldFileName !== undefined || patch.newFileName !== undefined,
  );
  if (parsed.length === 0) throw new Error("no file changes found (expected ---/+++ headers and @@ hunks)");
  return parsed.map((patch) => {
    const gitStyle = isGitStyle(patch);
    let oldPath = stripName(patch.oldFileName, gitStyle);
    let newPath = stripName(patch.newFileName, gitStyle);
    if (patch.isCreate) oldPath = null;
    if (patch.isDelete) newPath = null;
    if (oldPath === null && newPath === null) throw new Error("a file patch names no file");
    return { oldPath, newPath, patch };
  });
}

/** Every path a patch reads or writes, in patch order, without repeats. */
export function filePatchPaths(patches: readonly FilePatch[]): string[] {
  const paths = new Set<string>();
  for (const { oldPath, newPath } of patches) {
    if (oldPath !== null) paths.add(oldPath);
    if (newPath !== null) paths.add(newPath);
  }
  return [...paths];
}
