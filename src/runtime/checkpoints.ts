import { RUN_SCOPED_PHASES, type Phase } from "./phases.ts";
import type { CheckpointEntry, Checkpoints } from "./schemas.ts";

export function emptyCheckpoints(): Checkpoints {
  return { _history: [], _next_sequence: 1 };
}

/**
 * The latest checkpoint of `phase` that counts in `cycle`: for phases run once per run, the latest
 * of any cycle; for the others, the latest of that cycle only, so a verdict from cycle 1 never
 * satisfies a guard in cycle 2 (FIX 8).
 */
export function latestCheckpoint(checkpoints: Checkpoints, phase: Phase, cycle: number): CheckpointEntry | null {
  const anyCycle = RUN_SCOPED_PHASES.includes(phase);
  for (let i = checkpoints._history.length - 1; i >= 0; i--) {
    const entry = checkpoints._history[i]!;
    if (entry.phase === phase && (anyCycle || (entry.cycle ?? 1) === cycle)) return entry;
  }
  return null;
}

/** Appends an entry and refreshes the phase-keyed "latest" view, as the original file has it. */
export function appendCheckpoint(checkpoints: Checkpoints, entry: CheckpointEntry): Checkpoints {
  const history = [...checkpoints._history, entry];
  return {
    ...checkpoints,
    [entry.phase]: entry,
    _history: history,
    _next_sequence: Math.max(checkpoints._next_sequence, entry.sequence + 1),
  };
}

/** Rebuilds the file form from a list of entries (used by replay and by legacy conversion). */
export function checkpointsFromHistory(entries: readonly CheckpointEntry[]): Checkpoints {
  let result = emptyCheckpoints();
  for (const entry of entries) result = appendCheckpoint(result, entry);
  return result;
}
