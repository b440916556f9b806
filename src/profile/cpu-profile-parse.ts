/**
 * Reads a `.cpuprofile` (the V8/Chrome DevTools format written by `bun --cpu-prof`,
 * `node --cpu-prof` and `deno run --cpu-prof`) into the functions that took the time.
 *
 * Method (as Chrome DevTools' CPUProfileDataModel and speedscope's importer do):
 *  - Sample i lasts from its timestamp to the next one, so it weighs `timeDeltas[i + 1]`; the last
 *    sample weighs `endTime - its timestamp`, clamped to [0, the largest delta seen]. Negative
 *    deltas (seen in real profiles) count as 0. Times are microseconds in the file, ms out.
 *  - Self time of a function = the weight of the samples whose leaf frame is that function.
 *  - Total time = the weight of the samples with the function anywhere on the stack, each sample
 *    counted once per function, so recursion (fib -> fib -> fib) is not counted twice.
 *  - Functions are aggregated by name + URL + line + column, so the same function reached through
 *    different call paths is one entry.
 *  - Self time with runtime: self time plus that of the runtime code (natives, `node:`/`ext:`
 *    internals) it calls, i.e. samples whose leaf is runtime code and whose nearest non-runtime
 *    frame is this function. V8 counts builtins such as JSON.parse in the caller's self time while
 *    Bun shows them as separate native frames: this makes the runtimes comparable. Runtime frames
 *    also get `called_from`: the app or library function that calls them most.
 *  - Module loading is runtime time, not its caller's: a runtime sample with a module loader on its
 *    stack (wrapSafe, compileFunction, require…: `isModuleLoadingFrame`) whose nearest app or
 *    library frame is a module's top-level code (line 1 of a file being loaded or loading another)
 *    is owned by no one: that time is `module_loading_ms`, the runtime frames that spend it mostly
 *    so are flagged `module_loading`, and it is not counted as the person's code on the stack
 *    unless a real function of theirs (not top-level code) is there too. A lazy `require()` inside
 *    a real function is that function's.
 *  - Percentages are of the profile's duration (the sum of the weights, idle included).
 * The input is validated with valibot; a file that does not match throws `invalid_cpu_profile`.
 */
import * as v from "valibot";
import { PerfloopError } from "../errors.ts";
import {
  FLAGGED_CATEGORIES,
  type FrameCategory,
  frameCategory,
  frameIoKind,
  framePath,
  type IoKind,
  isModuleLoadingFrame,
  isModuleTopLevel,
} from "./cpu-frame-kind.ts";
import type { HotFunction } from "./types.ts";

/** How many functions each hot list keeps unless told otherwise. */
export const DEFAULT_TOP_FUNCTIONS = 20;

const CallFrameSchema = v.object({
  functionName: v.string(),
  url: v.string(),
  lineNumber: v.number(),
  columnNumber: v.number(),
});
const ProfileNodeSchema = v.object({
  id: v.number(),
  callFrame: CallFrameSchema,
  hitCount: v.optional(v.number()),
  children: v.optional(v.array(v.number())),
  parent: v.optional(v.number()),
});
export const CpuProfileSchema = v.pipe(
  v.object({
    nodes: v.pipe(v.array(ProfileNodeSchema), v.minLength(1, "a CPU profile has at least one node")),
    startTime: v.number(),
    endTime: v.number(),
    samples: v.array(v.number()),
    timeDeltas: v.array(v.number()),
  }),
  v.check((profile) => profile.samples.length === profile.timeDeltas.length, "samples and timeDeltas differ in length"),
);
export type RawCpuProfile = v.InferOutput<typeof CpuProfileSchema>;

/** A hot function with what perfloop knows beyond the shared `HotFunction` shape. */
export interface CpuHotFunction extends HotFunction {
  /** 1-based column, 0 when unknown. */
  column: number;
  /** Project-relative path when inside the project, else the absolute path; null for natives. */
  path: string | null;
  category: FrameCategory;
  io_kind: IoKind | null;
  /** True for `(program)`, `(idle)`, `(garbage collector)`: categories, not code to change. */
  flagged: boolean;
  /** Self time plus the runtime code it calls directly (see the module header). */
  self_with_runtime_ms: number;
  self_with_runtime_pct: number;
  /** For runtime code: the location of the app or library function that calls it most; else null. */
  called_from: string | null;
  /** Runtime code whose self time is mostly module loading (see the module header). */
  module_loading: boolean;
}

export interface CpuProfileSummary {
  /** Sum of the sample weights (ms), idle included. */
  duration_ms: number;
  samples: number;
  /** Median time between samples (ms): the profile's resolution. */
  interval_ms: number;
  top_by_self: CpuHotFunction[];
  top_by_total: CpuHotFunction[];
  /** Self time per category, over every function (not only the top lists). */
  self_ms_by_category: Record<FrameCategory, number>;
  /** Time with the person's own code anywhere on the stack (natives it calls included, module loading not). */
  app_inclusive_ms: number;
  /** Runtime time spent loading modules for top-level code (see the module header). */
  module_loading_ms: number;
  /** Time inside a file-system, network or database call (the call and everything under it). */
  io_inclusive_ms: Record<IoKind, number>;
  /** Set for a Python profile (python-profile-parse.ts); absent for a V8 `.cpuprofile`. */
  profiler?: "cprofile";
}

export interface ParseCpuProfileOptions {
  /** Paths inside it are reported relative to it and count as the person's own code. */
  projectRoot?: string | null;
  top?: number;
}

interface Aggregate {
  name: string;
  url: string;
  line: number;
  column: number;
  self: number;
  total: number;
  /** Runtime code's time this function owns (it is the nearest non-runtime caller). */
  owned: number;
  /** For runtime code: weight per calling app/library function key. */
  callers: Map<string, number>;
  /** Self time that was module loading. */
  loading: number;
}

/** Parses and summarises a `.cpuprofile` (its text or its parsed JSON). */
export function parseCpuProfile(json: unknown, options: ParseCpuProfileOptions = {}): CpuProfileSummary {
  return summarise(parseProfileJson(CpuProfileSchema, json, invalid), options.projectRoot ?? null, options.top ?? DEFAULT_TOP_FUNCTIONS);
}

/** A profile file's JSON (its text or the parsed value) read through `schema`; `invalid` words the first problem. */
export function parseProfileJson<S extends v.GenericSchema>(schema: S, json: unknown, invalid: (detail: string) => Error): v.InferOutput<S> {
  let value = json;
  if (typeof json === "string") {
    try {
      value = JSON.parse(json);
    } catch (error) {
      throw invalid(`not JSON (${(error as Error).message})`);
    }
  }
  const parsed = v.safeParse(schema, value);
  if (!parsed.success) {
    const issue = parsed.issues[0];
    const path = issue.path?.map((item) => String(item.key)).join(".") ?? "";
    throw invalid(`${path ? `${path}: ` : ""}${issue.message}`);
  }
  return parsed.output;
}

function invalid(detail: string): PerfloopError {
  return new PerfloopError("invalid_cpu_profile", `the CPU profile is not in the V8 .cpuprofile format: ${detail}`, {
    hint: "perfloop reads the files written by --cpu-prof (bun, node, deno)",
  });
}

/** Sample weights in microseconds (see the module header). */
export function sampleWeights(profile: RawCpuProfile): number[] {
  const { samples, timeDeltas, startTime, endTime } = profile;
  const weights = new Array<number>(samples.length).fill(0);
  let maxDelta = 0;
  let timestamp = startTime;
  for (let i = 0; i < samples.length; i++) {
    const delta = Math.max(0, timeDeltas[i] as number);
    timestamp += delta;
    if (i + 1 < samples.length) {
      const next = Math.max(0, timeDeltas[i + 1] as number);
      weights[i] = next;
      maxDelta = Math.max(maxDelta, next);
    }
  }
  if (samples.length > 0) weights[samples.length - 1] = Math.min(Math.max(0, endTime - timestamp), maxDelta);
  return weights;
}

function summarise(profile: RawCpuProfile, projectRoot: string | null, top: number): CpuProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) {
    if (node.parent !== undefined) parentOf.set(node.id, node.parent);
    for (const child of node.children ?? []) parentOf.set(child, node.id);
  }
  for (const id of profile.samples) {
    if (!byId.has(id)) throw invalid(`a sample names node ${id}, which is not in nodes`);
  }

  const aggregates = new Map<string, Aggregate>();
  const keyOf = new Map<number, string>();
  for (const node of profile.nodes) {
    const frame = node.callFrame;
    const key = `${frame.functionName}\u0000${frame.url}\u0000${frame.lineNumber}\u0000${frame.columnNumber}`;
    keyOf.set(node.id, key);
    if (!aggregates.has(key)) {
      aggregates.set(key, { name: frame.functionName, url: frame.url, line: frame.lineNumber, column: frame.columnNumber, self: 0, total: 0, owned: 0, callers: new Map(), loading: 0 });
    }
  }

  // Per sampled node: the distinct functions on its stack, and which categories/kinds are there.
  interface StackInfo {
    keys: string[];
    app: boolean;
    io: Set<IoKind>;
    category: FrameCategory;
    /** For a runtime leaf: the key of the nearest app or library frame above it. */
    owner: string | null;
    /** A runtime leaf loading modules for top-level code: owned by no one. */
    loading: boolean;
  }
  const stacks = new Map<number, StackInfo>();
  const stackOf = (leaf: number): StackInfo => {
    const cached = stacks.get(leaf);
    if (cached) return cached;
    const keys = new Set<string>();
    const io = new Set<IoKind>();
    let app = false;
    let realApp = false;
    let owner: string | null | undefined;
    let loader = false;
    let loading = false;
    const seen = new Set<number>();
    for (let id: number | undefined = leaf; id !== undefined && !seen.has(id); id = parentOf.get(id)) {
      seen.add(id);
      const node = byId.get(id);
      if (!node) break;
      keys.add(keyOf.get(id) as string);
      const { functionName, url, lineNumber } = node.callFrame;
      const category = frameCategory(functionName, url, projectRoot);
      if (category === "app") {
        app = true;
        if (!isModuleTopLevel(functionName, lineNumber)) realApp = true;
      }
      if (id === leaf && category !== "runtime") owner = null;
      else if (owner === undefined && category === "runtime" && isModuleLoadingFrame(functionName, url)) loader = true;
      else if (owner === undefined && (category === "app" || category === "library")) {
        loading = loader && isModuleTopLevel(functionName, lineNumber);
        owner = loading ? null : (keyOf.get(id) as string);
      }
      const kind = frameIoKind(functionName, url);
      if (kind) io.add(kind);
    }
    // A loader with no app or library frame above it (an ES module compiled by the loader itself).
    if (owner === undefined && loader) loading = true;
    const leafFrame = (byId.get(leaf) as (typeof profile.nodes)[number]).callFrame;
    const info = {
      keys: [...keys],
      app: loading ? realApp : app,
      io,
      category: frameCategory(leafFrame.functionName, leafFrame.url, projectRoot),
      owner: owner ?? null,
      loading,
    };
    stacks.set(leaf, info);
    return info;
  };

  const weights = sampleWeights(profile);
  const selfByCategory: Record<FrameCategory, number> = { app: 0, library: 0, runtime: 0, program: 0, idle: 0, gc: 0, root: 0 };
  const ioInclusive: Record<IoKind, number> = { fs: 0, network: 0, db: 0 };
  let appInclusive = 0;
  let moduleLoading = 0;
  let duration = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const weight = weights[i] as number;
    if (weight === 0) continue;
    const leaf = profile.samples[i] as number;
    const stack = stackOf(leaf);
    duration += weight;
    const leafAggregate = aggregates.get(keyOf.get(leaf) as string) as Aggregate;
    leafAggregate.self += weight;
    if (stack.owner !== null) {
      (aggregates.get(stack.owner) as Aggregate).owned += weight;
      leafAggregate.callers.set(stack.owner, (leafAggregate.callers.get(stack.owner) ?? 0) + weight);
    }
    if (stack.loading) {
      leafAggregate.loading += weight;
      moduleLoading += weight;
    }
    for (const key of stack.keys) (aggregates.get(key) as Aggregate).total += weight;
    selfByCategory[stack.category] += weight;
    if (stack.app) appInclusive += weight;
    for (const kind of stack.io) ioInclusive[kind] += weight;
  }

  const hot = [...aggregates.values()]
    .filter((item) => item.total > 0 && frameCategory(item.name, item.url, projectRoot) !== "root")
    .map((item) => toHotFunction(item, duration, projectRoot, aggregates));
  const bySelf = [...hot].sort((a, b) => b.self_ms - a.self_ms || b.total_ms - a.total_ms || a.location.localeCompare(b.location));
  const byTotal = [...hot].sort((a, b) => b.total_ms - a.total_ms || b.self_ms - a.self_ms || a.location.localeCompare(b.location));

  const positive = profile.timeDeltas.filter((delta) => delta > 0).sort((a, b) => a - b);
  const median = positive.length === 0 ? 0 : (positive[Math.floor((positive.length - 1) / 2)] as number + (positive[Math.ceil((positive.length - 1) / 2)] as number)) / 2;
  return {
    duration_ms: ms(duration),
    samples: profile.samples.length,
    interval_ms: ms(median),
    top_by_self: bySelf.filter((item) => item.self_ms > 0).slice(0, top),
    top_by_total: byTotal.slice(0, top),
    self_ms_by_category: mapValues(selfByCategory, ms),
    app_inclusive_ms: ms(appInclusive),
    module_loading_ms: ms(moduleLoading),
    io_inclusive_ms: mapValues(ioInclusive, ms),
  };
}

function locationOf(item: Aggregate, category: FrameCategory, projectRoot: string | null): string {
  const name = item.name || (item.url ? "(anonymous)" : "(native)");
  if (FLAGGED_CATEGORIES.has(category)) return name;
  if (item.url === "") return "(native)";
  const { path } = framePath(item.url, projectRoot);
  return `${path ?? item.url}:${item.line >= 0 ? item.line + 1 : 0}:${item.column >= 0 ? item.column + 1 : 0}`;
}

function toHotFunction(item: Aggregate, duration: number, projectRoot: string | null, aggregates: Map<string, Aggregate>): CpuHotFunction {
  const category = frameCategory(item.name, item.url, projectRoot);
  const { path } = framePath(item.url, projectRoot);
  const line = item.line >= 0 ? item.line + 1 : 0;
  const column = item.column >= 0 ? item.column + 1 : 0;
  const name = item.name || (item.url ? "(anonymous)" : "(native)");
  const location = locationOf(item, category, projectRoot);
  let caller: string | null = null;
  let most = 0;
  for (const [key, weight] of item.callers) {
    if (weight > most) {
      most = weight;
      caller = key;
    }
  }
  const loading = category === "runtime" && item.loading * 2 > item.self;
  // Runtime code that mostly loads modules is not placed at the caller of its few other calls.
  const callerAggregate = caller === null || loading ? undefined : aggregates.get(caller);
  const calledFrom = callerAggregate ? `${callerAggregate.name || "(anonymous)"} ${locationOf(callerAggregate, frameCategory(callerAggregate.name, callerAggregate.url, projectRoot), projectRoot)}` : null;
  return {
    function: name,
    location,
    url: item.url,
    line,
    self_ms: ms(item.self),
    total_ms: ms(item.total),
    self_pct: pct(item.self, duration),
    total_pct: pct(item.total, duration),
    column,
    path,
    category,
    io_kind: frameIoKind(item.name, item.url),
    flagged: FLAGGED_CATEGORIES.has(category),
    self_with_runtime_ms: ms(item.self + item.owned),
    self_with_runtime_pct: pct(item.self + item.owned, duration),
    called_from: calledFrom,
    module_loading: loading,
  };
}

/** Microseconds to milliseconds, rounded to the microsecond. */
function ms(microseconds: number): number {
  return Math.round(microseconds) / 1000;
}

function pct(part: number, whole: number): number {
  return whole > 0 ? Math.round((part / whole) * 10000) / 100 : 0;
}

function mapValues<K extends string>(record: Record<K, number>, fn: (value: number) => number): Record<K, number> {
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [key, fn(value as number)])) as Record<K, number>;
}
