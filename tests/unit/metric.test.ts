import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { describeMetric, meets, type MetricSpec, type ParseMetricOptions, parseMetric, targetValue } from "../../src/model/metric-spec.ts";
import { betterOf, metricLabel, TARGET_METRICS } from "../../src/model/metrics.ts";
import { UsageError } from "../../src/errors.ts";

const TARGET: ParseMetricOptions = { flag: "--target" };
const OBSERVED: ParseMetricOptions = { flag: "--observed", allowRelative: false };
const ENDPOINT: ParseMetricOptions = { flag: "--target", defaultTimeMetric: "latency_p50_ms" };

/** Same keys, strings equal, numbers equal to 1e-12 relative (0.6 is not exactly 1 - 0.4 on every path). */
function sameSpec(actual: MetricSpec, expected: Record<string, unknown>): void {
  assert.deepEqual(Object.keys(actual).sort(), Object.keys(expected).sort());
  for (const [key, want] of Object.entries(expected)) {
    const got = (actual as unknown as Record<string, unknown>)[key];
    if (typeof want === "number") {
      assert.equal(typeof got, "number", key);
      assert.ok(Math.abs((got as number) - want) <= 1e-12 * Math.abs(want), `${key}: ${got} is not ${want}`);
    } else assert.equal(got, want, key);
  }
}

const abs = (metric: string, value: number, unit: string, text: string, better = "lower") => ({ kind: "absolute", metric, value, unit, better, text });
const rel = (metric: string, factor: number, improvement_pct: number, text: string, better = "lower") => ({ kind: "relative", metric, factor, improvement_pct, better, text });

describe("parseMetric: absolute values", () => {
  const cases: Array<[string, ParseMetricOptions, Record<string, unknown>]> = [
    ["wall=6.3s", TARGET, abs("wall_time_ms", 6300, "ms", "wall=6.3s")],
    ["  6.3 s ", TARGET, abs("wall_time_ms", 6300, "ms", "6.3 s")],
    ["500ms", TARGET, abs("wall_time_ms", 500, "ms", "500ms")],
    ["750 ms", TARGET, abs("wall_time_ms", 750, "ms", "750 ms")],
    ["500ms", ENDPOINT, abs("latency_p50_ms", 500, "ms", "500ms")],
    ["p95=800ms", ENDPOINT, abs("latency_p95_ms", 800, "ms", "p95=800ms")],
    ["p99=1.5s", TARGET, abs("latency_p99_ms", 1500, "ms", "p99=1.5s")],
    ["median=20ms", TARGET, abs("latency_p50_ms", 20, "ms", "median=20ms")],
    ["CPU = 1.2s", TARGET, abs("cpu_time_ms", 1200, "ms", "CPU = 1.2s")],
    ["cpu_time=2sec", TARGET, abs("cpu_time_ms", 2000, "ms", "cpu_time=2sec")],
    ["duration=1.5 min", TARGET, abs("wall_time_ms", 90_000, "ms", "duration=1.5 min")],
    ["2m", TARGET, abs("wall_time_ms", 120_000, "ms", "2m")],
    ["1h", TARGET, abs("wall_time_ms", 3_600_000, "ms", "1h")],
    ["250us", TARGET, abs("wall_time_ms", 0.25, "ms", "250us")],
    ["250µs", TARGET, abs("wall_time_ms", 0.25, "ms", "250µs")],
    ["250μs", TARGET, abs("wall_time_ms", 0.25, "ms", "250μs")],
    ["500ns", TARGET, abs("wall_time_ms", 0.0005, "ms", "500ns")],
    [".5s", TARGET, abs("wall_time_ms", 500, "ms", ".5s")],
    ["256MB", TARGET, abs("memory_peak_mb", 256, "MB", "256MB")],
    ["256mb", TARGET, abs("memory_peak_mb", 256, "MB", "256mb")],
    ["mem=300MiB", TARGET, abs("memory_peak_mb", 300, "MB", "mem=300MiB")],
    ["rss=2GiB", TARGET, abs("memory_peak_mb", 2048, "MB", "rss=2GiB")],
    ["2GB", TARGET, abs("memory_peak_mb", 2048, "MB", "2GB")],
    ["512KB", TARGET, abs("memory_peak_mb", 0.5, "MB", "512KB")],
    ["1048576B", TARGET, abs("memory_peak_mb", 1, "MB", "1048576B")],
    ["1200req/s", TARGET, abs("throughput_rps", 1200, "req/s", "1200req/s", "higher")],
    ["rps=900", TARGET, abs("throughput_rps", 900, "req/s", "rps=900", "higher")],
    ["throughput=1200/s", TARGET, abs("throughput_rps", 1200, "req/s", "throughput=1200/s", "higher")],
    ["QPS=50 qps", TARGET, abs("throughput_rps", 50, "req/s", "QPS=50 qps", "higher")],
    ["300 r/s", TARGET, abs("throughput_rps", 300, "req/s", "300 r/s", "higher")],
    ["wall=6.3s", OBSERVED, abs("wall_time_ms", 6300, "ms", "wall=6.3s")],
  ];
  for (const [text, options, expected] of cases) {
    test(`${JSON.stringify(text)} (${JSON.stringify(options)})`, () => sameSpec(parseMetric(text, options), expected));
  }
});

describe("parseMetric: relative targets", () => {
  const cases: Array<[string, ParseMetricOptions, Record<string, unknown>]> = [
    ["-40%", TARGET, rel("wall_time_ms", 0.6, 40, "-40%")],
    ["40%", TARGET, rel("wall_time_ms", 0.6, 40, "40%")],
    ["wall=-30%", TARGET, rel("wall_time_ms", 0.7, 30, "wall=-30%")],
    ["-40%", ENDPOINT, rel("latency_p50_ms", 0.6, 40, "-40%")],
    ["2x", TARGET, rel("wall_time_ms", 0.5, 50, "2x")],
    ["4X", TARGET, rel("wall_time_ms", 0.25, 75, "4X")],
    ["2×", ENDPOINT, rel("latency_p50_ms", 0.5, 50, "2×")],
    ["1.5x", TARGET, rel("wall_time_ms", 1 / 1.5, 100 / 3, "1.5x")],
    ["p95=2x", ENDPOINT, rel("latency_p95_ms", 0.5, 50, "p95=2x")],
    ["mem=-25%", TARGET, rel("memory_peak_mb", 0.75, 25, "mem=-25%")],
    ["rps=+50%", TARGET, rel("throughput_rps", 1.5, 50, "rps=+50%", "higher")],
    ["throughput=50%", TARGET, rel("throughput_rps", 1.5, 50, "throughput=50%", "higher")],
    ["throughput=2x", TARGET, rel("throughput_rps", 2, 100, "throughput=2x", "higher")],
    ["qps=1.5x", TARGET, rel("throughput_rps", 1.5, 50, "qps=1.5x", "higher")],
  ];
  for (const [text, options, expected] of cases) {
    test(`${JSON.stringify(text)} (${JSON.stringify(options)})`, () => sameSpec(parseMetric(text, options), expected));
  }
});

describe("parseMetric refuses", () => {
  const bad: Array<[string, ParseMetricOptions, RegExp]> = [
    ["", TARGET, /^--target "" is not a metric: it is empty$/],
    ["   ", OBSERVED, /^--observed "" is not a metric: it is empty$/],
    ["fast", TARGET, /^--target "fast" is not a metric: expected a number followed by a unit$/],
    ["ms", TARGET, /expected a number followed by a unit/],
    ["5 parsecs", TARGET, /^--target "5 parsecs" is not a metric: unknown unit "parsecs"$/],
    ["5ms later", TARGET, /unknown unit "ms later"/],
    ["1e309ms", TARGET, /^--target "1e309ms" is not a metric: 1e309 is not a finite number$/],
    ["1e308GiB", TARGET, /too large/],
    ["=5ms", TARGET, /no metric name before "="/],
    ["wall=", TARGET, /no value after "wall="/],
    ["speed=5ms", TARGET, /unknown metric name "speed" \(known: wall, wall_time, time, duration, cpu, .*p95, p99, throughput, rps, qps\)/],
    ["constructor=5ms", TARGET, /unknown metric name "constructor"/],
    ["wall=p95=5ms", TARGET, /expected a number followed by a unit/],
    ["500", TARGET, /add a unit: ms, s, MB, req\/s, %, or x/],
    ["wall=500", TARGET, /add a unit/],
    ["500", OBSERVED, /add a unit: ms, s, MB, or req\/s$/],
    ["mem=5ms", TARGET, /peak memory is measured in MB, and "ms" is a unit of time/],
    ["wall=256MB", TARGET, /wall time is measured in ms, and "MB" is a unit of memory/],
    ["rps=5s", TARGET, /throughput is measured in req\/s, and "s" is a unit of time/],
    ["500ms", { flag: "--target", defaultTimeMetric: "throughput_rps" }, /throughput is measured in req\/s/],
    ["0ms", TARGET, /must be greater than 0/],
    ["0.0rps", TARGET, /must be greater than 0/],
    ["-5ms", TARGET, /a value takes no sign/],
    ["+40%", TARGET, /^--target "\+40%" is not a metric: a target must be better than the baseline: \+40% wall time would be slower; write -40%$/],
    ["mem=+10%", TARGET, /\+10% peak memory would be larger; write mem=-10%/],
    ["throughput=-20%", TARGET, /-20% throughput would be lower; write throughput=\+20%/],
    ["0%", TARGET, /a percentage must be greater than 0/],
    ["-100%", TARGET, /a decrease must be less than 100%/],
    ["150%", TARGET, /a decrease must be less than 100%/],
    ["1x", TARGET, /1x is not an improvement: a factor must be greater than 1/],
    ["0.5x", TARGET, /0\.5x is not an improvement/],
    ["rps=1x", TARGET, /not an improvement/],
    ["-2x", TARGET, /a factor takes no sign/],
    ["-40%", OBSERVED, /^--observed "-40%" is a relative change, but --observed takes the value/],
    ["wall=2x", OBSERVED, /--observed "wall=2x" is a relative change/],
  ];
  for (const [text, options, pattern] of bad) {
    test(`${JSON.stringify(text)} (${options.flag}${options.allowRelative === false ? ", absolute only" : ""})`, () => {
      assert.throws(
        () => parseMetric(text, options),
        (error: unknown) => {
          assert.ok(error instanceof UsageError, String(error));
          assert.match(error.message, pattern);
          assert.doesNotMatch(error.message, /\n/);
          assert.ok(error.hint && !error.hint.includes("\n"), "a usage error names the fix on one line");
          assert.ok(error.hint.includes(options.flag), `the hint shows ${options.flag}: ${error.hint}`);
          return true;
        },
      );
    });
  }

  test("hints give examples in the flag's own form", () => {
    const hint = (text: string, options: ParseMetricOptions) => {
      try {
        parseMetric(text, options);
      } catch (error) {
        return (error as UsageError).hint;
      }
      assert.fail(`${text} parsed`);
    };
    assert.equal(hint("5 parsecs", TARGET), "e.g. --target 500ms, --target -40%, --target 2x, --target p95=800ms, --target 256MB, --target 1200req/s");
    assert.equal(hint("5 parsecs", OBSERVED), "e.g. --observed wall=6.3s, --observed p95=800ms, --observed 256MB, --observed 1200req/s");
    assert.equal(hint("-40%", OBSERVED), 'give the value you observe, e.g. --observed "wall=6.3s"');
    assert.equal(hint("+40%", TARGET), "e.g. --target -40%");
    assert.equal(hint("mem=5ms", TARGET), "e.g. --target mem=256MB");
  });
});

describe("targetValue and meets", () => {
  // [spec text, options, baseline, target value, a value that meets it, one that does not]
  const cases: Array<[string, ParseMetricOptions, number, number, number, number]> = [
    ["500ms", TARGET, 6300, 500, 499, 501],
    ["-40%", TARGET, 1000, 600, 599, 601],
    ["2x", TARGET, 6300, 3150, 3000, 3151],
    ["mem=-25%", TARGET, 400, 300, 256, 300.5],
    ["1200req/s", TARGET, 900, 1200, 1201, 1199],
    ["rps=+50%", TARGET, 800, 1200, 1300, 1199],
    ["throughput=2x", TARGET, 450, 900, 901, 899],
  ];
  for (const [text, options, baseline, target, good, bad] of cases) {
    test(`${text} from ${baseline}: target ${target}, ${good} meets it, ${bad} does not`, () => {
      const spec = parseMetric(text, options);
      assert.equal(targetValue(spec, baseline), target);
      assert.equal(meets(spec, target, baseline), true, "equal to the target meets it");
      assert.equal(meets(spec, good, baseline), true);
      assert.equal(meets(spec, bad, baseline), false);
    });
  }
  test("an absolute target ignores the baseline", () => {
    const spec = parseMetric("p95=800ms", TARGET);
    assert.equal(targetValue(spec, 5), 800);
    assert.equal(meets(spec, 900, 5), false);
  });
});

describe("describeMetric, metricLabel and betterOf", () => {
  const cases: Array<[string, ParseMetricOptions, string]> = [
    ["500ms", TARGET, "wall time <= 500 ms"],
    ["wall=6.3s", OBSERVED, "wall time <= 6300 ms"],
    ["-40%", TARGET, "wall time -40% (0.6x of the baseline)"],
    ["1200req/s", TARGET, "throughput >= 1200 req/s"],
    ["rps=+50%", TARGET, "throughput +50% (1.5x of the baseline)"],
    ["p95=2x", TARGET, "p95 latency 2x better"],
    ["1.5x", TARGET, "wall time 1.5x better"],
    ["throughput=3x", TARGET, "throughput 3x better"],
    ["512KB", TARGET, "peak memory <= 0.5 MB"],
    ["cpu=250us", TARGET, "CPU time <= 0.25 ms"],
  ];
  for (const [text, options, described] of cases) {
    test(`${text} -> ${described}`, () => assert.equal(describeMetric(parseMetric(text, options)), described));
  }
  test("labels and directions cover every metric", () => {
    assert.deepEqual(
      TARGET_METRICS.map((metric) => [metricLabel(metric), betterOf(metric)]),
      [
        ["wall time", "lower"],
        ["CPU time", "lower"],
        ["peak memory", "lower"],
        ["p50 latency", "lower"],
        ["p95 latency", "lower"],
        ["p99 latency", "lower"],
        ["throughput", "higher"],
      ],
    );
  });
});
