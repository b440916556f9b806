/**
 * The person's --observed and --target metric strings, parsed into one typed form (MetricSpec).
 * Pure: text in, a spec (or a UsageError) out.
 *
 * Grammar:   [name "="] value      (spaces around "=" and between number and unit are allowed)
 *   name     wall, wall_time, time, duration -> wall_time_ms; cpu, cpu_time -> cpu_time_ms;
 *            mem, memory, rss, peak_memory -> memory_peak_mb; p50, median, latency -> latency_p50_ms;
 *            p95 -> latency_p95_ms; p99 -> latency_p99_ms; throughput, rps, qps -> throughput_rps
 *            (case-insensitive). Without a name the unit decides: a time is defaultTimeMetric
 *            (wall_time_ms unless told), memory is memory_peak_mb, a rate is throughput_rps.
 *   absolute number unit, no sign; the number is decimal (an exponent, 1e3, is accepted), finite, > 0.
 *            time  ns us µs ms s sec m min h            -> ms
 *            memory B KB KiB MB MiB GB GiB             -> MB, where every prefix is binary (1024):
 *                   KB = KiB, MB = MiB = 1024 * 1024 bytes, GB = GiB, because that is how tools
 *                   report resident memory; letters are case-insensitive ("mb" is MB)
 *            rate  req/s rps qps /s r/s                 -> req/s; a rate name may omit it (rps=900)
 *            With a name the unit must fit its metric (mem=5ms is refused).
 *   relative -40% (40% less), +50% (50% more), 40% (40% better in the metric's good direction);
 *            2x, 1.5x, 2X, 2× (that many times better). Always an improvement on the baseline:
 *            +40% on a time and -20% on throughput are refused, a decrease is under 100%, a factor
 *            is over 1. Refused altogether with allowRelative: false (an observed value is absolute).
 * Every refusal is one UsageError naming the flag and the text, with a hint that shows the fix.
 */
import { UsageError } from "../errors.ts";
import { betterOf, type Better, metricLabel, metricUnit, targetFigureOf, type TargetKind, type TargetMetric } from "./metrics.ts";

type MetricName = TargetMetric;

export interface AbsoluteMetric {
  kind: "absolute";
  metric: MetricName;
  /** In the metric's unit: ms for times, MB (MiB, 1024*1024 bytes) for memory, req/s for throughput. */
  value: number;
  unit: "ms" | "MB" | "req/s";
  better: Better;
  /** The text as the person wrote it (trimmed). */
  text: string;
}
export interface RelativeMetric {
  kind: "relative";
  metric: MetricName;
  /** The wanted value as a multiple of the baseline: 0.6 for -40% on a time, 0.5 for 2x on a time, 1.5 for +50% or 1.5x on throughput. */
  factor: number;
  /** The improvement asked for, in percent, positive = better: 40 for -40% on a time, 50 for 2x on a time, 100 for 2x on throughput. */
  improvement_pct: number;
  better: Better;
  text: string;
}
export type MetricSpec = AbsoluteMetric | RelativeMetric;

export interface ParseMetricOptions {
  /** Which flag the text came from, used in error messages: "--target" or "--observed". */
  flag: string;
  /** The metric a bare time (500ms), a bare percentage (-40%) or a bare factor (2x) refers to. Default "wall_time_ms". */
  defaultTimeMetric?: MetricName;
  /** When false, relative forms (%, x) are refused. Default true. */
  allowRelative?: boolean;
}

type Dimension = "time" | "memory" | "throughput";

export const DEFAULT_TIME_METRIC: MetricName = "wall_time_ms";
const NS_PER_MS = 1_000_000;
const US_PER_MS = 1_000;
const MS_PER_S = 1_000;
const MS_PER_MIN = 60 * MS_PER_S;
const MS_PER_H = 60 * MS_PER_MIN;
/** Binary prefix: every memory unit is a power of 1024 (MB = MiB). */
const BINARY = 1024;
const PERCENT = 100;

const ALIASES = new Map<string, MetricName>([
  ...(["wall", "wall_time", "time", "duration"] as const).map((name) => [name, "wall_time_ms"] as const),
  ...(["cpu", "cpu_time"] as const).map((name) => [name, "cpu_time_ms"] as const),
  ...(["mem", "memory", "rss", "peak_memory"] as const).map((name) => [name, "memory_peak_mb"] as const),
  ...(["p50", "median", "latency"] as const).map((name) => [name, "latency_p50_ms"] as const),
  ["p95", "latency_p95_ms"],
  ["p99", "latency_p99_ms"],
  ...(["throughput", "rps", "qps"] as const).map((name) => [name, "throughput_rps"] as const),
]);

/** A unit converts as number * mul / div into its dimension's base unit (dividing keeps 250us exactly 0.25 ms). */
interface Unit {
  dimension: Dimension;
  mul: number;
  div: number;
}
const unit = (dimension: Dimension, mul: number, div = 1): Unit => ({ dimension, mul, div });
const UNITS = new Map<string, Unit>([
  ["ns", unit("time", 1, NS_PER_MS)],
  ["us", unit("time", 1, US_PER_MS)],
  ["µs", unit("time", 1, US_PER_MS)], // U+00B5 micro sign
  ["μs", unit("time", 1, US_PER_MS)], // U+03BC Greek mu
  ["ms", unit("time", 1)],
  ["s", unit("time", MS_PER_S)],
  ["sec", unit("time", MS_PER_S)],
  ["m", unit("time", MS_PER_MIN)],
  ["min", unit("time", MS_PER_MIN)],
  ["h", unit("time", MS_PER_H)],
  ["b", unit("memory", 1, BINARY * BINARY)],
  ...(["kb", "kib"] as const).map((name) => [name, unit("memory", 1, BINARY)] as const),
  ...(["mb", "mib"] as const).map((name) => [name, unit("memory", 1)] as const),
  ...(["gb", "gib"] as const).map((name) => [name, unit("memory", BINARY)] as const),
  ...(["req/s", "rps", "qps", "/s", "r/s"] as const).map((name) => [name, unit("throughput", 1)] as const),
]);
const FACTOR_UNITS = new Set(["x", "×"]);

/** The metric a unit implies when no name is given (a time goes to defaultTimeMetric). */
const METRIC_OF: Record<Dimension, MetricName> = { time: DEFAULT_TIME_METRIC, memory: "memory_peak_mb", throughput: "throughput_rps" };
/** The unit a spec stores; memory as "MB" (= MiB, metrics.ts), as checkpoints of earlier runs hold it. */
const BASE_UNIT: Record<Dimension, AbsoluteMetric["unit"]> = { time: "ms", memory: "MB", throughput: "req/s" };
const EXAMPLE: Record<Dimension, string> = { time: "500ms", memory: "256MB", throughput: "1200req/s" };
const WORSE: Record<Dimension, string> = { time: "slower", memory: "larger", throughput: "lower" };
/** A sign, a decimal number (optional exponent), optional spaces, then the unit (possibly empty). */
const VALUE = /^([+-]?)((?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?)\s*(.*)$/i;
/** Significant digits shown by describeMetric. */
const SHOWN_DIGITS = 6;

/** The dimension of a metric's unit (metrics.ts). */
function dimensionOf(metric: MetricName): Dimension {
  const unit = metricUnit(metric);
  return unit === "req/s" ? "throughput" : unit === "MiB" ? "memory" : "time";
}

function examples(flag: string, allowRelative: boolean): string {
  const forms = allowRelative ? ["500ms", "-40%", "2x", "p95=800ms", "256MB", "1200req/s"] : ["wall=6.3s", "p95=800ms", "256MB", "1200req/s"];
  return `e.g. ${forms.map((form) => `${flag} ${form}`).join(", ")}`;
}

export function parseMetric(raw: string, options: ParseMetricOptions): MetricSpec {
  const text = raw.trim();
  const { flag } = options;
  const allowRelative = options.allowRelative ?? true;
  const invalid = (detail: string, hint = examples(flag, allowRelative)) =>
    new UsageError(`${flag} ${JSON.stringify(text)} is not a metric: ${detail}`, hint, { flag, text });
  if (!text) throw invalid("it is empty");

  let named: MetricName | undefined;
  let prefix = "";
  let body = text;
  const eq = text.indexOf("=");
  if (eq >= 0) {
    const name = text.slice(0, eq).trim();
    body = text.slice(eq + 1).trim();
    if (!name) throw invalid('no metric name before "="');
    named = ALIASES.get(name.toLowerCase());
    if (!named) throw invalid(`unknown metric name ${JSON.stringify(name)} (known: ${[...ALIASES.keys()].join(", ")})`);
    if (!body) throw invalid(`no value after "${name}="`);
    prefix = `${name}=`;
  }

  const match = VALUE.exec(body);
  if (!match) throw invalid("expected a number followed by a unit");
  const [, sign = "", digits = "", unitText = ""] = match;
  const amount = Number(digits);
  if (!Number.isFinite(amount)) throw invalid(`${digits} is not a finite number`);
  const unitKey = unitText.toLowerCase();

  if (unitKey === "%" || FACTOR_UNITS.has(unitKey)) {
    if (!allowRelative) {
      throw new UsageError(`${flag} ${JSON.stringify(text)} is a relative change, but ${flag} takes the value the person sees today`, `give the value you observe, e.g. ${flag} "wall=6.3s"`, { flag, text });
    }
    const metric = named ?? options.defaultTimeMetric ?? DEFAULT_TIME_METRIC;
    const better = betterOf(metric);
    const lower = better === "lower";
    if (unitKey === "%") {
      if (amount <= 0) throw invalid("a percentage must be greater than 0");
      const direction: Better = sign === "" ? better : sign === "-" ? "lower" : "higher";
      if (direction !== better) {
        const fix = `${prefix}${sign === "-" ? "+" : "-"}${digits}%`;
        throw invalid(`a target must be better than the baseline: ${sign}${digits}% ${metricLabel(metric)} would be ${WORSE[dimensionOf(metric)]}; write ${fix}`, `e.g. ${flag} ${fix}`);
      }
      if (lower && amount >= PERCENT) throw invalid(`a decrease must be less than 100% (-100% would be zero)`);
      return { kind: "relative", metric, factor: lower ? 1 - amount / PERCENT : 1 + amount / PERCENT, improvement_pct: amount, better, text };
    }
    if (sign) throw invalid(`a factor takes no sign (write ${prefix}${digits}x)`);
    if (amount <= 1) throw invalid(`${digits}x is not an improvement: a factor must be greater than 1`, `e.g. ${flag} ${prefix}2x (twice as good), or a percentage: ${flag} ${prefix}${lower ? "-" : "+"}40%`);
    const factor = lower ? 1 / amount : amount;
    const improvement = lower ? (1 - 1 / amount) * PERCENT : (amount - 1) * PERCENT;
    return { kind: "relative", metric, factor, improvement_pct: improvement, better, text };
  }

  if (sign) throw invalid(`a value takes no sign (write ${prefix}${digits}${unitText}, or a change such as -40%)`);
  if (!unitKey) {
    if (named === "throughput_rps") return absolute(named, amount, text, invalid);
    throw invalid(allowRelative ? "add a unit: ms, s, MB, req/s, %, or x" : "add a unit: ms, s, MB, or req/s");
  }
  const found = UNITS.get(unitKey);
  if (!found) throw invalid(`unknown unit ${JSON.stringify(unitText)}`);
  const metric = named ?? (found.dimension === "time" ? (options.defaultTimeMetric ?? DEFAULT_TIME_METRIC) : METRIC_OF[found.dimension]);
  const dimension = dimensionOf(metric);
  if (dimension !== found.dimension) {
    throw invalid(`${metricLabel(metric)} is measured in ${BASE_UNIT[dimension]}, and ${JSON.stringify(unitText)} is a unit of ${found.dimension}`, `e.g. ${flag} ${prefix}${EXAMPLE[dimension]}`);
  }
  return absolute(metric, (amount * found.mul) / found.div, text, invalid);
}

function absolute(metric: MetricName, value: number, text: string, invalid: (detail: string) => UsageError): AbsoluteMetric {
  if (!(value > 0) || !Number.isFinite(value)) throw invalid(value > 0 ? "the value is too large" : "the value must be greater than 0");
  return { kind: "absolute", metric, value, unit: BASE_UNIT[dimensionOf(metric)], better: betterOf(metric), text };
}

/** The absolute value a spec asks for, given the baseline value of its metric (absolute: its value; relative: baseline * factor). */
export function targetValue(spec: MetricSpec, baseline: number): number {
  return spec.kind === "absolute" ? spec.value : baseline * spec.factor;
}

/** True when `value` meets the spec (lower-is-better: value <= target; higher: value >= target), given the baseline. */
export function meets(spec: MetricSpec, value: number, baseline: number): boolean {
  const target = targetValue(spec, baseline);
  return spec.better === "lower" ? value <= target : value >= target;
}

const shown = (n: number): string => String(Number(n.toPrecision(SHOWN_DIGITS)));

/** A short human form: "wall time <= 500 ms", "wall time -40% (0.6x of the baseline)", "throughput >= 1200 req/s", "p95 latency 2x better". */
export function describeMetric(spec: MetricSpec, kind: TargetKind = "command"): string {
  // A function's time target is its time per call (metrics.ts targetFigureOf).
  const label = metricLabel(targetFigureOf(spec.metric, kind).key);
  const lower = spec.better === "lower";
  if (spec.kind === "absolute") return `${label} ${lower ? "<=" : ">="} ${shown(spec.value)} ${spec.unit}`;
  if (/[x×]$/i.test(spec.text)) return `${label} ${shown(lower ? 1 / spec.factor : spec.factor)}x better`;
  return `${label} ${lower ? "-" : "+"}${shown(spec.improvement_pct)}% (${shown(spec.factor)}x of the baseline)`;
}
