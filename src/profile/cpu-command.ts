/**
 * Decides whether a person's command line is a JS/TS run by Bun, Node or Deno, and how to run it
 * once with the runtime's own CPU profiler writing a `.cpuprofile` into a given directory.
 *
 * The rules, first match wins (docs/profile-rules.md, "CPU profile command"). Each was checked by
 * experiment with Bun 1.4.5, Node 20.20 and Deno 2.9.6:
 *
 *  - `bun <file>`, `bun run <file>`, `bun -e …`: the command runs unchanged with
 *    `BUN_OPTIONS="--cpu-prof --cpu-prof-dir=D"` added to its environment. Bun reads that variable
 *    in every bun process, so it also reaches bun started by a package script, a shebang or a
 *    compiled `bun build --compile` binary, and the person's command line is not touched.
 *    `bun test` writes no profile (flag or variable), `bun build`/`install`/`x`… are not JS runs.
 *  - `node …`: `--cpu-prof --cpu-prof-dir=D` is inserted after the `node` word. Node 20 refuses
 *    `--cpu-prof` in NODE_OPTIONS ("not allowed in NODE_OPTIONS"; allowed only from Node 23.10 /
 *    22.15, nodejs/node#57018), so the flags go on the command line. `node --test` is refused: its
 *    tests run in child processes the flag does not reach.
 *  - `deno run …` / `deno [flags] <file>`: the flags are inserted after `run` (or after `deno`).
 *    `deno test`/`bench`/`compile`… have no `--cpu-prof`.
 *  - `npm run|test|start …`, `pnpm [run] <s>`, `yarn [run] <s>`, `bun [run] <s>`, `deno task <s>`:
 *    the package script (package.json `scripts`, deno.json `tasks`) is planned by these same rules.
 *    A script run by bun keeps the whole original command (BUN_OPTIONS passes through the package
 *    manager). A script run by node or deno is run directly, rewritten, with the extra arguments
 *    appended and `<cwd>/node_modules/.bin` first on PATH, as the package manager would; pre/post
 *    scripts and `npm_*` variables are not reproduced for this one profiling run.
 *  - `npx <tool>` and a bare `<tool>` found in `<cwd>/node_modules/.bin`, and any path to a file
 *    (`./cli.js`): a `#!` line naming node, bun or deno (directly or through `env [-S]`) is planned
 *    as `<interpreter> <file> <args>`. A file without one whose last MiB holds Bun's standalone
 *    marker (`---- Bun! ----`) is a compiled bun binary: BUN_OPTIONS.
 *  - A compound command (`a && b`, pipes, `;`, subshells): BUN_OPTIONS when one of its simple
 *    commands is a bun run (it reaches them all); otherwise no profile, since which part to
 *    profile is a guess.
 *  - `python …`, `python3 …`, `uv run python …`, `poetry run python …`, and a file whose `#!` line
 *    names python: run under cProfile (cpu-command-python.ts), the `.prof` read back with the same
 *    interpreter (python-profile.ts).
 *  - Anything else (tsx, ts-node, …): no profile, with the reason.
 */
import { existsSync } from "node:fs";
import { delimiter, join, resolve } from "node:path";
import { denoTask, isCompiledBun, isFile, packageScript, shebang } from "./cpu-command-files.ts";
import { PYTHON_NAME, planPython, runnerPython } from "./cpu-command-python.ts";
import { commandName, type Segment, shellQuote, splitCommandLine, type Word } from "./cpu-command-words.ts";

export type CpuProfileRuntime = "bun" | "node" | "deno" | "python";

/** Which rule matched; named in docs/profile-rules.md. */
export type CpuCommandRule =
  | "bun"
  | "bun-script"
  | "bun-compiled"
  | "compound-bun"
  | "node"
  | "deno-run"
  | "deno-implicit-run"
  | "package-script"
  | "shebang"
  | "python";

/** How to run a command once with a CPU profile. */
export interface CpuProfilePlan {
  runtime: CpuProfileRuntime;
  /** The shell command line to run (the person's own, possibly with profiler flags spliced in). */
  shell: string;
  /** Variables to set on top of the person's environment (BUN_OPTIONS, PATH). */
  env: Record<string, string>;
  rule: CpuCommandRule;
  /** What differs from the person's own run, when anything does. */
  note: string | null;
  /** Python: the `.prof` file cProfile writes, and the words that start the interpreter to read it back. */
  cprofile?: { file: string; readerShell: string };
}

export type CpuProfileDecision = { plan: CpuProfilePlan; reason: null } | { plan: null; reason: string };

export interface CpuCommandOptions {
  /** Directory the runtime writes its `.cpuprofile` into (no whitespace for bun: BUN_OPTIONS splits on it). */
  profileDir: string;
  /** Where the command runs: package.json, deno.json, node_modules/.bin and relative paths are read there. */
  cwd: string;
  /** The child's environment (existing BUN_OPTIONS and PATH are extended, not replaced). */
  env?: Readonly<Record<string, string | undefined>>;
}

/** How deep package scripts and shebangs are followed (a script calling a script calling a file). */
export const MAX_COMMAND_DEPTH = 4;

/** Bun subcommands that are not a run of JS/TS code (or, for `test`, write no profile). */
const BUN_NOT_RUN = new Set([
  "test", "build", "install", "i", "add", "a", "remove", "rm", "update", "link", "unlink", "pm", "init", "create", "c",
  "upgrade", "outdated", "publish", "patch", "patch-commit", "audit", "info", "why", "x", "repl", "exec", "check", "fmt",
  "dedupe", "prune",
]);
/** Bun flags whose value is the next word. */
const BUN_VALUE_FLAGS = new Set(["-r", "--preload", "--require", "--cwd", "--env-file", "-c", "--config", "--shell", "-F", "--filter", "--tsconfig-override", "--port"]);
/** Deno subcommands with no `--cpu-prof`, or that run no program. */
const DENO_NOT_RUN = new Set([
  "test", "bench", "compile", "fmt", "lint", "check", "install", "uninstall", "add", "remove", "cache", "doc", "info", "repl",
  "eval", "serve", "upgrade", "publish", "coverage", "types", "completions", "init", "jupyter", "lsp", "vendor", "clean",
  "outdated", "update", "approve-scripts", "audit", "bundle", "deploy", "x", "help",
]);
const JS_FILE = /\.(?:[cm]?[jt]s|[jt]sx)$/;

/** The profiler flags for node and deno; the directory is quoted for the shell. */
function profilerFlags(profileDir: string): string {
  return `--cpu-prof ${shellQuote(`--cpu-prof-dir=${profileDir}`)}`;
}

/** How to run `command` once with a CPU profile, or null when it is not a JS/TS run by bun, node or deno. */
export function cpuProfileCommand(command: string, options: CpuCommandOptions): CpuProfilePlan | null {
  return planCpuProfile(command, options).plan;
}

/** Like `cpuProfileCommand`, with the reason when there is no plan. */
export function planCpuProfile(command: string, options: CpuCommandOptions): CpuProfileDecision {
  return planAt(command, options, 0);
}

function none(reason: string): CpuProfileDecision {
  return { plan: null, reason };
}

function planAt(command: string, options: CpuCommandOptions, depth: number): CpuProfileDecision {
  if (depth > MAX_COMMAND_DEPTH) return none(`package scripts or shebangs nest deeper than ${MAX_COMMAND_DEPTH} levels`);
  const split = splitCommandLine(command);
  if (split.error) return none(`the command line cannot be read: ${split.error}`);
  const segments = split.segments.filter((segment) => segment.words.length > 0);
  if (segments.length === 0) return none("the command is empty");
  if (split.compound) {
    const bunSegment = segments.find((segment) => bunRunTarget(segment) !== null);
    if (bunSegment) return bunEnv(command, options, "compound-bun", "every bun process of the compound command is profiled");
    return none("a compound command (pipes, `&&`, `;`, subshells) with no bun run in it: which part to profile is a guess; profile a single node/deno command instead");
  }
  return planSegment(command, segments[0] as Segment, options, depth);
}

function planSegment(command: string, segment: Segment, options: CpuCommandOptions, depth: number): CpuProfileDecision {
  const words = segment.words;
  const first = words[0] as Word;
  const name = commandName(first.value);
  switch (name) {
    case "node":
    case "nodejs":
      return planNode(command, words, options);
    case "bun":
      return planBun(command, segment, options, depth);
    case "deno":
      return planDeno(command, words, options, depth);
    case "npm":
    case "pnpm":
    case "yarn":
      return planPackageManager(command, name, words, options, depth);
    case "npx":
      return planNpx(command, segment, options, depth);
    case "bunx":
      return none("bunx runs a package binary with the runtime its shebang names; run the file with bun, node or deno instead");
    case "tsx":
    case "ts-node":
      return none(`${name} starts node with a loader that the profiler flags do not reach; run \`node --import tsx <file>\` instead`);
    case "uv":
    case "poetry": {
      const at = runnerPython(segment);
      if (at === null) return none(`\`${name}\` runs python for cProfile only as \`${name} run python <script or -m module>\``);
      return pythonPlan(command, segment, at, options);
    }
  }
  if (PYTHON_NAME.test(name)) return pythonPlan(command, segment, 0, options);
  return planExecutable(command, first, options, depth);
}

function pythonPlan(command: string, segment: Segment, at: number, options: CpuCommandOptions): CpuProfileDecision {
  const decided = planPython(command, segment, at, options.cwd, options.profileDir);
  if (!decided.plan) return none(decided.reason);
  const { shell, file, readerShell, note } = decided.plan;
  return { plan: { runtime: "python", shell, env: {}, rule: "python", note, cprofile: { file, readerShell } }, reason: null };
}

function planNode(command: string, words: readonly Word[], options: CpuCommandOptions): CpuProfileDecision {
  if (words.some((word, index) => index > 0 && word.value === "--test")) {
    return none("`node --test` runs each test file in a child process that --cpu-prof does not reach");
  }
  const after = (words[0] as Word).end;
  return {
    plan: { runtime: "node", shell: splice(command, after, profilerFlags(options.profileDir)), env: {}, rule: "node", note: null },
    reason: null,
  };
}

/** The file or script a bun command runs, or null when it is not a run (test, build, install, …). */
function bunRunTarget(segment: Segment): { target: Word | null; index: number } | null {
  const words = segment.words;
  if (commandName((words[0] as Word).value) !== "bun") return null;
  let index = 1;
  let evaluates = false;
  while (index < words.length && (words[index] as Word).value.startsWith("-")) {
    const flag = (words[index] as Word).value;
    if (["-e", "--eval", "-p", "--print"].includes(flag)) evaluates = true;
    index += BUN_VALUE_FLAGS.has(flag) ? 2 : 1;
  }
  if (evaluates) return { target: null, index };
  const sub = words[index];
  if (!sub) return null; // a REPL
  if (sub.value === "run") {
    let at = index + 1;
    while (at < words.length && (words[at] as Word).value.startsWith("-")) at += BUN_VALUE_FLAGS.has((words[at] as Word).value) ? 2 : 1;
    const target = words[at];
    return target ? { target, index: at } : null;
  }
  if (BUN_NOT_RUN.has(sub.value)) return null;
  return { target: sub, index };
}

function planBun(command: string, segment: Segment, options: CpuCommandOptions, depth: number): CpuProfileDecision {
  const run = bunRunTarget(segment);
  if (!run) {
    const sub = segment.words.find((word, index) => index > 0 && !word.value.startsWith("-"))?.value ?? "";
    if (sub === "test") return none("`bun test` writes no CPU profile (Bun 1.4.5 ignores --cpu-prof and BUN_OPTIONS there)");
    if (sub) return none(`\`bun ${sub}\` is not a run of JS/TS code`);
    return none(segment.words.length > 1 ? "this bun command runs no file or script" : "`bun` alone starts a REPL");
  }
  const target = run.target?.value;
  const runsFile = target !== undefined && (JS_FILE.test(target) || target.includes("/")) && existsSync(resolve(options.cwd, target));
  if (target !== undefined && !runsFile) {
    const script = packageScript(options.cwd, target);
    if (script !== null) {
      const forcedBun = segment.words.some((word, index) => index < run.index && (word.value === "--bun" || word.value === "-b"));
      const inner = planAt(script, options, depth + 1);
      if (!inner.plan && !forcedBun) return none(`the package script "${target}" (\`${script}\`): ${inner.reason}`);
      if (forcedBun || inner.plan?.runtime === "bun") {
        return bunEnv(command, options, "bun-script", null);
      }
      return directScript(command, inner.plan as CpuProfilePlan, segment, run.index, options, "bun");
    }
  }
  return bunEnv(command, options, "bun", null);
}

function bunEnv(command: string, options: CpuCommandOptions, rule: CpuCommandRule, note: string | null): CpuProfileDecision {
  if (/\s/.test(options.profileDir)) return none("BUN_OPTIONS cannot carry a profile directory with whitespace in its path");
  const existing = options.env?.BUN_OPTIONS?.trim();
  const value = `--cpu-prof --cpu-prof-dir=${options.profileDir}${existing ? ` ${existing}` : ""}`;
  return { plan: { runtime: "bun", shell: command, env: { BUN_OPTIONS: value }, rule, note }, reason: null };
}

function planDeno(command: string, words: readonly Word[], options: CpuCommandOptions, depth: number): CpuProfileDecision {
  const sub = words[1];
  if (!sub) return none("`deno` alone starts a REPL");
  if (sub.value === "run") {
    return { plan: { runtime: "deno", shell: splice(command, sub.end, profilerFlags(options.profileDir)), env: {}, rule: "deno-run", note: null }, reason: null };
  }
  if (sub.value === "task") {
    const name = words[2]?.value;
    const task = name ? denoTask(options.cwd, name) : null;
    if (!name || task === null) return none(name ? `no deno.json task named "${name}"` : "`deno task` without a task name");
    const inner = planAt(task, options, depth + 1);
    if (!inner.plan) return none(`the deno task "${name}" (\`${task}\`): ${inner.reason}`);
    if (inner.plan.runtime === "bun") return bunEnv(command, options, "bun-script", null);
    return directScript(command, inner.plan, { assignments: [], words }, 2, options, "deno");
  }
  if (sub.value.startsWith("-") || JS_FILE.test(sub.value) || /^https?:\/\//.test(sub.value)) {
    // `deno [flags] <file>` is `deno run`: the flags can go right after `deno`.
    return {
      plan: { runtime: "deno", shell: splice(command, (words[0] as Word).end, profilerFlags(options.profileDir)), env: {}, rule: "deno-implicit-run", note: null },
      reason: null,
    };
  }
  if (DENO_NOT_RUN.has(sub.value)) return none(`\`deno ${sub.value}\` has no --cpu-prof`);
  return none(`\`deno ${sub.value}\` is not a recognised run of a file`);
}

/** npm, pnpm and yarn: the package script named on the command line. */
function planPackageManager(
  command: string,
  manager: "npm" | "pnpm" | "yarn",
  words: readonly Word[],
  options: CpuCommandOptions,
  depth: number,
): CpuProfileDecision {
  let index = 1;
  while (index < words.length && (words[index] as Word).value.startsWith("-")) index++;
  const sub = words[index]?.value;
  if (!sub) return none(`\`${manager}\` without a script`);
  let nameIndex: number;
  if (sub === "run" || sub === "run-script") nameIndex = index + 1;
  else if (["test", "t", "tst", "start", "stop", "restart"].includes(sub)) nameIndex = index;
  else if (manager !== "npm") nameIndex = index; // `pnpm build`, `yarn build`
  else return none(`\`npm ${sub}\` is not a package script run`);
  let name = words[nameIndex]?.value;
  if (name === "t" || name === "tst") name = "test";
  if (!name) return none(`\`${manager} ${sub}\` without a script name`);
  const script = packageScript(options.cwd, name);
  if (script === null) return none(`package.json has no script "${name}"`);
  const inner = planAt(script, options, depth + 1);
  if (!inner.plan) return none(`the package script "${name}" (\`${script}\`): ${inner.reason}`);
  if (inner.plan.runtime === "bun") return bunEnv(command, options, "bun-script", null);
  return directScript(command, inner.plan, { assignments: [], words }, nameIndex, options, manager);
}

/**
 * A node or deno package script, run directly: the rewritten script, then the arguments the person
 * passed after the script name (npm: after `--`), with `<cwd>/node_modules/.bin` first on PATH.
 */
function directScript(
  command: string,
  inner: CpuProfilePlan,
  segment: Segment,
  nameIndex: number,
  options: CpuCommandOptions,
  manager: string,
): CpuProfileDecision {
  const words = segment.words;
  let argsFrom = nameIndex + 1;
  const dashes = words.findIndex((word, index) => index > nameIndex && word.value === "--");
  if (manager === "npm") argsFrom = dashes === -1 ? words.length : dashes + 1;
  else if (dashes === nameIndex + 1) argsFrom = dashes + 1;
  const extra = argsFrom < words.length ? command.slice((words[argsFrom] as Word).start, (words[words.length - 1] as Word).end) : "";
  const bin = join(options.cwd, "node_modules", ".bin");
  const path = options.env?.PATH;
  const shell = extra ? `${inner.shell} ${extra}` : inner.shell;
  return {
    plan: {
      runtime: inner.runtime,
      shell,
      env: { ...inner.env, PATH: path ? `${bin}${delimiter}${path}` : bin },
      rule: "package-script",
      note: `the script runs directly, not through ${manager} (no pre/post scripts, no npm_* variables)`,
      ...(inner.cprofile ? { cprofile: inner.cprofile } : {}),
    },
    reason: null,
  };
}

/** `npx [flags] <tool> args`: the tool from `<cwd>/node_modules/.bin`, planned by its shebang. */
function planNpx(command: string, segment: Segment, options: CpuCommandOptions, depth: number): CpuProfileDecision {
  const words = segment.words;
  const toolIndex = words.findIndex((word, index) => index > 0 && !word.value.startsWith("-"));
  const tool = words[toolIndex];
  if (!tool) return none("`npx` without a tool");
  const bin = join(options.cwd, "node_modules", ".bin", tool.value);
  if (!isFile(bin)) return none(`npx would fetch or find "${tool.value}" elsewhere: it is not in node_modules/.bin`);
  return viaShebang(command.slice(0, (words[0] as Word).start), bin, command.slice(tool.start), tool, options, depth, command);
}

/** A path to a file, or a tool in `<cwd>/node_modules/.bin`: its shebang or Bun's marker decides. */
function planExecutable(command: string, first: Word, options: CpuCommandOptions, depth: number): CpuProfileDecision {
  const fromBin = !first.value.includes("/") ? join(options.cwd, "node_modules", ".bin", first.value) : null;
  const file = first.value.includes("/") ? resolve(options.cwd, first.value) : fromBin && isFile(fromBin) ? fromBin : null;
  if (!file || !isFile(file)) return none(`\`${first.value}\` is not a JS/TS run by bun, node or deno`);
  return viaShebang(command.slice(0, first.start), file, command.slice(first.start), first, options, depth, command);
}

function viaShebang(
  prefix: string,
  file: string,
  rest: string,
  word: Word,
  options: CpuCommandOptions,
  depth: number,
  whole: string,
): CpuProfileDecision {
  const interpreter = shebang(file);
  if (interpreter) {
    const runtime = commandName(interpreter[0] ?? "");
    if (runtime === "bun") return bunEnv(whole, options, "shebang", null);
    if (runtime === "node" || runtime === "nodejs" || runtime === "deno" || PYTHON_NAME.test(runtime)) {
      // `./cli.js args` becomes `<interpreter words> <path> args`; the path replaces the bare name.
      const afterWord = rest.slice(word.end - word.start);
      const rewritten = `${prefix}${interpreter.map(shellQuote).join(" ")} ${shellQuote(file)}${afterWord}`;
      const inner = planAt(rewritten, options, depth + 1);
      if (!inner.plan) return inner;
      return { plan: { ...inner.plan, rule: "shebang", note: `run as \`${interpreter.join(" ")} ${file}\` (its #! line)` }, reason: null };
    }
    return none(`\`${word.value}\` is run by ${interpreter.join(" ")}, not bun, node, deno or python`);
  }
  if (isCompiledBun(file)) return bunEnv(whole, options, "bun-compiled", null);
  return none(`\`${word.value}\` is not a JS/TS run by bun, node or deno`);
}

function splice(text: string, at: number, insert: string): string {
  return `${text.slice(0, at)} ${insert}${text.slice(at)}`;
}
