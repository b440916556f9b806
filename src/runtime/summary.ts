/**
 * Worker summary envelopes (runtime contract §4.8): how a worker (profile, research, validate,
 * execute) hands its result to the coordinator. Written atomically, validated on write and read.
 */
import { CorruptStateError } from "../errors.ts";
import { readJsonLoose, writeJsonAtomic } from "./atomic-fs.ts";
import { check } from "./issues.ts";
import { summaryPath } from "./paths.ts";
import { SummaryEnvelopeSchema, type SummaryEnvelope } from "./schemas.ts";

export const SUMMARY_SCHEMA_VERSION = "1.0.0";

/** Which original worker produced each kind of summary. */
export const PRODUCERS = {
  "optimization-profile": "ln-811",
  "optimization-research": "ln-812",
  "optimization-validation": "ln-813",
  "optimization-execution": "ln-814",
} as const;
export type SummaryKind = keyof typeof PRODUCERS;

/** 32-bit FNV-1a as 8 hex digits: a short, stable tag, not a security hash (and no node:crypto at startup). */
function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, "0");
}

/** `standalone-{skill}-{YYYYMMDD}-{short hash}` for a worker run outside a coordinator run. */
export function standaloneRunId(skill: string, nowMs: number, seed: string): string {
  const day = new Date(nowMs).toISOString().slice(0, 10).replaceAll("-", "");
  const hash = fnv1a(`${seed}:${nowMs}`);
  return `standalone-${skill}-${day}-${hash}`;
}

export interface WriteSummary {
  projectRoot: string;
  runId: string;
  slug: string;
  kind: SummaryKind;
  payload: Record<string, unknown>;
  nowMs: number;
  pid: number;
}

/** Writes the envelope under `.hex-skills/runtime-artifacts/runs/<run_id>/<kind>/<slug>.json`. */
export function writeSummary(input: WriteSummary): { path: string; envelope: SummaryEnvelope } {
  const envelope = {
    schema_version: SUMMARY_SCHEMA_VERSION,
    summary_kind: input.kind,
    run_id: input.runId,
    identifier: input.slug,
    producer_skill: PRODUCERS[input.kind],
    produced_at: new Date(input.nowMs).toISOString(),
    payload: input.payload,
  };
  const checked = check("summary envelope", SummaryEnvelopeSchema, envelope);
  if (!checked.ok) throw new Error(checked.error);
  const path = summaryPath(input.projectRoot, input.runId, input.kind, input.slug);
  writeJsonAtomic(path, checked.value, input.pid);
  return { path, envelope: checked.value };
}

/** Reads an envelope back; null when absent, a clear error when it does not parse. */
export function readSummary(projectRoot: string, runId: string, kind: SummaryKind, slug: string): SummaryEnvelope | null {
  const path = summaryPath(projectRoot, runId, kind, slug);
  const raw = readJsonLoose(path);
  if (raw === null) return null;
  const checked = check("summary envelope", SummaryEnvelopeSchema, raw);
  if (!checked.ok) throw new CorruptStateError(path, checked.error, "run the worker again to rewrite it");
  if (checked.value.summary_kind !== kind) throw new CorruptStateError(path, `summary_kind is ${checked.value.summary_kind}, expected ${kind}`);
  return checked.value;
}
