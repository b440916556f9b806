/**
 * Which runs are active, from the runs themselves (docs/runtime.md, "Active runs"). The pointer
 * `active/ln-810/<slug>.json` is the fast way to a slug's run, as the contract has it; but a
 * pointer can be lost or damaged (a full disk, a hand edit), and a run must never hide behind it:
 * a pointer that is missing, corrupt or names no run is rebuilt from `runs/<run_id>/` (the runs of
 * that slug whose state is not complete), or refused with one line when two such runs exist.
 */
import { basename } from "node:path";
import { CorruptStateError, UsageError } from "../errors.ts";
import { readJsonLoose } from "./atomic-fs.ts";
import { assertRunId, pointerPath, safe } from "./paths.ts";
import { SKILL } from "./phases.ts";
import type { Run, RunStore } from "./store.ts";
import { displayPath } from "./write-error.ts";

/** `ln-810-<safe(slug)>-<epoch ms>-<8 hex>` (paths.ts newRunId): the slug a run id was made for. */
const RUN_ID_SLUG = new RegExp(`^${SKILL}-(.+)-\\d+-[0-9a-f]{8}$`);

/** Two unfinished runs of one slug and no pointer to choose between them. */
export class AmbiguousRunsError extends UsageError {
  constructor(slug: string, pointer: string, runs: readonly Run[]) {
    const ids = runs.map((run) => run.runId);
    super(
      `${runs.length} unfinished runs of slug ${slug} (${ids.join(", ")}) and no valid pointer to choose between them (${pointer})`,
      `keep one: move the other's directory out of .hex-skills/optimization/runtime/runs/, or pass --run-id to the runtime verbs`,
      { slug, runs: ids },
    );
    this.name = "AmbiguousRunsError";
  }
}

/** A directory name that can be a run id (anything else in runs/ is not a run). */
function isRunId(name: string): boolean {
  try {
    assertRunId(name);
    return true;
  } catch {
    return false;
  }
}

/**
 * A run whose state snapshot says it is complete is complete: snapshots are written only after the
 * history holds the change, so one is never ahead of it. Saves replaying finished runs.
 */
function snapshotComplete(store: RunStore, runId: string): boolean {
  const state = readJsonLoose(store.runPaths(runId).state) as { complete?: unknown } | null;
  return state?.complete === true;
}

/**
 * The unfinished runs of the project (of `slugKey`, a safe(slug), when given), newest first. A run
 * that does not load is skipped, unless it was made for `slugKey` and is not known to be finished:
 * then its CorruptStateError is thrown, since it may be the very run asked for.
 */
export function unfinishedRuns(store: RunStore, slugKey?: string): Run[] {
  const runs: Run[] = [];
  for (const runId of store.runIds()) {
    if (!isRunId(runId)) continue;
    const madeFor = RUN_ID_SLUG.exec(runId)?.[1];
    if (slugKey !== undefined && madeFor !== undefined && madeFor !== slugKey) continue;
    if (snapshotComplete(store, runId)) continue;
    let run: Run | null;
    try {
      run = store.load(runId);
    } catch (error) {
      if (error instanceof CorruptStateError && slugKey !== undefined && madeFor === slugKey) throw error;
      continue;
    }
    if (!run || run.state.complete) continue;
    if (slugKey !== undefined && safe(run.state.identifier) !== slugKey) continue;
    runs.push(run);
  }
  return runs.sort((a, b) => (a.state.updated_at < b.state.updated_at ? 1 : a.state.updated_at > b.state.updated_at ? -1 : 0));
}

/**
 * The slug's run: the one its pointer names when that loads (finished or not, as the contract
 * reads it); else the one unfinished run of the slug in runs/; null when there is none.
 */
export function activeRunOfSlug(store: RunStore, slug: string): Run | null {
  const file = pointerPath(store.paths, slug);
  const read = store.tryReadPointer(file);
  if (read.kind === "ok") {
    const run = store.load(read.pointer.run_id);
    if (run) return run;
  }
  const runs = unfinishedRuns(store, safe(slug));
  if (runs.length > 1) throw new AmbiguousRunsError(slug, `${displayPath(file)} is ${read.kind === "ok" ? "stale" : read.kind}`, runs);
  return runs[0] ?? null;
}

/** The slug keys (safe(slug)) with a pointer file or an unfinished run, in name order. */
function activeSlugKeys(store: RunStore): string[] {
  const keys = new Set(store.pointerFiles().map((file) => basename(file, ".json")));
  for (const run of unfinishedRuns(store)) keys.add(safe(run.state.identifier));
  return [...keys].sort();
}

/** Every unfinished run, one per slug (activeRunOfSlug), in slug order. */
export function activeRuns(store: RunStore): Run[] {
  const runs: Run[] = [];
  for (const key of activeSlugKeys(store)) {
    const run = activeRunOfSlug(store, key);
    if (run && !run.state.complete) runs.push(run);
  }
  return runs;
}

export type Resolution = { kind: "none" } | { kind: "one"; run: Run } | { kind: "many"; slugs: string[] };

/**
 * The run a command without --run-id acts on (contract §1): the slug's, else the only active one.
 * Without a slug, more than one pointer file is "many" whatever they hold (as the original counts
 * them); with none, the unfinished runs in runs/ decide.
 */
export function resolveActive(store: RunStore, slug?: string): Resolution {
  if (slug !== undefined) {
    const run = activeRunOfSlug(store, slug);
    return run ? { kind: "one", run } : { kind: "none" };
  }
  const files = store.pointerFiles();
  if (files.length > 1) return { kind: "many", slugs: files.map((file) => basename(file, ".json")) };
  const keys = files.length === 1 ? [basename(files[0]!, ".json")] : activeSlugKeys(store);
  if (keys.length > 1) return { kind: "many", slugs: keys };
  const run = keys.length === 1 ? activeRunOfSlug(store, keys[0]!) : null;
  return run ? { kind: "one", run } : { kind: "none" };
}
