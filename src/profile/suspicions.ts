/**
 * The suspicion stack (contract §9 `suspicion_stack`): known JS/TS performance anti-patterns
 * found in the source of the hot functions, each with its evidence and a verdict.
 *
 * For each hot function whose file is inside the project root (resolved with realpath, so a
 * symlink cannot lead outside; node_modules is skipped: not the person's code), the file is parsed
 * once with the rule engine's parser (research/rules: `loadSource`, the same tree the rules patch,
 * so the evidence and the fix come from one place) and the function's node is found from the
 * profile's line and column (`locateFunction`). Its own code (source/walk-own.ts: without
 * the functions defined in it, which are profiled on their own, but with iteration callbacks such as
 * `xs.map((x) => …)`, which run as a loop) is matched node by node (suspicion-nodes.ts) for:
 *  - sync_fs_in_hot_path: a call to `readFileSync`, `existsSync`, `statSync`… anywhere in the function
 *  - json_in_loop: a call to `JSON.parse` / `JSON.stringify` (JSON the global) inside a loop
 *  - regexp_in_loop: `new RegExp(…)` / `RegExp(…)` (the global) inside a loop
 *  - await_in_loop: `await` inside a `for`/`while`/`do` (not `for await`), not in a callback
 *  - quadratic_search: `.includes(` `.indexOf(` `.find(` `.findIndex(` `.some(` `.filter(` inside a
 *    loop, unless the receiver is known to be a string
 *  - string_concat_in_loop: `s += "…"`, `s += x` / `s = s + …` for a string binding declared
 *    outside the loop, inside a loop
 *  - date_intl_in_loop: `new Date(…)`, `new Intl.*(…)`, `Intl.*(…)`, `.toLocale*String(…)` inside a loop
 *  - spread_in_reduce: a spread of the accumulator inside a `.reduce(` callback
 * Loops are `for`/`while`/`do` bodies (with their test and update, not a `for` init or the
 * iterable of `for…of`, which run once) and iteration callbacks. Comments, strings, template text
 * and regex literals are not code: nothing in them matches. A file that does not parse gives none.
 *
 * Verdict: "confirmed" when the function's self share of the profile (with the runtime code it
 * calls directly, when the profile gives it) is at least SUSPICION_CONFIRM_SELF_PCT, or, for patterns whose cost lands in a callee (fs, JSON and Intl
 * natives are separate frames in Bun and Deno), its total share is at least
 * SUSPICION_CONFIRM_TOTAL_PCT. `await` costs waiting, which CPU samples do not see: it is
 * confirmed when the caller says the run mostly waits (`waitPct` >= AWAIT_CONFIRM_WAIT_PCT).
 * Otherwise "dismissed": the pattern is there, but the profile does not show it costing time.
 * Syntax, not types: `xs.includes(x)` on a string parameter without a type looks like one on an array.
 */
import { readFileSync, realpathSync } from "node:fs";
import { isAbsolute, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import type { Node } from "@babel/types";
import { loadSource, locateFunction, type SourceFile } from "../source/load.ts";
import { lineOf } from "../source/ast.ts";
import type { File } from "@babel/types";
import type { FunctionNode } from "../source/ast.ts";
import { walkOwn } from "../source/walk-own.ts";
import { matchNode, type NodeMatch } from "./suspicion-nodes.ts";
import type { HotFunction, Step } from "./types.ts";

import type { SuspicionCategory } from "./suspicion-nodes.ts";
export type { SuspicionCategory };

/** One entry of the suspicion stack (contract §9), plus where exactly it was seen. */
export interface Suspicion {
  category: SuspicionCategory;
  /** "path:line" (project-relative, 1-based). */
  location: string;
  description: string;
  verdict: "confirmed" | "dismissed";
  evidence: string;
  verification_note: string;
  affected_steps?: string[];
  /** The hot function it was found in. */
  function: string;
  line: number;
  snippet: string;
  /** What to do about it (the optimization hint when confirmed). */
  advice: string;
}

/** A hot function's self share (% of the profile) at which its suspicions count as confirmed. */
export const SUSPICION_CONFIRM_SELF_PCT = 5;
/** The same for patterns whose cost shows up in a callee: total share (%). */
export const SUSPICION_CONFIRM_TOTAL_PCT = 10;
/** Share of wall time spent waiting (%) at which `await` in a loop counts as confirmed. */
export const AWAIT_CONFIRM_WAIT_PCT = 30;
/** Hot functions whose source is read, at most. */
export const MAX_SCANNED_FUNCTIONS = 15;
const SNIPPET_CHARS = 160;
/** Characters kept before the pattern when its line is too long to quote whole (minified code). */
const SNIPPET_LEAD_CHARS = 40;

export interface SuspicionOptions {
  /** Steps of the performance map: a suspicion in a step's function lists that step. */
  steps?: readonly Step[];
  /** Share of wall time the run spends waiting (%), for `await` in a loop. */
  waitPct?: number | null;
  maxFunctions?: number;
}

/** Scans the hot functions' source for known anti-patterns. Unreadable or unparsable files are skipped. */
export function suspicionsFromSource(projectRoot: string, hotFunctions: readonly HotFunction[], options: SuspicionOptions = {}): Suspicion[] {
  let root: string;
  try {
    root = realpathSync(projectRoot);
  } catch {
    return [];
  }
  const seen = new Set<Node>();
  const found: Suspicion[] = [];
  const files = new Map<string, SourceFile | null>();
  let scanned = 0;
  for (const hot of hotFunctions) {
    if (scanned >= (options.maxFunctions ?? MAX_SCANNED_FUNCTIONS)) break;
    const file = fileInProject(root, projectRoot, hot);
    if (!file || hot.line <= 0) continue;
    if (!files.has(file.real)) files.set(file.real, readSource(file.real, file.rel));
    const source = files.get(file.real);
    if (!source) continue;
    const fn = locateFunction(source, { line: hot.line, column: hotColumn(hot), function: hot.function });
    if (!fn || seen.has(fn)) continue;
    seen.add(fn);
    scanned++;
    found.push(...scanFunction(source, fn, file.rel, hot, options));
  }
  return found;
}

/** The hot function's file as a real path inside the root and its project-relative name, or null. */
function fileInProject(root: string, projectRoot: string, hot: HotFunction): { real: string; rel: string } | null {
  const withPath = hot as HotFunction & { path?: string | null };
  let candidate: string | null = null;
  if (withPath.path) candidate = isAbsolute(withPath.path) ? withPath.path : resolve(projectRoot, withPath.path);
  else if (hot.url.startsWith("file://")) {
    try {
      candidate = fileURLToPath(hot.url);
    } catch {
      candidate = null;
    }
  } else if (isAbsolute(hot.url)) candidate = hot.url;
  if (!candidate) return null;
  let real: string;
  try {
    real = realpathSync(candidate);
  } catch {
    return null;
  }
  const rel = relative(root, real);
  if (rel === "" || rel === ".." || rel.startsWith(`..${sep}`) || isAbsolute(rel)) return null;
  const posix = rel.split(sep).join("/");
  if (/(^|\/)node_modules\//.test(posix)) return null;
  return { real, rel: posix };
}

/** 1-based column of the function's start as the profile gives it (CpuHotFunction.column, else the location's), 0 when unknown. */
function hotColumn(hot: HotFunction): number {
  const column = (hot as HotFunction & { column?: number }).column;
  if (typeof column === "number") return column;
  const match = /:\d+:(\d+)$/.exec(hot.location);
  return match ? Number(match[1]) : 0;
}

function scanFunction(source: SourceFile, fn: FunctionNode | File["program"], rel: string, hot: HotFunction, options: SuspicionOptions): Suspicion[] {
  const ctx = { ast: source.ast, fn };
  const matches: NodeMatch[] = [];
  try {
    walkOwn(ctx, (node, ancestors) => {
      const match = matchNode(node, ancestors, source.scopes);
      if (match) matches.push(match);
    });
  } catch {
    return []; // a perfloop bug on unusual code must not fail the profile
  }
  const lines = source.text.split("\n");
  const results: Suspicion[] = [];
  for (const match of matches) {
    const line = lineOf(match.node);
    if (results.some((item) => item.category === match.category && item.line === line)) continue;
    results.push(makeSuspicion(match, rel, line, snippetAt(lines[line - 1] ?? "", match.node.loc?.start.column ?? 0), hot, options));
  }
  return results.sort((a, b) => a.line - b.line || a.category.localeCompare(b.category));
}

/** The line, trimmed; around the pattern when the line is too long to quote (minified code). */
function snippetAt(lineText: string, column: number): string {
  const text = lineText.replace(/\r$/, "");
  if (text.trim().length <= SNIPPET_CHARS) return text.trim();
  const from = Math.max(0, column - SNIPPET_LEAD_CHARS);
  return text.slice(from, from + SNIPPET_CHARS).trim();
}

function makeSuspicion(match: NodeMatch, rel: string, line: number, snippet: string, hot: HotFunction, options: SuspicionOptions): Suspicion {
  const { category, what, advice, callee, loop } = match;
  const where = loop ? ` inside the ${loop.label} at line ${loop.line}` : "";
  const shares = `${hot.function} has ${hot.self_pct}% self and ${hot.total_pct}% total time in the CPU profile`;
  let confirmed: boolean;
  let why: string;
  if (category === "await_in_loop") {
    const wait = options.waitPct ?? null;
    confirmed = wait !== null && wait >= AWAIT_CONFIRM_WAIT_PCT;
    why = wait === null
      ? "CPU samples do not show waiting and no wait share was measured; time the loop with step markers to confirm"
      : `the run waits ${round(wait)}% of its wall time (threshold ${AWAIT_CONFIRM_WAIT_PCT}%)`;
  } else if (selfShare(hot) >= SUSPICION_CONFIRM_SELF_PCT) {
    confirmed = true;
    why = `self share ${selfShare(hot)}% >= ${SUSPICION_CONFIRM_SELF_PCT}%${selfShare(hot) > hot.self_pct ? " (with the runtime code it calls)" : ""}`;
  } else if (callee && hot.total_pct >= SUSPICION_CONFIRM_TOTAL_PCT) {
    confirmed = true;
    why = `total share ${hot.total_pct}% >= ${SUSPICION_CONFIRM_TOTAL_PCT}% (this pattern's cost lands in the functions it calls)`;
  } else {
    confirmed = false;
    why = `self share ${selfShare(hot)}% < ${SUSPICION_CONFIRM_SELF_PCT}%${callee ? ` and total share ${hot.total_pct}% < ${SUSPICION_CONFIRM_TOTAL_PCT}%` : ""}: the pattern is there but the profile does not show it costing time`;
  }
  const affected = (options.steps ?? []).filter((step) => step.location !== undefined && sameFunction(step.location, rel, hot.line)).map((step) => step.id);
  return {
    category,
    location: `${rel}:${line}`,
    description: `${what} in ${hot.function}${where}`,
    verdict: confirmed ? "confirmed" : "dismissed",
    evidence: `line ${line}: \`${snippet}\`${where}; ${shares}`,
    verification_note: `${why}. Found on the parsed source (syntax and scopes, not types): read the code before changing it.`,
    ...(affected.length > 0 ? { affected_steps: affected } : {}),
    function: hot.function,
    line,
    snippet,
    advice,
  };
}

/**
 * The function's self share, counting the runtime code it calls directly when the profile says
 * (CpuHotFunction.self_with_runtime_pct): Bun shows builtins such as JSON.parse or
 * Array.prototype.includes as native frames where V8 counts them in the caller.
 */
function selfShare(hot: HotFunction): number {
  const withRuntime = (hot as HotFunction & { self_with_runtime_pct?: number }).self_with_runtime_pct;
  return typeof withRuntime === "number" ? Math.max(hot.self_pct, withRuntime) : hot.self_pct;
}

/** Whether a step's "file:line[:col]" names the function at rel:line. */
function sameFunction(location: string, rel: string, line: number): boolean {
  const match = /^(.*?):(\d+)(?::\d+)?$/.exec(location);
  return match !== null && match[1] === rel && Number(match[2]) === line;
}

/** The file parsed (with its scopes), or null when it cannot be read or does not parse. */
function readSource(path: string, rel: string): SourceFile | null {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return null;
  }
  try {
    const loaded = loadSource(rel, text);
    return "error" in loaded ? null : loaded;
  } catch {
    return null;
  }
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
