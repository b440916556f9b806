// The wrong-tool gate (phase 3): every rule firing and not firing at its boundary, the verdict,
// what a BLOCK means per cycle, absolute and relative targets, endpoint digests and the mapping
// of a target's metric onto the digest's baseline keys. Pure: digests are built here.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { MetricDigest, ProfileDigest } from "../../src/model/profile-digest.ts";
import { baselineValue, evaluateGate, NOISY_INTERVAL_PCT, OUTLIER_SHARE_CONCERN } from "../../src/coordinator/gate.ts";
import { type MetricSpec, parseMetric } from "../../src/model/metric-spec.ts";

/** A quiet main metric: median 1000, interval 990..1010 (2% wide), 20 runs, no outliers. */
function metric(overrides: Partial<MetricDigest> = {}): MetricDigest {
  return { median: 1000, ci: [990, 1010], mad: 5, min: 980, max: 1020, n: 20, unit: "ms", outliers: 0, outlier_reasons: [], ...overrides };
}

/** A command digest where no rule fires. */
function digest(overrides: Partial<ProfileDigest> = {}): ProfileDigest {
  return {
    commit: "0123456789abcdef0123456789abcdef01234567",
    target_kind: "command",
    baseline: { wall_time_ms: 1000, cpu_time_ms: 950, memory_peak_mb: 50, io_read_bytes: 0, io_write_bytes: 0, http_round_trips: null },
    metrics: { wall_time_ms: metric() },
    runs: 20,
    stopped_because: "converged",
    classification: "CPU",
    bottleneck_detail: "parse takes 70% of the CPU time",
    classification_rule: "cpu_dominant",
    top_bottlenecks: [],
    steps: [],
    hot_functions: [],
    hot_code: [],
    suspicions: [],
    optimization_hints: [],
    wrong_tool_indicators: [],
    wrong_tool_evidence: [],
    cpu_profile: { attempted: false, ok: false, reason: null, runtime: null, categories: null },
    endpoint_errors: null,
    warnings: [],
    summary_path: ".perfloop/summary.json",
    ...overrides,
  };
}

/** An endpoint digest where no rule fires: median latency 40 ms, p95 80, p99 120, 900 req/s. */
function endpoint(overrides: Partial<ProfileDigest> = {}): ProfileDigest {
  return digest({
    target_kind: "endpoint",
    baseline: { wall_time_ms: null, cpu_time_ms: null, memory_peak_mb: null, latency_p50_ms: 40, latency_p95_ms: 80, latency_p99_ms: 120, throughput_rps: 900, error_count: 0 },
    metrics: { latency_p50_ms: metric({ median: 40, ci: [39, 41], min: 35, max: 60, n: 100 }) },
    runs: null,
    stopped_because: null,
    endpoint_errors: 0,
    ...overrides,
  });
}

function evidence(...indicators: string[]): Pick<ProfileDigest, "wrong_tool_indicators" | "wrong_tool_evidence"> {
  return { wrong_tool_indicators: indicators, wrong_tool_evidence: indicators.map((indicator) => ({ indicator, reason: `because of ${indicator}` })) };
}

const target = (text: string): MetricSpec => parseMetric(text, { flag: "--target" });
const rules = (d: ReturnType<typeof evaluateGate>) => d.findings.map((f) => f.rule);

describe("the thresholds", () => {
  test("are the documented values", () => {
    assert.equal(NOISY_INTERVAL_PCT, 10);
    assert.equal(OUTLIER_SHARE_CONCERN, 0.2);
  });
});

describe("each rule at its boundary", () => {
  const cases: { name: string; digest: ProfileDigest; target?: MetricSpec; computed: string; rules: string[]; message?: RegExp }[] = [
    { name: "nothing fires", digest: digest(), computed: "PROCEED", rules: [] },
    // B1
    { name: "B1: already_optimized with its evidence", digest: digest(evidence("already_optimized")), computed: "BLOCK", rules: ["B1"], message: /^already_optimized: because of already_optimized$/ },
    { name: "B1: external_service_no_alternative", digest: digest(evidence("external_service_no_alternative")), computed: "BLOCK", rules: ["B1"], message: /^external_service_no_alternative: because of external_service_no_alternative$/ },
    { name: "B1: two indicators, two findings", digest: digest(evidence("within_industry_norm", "infrastructure_bound")), computed: "BLOCK", rules: ["B1", "B1"] },
    // B2
    { name: "B2: 50ms target, baseline 40ms", digest: digest({ baseline: { wall_time_ms: 40 } }), target: target("50ms"), computed: "BLOCK", rules: ["B2"], message: /^already_optimized: the baseline 40\.0 already meets the target 50ms$/ },
    { name: "B2: a baseline exactly at the target meets it", digest: digest({ baseline: { wall_time_ms: 50 } }), target: target("50ms"), computed: "BLOCK", rules: ["B2"], message: /the baseline 50\.0 already meets the target 50ms/ },
    { name: "B2: a baseline of 100 or more is shown without decimals", digest: digest({ baseline: { wall_time_ms: 800 } }), target: target("1s"), computed: "BLOCK", rules: ["B2"], message: /the baseline 800 already meets the target 1s$/ },
    { name: "B2 not: 50ms target, baseline 1000ms", digest: digest(), target: target("50ms"), computed: "PROCEED", rules: [] },
    { name: "B2 not: just over the target", digest: digest({ baseline: { wall_time_ms: 50.001 } }), target: target("50ms"), computed: "PROCEED", rules: [] },
    { name: "B2 not: a relative target, even -1%", digest: digest({ baseline: { wall_time_ms: 40 } }), target: target("-1%"), computed: "PROCEED", rules: [] },
    { name: "B2 not: a relative factor", digest: digest({ baseline: { wall_time_ms: 40 } }), target: target("2x"), computed: "PROCEED", rules: [] },
    { name: "B2: memory target met", digest: digest(), target: target("mem=64MB"), computed: "BLOCK", rules: ["B2"], message: /baseline 50\.0 already meets the target mem=64MB/ },
    { name: "B2 not: a metric the baseline does not have", digest: digest(), target: target("p95=2s"), computed: "PROCEED", rules: [] },
    { name: "B2 not twice: already_optimized from the profile", digest: digest({ baseline: { wall_time_ms: 40 }, ...evidence("already_optimized") }), target: target("50ms"), computed: "BLOCK", rules: ["B1"] },
    // B3
    { name: "B3: no main metric", digest: digest({ metrics: {} }), computed: "BLOCK", rules: ["B3"], message: /^the main metric was not measured$/ },
    { name: "B3: a function without time per call", digest: digest({ target_kind: "function", metrics: { wall_time_ms: metric() } }), computed: "BLOCK", rules: ["B3"], message: /^the main metric was not measured$/ },
    // C1
    { name: `C1 not: the interval exactly ${NOISY_INTERVAL_PCT}% of the median`, digest: digest({ metrics: { wall_time_ms: metric({ ci: [950, 1050] }) } }), computed: "PROCEED", rules: [] },
    { name: "C1: just over 10%", digest: digest({ metrics: { wall_time_ms: metric({ ci: [950, 1051] }) } }), computed: "CONCERNS", rules: ["C1"], message: /^noisy: the 95% interval of the median is 10\.1% of it wide \(over 10%\)/ },
    { name: "C1 not: a median of zero", digest: digest({ metrics: { wall_time_ms: metric({ median: 0, ci: [0, 5] }) } }), computed: "PROCEED", rules: [] },
    // C2
    { name: "C2: the run count hit its cap", digest: digest({ stopped_because: "cap", runs: 60 }), computed: "CONCERNS", rules: ["C2"], message: /^the run count reached its cap \(60 runs\) before the interval of the median narrowed$/ },
    { name: "C2 not: converged", digest: digest({ stopped_because: "converged" }), computed: "PROCEED", rules: [] },
    // C3
    { name: "C3: exactly 20% outliers", digest: digest({ metrics: { wall_time_ms: metric({ n: 10, outliers: 2, outlier_reasons: ["slow start"] }) } }), computed: "CONCERNS", rules: ["C3"], message: /^2 of 10 runs are outliers \(slow start\)$/ },
    { name: "C3: outliers without a reason", digest: digest({ metrics: { wall_time_ms: metric({ n: 10, outliers: 3 }) } }), computed: "CONCERNS", rules: ["C3"], message: /^3 of 10 runs are outliers \(far from the median\)$/ },
    { name: "C3 not: just under 20%", digest: digest({ metrics: { wall_time_ms: metric({ n: 11, outliers: 2 }) } }), computed: "PROCEED", rules: [] },
    { name: "C3 not: no runs", digest: digest({ metrics: { wall_time_ms: metric({ n: 0, outliers: 0 }) } }), computed: "PROCEED", rules: [] },
    // C4
    { name: "C4: Unknown bottleneck", digest: digest({ classification: "Unknown", bottleneck_detail: "no signal dominates" }), computed: "CONCERNS", rules: ["C4"], message: /^the bottleneck could not be classified: no signal dominates$/ },
    // C5
    { name: "C5: a CPU profile that failed", digest: digest({ cpu_profile: { attempted: true, ok: false, reason: "the inspector did not start", runtime: null, categories: null } }), computed: "CONCERNS", rules: ["C5"], message: /^no CPU profile: the inspector did not start$/ },
    { name: "C5: failed without a reason", digest: digest({ cpu_profile: { attempted: true, ok: false, reason: null, runtime: null, categories: null } }), computed: "CONCERNS", rules: ["C5"], message: /^no CPU profile: it failed$/ },
    { name: "C5 not: not attempted", digest: digest({ cpu_profile: { attempted: false, ok: false, reason: "not a JS runtime", runtime: null, categories: null } }), computed: "PROCEED", rules: [] },
    { name: "C5 not: a profile that worked", digest: digest({ cpu_profile: { attempted: true, ok: true, reason: null, runtime: null, categories: null } }), computed: "PROCEED", rules: [] },
    // endpoints
    { name: "endpoint: nothing fires", digest: endpoint(), computed: "PROCEED", rules: [] },
    { name: "endpoint B3: no request succeeded", digest: endpoint({ metrics: {}, endpoint_errors: 100 }), computed: "BLOCK", rules: ["B3"], message: /^no request succeeded \(100 errors\): there is nothing to optimize until the endpoint answers$/ },
    { name: "endpoint B3 with no errors counted: the main metric was not measured", digest: endpoint({ metrics: {}, endpoint_errors: 0 }), computed: "BLOCK", rules: ["B3"], message: /^the main metric was not measured$/ },
    { name: "endpoint B3: no latency and no error count", digest: endpoint({ metrics: {}, endpoint_errors: null }), computed: "BLOCK", rules: ["B3"], message: /^the main metric was not measured$/ },
    { name: "endpoint C6: some requests failed", digest: endpoint({ endpoint_errors: 3 }), computed: "CONCERNS", rules: ["C6"], message: /^3 requests failed$/ },
    { name: "endpoint B2: p95 target met by latency_p95_ms", digest: endpoint(), target: target("p95=100ms"), computed: "BLOCK", rules: ["B2"], message: /baseline 80\.0 already meets the target p95=100ms/ },
    { name: "endpoint B2 not: p95 target above latency_p95_ms", digest: endpoint(), target: target("p95=70ms"), computed: "PROCEED", rules: [] },
    { name: "endpoint B2: throughput target met", digest: endpoint(), target: target("800req/s"), computed: "BLOCK", rules: ["B2"], message: /baseline 900 already meets the target 800req\/s/ },
    { name: "endpoint B2 not: throughput target above", digest: endpoint(), target: target("1000req/s"), computed: "PROCEED", rules: [] },
    // combined
    {
      name: "a block with concerns stays BLOCK, findings in rule order",
      digest: digest({ ...evidence("infrastructure_bound"), stopped_because: "cap", classification: "Unknown", metrics: { wall_time_ms: metric({ ci: [800, 1200], n: 5, outliers: 1 }) } }),
      computed: "BLOCK",
      rules: ["B1", "C1", "C3", "C2", "C4"],
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const decision = evaluateGate({ digest: c.digest, cycle: 1, target: c.target ?? null });
      assert.equal(decision.computed, c.computed);
      assert.deepEqual(rules(decision), c.rules);
      for (const f of decision.findings) assert.equal(f.level, f.rule.startsWith("B") ? "block" : "concern");
      if (c.message) assert.match(decision.findings[0]!.message, c.message);
      assert.equal(decision.block === null, c.computed !== "BLOCK");
    });
  }
});

describe("indicators", () => {
  test("B2 adds already_optimized to the profile's indicators", () => {
    const decision = evaluateGate({ digest: digest({ baseline: { wall_time_ms: 40 }, ...evidence("infrastructure_bound") }), cycle: 1, target: target("50ms") });
    assert.deepEqual(decision.indicators, ["infrastructure_bound", "already_optimized"]);
    assert.deepEqual(rules(decision), ["B1", "B2"]);
  });
  test("no duplicate when the profile already said already_optimized", () => {
    const decision = evaluateGate({ digest: digest({ baseline: { wall_time_ms: 40 }, ...evidence("already_optimized") }), cycle: 1, target: target("50ms") });
    assert.deepEqual(decision.indicators, ["already_optimized"]);
  });
  test("the digest's indicators are not mutated", () => {
    const d = digest({ baseline: { wall_time_ms: 40 } });
    evaluateGate({ digest: d, cycle: 1, target: target("50ms") });
    assert.deepEqual(d.wrong_tool_indicators, []);
  });
});

describe("what a BLOCK means per cycle", () => {
  const cases: { name: string; digest: ProfileDigest; target?: MetricSpec; cycle: number; final: string; success: boolean }[] = [
    { name: "cycle 1, already_optimized", digest: digest(evidence("already_optimized")), cycle: 1, final: "DIAGNOSTIC", success: false },
    { name: "cycle 1, infrastructure_bound", digest: digest(evidence("infrastructure_bound")), cycle: 1, final: "DIAGNOSTIC", success: false },
    { name: "cycle 1, B2", digest: digest({ baseline: { wall_time_ms: 40 } }), target: target("50ms"), cycle: 1, final: "DIAGNOSTIC", success: false },
    { name: "cycle 2, within_industry_norm", digest: digest(evidence("within_industry_norm")), cycle: 2, final: "ALREADY_OPTIMIZED", success: true },
    { name: "cycle 2, already_optimized", digest: digest(evidence("already_optimized")), cycle: 2, final: "ALREADY_OPTIMIZED", success: true },
    { name: "cycle 3, B2 (the earlier cycles reached the target)", digest: digest({ baseline: { wall_time_ms: 40 } }), target: target("50ms"), cycle: 3, final: "ALREADY_OPTIMIZED", success: true },
    { name: "cycle 2, infrastructure_bound", digest: digest(evidence("infrastructure_bound")), cycle: 2, final: "STOPPED", success: false },
    { name: "cycle 2, external_service_no_alternative", digest: digest(evidence("external_service_no_alternative")), cycle: 2, final: "STOPPED", success: false },
    { name: "cycle 2, B3", digest: digest({ metrics: {} }), cycle: 2, final: "STOPPED", success: false },
  ];
  for (const c of cases) {
    test(`${c.name} -> ${c.final}`, () => {
      const decision = evaluateGate({ digest: c.digest, cycle: c.cycle, target: c.target ?? null });
      assert.equal(decision.computed, "BLOCK");
      assert.deepEqual(decision.block, { stop_reason: "WRONG_TOOL_BLOCK", final_result: c.final, success: c.success });
    });
  }
  test("concerns give no block", () => {
    const decision = evaluateGate({ digest: digest({ classification: "Unknown" }), cycle: 2, target: null });
    assert.equal(decision.computed, "CONCERNS");
    assert.equal(decision.block, null);
  });
});

describe("baselineValue", () => {
  const ep = endpoint();
  const cases: { name: string; digest: ProfileDigest; metric: string; value: number | null }[] = [
    { name: "command wall time", digest: digest(), metric: "wall_time_ms", value: 1000 },
    { name: "command memory", digest: digest(), metric: "memory_peak_mb", value: 50 },
    { name: "command, a metric not in the baseline", digest: digest(), metric: "latency_p95_ms", value: null },
    { name: "command, a null value", digest: digest(), metric: "http_round_trips", value: null },
    { name: "endpoint latency_p50_ms", digest: ep, metric: "latency_p50_ms", value: 40 },
    { name: "endpoint latency_p95_ms", digest: ep, metric: "latency_p95_ms", value: 80 },
    { name: "endpoint latency_p99_ms", digest: ep, metric: "latency_p99_ms", value: 120 },
    { name: "endpoint throughput_rps", digest: ep, metric: "throughput_rps", value: 900 },
    { name: "endpoint, an unmapped metric", digest: ep, metric: "cpu_time_ms", value: null },
    { name: "endpoint, a metric that is null", digest: endpoint({ baseline: { wall_time_ms: 40, latency_p95_ms: null } }), metric: "latency_p95_ms", value: null },
    { name: "function: a time is its time per call", digest: digest({ target_kind: "function", baseline: { wall_time_ms: null, time_per_call_ns: 250_000 } }), metric: "wall_time_ms", value: 0.25 },
    { name: "function, no time per call", digest: digest({ target_kind: "function", baseline: {} }), metric: "wall_time_ms", value: null },
  ];
  for (const c of cases) {
    test(c.name, () => assert.equal(baselineValue(c.digest, c.metric), c.value));
  }
});
