/**
 * A cProfile result (the functions table python-profile.ts dumps from the `.prof` file with pstats)
 * as the same CpuProfileSummary a `.cpuprofile` gives (cpu-profile-parse.ts), so that the map, the
 * rules, the knobs and the agents read Python's hot functions as they read JavaScript's.
 *
 * cProfile is deterministic, not sampling: per function it records the calls, the time in the
 * function itself (`tottime`: self) and with what it calls (`cumtime`: total, recursion counted
 * once), and the same per caller. Its clock is the wall clock, so a `time.sleep` is time too.
 *
 *  - Duration = the sum of every function's tottime; `samples` = the calls recorded; the
 *    interval is 0 (no sampling).
 *  - Categories: `app` = a file inside the project root, outside site-packages / dist-packages; the
 *    standard library (the interpreter's `stdlib` paths), built-ins (file `~`) and frozen modules
 *    (`<frozen importlib._bootstrap>`) are `runtime`; site-packages and other files are `library`;
 *    waiting built-ins (`time.sleep`, `select`, a lock's `acquire`) are `idle`, flagged like V8's
 *    `(idle)`. cProfile's own `_lsprof.Profiler` methods are left out.
 *  - Own files first: the time of runtime code (json, re, built-ins…) is owned by its nearest app or
 *    library caller, passed up the caller table in proportion to each caller's share (its tottime
 *    from that caller, then its cumtime), as the JS profile's "self time with runtime" and
 *    `called_from` are; runtime steps then take their main caller's file:line. Import machinery
 *    (frozen importlib, `__import__`, `_imp.*`, `marshal.loads`) reaching a module's top-level code
 *    (`<module>`) is module loading, owned by no one (`module_loading_ms`), as in the JS profile.
 *  - The person's code on the stack (`app_inclusive_ms`): the app functions' own time plus the
 *    share of every other function's own time that reaches an app caller up the same table (not
 *    through module loading).
 *  - I/O inside a kind: the cumtime of the functions of that kind with no caller of that kind
 *    (fs: `io.open`, file objects' read/write, `os.stat`…; network: sockets, ssl, http.client,
 *    urllib, requests, httpx, aiohttp…; db: sqlite3, psycopg, pymysql, SQLAlchemy, redis, pymongo…).
 * The table is validated with valibot; anything else throws `invalid_python_profile`.
 */
import { isAbsolute, relative, resolve, sep } from "node:path";
import * as v from "valibot";
import { PerfloopError } from "../errors.ts";
import type { FrameCategory, IoKind } from "./cpu-frame-kind.ts";
import { type CpuHotFunction, type CpuProfileSummary, DEFAULT_TOP_FUNCTIONS, parseProfileJson } from "./cpu-profile-parse.ts";

const CallerSchema = v.tuple([v.pipe(v.number(), v.integer(), v.minValue(0)), v.number(), v.number()]);
/** [file, line, function, calls, tottime s, cumtime s, [[caller index, tottime s, cumtime s], …]] */
const FunctionSchema = v.tuple([v.string(), v.number(), v.string(), v.number(), v.number(), v.number(), v.array(CallerSchema)]);
const PythonStatsSchema = v.object({
  version: v.literal(1),
  functions: v.array(FunctionSchema),
  /** The interpreter's standard-library and site-packages directories (sysconfig). */
  stdlib: v.array(v.string()),
  site: v.array(v.string()),
});
type PythonStats = v.InferOutput<typeof PythonStatsSchema>;

const IDLE = /^<(?:built-in method (?:time\.sleep|select\.select)|method '(?:poll|control|select|acquire|wait)' of '(?:select|_thread)\.\w+' objects)>$/;
const PROFILER = /^<method '\w+' of '_lsprof\.Profiler' objects>$/;
const LOADER_NAME = /^<built-in method (?:builtins\.__import__|_imp\.\w+|marshal\.loads)>$/;
const FS_NAME = /^<(?:built-in method (?:io\.open|posix\.(?:stat|lstat|listdir|scandir|open|read|write|remove|unlink|mkdir|rmdir|rename|replace|readlink)|nt\.\w+)|method '(?:read|readline|readlines|readinto|write|writelines|flush)' of '_io\.\w+' objects)>$/;
const NET_NAME = /^<method '\w+' of '(?:_socket\.socket|_ssl\._SSLSocket)' objects>$/;
const DB_NAME = /^<method '\w+' of 'sqlite3\.\w+' objects>$/;
const FS_FILE = /\/(?:shutil|glob|pathlib|tempfile|fileinput)(?:\.py|\/)/;
const NET_FILE = /\/(?:http\/client\.py|urllib\/request\.py|socket\.py|ssl\.py|(?:site|dist)-packages\/(?:requests|urllib3|httpx|httpcore|aiohttp|grpc|botocore|boto3)\/)/;
const DB_FILE = /\/(?:sqlite3\/|(?:site|dist)-packages\/(?:psycopg2?|pymysql|MySQLdb|sqlalchemy|redis|pymongo|asyncpg|aiosqlite|peewee|django\/db)\/)/;
const SITE = /\/(?:site|dist)-packages\//;

interface Entry {
  file: string;
  line: number;
  name: string;
  calls: number;
  self: number;
  total: number;
  callers: { from: number; self: number; total: number }[];
  category: FrameCategory;
  path: string | null;
  /** The file's absolute path; null for built-ins and frozen modules. */
  absolute: string | null;
  io: IoKind | null;
  loader: boolean;
}

function invalid(detail: string): PerfloopError {
  return new PerfloopError("invalid_python_profile", `the cProfile result is not the expected table: ${detail}`, {
    hint: "perfloop reads `python -m cProfile -o` files through pstats; a different Python may have written it",
  });
}

function under(path: string, dirs: readonly string[]): boolean {
  return dirs.some((dir) => dir !== "" && (path === dir || path.startsWith(dir.endsWith("/") ? dir : `${dir}/`)));
}

function classify(file: string, name: string, cwd: string, projectRoot: string | null, stats: PythonStats): Pick<Entry, "category" | "path" | "absolute" | "io" | "loader"> {
  const io = name && FS_NAME.test(name) ? "fs" : NET_NAME.test(name) ? "network" : DB_NAME.test(name) ? "db" : null;
  if (file === "~" || file.startsWith("<")) {
    const loader = file.startsWith("<frozen importlib.") || LOADER_NAME.test(name);
    return { category: IDLE.test(name) ? "idle" : "runtime", path: null, absolute: null, io, loader };
  }
  const absolute = isAbsolute(file) ? file : resolve(cwd, file);
  const kind: IoKind | null = io ?? (DB_FILE.test(absolute) ? "db" : NET_FILE.test(absolute) ? "network" : FS_FILE.test(absolute) ? "fs" : null);
  const of = (category: FrameCategory, path: string) => ({ category, path, absolute, io: kind, loader: false });
  if (SITE.test(absolute) || under(absolute, stats.site)) return of("library", absolute);
  if (under(absolute, stats.stdlib)) return of("runtime", absolute);
  if (!projectRoot) return of("app", absolute);
  const rel = relative(projectRoot, absolute);
  if (rel !== "" && !rel.startsWith(`..${sep}`) && rel !== ".." && !isAbsolute(rel)) return of("app", rel.split(sep).join("/"));
  return of("library", absolute);
}

export interface ParsePythonOptions {
  /** Where the command ran: cProfile names the script as given (often relative). */
  cwd: string;
  projectRoot?: string | null;
  top?: number;
}

/** Owners of runtime time: an app/library entry index, or one of these. */
const MODULE_LOADING = -1;
const UNOWNED = -2;

/** Summarises the table (its JSON text or the parsed value). */
export function parsePythonProfile(json: unknown, options: ParsePythonOptions): CpuProfileSummary {
  const stats = parseProfileJson(PythonStatsSchema, json, invalid);
  const count = stats.functions.length;
  for (const row of stats.functions) {
    for (const caller of row[6]) if (caller[0] >= count) throw invalid(`a caller names function ${caller[0]}, which is not in the table`);
  }
  const projectRoot = options.projectRoot ?? null;
  const entries: Entry[] = stats.functions.map(([file, line, name, calls, self, total, callers]) => ({
    file,
    line,
    name,
    calls,
    self: Math.max(0, self) * 1e6,
    total: Math.max(0, total) * 1e6,
    callers: callers.map(([from, callerSelf, callerTotal]) => ({ from, self: Math.max(0, callerSelf), total: Math.max(0, callerTotal) })),
    ...classify(file, name, options.cwd, projectRoot, stats),
  }));
  const kept = entries.map((entry) => !(entry.file === "~" && PROFILER.test(entry.name)));
  return summarise(entries, kept, options.top ?? DEFAULT_TOP_FUNCTIONS);
}

const owns = (entry: Entry) => entry.category === "app" || entry.category === "library";
const isApp = (entry: Entry) => entry.category === "app";

/**
 * Where the time of an entry goes, as fractions per owner: the first callers up the table for which
 * `stops` holds, in proportion to each caller's share (see the module header); a path through the
 * import machinery that ends at a module's top-level code is MODULE_LOADING, one with no such caller
 * UNOWNED. Memoized per (entry, loading); an entry met again on its own path gives its share to
 * UNOWNED (recursion) or, on a loading path, to MODULE_LOADING (nested imports share importlib).
 */
function ownershipOf(entries: readonly Entry[], stops: (entry: Entry) => boolean) {
  const memo = new Map<string, Map<number, number>>();
  const active = new Set<string>();
  const add = (into: Map<number, number>, owner: number, fraction: number) => into.set(owner, (into.get(owner) ?? 0) + fraction);
  const of = (index: number, loading: boolean, first: boolean): Map<number, number> => {
    const key = `${index}:${loading}:${first}`;
    const cached = memo.get(key);
    if (cached) return cached;
    // Met again on its own path: recursion, or (loading) an import inside an import, whose
    // machinery is shared by every nesting level: module loading all the same.
    if (active.has(key)) return new Map([[loading ? MODULE_LOADING : UNOWNED, 1]]);
    active.add(key);
    const out = new Map<number, number>();
    const callers = (entries[index] as Entry).callers.filter((caller) => caller.from !== index);
    const weigh = (caller: { self: number; total: number }) => (first ? caller.self : caller.total);
    let sum = callers.reduce((acc, caller) => acc + weigh(caller), 0);
    const equal = sum <= 0;
    if (equal) sum = callers.length;
    if (callers.length === 0) add(out, loading ? MODULE_LOADING : UNOWNED, 1);
    for (const caller of callers) {
      const share = (equal ? 1 : weigh(caller)) / sum;
      const from = entries[caller.from] as Entry;
      if (loading && from.name === "<module>" && owns(from)) add(out, MODULE_LOADING, share);
      else if (stops(from)) add(out, caller.from, share);
      else for (const [owner, fraction] of of(caller.from, loading || from.loader, false)) add(out, owner, share * fraction);
    }
    active.delete(key);
    memo.set(key, out);
    return out;
  };
  return (index: number) => of(index, (entries[index] as Entry).loader, true);
}

function summarise(entries: readonly Entry[], kept: readonly boolean[], top: number): CpuProfileSummary {
  const owned = new Array<number>(entries.length).fill(0);
  const callersOf = new Map<number, Map<number, number>>();
  const loadingSelf = new Array<number>(entries.length).fill(0);
  const ownership = ownershipOf(entries, owns);
  const toApp = ownershipOf(entries, isApp);
  let moduleLoading = 0;
  let appInclusive = 0;
  entries.forEach((entry, index) => {
    // Waiting (idle) is no one's code running, as V8's `(idle)` samples have no stack.
    if (!kept[index] || entry.self <= 0 || entry.category === "idle") return;
    if (entry.category === "app") {
      appInclusive += entry.self;
      return;
    }
    for (const [owner, fraction] of toApp(index)) if (owner >= 0) appInclusive += entry.self * fraction;
    if (entry.category !== "runtime") return;
    const mine = new Map<number, number>();
    for (const [owner, fraction] of ownership(index)) {
      const time = entry.self * fraction;
      if (owner === MODULE_LOADING) {
        moduleLoading += time;
        loadingSelf[index] = (loadingSelf[index] ?? 0) + time;
      } else if (owner >= 0) {
        owned[owner] = (owned[owner] ?? 0) + time;
        mine.set(owner, (mine.get(owner) ?? 0) + time);
      }
    }
    callersOf.set(index, mine);
  });

  const duration = entries.reduce((sum, entry, index) => sum + (kept[index] ? entry.self : 0), 0);
  const selfByCategory: Record<FrameCategory, number> = { app: 0, library: 0, runtime: 0, program: 0, idle: 0, gc: 0, root: 0 };
  entries.forEach((entry, index) => {
    if (kept[index]) selfByCategory[entry.category] += entry.self;
  });

  const ioInclusive: Record<IoKind, number> = { fs: 0, network: 0, db: 0 };
  entries.forEach((entry, index) => {
    if (!entry.io || !kept[index]) return;
    if (entry.callers.some((caller) => caller.from !== index && (entries[caller.from] as Entry).io === entry.io)) return;
    ioInclusive[entry.io] = Math.min(duration, ioInclusive[entry.io] + entry.total);
  });

  const hot = entries
    .map((entry, index) => ({ entry, index }))
    .filter(({ entry, index }) => kept[index] && entry.total > 0)
    .map(({ entry, index }) => toHot(entry, index, entries, owned, callersOf, loadingSelf, duration));
  const bySelf = [...hot].sort((a, b) => b.self_ms - a.self_ms || b.total_ms - a.total_ms || a.location.localeCompare(b.location));
  const byTotal = [...hot].sort((a, b) => b.total_ms - a.total_ms || b.self_ms - a.self_ms || a.location.localeCompare(b.location));
  return {
    duration_ms: ms(duration),
    samples: entries.reduce((sum, entry, index) => sum + (kept[index] ? entry.calls : 0), 0),
    interval_ms: 0,
    top_by_self: bySelf.filter((item) => item.self_ms > 0).slice(0, top),
    top_by_total: byTotal.slice(0, top),
    self_ms_by_category: Object.fromEntries(Object.entries(selfByCategory).map(([key, value]) => [key, ms(value)])) as Record<FrameCategory, number>,
    app_inclusive_ms: ms(Math.min(duration, appInclusive)),
    module_loading_ms: ms(moduleLoading),
    io_inclusive_ms: { fs: ms(ioInclusive.fs), network: ms(ioInclusive.network), db: ms(ioInclusive.db) },
    profiler: "cprofile",
  };
}

function locationOf(entry: Entry): string {
  if (entry.file === "~") return "(built-in)";
  return `${entry.path ?? entry.file}:${entry.line}:0`;
}

function toHot(
  entry: Entry,
  index: number,
  entries: readonly Entry[],
  owned: readonly number[],
  callersOf: ReadonlyMap<number, ReadonlyMap<number, number>>,
  loadingSelf: readonly number[],
  duration: number,
): CpuHotFunction {
  let caller: number | null = null;
  let most = 0;
  for (const [owner, time] of callersOf.get(index) ?? []) {
    if (time > most) {
      most = time;
      caller = owner;
    }
  }
  const callerEntry = caller === null ? undefined : entries[caller];
  const withRuntime = entry.self + (owned[index] ?? 0);
  return {
    function: entry.name,
    location: locationOf(entry),
    url: entry.file === "~" ? "" : (entry.absolute ?? entry.file),
    line: entry.line,
    self_ms: ms(entry.self),
    total_ms: ms(entry.total),
    self_pct: pct(entry.self, duration),
    total_pct: pct(Math.min(entry.total, duration), duration),
    column: 0,
    path: entry.path,
    category: entry.category,
    io_kind: entry.io,
    flagged: entry.category === "idle",
    self_with_runtime_ms: ms(withRuntime),
    self_with_runtime_pct: pct(withRuntime, duration),
    called_from: callerEntry ? `${callerEntry.name} ${locationOf(callerEntry)}` : null,
    module_loading: entry.category === "runtime" && (loadingSelf[index] ?? 0) * 2 > entry.self,
  };
}

/** Microseconds to milliseconds, rounded to the microsecond. */
function ms(microseconds: number): number {
  return Math.round(microseconds) / 1000;
}

function pct(part: number, whole: number): number {
  return whole > 0 ? Math.round((part / whole) * 10000) / 100 : 0;
}
