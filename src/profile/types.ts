/**
 * Shapes shared by the profile worker's parts (targets, CPU profiles, step markers, the
 * performance map). Records that are written to disk use snake_case keys.
 */
import type { Outlier } from "../measure/index.ts";

/** What is being optimized, parsed from the person's target string (target.ts). */
export type TargetSpec =
  | { kind: "command"; command: string }
  | { kind: "function"; file: string; export_name: string; args: unknown[] }
  | { kind: "endpoint"; url: string; method: string; requests: number; concurrency: number; body?: string };

/** One metric across the measured runs: median, spread, interval of the median, outliers. */
export interface MetricSummary {
  /** e.g. "wall_time_ms", "cpu_time_ms", "memory_peak_mb", "latency_p95_ms", "throughput_rps". */
  name: string;
  unit: string;
  /** Which direction is an improvement. */
  better: "lower" | "higher";
  n: number;
  median: number;
  mad: number;
  min: number;
  max: number;
  /** Bootstrap confidence interval of the median. */
  ci: [number, number];
  confidence: number;
  outliers: Outlier[];
}

/** One step of the program, from step markers or a CPU profile (contract §9 `steps`). */
export interface Step {
  id: string;
  function: string;
  /** "file:line" when known. */
  location?: string;
  wall_time_ms: number;
  time_share_pct?: number;
  type: "function_call" | "http_call" | "db_query" | "file_io" | "step_marker" | "external";
  calls?: number;
  parent?: string;
  children?: Step[];
}

/** A function in a CPU profile, by self and total time. */
export interface HotFunction {
  function: string;
  /** "file:line:column" (1-based line), or "(native)" / "(program)" etc. */
  location: string;
  url: string;
  line: number;
  self_ms: number;
  total_ms: number;
  self_pct: number;
  total_pct: number;
}

/** The baseline metrics of the performance map (contract §9), null where not measured. */
export interface Baseline {
  wall_time_ms: number | null;
  cpu_time_ms: number | null;
  memory_peak_mb: number | null;
  io_read_bytes: number | null;
  io_write_bytes: number | null;
  http_round_trips: number | null;
  [extra: string]: number | null;
}

export type BottleneckClass = "CPU" | "I/O-DB" | "I/O-Network" | "I/O-File" | "Architecture" | "External" | "Unknown";
