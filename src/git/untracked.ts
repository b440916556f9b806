/**
 * Untracked files in the person's tree (not ignored, not perfloop's own): they do not refuse a
 * run, because side trees are written from the base commit and never see them; perfloop says once
 * that they are not included, and when a command fails in a side tree because one of them is
 * missing there, the error names it.
 *
 * Pure: `untrackedNotice` words the notice, `mentionedUntracked` finds the untracked paths a
 * failure's output names, `explainUntracked` words the sentence, and `nameUntrackedIn` adds it to
 * an error. perfloop never copies an untracked file into a side tree.
 */
import { posix } from "node:path";
import { PerfloopError } from "../errors.ts";
import { DEPENDENCY_DIRS } from "./deps-link.ts";

/** How many untracked entries the notice names before "and N more". */
export const UNTRACKED_SHOWN = 3;
/** How many untracked files a checkpoint keeps for matching later failures. */
export const UNTRACKED_KEPT = 2000;

/** What the person's tree holds that git does not track, as the run records it once. */
export interface UntrackedFiles {
  /** How many untracked files there are (all of them, not only those kept). */
  count: number;
  /** The files (repository-relative, `/`-separated), at most UNTRACKED_KEPT, sorted. */
  files: string[];
  /**
   * The top-most directories that hold untracked files and no tracked one, each ending in `/`
   * (as `git status` shows them): a side tree does not have them at all.
   */
  dirs: string[];
}

export const NO_UNTRACKED: UntrackedFiles = { count: 0, files: [], dirs: [] };

const DEPENDENCY_NAMES = new Set(DEPENDENCY_DIRS.map((dep) => dep.name));

/**
 * Files inside a dependency folder (node_modules, .venv, ...) that git does not ignore are left
 * out: side trees link those folders in (deps-link.ts), so they are not missing there.
 */
export function isLinkedDependencyPath(path: string): boolean {
  return path.split("/").slice(0, -1).some((segment) => DEPENDENCY_NAMES.has(segment));
}

/**
 * The untracked files and the directories that hold nothing tracked, from every path of a
 * status walk: `untracked` are the untracked files, `tracked` the rest (any file git knows).
 */
export function collectUntracked(untracked: readonly string[], tracked: readonly string[]): UntrackedFiles {
  const files = untracked.filter((path) => !isLinkedDependencyPath(path)).sort();
  const trackedDirs = new Set<string>();
  for (const path of tracked) for (const dir of parentsOf(path)) trackedDirs.add(dir);
  const candidates = new Set<string>();
  for (const path of files) for (const dir of parentsOf(path)) if (!trackedDirs.has(dir)) candidates.add(dir);
  // Only the top-most: "scratch/" and not also "scratch/old/".
  const dirs = [...candidates].filter((dir) => !parentsOf(dir).some((parent) => candidates.has(parent))).sort().map((dir) => `${dir}/`);
  return { count: files.length, files: files.slice(0, UNTRACKED_KEPT), dirs };
}

/** "a/b/c.txt" -> ["a", "a/b"]. */
function parentsOf(path: string): string[] {
  const segments = path.split("/");
  const out: string[] = [];
  for (let i = 1; i < segments.length; i++) out.push(segments.slice(0, i).join("/"));
  return out;
}

/**
 * The same without the run's own input files (the hypotheses file, the patches it names): they are
 * read from the person's tree, so they are not missing anywhere.
 */
export function withoutInputs(untracked: UntrackedFiles, inputs: ReadonlySet<string>): UntrackedFiles {
  const files = untracked.files.filter((path) => !inputs.has(path));
  const capped = untracked.count > untracked.files.length;
  return {
    count: untracked.count - (untracked.files.length - files.length),
    files,
    dirs: untracked.dirs.filter((dir) => capped || files.some((path) => path.startsWith(dir))),
  };
}

/** The entries as `git status` lists them: each untracked directory once, then the loose files. */
export function untrackedEntries(untracked: UntrackedFiles): string[] {
  const loose = untracked.files.filter((file) => !untracked.dirs.some((dir) => file.startsWith(dir)));
  return [...untracked.dirs, ...loose].sort();
}

/**
 * The one line a run says about them, or null when there are none:
 * `2 untracked files (notes.txt, out.txt) are not included: side trees start from the base commit`.
 */
export function untrackedNotice(untracked: UntrackedFiles): string | null {
  if (untracked.count === 0) return null;
  const entries = untrackedEntries(untracked);
  const shown = entries.slice(0, UNTRACKED_SHOWN);
  const more = entries.length - shown.length;
  const named = shown.join(", ") + (more > 0 ? ` and ${more} more` : "");
  const files = untracked.count === 1 ? "1 untracked file" : `${untracked.count} untracked files`;
  return `${files} (${named}) ${untracked.count === 1 ? "is" : "are"} not included: side trees start from the base commit (commit what the run needs)`;
}

/** Words in a failure's output that say something is missing. */
const MISSING =
  /ENOENT|no such file|not found|cannot find|can't find|could not find|couldn't find|does not exist|doesn't exist|cannot open|can't open|could not open|couldn't open|unable to open|failed to open|could not resolve|cannot resolve|failed to resolve|no module named|cannot load such file|FileNotFound|NotFound|no rule to make target|missing/i;

/** Characters that end a path in a line of output. */
const SEPARATORS = /[\s'"`‘’“”()[\]{}<>,;=|]+/;
const QUOTED = /'([^'\n]+)'|"([^"\n]+)"|`([^`\n]+)`|‘([^’\n]+)’|“([^”\n]+)”/g;

/** A path as a failure prints it, made comparable: `/`-separated, without `./`, `file://`, `:line:col` or a final `:` / `.`. */
function cleanToken(raw: string): string {
  let token = raw.replace(/\\/g, "/").replace(/^file:\/\//, "");
  token = token.replace(/(:\d+){1,2}$/, "").replace(/[:.,;!?]+$/, "");
  while (token.startsWith("./")) token = token.slice(2);
  return token;
}

function stripExt(name: string): string {
  const dot = name.lastIndexOf(".");
  return dot > 0 ? name.slice(0, dot) : name;
}

function lastSegment(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

export interface MentionOptions {
  /** Where the command ran, relative to the side tree's root (the run's subdir); "" for the root. */
  subdir?: string;
  /** The side tree's root on disk: absolute paths under it are read as repository-relative. */
  root?: string;
}

/**
 * The untracked files and directories (as in `untracked`, directories with their final `/`) that
 * a failed command's output names, in the order of `untracked`; none unless the output also says
 * that something is missing (ENOENT, "No such file or directory", "Cannot find module", ...).
 *
 * A path in the output counts when it is the untracked path itself (relative to the side tree's
 * root or to the command's directory, or absolute and ending in it); a relative one also when its
 * last part is the file's name, or, for a module name without its extension (`./local-config`,
 * `'local_config'`), the file's name without it; a directory when the path is it or lies in it.
 */
export function mentionedUntracked(text: string, untracked: readonly string[], options: MentionOptions = {}): string[] {
  if (untracked.length === 0 || !MISSING.test(text)) return [];
  const subdir = (options.subdir ?? "").replace(/^\/+|\/+$/g, "");
  const root = options.root ? options.root.replace(/\\/g, "/").replace(/\/+$/, "") : undefined;
  const quoted = new Set<string>();
  for (const match of text.matchAll(QUOTED)) {
    const inner = match.slice(1).find((group) => group !== undefined);
    if (inner) quoted.add(cleanToken(inner.trim()));
  }
  const tokens = new Set<string>();
  for (const raw of text.split(SEPARATORS)) {
    const token = cleanToken(raw);
    if (token && token !== "/" && /[A-Za-z0-9_]/.test(token)) tokens.add(token);
  }
  const read = [...tokens].map((token) => describe(token, { subdir, root, quoted: quoted.has(token) }));
  return untracked.filter((entry) => (entry.endsWith("/") ? read.some((t) => namesDir(t, entry.slice(0, -1))) : read.some((t) => namesFile(t, entry))));
}

interface Token {
  text: string;
  /** The repository-relative path when the token can be placed (relative, or absolute under the root). */
  rel: string | null;
  absolute: boolean;
  quoted: boolean;
}

function describe(text: string, context: { subdir: string; root: string | undefined; quoted: boolean }): Token {
  if (text.startsWith("/")) {
    const rel = context.root && text.startsWith(`${context.root}/`) ? text.slice(context.root.length + 1) : null;
    return { text, rel, absolute: true, quoted: context.quoted };
  }
  const joined = posix.normalize(context.subdir ? `${context.subdir}/${text}` : text);
  return { text, rel: joined.startsWith("../") || joined === ".." ? null : joined, absolute: false, quoted: context.quoted };
}

function namesFile(token: Token, file: string): boolean {
  const name = lastSegment(file);
  const stem = stripExt(name);
  const hasExt = stem !== name;
  const tokenName = lastSegment(token.text);
  // A module name without the extension: only as a path (`./x`, `/a/x`) or quoted (`'x'`).
  const bare = hasExt && tokenName === stem && (token.text.includes("/") || token.quoted || token.absolute);
  if (token.rel !== null && (token.rel === file || (bare && token.rel === stripExt(file)))) return true;
  if (token.absolute) {
    if (token.rel !== null) return false;
    return token.text.endsWith(`/${file}`) || (bare && token.text.endsWith(`/${stripExt(file)}`));
  }
  return tokenName === name || bare;
}

function namesDir(token: Token, dir: string): boolean {
  if (token.rel !== null && (token.rel === dir || token.rel.startsWith(`${dir}/`))) return true;
  if (token.absolute) return token.rel === null && token.text.endsWith(`/${dir}`);
  return token.text === dir || token.text.endsWith(`/${dir}`);
}

/**
 * `data.json is untracked in your tree, so the side tree (made from the base commit) does not
 * have it: commit it, or pass what it holds another way` (several: "a and b are ... them").
 */
export function explainUntracked(paths: readonly string[]): string {
  const shown = paths.slice(0, UNTRACKED_SHOWN);
  const more = paths.length - shown.length;
  const named = shown.length === 1 && more === 0 ? shown[0]! : more > 0 ? `${shown.join(", ")} and ${more} more` : `${shown.slice(0, -1).join(", ")} and ${shown[shown.length - 1]}`;
  if (paths.length === 1) return `${named} is untracked in your tree, so the side tree (made from the base commit) does not have it: commit it, or pass what it holds another way`;
  return `${named} are untracked in your tree, so the side tree (made from the base commit) does not have them: commit them, or pass what they hold another way`;
}

/** Every entry a failure could name: the untracked directories, then the files. */
export function matchableUntracked(untracked: UntrackedFiles): string[] {
  return [...untracked.dirs, ...untracked.files];
}

/**
 * When `error`'s message (or the output tail in its data, `output_tail`) names untracked paths
 * (mentionedUntracked), its message gets the
 * sentence of explainUntracked (after "; ", or on a line of its own after a multi-line message)
 * and its data the paths (`untracked_missing`); returns the paths. Any other error is left as it is.
 */
export function nameUntrackedIn(error: unknown, untracked: UntrackedFiles | null | undefined, options: MentionOptions = {}): string[] {
  if (!untracked || untracked.count === 0 || !(error instanceof PerfloopError)) return [];
  // The message quotes the telling lines; the output's tail, when the error carries it, may name more.
  const tail = error.data?.output_tail;
  const output = Array.isArray(tail) ? tail.map(String).join("\n") : typeof tail === "string" ? tail : "";
  const found = mentionedUntracked(`${error.message}\n${output}`, matchableUntracked(untracked), options);
  // A file inside a named directory says nothing more.
  const paths = found.filter((path) => path.endsWith("/") || !found.some((dir) => dir.endsWith("/") && path.startsWith(dir)));
  if (paths.length === 0) return [];
  const sentence = explainUntracked(paths);
  const message = error.message.replace(/\s+$/, "");
  error.message = message.includes("\n") ? `${message}\n${sentence}` : `${message}; ${sentence}`;
  if (error.data) (error.data as Record<string, unknown>).untracked_missing = paths;
  return paths;
}

/** An UntrackedFiles read back from a checkpoint; anything malformed reads as none. */
export function readUntracked(value: unknown): UntrackedFiles {
  if (typeof value !== "object" || value === null) return NO_UNTRACKED;
  const record = value as Record<string, unknown>;
  const strings = (list: unknown) => (Array.isArray(list) ? list.filter((item): item is string => typeof item === "string") : []);
  const files = strings(record.files);
  const dirs = strings(record.dirs);
  const count = typeof record.count === "number" && Number.isFinite(record.count) ? record.count : files.length;
  return { count, files, dirs };
}
