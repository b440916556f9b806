// A real Python profile: python3 on the PATH runs a fixture with one clearly hot function (a naive
// fibonacci at line 5) under cProfile, the .prof file is read back by the same interpreter, and the
// summary must put that function first among the project's own, at the right file and line, with
// the standard library's JSON time owned by the function that calls it. Skipped, saying so, when
// python3 is absent.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { detectPlatform } from "../../src/platform/index.ts";
import { runWithCpuProfile } from "../../src/profile/cpu-profile.ts";
import { buildPerformanceMap } from "../../src/profile/perf-map.ts";

const platform = detectPlatform();
const env = { ...platform.env, NO_COLOR: "1" };
const TIMEOUT_MS = 60_000;

const project = realpathSync(mkdtempSync(join(tmpdir(), "perfloop-python-it-")));
after(() => rmSync(project, { recursive: true, force: true }));

const HOT_PY = `# fixture: one clearly hot function
import json


def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


def parse_all(rows):
    total = 0
    for row in rows:
        total += len(json.loads(row))
    return total


if __name__ == "__main__":
    rows = [json.dumps(list(range(50))) for _ in range(2000)]
    print(parse_all(rows), fib(24))
`;
writeFileSync(join(project, "hot.py"), HOT_PY);
// A project module named like the standard library's: the reader must not import it.
writeFileSync(join(project, "pstats.py"), "raise SystemExit('the project pstats.py was imported')\n");
mkdirSync(join(project, "pkg"));
writeFileSync(join(project, "pkg", "__init__.py"), "");
writeFileSync(join(project, "pkg", "__main__.py"), HOT_PY.replace("# fixture: one clearly hot function", "# fixture"));

async function python3(): Promise<boolean> {
  const probe = await platform.spawn({ argv: ["python3", "-I", "-c", "import cProfile, pstats"], cwd: project, env, timeoutMs: 10_000, maxOutputBytes: 4096 });
  return probe.exitCode === 0;
}

test("python3 script.py: cProfile's hot functions with file:line, the project's first", async (t) => {
  if (!(await python3())) {
    t.skip("python3 (with cProfile and pstats) is not on the PATH: no Python profile to check");
    return;
  }
  const keep = join(project, "kept");
  const run = await runWithCpuProfile(platform, { command: "python3 hot.py", cwd: project, env, timeoutMs: TIMEOUT_MS, profileDir: keep });
  assert.ok(run.ok, run.ok ? "" : run.reason);
  assert.equal(run.runtime, "python");
  assert.equal(run.rule, "python");
  assert.match(run.shell, /^python3 -c '.*cProfile\.main\(\)' -o \S+perfloop-cprofile\.prof hot\.py$/s);
  assert.deepEqual(readdirSync(keep).sort(), ["perfloop-cprofile.prof", "perfloop-cprofile.prof.json"]);
  const own = run.profile.top_by_self.filter((hot) => hot.category === "app");
  const fib = own[0];
  assert.ok(fib, JSON.stringify(run.profile.top_by_self.slice(0, 5)));
  assert.deepEqual({ fn: fib.function, path: fib.path, line: fib.line }, { fn: "fib", path: "hot.py", line: 5 });
  assert.ok(fib.self_pct >= 20, `fib holds ${fib.self_pct}% self`);
  // json.loads and its helpers are the standard library's: parse_all owns their time.
  const parseAll = run.profile.top_by_total.find((hot) => hot.function === "parse_all") ?? run.profile.top_by_self.find((hot) => hot.function === "parse_all");
  assert.ok(parseAll && parseAll.line === 9 && parseAll.self_with_runtime_ms > parseAll.self_ms, JSON.stringify(parseAll));
  // Well above the import of json (importlib's functions, also in the lists) when the rows are parsed.
  const loads = [...run.profile.top_by_total, ...run.profile.top_by_self].find((hot) => hot.function === "loads");
  assert.equal(loads?.category, "runtime");
  assert.equal(loads?.called_from, "parse_all hot.py:9:0");
  assert.ok(run.profile.app_inclusive_ms > run.profile.duration_ms / 2, `app ${run.profile.app_inclusive_ms} of ${run.profile.duration_ms}`);
  const map = buildPerformanceMap({
    target: { kind: "command", command: "python3 hot.py" },
    baseline: { wall_time_ms: run.wall_ms, cpu_time_ms: null, memory_peak_mb: null, io_read_bytes: null, io_write_bytes: null, http_round_trips: null },
    cpuProfile: run.profile,
    testCommand: null,
  });
  assert.ok(map.performance_map.steps.some((step) => step.function === "fib" && step.location === "hot.py:5"), JSON.stringify(map.performance_map.steps));
});

test("python3 -m module and a failing script: a profile, and a reason", async (t) => {
  if (!(await python3())) {
    t.skip("python3 (with cProfile and pstats) is not on the PATH: no Python profile to check");
    return;
  }
  const module = await runWithCpuProfile(platform, { command: "python3 -m pkg", cwd: project, env, timeoutMs: TIMEOUT_MS });
  assert.ok(module.ok, module.ok ? "" : module.reason);
  assert.equal(module.profile.top_by_self.find((hot) => hot.category === "app")?.function, "fib");
  assert.equal(module.file, null, "the temporary profile is not kept");
  writeFileSync(join(project, "broken.py"), "raise RuntimeError(\"broken on purpose\")\n");
  const broken = await runWithCpuProfile(platform, { command: "python3 broken.py", cwd: project, env, timeoutMs: TIMEOUT_MS });
  assert.equal(broken.ok, false);
  assert.match(broken.ok ? "" : broken.reason, /exited with code 1: .*RuntimeError: broken on purpose/);
});
