/**
 * Statistics for deciding whether a change is real (DESIGN, "Deciding that a change is real"):
 * pure functions, deterministic for a seed, each method cited in its module.
 */
export {
  type AbPlan,
  type AbPlanOptions,
  INITIAL_RUNS,
  MAX_AB_RUNS,
  MAX_RUNS,
  CONFIRMING_BATCH_SHARE,
  MIN_EXTRA_RUNS,
  type PlanAction,
  type PlanOptions,
  type ProvisionalChange,
  planAbRuns,
  planSampleRuns,
  type RunPlan,
  type SamplePlan,
  type SamplePlanOptions,
} from "./adaptive.ts";
export {
  BOOTSTRAP_RESAMPLES,
  type BootstrapOptions,
  bootstrapMedianCi,
  bootstrapRatioCi,
  CONFIDENCE_LEVEL,
  type Interval,
} from "./bootstrap.ts";
export { compareRates, type RateComparison } from "./fisher.ts";
export { holmAdjust } from "./holm.ts";
export {
  type ArmRuns,
  collectByArm,
  interleave,
  type InterleaveOptions,
  type InterleaveOrder,
  type PlannedRun,
} from "./interleave.ts";
export {
  EXACT_MAX_SAMPLE_SIZE,
  exactUpperTail,
  type MannWhitneyMethod,
  type MannWhitneyResult,
  mannWhitneyU,
} from "./mann-whitney.ts";
export {
  CALIBRATION_SPREAD_MULTIPLE,
  type Calibration,
  calibrate,
  MIN_EFFECT_FLOOR,
  minimumEffect,
} from "./min-effect.ts";
export { erfc, normalSf } from "./normal.ts";
export {
  findOutliers,
  MEAN_AD_CONSISTENCY,
  MODIFIED_Z_THRESHOLD,
  modifiedZScores,
  type Outlier,
  type OutlierOptions,
  type OutlierSide,
} from "./outliers.ts";
export { createRng, DEFAULT_SEED, type Rng } from "./rng.ts";
export {
  MAD_NORMAL_CONSISTENCY,
  mad,
  mean,
  median,
  quantile,
  quantileSorted,
  requireSamples,
  scaledMad,
  type Summary,
  sortedCopy,
  stddev,
  summarize,
} from "./summary.ts";
export {
  type Better,
  type CompareOptions,
  compareSamples,
  compareSeveral,
  describeOutcome,
  type Outcome,
  SIGNIFICANCE_LEVEL,
  type Verdict,
} from "./verdict.ts";
export { DEFAULT_WARMUP_RUNS, splitWarmup, type WarmupSplit } from "./warmup.ts";
export { wilcoxonSignedRank, WILCOXON_EXACT_MAX_N, type WilcoxonResult } from "./wilcoxon.ts";
