/**
 * The suspicion stack (contract §9 `suspicion_stack`): known JS/TS performance anti-patterns
 * found in the source of the hot functions, each with its evidence and a verdict.
 *
 * For each hot function whose file is inside the project root (resolved with realpath, so a
 * symlink cannot lead outside; node_modules is skipped: not the person's code), the function's
 * lines (suspicion-scan.ts) are scanned for:
 *  - sync_fs_in_hot_path: `readFileSync`, `existsSync`, `statSync`… anywhere in the function
 *  - json_in_loop: `JSON.parse` / `JSON.stringify` inside a loop
 *  - regexp_in_loop: `new RegExp(` inside a loop
 *  - await_in_loop: `await` inside a `for`/`while` body (not `for await`)
 *  - quadratic_search: `.includes(` `.indexOf(` `.find(` `.findIndex(` `.some(` `.filter(` inside a loop
 *  - string_concat_in_loop: `s += "…"` (or `s += x` for a variable declared as a string, or
 *    `s = s + …`) inside a loop
 *  - date_intl_in_loop: `new Date(`, `new Intl.*`, `Intl.*(`, `toLocale*String(` inside a loop
 *  - spread_in_reduce: `...acc` inside a `.reduce(` callback whose accumulator is `acc`
 *
 * Verdict: "confirmed" when the function's self share of the profile (with the runtime code it
 * calls directly, when the profile gives it) is at least SUSPICION_CONFIRM_SELF_PCT, or, for patterns whose cost lands in a callee (fs, JSON and Intl
 * natives are separate frames in Bun and Deno), its total share is at least
 * SUSPICION_CONFIRM_TOTAL_PCT. `await` costs waiting, which CPU samples do not see: it is
 * confirmed when the caller says the run mostly waits (`waitPct` >= AWAIT_CONFIRM_WAIT_PCT).
 * Otherwise "dismissed": the pattern is there, but the profile does not show it costing time.
 * A line scan, not a parser: `includes` on a string and on an array look the same, and a
 * pattern in a nested function defined inside a loop counts as in the loop.
 */
import { readFileSync, realpathSync } from "node:fs";
import { isAbsolute, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { findLoops, functionLines, loopAt, type LoopRange, maskSource } from "./suspicion-scan.ts";
import type { HotFunction, Step } from "./types.ts";

export type SuspicionCategory =
  | "sync_fs_in_hot_path"
  | "json_in_loop"
  | "regexp_in_loop"
  | "await_in_loop"
  | "quadratic_search"
  | "string_concat_in_loop"
  | "date_intl_in_loop"
  | "spread_in_reduce";

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

interface Pattern {
  category: SuspicionCategory;
  regex: RegExp;
  /** Whether it only counts inside a loop. */
  inLoop: boolean;
  /** Whether its cost lands in a callee frame (total share confirms). */
  callee: boolean;
  what: string;
  advice: string;
}

const PATTERNS: Pattern[] = [
  {
    category: "sync_fs_in_hot_path",
    regex: /\b(?:readFileSync|writeFileSync|appendFileSync|existsSync|statSync|lstatSync|readdirSync|openSync|readSync|writeSync|accessSync|mkdirSync|realpathSync)\s*\(/g,
    inLoop: false,
    callee: true,
    what: "a synchronous file-system call in a hot function",
    advice: "read once outside the hot path and reuse the result (a cache or a Map), or batch the calls",
  },
  {
    category: "json_in_loop",
    regex: /\bJSON\.(?:parse|stringify)\s*\(/g,
    inLoop: true,
    callee: true,
    what: "JSON parsed or serialised on every iteration",
    advice: "parse or serialise once outside the loop and keep the value",
  },
  {
    category: "regexp_in_loop",
    regex: /\bnew\s+RegExp\s*\(/g,
    inLoop: true,
    callee: true,
    what: "a RegExp built on every iteration",
    advice: "build the RegExp once outside the loop",
  },
  {
    category: "quadratic_search",
    regex: /\.(?:includes|indexOf|lastIndexOf|find|findIndex|some|filter)\s*\(/g,
    inLoop: true,
    callee: false,
    what: "a linear search inside a loop (quadratic when both grow)",
    advice: "index the searched collection once in a Set or Map and look up in O(1)",
  },
  {
    category: "date_intl_in_loop",
    regex: /\bnew\s+Date\s*\(|\bnew\s+Intl\.\w+|\bIntl\.\w+\s*\(|\.toLocale(?:Date|Time)?String\s*\(/g,
    inLoop: true,
    callee: true,
    what: "a Date or Intl object made on every iteration",
    advice: "create the Date/Intl formatter once outside the loop and reuse it",
  },
];

const AWAIT_ADVICE = "start independent calls together (Promise.all with a concurrency limit) or batch them into one request";
const CONCAT_ADVICE = "collect the parts in an array and join once, or build the string with one template";
const SPREAD_ADVICE = "mutate the accumulator (push, or assign a key) instead of copying it on every iteration";

export interface SuspicionOptions {
  /** Steps of the performance map: a suspicion in a step's function lists that step. */
  steps?: readonly Step[];
  /** Share of wall time the run spends waiting (%), for `await` in a loop. */
  waitPct?: number | null;
  maxFunctions?: number;
}

/** Scans the hot functions' source for known anti-patterns. Unreadable files are skipped. */
export function suspicionsFromSource(projectRoot: string, hotFunctions: readonly HotFunction[], options: SuspicionOptions = {}): Suspicion[] {
  let root: string;
  try {
    root = realpathSync(projectRoot);
  } catch {
    return [];
  }
  const seen = new Set<string>();
  const found: Suspicion[] = [];
  const files = new Map<string, string | null>();
  let scanned = 0;
  for (const hot of hotFunctions) {
    if (scanned >= (options.maxFunctions ?? MAX_SCANNED_FUNCTIONS)) break;
    const file = fileInProject(root, projectRoot, hot);
    if (!file || hot.line <= 0) continue;
    const key = `${file.rel}:${hot.line}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (!files.has(file.real)) files.set(file.real, readText(file.real));
    const text = files.get(file.real);
    if (text === null || text === undefined) continue;
    scanned++;
    found.push(...scanFunction(text, file.rel, hot, options));
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

function scanFunction(text: string, rel: string, hot: HotFunction, options: SuspicionOptions): Suspicion[] {
  const lines = text.split("\n");
  const masked = maskSource(text).split("\n");
  const header = hot.line - 1;
  if (header >= lines.length) return [];
  const [first, last] = functionLines(masked, header);
  const loops = findLoops(masked, first, last);
  const results: Suspicion[] = [];
  const add = (category: SuspicionCategory, line: number, what: string, advice: string, callee: boolean, loop: LoopRange | null) => {
    if (results.some((item) => item.category === category && item.line === line + 1)) return;
    results.push(makeSuspicion({ category, rel, line, snippet: lines[line] ?? "", what, advice, callee, loop, hot, options }));
  };

  const stringVars = new Set<string>();
  for (let l = first; l <= last; l++) {
    for (const match of (masked[l] as string).matchAll(/\b(?:let|var)\s+([\w$]+)\s*(?::\s*string\s*)?=\s*["'`]|\b(?:let|var)\s+([\w$]+)\s*:\s*string\b/g)) {
      stringVars.add((match[1] ?? match[2]) as string);
    }
  }

  for (let l = first; l <= last; l++) {
    const line = masked[l] as string;
    for (const pattern of PATTERNS) {
      for (const match of line.matchAll(pattern.regex)) {
        const loop = loopAt(loops, l, match.index as number);
        if (pattern.inLoop && !loop) continue;
        add(pattern.category, l, pattern.what, pattern.advice, pattern.callee, loop);
      }
    }
    for (const match of line.matchAll(/\bawait\b/g)) {
      const loop = loopAt(
        loops.filter((item) => (item.kind === "for" || item.kind === "while" || item.kind === "do") && !item.forAwait),
        l,
        match.index as number,
      );
      if (loop) add("await_in_loop", l, "an await on every iteration: independent calls run one after another", AWAIT_ADVICE, true, loop);
    }
    for (const match of line.matchAll(/([\w$]+)\s*\+=\s*(\S)|([\w$]+)\s*=\s*([\w$]+)\s*\+/g)) {
      const target = match[1] ?? match[3];
      const stringy = match[1] !== undefined ? `"'\``.includes(match[2] as string) || stringVars.has(target as string) : match[3] === match[4] && stringVars.has(target as string);
      const loop = loopAt(loops, l, match.index as number);
      if (stringy && loop) add("string_concat_in_loop", l, "a string grown by concatenation on every iteration", CONCAT_ADVICE, false, loop);
    }
    for (const match of line.matchAll(/\.reduce(?:Right)?\s*\(\s*(?:async\s*)?\(?\s*([\w$]+)/g)) {
      const acc = match[1] as string;
      const loop = loops.find((item) => item.kind === "callback" && item.headerLine === l && item.name.startsWith("reduce"));
      const end = loop?.endLine ?? l;
      const spread = new RegExp(`\\.\\.\\.\\s*${acc.replace(/\$/g, "\\$")}\\b`);
      for (let k = l; k <= end; k++) {
        const from = k === l ? (match.index as number) + match[0].length : 0;
        if (spread.test((masked[k] as string).slice(from))) {
          add("spread_in_reduce", k, `the accumulator \`${acc}\` copied by a spread on every iteration (quadratic)`, SPREAD_ADVICE, false, loop ?? null);
          break;
        }
      }
    }
  }
  return results.sort((a, b) => a.line - b.line || a.category.localeCompare(b.category));
}

interface SuspicionParts {
  category: SuspicionCategory;
  rel: string;
  line: number;
  snippet: string;
  what: string;
  advice: string;
  callee: boolean;
  loop: LoopRange | null;
  hot: HotFunction;
  options: SuspicionOptions;
}

function makeSuspicion(parts: SuspicionParts): Suspicion {
  const { category, rel, line, what, advice, callee, loop, hot, options } = parts;
  const snippet = parts.snippet.trim().slice(0, SNIPPET_CHARS);
  const where = loop ? ` inside the ${loop.kind === "callback" ? `.${loop.name}() callback` : `${loop.name} loop`} at line ${loop.headerLine + 1}` : "";
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
    location: `${rel}:${line + 1}`,
    description: `${what} in ${hot.function}${where}`,
    verdict: confirmed ? "confirmed" : "dismissed",
    evidence: `line ${line + 1}: \`${snippet}\`${where}; ${shares}`,
    verification_note: `${why}. Found by a line scan of the source, not a parser: read the line before changing it.`,
    ...(affected.length > 0 ? { affected_steps: affected } : {}),
    function: hot.function,
    line: line + 1,
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

function readText(path: string): string | null {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return null;
  }
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
