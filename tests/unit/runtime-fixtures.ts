/**
 * Builders shared by the runtime unit tests: a normalized manifest, a state made by initialState()
 * plus overrides, and checkpoints made with appendCheckpoint(). Not a test file itself (no
 * `.test.` in the name), so neither `bun test` nor `deno test` runs it directly.
 */
import { appendCheckpoint, emptyCheckpoints } from "../../src/runtime/checkpoints.ts";
import type { Phase } from "../../src/runtime/phases.ts";
import type { CheckpointEntry, Checkpoints, Manifest, State } from "../../src/runtime/schemas.ts";
import { initialState } from "../../src/runtime/transitions.ts";

/** Short names of the phases, as literals: a renamed phase in src must fail the tests. */
export const PREFLIGHT = "PHASE_0_PREFLIGHT";
export const PARSE = "PHASE_1_PARSE_INPUT";
export const PROFILE = "PHASE_2_PROFILE";
export const GATE = "PHASE_3_WRONG_TOOL_GATE";
export const RESEARCH = "PHASE_4_RESEARCH";
export const TARGET = "PHASE_5_SET_TARGET";
export const CONTEXT = "PHASE_6_WRITE_CONTEXT";
export const VALIDATE = "PHASE_7_VALIDATE_PLAN";
export const EXECUTE = "PHASE_8_EXECUTE";
export const BOUNDARY = "PHASE_9_CYCLE_BOUNDARY";
export const AGGREGATE = "PHASE_10_AGGREGATE";
export const REPORT = "PHASE_11_REPORT";

export const T0 = "2026-04-01T00:00:00.000Z";
export const T1 = "2026-04-01T00:01:00.000Z";
export const T2 = "2026-04-01T00:02:00.000Z";
export const RUN_ID = "ln-810-align-endpoint-1743500000000-3f9c2a1b";

export function manifest(overrides: Partial<Manifest> = {}): Manifest {
  return {
    skill: "ln-810",
    mode: "optimization",
    identifier: "align-endpoint",
    slug: "align-endpoint",
    target: "GET /align",
    observed_metric: { type: "response_time", value: 6300, unit: "ms" },
    target_metric: { value: 500, unit: "ms" },
    execution_mode: "execute",
    cycle_config: { max_cycles: 3, plateau_threshold: 5 },
    project_root: "/tmp/project",
    context_file: null,
    service_topology: null,
    created_at: T0,
    ...overrides,
  };
}

/** initialState() of the default manifest, then `overrides` on top. */
export function state(overrides: Partial<State> = {}): State {
  return { ...initialState(manifest(), RUN_ID, T0), ...overrides };
}

/** One checkpoint to append: the phase, its payload (default {}) and its cycle (default 1). */
export type CheckpointSpec = readonly [phase: Phase, payload?: Record<string, unknown>, cycle?: number];

/** Checkpoints holding `specs` in order, appended one by one with appendCheckpoint(). */
export function checkpoints(...specs: CheckpointSpec[]): Checkpoints {
  let result = emptyCheckpoints();
  for (const [phase, payload = {}, cycle = 1] of specs) {
    const entry: CheckpointEntry = { sequence: result._next_sequence, phase, cycle, created_at: T0, payload };
    result = appendCheckpoint(result, entry);
  }
  return result;
}

/** A deep copy, to prove that a pure function left its input alone. */
export function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
