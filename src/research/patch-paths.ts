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

/**
 * Where a patch carries binary content perfloop cannot apply as text. jsdiff skips these parts
 * (a `GIT binary patch` block leaves a file patch with no hunks, which would write an empty file),
 * so they are found in the text itself: git's `GIT binary patch` with its `literal`/`delta`
 * blocks, and `Binary files A and B differ` (git without --binary, GNU diff). Such lines stand at
 * the start of a line; inside a hunk every line starts with ' ', '+', '-' or '\'.
 */
const BINARY_MARKERS = [/^GIT binary patch$/, /^Binary files .* differ$/, /^(literal|delta) \d+$/];

/** How to express a change a binary patch cannot carry (the fix in every message about one). */
export const BINARY_PATCH_FIX =
  'perfloop applies text patches only: commit the change on a branch and use {"kind":"branch","ref":"<branch>"}, or use a "command" change that writes the file';

export interface BinaryPart {
  /** The file the binary part belongs to, when its header names it. */
  file: string | null;
  /** The line that marks it, e.g. `GIT binary patch`. */
  line: string;
}

/** The first binary part of a patch, or `null` when it is text only. */
export function binaryPart(text: string): BinaryPart | null {
  let file: string | null = null;
  for (const raw of text.split("\n")) {
    const line = raw.replace(/\r$/, "");
    const header = /^diff --git a\/(.+) b\/(.+)$/.exec(line);
    if (header) file = header[2]!;
    else if (line.startsWith("+++ ") && !line.startsWith(`+++ ${DEV_NULL}`)) file = line.slice(4).split("\t")[0]!.replace(/^b\//, "");
    if (BINARY_MARKERS.some((marker) => marker.test(line))) return { file, line: line.length > 120 ? `${line.slice(0, 117)}...` : line };
  }
  return null;
}

/** `data.bin: GIT binary patch`, for messages. */
export function describeBinaryPart(part: BinaryPart): string {
  return part.file === null ? part.line : `${part.file}: ${part.line}`;
}
