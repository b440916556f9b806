/**
 * A bisect on disk (docs/bisect.md): one checkpoint file,
 * `.hex-skills/optimization/<slug>/bisect.json`, rewritten atomically (src/runtime/atomic-fs.ts:
 * temp file, fsync, rename) after every measurement, so a Ctrl-C or a `kill -9` loses at most the
 * measurement that was running. It holds the options, the first-parent history (full commit ids,
 * good first) and the measurements made (search.ts's events, plus how long each took); the search
 * replays them to know what comes next. Read back, it is parsed with the schema below: a damaged
 * file is a CorruptStateError naming it, never a guess.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import * as v from "valibot";
import { ServeOptionsSchema, TargetSpecSchema } from "../coordinator/run-options.ts";
import { CorruptStateError } from "../errors.ts";
import { readTextIfExists, writeJsonAtomic } from "../runtime/atomic-fs.ts";
import { runtimePaths, slugDir } from "../runtime/paths.ts";
import { stateDirExists } from "../runtime/state-dirs.ts";
import { displayPath } from "../runtime/write-error.ts";
import type { SearchEvent } from "./search.ts";

export const STATE_FILE = "bisect.json";
export const STATE_VERSION = 1;

const Sha = v.pipe(v.string(), v.regex(/^[0-9a-f]{40}$/, "a full commit id"));
const Position = v.pipe(v.number(), v.integer(), v.minValue(0));
const Finite = v.pipe(v.number(), v.finite());

const ComparisonSchema = v.object({
  ratio: Finite,
  ci: v.tuple([Finite, Finite]),
  p: v.pipe(v.number(), v.minValue(0), v.maxValue(1)),
  n: v.pipe(v.number(), v.integer(), v.minValue(1)),
  median_a: Finite,
  median_b: Finite,
});

/** What every stored event adds to the search's: its rounds and how long it took (ms, the side trees included). */
const Measured = { rounds: v.pipe(v.number(), v.integer(), v.minValue(0)), ms: v.pipe(v.number(), v.minValue(0)) };

const EventSchema = v.variant("kind", [
  v.object({
    kind: v.literal("confirm"),
    outcome: v.picklist(["confirmed", "not_slower", "below_threshold"]),
    vs: ComparisonSchema,
    reason: v.string(),
    /** The slower end's median time of one round, ms (what a probe's run limit is made from); absent in older checkpoints. */
    round_ms: v.optional(v.pipe(v.number(), v.minValue(0))),
    ...Measured,
  }),
  v.object({
    kind: v.literal("probe"),
    commit: Position,
    lo: Position,
    hi: Position,
    verdict: v.picklist(["slow", "fast", "intermediate", "untestable", "failed"]),
    reason: v.string(),
    vs_lo: v.nullable(ComparisonSchema),
    vs_hi: v.nullable(ComparisonSchema),
    mid: v.nullable(ComparisonSchema),
    ...Measured,
  }),
  v.object({ kind: v.literal("step"), commit: Position, parent: Position, outcome: v.picklist(["beyond", "within", "not_slower", "failed"]), vs: v.nullable(ComparisonSchema), reason: v.string(), ...Measured }),
]);

export const BisectOptionsSchema = v.object({
  /** As the person typed them, and resolved (in `commits`). */
  good_ref: v.string(),
  bad_ref: v.string(),
  /** The target as the person typed it (a command, fn:<file>#<export> or a URL). */
  command: v.pipe(v.string(), v.minLength(1)),
  /**
   * The target parsed (src/profile/target.ts); absent in a checkpoint of a command's bisect from
   * before functions and endpoints could be bisected. A function's file is relative to `subdir`.
   */
  target_spec: v.optional(TargetSpecSchema),
  /** An endpoint's: how perfloop starts its server in each commit's side tree. */
  serve: v.optional(v.nullable(ServeOptionsSchema), null),
  /** A fraction: 0.05 is 5%. */
  threshold: v.pipe(v.number(), v.minValue(0), v.maxValue(0.99)),
  test: v.nullable(v.string()),
  setup: v.nullable(v.string()),
  max_runs: v.pipe(v.number(), v.integer(), v.minValue(2)),
  warmup: v.pipe(v.number(), v.integer(), v.minValue(0)),
  allow_write: v.array(v.string()),
  /** Where the command runs, relative to the repository root ("" for the root). */
  subdir: v.string(),
  keep_trees: v.boolean(),
});

export const BisectStateSchema = v.object({
  version: v.literal(STATE_VERSION),
  kind: v.literal("bisect"),
  slug: v.string(),
  status: v.picklist(["running", "done"]),
  started_at: v.string(),
  updated_at: v.string(),
  options: BisectOptionsSchema,
  commits: v.pipe(v.array(Sha), v.minLength(2, "at least good and bad")),
  events: v.array(EventSchema),
});

export type BisectOptions = v.InferOutput<typeof BisectOptionsSchema>;
export type BisectState = v.InferOutput<typeof BisectStateSchema>;
export type StoredEvent = v.InferOutput<typeof EventSchema>;

/** `.hex-skills/optimization/<slug>/bisect.json` */
export function bisectStatePath(projectRoot: string, slug: string): string {
  return join(slugDir(runtimePaths(projectRoot), slug), STATE_FILE);
}

/** The events as the search reads them (the extra fields are ignored there). */
export function searchEvents(state: BisectState): SearchEvent[] {
  return state.events as SearchEvent[];
}

/** The checkpoint at `path`, or null when there is none; a damaged one is a CorruptStateError. */
export function readBisectState(path: string): BisectState | null {
  const text = readTextIfExists(path);
  if (text === null) return null;
  const shown = displayPath(path);
  const hint = `remove it (rm ${shown}) to start the bisect again`;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new CorruptStateError(shown, `not JSON (${(error as Error).message})`, hint);
  }
  const parsed = v.safeParse(BisectStateSchema, json);
  if (!parsed.success) {
    const issue = parsed.issues[0]!;
    const where = issue.path?.map((item) => String(item.key)).join(".") ?? "";
    throw new CorruptStateError(shown, `${where ? `${where}: ` : ""}${issue.message}`, hint);
  }
  return parsed.output;
}

/** Writes the checkpoint whole or not at all. */
export function writeBisectState(path: string, state: BisectState, pid: number): void {
  writeJsonAtomic(path, state, pid);
}

export interface FoundBisect {
  slug: string;
  path: string;
  state: BisectState;
}

export interface ScannedBisects {
  /** The checkpoints whose status is "running", by slug. */
  unfinished: FoundBisect[];
  /** Checkpoints that do not parse: their errors, to report when nothing else is there to resume. */
  damaged: CorruptStateError[];
}

/** Every bisect checkpoint of the project: the unfinished ones, and the damaged ones apart (a damaged bisect never blocks a run's resume). */
export function scanBisects(projectRoot: string): ScannedBisects {
  const out: ScannedBisects = { unfinished: [], damaged: [] };
  if (!stateDirExists(projectRoot, ".hex-skills/optimization")) return out;
  const root = runtimePaths(projectRoot).optimizationRoot;
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name === "runtime") continue;
    const path = join(root, entry.name, STATE_FILE);
    try {
      const state = readBisectState(path);
      if (state && state.status === "running") out.unfinished.push({ slug: entry.name, path, state });
    } catch (error) {
      if (!(error instanceof CorruptStateError)) throw error;
      out.damaged.push(error);
    }
  }
  out.unfinished.sort((a, b) => a.slug.localeCompare(b.slug));
  return out;
}
