/**
 * What the executor's stages (strike.ts, on-top.ts) ask of a target, as one object, so that they
 * never depend on how a target is run: is a set of hypotheses safe (`gate`), how does one set
 * measure against another (`measure`), and what is a set's one figure against the base
 * (`figureOf`, docs/measurement.md "One figure per change"). rounds.ts's Rounds is the command
 * target's implementation (side trees, the person's tests, interleaved runs of the command); a
 * function or an endpoint target is another, and tests give the stages a scripted one. As
 * hyperfine's `Executor` trait has its raw, shell and mock executors.
 */
import type { AbCompared } from "../profile/ab-sampler.ts";
import type { E2eStatus } from "./experiment-log.ts";

export type GateResult = { ok: true; e2e: E2eStatus } | { ok: false; reason: string; e2e: E2eStatus };
export type MeasureResult = { ok: true; result: AbCompared } | { ok: false; reason: string };

/** Where a set is measured: the base tree, or one of the two candidate trees. */
export type ASide = "base" | "candidate";
export type BSide = "candidate" | "alternative";

export interface Measurer {
  /** The set's tree written, its tests (and e2e check) passing within their limits; a tree is tested once. */
  gate(ids: readonly string[]): Promise<GateResult>;
  /**
   * The target with `aIds` on `aSide` against the target with `bIds` on `bSide`, interleaved and
   * judged at `alpha` (default: the usual level). A failure on the B side is a verdict about
   * `bIds`; on the A side it is an error (thrown).
   */
  measure(aIds: readonly string[], bIds: readonly string[], aSide: ASide, bSide: BSide, alpha?: number): Promise<MeasureResult>;
  /** The set's figure against the base: every comparison of the two trees, pooled; null when never compared. */
  figureOf(ids: readonly string[]): AbCompared | null;
}
