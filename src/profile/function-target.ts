/**
 * Function targets (`fn:<file>#<export>`): the export is benchmarked in this process with
 * mitata's `measure` (its documented low-level API; `run()` would first spend ~2.6 s timing four
 * no-op calibration benchmarks and keeps a module-global list of benchmarks).
 *
 * How a call is timed (mitata 1.0, src/lib.mjs):
 * - The arguments are handed in as mitata "computed parameters": each argument is read through
 *   its own function outside the timed region and passed to a wrapper of the exact arity, so
 *   the JIT cannot hoist the call out of the loop and no spread is paid per call (a spread
 *   costs 10-18 ns per call in Bun, more than a small function itself).
 * - A call that returns a Promise is awaited by mitata, so an async function is timed until it
 *   settles. A non-native thenable is turned into a Promise first.
 * - A call faster than 65.5 µs (mitata's k_batch_threshold) is timed in batches of 4,096 calls;
 *   each sample is then the mean time of one batch. mitata sorts the samples and drops the two
 *   lowest and two highest when it has more than 12.
 * - Sampling ends once at least 12 samples and `minTimeMs` of timed calls are collected, or
 *   at `maxSamples`.
 *
 * The statistics of `time_per_call_ns` use all of mitata's samples (src/measure: Hyndman-Fan
 * type 7 median, MAD, a percentile bootstrap interval of the median, Iglewicz-Hoaglin outliers).
 */
import { UsageError } from "../errors.ts";
import { summarizeMetric } from "./command-target.ts";
import { defaultHeapReader, type HeapReader } from "../platform/heap.ts";
import { type AnyFunction, errorText, loadFunction } from "./function-module.ts";
import type { MetricSummary } from "./types.ts";

/** mitata's k_min_cpu_time (642 ms): the least total timed duration before sampling may stop. */
export const DEFAULT_MIN_TIME_MS = 642;
/**
 * The most samples kept. Beyond a few thousand the interval of the median is already far
 * narrower than run-to-run noise, while the bootstrap costs O(samples) per resample (about
 * 100 ms at 5,000 samples x 2,000 resamples). A 1 ns function still makes 20 million calls.
 */
export const MAX_SAMPLES = 5000;
/** Outliers listed in `time_per_call_ns.outliers` (the most extreme, in sample order); the total is `outliers_total`. */
export const MAX_LISTED_OUTLIERS = 20;
/** The longest `--args` preview in an error message. */
const ARGS_PREVIEW_CHARS = 80;

export type FunctionStage = "import" | "probe" | "benchmark" | "statistics";

export interface FunctionProgress {
  stage: FunctionStage;
  /** Set once the probe call returned: how long that one (cold) call took. */
  probe_ms?: number;
}

export interface MeasureFunctionOptions {
  /** The module, absolute or relative to `projectRoot`. */
  file: string;
  /** The export to call; "default" for a default export. */
  exportName: string;
  /** Arguments for every call, as parsed from `--args` JSON (the same values each call). */
  args: unknown[];
  projectRoot: string;
  /** Least total timed duration; default DEFAULT_MIN_TIME_MS. Tests use a few tens of ms. */
  minTimeMs?: number;
  /** Most samples; default MAX_SAMPLES. */
  maxSamples?: number;
  /** Bytes in use on the heap, read around each sample; default src/platform/heap.ts reader for this runtime. */
  heapBytes?: HeapReader;
  onProgress?: (progress: FunctionProgress) => void;
}

/** mitata's statistics of one benchmark (sample quantiles are its own: sorted[floor(p (n - 1))]). */
export interface FunctionTimeStats {
  avg: number;
  min: number;
  max: number;
  p25: number;
  p50: number;
  p75: number;
  p99: number;
  p999: number;
}

/** What a function target measured. Keys are snake_case: this record is written to disk. */
export interface FunctionProfile {
  kind: "function";
  /** Absolute path of the module. */
  file: string;
  export_name: string;
  args: unknown[];
  /** The function returned a promise (or thenable), and each call was timed until it settled. */
  async: boolean;
  /** Time per call in nanoseconds. */
  stats_ns: FunctionTimeStats;
  /** The same in milliseconds. */
  stats_ms: FunctionTimeStats;
  /** Samples kept by mitata. */
  samples: number;
  /** Calls behind each sample: 1, or 4,096 when the calls were timed in batches. */
  calls_per_sample: number;
  /** Timed calls behind the kept samples. */
  calls: number;
  /** Mean heap growth per call in bytes over the samples where the heap grew or stayed; null when not measured. */
  heap_bytes_per_call: number | null;
  /**
   * Median, MAD (raw), bootstrap interval of the median and outliers of the samples. The samples
   * are sorted (mitata sorts them), so an outlier's index is its rank, not a run order.
   */
  time_per_call_ns: MetricSummary;
  /** Outliers found; `time_per_call_ns.outliers` lists at most MAX_LISTED_OUTLIERS of them. */
  outliers_total: number;
  /** Wall time of the first, cold call (the probe that checks the arguments). */
  probe_ms: number;
}

interface MitataStats {
  samples: number[];
  ticks: number;
  min: number;
  max: number;
  avg: number;
  p25: number;
  p50: number;
  p75: number;
  p99: number;
  p999: number;
  heap?: { avg: number };
}

type Sink = (result: unknown) => unknown;

/** One line of the arguments for an error message. */
function previewArgs(args: readonly unknown[]): string {
  let text: string;
  try {
    text = JSON.stringify(args).slice(1, -1);
  } catch {
    text = `${args.length} argument(s)`;
  }
  return text.length > ARGS_PREVIEW_CHARS ? `${text.slice(0, ARGS_PREVIEW_CHARS - 3)}...` : text;
}

function callFailed(name: string, args: readonly unknown[], error: unknown, when: string): UsageError {
  return new UsageError(
    `${name}(${previewArgs(args)}) threw ${when}: ${errorText(error)}`,
    "check the arguments given with --args (a JSON array, one element per parameter)",
    { export: name, args: [...args] },
  );
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === "object" || typeof value === "function") &&
    typeof (value as { then?: unknown }).then === "function"
  );
}

/**
 * mitata's computed-parameter form: `[i]` returns argument i outside the timed region and
 * `bench` receives them at its own arity (mitata reads `bench.length` of them).
 */
function benchmarkShape(fn: AnyFunction, args: readonly unknown[], sink: Sink): Record<string | number, unknown> {
  const shape: Record<string | number, unknown> = {};
  args.forEach((value, index) => {
    shape[index] = () => value;
  });
  switch (args.length) {
    case 0:
      shape.bench = () => sink(fn());
      break;
    case 1:
      shape.bench = (x0: unknown) => sink(fn(x0));
      break;
    case 2:
      shape.bench = (x0: unknown, x1: unknown) => sink(fn(x0, x1));
      break;
    case 3:
      shape.bench = (x0: unknown, x1: unknown, x2: unknown) => sink(fn(x0, x1, x2));
      break;
    case 4:
      shape.bench = (x0: unknown, x1: unknown, x2: unknown, x3: unknown) => sink(fn(x0, x1, x2, x3));
      break;
    default:
      shape.bench = Object.defineProperty((...xs: unknown[]) => sink(fn(...xs)), "length", { value: args.length });
  }
  return shape;
}

function timeStats(stats: MitataStats, scale: number): FunctionTimeStats {
  return {
    avg: stats.avg / scale,
    min: stats.min / scale,
    max: stats.max / scale,
    p25: stats.p25 / scale,
    p50: stats.p50 / scale,
    p75: stats.p75 / scale,
    p99: stats.p99 / scale,
    p999: stats.p999 / scale,
  };
}

function timeSummary(samples: readonly number[]): { summary: MetricSummary; outliersTotal: number } {
  // mitata sorts its samples: there is no run order, so no "first run" reading.
  const summary = summarizeMetric("time_per_call_ns", samples, { firstIsFirstRun: false });
  const listed = [...summary.outliers]
    .sort((x, y) => Math.abs(y.score) - Math.abs(x.score))
    .slice(0, MAX_LISTED_OUTLIERS)
    .sort((x, y) => x.index - y.index);
  return { summary: { ...summary, outliers: listed }, outliersTotal: summary.outliers.length };
}

function positive(value: number | undefined, fallback: number, what: string, integer: boolean): number {
  const chosen = value ?? fallback;
  if (!(Number.isFinite(chosen) && chosen > 0) || (integer && !Number.isInteger(chosen))) {
    throw new UsageError(`${what} must be a positive ${integer ? "integer" : "number"}, got ${chosen}`, `leave it unset for the default (${fallback})`);
  }
  return chosen;
}

/** Benchmarks `exportName` of `file` with `args` in this process. Bad input is a UsageError. */
export async function measureFunction(options: MeasureFunctionOptions): Promise<FunctionProfile> {
  const minTimeMs = positive(options.minTimeMs, DEFAULT_MIN_TIME_MS, "the function's minimum benchmark time (ms)", false);
  const maxSamples = positive(options.maxSamples, MAX_SAMPLES, "the function's maximum sample count", true);
  const args = options.args;
  if (!Array.isArray(args)) throw new UsageError("--args must be a JSON array", 'e.g. --args \'[1, "text"]\'');
  const progress = options.onProgress ?? (() => {});

  progress({ stage: "import" });
  const target = await loadFunction(options.file, options.exportName, options.projectRoot);
  const name = target.exportName;
  const fn = target.fn;

  // One call first: wrong arguments fail here with one clear line, and it tells sync from async.
  progress({ stage: "probe" });
  const probeStart = performance.now();
  let returned: unknown;
  try {
    returned = fn(...args);
    if (isThenable(returned)) await returned;
  } catch (error) {
    throw callFailed(name, args, error, "on the first call");
  }
  const probeMs = performance.now() - probeStart;
  progress({ stage: "probe", probe_ms: probeMs });

  const mitata = await import("mitata");
  const heap = options.heapBytes ?? (await defaultHeapReader());
  const isAsync = isThenable(returned);
  const sink: Sink = !isAsync
    ? mitata.do_not_optimize
    : returned instanceof Promise
      ? (result) => result
      : (result) => Promise.resolve(result);
  const shape = benchmarkShape(fn, args, sink);

  progress({ stage: "benchmark" });
  let stats: MitataStats;
  try {
    // The yielded object is mitata's computed-parameter form, which its typings do not describe.
    stats = (await mitata.measure(
      function* () {
        yield shape as unknown as () => unknown;
      },
      {
        min_cpu_time: minTimeMs * 1e6,
        max_samples: maxSamples,
        heap,
      },
    )) as MitataStats;
  } catch (error) {
    throw callFailed(name, args, error, "while being benchmarked");
  }

  progress({ stage: "statistics" });
  const { summary, outliersTotal } = timeSummary(stats.samples);
  const heapPerCall = stats.heap?.avg;
  return {
    kind: "function",
    file: target.file,
    export_name: name,
    args: [...args],
    async: isAsync,
    stats_ns: timeStats(stats, 1),
    stats_ms: timeStats(stats, 1e6),
    samples: stats.samples.length,
    calls_per_sample: Math.round(stats.ticks / stats.samples.length),
    calls: stats.ticks,
    heap_bytes_per_call: heapPerCall !== undefined && Number.isFinite(heapPerCall) ? heapPerCall : null,
    time_per_call_ns: summary,
    outliers_total: outliersTotal,
    probe_ms: probeMs,
  };
}
