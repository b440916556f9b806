/**
 * Knobs from the stack (docs/hypotheses.md, "Knobs"): configuration-level hypotheses perfloop
 * proposes by itself from the measured command, the stack and the profile, and the `--knob` flag.
 * Pure: everything comes in as data (`KnobInput`), hypotheses come out in the schema's input form
 * (`HypothesisInput`, to be validated with parseHypotheses like every source), with the notes a
 * hypothesis cannot express and the knobs set aside with their reason.
 *
 * Every knob here is an `env` change: nothing in the tree changes, the program's code is the same,
 * the tests run with the same variables as the measured command, and a kept one is reported as a
 * recommendation. Ids are a function of the knob and its value alone (`knob-semi-space-32`), so a
 * later cycle recognises one it tried. Knobs of one kind form a contested group (`knob:<kind>`):
 * they are A/B-measured against each other and at most one is kept.
 *
 *  - knob:semi-space: garbage collection (the CPU profile's `(garbage collector)` self share) at
 *    least GC_PRESSURE_MIN_PCT in a V8 runtime: `--max-semi-space-size=N` for N in
 *    SEMI_SPACE_SIZES_MIB, through NODE_OPTIONS (node) or DENO_V8_FLAGS (deno), added to the value
 *    the environment already has (a semi-space size there is replaced, nothing else is dropped).
 *    16 is not tried: it is Node 20's default on 64-bit systems (measured: the same new-space size
 *    and the same scavenge count as no flag), so it would measure nothing.
 *  - knob:uv-threadpool: fs, zlib or crypto work that goes through libuv's thread pool (node only):
 *    UV_THREADPOOL_SIZE in UV_THREADPOOL_SIZES. Only asynchronous calls use the pool; a
 *    synchronous one (readFileSync, gzipSync, pbkdf2Sync) runs on the main thread, so when the
 *    profile shows only those the knob is set aside and says so.
 *  - knob:makeflags / knob:cmake-parallel: `make` without `-j`, `cmake --build` without
 *    `--parallel`: MAKEFLAGS=-jN, CMAKE_BUILD_PARALLEL_LEVEL=N, which reach the tool wherever the
 *    command starts it (a package script too).
 *  - notes, not hypotheses: a package-manager or npx wrapper whose own start-up is a share of the
 *    wall time (the schema cannot change the measured command, so the note names the direct
 *    command), and test runners whose parallelism only a flag controls (jest, vitest, mocha,
 *    pytest-xdist).
 *
 * `--knob NAME=a,b,c` (knob-flag.ts) is the person's own sweep: one env hypothesis per value,
 * group `knob:NAME`. Values are split at commas, so a value cannot hold a comma; give such a
 * variable in a hypotheses file instead.
 */
import type { HypothesisInput } from "./hypotheses-schema.ts";
import { splitCommandLine } from "../profile/cpu-command-words.ts";
import { commandShape, type CommandShape, runtimeOfCommand, type SimpleCommand, type WrapperName } from "./knob-command.ts";

/** The `(garbage collector)` self share (%) from which the semi-space knob is proposed. */
export const GC_PRESSURE_MIN_PCT = 10;
/** Semi-space sizes tried (MiB). Node 20's 64-bit default is 16; V8 sizes the young generation at about 3x this. */
export const SEMI_SPACE_SIZES_MIB = [32, 64, 128] as const;
/** Above this semi-space size the memory cost makes the knob a medium risk. */
const SEMI_SPACE_LOW_RISK_MAX_MIB = 64;
/** The share of the GC time a larger young generation is expected to save. */
const SEMI_SPACE_SAVES = 0.5;
/** libuv's thread pool sizes tried; libuv's default is UV_THREADPOOL_DEFAULT. */
export const UV_THREADPOOL_SIZES = [8, 16] as const;
export const UV_THREADPOOL_DEFAULT = 4;
/** The main thread's idle share (%) that counts as waiting, when no frame shows asynchronous pool work. */
export const POOL_WAIT_MIN_PCT = 20;
/** fs/zlib/crypto steps (step markers, the profile's steps) count from this share (%). */
const POOL_STEP_MIN_PCT = 10;
/** The share of the waiting time a larger pool is expected to save (the rest waits on disk or cores). */
const POOL_SAVES = 0.25;
/** A wrapper's start-up share (%) of the wall time from which a note is written. */
export const WRAPPER_MIN_SHARE_PCT = 2;
/**
 * Typical start-up of each wrapper before the program starts (ms, warm caches), used when the
 * caller did not measure it: npm run ~230 ms and npx ~450 ms measured with npm 10 on Node 20;
 * yarn and pnpm are in npm run's range; bunx is a native binary.
 */
export const TYPICAL_WRAPPER_STARTUP_MS: Readonly<Record<WrapperName, number>> = { npx: 400, npm: 200, yarn: 200, pnpm: 200, bunx: 10 };
/** make -j and cmake --parallel job counts tried (at most the CPU count, when known). */
export const BUILD_JOBS = [2, 4, 8] as const;

type Runtime = "node" | "deno" | "bun";

/** The profile digest's fields the knobs read (coordinator/digest.ts ProfileDigest has them all). */
export interface KnobProfile {
  /** bottleneck_classification: "CPU", "I/O-File", ... */
  classification: string;
  /** The CPU profile's top functions by self time; `(garbage collector)` and `(idle)` appear here. */
  hot_functions: readonly { function: string; location: string; self_pct: number }[];
  /** wall_time_ms, cpu_time_ms, ... (null: not measured). */
  baseline: Readonly<Record<string, number | null>>;
  /** The performance map's steps: step markers when the program printed them, else profile functions. */
  steps?: readonly { id: string; function: string; time_share_pct?: number }[];
}

/** The CPU profile's self time per category (CpuProfileSummary.self_ms_by_category), when at hand. */
export interface KnobCategories {
  duration_ms: number;
  self_ms_by_category: Readonly<Partial<Record<"app" | "library" | "runtime" | "program" | "idle" | "gc" | "root", number>>>;
}

export interface KnobInput {
  /** The measured command line, as the person gave it. */
  command: string;
  /** RunOptions.stack (preflight's detectStack): "node", "bun", "deno", "make", ... */
  stack: readonly string[];
  profile: KnobProfile;
  /** The runtime the CPU profile ran (ProfileReport.cpu_profile.runtime); else guessed from the command and the stack. */
  runtime?: Runtime | null;
  categories?: KnobCategories | null;
  /** The environment the measured command gets (the person's, with knobs kept earlier). */
  env: Readonly<Record<string, string | undefined>>;
  /** package.json `scripts`, to see through `npm run <s>`; unknown when absent. */
  scripts?: Readonly<Record<string, string>> | null;
  /** CPUs of the machine (os.availableParallelism()), for job counts. */
  cpu_count?: number | null;
  /** The wrapper's own start-up, measured (ms); TYPICAL_WRAPPER_STARTUP_MS when absent. */
  wrapper_startup_ms?: number | null;
  /** Variables the person sweeps with --knob: no knob here sets them. */
  given_knobs?: readonly string[];
}

/** Something perfloop cannot try itself, with why it would help. */
export interface KnobNote {
  knob: string;
  text: string;
  evidence: string[];
}

/** A knob considered and not proposed, with the reason. */
export interface KnobSkip {
  knob: string;
  reason: string;
}

export interface KnobProposal {
  hypotheses: HypothesisInput[];
  notes: KnobNote[];
  skipped: KnobSkip[];
}

const KEEPS_TUNING = "keeps behaviour: an environment variable tunes the runtime; the code, its input and its output are the same, and the tests run with it too";

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}

function pct(value: number): string {
  return `${round1(value)}%`;
}

/** A frame's URL from its digest location: `node:zlib:393:26` -> `node:zlib`, `(native)` -> "". */
function urlOf(location: string): string {
  if (location.startsWith("(")) return "";
  return location.replace(/:\d+:\d+$/, "");
}

class Collector {
  readonly hypotheses: HypothesisInput[] = [];
  readonly notes: KnobNote[] = [];
  readonly skipped: KnobSkip[] = [];
  skip(knob: string, reason: string): void {
    this.skipped.push({ knob, reason });
  }
}

interface Context {
  input: KnobInput;
  shape: CommandShape;
  out: Collector;
  given: Set<string>;
}

/** A variable set by the command line itself (`NAME=value cmd`) replaces what a knob sets. */
function setByCommand(ctx: Context, name: string): boolean {
  return ctx.shape.commands.some((command) => command.assignments.some((assignment) => assignment.name === name));
}

/** Why a knob setting `name` cannot be proposed, or null. */
function blocked(ctx: Context, name: string): string | null {
  if (ctx.given.has(name)) return `--knob ${name} sweeps it already`;
  if (setByCommand(ctx, name)) return `the command line sets ${name} itself (${name}=... before the program), which replaces the value a knob would set`;
  return null;
}

function gcShare(input: KnobInput): { pct: number; from: string } | null {
  const categories = input.categories;
  const gc = categories?.self_ms_by_category.gc;
  if (categories && gc !== undefined && categories.duration_ms > 0) {
    return { pct: round1((gc / categories.duration_ms) * 100), from: "of the CPU profile's time is garbage collection (the (garbage collector) category)" };
  }
  const hot = input.profile.hot_functions.find((item) => item.function === "(garbage collector)");
  return hot ? { pct: hot.self_pct, from: "of the CPU profile's samples are (garbage collector) (self time)" } : null;
}

function idleShare(input: KnobInput): number | null {
  const categories = input.categories;
  const idle = categories?.self_ms_by_category.idle;
  if (categories && idle !== undefined && categories.duration_ms > 0) return round1((idle / categories.duration_ms) * 100);
  return input.profile.hot_functions.find((item) => item.function === "(idle)")?.self_pct ?? null;
}

/** The V8 runtime the target runs: the profile's, else the command's, else the stack's. */
function runtimeOf(ctx: Context): { runtime: Runtime | null; from: string } {
  if (ctx.input.runtime) return { runtime: ctx.input.runtime, from: "the CPU profile" };
  const found = [...new Set(ctx.shape.commands.map((command) => runtimeOfCommand(command.words)).filter((item) => item !== null))];
  if (found.length === 1) return { runtime: found[0] as Runtime, from: "the command and its package scripts" };
  const stack = ctx.input.stack;
  if (found.length === 0 && stack.includes("deno") && !stack.includes("node")) return { runtime: "deno", from: "the stack (deno.json)" };
  if (found.length === 0 && stack.includes("node")) return { runtime: "node", from: "the stack (package.json)" };
  return { runtime: null, from: found.length > 1 ? `the command starts several runtimes (${found.join(", ")})` : "nothing names it" };
}

const SEMI_SPACE_FLAG = /^--max[-_]semi[-_]space[-_]size(?:=|$)/;

/** node's own `--max-semi-space-size` on the command line wins over NODE_OPTIONS (and deno's --v8-flags over DENO_V8_FLAGS). */
function semiSpaceOnCommandLine(commands: readonly SimpleCommand[], runtime: Runtime): boolean {
  return commands.some(
    (command) =>
      runtimeOfCommand(command.words) === runtime &&
      command.words.some((word) => SEMI_SPACE_FLAG.test(word) || (word.startsWith("--v8-flags=") && word.slice(11).split(",").some((flag) => SEMI_SPACE_FLAG.test(flag)))),
  );
}

/** `value` without its semi-space flag(s), and the size it had. */
function withoutSemiSpace(value: string, separator: " " | ","): { rest: string; had: string | null } {
  const parts = separator === " " ? value.trim().split(/\s+/) : value.split(",");
  const kept: string[] = [];
  let had: string | null = null;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] as string;
    if (part === "") continue;
    if (SEMI_SPACE_FLAG.test(part)) {
      const eq = part.indexOf("=");
      if (eq >= 0) had = part.slice(eq + 1);
      else if (separator === " " && /^\d+$/.test(parts[i + 1] ?? "")) had = parts[++i] as string;
      continue;
    }
    kept.push(part);
  }
  return { rest: kept.join(separator), had };
}

function stepIdOf(input: KnobInput, name: string): string | null {
  return input.profile.steps?.find((step) => step.function === name)?.id ?? null;
}

function semiSpace(ctx: Context): void {
  const knob = "knob:semi-space";
  const gc = gcShare(ctx.input);
  if (gc === null) {
    if (ctx.input.profile.hot_functions.length > 0) ctx.out.skip(knob, "garbage collection is not among the CPU profile's top functions");
    return;
  }
  if (gc.pct < GC_PRESSURE_MIN_PCT) {
    ctx.out.skip(knob, `garbage collection is ${pct(gc.pct)} of the CPU profile, under the ${GC_PRESSURE_MIN_PCT}% from which a larger young generation is tried`);
    return;
  }
  const { runtime, from } = runtimeOf(ctx);
  if (runtime === "bun") {
    ctx.out.skip(knob, `the target runs on Bun (${from}): JavaScriptCore has no semi-space size, V8's --max-semi-space-size does not apply`);
    return;
  }
  if (runtime === null) {
    ctx.out.skip(knob, `the runtime is not known (${from}): NODE_OPTIONS reaches node only, DENO_V8_FLAGS deno only`);
    return;
  }
  const variable = runtime === "node" ? "NODE_OPTIONS" : "DENO_V8_FLAGS";
  const why = blocked(ctx, variable);
  if (why) {
    ctx.out.skip(knob, why);
    return;
  }
  if (semiSpaceOnCommandLine(ctx.shape.commands, runtime)) {
    ctx.out.skip(knob, `the command line gives ${runtime} a semi-space size itself, which wins over ${variable}`);
    return;
  }
  const separator = runtime === "node" ? " " : ",";
  const existing = ctx.input.env[variable] ?? "";
  const { rest, had } = withoutSemiSpace(existing, separator);
  const sizes = SEMI_SPACE_SIZES_MIB.filter((size) => String(size) !== had);
  const expected = round1(gc.pct * SEMI_SPACE_SAVES);
  const step = stepIdOf(ctx.input, "(garbage collector)");
  for (const size of sizes) {
    const flag = `--max-semi-space-size=${size}`;
    const value = rest === "" ? flag : `${rest}${separator}${flag}`;
    const evidence = [
      `${pct(gc.pct)} ${gc.from}; proposed from ${GC_PRESSURE_MIN_PCT}%, with half of that share as the expected saving`,
      `a larger new space lets more short-lived objects die before a scavenge runs, so there are fewer scavenges and fewer survivors to copy (${runtime}, from ${from})`,
      `${KEEPS_TUNING}; the young generation may grow to about ${3 * size} MiB`,
    ];
    if (rest !== "") evidence.push(`keeps the environment's ${variable} (${JSON.stringify(rest)})${had === null ? "" : `, replacing its --max-semi-space-size=${had}`}`);
    else if (had !== null) evidence.push(`replaces the environment's --max-semi-space-size=${had}`);
    ctx.out.hypotheses.push({
      id: `knob-semi-space-${size}`,
      description: `V8 semi-spaces of ${size} MiB (${variable} += ${flag}): fewer young-generation collections`,
      fix_level: "configuration",
      bottleneck_addressed: step ?? "(garbage collector)",
      expected_impact: expected,
      complexity: "low",
      risk: size > SEMI_SPACE_LOW_RISK_MAX_MIB ? "medium" : "low",
      evidence,
      change: { kind: "env", set: { [variable]: value } },
      group: knob,
    });
  }
}

type PoolFamily = "fs" | "zlib" | "crypto";
type PoolMode = "sync" | "async" | "either";

const FS_URL = /^node:(?:fs|internal\/fs)(?:\/|$)/;
/** Natives of the fs binding (no URL) node's fs module calls, sync or not. */
const FS_NATIVE = /^(?:readFileUtf8|writeFileUtf8|FSReqCallback|(?:read|write|open|close|stat|lstat|fstat|readdir|mkdir|rmdir|unlink|rename|copyFile|realpath|readlink|symlink|access|utimes|chmod|ftruncate|fsync|fdatasync)(?:Sync)?)$/;
const ZLIB_URL = /^node:(?:zlib|internal\/zlib)(?:\/|$)/;
const CRYPTO_URL = /^node:(?:crypto|internal\/crypto)(?:\/|$)/;
/** Asynchronous frames: the callback or promise side of a call that ran on the pool. */
const ASYNC_FS_URL = /^node:internal\/fs\/(?:promises|read\/context|streams)$/;
const ASYNC_CRYPTO = /^(?:pbkdf2|scrypt|hkdf|randomFill|generateKeyPair|generateKey|generatePrime|checkPrime|digest|encrypt|decrypt|deriveBits|deriveKey|sign|verify)$/;

/** Whether a hot function is fs, zlib or crypto work, and whether it ran synchronously (node's frames). */
function poolFrame(name: string, location: string): { family: PoolFamily; mode: PoolMode } | null {
  const url = urlOf(location);
  const family: PoolFamily | null = FS_URL.test(url) || (url === "" && FS_NATIVE.test(name)) ? "fs" : ZLIB_URL.test(url) ? "zlib" : CRYPTO_URL.test(url) ? "crypto" : null;
  if (family === null) return null;
  if (/Sync(?:$|[A-Z_])/.test(name) || name === "readFileUtf8" || name === "writeFileUtf8") return { family, mode: "sync" };
  if (name === "FSReqCallback" || ASYNC_FS_URL.test(url) || (family === "zlib" && name === "processCallback")) return { family, mode: "async" };
  if (family === "crypto" && (ASYNC_CRYPTO.test(name) || url.startsWith("node:internal/crypto/webcrypto"))) return { family, mode: "async" };
  return { family, mode: "either" };
}

const POOL_STEP_WORDS = /(?:^|[^a-z])(?:fs|file|files|disk|readfile|writefile|gzip|gunzip|zlib|deflate|inflate|brotli|compress|decompress|hash|hashing|crypto|pbkdf2|scrypt|encrypt|decrypt)(?:[^a-z]|$)/i;

function describeFrames(frames: readonly { name: string; self_pct: number }[]): string {
  return frames.slice(0, 3).map((frame) => `${frame.name} ${pct(frame.self_pct)}`).join(", ");
}

function uvThreadpool(ctx: Context): void {
  const knob = "knob:uv-threadpool";
  const { input } = ctx;
  const frames = input.profile.hot_functions.flatMap((hot) => {
    const kind = poolFrame(hot.function, hot.location);
    return kind ? [{ ...kind, name: hot.function, self_pct: hot.self_pct }] : [];
  });
  const frameNames = new Set(input.profile.hot_functions.map((hot) => hot.function));
  const steps = (input.profile.steps ?? []).filter((step) => !frameNames.has(step.function) && (step.time_share_pct ?? 0) >= POOL_STEP_MIN_PCT && POOL_STEP_WORDS.test(step.function));
  const fileBound = input.profile.classification === "I/O-File";
  if (frames.length === 0 && steps.length === 0 && !fileBound) return;
  const { runtime, from } = runtimeOf(ctx);
  if (runtime !== "node") {
    ctx.out.skip(knob, `UV_THREADPOOL_SIZE sizes libuv's thread pool, which only Node uses; the target runs on ${runtime ?? "an unknown runtime"} (${from})`);
    return;
  }
  const why = blocked(ctx, "UV_THREADPOOL_SIZE");
  if (why) {
    ctx.out.skip(knob, why);
    return;
  }
  const async = frames.filter((frame) => frame.mode === "async");
  const sync = frames.filter((frame) => frame.mode === "sync");
  const idle = idleShare(input);
  const evidence: string[] = [];
  if (async.length > 0) {
    evidence.push(`asynchronous ${[...new Set(async.map((frame) => frame.family))].join("/")} calls in the CPU profile (${describeFrames(async)}): their work runs on libuv's pool, ${UV_THREADPOOL_DEFAULT} threads by default`);
  } else if (sync.length > 0) {
    ctx.out.skip(
      knob,
      `the ${[...new Set(sync.map((frame) => frame.family))].join("/")} work in the profile is synchronous (${describeFrames(sync)}): a sync call runs on the main thread and never uses libuv's pool, so UV_THREADPOOL_SIZE cannot speed it up (make the calls asynchronous and concurrent first)`,
    );
    return;
  } else if (idle !== null && idle >= POOL_WAIT_MIN_PCT) {
    evidence.push(`the main thread is idle ${pct(idle)} of the CPU profile: it waits for work done elsewhere, which for fs, zlib and crypto calls is libuv's pool (${UV_THREADPOOL_DEFAULT} threads by default)`);
  } else {
    ctx.out.skip(knob, `nothing shows work waiting on libuv's pool: no asynchronous fs/zlib/crypto frames in the CPU profile, and the main thread is ${idle === null ? "not known to idle" : `idle only ${pct(idle)}`} (from ${POOL_WAIT_MIN_PCT}% it counts as waiting)`);
    return;
  }
  if (idle !== null && async.length > 0) evidence.push(`the main thread is idle ${pct(idle)} of the CPU profile, waiting`);
  if (fileBound) evidence.push("the profile classifies the run as I/O-File");
  if (steps.length > 0) evidence.push(`steps ${steps.slice(0, 3).map((step) => `${step.function} (${pct(step.time_share_pct ?? 0)})`).join(", ")}`);
  const wall = input.profile.baseline.wall_time_ms;
  const cpu = input.profile.baseline.cpu_time_ms;
  if (wall && cpu !== null && cpu !== undefined) evidence.push(`CPU time is ${round1(cpu / wall)}x the wall time${input.cpu_count ? ` on ${input.cpu_count} CPUs` : ""}`);
  evidence.push("a larger pool helps when more than its threads' worth of calls wait at once and the cores or the disk have room; otherwise it measures the same");
  evidence.push(KEEPS_TUNING);
  const current = Number.parseInt(input.env.UV_THREADPOOL_SIZE ?? "", 10);
  const size = Number.isInteger(current) && current > 0 ? current : UV_THREADPOOL_DEFAULT;
  const sizes = UV_THREADPOOL_SIZES.filter((n) => n > size);
  if (sizes.length === 0) {
    ctx.out.skip(knob, `the environment's UV_THREADPOOL_SIZE is ${size} already, at least the largest size tried (${UV_THREADPOOL_SIZES.at(-1)})`);
    return;
  }
  if (size !== UV_THREADPOOL_DEFAULT) evidence.push(`the environment sets UV_THREADPOOL_SIZE=${size}`);
  const expected = idle === null ? null : Math.max(1, round1(idle * POOL_SAVES));
  for (const n of sizes) {
    ctx.out.hypotheses.push({
      id: `knob-uv-threadpool-${n}`,
      description: `libuv thread pool of ${n} threads (UV_THREADPOOL_SIZE=${n}, default ${UV_THREADPOOL_DEFAULT}) for asynchronous fs, zlib and crypto calls`,
      fix_level: "configuration",
      bottleneck_addressed: fileBound ? "I/O-File" : (async[0]?.name ?? steps[0]?.id ?? null),
      expected_impact: expected,
      complexity: "low",
      risk: "low",
      evidence: [...evidence],
      change: { kind: "env", set: { UV_THREADPOOL_SIZE: String(n) } },
      group: knob,
    });
  }
}

const DIRECT_BINARY = "node_modules/.bin";

function wrapperNote(ctx: Context): void {
  const knob = "wrapper";
  const wrapper = ctx.shape.wrapper;
  if (!wrapper) return;
  const wall = ctx.input.profile.baseline.wall_time_ms;
  if (!wall || wall <= 0) return;
  const measured = ctx.input.wrapper_startup_ms;
  const startup = measured ?? TYPICAL_WRAPPER_STARTUP_MS[wrapper.wrapper];
  const share = (startup / wall) * 100;
  const label = measured === undefined || measured === null ? `about ${startup} ms, a typical start-up` : `${round1(startup)} ms, measured`;
  if (share < WRAPPER_MIN_SHARE_PCT) {
    ctx.out.skip(knob, `${wrapper.wrapper}'s own start-up (${label}) is ${pct(share)} of the ${round1(wall)} ms wall time, under ${WRAPPER_MIN_SHARE_PCT}%`);
    return;
  }
  const rest = wrapper.rest === "" ? "" : ` ${wrapper.rest}`;
  let direct: string;
  if (wrapper.runs === "binary") direct = `${DIRECT_BINARY}/${wrapper.name}${rest}`;
  else if (wrapper.script !== null) {
    // A prefix assignment reaches only the first command of a compound script: export it instead.
    const path = `PATH="$PWD/${DIRECT_BINARY}:$PATH"`;
    direct = splitCommandLine(wrapper.script).compound ? `export ${path}; ${wrapper.script}${rest}` : `${path} ${wrapper.script}${rest}`;
  }
  else if (wrapper.runs === "script") direct = `the command line of package.json's scripts.${wrapper.name}${rest}, with ${DIRECT_BINARY} first on PATH`;
  else direct = `${DIRECT_BINARY}/${wrapper.name}${rest} (or, if ${wrapper.name} is a package.json script, its command line)`;
  const evidence = [`${wrapper.wrapper} starts before ${wrapper.name}: ${label}, ${pct(share)} of the ${round1(wall)} ms wall time`];
  if (wrapper.hooks.length > 0) {
    evidence.push(`the package manager also runs the ${wrapper.hooks.join(" and ")} script${wrapper.hooks.length > 1 ? "s" : ""}; the direct command does not: add ${wrapper.hooks.length > 1 ? "them" : "it"} if the measurement needs ${wrapper.hooks.length > 1 ? "them" : "it"}`);
  }
  if (wrapper.runs === "binary" && wrapper.wrapper !== "bunx") evidence.push(`the binary must be installed locally (${DIRECT_BINARY}/${wrapper.name}); a tool ${wrapper.wrapper} downloads has no local binary`);
  ctx.out.notes.push({
    knob,
    text: `measure ${direct} instead of going through ${wrapper.wrapper}: the same program without the package manager's start-up (perfloop cannot try this itself: a hypothesis changes the tree or the environment, not the measured command)`,
    evidence,
  });
}

function hasFlag(words: readonly string[], pattern: RegExp): string | null {
  return words.find((word) => pattern.test(word)) ?? null;
}

function toolOf(command: SimpleCommand): { tool: string; args: string[] } | null {
  const words = command.words;
  const first = (words[0] ?? "").split("/").at(-1) ?? "";
  if ((first === "python" || first === "python3") && words[1] === "-m") return { tool: words[2] ?? "", args: words.slice(3) };
  if (first === "node" || first === "bun" || first === "deno") {
    const script = words.slice(1).find((word) => !word.startsWith("-"));
    const name = script?.split("/").at(-1)?.replace(/\.[cm]?js$/, "") ?? "";
    return { tool: name, args: script === undefined ? [] : words.slice(words.indexOf(script) + 1) };
  }
  return { tool: first, args: words.slice(1) };
}

function jobCounts(cpus: number | null | undefined): number[] {
  const known = typeof cpus === "number" && cpus > 0 ? cpus : null;
  return [...new Set([...BUILD_JOBS, ...(known !== null && known > BUILD_JOBS.at(-1)! ? [known] : [])])].filter((n) => known === null || n <= known);
}

function buildKnob(ctx: Context, knob: string, variable: string, tool: string, already: string | null, make: (n: number, existing: string) => string): void {
  if (already) {
    ctx.out.skip(knob, `${tool} runs in parallel already (${already})`);
    return;
  }
  const why = blocked(ctx, variable);
  if (why) {
    ctx.out.skip(knob, why);
    return;
  }
  const jobs = jobCounts(ctx.input.cpu_count);
  if (jobs.length === 0) {
    ctx.out.skip(knob, `the machine has ${ctx.input.cpu_count} CPU: parallel jobs would share it`);
    return;
  }
  const existing = ctx.input.env[variable] ?? "";
  const wall = ctx.input.profile.baseline.wall_time_ms;
  const cpu = ctx.input.profile.baseline.cpu_time_ms;
  const evidence = [
    `the command runs ${tool} with one job at a time${ctx.input.cpu_count ? ` on a machine with ${ctx.input.cpu_count} CPUs` : ""}`,
    ...(wall && cpu !== null && cpu !== undefined ? [`CPU time is ${round1(cpu / wall)}x the wall time: ${cpu / wall < 1.5 ? "mostly one core busy" : "several cores busy already"}`] : []),
    `keeps behaviour when the build's dependencies are declared completely: parallel jobs run independent targets at once; a missing prerequisite can break the build (the tests then fail and the knob is dropped), and the jobs' output interleaves`,
  ];
  if (existing !== "") evidence.push(`keeps the environment's ${variable} (${JSON.stringify(existing)})`);
  for (const n of jobs) {
    const value = make(n, existing);
    ctx.out.hypotheses.push({
      id: `${knob.replace(":", "-")}-${n}`,
      description: `${tool} with ${n} parallel jobs (${variable}=${value})`,
      fix_level: "configuration",
      bottleneck_addressed: null,
      expected_impact: null,
      complexity: "low",
      risk: "medium",
      evidence,
      change: { kind: "env", set: { [variable]: value } },
      group: knob,
    });
  }
}

/** `-j`, `-j4`, `--jobs`, `--jobs=4`, or a `j` in MAKEFLAGS' first word of single-letter flags. */
const MAKE_JOBS_WORD = /^(?:-j\d*|--jobs(?:=\d+)?|-[A-Za-z]*j\d*)$/;

function parallelism(ctx: Context): void {
  const seen = new Set<string>();
  for (const command of ctx.shape.commands) {
    const found = toolOf(command);
    if (!found || seen.has(found.tool)) continue;
    const { tool, args } = found;
    const note = (text: string, evidence: string[]) => ctx.out.notes.push({ knob: `parallel:${tool}`, text, evidence });
    switch (tool) {
      case "make":
      case "gmake": {
        seen.add(tool);
        const flags = ctx.input.env.MAKEFLAGS ?? "";
        const inEnv = flags.split(/\s+/).find((word, index) => MAKE_JOBS_WORD.test(word) || (index === 0 && /^[A-Za-z]*j/.test(word) && !word.startsWith("-")));
        const already = hasFlag(args, MAKE_JOBS_WORD) ?? (inEnv ? `MAKEFLAGS=${flags}` : null);
        buildKnob(ctx, "knob:makeflags", "MAKEFLAGS", tool, already, (n, existing) => (existing === "" ? `-j${n}` : `${existing} -j${n}`));
        break;
      }
      case "cmake": {
        if (!args.includes("--build")) break;
        seen.add(tool);
        const already = hasFlag(args, /^(?:-j\d*|--parallel(?:=\d+)?)$/) ?? (ctx.input.env.CMAKE_BUILD_PARALLEL_LEVEL ? `CMAKE_BUILD_PARALLEL_LEVEL=${ctx.input.env.CMAKE_BUILD_PARALLEL_LEVEL}` : null);
        buildKnob(ctx, "knob:cmake-parallel", "CMAKE_BUILD_PARALLEL_LEVEL", "cmake --build", already, (n) => String(n));
        break;
      }
      case "jest": {
        seen.add(tool);
        const serial = hasFlag(args, /^(?:--runInBand|-i)$/);
        const workers = hasFlag(args, /^(?:--maxWorkers|-w)(?:=|$)/);
        if (serial) note("jest runs every test file in one process (--runInBand): try --maxWorkers=<n> instead (files that share a port, a database or a temporary path may then collide)", [`the command passes ${serial}`, "jest reads no environment variable for its worker count: add the flag to the measured command"]);
        else if (!workers) note("jest runs test files in as many workers as the machine has CPUs, minus one; try --maxWorkers=<n> (e.g. 50%) when the measured run shares the machine, or --runInBand for a few fast files (no worker start-up)", ["the command does not set --maxWorkers", "jest reads no environment variable for its worker count: add the flag to the measured command"]);
        break;
      }
      case "vitest": {
        seen.add(tool);
        if (!hasFlag(args, /^--pool(?:=|$)/)) note("vitest's --pool=threads is often faster than the default child processes (forks); --maxWorkers=<n> sets how many; --no-isolate is faster again but lets test files share module state, which can change results", ["the command does not choose a --pool", "vitest's pool is set by flags or its config file, not by an environment variable perfloop can try"]);
        break;
      }
      case "mocha": {
        seen.add(tool);
        if (!hasFlag(args, /^(?:--parallel|-p)$/)) note("mocha runs test files one after another; --parallel (with --jobs <n>) runs them in worker processes (root hooks must become a root-hook plugin, and --file and exclusive tests are not supported)", ["the command does not pass --parallel", "mocha reads no environment variable for parallel mode: add the flag to the measured command"]);
        break;
      }
      case "pytest":
      case "py.test": {
        seen.add(tool);
        if (!hasFlag(args, /^(?:-n\d*|--numprocesses(?:=.*)?)$/)) note("pytest runs tests in one process; pytest -n auto spreads them over the CPUs (it needs the pytest-xdist package; once installed, PYTEST_ADDOPTS=\"-n auto\" sets it from the environment)", ["the command does not pass -n", "perfloop does not install packages: add pytest-xdist to the project, then the flag or PYTEST_ADDOPTS"]);
        break;
      }
    }
  }
}

/** Configuration-level hypotheses, notes and skipped knobs for one cycle's profile. */
export function proposeKnobs(input: KnobInput): KnobProposal {
  const out = new Collector();
  const ctx: Context = { input, shape: commandShape(input.command, input.scripts), out, given: new Set(input.given_knobs ?? []) };
  semiSpace(ctx);
  uvThreadpool(ctx);
  parallelism(ctx);
  wrapperNote(ctx);
  return { hypotheses: out.hypotheses, notes: out.notes, skipped: out.skipped };
}
