// Python commands: how they are run under cProfile (cpu-command-python.ts through planCpuProfile),
// and the pstats table read into the JS profile's shape (python-profile-parse.ts), on a hand-made
// table whose numbers are worked out by hand. The real interpreter is in
// tests/integration/python-profile.test.ts.
import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { planCpuProfile } from "../../src/profile/cpu-command.ts";
import { CPROFILE_BOOTSTRAP } from "../../src/profile/cpu-command-python.ts";
import { shellQuote } from "../../src/profile/cpu-command-words.ts";
import { buildPerformanceMap } from "../../src/profile/perf-map.ts";
import { parsePythonProfile } from "../../src/profile/python-profile-parse.ts";

const project = realpathSync(mkdtempSync(join(tmpdir(), "perfloop-python-unit-")));
after(() => rmSync(project, { recursive: true, force: true }));
writeFileSync(join(project, "hot.py"), "print(1)\n");
writeFileSync(join(project, "tool.py"), "#!/usr/bin/env python3\nprint(1)\n");
chmodSync(join(project, "tool.py"), 0o755);
writeFileSync(join(project, "package.json"), JSON.stringify({ scripts: { crunch: "python3 hot.py --fast" } }));
const D = "/tmp/prof";
const F = `${D}/perfloop-cprofile.prof`;
/** What is spliced in: `python -m cProfile -o F`, without the working directory on sys.path while cProfile loads. */
const P = `-c ${shellQuote(CPROFILE_BOOTSTRAP)} -o ${F}`;
const plan = (command: string) => planCpuProfile(command, { profileDir: D, cwd: project, env: { PATH: "/usr/bin" } });

test("python commands get cProfile spliced in before the script or -m, everything else as written", () => {
  assert.match(P, /^-c 'import sys\n.*\nimport cProfile, optparse, pstats, runpy\n.*\ncProfile\.main\(\)' -o /s);
  const cases: [string, string, string, string][] = [
    // command, shell, reader, rule
    ["python3 hot.py 5", `python3 ${P} hot.py 5`, "python3", "python"],
    ["python hot.py", `python ${P} hot.py`, "python", "python"],
    ["python3 -O -W ignore -X dev hot.py", `python3 -O -W ignore -X dev ${P} hot.py`, "python3", "python"],
    ["python3 -uB -Wignore hot.py", `python3 -uB -Wignore ${P} hot.py`, "python3", "python"],
    ["FOO='a b' /usr/bin/python3.11 hot.py > out.txt", `FOO='a b' /usr/bin/python3.11 ${P} hot.py > out.txt`, "FOO='a b' /usr/bin/python3.11", "python"],
    ["python3 -m pkg.mod --x 1", `python3 ${P} -m pkg.mod --x 1`, "python3", "python"],
    ["python3 -- hot.py", `python3 ${P} -- hot.py`, "python3", "python"],
    ["uv run python hot.py", `uv run python ${P} hot.py`, "uv run python", "python"],
    ["poetry run python3 -m app", `poetry run python3 ${P} -m app`, "poetry run python3", "python"],
    ["./tool.py 3", `python3 ${P} ${project}/tool.py 3`, "python3", "shebang"],
    ["npm run crunch", `python3 ${P} hot.py --fast`, "python3", "package-script"],
  ];
  for (const [command, shell, reader, rule] of cases) {
    const decision = plan(command);
    assert.ok(decision.plan, `${command}: ${decision.reason}`);
    assert.deepEqual(
      { runtime: decision.plan.runtime, shell: decision.plan.shell, reader: decision.plan.cprofile?.readerShell, file: decision.plan.cprofile?.file, rule: decision.plan.rule },
      { runtime: "python", shell, reader, file: F, rule },
      command,
    );
  }
});

test("python commands cProfile cannot run get no profile, with the reason", () => {
  const cases: [string, RegExp][] = [
    ["python3 -c 'print(1)'", /-c` runs code from the command line/],
    ["python3", /starts a REPL/],
    ["python3 -", /stdin/],
    ["python3 missing.py", /`missing.py` is not a file/],
    ["python3 -um mod", /write `-m <module>` as its own word/],
    ["python3 --version", /runs no program/],
    ["uv run hot.py", /`uv run python <script or -m module>`/],
    ["poetry install", /`poetry run python/],
    ["python3 hot.py | sort", /compound command/],
  ];
  for (const [command, reason] of cases) {
    const decision = plan(command);
    assert.equal(decision.plan, null, command);
    assert.match(decision.reason ?? "", reason, command);
  }
});

const ROOT = "/home/me/project";
const STDLIB = "/usr/lib/python3.11";
const SITE = "/venv/lib/python3.11/site-packages";
/**
 * exec (builtin) -> <module> app.py:1 -> crunch app.py:10 -> json decode (stdlib) -> _json.scanstring
 *                                                        -> requests.get (site-packages) -> socket recv_into
 *                                                        -> time.sleep (waiting)
 *                                    -> _find_and_load (frozen importlib) -> marshal.loads  (an import)
 * Times in seconds, as pstats gives them: [file, line, name, calls, tottime, cumtime, callers].
 */
function table() {
  return {
    version: 1,
    stdlib: [STDLIB],
    site: [SITE],
    functions: [
      ["~", 0, "<built-in method builtins.exec>", 1, 0.0001, 1.0, []],
      ["app.py", 1, "<module>", 1, 0.001, 0.9999, [[0, 0.001, 0.9999]]],
      ["app.py", 10, "crunch", 1, 0.5, 0.849, [[1, 0.5, 0.849]]],
      [`${STDLIB}/json/decoder.py`, 332, "decode", 100, 0.1, 0.3, [[2, 0.1, 0.3]]],
      ["~", 0, "<built-in method _json.scanstring>", 1000, 0.2, 0.2, [[3, 0.2, 0.2]]],
      ["<frozen importlib._bootstrap>", 1165, "_find_and_load", 1, 0.05, 0.15, [[1, 0.05, 0.15]]],
      ["~", 0, "<built-in method marshal.loads>", 1, 0.1, 0.1, [[5, 0.1, 0.1]]],
      [`${SITE}/requests/api.py`, 60, "get", 1, 0.01, 0.04, [[2, 0.01, 0.04]]],
      ["~", 0, "<method 'recv_into' of '_socket.socket' objects>", 3, 0.03, 0.03, [[7, 0.03, 0.03]]],
      ["~", 0, "<built-in method time.sleep>", 1, 0.009, 0.009, [[2, 0.009, 0.009]]],
      ["~", 0, "<method 'disable' of '_lsprof.Profiler' objects>", 1, 0.0000007, 0.0000007, []],
    ],
  };
}

test("the pstats table becomes hot functions with file:line; runtime time goes to the person's code", () => {
  const summary = parsePythonProfile(JSON.stringify(table()), { cwd: ROOT, projectRoot: ROOT });
  assert.equal(summary.profiler, "cprofile");
  assert.equal(summary.duration_ms, 1000.1, "the sum of every tottime but the profiler's own");
  assert.equal(summary.samples, 1110, "calls recorded");
  const crunch = summary.top_by_self[0];
  assert.deepEqual(
    { fn: crunch?.function, path: crunch?.path, line: crunch?.line, location: crunch?.location, category: crunch?.category, self: crunch?.self_ms },
    { fn: "crunch", path: "app.py", line: 10, location: "app.py:10:0", category: "app", self: 500 },
  );
  // decode (100) and scanstring (200) are the standard library's: crunch owns them.
  assert.equal(crunch?.self_with_runtime_ms, 800);
  const byName = new Map(summary.top_by_self.map((hot) => [hot.function, hot]));
  assert.equal(byName.get("<built-in method _json.scanstring>")?.called_from, "crunch app.py:10:0");
  assert.equal(byName.get("<built-in method _json.scanstring>")?.location, "(built-in)");
  assert.equal(byName.get("decode")?.category, "runtime");
  assert.equal(byName.get("decode")?.path, `${STDLIB}/json/decoder.py`);
  // A library owns the runtime code it calls (as in the JS profile): requests' socket reads.
  assert.equal(byName.get("get")?.category, "library");
  assert.equal(byName.get("get")?.self_with_runtime_ms, 40);
  assert.equal(byName.get("<method 'recv_into' of '_socket.socket' objects>")?.called_from, `get ${SITE}/requests/api.py:60:0`);
  assert.equal(summary.io_inclusive_ms.network, 40, "requests.get and what it calls, counted once");
  // Waiting is idle, flagged like V8's (idle).
  assert.equal(byName.get("<built-in method time.sleep>")?.category, "idle");
  assert.equal(byName.get("<built-in method time.sleep>")?.flagged, true);
  assert.ok(!summary.top_by_total.some((hot) => hot.function.includes("_lsprof")), "cProfile's own frames are left out");
  assert.deepEqual(summary.self_ms_by_category, { app: 501, library: 10, runtime: 480.1, program: 0, idle: 9, gc: 0, root: 0 });
});

test("an import from top-level code is module loading, owned by no one", () => {
  const summary = parsePythonProfile(table(), { cwd: ROOT, projectRoot: ROOT });
  const byName = new Map(summary.top_by_self.map((hot) => [hot.function, hot]));
  assert.equal(summary.module_loading_ms, 150);
  assert.equal(byName.get("<built-in method marshal.loads>")?.module_loading, true);
  assert.equal(byName.get("<built-in method marshal.loads>")?.called_from, null);
  assert.equal(byName.get("<module>")?.self_with_runtime_ms, 1, "app.py:1 owns none of the import");
  // The person's code on the stack: app 501, decode + scanstring 300, get + recv_into 40; not the import, the sleep or exec.
  assert.equal(summary.app_inclusive_ms, 841);
});

test("the map reads a Python profile like a JS one: steps at the person's file:line", () => {
  const summary = parsePythonProfile(table(), { cwd: ROOT, projectRoot: ROOT });
  const map = buildPerformanceMap({
    target: { kind: "command", command: "python3 app.py" },
    baseline: { wall_time_ms: 1000, cpu_time_ms: 990, memory_peak_mb: null, io_read_bytes: 0, io_write_bytes: 0, http_round_trips: null, cpu_wait_ms: 0 },
    cpuProfile: summary,
    testCommand: null,
  });
  const steps = map.performance_map.steps.map((step) => [step.function, step.location]);
  assert.deepEqual(steps.slice(0, 2), [
    ["crunch", "app.py:10"],
    ["<built-in method _json.scanstring>", "app.py:10"],
  ]);
  assert.ok(steps.some(([fn]) => fn === "<built-in method marshal.loads> (module loading)"), JSON.stringify(steps));
  // The standard library is runtime code: its step stands at the person's caller, not in json/decoder.py.
  assert.ok(steps.some(([fn, location]) => fn === "decode" && location === "app.py:10"), JSON.stringify(steps));
  assert.equal(map.bottleneck_classification, "CPU");
  assert.match(map.bottleneck_detail, /the top function by self time is crunch \(app\.py:10:0/);
  assert.deepEqual(map.wrong_tool_indicators, [], JSON.stringify(map.wrong_tool_evidence));
});

test("a table that is not the expected shape is a typed error", () => {
  const cases: [unknown, RegExp][] = [
    ["{nope", /not JSON/],
    [{ ...table(), version: 2 }, /version/],
    [{ ...table(), functions: [["a.py", 1, "f", 1, 0.1, 0.1, [[7, 0, 0]]]] }, /function 7/],
    [{ ...table(), functions: [["a.py", "x", "f", 1, 0.1, 0.1, []]] }, /functions/],
  ];
  for (const [input, message] of cases) {
    assert.throws(
      () => parsePythonProfile(input, { cwd: ROOT, projectRoot: ROOT }),
      (error: Error & { code?: string }) => error.code === "invalid_python_profile" && message.test(error.message),
      String(message),
    );
  }
});
