/**
 * Reading hypotheses: `parseHypotheses` validates what any source produced (schema, ids,
 * references, cycles, inline patches, path shapes) without touching the disk; `loadHypotheses`
 * reads a file and also checks it against the repository on disk (patch files exist and are read
 * in, no path goes through a symlink). Every problem is a one-line UsageError (exit 2) naming the
 * hypothesis, the field and the fix. Ordering and the contested split live in their own files and
 * are re-exported here.
 */
import { constants, type Stats } from "node:fs";
import { open, stat } from "node:fs/promises";
import { join } from "node:path";
import * as v from "valibot";
import { UsageError } from "../errors.ts";
import { checkReferences, fieldError, FORMAT_DOC, quote, schemaError } from "./hypotheses-checks.ts";
import {
  formatLimit,
  formatSize,
  type Hypothesis,
  HypothesesFileSchema,
  MAX_HYPOTHESES_FILE_BYTES,
  MAX_PATCH_BYTES,
  utf8Bytes,
} from "./hypotheses-schema.ts";
import { BINARY_PATCH_FIX, binaryPart, describeBinaryPart, filePatchPaths, parseFilePatches } from "./patch-paths.ts";
import { symlinkOnDisk, treePathProblem } from "./tree-path.ts";

export { impactScore, orderHypotheses } from "./hypotheses-order.ts";
export { type ContestedGroup, type ContestedSplit, splitContested } from "./hypotheses-contested.ts";
export type { Change, FixLevel, Hypothesis, HypothesisInput, Level } from "./hypotheses-schema.ts";

const PATH_HINT = "use a path relative to the repository root that stays inside it";

function checkPath(source: string, id: string, field: string, path: string): void {
  const problem = treePathProblem(path);
  if (problem) throw fieldError(source, id, field, `${quote(path)} ${problem}`, PATH_HINT);
}

const PATCH_SIZE_FIX = 'split it into smaller hypotheses, or commit the change on a branch and use a "branch" change';

/**
 * The paths a patch touches, or a one-line error naming the field: a patch over the size limit,
 * one with a binary part (jsdiff would drop it silently) or one that is not a unified diff.
 */
function patchPaths(source: string, id: string, field: string, diff: string): string[] {
  const bytes = utf8Bytes(diff);
  if (bytes > MAX_PATCH_BYTES) {
    throw fieldError(source, id, field, `is ${formatSize(bytes)}, over the limit of ${formatLimit(MAX_PATCH_BYTES)} for a patch`, PATCH_SIZE_FIX);
  }
  const binary = binaryPart(diff);
  if (binary) throw fieldError(source, id, field, `has a binary part (${describeBinaryPart(binary)})`, BINARY_PATCH_FIX);
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

/** What a file that is not a regular one is, for messages. */
function kindOf(info: Stats): string {
  if (info.isDirectory()) return "a directory";
  if (info.isFIFO()) return "a FIFO";
  if (info.isCharacterDevice()) return "a character device";
  if (info.isBlockDevice()) return "a block device";
  if (info.isSocket()) return "a socket";
  return "not a regular file";
}

type InputFile = { text: string } | { problem: "missing" | "not-regular" | "too-large" | "unreadable"; detail: string };

/**
 * Reads an input file that must be a regular file of at most `maxBytes`: `stat` first (following
 * a symlink), so a FIFO, a device, a socket or a directory is refused without being opened (a FIFO
 * would block the open, a device could be endless); then opened non-blocking, checked again on the
 * open file (it may have been swapped), and read up to one byte past the limit.
 */
async function readInputFile(path: string, maxBytes: number): Promise<InputFile> {
  let info: Stats;
  try {
    info = await stat(path);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === "ENOENT" || code === "ENOTDIR") return { problem: "missing", detail: "does not exist" };
    return { problem: "unreadable", detail: `cannot be read (${code ?? error})` };
  }
  if (!info.isFile()) return { problem: "not-regular", detail: `is not a regular file (it is ${kindOf(info)})` };
  if (info.size > maxBytes) return { problem: "too-large", detail: `is ${formatSize(info.size)}, over the limit of ${formatLimit(maxBytes)}` };
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    return { problem: "unreadable", detail: `cannot be read (${(error as { code?: string }).code ?? error})` };
  }
  try {
    const opened = await handle.stat();
    if (!opened.isFile()) return { problem: "not-regular", detail: `is not a regular file (it is ${kindOf(opened)})` };
    const buffer = new Uint8Array(Math.min(opened.size, maxBytes) + 1);
    let length = 0;
    while (length < buffer.length) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    if (length > maxBytes) return { problem: "too-large", detail: `is over the limit of ${formatLimit(maxBytes)}` };
    return { text: new TextDecoder().decode(buffer.subarray(0, length)) };
  } catch (error) {
    return { problem: "unreadable", detail: `cannot be read (${(error as { code?: string }).code ?? error})` };
  } finally {
    await handle.close();
  }
}

const PATCH_FILE_FIX: Record<Exclude<InputFile, { text: string }>["problem"], string> = {
  missing: "write the patch file there (relative to the repository root), or give it inline as change.diff",
  "not-regular": "name a patch file (a regular file inside the repository), or give the diff inline as change.diff",
  "too-large": PATCH_SIZE_FIX,
  unreadable: "make it readable, or give the diff inline as change.diff",
};

async function readPatchFile(source: string, repoRoot: string, hypothesis: Hypothesis, path: string): Promise<string> {
  const full = join(repoRoot, path);
  await refuseSymlinks(source, repoRoot, hypothesis.id, "change.path", [path]);
  const read = await readInputFile(full, MAX_PATCH_BYTES);
  if ("text" in read) return read.text;
  const detail =
    read.problem === "missing" ? `does not exist (looked for ${full})` : read.problem === "too-large" ? `${read.detail} for a patch` : read.detail;
  throw fieldError(source, hypothesis.id, "change.path", `${quote(path)} ${detail}`, PATCH_FILE_FIX[read.problem]);
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
  const read = await readInputFile(file, MAX_HYPOTHESES_FILE_BYTES);
  if (!("text" in read)) {
    const hint = {
      missing: "pass the path of a JSON hypotheses file",
      "not-regular": "pass the path of a JSON hypotheses file; perfloop does not read FIFOs, devices, sockets or directories",
      "too-large": "split it, or move large patches into patch files (change.path)",
      unreadable: "make it readable, or pass another JSON hypotheses file",
    }[read.problem];
    throw new UsageError(`hypotheses file ${file} ${read.detail}`, hint, { file });
  }
  const text = read.text;
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
