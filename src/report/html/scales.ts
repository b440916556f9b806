/**
 * Scales and ticks of report.html's charts (charts.ts): linear for values, logarithmic for ratios
 * (a ratio of 0.5 and one of 2 are the same distance from 1). Ticks are "nice" numbers, steps of
 * 1, 2 or 5 times a power of ten (as d3-scale's ticks are chosen). Pure.
 */

export type Scale = (value: number) => number;

/** Maps [lo, hi] onto [from, to] linearly; a domain of one point maps to the middle. */
export function linearScale(lo: number, hi: number, from: number, to: number): Scale {
  if (!(hi > lo)) return () => (from + to) / 2;
  return (value) => from + ((value - lo) / (hi - lo)) * (to - from);
}

/** Maps [lo, hi] (both > 0) onto [from, to] on a log scale. */
export function logScale(lo: number, hi: number, from: number, to: number): Scale {
  const inner = linearScale(Math.log(lo), Math.log(hi), from, to);
  return (value) => inner(Math.log(Math.max(value, Number.MIN_VALUE)));
}

/** The step between about `count` ticks over [lo, hi]: 1, 2 or 5 times a power of ten. */
export function tickStep(lo: number, hi: number, count: number): number {
  const span = hi - lo;
  if (!(span > 0) || count < 1) return 0;
  const rough = span / count;
  const power = 10 ** Math.floor(Math.log10(rough));
  const fraction = rough / power;
  // d3-array's tickStep thresholds: the nice step nearest to the rough one on a log scale.
  const nice = fraction >= Math.sqrt(50) ? 10 : fraction >= Math.sqrt(10) ? 5 : fraction >= Math.SQRT2 ? 2 : 1;
  return nice * power;
}

/** About `count` nice ticks inside [lo, hi], ascending. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  const step = tickStep(lo, hi, count);
  if (step === 0) return Number.isFinite(lo) ? [lo] : [];
  const ticks: number[] = [];
  const first = Math.ceil(lo / step - 1e-9);
  const last = Math.floor(hi / step + 1e-9);
  // Rounded to the step's decimals, so that 0.1 + 0.2 prints as 0.3.
  const decimals = Math.max(0, -Math.floor(Math.log10(step)) + 1);
  for (let i = first; i <= last; i++) ticks.push(Number((i * step).toFixed(decimals)));
  return ticks;
}

/** A linear domain from 0 up to a nice number at or above `max` (a bar chart's axis). */
export function niceMax(max: number, count = 4): number {
  if (!(max > 0)) return 1;
  const step = tickStep(0, max, count);
  return Math.ceil(max / step - 1e-9) * step;
}

/**
 * Ticks of a ratio axis on a log scale over [lo, hi]: 1, 2 and 5 times powers of ten when the
 * domain spans a factor of more than 3, else linear nice ticks (0.9, 0.95, 1, ...); 1 always when
 * it is inside.
 */
export function ratioTicks(lo: number, hi: number): number[] {
  if (!(lo > 0) || !(hi > lo)) return lo > 0 ? [lo] : [];
  let ticks: number[];
  if (hi / lo > 3) {
    ticks = [];
    for (let power = Math.floor(Math.log10(lo)); power <= Math.ceil(Math.log10(hi)); power++) {
      for (const m of [1, 2, 5]) {
        const tick = Number((m * 10 ** power).toPrecision(6));
        if (tick >= lo && tick <= hi) ticks.push(tick);
      }
    }
  } else {
    ticks = niceTicks(lo, hi, 4);
  }
  if (lo <= 1 && hi >= 1 && !ticks.includes(1)) ticks.push(1);
  return [...new Set(ticks)].sort((a, b) => a - b);
}

/** A ratio domain holding every value and 1, widened by `pad` (a fraction) on each side of the log scale. */
export function ratioDomain(values: readonly number[], pad = 0.06): [number, number] {
  const positive = values.filter((value) => value > 0 && Number.isFinite(value));
  const lo = Math.min(1, ...positive);
  const hi = Math.max(1, ...positive);
  const span = Math.log(hi) - Math.log(lo) || Math.log(1.1);
  return [Math.exp(Math.log(lo) - span * pad), Math.exp(Math.log(hi) + span * pad)];
}
