// Knobs from the stack (src/research/knobs.ts): which configuration-level hypotheses, notes and
// skipped knobs come out of a command, a stack, a profile and an environment; and the --knob flag.
// Every hypothesis goes through parseHypotheses, as every source does, to prove it is valid.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { UsageError } from "../../src/errors.ts";
import { parseHypotheses, splitContested } from "../../src/research/hypotheses.ts";
import type { HypothesisInput } from "../../src/research/hypotheses-schema.ts";
import { commandShape } from "../../src/research/knob-command.ts";
import { knobFlagHypotheses, parseKnobFlag } from "../../src/research/knob-flag.ts";
import { type KnobInput, type KnobProfile, proposeKnobs } from "../../src/research/knobs.ts";
import { sourceId } from "../../src/research/source-ids.ts";

const GC = (pct: number) => ({ function: "(garbage collector)", location: "(garbage collector)", self_pct: pct });
const IDLE = (pct: number) => ({ function: "(idle)", location: "(idle)", self_pct: pct });
const APP = { function: "main", location: "src/app.js:3:1", self_pct: 40 };

function input(overrides: Partial<Omit<KnobInput, "profile">> & { profile?: Partial<KnobProfile> } = {}): KnobInput {
  const { profile, ...rest } = overrides;
  return {
    command: "node app.js",
    stack: ["node"],
    env: {},
    ...rest,
    profile: { classification: "CPU", hot_functions: [APP], baseline: { wall_time_ms: 1000, cpu_time_ms: 950 }, ...profile },
  };
}

/** Parses like a source does; returns the parsed list. */
function valid(hypotheses: HypothesisInput[]) {
  return parseHypotheses({ version: 1, hypotheses }, "knobs");
}

function envOf(h: HypothesisInput): Record<string, string> {
  assert.equal(h.change.kind, "env");
  return (h.change as { set: Record<string, string> }).set;
}

describe("proposeKnobs: hypotheses", () => {
  const cases: [name: string, given: KnobInput, ids: string[], env: Record<string, string>[]][] = [
    ["nothing to tune: a CPU-bound run without GC pressure", input({ profile: { hot_functions: [APP, GC(3)] } }), [], []],
    ["GC at 23% under node: three semi-space sizes", input({ profile: { hot_functions: [APP, GC(23)] } }), ["knob-semi-space-32", "knob-semi-space-64", "knob-semi-space-128"], [
      { NODE_OPTIONS: "--max-semi-space-size=32" },
      { NODE_OPTIONS: "--max-semi-space-size=64" },
      { NODE_OPTIONS: "--max-semi-space-size=128" },
    ]],
    ["GC exactly at the threshold", input({ profile: { hot_functions: [GC(10)] } }), ["knob-semi-space-32", "knob-semi-space-64", "knob-semi-space-128"], [
      { NODE_OPTIONS: "--max-semi-space-size=32" },
      { NODE_OPTIONS: "--max-semi-space-size=64" },
      { NODE_OPTIONS: "--max-semi-space-size=128" },
    ]],
    ["the categories win over the hot list", input({ profile: { hot_functions: [GC(3)] }, categories: { duration_ms: 200, self_ms_by_category: { gc: 40 } } }), ["knob-semi-space-32", "knob-semi-space-64", "knob-semi-space-128"], [
      { NODE_OPTIONS: "--max-semi-space-size=32" },
      { NODE_OPTIONS: "--max-semi-space-size=64" },
      { NODE_OPTIONS: "--max-semi-space-size=128" },
    ]],
    ["an existing NODE_OPTIONS is kept, its semi-space size replaced and not tried again", input({ env: { NODE_OPTIONS: "--enable-source-maps --max-semi-space-size=64 --trace-warnings" }, profile: { hot_functions: [GC(30)] } }), ["knob-semi-space-32", "knob-semi-space-128"], [
      { NODE_OPTIONS: "--enable-source-maps --trace-warnings --max-semi-space-size=32" },
      { NODE_OPTIONS: "--enable-source-maps --trace-warnings --max-semi-space-size=128" },
    ]],
    ["a space-separated semi-space size in NODE_OPTIONS", input({ env: { NODE_OPTIONS: "--max_semi_space_size 32" }, profile: { hot_functions: [GC(30)] } }), ["knob-semi-space-64", "knob-semi-space-128"], [
      { NODE_OPTIONS: "--max-semi-space-size=64" },
      { NODE_OPTIONS: "--max-semi-space-size=128" },
    ]],
    ["deno: DENO_V8_FLAGS, comma-separated, existing flags kept", input({ command: "deno run -A main.ts", stack: ["deno"], runtime: "deno", env: { DENO_V8_FLAGS: "--expose-gc" }, profile: { hot_functions: [GC(15)] } }), ["knob-semi-space-32", "knob-semi-space-64", "knob-semi-space-128"], [
      { DENO_V8_FLAGS: "--expose-gc,--max-semi-space-size=32" },
      { DENO_V8_FLAGS: "--expose-gc,--max-semi-space-size=64" },
      { DENO_V8_FLAGS: "--expose-gc,--max-semi-space-size=128" },
    ]],
    ["npm run with a node stack: NODE_OPTIONS reaches the script's node", input({ command: "npm run build", profile: { hot_functions: [GC(12)], baseline: { wall_time_ms: 100000, cpu_time_ms: 90000 } } }), ["knob-semi-space-32", "knob-semi-space-64", "knob-semi-space-128"], [
      { NODE_OPTIONS: "--max-semi-space-size=32" },
      { NODE_OPTIONS: "--max-semi-space-size=64" },
      { NODE_OPTIONS: "--max-semi-space-size=128" },
    ]],
    ["async fs and zlib: two thread pool sizes", input({ profile: { classification: "I/O-File", hot_functions: [IDLE(80), { function: "processCallback", location: "node:zlib:500:25", self_pct: 3.5 }, { function: "readFileHandle", location: "node:internal/fs/promises:508:30", self_pct: 0.6 }] } }), ["knob-uv-threadpool-8", "knob-uv-threadpool-16"], [
      { UV_THREADPOOL_SIZE: "8" },
      { UV_THREADPOOL_SIZE: "16" },
    ]],
    ["fs callbacks (FSReqCallback) count as asynchronous", input({ profile: { hot_functions: [IDLE(90), { function: "FSReqCallback", location: "(native)", self_pct: 0.6 }] } }), ["knob-uv-threadpool-8", "knob-uv-threadpool-16"], [
      { UV_THREADPOOL_SIZE: "8" },
      { UV_THREADPOOL_SIZE: "16" },
    ]],
    ["async crypto (pbkdf2)", input({ profile: { hot_functions: [IDLE(50), { function: "pbkdf2", location: "node:internal/crypto/pbkdf2:33:16", self_pct: 0.5 }] } }), ["knob-uv-threadpool-8", "knob-uv-threadpool-16"], [
      { UV_THREADPOOL_SIZE: "8" },
      { UV_THREADPOOL_SIZE: "16" },
    ]],
    ["I/O-File with an idle main thread and no telling frames", input({ profile: { classification: "I/O-File", hot_functions: [IDLE(60), { function: "read", location: "(native)", self_pct: 2 }] } }), ["knob-uv-threadpool-8", "knob-uv-threadpool-16"], [
      { UV_THREADPOOL_SIZE: "8" },
      { UV_THREADPOOL_SIZE: "16" },
    ]],
    ["a pool of 8 in the environment: only 16 is larger", input({ env: { UV_THREADPOOL_SIZE: "8" }, profile: { hot_functions: [IDLE(80), { function: "FSReqCallback", location: "(native)", self_pct: 1 }] } }), ["knob-uv-threadpool-16"], [{ UV_THREADPOOL_SIZE: "16" }]],
    ["GC pressure and async fs: both groups", input({ profile: { hot_functions: [IDLE(40), GC(20), { function: "readFileHandle", location: "node:internal/fs/promises:508:30", self_pct: 2 }] } }), ["knob-semi-space-32", "knob-semi-space-64", "knob-semi-space-128", "knob-uv-threadpool-8", "knob-uv-threadpool-16"], [
      { NODE_OPTIONS: "--max-semi-space-size=32" },
      { NODE_OPTIONS: "--max-semi-space-size=64" },
      { NODE_OPTIONS: "--max-semi-space-size=128" },
      { UV_THREADPOOL_SIZE: "8" },
      { UV_THREADPOOL_SIZE: "16" },
    ]],
    ["make without -j: MAKEFLAGS up to the CPU count", input({ command: "make all", stack: ["make"], cpu_count: 4 }), ["knob-makeflags-2", "knob-makeflags-4"], [{ MAKEFLAGS: "-j2" }, { MAKEFLAGS: "-j4" }]],
    ["make on 16 CPUs: the CPU count too", input({ command: "make", stack: ["make"], cpu_count: 16 }), ["knob-makeflags-2", "knob-makeflags-4", "knob-makeflags-8", "knob-makeflags-16"], [
      { MAKEFLAGS: "-j2" },
      { MAKEFLAGS: "-j4" },
      { MAKEFLAGS: "-j8" },
      { MAKEFLAGS: "-j16" },
    ]],
    ["an existing MAKEFLAGS is kept", input({ command: "make", cpu_count: 2, env: { MAKEFLAGS: "--no-print-directory" } }), ["knob-makeflags-2"], [{ MAKEFLAGS: "--no-print-directory -j2" }]],
    ["make inside a package script", input({ command: "npm run build", scripts: { build: "make -C native && node build.js" }, cpu_count: 2, profile: { baseline: { wall_time_ms: 60000, cpu_time_ms: 50000 } } }), ["knob-makeflags-2"], [{ MAKEFLAGS: "-j2" }]],
    ["cmake --build without --parallel", input({ command: "cmake --build build", stack: ["c/c++"], cpu_count: 8 }), ["knob-cmake-parallel-2", "knob-cmake-parallel-4", "knob-cmake-parallel-8"], [
      { CMAKE_BUILD_PARALLEL_LEVEL: "2" },
      { CMAKE_BUILD_PARALLEL_LEVEL: "4" },
      { CMAKE_BUILD_PARALLEL_LEVEL: "8" },
    ]],
    ["cmake configuring (no --build) has no parallel level", input({ command: "cmake -S . -B build", cpu_count: 8 }), [], []],
  ];
  for (const [name, given, ids, env] of cases) {
    test(name, () => {
      const { hypotheses } = proposeKnobs(given);
      assert.deepEqual(hypotheses.map((h) => h.id), ids);
      assert.deepEqual(hypotheses.map(envOf), env);
      const parsed = valid(hypotheses);
      for (const h of parsed) {
        assert.equal(h.fix_level, "configuration");
        assert.match(h.group ?? "", /^knob:(?:semi-space|uv-threadpool|makeflags|cmake-parallel)$/);
        assert.ok(h.evidence.length >= 2, `${h.id} says why it was proposed and why it keeps behaviour`);
        assert.ok(h.evidence.some((line) => /keeps behaviour/.test(line)), `${h.id}: ${h.evidence.join(" | ")}`);
      }
      // Each kind of two or more values is one contested knob group: at most one of it is kept.
      // A lone value contests nothing and joins the strike.
      const sizes = new Map<string, number>();
      for (const h of parsed) sizes.set(h.group!, (sizes.get(h.group!) ?? 0) + 1);
      const split = splitContested(parsed);
      assert.deepEqual(split.contested.map((group) => [group.name, group.kind, group.members.length]), [...sizes].filter(([, n]) => n > 1).map(([group, n]) => [group, "knob", n]));
      assert.deepEqual(split.uncontested.map((h) => h.group), [...sizes].filter(([, n]) => n === 1).map(([group]) => group));
    });
  }

  test("the GC share is the evidence and half of it the expected impact; 128 MiB is a medium risk", () => {
    const parsed = valid(proposeKnobs(input({ profile: { hot_functions: [GC(23.4)], steps: [{ id: "2", function: "(garbage collector)", time_share_pct: 23.4 }] } })).hypotheses);
    assert.deepEqual(parsed.map((h) => h.expected_impact), [11.7, 11.7, 11.7]);
    assert.deepEqual(parsed.map((h) => h.risk), ["low", "low", "medium"]);
    assert.deepEqual(parsed.map((h) => h.bottleneck_addressed), ["2", "2", "2"]);
    assert.match(parsed[0]!.evidence[0]!, /^23\.4% .*\(garbage collector\)/);
  });

  test("the pool's expected impact is a quarter of the idle share", () => {
    const parsed = valid(proposeKnobs(input({ profile: { hot_functions: [IDLE(80), { function: "FSReqCallback", location: "(native)", self_pct: 1 }] } })).hypotheses);
    assert.deepEqual(parsed.map((h) => h.expected_impact), [20, 20]);
  });

  test("ids are stable: the same input gives the same hypotheses", () => {
    const given = input({ profile: { hot_functions: [GC(20)] } });
    assert.deepEqual(proposeKnobs(given), proposeKnobs(given));
  });
});

describe("proposeKnobs: skipped knobs say why", () => {
  const cases: [name: string, given: KnobInput, knob: string, reason: RegExp][] = [
    ["GC under the threshold", input({ profile: { hot_functions: [GC(4.3)] } }), "knob:semi-space", /4\.3% .*under the 10%/],
    ["no GC among the top functions", input({ profile: { hot_functions: [APP] } }), "knob:semi-space", /not among the CPU profile's top functions/],
    ["bun has no semi-space", input({ command: "bun run app.ts", stack: ["node", "bun"], runtime: "bun", profile: { hot_functions: [GC(20)] } }), "knob:semi-space", /JavaScriptCore/],
    ["an unknown runtime", input({ command: "./run.sh", stack: [], profile: { hot_functions: [GC(20)] } }), "knob:semi-space", /runtime is not known/],
    ["node's own flag wins over NODE_OPTIONS", input({ command: "node --max-semi-space-size=8 app.js", profile: { hot_functions: [GC(20)] } }), "knob:semi-space", /gives node a semi-space size itself/],
    ["NODE_OPTIONS set on the command line", input({ command: "NODE_OPTIONS=--inspect node app.js", profile: { hot_functions: [GC(20)] } }), "knob:semi-space", /command line sets NODE_OPTIONS itself/],
    ["a --knob on the same variable", input({ given_knobs: ["NODE_OPTIONS"], profile: { hot_functions: [GC(20)] } }), "knob:semi-space", /--knob NODE_OPTIONS sweeps it already/],
    ["sync fs/zlib/crypto never uses the pool", input({ profile: { classification: "CPU", hot_functions: [{ function: "processChunkSync", location: "node:zlib:393:26", self_pct: 72.8 }, { function: "pbkdf2Sync", location: "node:internal/crypto/pbkdf2:62:20", self_pct: 19 }, { function: "tryReadSync", location: "node:fs:420:21", self_pct: 0.9 }] } }), "knob:uv-threadpool", /synchronous \(processChunkSync 72\.8%, pbkdf2Sync 19%, tryReadSync 0\.9%\).*never uses libuv's pool/],
    ["readFileSync's utf8 native is sync", input({ profile: { classification: "I/O-File", hot_functions: [{ function: "readFileUtf8", location: "(native)", self_pct: 30 }] } }), "knob:uv-threadpool", /synchronous/],
    ["I/O-File with a busy main thread and no telling frames", input({ profile: { classification: "I/O-File", hot_functions: [IDLE(5), APP] } }), "knob:uv-threadpool", /idle only 5%/],
    ["the pool is libuv's: not for bun", input({ command: "bun app.ts", runtime: "bun", profile: { hot_functions: [IDLE(80), { function: "readFileHandle", location: "node:internal/fs/promises:508:30", self_pct: 2 }] } }), "knob:uv-threadpool", /only Node uses; the target runs on bun/],
    ["a pool already at 16", input({ env: { UV_THREADPOOL_SIZE: "16" }, profile: { hot_functions: [IDLE(80), { function: "FSReqCallback", location: "(native)", self_pct: 1 }] } }), "knob:uv-threadpool", /16 already/],
    ["make -j4 is parallel already", input({ command: "make -j4 all", cpu_count: 8 }), "knob:makeflags", /already \(-j4\)/],
    ["MAKEFLAGS with -j in the environment", input({ command: "make", cpu_count: 8, env: { MAKEFLAGS: "-j3" } }), "knob:makeflags", /already \(MAKEFLAGS=-j3\)/],
    ["MAKEFLAGS set by the command line", input({ command: "MAKEFLAGS=-s make", cpu_count: 8 }), "knob:makeflags", /sets MAKEFLAGS itself/],
    ["one CPU", input({ command: "make", cpu_count: 1 }), "knob:makeflags", /1 CPU/],
    ["cmake --parallel", input({ command: "cmake --build build --parallel 4", cpu_count: 8 }), "knob:cmake-parallel", /already \(--parallel\)/],
    ["a fast wrapper", input({ command: "npx tsc -p .", profile: { baseline: { wall_time_ms: 60000, cpu_time_ms: 50000 } } }), "wrapper", /0\.7% of the 60000 ms wall time, under 2%/],
  ];
  for (const [name, given, knob, reason] of cases) {
    test(name, () => {
      const proposal = proposeKnobs(given);
      const skip = proposal.skipped.find((item) => item.knob === knob);
      assert.ok(skip, `no skip for ${knob}: ${JSON.stringify(proposal.skipped)}`);
      assert.match(skip.reason, reason);
      assert.ok(!proposal.hypotheses.some((h) => h.group === knob), `${knob} was proposed too`);
      valid(proposal.hypotheses);
    });
  }
});

describe("proposeKnobs: notes for what a hypothesis cannot change", () => {
  const slow = { baseline: { wall_time_ms: 2000, cpu_time_ms: 1500 } };
  const cases: [name: string, given: KnobInput, knob: string, text: RegExp][] = [
    ["npx: the direct binary", input({ command: "npx --yes eslint@9 'src/**/*.ts' --quiet", profile: slow }), "wrapper", /^measure node_modules\/\.bin\/eslint 'src\/\*\*\/\*\.ts' --quiet instead of going through npx/],
    ["npm exec is npx", input({ command: "npm exec -- tsc -p .", profile: slow }), "wrapper", /node_modules\/\.bin\/tsc -p \. instead of going through npx/],
    ["bunx with a measured start-up", input({ command: "bunx vite build", wrapper_startup_ms: 90, profile: slow }), "wrapper", /node_modules\/\.bin\/vite build instead of going through bunx/],
    ["npm run with the script known", input({ command: "npm run build -- --minify", scripts: { build: "esbuild src/index.ts --bundle" }, profile: slow }), "wrapper", /PATH="\$PWD\/node_modules\/\.bin:\$PATH" esbuild src\/index\.ts --bundle --minify instead of going through npm/],
    ["npm test with the script unknown", input({ command: "npm test", profile: slow }), "wrapper", /package\.json's scripts\.test/],
    ["yarn <x>: a script or a binary when the scripts are unknown", input({ command: "yarn jest --ci", profile: slow }), "wrapper", /node_modules\/\.bin\/jest --ci \(or, if jest is a package\.json script/],
    ["yarn <x>: a binary when the scripts do not have it", input({ command: "yarn tsc", scripts: { build: "tsc" }, profile: slow }), "wrapper", /^measure node_modules\/\.bin\/tsc instead of going through yarn/],
    ["pnpm <script>", input({ command: "pnpm build", scripts: { build: "vite build" }, profile: slow }), "wrapper", /vite build instead of going through pnpm/],
    ["jest --runInBand", input({ command: "npx jest --runInBand", profile: slow }), "parallel:jest", /--runInBand\): try --maxWorkers/],
    ["jest by default", input({ command: "node node_modules/.bin/jest", profile: slow }), "parallel:jest", /--maxWorkers=<n>/],
    ["jest through a package script", input({ command: "npm test", scripts: { test: "jest --coverage" }, profile: slow }), "parallel:jest", /--maxWorkers/],
    ["vitest without a pool", input({ command: "vitest run", profile: slow }), "parallel:vitest", /--pool=threads/],
    ["mocha without --parallel", input({ command: "mocha 'test/**/*.js'", profile: slow }), "parallel:mocha", /--parallel/],
    ["pytest needs xdist", input({ command: "python -m pytest tests", stack: ["python"], profile: slow }), "parallel:pytest", /pytest-xdist/],
  ];
  for (const [name, given, knob, text] of cases) {
    test(name, () => {
      const proposal = proposeKnobs(given);
      const note = proposal.notes.find((item) => item.knob === knob);
      assert.ok(note, `no note ${knob}: ${JSON.stringify(proposal)}`);
      assert.match(note.text, text);
      assert.ok(note.evidence.length > 0);
      valid(proposal.hypotheses);
    });
  }

  test("a wrapper's note gives its share of the wall time and the pre/post scripts it skips", () => {
    const proposal = proposeKnobs(input({ command: "npm run build", scripts: { build: "tsc", prebuild: "rimraf dist" }, profile: slow }));
    const note = proposal.notes.find((item) => item.knob === "wrapper")!;
    assert.match(note.evidence[0]!, /about 200 ms, a typical start-up, 10% of the 2000 ms wall time/);
    assert.match(note.evidence[1]!, /also runs the prebuild script; .*add it if/);
  });

  test("a compound script exports PATH, so it reaches every command of the script", () => {
    const proposal = proposeKnobs(input({ command: "npm run build", scripts: { build: "tsc && vite build" }, profile: slow }));
    assert.match(proposal.notes[0]!.text, /^measure export PATH="\$PWD\/node_modules\/\.bin:\$PATH"; tsc && vite build instead/);
  });

  test("no notes where nothing applies", () => {
    const proposal = proposeKnobs(input({ command: "node app.js", profile: slow }));
    assert.deepEqual(proposal.notes, []);
    assert.deepEqual(proposal.hypotheses, []);
  });

  test("jest with --maxWorkers and mocha --parallel leave no note", () => {
    assert.deepEqual(proposeKnobs(input({ command: "jest --maxWorkers=4", profile: slow })).notes, []);
    assert.deepEqual(proposeKnobs(input({ command: "mocha --parallel", profile: slow })).notes, []);
  });
});

describe("commandShape", () => {
  const cases: [command: string, scripts: Record<string, string> | null, wrapper: string | null, commands: string[][]][] = [
    ["node app.js", null, null, [["node", "app.js"]]],
    ["npx -p typescript tsc --noEmit", null, "npx binary tsc", [["tsc", "--noEmit"]]],
    ["bun x prettier --check .", null, "bunx binary prettier", [["prettier", "--check", "."]]],
    ["npm run build", { build: "tsc && vite build" }, "npm script build", [["tsc"], ["vite", "build"]]],
    ["npm run a", { a: "npm run b", b: "make" }, "npm script a", [["make"]]],
    ["npm run loop", { loop: "npm run loop" }, "npm script loop", [["npm", "run", "loop"]]],
    ["yarn install", null, null, [["yarn", "install"]]],
    ["pnpm dlx create-vite", null, null, [["pnpm", "dlx", "create-vite"]]],
    ["FOO=1 npm test", { test: "BAR=2 jest" }, "npm script test", [["jest"]]],
  ];
  for (const [command, scripts, wrapper, commands] of cases) {
    test(command, () => {
      const shape = commandShape(command, scripts);
      assert.equal(shape.wrapper ? `${shape.wrapper.wrapper} ${shape.wrapper.runs} ${shape.wrapper.name}` : null, wrapper);
      assert.deepEqual(shape.commands.map((c) => c.words), commands);
    });
  }

  test("assignments before a script carry into its commands", () => {
    const shape = commandShape("FOO=1 npm test", { test: "BAR=2 jest" });
    assert.deepEqual(shape.commands[0]!.assignments, [{ name: "FOO", value: "1" }, { name: "BAR", value: "2" }]);
  });
});

describe("--knob NAME=a,b,c", () => {
  test("one env hypothesis per value, in one contested knob group", () => {
    const hypotheses = knobFlagHypotheses(["UV_THREADPOOL_SIZE=4,8,16"]);
    assert.deepEqual(hypotheses.map((h) => h.id), ["knob-UV_THREADPOOL_SIZE-4", "knob-UV_THREADPOOL_SIZE-8", "knob-UV_THREADPOOL_SIZE-16"]);
    const parsed = valid(hypotheses);
    assert.deepEqual(parsed.map((h) => h.group), ["knob:UV_THREADPOOL_SIZE", "knob:UV_THREADPOOL_SIZE", "knob:UV_THREADPOOL_SIZE"]);
    assert.deepEqual(parsed.map((h) => h.change), [4, 8, 16].map((n) => ({ kind: "env", set: { UV_THREADPOOL_SIZE: String(n) } })));
    assert.deepEqual(parsed.map((h) => h.fix_level), ["configuration", "configuration", "configuration"]);
    const split = splitContested(parsed);
    assert.equal(split.contested.length, 1);
    assert.equal(split.contested[0]!.kind, "knob");
    assert.equal(split.contested[0]!.name, "knob:UV_THREADPOOL_SIZE");
  });

  test("repeated flags give one group each; values split at the first '=' only", () => {
    const hypotheses = knobFlagHypotheses(["NODE_OPTIONS=--max-old-space-size=4096,--jitless", "GOGC=50,200"]);
    const parsed = valid(hypotheses);
    assert.deepEqual(parsed.map((h) => (h.change as { set: Record<string, string> }).set), [
      { NODE_OPTIONS: "--max-old-space-size=4096" },
      { NODE_OPTIONS: "--jitless" },
      { GOGC: "50" },
      { GOGC: "200" },
    ]);
    assert.equal(parsed[0]!.id, sourceId("knob-NODE_OPTIONS", "--max-old-space-size=4096"));
    assert.match(parsed[0]!.id, /^knob-NODE_OPTIONS---max-old-space-size-4096-[0-9a-f]{8}$/);
    assert.equal(parsed[1]!.id, "knob-NODE_OPTIONS---jitless");
    assert.equal(splitContested(parsed).contested.length, 2);
  });

  test("values that slug alike keep apart", () => {
    const parsed = valid(knobFlagHypotheses(["X=a b,a-b,a/b"]));
    assert.equal(new Set(parsed.map((h) => h.id)).size, 3);
    assert.equal(parsed[1]!.id, "knob-X-a-b");
  });

  test("a long name and value still give a valid id and group", () => {
    const name = `N${"A".repeat(58)}`;
    const parsed = valid(knobFlagHypotheses([`${name}=${"v".repeat(100)},w`]));
    assert.ok(parsed.every((h) => h.id.length <= 64));
    assert.equal(parsed[0]!.group, `knob:${name}`);
  });

  const refused: [flag: string, problem: RegExp, fix: RegExp][] = [
    ["UV_THREADPOOL_SIZE", /has no '='/, /NAME=value1,value2/],
    ["=4,8", /has no variable name/, /NAME=value1,value2/],
    ["1X=4", /"1X" is not an environment variable name/, /letters, digits and '_'/],
    ["MY-VAR=1", /is not an environment variable name/, /not starting with a digit/],
    ["GIT_DIR=/tmp", /sets GIT_DIR, which perfloop sets itself/, /remove it/],
    ["PERFLOOP_X=1", /perfloop's own/, /remove it/],
    ["TMPDIR=/x", /scratch directory/, /remove it/],
    ["X=", /has an empty value/, /cannot hold one/],
    ["X=1,,2", /has an empty value/, /remove the extra comma/],
    ["X=1,2,", /has an empty value/, /comma/],
    ["X=1, 2", /value " 2" starts or ends with a blank/, /remove the blanks/],
    ["X=1,2,1", /gives the value "1" twice/, /once/],
    ["X=1,2,3,4,5,6,7,8,9", /gives 9 values, over the limit of 8/, /most promising/],
    ["X=a\0b", /NUL/, /remove it/],
    [`X=${"v".repeat(33 * 1024)}`, /over the limit of 32 KiB/, /file/],
    [`${"A".repeat(60)}=1`, /longer than 59 characters/, /hypotheses file/],
  ];
  for (const [flag, problem, fix] of refused) {
    test(`refused: ${flag.length > 40 ? `${flag.slice(0, 40)}...` : JSON.stringify(flag)}`, () => {
      assert.throws(
        () => parseKnobFlag(flag),
        (error: unknown) => {
          assert.ok(error instanceof UsageError);
          assert.match(error.message, /^--knob "/);
          assert.match(error.message, problem);
          assert.match(error.hint ?? "", fix);
          assert.ok(!error.message.includes("\n"), "one line");
          return true;
        },
      );
    });
  }

  test("the same variable in two flags is refused", () => {
    assert.throws(() => knobFlagHypotheses(["X=1", "X=2"]), (error: unknown) => {
      assert.ok(error instanceof UsageError);
      assert.match(error.message, /--knob X is given twice/);
      assert.match(error.hint ?? "", /one --knob X=value1,value2/);
      return true;
    });
  });
});
