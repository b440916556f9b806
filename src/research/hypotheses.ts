/**
 * Reading hypotheses: `parseHypotheses` validates what any source produced (schema, ids,
 * references, cycles, inline patches, path shapes) without touching the disk; `loadHypotheses`
 * reads a file and also checks it against the repository on disk (patch files exist and are read
 * in, no path goes through a symlink). Every problem is a one-line UsageError (exit 2) naming the
 * hypothesis, the field and the fix. Ordering and the contested split live in their own files and
 * are re-exported here.
 */
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import * as v from "valibot";
import { UsageError } from "../errors.ts";
import { checkReferences, fieldError, FORMAT_DOC, quote, schemaError } from "./hypotheses-checks.ts";
import { type Hypothesis, HypothesesFileSchema } from "./hypotheses-schema.ts";
import { filePatchPaths, parseFilePatches } from "./patch-paths.ts";
import { symlinkOnDisk, treePathProblem } from "./tree-path.ts";

export { impactScore, orderHypotheses } from "./hypotheses-order.ts";
export { type ContestedGroup, type ContestedSplit, splitContested } from "./hypotheses-contested.ts";
export type { Change, FixLevel, Hypothesis, HypothesisInput, Level } from "./hypotheses-schema.ts";

const PATH_HINT = "use a path relative to the repository root that stays inside it";

function checkPath(source: string, id: string, field: string, path: string): void {
  const problem = treePathProblem(path);
  if (problem) throw fieldError(source, id, field, `${quote(path)} ${problem}`, PATH_HINT);
}

/** The paths a patch touches, or a one-line error naming the field. */
function patchPaths(source: string, id: string, field: string, diff: string): string[] {
  let paths: string[];
  try {
    paths = filePatchPaths(parseFilePatches(diff));
  } catch (error) {
    throw fieldError(
      source,
      id,
      field,
      `is not a unified diff: ${(error as Error).message}`,
      "produce it with `git diff` or `diff -u`",
    );
  }
  for (const path of paths) checkPath(source, id, `${field} (file ${quote(path)})`, path);
  return paths;
}

/**
 * Validates a parsed hypotheses document (`source` names it in errors: a file, an agent command).
 * Fills in defaults and `files_to_modify` for edits and inline patches.
 */
export function parseHypotheses(input: unknown, source: string): Hypothesis[] {
  const result = v.safeParse(HypothesesFileSchema, input);
  if (!result.success) throw schemaError(source, input, result.issues);
  const list = result.output.hypotheses;
  checkReferences(source, list);
  return list.map((hypothesis) => {
    const { id, change } = hypothesis;
    hypothesis.files_to_modify.forEach((path, index) => checkPath(source, id, `files_to_modify.${index}`, path));
    if (change.kind === "edit") {
      checkPath(source, id, "change.file", change.file);
      return { ...hypothesis, files_to_modify: [change.file] };
    }
    if (change.kind === "patch" && change.path !== undefined) checkPath(source, id, "change.path", change.path);
    if (change.kind === "patch" && change.diff !== undefined) {
      return { ...hypothesis, files_to_modify: patchPaths(source, id, "change.diff", change.diff) };
    }
    return hypothesis;
  });
}

async function refuseSymlinks(source: string, repoRoot: string, id: string, field: string, paths: readonly string[]) {
  for (const path of paths) {
    const link = await symlinkOnDisk(repoRoot, path);
    if (link !== null) {
      throw fieldError(
        source,
        id,
        field,
        `${quote(path)} goes through the symlink ${quote(link)} in the repository`,
        "name the real file inside the repository instead",
      );
    }
  }
}

async function readPatchFile(source: string, repoRoot: string, hypothesis: Hypothesis, path: string): Promise<string> {
  const full = join(repoRoot, path);
  await refuseSymlinks(source, repoRoot, hypothesis.id, "change.path", [path]);
  const info = await stat(full).catch(() => null);
  if (!info?.isFile()) {
    throw fieldError(
      source,
      hypothesis.id,
      "change.path",
      `${quote(path)} does not exist (looked for ${full})`,
      "write the patch file there (relative to the repository root), or give it inline as change.diff",
    );
  }
  return await readFile(full, "utf8");
}

/**
 * Checks parsed hypotheses against the repository on disk: patch files are read in (their text
 * becomes `change.diff`, `change.path` is kept for reports) and no path a hypothesis names goes
 * through a symlink (lstat along the path, from `repoRoot`).
 */
export async function resolveAgainstRepo(list: readonly Hypothesis[], repoRoot: string, source: string): Promise<Hypothesis[]> {
  const resolved: Hypothesis[] = [];
  for (const hypothesis of list) {
    let current = hypothesis;
    const { change } = hypothesis;
    if (change.kind === "patch" && change.diff === undefined && change.path !== undefined) {
      const diff = await readPatchFile(source, repoRoot, hypothesis, change.path);
      const files = patchPaths(source, hypothesis.id, `change.path (${change.path})`, diff);
      current = { ...hypothesis, change: { ...change, diff }, files_to_modify: files };
    }
    const field =
      change.kind === "edit"
        ? "change.file"
        : change.kind !== "patch"
          ? "files_to_modify"
          : change.path === undefined
            ? "change.diff"
            : `change.path (${change.path})`;
    await refuseSymlinks(source, repoRoot, hypothesis.id, field, current.files_to_modify);
    resolved.push(current);
  }
  return resolved;
}

/** Reads, parses and validates a hypotheses file (JSON, version 1) for the repository at `repoRoot`. */
export async function loadHypotheses(file: string, repoRoot: string): Promise<Hypothesis[]> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    const code = (error as { code?: string }).code;
    const reason = code === "ENOENT" ? "does not exist" : code === "EISDIR" ? "is a directory" : `cannot be read (${code ?? error})`;
    throw new UsageError(`hypotheses file ${file} ${reason}`, "pass the path of a JSON hypotheses file", { file });
  }
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch (error) {
    const detail = (error as Error).message.split("\n")[0];
    throw new UsageError(`hypotheses file ${file} is not valid JSON: ${detail}`, `fix the JSON syntax (${FORMAT_DOC} has an example)`, {
      file,
    });
  }
  return await resolveAgainstRepo(parseHypotheses(input, file), repoRoot, file);
}
