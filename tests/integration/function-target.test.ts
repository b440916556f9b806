// Function targets (src/profile/function-target.ts) against fixture modules written into a temp
// project, under Bun (`bun test`) and Deno (`deno test -A --no-check`). Each benchmark is bounded
// to a few tens of milliseconds (minTimeMs); assertions compare functions whose costs differ by
// orders of magnitude, so a loaded machine does not fail them.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { pathToFileURL } from "node:url";
import { after, test } from "node:test";
import { UsageError } from "../../src/errors.ts";
import { type FunctionProfile, type MeasureFunctionOptions, measureFunction } from "../../src/profile/function-target.ts";
import { REPO_ROOT, removeDir, runtimeName, tempDir } from "../helpers/cli.ts";

const runtime = runtimeName();
/** Short benchmarks: enough samples for the statistics, little time. */
const MIN_TIME_MS = 40;

const project = tempDir("perfloop-fn-");
after(() => removeDir(project));

function write(relative: string, text: string): void {
  const path = join(project, relative);
  mkdirSync(join(path, ".."), { recursive: true });
  writeFileSync(path, text);
}

write("package.json", JSON.stringify({ name: "fixture", type: "module", dependencies: { "tiny-triple": "1.0.0" } }));
write(
  "node_modules/tiny-triple/package.json",
  // Found through "main" (not index.js): the package's own package.json must be read.
  JSON.stringify({ name: "tiny-triple", version: "1.0.0", type: "module", main: "lib/triple.js" }),
);
write("node_modules/tiny-triple/lib/triple.js", "export function triple(x) { return 3 * x; }\n");
write(
  "src/work.ts",
  `export function sum(n: number): number {
  let total = 0;
  for (let i = 0; i < n; i++) total += i % 7;
  return total;
}
export async function later(ms: number): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, ms));
  return ms;
}
export function allocate(n: number): number[] {
  return new Array(n).fill(1);
}
export function onlyText(text: string): number {
  if (typeof text !== "string") throw new TypeError("expected a string");
  return text.length;
}
export const answer = 42;
`,
);
write("src/plain.mjs", "export default function joinAll(a, b, c) { return [a, b, c].join('-'); }\n");
write("src/plain.js", "export function five() { return 5; }\n");
write("src/uses-package.ts", `import { triple } from "tiny-triple";\nexport const tripled = (n: number): number => triple(n) + 1;\n`);
write("src/throws.ts", `throw new Error("boom while loading");\nexport const never = 1;\n`);
write("src/missing-dependency.ts", `import { nothing } from "no-such-package-here";\nexport const f = () => nothing;\n`);

function measure(file: string, exportName: string, args: unknown[], extra: Partial<MeasureFunctionOptions> = {}): Promise<FunctionProfile> {
  return measureFunction({ file, exportName, args, projectRoot: project, minTimeMs: MIN_TIME_MS, ...extra });
}

function assertSane(profile: FunctionProfile): void {
  const s = profile.stats_ns;
  assert.ok(s.min > 0 && s.min <= s.p25 && s.p25 <= s.p50 && s.p50 <= s.p75 && s.p75 <= s.p99 && s.p99 <= s.p999 && s.p999 <= s.max, JSON.stringify(s));
  assert.ok(s.min <= s.avg && s.avg <= s.max);
  assert.ok(Math.abs(profile.stats_ms.p50 * 1e6 - s.p50) < 1e-6 * s.p50);
  assert.ok(profile.samples >= 5, `only ${profile.samples} samples`);
  assert.equal(profile.calls, profile.samples * profile.calls_per_sample);
  const t = profile.time_per_call_ns;
  assert.equal(t.name, "time_per_call_ns");
  assert.equal(t.unit, "ns");
  assert.equal(t.better, "lower");
  assert.equal(t.n, profile.samples);
  assert.ok(t.ci[0] <= t.median && t.median <= t.ci[1], `${t.ci} around ${t.median}`);
  assert.equal(t.confidence, 0.95);
  assert.equal(t.min, s.min);
  assert.equal(t.max, s.max);
  assert.ok(t.mad >= 0);
  assert.ok(t.outliers.length <= profile.outliers_total);
  assert.ok(profile.probe_ms >= 0);
}

async function assertUsageError(promise: Promise<unknown>, message: RegExp, hint: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof UsageError, `expected a UsageError, got ${String(error)}`);
    assert.match(error.message, message);
    assert.ok(!error.message.includes("\n"), `one line: ${error.message}`);
    assert.match(error.hint ?? "", hint);
    assert.equal(error.exitCode, 2);
    return true;
  });
}

test("runs under Bun or Deno", () => {
  assert.ok(runtime === "bun" || runtime === "deno", `unexpected runtime ${runtime}`);
  const expected = process.env.PERFLOOP_EXPECT_RUNTIME;
  if (expected) assert.equal(runtime, expected);
});

test("a sync function: sane statistics, and more work has a larger median", async () => {
  const progress: string[] = [];
  const little = await measure("src/work.ts", "sum", [10], { onProgress: (p) => progress.push(p.stage) });
  const lots = await measure(join(project, "src/work.ts"), "sum", [2000]);
  for (const profile of [little, lots]) {
    assertSane(profile);
    assert.equal(profile.kind, "function");
    assert.equal(profile.async, false);
    assert.equal(profile.file, join(project, "src/work.ts"));
    assert.equal(profile.export_name, "sum");
  }
  assert.deepEqual(little.args, [10]);
  assert.equal(little.calls_per_sample, 4096, "a call of a few ns is timed in batches");
  assert.ok(
    lots.time_per_call_ns.median > 20 * little.time_per_call_ns.median,
    `sum(2000) ${lots.time_per_call_ns.median} ns vs sum(10) ${little.time_per_call_ns.median} ns`,
  );
  assert.deepEqual([...new Set(progress)], ["import", "probe", "benchmark", "statistics"]);
});

test("an async function is timed until its promise settles", async () => {
  const profile = await measure("src/work.ts", "later", [3]);
  assertSane(profile);
  assert.equal(profile.async, true);
  assert.equal(profile.calls_per_sample, 1);
  assert.ok(profile.time_per_call_ns.median >= 2.5e6, `a 3 ms sleep took ${profile.time_per_call_ns.median} ns`);
  assert.ok(profile.stats_ms.p50 >= 2.5);
});

test(".mjs default exports and .js named exports load, with any number of arguments", async () => {
  const joined = await measure("src/plain.mjs", "default", ["a", 1, true]);
  assertSane(joined);
  const five = await measure("src/plain.js", "five", []);
  assertSane(five);
});

test("heap growth per call comes from the heap reader, divided over the calls of a sample", async () => {
  let bytes = 0;
  const step = 40_960;
  const profile = await measure("src/work.ts", "sum", [10], { heapBytes: () => (bytes += step) });
  assert.equal(profile.heap_bytes_per_call, step / profile.calls_per_sample);
  const allocating = await measure("src/work.ts", "allocate", [1000]);
  assert.ok(allocating.heap_bytes_per_call !== null && allocating.heap_bytes_per_call > 0, `${allocating.heap_bytes_per_call}`);
});

// Bun resolves a bare import from the importing file's own node_modules in process. Deno resolves
// bare imports only inside the workspace of its main module, so under Deno the check runs a driver
// that sits in the person's project (as `deno run` started there would).
test("a module importing a bare package from the project's node_modules", async () => {
  let profile: FunctionProfile;
  if (runtime === "bun") {
    profile = await measure("src/uses-package.ts", "tripled", [4]);
  } else {
    const source = pathToFileURL(join(REPO_ROOT, "src", "profile", "function-target.ts")).href;
    write(
      "driver.ts",
      `import { measureFunction } from ${JSON.stringify(source)};
const profile = await measureFunction({ file: "src/uses-package.ts", exportName: "tripled", args: [4], projectRoot: ${JSON.stringify(project)}, minTimeMs: ${MIN_TIME_MS} });
console.log(JSON.stringify(profile));
`,
    );
    const child = spawnSync(process.execPath, ["run", "-A", "--no-check", join(project, "driver.ts")], { cwd: project, encoding: "utf8" });
    assert.equal(child.status, 0, child.stderr);
    profile = JSON.parse(child.stdout) as FunctionProfile;
  }
  assertSane(profile);
  assert.equal(profile.export_name, "tripled");
});

test("a missing file names the path and the project root", async () => {
  await assertUsageError(measure("src/nope.ts", "f", []), /^function file src\/nope\.ts not found$/, /relative to the project root/);
});

test("a missing export lists the exports that do exist", async () => {
  await assertUsageError(
    measure("src/work.ts", "summ", []),
    /^src\/work\.ts has no export "summ"; its exports: allocate \(function\), answer \(number\), later \(function\), onlyText \(function\), sum \(function\)$/,
    /fn:src\/work\.ts#allocate/,
  );
});

test("an export that is not a function says what it is", async () => {
  await assertUsageError(measure("src/work.ts", "answer", []), /^export "answer" of src\/work\.ts is a number, not a function; its exports: /, /name an exported function/);
});

test("a module that throws while loading", async () => {
  await assertUsageError(measure("src/throws.ts", "never", []), /^cannot import src\/throws\.ts: .*boom while loading/, /threw while loading/);
});

test("a module whose package is not installed", async () => {
  await assertUsageError(measure("src/missing-dependency.ts", "f", []), /^cannot import src\/missing-dependency\.ts: .*no-such-package-here/, /install the project's dependencies/);
});

test("a function that throws on the given arguments names them", async () => {
  await assertUsageError(
    measure("src/work.ts", "onlyText", [12]),
    /^onlyText\(12\) threw on the first call: expected a string$/,
    /--args/,
  );
});

test("the arguments must be an array, the limits positive", async () => {
  await assertUsageError(measure("src/work.ts", "sum", { n: 1 } as unknown as unknown[]), /--args must be a JSON array/, /--args/);
  await assertUsageError(measure("src/work.ts", "sum", [1], { minTimeMs: 0 }), /must be a positive number/, /./);
  await assertUsageError(measure("src/work.ts", "sum", [1], { maxSamples: 1.5 }), /must be a positive integer/, /./);
});
