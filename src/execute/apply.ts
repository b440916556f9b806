/**
 * Applies one hypothesis to a base tree and says what it changes. Pure for `patch`, `edit`, `env`;
 * `command` and `branch` reach the world only through the context's callbacks (a directory and a
 * runner; a tree reader), so all of it can be tested without git.
 *
 * Every changed path is checked at the end, whatever the kind: inside the tree (tree-path.ts), not
 * under a symlink, not a file where a directory is or the other way round.
 */
import type { FileEntry, FileTree, TreeChanges } from "../git/types.ts";
import type { Change, Hypothesis } from "../research/hypotheses-schema.ts";
import { ancestors, symlinkInTree, treePathProblem } from "../research/tree-path.ts";
import { HypothesisApplyError } from "./apply-error.ts";
import { applyPatchText } from "./apply-patch.ts";
import { changedPaths, readDirEntry, snapshotDir } from "./apply-snapshot.ts";
import { changesDiff, treeChanges } from "./combine-diff.ts";
import { decodeText, encodeText, sameEntry } from "./combine-text.ts";

export { HypothesisApplyError } from "./apply-error.ts";

export interface RunOutcome {
  /** `null` when the command was killed or never started. */
  exitCode: number | null;
  /** The end of its stderr, for the error message. */
  stderrTail: string;
  /** It was killed at its time limit (of this many ms). */
  timedOutAfterMs?: number;
}

export interface ApplyContext {
  /** `command`: a directory holding a fresh copy of the base tree; the command may change it. */
  workDir?: string;
  /** `command`: runs the person's command line as given (`sh -c`) in `cwd`. */
  run?(command: string, cwd: string): Promise<RunOutcome>;
  /** `command`: paths (POSIX, relative) left out of what the command changed, e.g. git-ignored ones. */
  ignore?(path: string): boolean;
  /** `branch`: the whole tree at a branch, tag or commit. */
  readTreeAt?(ref: string): Promise<FileTree>;
}

export interface Applied {
  /** Against the base tree: an entry added or modified, or null (deleted). */
  changes: TreeChanges;
  /** A git-style unified diff of `changes`, for the ledger and reports. */
  diff: string;
  /** Variables to set for the measured and tested commands (`env` changes). */
  env: Record<string, string>;
  /** The changed paths, sorted. */
  files: string[];
}

type Applicable = Pick<Hypothesis, "id"> & { change: Change };

function missing(what: string, kind: string): Error {
  return new Error(`applyHypothesis: a ${kind} change needs ctx.${what}`);
}

function lineOf(text: string, index: number): number {
  let line = 1;
  for (let at = text.indexOf("\n"); at >= 0 && at < index; at = text.indexOf("\n", at + 1)) line++;
  return line;
}

function occurrences(text: string, search: string): number[] {
  const found: number[] = [];
  for (let at = text.indexOf(search); at >= 0; at = text.indexOf(search, at + 1)) found.push(at);
  return found;
}

/** Exact text, exactly once. A file with CRLF line ends also matches a search written with LF. */
function applyEdit(id: string, base: FileTree, change: Extract<Change, { kind: "edit" }>): TreeChanges {
  const { file } = change;
  const problem = treePathProblem(file);
  if (problem) throw new HypothesisApplyError(id, `edit of ${JSON.stringify(file)}: the path ${problem}`, "edit only files inside the repository", { file });
  const link = symlinkInTree(base, file, true);
  if (link) throw new HypothesisApplyError(id, `edit of ${file}: ${link} is a symlink`, "edit the real file instead", { file });
  const entry = base.get(file);
  if (!entry) throw new HypothesisApplyError(id, `edit of ${file}: the file does not exist`, "name a file of the base commit", { file });
  const text = decodeText(entry.data);
  if (text === null) throw new HypothesisApplyError(id, `edit of ${file}: it is a binary file`, "use a command or patch change", { file });
  let { search, replace } = change;
  if (search === "") throw new HypothesisApplyError(id, `edit of ${file}: the search text is empty`, "give the exact text to replace", { file });
  let found = occurrences(text, search);
  if (found.length === 0 && text.includes("\r\n") && search.includes("\n") && !search.includes("\r")) {
    search = search.replaceAll("\n", "\r\n");
    replace = replace.replaceAll("\r\n", "\n").replaceAll("\n", "\r\n");
    found = occurrences(text, search);
  }
  if (found.length === 0) {
    throw new HypothesisApplyError(
      id,
      `edit of ${file}: the search text is not in the file`,
      "copy it exactly from the file, whitespace and line ends included",
      { file, matches: 0 },
    );
  }
  if (found.length > 1) {
    const lines = found.slice(0, 5).map((at) => lineOf(text, at));
    throw new HypothesisApplyError(
      id,
      `edit of ${file}: the search text occurs ${found.length} times (lines ${lines.join(", ")}${found.length > 5 ? ", ..." : ""})`,
      "add surrounding lines to the search text so that it occurs once",
      { file, matches: found.length },
    );
  }
  const at = found[0]!;
  const data = encodeText(text.slice(0, at) + replace + text.slice(at + search.length));
  return new Map([[file, { mode: entry.mode, data }]]);
}

function lastLine(text: string): string {
  const line = text.trimEnd().split("\n").at(-1)?.trim() ?? "";
  return line.length > 160 ? `${line.slice(0, 157)}...` : line;
}

async function applyCommand(id: string, base: FileTree, run: string, ctx: ApplyContext): Promise<TreeChanges> {
  if (ctx.workDir === undefined) throw missing("workDir", "command");
  if (!ctx.run) throw missing("run", "command");
  const dir = ctx.workDir;
  const before = await snapshotDir(dir, ctx.ignore);
  const outcome = await ctx.run(run, dir);
  if (outcome.exitCode !== 0) {
    const status =
      outcome.timedOutAfterMs !== undefined
        ? `did not finish within ${Math.round(outcome.timedOutAfterMs / 1000)} s (raise the limit with --timeout)`
        : outcome.exitCode === null
          ? "was killed or did not start"
          : `exited with ${outcome.exitCode}`;
    const tail = lastLine(outcome.stderrTail);
    throw new HypothesisApplyError(id, `command ${JSON.stringify(run)} ${status}${tail ? `: ${tail}` : ""}`, "run it by hand in a copy of the repository", {
      exitCode: outcome.exitCode,
      stderrTail: outcome.stderrTail,
    });
  }
  const after = await snapshotDir(dir, ctx.ignore);
  const changes: TreeChanges = new Map();
  for (const path of changedPaths(before, after)) {
    const entry = after.has(path) ? await readDirEntry(dir, path) : null;
    if (!sameEntry(entry, base.get(path))) changes.set(path, entry);
  }
  return changes;
}

/** Paths inside the tree, not under a symlink, no file where a directory is (or the reverse). */
function checkChanges(id: string, base: FileTree, changes: TreeChanges): void {
  const tree: FileTree = new Map(base);
  for (const [path, entry] of changes) entry ? tree.set(path, entry) : tree.delete(path);
  let directories: Set<string> | undefined;
  for (const [path, entry] of changes) {
    const problem = treePathProblem(path);
    if (problem) throw new HypothesisApplyError(id, `changes ${JSON.stringify(path)}, which ${problem}`, "change only files inside the repository", { file: path });
    if (!entry) continue;
    const link = symlinkInTree(tree, path, false) ?? symlinkInTree(base, path, false);
    if (link) throw new HypothesisApplyError(id, `changes ${path} through the symlink ${link}`, "change the real file instead", { file: path });
    const file = ancestors(path).find((ancestor) => tree.has(ancestor));
    if (file) throw new HypothesisApplyError(id, `changes ${path}, but ${file} is a file`, "delete the file first, or pick another path", { file: path });
    directories ??= new Set([...tree.keys()].flatMap(ancestors));
    if (directories.has(path)) throw new HypothesisApplyError(id, `changes ${path}, but it is a directory`, "pick another path", { file: path });
  }
}

/** What `hypothesis` changes in `base`. Throws HypothesisApplyError when it cannot be applied. */
export async function applyHypothesis(base: FileTree, hypothesis: Applicable, ctx: ApplyContext = {}): Promise<Applied> {
  const { id, change } = hypothesis;
  let changes: TreeChanges = new Map();
  let env: Record<string, string> = {};
  switch (change.kind) {
    case "patch":
      if (change.diff === undefined) {
        throw new HypothesisApplyError(id, `patch file ${change.path} was not read`, "load hypotheses with loadHypotheses(), which reads patch files in");
      }
      changes = applyPatchText(id, base, change.diff);
      break;
    case "edit":
      changes = applyEdit(id, base, change);
      break;
    case "command":
      changes = await applyCommand(id, base, change.run, ctx);
      break;
    case "env":
      env = { ...change.set };
      break;
    case "branch":
      if (!ctx.readTreeAt) throw missing("readTreeAt", "branch");
      changes = treeChanges(base, await ctx.readTreeAt(change.ref));
      break;
  }
  for (const [path, entry] of changes) if (sameEntry(entry as FileEntry | null, base.get(path))) changes.delete(path);
  checkChanges(id, base, changes);
  return { changes, diff: changesDiff(base, changes), env, files: [...changes.keys()].sort() };
}
