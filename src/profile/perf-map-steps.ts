/**
 * The steps of the performance map (contract §9 `steps`) and what kind of bottleneck each one is.
 *
 *  - Step markers, when the program printed any, are the steps: the program's own structure.
 *    They come flat (with `parent` naming another step's id or function) or nested; ids are
 *    assigned in input order ("1", "1.1", …) and `time_share_pct` is the step's time over the
 *    baseline wall time (over the top-level steps' sum when no wall time was measured).
 *  - Otherwise the CPU profile's top functions by self time are the steps (at most
 *    PROFILE_STEP_COUNT, each at least PROFILE_STEP_MIN_PCT): their share is the profile's self
 *    share and their time that share of the baseline wall time (the profiled run is slowed by
 *    the profiler, so its milliseconds are not used directly). Runtime code (a native such as
 *    Bun's JSON `parse`, Python's standard library) takes the location of the function that calls
 *    it most: where in the person's code that time is spent.
 *  - A step's exclusive share is its share minus its children's (never below 0): what ranks the
 *    top bottlenecks, so a parent and its child are not both counted.
 *  - A step's bottleneck type: from its `type` (db_query, http_call, file_io, external), else
 *    from its name's words (STEP_NAME_WORDS), else CPU.
 *  - A step's `function` is a label: cut to STEP_LABEL_MAX_CHARS (step-label.ts), whichever the
 *    source; runtime code that is module loading says so (`wrapSafe (module loading)`).
 */
import { baselineTimeMs } from "../model/metrics.ts";
import type { CpuHotFunction, CpuProfileSummary } from "./cpu-profile-parse.ts";
import { stepLabel } from "./step-label.ts";
import type { Baseline, BottleneckClass, Step } from "./types.ts";

/** Profile functions turned into steps, at most, and the smallest self share (%) that becomes one. */
export const PROFILE_STEP_COUNT = 10;
export const PROFILE_STEP_MIN_PCT = 1;

/** Words in a step's name (split at case changes, `-`, `_`, `.`, `:`, `/`, spaces) that give its kind. */
export const STEP_NAME_WORDS: Record<"I/O-DB" | "I/O-Network" | "I/O-File", readonly string[]> = {
  "I/O-DB": ["db", "database", "sql", "query", "queries", "pg", "postgres", "postgresql", "mysql", "sqlite", "redis", "mongo", "mongodb", "prisma", "orm", "knex", "sequelize", "typeorm", "drizzle"],
  "I/O-Network": ["http", "https", "fetch", "request", "requests", "api", "rpc", "grpc", "socket", "websocket", "download", "upload", "curl", "net", "network", "s3"],
  "I/O-File": ["fs", "file", "files", "disk", "readfile", "writefile", "glob", "stat", "mkdir", "io"],
};

export function nameWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

/** The bottleneck kind of one step. */
export function stepBottleneckType(step: Step): BottleneckClass {
  switch (step.type) {
    case "db_query":
      return "I/O-DB";
    case "http_call":
      return "I/O-Network";
    case "file_io":
      return "I/O-File";
    case "external":
      return "External";
  }
  const words = nameWords(step.function);
  for (const kind of ["I/O-DB", "I/O-Network", "I/O-File"] as const) {
    if (words.some((word) => STEP_NAME_WORDS[kind].includes(word))) return kind;
  }
  return "CPU";
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}

/** Marker steps as a tree with ids and shares. */
export function stepsFromMarkers(input: readonly Step[], baseline: Baseline): Step[] {
  const flat: Step[] = [];
  const walk = (steps: readonly Step[], parent: string | undefined) => {
    for (const step of steps) {
      const { children, ...rest } = step;
      flat.push({ ...rest, ...(rest.parent === undefined && parent !== undefined ? { parent } : {}) });
      if (children) walk(children, step.id || step.function);
    }
  };
  walk(input, undefined);
  const refersTo = (step: Step, name: string | undefined) => name !== undefined && (step.id === name || step.function === name);
  const isTop = (step: Step) => step.parent === undefined || !flat.some((other) => other !== step && refersTo(other, step.parent));
  const tops = flat.filter(isTop);
  const wall = baselineTimeMs(baseline);
  const whole = wall && wall > 0 ? wall : tops.reduce((sum, step) => sum + step.wall_time_ms, 0);
  const used = new Set<Step>();
  const build = (step: Step, id: string, depth: number): Step => {
    used.add(step);
    const kids = depth < 8 ? flat.filter((other) => !used.has(other) && other !== step && !isTop(other) && refersTo(step, other.parent)) : [];
    const { parent: _parent, ...rest } = step;
    const built: Step = {
      ...rest,
      function: stepLabel(rest.function),
      id,
      time_share_pct: round1(step.time_share_pct ?? (whole > 0 ? (step.wall_time_ms / whole) * 100 : 0)),
    };
    if (kids.length > 0) built.children = kids.map((kid, index) => build(kid, `${id}.${index + 1}`, depth + 1));
    if (depth > 0) built.parent = id.slice(0, id.lastIndexOf("."));
    return built;
  };
  return tops.map((step, index) => build(step, String(index + 1), 0));
}

/** The profile's top functions by self time as steps. */
export function stepsFromProfile(profile: CpuProfileSummary, baseline: Baseline): Step[] {
  const wall = baselineTimeMs(baseline);
  return profile.top_by_self
    .filter((hot) => hot.self_pct >= PROFILE_STEP_MIN_PCT && hot.category !== "root")
    .slice(0, PROFILE_STEP_COUNT)
    .map((hot, index) => ({
      id: String(index + 1),
      function: stepLabel(hot.module_loading ? `${hot.function} (module loading)` : hot.function),
      location: stepLocation(hot),
      wall_time_ms: wall && wall > 0 ? round1((hot.self_pct / 100) * wall) : hot.self_ms,
      time_share_pct: hot.self_pct,
      type: profileStepType(hot),
    }));
}

/** "file:line" of the step: runtime code (a native, Python's standard library) is placed at its main caller, where it is the person's. */
function stepLocation(hot: CpuHotFunction): string {
  const own = hot.path && hot.line > 0 ? `${hot.path}:${hot.line}` : null;
  if (hot.category === "runtime") return calledFromLocation(hot) ?? own ?? hot.location;
  return own ?? hot.location;
}

/** For runtime code, "file:line" of the function that calls it most (its place in the person's code). */
function calledFromLocation(hot: CpuHotFunction): string | null {
  const match = hot.called_from === null ? null : /\s(\S+):(\d+):\d+$/.exec(hot.called_from);
  return match ? `${match[1]}:${match[2]}` : null;
}

function profileStepType(hot: CpuHotFunction): Step["type"] {
  if (hot.category === "idle") return "external";
  if (hot.io_kind === "fs") return "file_io";
  if (hot.io_kind === "network") return "http_call";
  if (hot.io_kind === "db") return "db_query";
  return "function_call";
}

/** Every step of the tree, parents before children. */
export function flattenSteps(steps: readonly Step[]): Step[] {
  return steps.flatMap((step) => [step, ...flattenSteps(step.children ?? [])]);
}

/** A step's share minus its children's, never below 0. */
export function exclusiveShare(step: Step): number {
  const own = step.time_share_pct ?? 0;
  const children = (step.children ?? []).reduce((sum, child) => sum + (child.time_share_pct ?? 0), 0);
  return Math.max(0, round1(own - children));
}
