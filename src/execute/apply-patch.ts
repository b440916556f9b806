/**
 * The `patch` kind: a unified diff applied file by file with jsdiff. Context shifted by a few
 * lines is found (jsdiff scans up and down from the hunk's line); one changed context line per
 * hunk is tolerated (fuzzFactor 1, FACTS.md: needed for a changed context line; GNU patch allows
 * 2, `git apply` none). Lines the hunk removes must be present exactly. CRLF files take LF patches
 * (jsdiff's autoConvertLineEndings). Creation, deletion, renames, copies and mode changes of the
 * git dialect are understood; binary patches (`GIT binary patch`, `Binary files ... differ`) and
 * patches over MAX_PATCH_BYTES are refused: jsdiff would skip a binary part and write an empty file.
 */
import { applyPatch, type StructuredPatch, type StructuredPatchHunk } from "diff";
import type { FileEntry, FileMode, FileTree, TreeChanges } from "../git/types.ts";
import { formatLimit, formatSize, MAX_PATCH_BYTES, utf8Bytes } from "../research/hypotheses-schema.ts";
import { BINARY_PATCH_FIX, binaryPart, parseFilePatches } from "../research/patch-paths.ts";
import { treePathProblem } from "../research/tree-path.ts";
import { HypothesisApplyError } from "./apply-error.ts";
import { decodeText, encodeText } from "./combine-text.ts";

/** Context lines per hunk that may differ from the file (jsdiff `fuzzFactor`). */
export const PATCH_FUZZ_FACTOR = 1;

const MODES: readonly string[] = ["100644", "100755", "120000"];
const REGENERATE = "regenerate the patch against the base commit (git diff), or use an edit change";

function hunkHeader(hunk: StructuredPatchHunk): string {
  return `@@ -${hunk.oldStart},${hunk.oldLines} +${hunk.newStart},${hunk.newLines} @@`;
}

/** Why the patch does not fit: the first hunk that fits nowhere, and a line of it the file lacks. */
function whyNot(id: string, path: string, text: string, patch: StructuredPatch): HypothesisApplyError {
  const hunks = patch.hunks;
  const failing = hunks.findIndex((hunk) => applyPatch(text, { ...patch, hunks: [hunk] }, { fuzzFactor: PATCH_FUZZ_FACTOR }) === false);
  const lines = new Set(text.split(/\r?\n/));
  if (failing < 0) {
    return new HypothesisApplyError(id, `patch does not apply to ${path}: its ${hunks.length} hunks do not fit in order`, REGENERATE, {
      file: path,
    });
  }
  const hunk = hunks[failing]!;
  const missing = hunk.lines.find((line) => (line[0] === "-" || line[0] === " ") && !lines.has(line.slice(1).replace(/\r$/, "")));
  const detail = missing === undefined ? "" : ` (the file has no line ${JSON.stringify(missing.slice(1, 81))})`;
  return new HypothesisApplyError(
    id,
    `patch does not apply to ${path}: hunk ${failing + 1} of ${hunks.length} (${hunkHeader(hunk)}) does not fit${detail}`,
    REGENERATE,
    { file: path, hunk: failing + 1 },
  );
}

function checkedPath(id: string, path: string): string {
  const problem = treePathProblem(path);
  if (problem) {
    throw new HypothesisApplyError(id, `patch names ${JSON.stringify(path)}, which ${problem}`, "patch only files inside the repository", {
      file: path,
    });
  }
  return path;
}

/** Applies a unified diff to `base`; the changes it makes, or a HypothesisApplyError. */
export function applyPatchText(id: string, base: FileTree, diffText: string): TreeChanges {
  const changes: TreeChanges = new Map();
  const get = (path: string): FileEntry | null => (changes.has(path) ? changes.get(path)! : (base.get(path) ?? null));
  // The loader refuses these already (hypotheses.ts); a patch from anywhere else is held to the same rules.
  const bytes = utf8Bytes(diffText);
  if (bytes > MAX_PATCH_BYTES) {
    throw new HypothesisApplyError(id, `patch is ${formatSize(bytes)}, over the limit of ${formatLimit(MAX_PATCH_BYTES)}`, "split it, or use a branch change");
  }
  const binary = binaryPart(diffText);
  if (binary) {
    const what = binary.file === null ? `has a binary part (${binary.line})` : `changes the binary file ${binary.file} (${binary.line})`;
    throw new HypothesisApplyError(id, `patch ${what}`, BINARY_PATCH_FIX, binary.file === null ? undefined : { file: binary.file });
  }
  let patches;
  try {
    patches = parseFilePatches(diffText);
  } catch (error) {
    throw new HypothesisApplyError(id, `patch is not a unified diff: ${(error as Error).message}`, "produce it with `git diff`");
  }
  for (const filePatch of patches) {
    const { patch } = filePatch;
    let oldPath = filePatch.oldPath === null ? null : checkedPath(id, filePatch.oldPath);
    let newPath = filePatch.newPath === null ? null : checkedPath(id, filePatch.newPath);
    const shown = newPath ?? oldPath!;
    if (patch.isBinary) {
      throw new HypothesisApplyError(id, `patch changes the binary file ${shown}`, "binary patches are not supported: use a command or branch change");
    }
    if (oldPath !== null && newPath !== null && oldPath !== newPath && !patch.isRename && !patch.isCopy) {
      // Plain `diff -u old new`: patch whichever of the two exists, as GNU patch does.
      oldPath = newPath = get(newPath) ? newPath : oldPath;
    }
    const source = oldPath === null ? null : get(oldPath);
    if (oldPath !== null && !source) {
      throw new HypothesisApplyError(id, `patch changes ${oldPath}, which does not exist`, REGENERATE, { file: oldPath });
    }
    if (newPath !== null && newPath !== oldPath && get(newPath)) {
      throw new HypothesisApplyError(id, `patch creates ${newPath}, which already exists`, REGENERATE, { file: newPath });
    }
    const sourceText = source ? decodeText(source.data) : "";
    if (sourceText === null) {
      throw new HypothesisApplyError(id, `patch changes ${oldPath} as text, but it is binary`, "use a command or branch change", { file: oldPath });
    }
    const result = patch.hunks.length === 0 ? sourceText : applyPatch(sourceText, patch, { fuzzFactor: PATCH_FUZZ_FACTOR });
    if (result === false) throw whyNot(id, shown, sourceText, patch);
    if (newPath === null) {
      if (result !== "") {
        throw new HypothesisApplyError(id, `patch deletes ${oldPath}, but its content differs from the patch`, REGENERATE, { file: oldPath });
      }
      changes.set(oldPath!, null);
      continue;
    }
    const mode = patch.newMode ?? source?.mode ?? "100644";
    if (!MODES.includes(mode)) {
      throw new HypothesisApplyError(id, `patch gives ${newPath} the mode ${mode}`, "use 100644, 100755 or 120000", { file: newPath });
    }
    changes.set(newPath, { mode: mode as FileMode, data: encodeText(result) });
    if (oldPath !== null && oldPath !== newPath && patch.isRename) changes.set(oldPath, null);
  }
  return changes;
}
