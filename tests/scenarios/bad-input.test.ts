// Every bad input is a clean error and writes nothing (runtime contract §1, §2 and FIX 13, 14, 21):
// `runtime` verbs answer with one JSON line `{"ok":false,"error":...}` on stderr and exit 2 (or, for
// the documented start/guard failures, indented JSON on stdout and exit 1); never a stack trace; and
// the project directory, including the .hex-skills tree of an existing run, is byte-for-byte unchanged.
import assert from "node:assert/strict";
import { mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { RuntimeDriver, cli, removeDir, snapshotTree, tempDir, type CliResult } from "../helpers/cli.ts";

const dirs: string[] = [];
after(() => dirs.forEach(removeDir));

function newDir(prefix: string): string {
  const dir = tempDir(prefix);
  dirs.push(dir);
  return dir;
}

const SLUG = "bad-input";

interface Fixture {
  /** A project with an open run of SLUG, parked at the wrong-tool gate with a few checkpoints. */
  project: string;
  runId: string;
  /** A project with nothing in it. */
  empty: string;
  /** Input files (payloads, manifests), outside both projects. */
  inputs: string;
}

let fixture: Fixture | undefined;

function setup(): Fixture {
  if (fixture) return fixture;
  const project = newDir("perfloop-bad-input-");
  const rt = new RuntimeDriver(project, SLUG);
  const steps: CliResult[] = [];
  const started = rt.start(3);
  steps.push(started);
  steps.push(rt.cp("0_PREFLIGHT"));
  steps.push(rt.adv("1_PARSE_INPUT"));
  steps.push(rt.cp("1_PARSE_INPUT", { target_metric: { value: 500, unit: "ms" } }));
  steps.push(rt.adv("2_PROFILE"));
  steps.push(rt.rwr("ln-811", { baseline: { wall_time_ms: 6300 } }));
  steps.push(rt.cp("2_PROFILE"));
  steps.push(rt.adv("3_WRONG_TOOL_GATE"));
  for (const step of steps) assert.equal(step.code, 0, `setup: ${step.stdout}${step.stderr}`);

  const inputs = newDir("perfloop-bad-input-files-");
  const files: Record<string, string> = {
    "payload-bad.json": "{not json",
    "payload-null.json": "null",
    "payload-empty.json": "",
    "payload-array.json": "[1,2]",
    "payload-number.json": "5",
    "manifest-bad.json": "{not json",
    "manifest-null.json": "null",
    "manifest-array.json": JSON.stringify([{ target: "x" }]),
    "manifest-number.json": "5",
    "manifest-string.json": JSON.stringify("x"),
    "manifest-target-number.json": JSON.stringify({ slug: "other", target: 5 }),
    "manifest-no-target.json": JSON.stringify({ slug: "other" }),
    "manifest-mode.json": JSON.stringify({ target: "x", execution_mode: "fast" }),
    "manifest-cycles.json": JSON.stringify({ target: "x", cycle_config: { max_cycles: "3" } }),
    "manifest-good.json": JSON.stringify({ target: "x" }),
  };
  for (const [name, text] of Object.entries(files)) writeFileSync(join(inputs, name), text);

  fixture = { project, runId: started.json.run_id, empty: newDir("perfloop-bad-input-empty-"), inputs };
  return fixture;
}

/** Every directory under `dir` (snapshotTree lists files only; a new empty directory is a write too). */
function directories(dir: string): string[] {
  const out: string[] = [];
  const walk = (current: string) => {
    for (const name of readdirSync(current)) {
      const path = join(current, name);
      if (statSync(path).isDirectory()) {
        out.push(path.slice(dir.length));
        walk(path);
      }
    }
  };
  walk(dir);
  return out.sort();
}

function describe(result: CliResult): string {
  return `exit ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`;
}

function noStackTrace(result: CliResult, what: string): void {
  for (const [name, text] of [
    ["stderr", result.stderr],
    ["stdout", result.stdout],
  ] as const) {
    assert.ok(!text.includes("    at "), `${what}: stack trace on ${name}: ${text}`);
    assert.ok(!text.includes(".ts:"), `${what}: source location on ${name}: ${text}`);
  }
}

interface Expect {
  /** The exact error, or a pattern for it. */
  error: string | RegExp;
  /** "hard": one JSON line on stderr, exit 2 (the default). "start"/"guard": indented JSON on stdout, exit 1. */
  style?: "hard" | "start" | "guard";
  details?: Array<{ instancePath: string; message: string }>;
}

/** Runs `args` in `cwd`, and checks the clean failure and that neither project changed. */
function expectFailure(args: string[], expected: Expect, options: { cwd?: string } = {}): any {
  const f = setup();
  const roots = [f.project, f.empty];
  const before = roots.map((root) => ({ files: snapshotTree(root), dirs: directories(root) }));
  const result = cli(args, { cwd: options.cwd ?? f.project });
  const what = args.join(" ");
  noStackTrace(result, what);

  let body: any;
  if ((expected.style ?? "hard") === "hard") {
    assert.equal(result.code, 2, `${what}: ${describe(result)}`);
    assert.equal(result.stdout, "", `${what}: nothing on stdout`);
    assert.ok(result.stderr.endsWith("\n"), `${what}: stderr ends with a newline`);
    const lines = result.stderr.trimEnd().split("\n");
    assert.equal(lines.length, 1, `${what}: exactly one line on stderr: ${result.stderr}`);
    body = JSON.parse(lines[0]!);
  } else {
    assert.equal(result.code, 1, `${what}: ${describe(result)}`);
    assert.equal(result.stderr, "", `${what}: nothing on stderr`);
    body = JSON.parse(result.stdout);
    assert.equal(result.stdout, `${JSON.stringify(body, null, 2)}\n`, `${what}: indented JSON`);
  }
  assert.equal(body.ok, false, what);
  assert.equal(typeof body.error, "string", what);
  if (typeof expected.error === "string") assert.equal(body.error, expected.error, what);
  else assert.match(body.error, expected.error, what);
  if (expected.details) assert.deepEqual(body.details, expected.details, `${what}: details`);

  roots.forEach((root, i) => {
    assert.deepEqual(snapshotTree(root), before[i]!.files, `${what}: files under ${root} changed`);
    assert.deepEqual(directories(root), before[i]!.dirs, `${what}: directories under ${root} changed`);
  });
  return body;
}

/** `runtime <verb> --project-root <project> --slug <SLUG> ...rest` */
function rt(verb: string, ...rest: string[]): string[] {
  return ["runtime", verb, "--project-root", setup().project, "--slug", SLUG, ...rest];
}

const input = (name: string): string => join(setup().inputs, name);

const PHASE_LIST =
  "PHASE_0_PREFLIGHT, PHASE_1_PARSE_INPUT, PHASE_2_PROFILE, PHASE_3_WRONG_TOOL_GATE, PHASE_4_RESEARCH, PHASE_5_SET_TARGET, PHASE_6_WRITE_CONTEXT, PHASE_7_VALIDATE_PLAN, PHASE_8_EXECUTE, PHASE_9_CYCLE_BOUNDARY, PHASE_10_AGGREGATE, PHASE_11_REPORT";
const NO_RUN = "No active ln-810 run found. Pass --slug or --run-id.";
const UNKNOWN_COMMAND =
  "Unknown command. Use: start, status, advance, checkpoint, record-worker-result, record-cycle, pause, complete";
const NOT_OBJECT = "Invalid checkpoint entry: /payload must be object";

// --- the fixture itself ---------------------------------------------------------------------------

test("fixture: the existing run is open at the gate", () => {
  const f = setup();
  const status = cli(["runtime", "status", "--project-root", f.project, "--slug", SLUG], { cwd: f.project });
  assert.equal(status.code, 0, describe(status));
  assert.equal(status.json.state.phase, "PHASE_3_WRONG_TOOL_GATE");
  assert.equal(status.json.state.run_id, f.runId);
  assert.ok(Object.keys(snapshotTree(f.project)).some((path) => path.includes(".hex-skills")));
});

// --- unknown phases (FIX 14) ----------------------------------------------------------------------

for (const phase of ["PHASE_99_X", "_history", "_next_sequence", "PAUSED", "DONE", "phase_0_preflight", "PHASE_3"]) {
  test(`checkpoint --phase ${phase} is refused`, () => {
    const body = expectFailure(rt("checkpoint", "--phase", phase, "--payload", "{}"), {
      error: `Unknown phase: ${phase}. Use one of: ${PHASE_LIST}`,
    });
    assert.ok(body.error.includes(phase));
  });
}

test("checkpoint without --phase", () => {
  expectFailure(rt("checkpoint", "--payload", "{}"), { error: "checkpoint requires --phase" });
});

test("advance without --to", () => {
  expectFailure(rt("advance"), { error: "advance requires --to" });
});

test("advance --to an unknown phase is a guard fail and writes nothing", () => {
  const body = expectFailure(rt("advance", "--to", "PHASE_99_X"), {
    style: "guard",
    error: "Invalid transition: PHASE_3_WRONG_TOOL_GATE -> PHASE_99_X",
  });
  assert.deepEqual(body.validation_errors, []);
});

// --- payloads ---------------------------------------------------------------------------------------

test("a non-JSON --payload", () => {
  expectFailure(rt("checkpoint", "--phase", "PHASE_3_WRONG_TOOL_GATE", "--payload", "{not json"), {
    error: /^Invalid JSON payload: \S/,
  });
});

for (const payload of ["null", "[]", "[1,2]", "5", '"x"', "true"]) {
  test(`checkpoint --payload ${payload} is not an object`, () => {
    expectFailure(rt("checkpoint", "--phase", "PHASE_3_WRONG_TOOL_GATE", "--payload", payload), { error: NOT_OBJECT });
  });
}

test("record-worker-result and record-cycle refuse non-object payloads too", () => {
  expectFailure(rt("record-worker-result", "--worker", "ln-811", "--payload", "[]"), { error: /^Invalid .*must be object$/ });
  expectFailure(rt("record-worker-result", "--worker", "ln-811", "--payload", "null"), { error: /^Invalid .*must be object$/ });
  expectFailure(rt("record-cycle", "--payload", "5"), { error: /^Invalid .*must be object$/ });
  expectFailure(rt("record-cycle", "--payload", "{oops"), { error: /^Invalid JSON payload: / });
});

test("--payload-file that does not exist (absolute and relative)", () => {
  const missing = input("no-such-payload.json");
  expectFailure(rt("checkpoint", "--phase", "PHASE_3_WRONG_TOOL_GATE", "--payload-file", missing), {
    error: `Unable to read payload file: ${missing}`,
  });
  expectFailure(rt("checkpoint", "--phase", "PHASE_3_WRONG_TOOL_GATE", "--payload-file", "no-such-payload.json"), {
    error: "Unable to read payload file: no-such-payload.json",
  });
});

for (const name of ["payload-bad.json", "payload-null.json", "payload-empty.json"]) {
  test(`--payload-file ${name} is unreadable`, () => {
    const path = input(name);
    expectFailure(rt("checkpoint", "--phase", "PHASE_3_WRONG_TOOL_GATE", "--payload-file", path), {
      error: `Unable to read payload file: ${path}`,
    });
  });
}

test("--payload-file resolves against the CWD, not --project-root, and beats --payload", () => {
  const f = setup();
  // Relative to the inputs dir (the CWD): found, parsed, and not an object.
  expectFailure(
    ["runtime", "checkpoint", "--project-root", f.project, "--slug", SLUG, "--phase", "PHASE_3_WRONG_TOOL_GATE", "--payload-file", "payload-array.json", "--payload", "{}"],
    { error: NOT_OBJECT },
    { cwd: f.inputs },
  );
  expectFailure(
    ["runtime", "record-cycle", "--project-root", f.project, "--slug", SLUG, "--payload-file", "payload-number.json"],
    { error: /^Invalid .*must be object$/ },
    { cwd: f.inputs },
  );
});

test("a directory as --payload-file", () => {
  const dir = setup().inputs;
  expectFailure(rt("checkpoint", "--phase", "PHASE_3_WRONG_TOOL_GATE", "--payload-file", dir), {
    error: `Unable to read payload file: ${dir}`,
  });
});

// --- checkpoint payload contents (FIX 14, 21): refused before anything is written ---------------------

const BAD_CHECKPOINTS: Array<[string, object, string, string]> = [
  ["PHASE_3_WRONG_TOOL_GATE", { gate_verdict: "MAYBE" }, "/payload/gate_verdict", "must be one of: PROCEED, CONCERNS, WAIVED, BLOCK"],
  ["PHASE_3_WRONG_TOOL_GATE", { gate_verdict: "proceed" }, "/payload/gate_verdict", "must be one of: PROCEED, CONCERNS, WAIVED, BLOCK"],
  ["PHASE_4_RESEARCH", { hypotheses_count: "3" }, "/payload/hypotheses_count", "must be integer"],
  ["PHASE_4_RESEARCH", { hypotheses_count: -1 }, "/payload/hypotheses_count", "must be >= 0"],
  ["PHASE_4_RESEARCH", { hypotheses_count: "zero" }, "/payload/hypotheses_count", "must be integer"],
  ["PHASE_7_VALIDATE_PLAN", { validation_verdict: "OK" }, "/payload/validation_verdict", "must be one of: GO, GO_WITH_CONCERNS, WAIVED, NO_GO"],
  ["PHASE_9_CYCLE_BOUNDARY", { next_cycle: "2" }, "/payload/next_cycle", "must be integer"],
  ["PHASE_11_REPORT", { report_ready: true, final_result: 5 }, "/payload/final_result", "must be string,null"],
  ["PHASE_11_REPORT", { report_ready: "yes" }, "/payload/report_ready", "must be boolean"],
];

for (const [phase, payload, path, message] of BAD_CHECKPOINTS) {
  test(`checkpoint ${phase} ${JSON.stringify(payload)} is refused before anything is written`, () => {
    const body = expectFailure(rt("checkpoint", "--phase", phase, "--payload", JSON.stringify(payload)), {
      error: new RegExp(`^Invalid checkpoint entry: .*${path.replaceAll("/", "\\/")} `),
    });
    assert.ok(
      body.details?.some((detail: any) => detail.instancePath === path && detail.message === message),
      `details name ${path} ${message}: ${JSON.stringify(body.details)}`,
    );
  });
}

test("the same bad checkpoint through --payload-file", () => {
  const path = input("payload-gate.json");
  writeFileSync(path, JSON.stringify({ gate_verdict: "MAYBE" }));
  expectFailure(rt("checkpoint", "--phase", "PHASE_3_WRONG_TOOL_GATE", "--payload-file", path), {
    error: "Invalid checkpoint entry: /payload/gate_verdict must be one of: PROCEED, CONCERNS, WAIVED, BLOCK",
    details: [{ instancePath: "/payload/gate_verdict", message: "must be one of: PROCEED, CONCERNS, WAIVED, BLOCK" }],
  });
});

// --- run ids (FIX 14) ---------------------------------------------------------------------------------

for (const runId of ["../x", "a/b", "..", "../../etc", "/tmp/x", "a\\b", "x/../y"]) {
  test(`--run-id ${JSON.stringify(runId)} is refused by every verb`, () => {
    const f = setup();
    const base = ["--project-root", f.project, "--run-id", runId];
    for (const args of [
      ["runtime", "status", ...base],
      ["runtime", "checkpoint", ...base, "--phase", "PHASE_3_WRONG_TOOL_GATE"],
      ["runtime", "advance", ...base, "--to", "PHASE_4_RESEARCH"],
      ["runtime", "pause", ...base],
      ["runtime", "complete", ...base],
      ["runtime", "record-cycle", ...base, "--payload", "{}"],
      ["runtime", "record-worker-result", ...base, "--worker", "ln-811", "--payload", "{}"],
    ]) {
      expectFailure(args, { error: /run.?id/i });
    }
  });
}

test("a well-formed --run-id that does not exist: Run not found", () => {
  const id = "ln-810-nothing-1700000000000-deadbeef";
  expectFailure(["runtime", "checkpoint", "--project-root", setup().project, "--run-id", id, "--phase", "PHASE_3_WRONG_TOOL_GATE"], {
    error: `Run not found: ${id}`,
  });
  expectFailure(["runtime", "advance", "--project-root", setup().project, "--run-id", id, "--to", "PHASE_4_RESEARCH"], {
    error: `Run not found: ${id}`,
  });
});

// --- flags (FIX 13) -------------------------------------------------------------------------------------

for (const verb of ["status", "checkpoint", "advance", "start", "pause", "complete", "record-cycle"]) {
  test(`runtime ${verb} --bogus is a clean JSON error`, () => {
    expectFailure(rt(verb, "--phase", "PHASE_3_WRONG_TOOL_GATE", "--bogus"), { error: /--bogus/ });
  });
}

test("an unknown flag with a value, or in the middle", () => {
  expectFailure(rt("checkpoint", "--bogus", "x", "--phase", "PHASE_3_WRONG_TOOL_GATE"), { error: /--bogus/ });
  expectFailure(rt("checkpoint", "--phase", "PHASE_3_WRONG_TOOL_GATE", "--bogus=1"), { error: /--bogus/ });
});

test("an unknown dashed flag is named as it was typed", () => {
  // Regression (was a bug): cac camel-cases the name: the error says "Unknown option `--resolveAll`", a flag nobody typed
  // (src/main.ts passes cac's CACError message through for runtime verbs).
  expectFailure(rt("advance", "--to", "PHASE_4_RESEARCH", "--resolve-all"), { error: /--resolve-all/ });
});

const MISSING_VALUE: Array<[string, string[], string]> = [
  ["checkpoint", ["--phase"], "--phase"],
  ["checkpoint", ["--phase", "--payload", "{}"], "--phase"],
  ["checkpoint", ["--phase", "PHASE_3_WRONG_TOOL_GATE", "--payload"], "--payload"],
  ["checkpoint", ["--phase", "PHASE_3_WRONG_TOOL_GATE", "--payload-file"], "--payload-file"],
  ["advance", ["--to"], "--to"],
  ["status", ["--run-id"], "--run-id"],
  ["pause", ["--reason"], "--reason"],
  ["record-worker-result", ["--payload", "{}", "--worker"], "--worker"],
];

for (const [verb, rest, flag] of MISSING_VALUE) {
  test(`runtime ${verb} ${rest.join(" ")}: ${flag} without its value`, () => {
    expectFailure(rt(verb, ...rest), { error: new RegExp(`${flag}[\` ]`) });
  });
}

test("start with a --project-root that is a file", () => {
  const file = input("manifest-good.json");
  expectFailure(["runtime", "start", "--project-root", file, "--slug", "other", "--manifest-file", file], { error: /project root/i });
});

test("checkpoint with a --project-root that is a file", () => {
  // Regression (was a bug): exit 1 with "internal error: ENOTDIR: not a directory, open '<file>/.hex-skills/.../other.json'"
  // (readTextIfExists in src/runtime/atomic-fs.ts rethrows ENOTDIR while the pointer is looked up;
  // only start checks the project root).
  const file = input("manifest-good.json");
  expectFailure(["runtime", "checkpoint", "--project-root", file, "--slug", "other", "--phase", "PHASE_0_PREFLIGHT"], {
    error: /./,
  });
});

// --- start ----------------------------------------------------------------------------------------------

test("start with a missing manifest file", () => {
  const missing = input("no-such-manifest.json");
  expectFailure(rt("start", "--manifest-file", missing).map((arg) => (arg === SLUG ? "other" : arg)), {
    error: `Manifest file not found or invalid: ${missing}`,
  });
  expectFailure(["runtime", "start", "--project-root", setup().project, "--slug", "other", "--manifest-file", "nope.json"], {
    error: "Manifest file not found or invalid: nope.json",
  });
});

for (const name of ["manifest-bad.json", "manifest-null.json", "manifest-array.json", "manifest-number.json", "manifest-string.json"]) {
  test(`start with ${name} (not a JSON object)`, () => {
    const path = input(name);
    expectFailure(["runtime", "start", "--project-root", setup().project, "--slug", "other", "--manifest-file", path], {
      error: /^(Manifest file not found or invalid: .+|Invalid ln-810 manifest: \/ must be object)$/,
    });
  });
}

test("start with a non-string target: start fail on stdout with details, exit 1", () => {
  for (const name of ["manifest-target-number.json", "manifest-no-target.json"]) {
    expectFailure(["runtime", "start", "--project-root", setup().project, "--slug", "other", "--manifest-file", input(name)], {
      style: "start",
      error: "Invalid ln-810 manifest: /target must be string",
      details: [{ instancePath: "/target", message: "must be string" }],
    });
  }
});

test("start with a bad execution_mode or cycle_config: start fail, exit 1", () => {
  expectFailure(["runtime", "start", "--project-root", setup().project, "--slug", "other", "--manifest-file", input("manifest-mode.json")], {
    style: "start",
    error: /^Invalid ln-810 manifest: \/execution_mode /,
  });
  expectFailure(["runtime", "start", "--project-root", setup().project, "--slug", "other", "--manifest-file", input("manifest-cycles.json")], {
    style: "start",
    error: /^Invalid ln-810 manifest: \/cycle_config\/max_cycles /,
  });
});

test("start without --slug or --manifest-file", () => {
  const f = setup();
  const manifest = input("manifest-good.json");
  const error = "start requires --slug and --manifest-file";
  expectFailure(["runtime", "start", "--project-root", f.project, "--manifest-file", manifest], { error });
  expectFailure(["runtime", "start", "--project-root", f.project, "--slug", "other"], { error });
  expectFailure(["runtime", "start", "--project-root", f.project, "--slug", "", "--manifest-file", manifest], { error });
  expectFailure(["runtime", "start", "--project-root", f.project, "--slug", "   ", "--manifest-file", manifest], { error });
  expectFailure(["runtime", "start", "--project-root", f.empty, "--manifest-file", manifest], { error });
});

test("start for a slug with an unfinished run: the recovery response, nothing written", () => {
  const body = expectFailure(["runtime", "start", "--project-root", setup().project, "--slug", SLUG, "--manifest-file", input("manifest-good.json")], {
    style: "start",
    error: /./,
  });
  assert.equal(body.recovery, true);
  assert.equal(body.run.state.run_id, setup().runId);
  assert.ok(Array.isArray(body.run.history));
});

// --- verbs ----------------------------------------------------------------------------------------------

for (const verb of ["frobnicate", "Start", "status2", "record_cycle"]) {
  test(`runtime ${verb}: unknown command`, () => {
    expectFailure(rt(verb), { error: UNKNOWN_COMMAND });
  });
}

test("runtime with no verb: unknown command", () => {
  expectFailure(["runtime", "--project-root", setup().project], { error: UNKNOWN_COMMAND });
});

// --- no run -----------------------------------------------------------------------------------------------

test("checkpoint with no active run", () => {
  const f = setup();
  expectFailure(["runtime", "checkpoint", "--project-root", f.empty, "--phase", "PHASE_0_PREFLIGHT"], { error: NO_RUN }, { cwd: f.empty });
  expectFailure(["runtime", "checkpoint", "--project-root", f.empty, "--slug", "x", "--phase", "PHASE_0_PREFLIGHT"], { error: NO_RUN }, { cwd: f.empty });
  expectFailure(["runtime", "checkpoint", "--project-root", f.project, "--slug", "someone-else", "--phase", "PHASE_0_PREFLIGHT"], { error: NO_RUN });
});

test("every run verb with no active run", () => {
  const f = setup();
  const base = ["--project-root", f.empty];
  for (const args of [
    ["runtime", "advance", ...base, "--to", "PHASE_1_PARSE_INPUT"],
    ["runtime", "pause", ...base],
    ["runtime", "complete", ...base],
    ["runtime", "record-cycle", ...base, "--payload", "{}"],
    ["runtime", "record-worker-result", ...base, "--worker", "ln-811", "--payload", "{}"],
  ]) {
    expectFailure(args, { error: NO_RUN }, { cwd: f.empty });
  }
});

// --- the top-level CLI --------------------------------------------------------------------------------

function topLevel(args: string[], name: string): void {
  const dir = newDir("perfloop-bad-input-top-");
  mkdirSync(join(dir, "sub"));
  const before = { files: snapshotTree(dir), dirs: directories(dir) };
  const result = cli(args, { cwd: dir });
  const what = `perfloop ${args.join(" ")}`;
  noStackTrace(result, what);
  assert.equal(result.code, 2, `${what}: ${describe(result)}`);
  assert.equal(result.stdout, "", `${what}: nothing on stdout`);
  const lines = result.stderr.trimEnd().split("\n");
  assert.equal(lines.length, 1, `${what}: one line: ${result.stderr}`);
  assert.ok(lines[0]!.includes(name), `${what}: names ${name}: ${lines[0]}`);
  assert.match(lines[0]!, /--help/, `${what}: a hint`);
  assert.deepEqual({ files: snapshotTree(dir), dirs: directories(dir) }, before, `${what}: nothing written`);
}

test("perfloop nope: unknown command, one line with a hint, exit 2", () => {
  topLevel(["nope"], "nope");
});

test("perfloop --bogus: unknown option, one line with a hint, exit 2", () => {
  topLevel(["--bogus"], "--bogus");
});
