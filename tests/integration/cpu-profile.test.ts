// CPU profiles from the real runtimes: node_modules/.bin/bun, /usr/bin/node and node_modules/.bin/deno
// each run a fixture with a clearly hot function (a naive fibonacci) in a temp project; the parsed
// profile must put that function first by self time, at the right file and line. A runtime whose
// binary is absent is skipped. Also the command rules (cpuProfileCommand) on that project.
import assert from "node:assert/strict";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join, resolve } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { detectPlatform } from "../../src/platform/index.ts";
import { type CpuProfileRun, cpuProfileCommand, planCpuProfile, runWithCpuProfile } from "../../src/profile/cpu-profile.ts";
import { buildPerformanceMap, suspicionsFromSource } from "../../src/profile/perf-map.ts";

const platform = detectPlatform();
const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const BIN = join(repo, "node_modules", ".bin");
const BINARIES = { bun: join(BIN, "bun"), node: "/usr/bin/node", deno: join(BIN, "deno") };
const env = { ...platform.env, PATH: `${BIN}${delimiter}/usr/bin${delimiter}${platform.env.PATH ?? ""}`, NO_COLOR: "1" };
/** Generous: a profiled run takes well under a second on a quiet machine. */
const TIMEOUT_MS = 60_000;

const project = realpathSync(mkdtempSync(join(tmpdir(), "perfloop-cpuprof-it-")));
after(() => rmSync(project, { recursive: true, force: true }));

// Line 5 holds `function fib` in both fixtures; the TS one has types and an interface to erase.
const HOT_TS = `// fixture: one clearly hot function
interface Options { n: number; rounds: number }

/** Naive on purpose. */
export function fib(n: number): number {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

function main(options: Options): void {
  let total = 0;
  for (let i = 0; i < options.rounds; i++) total += fib(options.n);
  console.log(total);
}

main({ n: 30, rounds: 10 });
`;
const HOT_MJS = `// fixture: one clearly hot function
const N = 30;

/** Naive on purpose. */
export function fib(n) {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

let total = 0;
for (let i = 0; i < 10; i++) total += fib(N);
console.log(total);
`;
writeFileSync(join(project, "hot.ts"), HOT_TS);
writeFileSync(join(project, "hot.mjs"), HOT_MJS);
writeFileSync(join(project, "cli.mjs"), `#!/usr/bin/env node\n${HOT_MJS.split("\n").slice(1).join("\n")}`.replace("// fixture", "//"));
chmodSync(join(project, "cli.mjs"), 0o755);
writeFileSync(
  join(project, "package.json"),
  JSON.stringify({ name: "fixture", private: true, scripts: { "hot:bun": "bun hot.ts", "hot:node": "node hot.mjs", py: "python3 x.py" } }),
);
mkdirSync(join(project, "node_modules", "tool"), { recursive: true });
mkdirSync(join(project, "node_modules", ".bin"), { recursive: true });
writeFileSync(join(project, "node_modules", "tool", "cli.js"), "#!/usr/bin/env node\nconsole.log('tool');\n");
symlinkSync("../tool/cli.js", join(project, "node_modules", ".bin", "tool"));

const D = "/tmp/prof-dir";
const plan = (command: string, extraEnv: Record<string, string> = {}) =>
  planCpuProfile(command, { profileDir: D, cwd: project, env: { PATH: "/usr/bin", ...extraEnv } });

test("command rules: how each kind of command line gets its profiler", () => {
  const binPath = `${join(project, "node_modules", ".bin")}${delimiter}/usr/bin`;
  const cases: [string, { rule: string; runtime: string; shell: string; env: Record<string, string> }][] = [
    ["node hot.mjs", { rule: "node", runtime: "node", shell: `node --cpu-prof --cpu-prof-dir=${D} hot.mjs`, env: {} }],
    [
      "FOO='a b' /usr/bin/node --max-old-space-size=100 hot.mjs > out.txt 2>&1",
      { rule: "node", runtime: "node", shell: `FOO='a b' /usr/bin/node --cpu-prof --cpu-prof-dir=${D} --max-old-space-size=100 hot.mjs > out.txt 2>&1`, env: {} },
    ],
    ["bun hot.ts", { rule: "bun", runtime: "bun", shell: "bun hot.ts", env: { BUN_OPTIONS: `--cpu-prof --cpu-prof-dir=${D}` } }],
    ["bun run --smol hot.ts", { rule: "bun", runtime: "bun", shell: "bun run --smol hot.ts", env: { BUN_OPTIONS: `--cpu-prof --cpu-prof-dir=${D}` } }],
    ["bun -e 'console.log(1)'", { rule: "bun", runtime: "bun", shell: "bun -e 'console.log(1)'", env: { BUN_OPTIONS: `--cpu-prof --cpu-prof-dir=${D}` } }],
    ["bun run hot:bun", { rule: "bun-script", runtime: "bun", shell: "bun run hot:bun", env: { BUN_OPTIONS: `--cpu-prof --cpu-prof-dir=${D}` } }],
    ["npm run hot:bun", { rule: "bun-script", runtime: "bun", shell: "npm run hot:bun", env: { BUN_OPTIONS: `--cpu-prof --cpu-prof-dir=${D}` } }],
    ["bun --bun run hot:node", { rule: "bun-script", runtime: "bun", shell: "bun --bun run hot:node", env: { BUN_OPTIONS: `--cpu-prof --cpu-prof-dir=${D}` } }],
    ["bun run hot:node", { rule: "package-script", runtime: "node", shell: `node --cpu-prof --cpu-prof-dir=${D} hot.mjs`, env: { PATH: binPath } }],
    ["npm run hot:node -- --x 'y z'", { rule: "package-script", runtime: "node", shell: `node --cpu-prof --cpu-prof-dir=${D} hot.mjs --x 'y z'`, env: { PATH: binPath } }],
    ["npm run hot:node --silent", { rule: "package-script", runtime: "node", shell: `node --cpu-prof --cpu-prof-dir=${D} hot.mjs`, env: { PATH: binPath } }],
    ["pnpm hot:node 7", { rule: "package-script", runtime: "node", shell: `node --cpu-prof --cpu-prof-dir=${D} hot.mjs 7`, env: { PATH: binPath } }],
    ["yarn run hot:node", { rule: "package-script", runtime: "node", shell: `node --cpu-prof --cpu-prof-dir=${D} hot.mjs`, env: { PATH: binPath } }],
    ["deno run -A hot.ts", { rule: "deno-run", runtime: "deno", shell: `deno run --cpu-prof --cpu-prof-dir=${D} -A hot.ts`, env: {} }],
    ["deno hot.ts", { rule: "deno-implicit-run", runtime: "deno", shell: `deno --cpu-prof --cpu-prof-dir=${D} hot.ts`, env: {} }],
    ["deno -A hot.ts", { rule: "deno-implicit-run", runtime: "deno", shell: `deno --cpu-prof --cpu-prof-dir=${D} -A hot.ts`, env: {} }],
    ["./cli.mjs 5", { rule: "shebang", runtime: "node", shell: `node --cpu-prof --cpu-prof-dir=${D} ${project}/cli.mjs 5`, env: {} }],
    ["npx tool --flag", { rule: "shebang", runtime: "node", shell: `node --cpu-prof --cpu-prof-dir=${D} ${project}/node_modules/.bin/tool --flag`, env: {} }],
    ["tool", { rule: "shebang", runtime: "node", shell: `node --cpu-prof --cpu-prof-dir=${D} ${project}/node_modules/.bin/tool`, env: {} }],
    ["cd sub && bun hot.ts | cat", { rule: "compound-bun", runtime: "bun", shell: "cd sub && bun hot.ts | cat", env: { BUN_OPTIONS: `--cpu-prof --cpu-prof-dir=${D}` } }],
  ];
  for (const [command, expected] of cases) {
    const decision = plan(command);
    assert.ok(decision.plan, `${command}: ${decision.reason}`);
    const { rule, runtime, shell, env: planEnv } = decision.plan;
    assert.deepEqual({ rule, runtime, shell, env: planEnv }, expected, command);
  }
});

test("command rules: what gets no profile, and why", () => {
  const cases: [string, RegExp][] = [
    ["bun test", /bun test` writes no CPU profile/],
    ["bun build ./a.ts --outdir out", /not a run of JS\/TS code/],
    ["bun", /REPL/],
    ["bunx cowsay", /bunx/],
    ["node --test", /child process/],
    ["deno test -A", /deno test` has no --cpu-prof/],
    ["yarn run missing", /no script "missing"/],
    ["npm run py", /package script "py" \(`python3 x.py`\): `x.py` is not a file in the working directory/],
    ["npm install", /not a package script run/],
    ["npx absent-tool", /not in node_modules\/.bin/],
    ["tsx hot.ts", /loader/],
    ["python3 x.py", /`x.py` is not a file/],
    ["node a.js | grep x", /compound command/],
    ["echo 'unterminated", /cannot be read: unterminated single quote/],
    ["   ", /empty/],
    ["./missing.js", /not a JS\/TS run/],
  ];
  for (const [command, reason] of cases) {
    const decision = plan(command);
    assert.equal(decision.plan, null, command);
    assert.match(decision.reason ?? "", reason, command);
    assert.equal(cpuProfileCommand(command, { profileDir: D, cwd: project }), null, command);
  }
});

test("command rules: an existing BUN_OPTIONS is kept, and a directory with a space cannot go into it", () => {
  assert.equal(plan("bun hot.ts", { BUN_OPTIONS: "--smol" }).plan?.env.BUN_OPTIONS, `--cpu-prof --cpu-prof-dir=${D} --smol`);
  const spaced = planCpuProfile("bun hot.ts", { profileDir: "/tmp/a b", cwd: project });
  assert.equal(spaced.plan, null);
  assert.match(spaced.reason ?? "", /whitespace/);
  // node and deno quote it for the shell instead.
  assert.equal(planCpuProfile("node hot.mjs", { profileDir: "/tmp/a b", cwd: project }).plan?.shell, "node --cpu-prof '--cpu-prof-dir=/tmp/a b' hot.mjs");
});

function assertFibOnTop(run: CpuProfileRun, file: string | null, label: string): void {
  assert.ok(run.ok, `${label}: ${run.ok ? "" : run.reason}`);
  const top = run.profile.top_by_self[0];
  assert.ok(top, `${label}: no functions`);
  assert.equal(top.function, "fib", `${label}: top by self is ${top.function} at ${top.location}`);
  assert.equal(top.line, 5, `${label}: ${top.location}`);
  if (file) {
    assert.equal(top.path, file, label);
    assert.equal(top.category, "app", label);
    assert.match(top.location, new RegExp(`^${file.replace(".", "\\.")}:5:\\d+$`), label);
  }
  assert.ok(top.self_pct >= 50, `${label}: fib holds only ${top.self_pct}% self`);
  assert.ok(run.profile.samples > 20, `${label}: only ${run.profile.samples} samples`);
}

const runtimeCases: [keyof typeof BINARIES, string, string][] = [
  ["bun", "bun hot.ts", "hot.ts"],
  ["node", "node hot.mjs", "hot.mjs"],
  ["deno", "deno run hot.ts", "hot.ts"],
];
for (const [runtime, command, file] of runtimeCases) {
  test(`a real ${runtime} profile puts fib first by self time at ${file}:5`, async (t) => {
    if (!existsSync(BINARIES[runtime])) {
      t.skip(`${BINARIES[runtime]} is absent`);
      return;
    }
    const run = await runWithCpuProfile(platform, { command, cwd: project, env, timeoutMs: TIMEOUT_MS });
    assertFibOnTop(run, file, runtime);
    if (run.ok) {
      assert.equal(run.runtime, runtime);
      assert.equal(run.profiles_found, 1);
      assert.equal(run.file, null, "the temporary profile is not kept");
      // fib recurses: its total time is counted once per sample, never above 100%.
      const fib = run.profile.top_by_total.find((hot) => hot.function === "fib");
      assert.ok(fib && fib.total_pct <= 100 && fib.total_pct >= fib.self_pct);
    }
  });
}

test("a node package script run through npm is profiled directly, with the same result", async (t) => {
  if (!existsSync(BINARIES.node) || !existsSync("/usr/bin/npm")) {
    t.skip("node or npm is absent");
    return;
  }
  const run = await runWithCpuProfile(platform, { command: "npm run hot:node", cwd: project, env, timeoutMs: TIMEOUT_MS });
  assertFibOnTop(run, "hot.mjs", "npm run hot:node");
  assert.ok(run.ok && run.rule === "package-script" && run.note?.includes("not through npm"));
});

test("a bun package script keeps the person's command; BUN_OPTIONS reaches the bun inside", async (t) => {
  if (!existsSync(BINARIES.bun)) {
    t.skip("bun is absent");
    return;
  }
  const run = await runWithCpuProfile(platform, { command: "bun run hot:bun", cwd: project, env, timeoutMs: TIMEOUT_MS });
  assertFibOnTop(run, "hot.ts", "bun run hot:bun");
  assert.ok(run.ok && run.rule === "bun-script" && run.shell === "bun run hot:bun");
});

test("a file with a node shebang is run by node with the profiler", async (t) => {
  if (!existsSync(BINARIES.node)) {
    t.skip("node is absent");
    return;
  }
  const run = await runWithCpuProfile(platform, { command: "./cli.mjs", cwd: project, env, timeoutMs: TIMEOUT_MS });
  assertFibOnTop(run, "cli.mjs", "./cli.mjs");
});

test("a compiled bun binary (built with --sourcemap) is recognised and profiled through BUN_OPTIONS; a kept profile stays", async (t) => {
  if (!existsSync(BINARIES.bun)) {
    t.skip("bun is absent");
    return;
  }
  const build = await platform.spawn({
    argv: [BINARIES.bun, "build", "--compile", "--sourcemap", "hot.ts", "--outfile", "hot-bin"],
    cwd: project,
    env,
    timeoutMs: TIMEOUT_MS,
    maxOutputBytes: 65536,
  });
  assert.equal(build.exitCode, 0, build.stderr);
  try {
    const keep = join(project, "kept-profiles");
    const run = await runWithCpuProfile(platform, { command: "./hot-bin", cwd: project, env, timeoutMs: TIMEOUT_MS, profileDir: keep });
    // With --sourcemap the binary names its sources relative to where it was built (without it, the
    // bundle's own lines under /$bunfs/).
    assertFibOnTop(run, "hot.ts", "compiled binary");
    assert.ok(run.ok && run.rule === "bun-compiled");
    assert.ok(run.ok && run.file && existsSync(run.file), "the profile is kept when a directory is given");
    assert.equal(readdirSync(keep).filter((name) => name.endsWith(".cpuprofile")).length, 1);
  } finally {
    rmSync(join(project, "hot-bin"), { force: true });
  }
});

test("no profile is a reason, not an error: not a JS run, a failing run, a run that writes none", async (t) => {
  const notJs = await runWithCpuProfile(platform, { command: "sh -c true", cwd: project, env, timeoutMs: TIMEOUT_MS });
  assert.equal(notJs.ok, false);
  assert.match(notJs.ok ? "" : notJs.reason, /not a JS\/TS run/);
  if (!existsSync(BINARIES.node)) {
    t.skip("node is absent");
    return;
  }
  const failing = await runWithCpuProfile(platform, { command: `node -e "console.error('broken'); process.exit(3)"`, cwd: project, env, timeoutMs: TIMEOUT_MS });
  assert.equal(failing.ok, false);
  assert.match(failing.ok ? "" : failing.reason, /exited with code 3: broken/);
  const timedOut = await runWithCpuProfile(platform, { command: `node -e "setTimeout(() => {}, 30000)"`, cwd: project, env, timeoutMs: 500 });
  assert.match(timedOut.ok ? "" : timedOut.reason, /timed out after 500 ms/);
  if (existsSync(BINARIES.bun)) {
    // Planned as a compound bun run, but the bun part never runs.
    const none = await runWithCpuProfile(platform, { command: "true || bun hot.ts", cwd: project, env, timeoutMs: TIMEOUT_MS });
    assert.equal(none.ok, false);
    assert.match(none.ok ? "" : none.reason, /wrote no \.cpuprofile/);
  }
});

// A real profile through the whole chain: hot functions -> suspicions from the source -> the map.
const WORK_MJS = `import { readFileSync, writeFileSync } from "node:fs";
const names = [];
for (let i = 0; i < 20; i++) names.push(\`data-\${i}.json\`);

export function loadAll(list) {
  let count = 0;
  for (let round = 0; round < 40; round++) {
    for (const name of list) {
      const data = JSON.parse(readFileSync(name, "utf8"));
      count += data.rows.length;
    }
  }
  return count;
}

for (const name of names) writeFileSync(name, JSON.stringify({ rows: Array.from({ length: 4000 }, (_, k) => ({ k, s: "x" + k })) }));
console.log(loadAll(names));
`;
writeFileSync(join(project, "work.mjs"), WORK_MJS);

const chainCases: [keyof typeof BINARIES, string][] = [
  ["bun", "bun work.mjs"],
  ["node", "node work.mjs"],
  ["deno", "deno run -A work.mjs"],
];
for (const [runtime, command] of chainCases) {
  test(`${runtime}: the profile's hot function leads to a confirmed JSON-in-a-loop suspicion and a map`, async (t) => {
    if (!existsSync(BINARIES[runtime])) {
      t.skip(`${BINARIES[runtime]} is absent`);
      return;
    }
    const run = await runWithCpuProfile(platform, { command, cwd: project, env, timeoutMs: TIMEOUT_MS });
    assert.ok(run.ok, run.ok ? "" : run.reason);
    const loadAll = run.profile.top_by_total.find((hot) => hot.function === "loadAll");
    assert.ok(loadAll, "loadAll is among the top functions by total time");
    assert.equal(loadAll.line, 5);
    const suspicions = suspicionsFromSource(project, [...run.profile.top_by_self, ...run.profile.top_by_total]);
    const json = suspicions.find((s) => s.category === "json_in_loop" && s.location === "work.mjs:9");
    assert.equal(json?.verdict, "confirmed", JSON.stringify(suspicions));
    assert.equal(suspicions.find((s) => s.category === "sync_fs_in_hot_path" && s.location === "work.mjs:9")?.verdict, "confirmed");
    const map = buildPerformanceMap({
      target: { kind: "command", command },
      baseline: { wall_time_ms: run.wall_ms, cpu_time_ms: null, memory_peak_mb: null, io_read_bytes: null, io_write_bytes: null, http_round_trips: null },
      cpuProfile: run.profile,
      suspicions,
      testCommand: null,
    });
    assert.ok(map.performance_map.steps.length > 0);
    assert.ok(map.top_bottlenecks.length > 0 && map.top_bottlenecks.length <= 3);
    assert.ok(map.optimization_hints.some((hint) => hint.startsWith("work.mjs:9 (loadAll)")), JSON.stringify(map.optimization_hints));
    assert.deepEqual(map.wrong_tool_indicators, [], JSON.stringify(map.wrong_tool_evidence));
  });
}
