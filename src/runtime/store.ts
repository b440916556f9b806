/**
 * The on-disk run store (runtime contract §3): snapshots (manifest, state, checkpoints) are caches;
 * history.jsonl is the append-only source of truth that a load replays. Everything read back is
 * validated; a file that does not parse is a clear CorruptStateError, never a silent rollback.
 */
import { existsSync, readdirSync, rmdirSync, statSync } from "node:fs";
import { join } from "node:path";
import * as v from "valibot";
import { CorruptStateError } from "../errors.ts";
import { appendDurable, readJsonLoose, readTextIfExists, removeStateFile, writeJsonAtomic } from "./atomic-fs.ts";
import { checkpointsFromHistory, emptyCheckpoints } from "./checkpoints.ts";
import { describeDetails, toDetails } from "./issues.ts";
import { withLock, type LockDeps } from "./lock.ts";
import { runPaths, pointerPath, type RunPaths, type RuntimePaths } from "./paths.ts";
import { SKILL, isPhase, type HistoryEventType } from "./phases.ts";
import {
  CheckpointEntrySchema,
  CheckpointsSchema,
  HistoryEventSchema,
  ManifestSchema,
  PointerSchema,
  StateSchema,
  type CheckpointEntry,
  type Checkpoints,
  type HistoryEvent,
  type Manifest,
  type Pointer,
  type State,
} from "./schemas.ts";
import { WriteError } from "./write-error.ts";

/** What to do after a snapshot failed to be written: the command itself took effect. */
const RECORDED_NEXT = "run the next command (this change is recorded in history.jsonl; the snapshots are rebuilt from it)";

export type PointerRead = { kind: "missing" } | { kind: "ok"; pointer: Pointer } | { kind: "corrupt"; error: CorruptStateError };

/** What a failed first write left (an empty history, an empty run directory) goes again, so that runs/ holds only runs. */
function removeEmptyRun(files: RunPaths): void {
  try {
    if (statSync(files.history).size === 0) removeStateFile(files.history);
    rmdirSync(files.run_dir);
  } catch {
    // Not empty, or already gone: nothing to tidy.
  }
}

export interface Run {
  runId: string;
  manifest: Manifest;
  state: State;
  checkpoints: Checkpoints;
  history: HistoryEvent[];
  /** Bytes of history.jsonl that hold complete lines (a torn last line is cut off at the next write). */
  historyValidBytes: number;
  historyTorn: boolean;
}

export interface StoreDeps extends LockDeps {}

function parseOrCorrupt<S extends v.GenericSchema>(schema: S, value: unknown, file: string, label: string): v.InferOutput<S> {
  const result = v.safeParse(schema, value);
  if (result.success) return result.output;
  throw new CorruptStateError(
    file,
    describeDetails(label, toDetails(result.issues)),
    "restore it from history or start a new run with another slug",
  );
}

/**
 * Checkpoint normalization (§3): anything not an object is empty; the legacy phase-keyed form (no
 * `_history`) becomes a history.
 */
export function normalizeCheckpoints(raw: unknown, file: string): Checkpoints {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return emptyCheckpoints();
  const record = raw as Record<string, unknown>;
  if (!Array.isArray(record._history)) {
    const entries: CheckpointEntry[] = [];
    for (const [key, value] of Object.entries(record)) {
      if (!isPhase(key) || typeof value !== "object" || value === null) continue;
      const item = value as Record<string, unknown>;
      entries.push(
        parseOrCorrupt(
          CheckpointEntrySchema,
          { sequence: entries.length + 1, phase: key, created_at: item.created_at ?? new Date(0).toISOString(), payload: item.payload ?? {} },
          file,
          "checkpoint entry",
        ),
      );
    }
    entries.sort((a, b) => Date.parse(a.created_at) - Date.parse(b.created_at));
    return checkpointsFromHistory(entries.map((entry, index) => ({ ...entry, sequence: index + 1 })));
  }
  const parsed = parseOrCorrupt(CheckpointsSchema, record, file, "checkpoint history");
  return checkpointsFromHistory(parsed._history);
}

interface HistoryRead {
  events: HistoryEvent[];
  validBytes: number;
  torn: boolean;
}

/** Reads history.jsonl; only a torn last line (a write cut by a crash) is tolerated. */
function readHistory(file: string): HistoryRead {
  const text = readTextIfExists(file);
  if (text === null || text.length === 0) return { events: [], validBytes: 0, torn: false };
  const lastNewline = text.lastIndexOf("\n");
  const complete = lastNewline === -1 ? "" : text.slice(0, lastNewline + 1);
  const tail = text.slice(lastNewline + 1);
  const events: HistoryEvent[] = [];
  const lines = complete.split("\n");
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!;
    if (line.trim() === "") continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new CorruptStateError(file, `line ${index + 1} is not JSON`, "the history is append-only; restore the file or start a new run with another slug");
    }
    events.push(parseOrCorrupt(HistoryEventSchema, value, `${file}:${index + 1}`, "runtime history event"));
  }
  return { events, validBytes: Buffer.byteLength(complete), torn: tail.length > 0 };
}

function replay(events: HistoryEvent[], file: string): { manifest: unknown; state: unknown; checkpoints: Checkpoints } | null {
  let manifest: unknown = null;
  let state: unknown = null;
  let entries: CheckpointEntry[] = [];
  for (const event of events) {
    switch (event.event_type) {
      case "RUN_STARTED":
        manifest = event.manifest ?? null;
        state = event.state ?? null;
        entries = [...normalizeCheckpoints(event.checkpoints ?? {}, file)._history];
        break;
      case "STATE_SAVED":
      case "RUN_PAUSED":
      case "RUN_COMPLETED":
        state = event.state ?? state;
        break;
      case "CHECKPOINT_RECORDED":
        // The event's own time and sequence are kept (FIX 16).
        entries.push(
          parseOrCorrupt(
            CheckpointEntrySchema,
            {
              sequence: event.checkpoint_sequence ?? (entries.at(-1)?.sequence ?? 0) + 1,
              phase: event.phase,
              cycle: event.cycle ?? 1,
              created_at: event.created_at,
              payload: event.payload ?? {},
            },
            file,
            "checkpoint entry",
          ),
        );
        break;
    }
  }
  if (manifest === null || state === null) return null;
  return { manifest, state, checkpoints: checkpointsFromHistory(entries) };
}

export class RunStore {
  constructor(
    readonly paths: RuntimePaths,
    private readonly deps: StoreDeps,
  ) {}

  runPaths(runId: string): RunPaths {
    return runPaths(this.paths, runId);
  }

  /** Runs `work` under the project's runtime lock. */
  locked<T>(work: () => T): T {
    return withLock(this.paths.lock, this.deps, work);
  }

  /** Loads a run by replaying its history (snapshots only when there is none); null when absent. */
  load(runId: string): Run | null {
    const files = this.runPaths(runId);
    if (!existsSync(files.run_dir)) return null;
    const history = readHistory(files.history);
    let manifest: unknown;
    let state: unknown;
    let checkpoints: Checkpoints;
    const replayed = history.events.length > 0 ? replay(history.events, files.history) : null;
    if (replayed) {
      ({ manifest, state, checkpoints } = replayed);
    } else {
      manifest = readJsonLoose(files.manifest);
      state = readJsonLoose(files.state);
      if (manifest === null || state === null) return null;
      checkpoints = normalizeCheckpoints(readJsonLoose(files.checkpoints), files.checkpoints);
    }
    return {
      runId,
      manifest: parseOrCorrupt(ManifestSchema, manifest, files.manifest, "ln-810 manifest"),
      state: parseOrCorrupt(StateSchema, state, files.state, "ln-810 state"),
      checkpoints,
      history: history.events,
      historyValidBytes: history.validBytes,
      historyTorn: history.torn,
    };
  }

  /**
   * Appends events (one durable write), then refreshes the snapshots and the active pointer.
   * Call under the lock. When the run had no history yet, a RUN_STARTED event carrying the loaded
   * snapshots comes first, so that history alone always rebuilds the run.
   */
  commit(run: Run, next: { state: State; checkpoints: Checkpoints; manifest?: Manifest }, events: Array<{ type: HistoryEventType; fields?: Record<string, unknown> }>): Run {
    const files = this.runPaths(run.runId);
    // Events carry the command's own time (the new state's updated_at, also the time of any checkpoint
    // entry it appends), so a replay rebuilds exactly what the command returned (FIX 16).
    const now = next.state.updated_at;
    const manifest = next.manifest ?? run.manifest;
    // Nothing reaches the disk that a later load would refuse (FIX 3: the state is validated).
    for (const [schema, value, label] of [
      [StateSchema, next.state, "ln-810 state"],
      [ManifestSchema, manifest, "ln-810 manifest"],
      [CheckpointsSchema, next.checkpoints, "checkpoint history"],
    ] as const) {
      const result = v.safeParse(schema, value);
      if (!result.success) throw new Error(`refusing to write an invalid record: ${describeDetails(label, toDetails(result.issues))}`);
    }
    const all = [...events];
    if (run.history.length === 0 && !events.some((event) => event.type === "RUN_STARTED")) {
      all.unshift({ type: "RUN_STARTED", fields: { manifest: run.manifest, state: run.state, checkpoints: run.checkpoints } });
    }
    const written: HistoryEvent[] = all.map((event, index) => ({
      sequence: run.history.length + index + 1,
      event_type: event.type,
      created_at: now,
      run_id: run.runId,
      ...event.fields,
    }));
    // All or nothing: an append that fails is cut back, so the run is as it was before (a torn last
    // line left by a crash is cut off first).
    try {
      appendDurable(files.history, written.map((event) => `${JSON.stringify(event)}\n`).join(""), run.historyTorn ? run.historyValidBytes : undefined);
    } catch (error) {
      if (run.history.length === 0) removeEmptyRun(files);
      throw error;
    }
    // The history holds the change now; the snapshots and the pointer are caches of it, each
    // replaced whole or left as it was.
    try {
      writeJsonAtomic(files.manifest, manifest, this.deps.pid);
      writeJsonAtomic(files.state, next.state, this.deps.pid);
      writeJsonAtomic(files.checkpoints, next.checkpoints, this.deps.pid);
      this.syncPointer(next.state);
    } catch (error) {
      if (error instanceof WriteError) throw error.withNext(RECORDED_NEXT);
      throw error;
    }
    return {
      ...run,
      manifest,
      state: next.state,
      checkpoints: next.checkpoints,
      history: [...run.history, ...written],
      historyValidBytes: run.historyValidBytes,
      historyTorn: false,
    };
  }

  /** The pointer is rewritten on every save while the run is open, and removed when it completes. */
  private syncPointer(state: State): void {
    const file = pointerPath(this.paths, state.identifier);
    if (!state.complete) {
      const pointer: Pointer = { skill: SKILL, identifier: state.identifier, run_id: state.run_id, updated_at: state.updated_at };
      writeJsonAtomic(file, pointer, this.deps.pid);
    } else {
      const read = this.tryReadPointer(file);
      // A corrupt pointer of this slug is rebuilt from runs/ (active-runs.ts): with the run over, it goes too.
      if (read.kind === "corrupt" || (read.kind === "ok" && read.pointer.run_id === state.run_id)) removeStateFile(file);
    }
  }

  /** The pointer file as it is: absent, valid, or corrupt (torn, not JSON, or not a pointer). */
  tryReadPointer(file: string): PointerRead {
    const text = readTextIfExists(file);
    if (text === null) return { kind: "missing" };
    try {
      JSON.parse(text);
    } catch {
      return { kind: "corrupt", error: new CorruptStateError(file, "not JSON", "it is rebuilt from runs/ by the next write") };
    }
    try {
      const pointer = this.readPointerFile(file);
      return pointer ? { kind: "ok", pointer } : { kind: "missing" };
    } catch (error) {
      if (error instanceof CorruptStateError) return { kind: "corrupt", error };
      throw error;
    }
  }

  private readPointerFile(file: string): Pointer | null {
    const raw = readJsonLoose(file);
    if (raw === null) return null;
    const parsed = v.safeParse(PointerSchema, raw);
    if (!parsed.success) {
      throw new CorruptStateError(file, describeDetails("active runtime pointer", toDetails(parsed.issues)), "delete the pointer file; the run itself is kept under runs/");
    }
    return parsed.output;
  }

  /** Every run directory's id (finished runs included), in name order. */
  runIds(): string[] {
    if (!existsSync(this.paths.runsDir)) return [];
    return readdirSync(this.paths.runsDir).sort();
  }

  /**
   * The most recently updated run (of `slug`, when given), finished or not. A run whose files do
   * not load is skipped with `skipDamaged` (so that it cannot hide the others), else its
   * CorruptStateError is thrown.
   */
  newest(slug: string | undefined, skipDamaged: boolean): Run | null {
    let best: Run | null = null;
    for (const runId of this.runIds()) {
      let run: Run | null;
      try {
        run = this.load(runId);
      } catch (error) {
        if (skipDamaged) continue;
        throw error;
      }
      if (!run || (slug && run.state.identifier !== slug)) continue;
      if (!best || run.state.updated_at > best.state.updated_at) best = run;
    }
    return best;
  }

  /** Pointer files present (their count decides ambiguity). */
  pointerFiles(): string[] {
    if (!existsSync(this.paths.activeDir)) return [];
    return readdirSync(this.paths.activeDir)
      .filter((name) => name.endsWith(".json"))
      .sort()
      .map((name) => join(this.paths.activeDir, name));
  }
}
