/**
 * The functional safety gate: which command tests the project, and whether it passes on the
 * unmodified code. DESIGN.md: "test command — the functional safety gate; discovered when not
 * given"; contract §8: "a failing test blocks".
 *
 * Discovery looks at files only (never the machine's PATH), in this order, first match wins
 * (docs/profile-rules.md, "Test command discovery"):
 *  1. package.json `scripts.test` (not npm's default `echo "Error: no test specified" && exit 1`),
 *     run by the package manager whose lockfile is there: bun.lock/bun.lockb -> `bun run test`,
 *     pnpm-lock.yaml -> `pnpm test`, yarn.lock -> `yarn test`, else package.json `packageManager`,
 *     else `npm test`. With several lockfiles the first in that order wins.
 *  2. bunfig.toml, or `*.test.ts(x)`/`*.spec.ts(x)` files when the project uses bun (a bun lockfile
 *     or a `bun-types`/`@types/bun` dependency) -> `bun test`.
 *  3. a vitest config or a `vitest` dependency -> `npx vitest run`.
 *  4. a jest config, a package.json `jest` key or a `jest` dependency -> `npx jest`.
 *  5. pytest.ini, pyproject.toml `[tool.pytest…]`, setup.cfg `[tool:pytest]`, tox.ini `[pytest]`,
 *     conftest.py, or tests/test_*.py (test/, tests/*_test.py) -> `python3 -m pytest -q`.
 *  6. go.mod -> `go test ./...`
 *  7. Cargo.toml -> `cargo test`
 *  8. a Makefile with a `test:` target -> `make test`.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { readJsonLoose } from "../runtime/atomic-fs.ts";
import { isPlainObject } from "../runtime/schemas.ts";
import { ExitCode, PerfloopError } from "../errors.ts";
import type { Platform } from "../platform/types.ts";

export type TestCommandSource = "package.json" | "bun" | "vitest" | "jest" | "pytest" | "go" | "cargo" | "make";

export interface DiscoveredTestCommand {
  command: string;
  /** The rule that matched. */
  source: TestCommandSource;
  /** Why, naming the file that decided it. */
  reason: string;
}

/** npm init's placeholder test script: not a test. */
const NPM_DEFAULT_TEST = /no test specified/;
/** Directory levels searched for test files (rule 2 and 5), and the entries looked at, at most. */
export const TEST_FILE_SEARCH_DEPTH = 4;
export const TEST_FILE_SEARCH_ENTRIES = 5000;
const SKIPPED_DIRS = new Set(["node_modules", "dist", "build", "target", "vendor", "coverage", "out"]);
const TS_TEST_FILE = /\.(?:test|spec)\.[cm]?tsx?$/;

/** The project's test command, or null when no rule matches. */
export function discoverTestCommand(projectRoot: string): DiscoveredTestCommand | null {
  const has = (name: string) => isFile(join(projectRoot, name));
  const pkg = readJson(join(projectRoot, "package.json"));
  const deps = dependencies(pkg);

  const scripts = pkg?.scripts as Record<string, unknown> | undefined;
  const testScript = scripts && typeof scripts === "object" ? scripts.test : undefined;
  if (typeof testScript === "string" && testScript.trim() !== "" && !NPM_DEFAULT_TEST.test(testScript)) {
    const manager = packageManager(projectRoot, pkg);
    return {
      command: manager.command,
      source: "package.json",
      reason: `package.json scripts.test is \`${testScript}\`; ${manager.why}`,
    };
  }

  const bunLock = ["bun.lock", "bun.lockb"].find(has);
  if (has("bunfig.toml")) return { command: "bun test", source: "bun", reason: "bunfig.toml is present" };
  const bunUsed = bunLock ?? (deps.has("bun-types") ? "a bun-types dependency" : deps.has("@types/bun") ? "an @types/bun dependency" : null);
  if (bunUsed) {
    const testFile = findFile(projectRoot, (name) => TS_TEST_FILE.test(name));
    if (testFile) return { command: "bun test", source: "bun", reason: `${testFile} is a TypeScript test file and the project uses bun (${bunUsed})` };
  }

  const vitestConfig = ["ts", "mts", "cts", "js", "mjs", "cjs"].map((ext) => `vitest.config.${ext}`).find(has);
  if (vitestConfig || deps.has("vitest")) {
    return { command: "npx vitest run", source: "vitest", reason: vitestConfig ? `${vitestConfig} is present` : "vitest is a dependency" };
  }

  const jestConfig = ["js", "ts", "mjs", "cjs", "json"].map((ext) => `jest.config.${ext}`).find(has);
  if (jestConfig || (pkg && "jest" in pkg) || deps.has("jest")) {
    const why = jestConfig ? `${jestConfig} is present` : pkg && "jest" in pkg ? "package.json has a jest key" : "jest is a dependency";
    return { command: "npx jest", source: "jest", reason: why };
  }

  const pytest = pytestEvidence(projectRoot, has);
  if (pytest) return { command: "python3 -m pytest -q", source: "pytest", reason: pytest };

  if (has("go.mod")) return { command: "go test ./...", source: "go", reason: "go.mod is present" };
  if (has("Cargo.toml")) return { command: "cargo test", source: "cargo", reason: "Cargo.toml is present" };

  const makefile = ["GNUmakefile", "makefile", "Makefile"].find(has);
  if (makefile && /^test\s*:(?!=)/m.test(readText(join(projectRoot, makefile)))) {
    return { command: "make test", source: "make", reason: `${makefile} has a test target` };
  }
  return null;
}

function packageManager(root: string, pkg: Record<string, unknown> | null): { command: string; why: string } {
  const locks: [string, string][] = [
    ["bun.lock", "bun run test"],
    ["bun.lockb", "bun run test"],
    ["pnpm-lock.yaml", "pnpm test"],
    ["yarn.lock", "yarn test"],
    ["package-lock.json", "npm test"],
  ];
  for (const [lock, command] of locks) {
    if (isFile(join(root, lock))) return { command, why: `${lock} is present` };
  }
  const declared = typeof pkg?.packageManager === "string" ? pkg.packageManager.split("@")[0] : undefined;
  const byName: Record<string, string> = { bun: "bun run test", pnpm: "pnpm test", yarn: "yarn test", npm: "npm test" };
  if (declared && byName[declared]) return { command: byName[declared] as string, why: `package.json packageManager is ${declared}` };
  return { command: "npm test", why: "no lockfile names another package manager" };
}

function pytestEvidence(root: string, has: (name: string) => boolean): string | null {
  if (has("pytest.ini")) return "pytest.ini is present";
  if (has("pyproject.toml") && /^\[tool\.pytest/m.test(readText(join(root, "pyproject.toml")))) return "pyproject.toml has a [tool.pytest] section";
  if (has("setup.cfg") && /^\[tool:pytest\]/m.test(readText(join(root, "setup.cfg")))) return "setup.cfg has a [tool:pytest] section";
  if (has("tox.ini") && /^\[pytest\]/m.test(readText(join(root, "tox.ini")))) return "tox.ini has a [pytest] section";
  if (has("conftest.py")) return "conftest.py is present";
  for (const dir of ["tests", "test"]) {
    const names = listDir(join(root, dir));
    const file = names.find((name) => /^test_.*\.py$/.test(name) || /_test\.py$/.test(name));
    if (file) return `${dir}/${file} is a pytest test file`;
  }
  return null;
}

function dependencies(pkg: Record<string, unknown> | null): Set<string> {
  const names = new Set<string>();
  for (const field of ["dependencies", "devDependencies", "optionalDependencies", "peerDependencies"]) {
    const deps = pkg?.[field];
    if (deps && typeof deps === "object") for (const name of Object.keys(deps)) names.add(name);
  }
  return names;
}

/** The first file (project-relative path) whose name matches, breadth first, bounded. */
function findFile(root: string, match: (name: string) => boolean): string | null {
  let queue: string[] = [""];
  let seen = 0;
  for (let depth = 0; depth <= TEST_FILE_SEARCH_DEPTH && queue.length > 0; depth++) {
    const next: string[] = [];
    for (const dir of queue) {
      for (const entry of listDirEntries(join(root, dir))) {
        if (++seen > TEST_FILE_SEARCH_ENTRIES) return null;
        const rel = dir ? `${dir}/${entry.name}` : entry.name;
        if (entry.dir) {
          if (!entry.name.startsWith(".") && !SKIPPED_DIRS.has(entry.name)) next.push(rel);
        } else if (match(entry.name)) return rel;
      }
    }
    queue = next;
  }
  return null;
}

function listDirEntries(dir: string): { name: string; dir: boolean }[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .map((entry) => ({ name: entry.name, dir: entry.isDirectory() }))
      .sort((a, b) => a.name.localeCompare(b.name));
  } catch {
    return [];
  }
}

function listDir(dir: string): string[] {
  return listDirEntries(dir).filter((entry) => !entry.dir).map((entry) => entry.name);
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function readText(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

function readJson(path: string): Record<string, unknown> | null {
  const value = readJsonLoose(path);
  return isPlainObject(value) ? value : null;
}

// ---------------------------------------------------------------------------------------------
// Running it once on the unmodified code

/** Lines of output quoted when the test command fails. */
export const TEST_OUTPUT_TAIL_LINES = 20;
/** A quoted line longer than this is cut. */
const TAIL_LINE_CHARS = 300;
/** Output kept by the spawn (the tail is collected line by line, so this only bounds memory). */
const TEST_OUTPUT_BYTES = 256 * 1024;

/** The way out, ending the message (also in --json output, which drops the hint). */
export const TEST_COMMAND_FIX = "fix the tests or pass --test";

/**
 * The test command failed on the unmodified code: a blocking error, exit 2. The message names the
 * command, how it failed, the last lines of its output and the fix; `data` holds the same as fields.
 */
export class TestCommandFailedError extends PerfloopError {
  constructor(message: string, data: Record<string, unknown>) {
    super("test_command_failed", message, {
      hint: "the tests are the safety gate: they must pass before any change is measured",
      data,
      exitCode: ExitCode.usage,
    });
    this.name = "TestCommandFailedError";
  }
}

export interface TestCommandCheck {
  command: string;
  exit_code: number;
  wall_ms: number;
  /** The last lines of its output (stdout and stderr as they arrived). */
  output_tail: string[];
}

export interface CheckTestCommandOptions {
  command: string;
  cwd: string;
  /** The child's complete environment. */
  env: Readonly<Record<string, string | undefined>>;
  timeoutMs: number;
}

/** Runs the test command once; throws `TestCommandFailedError` unless it exits 0. */
export async function checkTestCommand(platform: Platform, options: CheckTestCommandOptions): Promise<TestCommandCheck> {
  const tail: string[] = [];
  const result = await platform.spawn({
    shell: options.command,
    cwd: options.cwd,
    env: options.env,
    timeoutMs: options.timeoutMs,
    maxOutputBytes: TEST_OUTPUT_BYTES,
    onOutputLine: (_stream, line) => {
      const clean = stripAnsi(line);
      if (clean.trim() === "") return;
      tail.push(clean.length > TAIL_LINE_CHARS ? `${clean.slice(0, TAIL_LINE_CHARS)}…` : clean);
      if (tail.length > TEST_OUTPUT_TAIL_LINES) tail.shift();
    },
  });
  if (result.spawnError === null && !result.timedOut && result.exitCode === 0) {
    return { command: options.command, exit_code: 0, wall_ms: result.wallMs, output_tail: tail };
  }
  let what: string;
  if (result.spawnError !== null) what = `could not start (${result.spawnError})`;
  else if (result.timedOut) what = `did not finish within ${options.timeoutMs} ms`;
  else if (result.exitCode === null) what = `was ended by ${result.signal ?? "a signal"}`;
  else what = `fails with exit code ${result.exitCode}`;
  const quoted = tail.length > 0 ? `; the last lines of its output:\n${tail.map((line) => `  | ${line}`).join("\n")}\n` : " and printed nothing; ";
  throw new TestCommandFailedError(`the test command \`${options.command}\` ${what} on the unmodified code${quoted}${TEST_COMMAND_FIX}`, {
    command: options.command,
    exit_code: result.exitCode,
    signal: result.signal,
    timed_out: result.timedOut,
    spawn_error: result.spawnError,
    output_tail: tail,
  });
}

function stripAnsi(text: string): string {
  return text.replace(/\u001b\[[0-9;?]*[ -/]*[@-~]/g, "");
}
