/**
 * Step markers: lines any program, in any language, prints to stdout or stderr to report its own
 * steps (spec/hypotheses.md, "Step markers"):
 *
 *     ##perfloop step=<name> ms=<number> [parent=<name>] [calls=<n>]
 *
 * - The marker starts the line (leading blanks allowed); fields are `key=value` separated by
 *   blanks, in any order; a value may be double-quoted to hold blanks (`step="load config"`).
 * - `ms` is a decimal number >= 0 (`12`, `3.5`, `.5`, `1e3`); `calls` an integer >= 1.
 * - A step printed several times in one run is summed (ms and calls; a line without `calls`
 *   counts one call), so a program may print one marker per iteration or one per step.
 * - Keys perfloop does not know are ignored (a later format may add some). A line that starts
 *   with the marker but breaks the rules (no step, a bad number, a repeated key, an unclosed
 *   quote) is malformed: it is counted and a few are kept as examples, never fatal.
 *
 * Across runs, each step's time is the median of its per-run totals over the runs in which it
 * appeared (a step absent from a run is not a zero: the program may branch). Its time share is
 * that median over the median wall time of the runs. Steps form a tree through `parent`; a parent
 * that never reported itself leaves its children at the top (they keep `parent`), and a parent
 * link that would close a cycle is dropped with a warning.
 */
import { median } from "../measure/index.ts";
import { stepLabel } from "./step-label.ts";
import type { Step } from "./types.ts";

/** What starts a marker line. */
export const STEP_MARKER_PREFIX = "##perfloop";
/** Malformed lines kept as examples per run and per aggregate (the rest are only counted). */
export const MALFORMED_EXAMPLES_KEPT = 3;
/** A malformed example is cut to this many characters. */
const EXAMPLE_MAX_CHARS = 200;

const DECIMAL = /^(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const INTEGER = /^\d+$/;

/** One marker line, parsed. */
export interface StepMarker {
  name: string;
  ms: number;
  parent: string | null;
  /** As printed; null when the line had no `calls`. */
  calls: number | null;
}

export type MarkerLine =
  | { kind: "none" }
  | { kind: "marker"; marker: StepMarker }
  | { kind: "malformed"; reason: string };

/** One step's totals within one run. */
export interface RunStep {
  name: string;
  ms: number;
  calls: number;
  parent: string | null;
}

/** Everything one run reported; plain data (it is stored with the run's sample). */
export interface RunStepMarkers {
  /** In order of first appearance. */
  steps: RunStep[];
  malformed: number;
  malformed_examples: string[];
  /** Steps whose lines named different parents in one run (the first one is kept). */
  parent_conflicts: string[];
}

/** Steps of several runs, aggregated. */
export interface StepMarkerSummary {
  /** The tree's top-level steps, children nested, each in order of first appearance. */
  steps: Step[];
  /** Distinct steps (the number of nodes in the tree). */
  step_count: number;
  runs: number;
  runs_with_markers: number;
  malformed_lines: number;
  malformed_examples: string[];
  warnings: string[];
}

type Fields = Map<string, string>;

/** Splits `key=value` fields; a value may be double-quoted. Returns an error text on bad syntax. */
function splitFields(text: string): Fields | string {
  const fields: Fields = new Map();
  let at = 0;
  while (at < text.length) {
    while (at < text.length && /\s/.test(text[at] as string)) at++;
    if (at >= text.length) break;
    const eq = text.indexOf("=", at);
    const blank = text.slice(at).search(/\s/);
    const tokenEnd = blank === -1 ? text.length : at + blank;
    if (eq === -1 || eq > tokenEnd) return `"${text.slice(at, tokenEnd)}" is not key=value`;
    const key = text.slice(at, eq);
    if (key === "") return "a field has no key";
    let value: string;
    if (text[eq + 1] === '"') {
      const close = text.indexOf('"', eq + 2);
      if (close === -1) return `the quoted value of ${key} is not closed`;
      value = text.slice(eq + 2, close);
      at = close + 1;
      if (at < text.length && !/\s/.test(text[at] as string)) return `text follows the quoted value of ${key}`;
    } else {
      value = text.slice(eq + 1, tokenEnd);
      at = tokenEnd;
    }
    if (fields.has(key)) return `${key} appears twice`;
    fields.set(key, value);
  }
  return fields;
}

/** Parses one output line: not a marker, a marker, or a malformed marker with the reason. */
export function parseStepMarkerLine(line: string): MarkerLine {
  const text = line.trimStart();
  if (!text.startsWith(STEP_MARKER_PREFIX)) return { kind: "none" };
  const rest = text.slice(STEP_MARKER_PREFIX.length);
  // "##perfloopish" is some other text, not a marker.
  if (rest !== "" && !/^\s/.test(rest)) return { kind: "none" };
  const fields = splitFields(rest);
  if (typeof fields === "string") return { kind: "malformed", reason: fields };
  const name = fields.get("step");
  if (name === undefined || name === "") return { kind: "malformed", reason: "no step=<name>" };
  const msText = fields.get("ms");
  if (msText === undefined) return { kind: "malformed", reason: "no ms=<number>" };
  const ms = Number(msText);
  if (!DECIMAL.test(msText) || !Number.isFinite(ms)) {
    return { kind: "malformed", reason: `ms=${msText} is not a number >= 0` };
  }
  const parent = fields.get("parent");
  if (parent === "") return { kind: "malformed", reason: "parent= is empty" };
  if (parent === name) return { kind: "malformed", reason: `step ${name} names itself as its parent` };
  const callsText = fields.get("calls");
  let calls: number | null = null;
  if (callsText !== undefined) {
    calls = Number(callsText);
    if (!INTEGER.test(callsText) || !Number.isSafeInteger(calls) || calls < 1) {
      return { kind: "malformed", reason: `calls=${callsText} is not an integer >= 1` };
    }
  }
  return { kind: "marker", marker: { name, ms, parent: parent ?? null, calls } };
}

export interface StepMarkerCollector {
  /** Feed every output line (either stream) of one run. */
  push(line: string): void;
  /** The run's totals so far. */
  result(): RunStepMarkers;
}

/** Collects one run's markers line by line (pass `push` to Platform.spawn's onOutputLine). */
export function createStepMarkerCollector(): StepMarkerCollector {
  const steps = new Map<string, RunStep>();
  const conflicts = new Set<string>();
  let malformed = 0;
  const examples: string[] = [];
  return {
    push(line) {
      const parsed = parseStepMarkerLine(line);
      if (parsed.kind === "none") return;
      if (parsed.kind === "malformed") {
        malformed++;
        if (examples.length < MALFORMED_EXAMPLES_KEPT) {
          examples.push(`${line.trim().slice(0, EXAMPLE_MAX_CHARS)} (${parsed.reason})`);
        }
        return;
      }
      const { name, ms, parent, calls } = parsed.marker;
      const seen = steps.get(name);
      if (!seen) {
        steps.set(name, { name, ms, calls: calls ?? 1, parent });
        return;
      }
      seen.ms += ms;
      seen.calls += calls ?? 1;
      if (seen.parent === null) seen.parent = parent;
      else if (parent !== null && parent !== seen.parent) conflicts.add(name);
    },
    result: () => ({
      steps: [...steps.values()].map((step) => ({ ...step })),
      malformed,
      malformed_examples: [...examples],
      parent_conflicts: [...conflicts],
    }),
  };
}

/** One run's markers from its output lines (a convenience for tests and stored output). */
export function collectStepMarkers(lines: Iterable<string>): RunStepMarkers {
  const collector = createStepMarkerCollector();
  for (const line of lines) collector.push(line);
  return collector.result();
}

interface Gathered {
  name: string;
  totals: number[];
  calls: number[];
  parent: string | null;
  parentConflict: boolean;
}

/** True when attaching `child` under `parent` would close a cycle. */
function closesCycle(child: string, parent: string, parentOf: ReadonlyMap<string, string | null>): boolean {
  const visited = new Set<string>([child]);
  let at: string | null | undefined = parent;
  while (at != null) {
    if (visited.has(at)) return true;
    visited.add(at);
    at = parentOf.get(at);
  }
  return false;
}

/**
 * Medians across runs and the parent/child tree. `medianWallMs` is the median wall time of the
 * same runs (the denominator of the time shares); null or 0 leaves shares out.
 */
export function aggregateStepMarkers(runs: readonly RunStepMarkers[], medianWallMs: number | null): StepMarkerSummary {
  const gathered = new Map<string, Gathered>();
  let malformed = 0;
  const examples: string[] = [];
  const warnings: string[] = [];
  let withMarkers = 0;
  for (const run of runs) {
    malformed += run.malformed;
    for (const example of run.malformed_examples) {
      if (examples.length < MALFORMED_EXAMPLES_KEPT) examples.push(example);
    }
    if (run.steps.length > 0) withMarkers++;
    for (const step of run.steps) {
      let entry = gathered.get(step.name);
      if (!entry) {
        entry = { name: step.name, totals: [], calls: [], parent: step.parent, parentConflict: false };
        gathered.set(step.name, entry);
      }
      entry.totals.push(step.ms);
      entry.calls.push(step.calls);
      if (entry.parent === null) entry.parent = step.parent;
      else if (step.parent !== null && step.parent !== entry.parent) entry.parentConflict = true;
    }
    for (const name of run.parent_conflicts) {
      const entry = gathered.get(name);
      if (entry) entry.parentConflict = true;
    }
  }
  if (malformed > 0) {
    warnings.push(
      `${malformed} malformed step marker line(s) ignored; the format is ` +
        `"${STEP_MARKER_PREFIX} step=<name> ms=<number> [parent=<name>] [calls=<n>]"`,
    );
  }
  for (const entry of gathered.values()) {
    if (entry.parentConflict) warnings.push(`step ${stepLabel(entry.name)} named more than one parent; kept ${stepLabel(entry.parent ?? "")}`);
  }

  const share = medianWallMs != null && medianWallMs > 0 ? medianWallMs : null;
  const nodes = new Map<string, Step>();
  for (const entry of gathered.values()) {
    const ms = median(entry.totals);
    // The id keeps the whole name (parents refer to it); the label is cut to a readable length.
    const step: Step = { id: entry.name, function: stepLabel(entry.name), wall_time_ms: ms, type: "step_marker" };
    if (share !== null) step.time_share_pct = (ms / share) * 100;
    step.calls = median(entry.calls);
    if (entry.parent !== null) step.parent = entry.parent;
    nodes.set(entry.name, step);
  }

  // Link children to parents in order of first appearance; a link that closes a cycle is dropped.
  const parentOf = new Map<string, string | null>();
  const roots: Step[] = [];
  for (const entry of gathered.values()) {
    const node = nodes.get(entry.name) as Step;
    const parentNode = entry.parent === null ? undefined : nodes.get(entry.parent);
    if (entry.parent !== null && parentNode && !closesCycle(entry.name, entry.parent, parentOf)) {
      parentOf.set(entry.name, entry.parent);
      (parentNode.children ??= []).push(node);
      continue;
    }
    parentOf.set(entry.name, null);
    if (entry.parent !== null && parentNode) {
      // Dropped, so that a reader following `parent` links cannot loop.
      delete node.parent;
      warnings.push(`step ${stepLabel(entry.name)}: parent ${stepLabel(entry.parent)} would make a cycle; shown at the top`);
    } else if (entry.parent !== null) {
      warnings.push(`step ${stepLabel(entry.name)}: parent ${stepLabel(entry.parent)} never reported its own time; shown at the top`);
    }
    roots.push(node);
  }

  if (share !== null) {
    const topShare = roots.reduce((sum, step) => sum + (step.time_share_pct ?? 0), 0);
    if (topShare > 100.5) {
      warnings.push(
        `top-level steps add up to ${topShare.toFixed(1)}% of the median wall time: ` +
          "steps overlap (parallel work) or a child lacks parent=",
      );
    }
  }
  return {
    steps: roots,
    step_count: nodes.size,
    runs: runs.length,
    runs_with_markers: withMarkers,
    malformed_lines: malformed,
    malformed_examples: examples,
    warnings,
  };
}

/** Every step of a tree, depth first, parents before their children. */
export function flattenSteps(steps: readonly Step[]): Step[] {
  const out: Step[] = [];
  const walk = (list: readonly Step[]) => {
    for (const step of list) {
      out.push(step);
      if (step.children) walk(step.children);
    }
  };
  walk(steps);
  return out;
}
