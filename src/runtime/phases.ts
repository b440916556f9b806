/**
 * The ln-810 phase machine (runtime contract §5.1). The order of successors matters: the resume
 * action suggests the first one.
 */
export const PHASES = [
  "PHASE_0_PREFLIGHT",
  "PHASE_1_PARSE_INPUT",
  "PHASE_2_PROFILE",
  "PHASE_3_WRONG_TOOL_GATE",
  "PHASE_4_RESEARCH",
  "PHASE_5_SET_TARGET",
  "PHASE_6_WRITE_CONTEXT",
  "PHASE_7_VALIDATE_PLAN",
  "PHASE_8_EXECUTE",
  "PHASE_9_CYCLE_BOUNDARY",
  "PHASE_10_AGGREGATE",
  "PHASE_11_REPORT",
] as const;
export type WorkPhase = (typeof PHASES)[number];

export const TERMINAL_PHASES = ["PAUSED", "DONE"] as const;
export type Phase = WorkPhase | (typeof TERMINAL_PHASES)[number];

export const ALL_PHASES: readonly Phase[] = [...PHASES, ...TERMINAL_PHASES];

export const EDGES: Readonly<Record<Phase, readonly Phase[]>> = {
  PHASE_0_PREFLIGHT: ["PHASE_1_PARSE_INPUT"],
  PHASE_1_PARSE_INPUT: ["PHASE_2_PROFILE"],
  PHASE_2_PROFILE: ["PHASE_3_WRONG_TOOL_GATE"],
  PHASE_3_WRONG_TOOL_GATE: ["PHASE_4_RESEARCH", "PHASE_10_AGGREGATE"],
  PHASE_4_RESEARCH: ["PHASE_5_SET_TARGET", "PHASE_10_AGGREGATE"],
  PHASE_5_SET_TARGET: ["PHASE_6_WRITE_CONTEXT"],
  PHASE_6_WRITE_CONTEXT: ["PHASE_7_VALIDATE_PLAN"],
  // Extension: a NO_GO plan the person declined (`resume --decide cancel`) ends the run here.
  PHASE_7_VALIDATE_PLAN: ["PHASE_8_EXECUTE", "PHASE_10_AGGREGATE"],
  PHASE_8_EXECUTE: ["PHASE_9_CYCLE_BOUNDARY"],
  PHASE_9_CYCLE_BOUNDARY: ["PHASE_2_PROFILE", "PHASE_10_AGGREGATE"],
  PHASE_10_AGGREGATE: ["PHASE_11_REPORT"],
  PHASE_11_REPORT: ["DONE"],
  PAUSED: [],
  DONE: [],
};

/** Phases that are checkpointed once per run rather than once per cycle. */
export const RUN_SCOPED_PHASES: readonly Phase[] = [
  "PHASE_0_PREFLIGHT",
  "PHASE_1_PARSE_INPUT",
  "PHASE_10_AGGREGATE",
  "PHASE_11_REPORT",
];

export function isPhase(value: string): value is Phase {
  return (ALL_PHASES as readonly string[]).includes(value);
}

export function isWorkPhase(value: string): value is WorkPhase {
  return (PHASES as readonly string[]).includes(value);
}

/** A short, human name for a phase: "PHASE_3_WRONG_TOOL_GATE" -> "3 wrong tool gate". */
export function phaseLabel(phase: string): string {
  const match = /^PHASE_(\d+)_(.+)$/.exec(phase);
  if (!match) return phase.toLowerCase();
  return `${match[1]} ${match[2]!.toLowerCase().replaceAll("_", " ")}`;
}

export const GATE_VERDICTS = ["PROCEED", "CONCERNS", "WAIVED", "BLOCK"] as const;
export const GATE_ALLOWS_RESEARCH = ["PROCEED", "CONCERNS", "WAIVED"] as const;
export const VALIDATION_VERDICTS = ["GO", "GO_WITH_CONCERNS", "WAIVED", "NO_GO"] as const;
export const VALIDATION_ALLOWS_EXECUTION = ["GO", "GO_WITH_CONCERNS", "WAIVED"] as const;
export const HISTORY_EVENTS = [
  "RUN_STARTED",
  "STATE_SAVED",
  "RUN_PAUSED",
  "RUN_COMPLETED",
  "CHECKPOINT_RECORDED",
] as const;
export type HistoryEventType = (typeof HISTORY_EVENTS)[number];

/** Stop reasons perfloop itself writes (an extension: the original accepts any string). */
export const STOP_REASONS = ["TARGET_MET", "PLATEAU", "MAX_CYCLES", "NO_HYPOTHESES", "WRONG_TOOL_BLOCK", "PLAN_DECLINED", "PLAN_ONLY", "PHASE_FAILED"] as const;
export type StopReason = (typeof STOP_REASONS)[number];
export const WRONG_TOOL_INDICATORS = [
  "external_service_no_alternative",
  "within_industry_norm",
  "infrastructure_bound",
  "already_optimized",
] as const;

export const SKILL = "ln-810";
