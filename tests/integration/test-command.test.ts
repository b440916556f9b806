// Test command discovery on temp projects (one per rule, and the order when several match), and
// the check run on the unmodified code: a passing command passes, a failing one is the blocking
// error (exit 2) naming the command, the exit code, the tail of its output and the fix.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join, resolve } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { ExitCode, PerfloopError } from "../../src/errors.ts";
import { detectPlatform } from "../../src/platform/index.ts";
import { checkTestCommand, discoverTestCommand, TestCommandFailedError } from "../../src/profile/test-command.ts";

const platform = detectPlatform();
const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const BIN = join(repo, "node_modules", ".bin");
const env = { ...platform.env, PATH: `${BIN}${delimiter}/usr/bin${delimiter}${platform.env.PATH ?? ""}`, NO_COLOR: "1" };
const scratch = mkdtempSync(join(tmpdir(), "perfloop-testcmd-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

let counter = 0;
/** A fresh project holding the given files (path -> content; objects are written as JSON). */
function projectWith(files: Record<string, string | object>): string {
  const dir = join(scratch, `p${++counter}`);
  mkdirSync(dir, { recursive: true });
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), typeof content === "string" ? content : JSON.stringify(content));
  }
  return dir;
}

const TEST_SCRIPT = { scripts: { test: "node --test" } };
const NPM_DEFAULT = { scripts: { test: 'echo "Error: no test specified" && exit 1' } };

test("each discovery rule on its own", () => {
  const cases: [string, Record<string, string | object>, string, string, RegExp][] = [
    ["scripts.test, no lockfile", { "package.json": TEST_SCRIPT }, "npm test", "package.json", /node --test.*no lockfile/],
    ["scripts.test with package-lock.json", { "package.json": TEST_SCRIPT, "package-lock.json": "{}" }, "npm test", "package.json", /package-lock\.json/],
    ["scripts.test with bun.lock", { "package.json": TEST_SCRIPT, "bun.lock": "{}" }, "bun run test", "package.json", /bun\.lock is present/],
    ["scripts.test with bun.lockb", { "package.json": TEST_SCRIPT, "bun.lockb": "" }, "bun run test", "package.json", /bun\.lockb/],
    ["scripts.test with pnpm-lock.yaml", { "package.json": TEST_SCRIPT, "pnpm-lock.yaml": "" }, "pnpm test", "package.json", /pnpm-lock/],
    ["scripts.test with yarn.lock", { "package.json": TEST_SCRIPT, "yarn.lock": "" }, "yarn test", "package.json", /yarn\.lock/],
    ["scripts.test with packageManager and no lockfile", { "package.json": { ...TEST_SCRIPT, packageManager: "pnpm@9.1.0" } }, "pnpm test", "package.json", /packageManager is pnpm/],
    ["bunfig.toml", { "bunfig.toml": "[test]\n" }, "bun test", "bun", /bunfig\.toml/],
    ["a nested *.test.ts with a bun lockfile", { "bun.lock": "{}", "src/deep/parse.test.ts": "" }, "bun test", "bun", /src\/deep\/parse\.test\.ts .*bun\.lock/],
    ["a *.spec.tsx with a bun-types dependency", { "package.json": { devDependencies: { "bun-types": "1" } }, "ui/a.spec.tsx": "" }, "bun test", "bun", /bun-types/],
    ["a vitest config", { "vitest.config.ts": "export default {}" }, "npx vitest run", "vitest", /vitest\.config\.ts/],
    ["a vitest dependency", { "package.json": { devDependencies: { vitest: "3" } } }, "npx vitest run", "vitest", /dependency/],
    ["a jest config", { "jest.config.js": "module.exports = {}" }, "npx jest", "jest", /jest\.config\.js/],
    ["a package.json jest key", { "package.json": { jest: {} } }, "npx jest", "jest", /jest key/],
    ["a jest dependency", { "package.json": { devDependencies: { jest: "29" } } }, "npx jest", "jest", /dependency/],
    ["pytest.ini", { "pytest.ini": "[pytest]\n" }, "python3 -m pytest -q", "pytest", /pytest\.ini/],
    ["pyproject [tool.pytest.ini_options]", { "pyproject.toml": "[project]\nname='x'\n\n[tool.pytest.ini_options]\naddopts='-q'\n" }, "python3 -m pytest -q", "pytest", /pyproject/],
    ["setup.cfg [tool:pytest]", { "setup.cfg": "[tool:pytest]\n" }, "python3 -m pytest -q", "pytest", /setup\.cfg/],
    ["tox.ini [pytest]", { "tox.ini": "[tox]\n[pytest]\n" }, "python3 -m pytest -q", "pytest", /tox\.ini/],
    ["conftest.py", { "conftest.py": "" }, "python3 -m pytest -q", "pytest", /conftest/],
    ["tests/test_*.py", { "tests/test_parse.py": "def test_x(): pass\n" }, "python3 -m pytest -q", "pytest", /tests\/test_parse\.py/],
    ["go.mod", { "go.mod": "module x\n" }, "go test ./...", "go", /go\.mod/],
    ["Cargo.toml", { "Cargo.toml": "[package]\n" }, "cargo test", "cargo", /Cargo\.toml/],
    ["a Makefile test target", { Makefile: "build:\n\tcc x.c\n\ntest: build\n\t./run-tests\n" }, "make test", "make", /Makefile has a test target/],
  ];
  for (const [name, files, command, source, reason] of cases) {
    const found = discoverTestCommand(projectWith(files));
    assert.ok(found, `${name}: nothing found`);
    assert.equal(found.command, command, name);
    assert.equal(found.source, source, name);
    assert.match(found.reason, reason, `${name}: ${found.reason}`);
  }
});

test("what does not count as a test command", () => {
  const cases: [string, Record<string, string | object>][] = [
    ["an empty project", {}],
    ["npm's default test script", { "package.json": NPM_DEFAULT }],
    ["an empty test script", { "package.json": { scripts: { test: "  " } } }],
    ["a *.test.ts without any sign of bun", { "src/a.test.ts": "" }],
    ["a bun lockfile whose only test file is in node_modules", { "bun.lock": "{}", "node_modules/x/a.test.ts": "" }],
    ["a pyproject without a pytest section", { "pyproject.toml": "[project]\nname='x'\n" }],
    ["a Makefile without a test target", { Makefile: "build:\n\tcc x.c\n" }],
    ["a Makefile variable named test", { Makefile: "test := 1\nall:\n\ttrue\n" }],
    ["a package.json that is not JSON", { "package.json": "{ nope" }],
  ];
  for (const [name, files] of cases) assert.equal(discoverTestCommand(projectWith(files)), null, name);
  // npm's placeholder is skipped, and the next rule still applies.
  assert.equal(discoverTestCommand(projectWith({ "package.json": NPM_DEFAULT, "go.mod": "module x\n" }))?.command, "go test ./...");
});

test("the order when several rules match: the first one wins", () => {
  const all: Record<string, string | object> = {
    "package.json": { ...TEST_SCRIPT, devDependencies: { vitest: "3", jest: "29" } },
    "bunfig.toml": "",
    "pytest.ini": "",
    "go.mod": "module x\n",
    "Cargo.toml": "",
    Makefile: "test:\n\ttrue\n",
  };
  const expected = ["package.json", "bun", "vitest", "jest", "pytest", "go", "cargo", "make"];
  // Remove the winner each time: the next in the documented order must win.
  const files = { ...all };
  for (const source of expected) {
    const found = discoverTestCommand(projectWith(files));
    assert.equal(found?.source, source, JSON.stringify(Object.keys(files)));
    if (source === "package.json") files["package.json"] = { devDependencies: { vitest: "3", jest: "29" } };
    if (source === "bun") delete files["bunfig.toml"];
    if (source === "vitest") files["package.json"] = { devDependencies: { jest: "29" } };
    if (source === "jest") delete files["package.json"];
    if (source === "pytest") delete files["pytest.ini"];
    if (source === "go") delete files["go.mod"];
    if (source === "cargo") delete files["Cargo.toml"];
  }
  // Several lockfiles: bun before pnpm before yarn before npm.
  assert.equal(discoverTestCommand(projectWith({ "package.json": TEST_SCRIPT, "yarn.lock": "", "pnpm-lock.yaml": "", "package-lock.json": "{}" }))?.command, "pnpm test");
  assert.equal(discoverTestCommand(projectWith({ "package.json": TEST_SCRIPT, "yarn.lock": "", "bun.lock": "{}" }))?.command, "bun run test");
});

test("a passing test command passes, with the tail of its output", async () => {
  const cwd = projectWith({});
  const check = await checkTestCommand(platform, { command: "echo 'all 3 tests passed'; echo done >&2", cwd, env, timeoutMs: 30_000 });
  assert.equal(check.exit_code, 0);
  assert.deepEqual(check.output_tail, ["all 3 tests passed", "done"]);
  assert.ok(check.wall_ms >= 0);
});

async function failure(command: string, cwd: string, timeoutMs = 30_000): Promise<TestCommandFailedError> {
  try {
    await checkTestCommand(platform, { command, cwd, env, timeoutMs });
  } catch (error) {
    assert.ok(error instanceof TestCommandFailedError, String(error));
    return error;
  }
  assert.fail(`${command} was expected to fail`);
}

test("a failing test command is the blocking error: exit 2, the command, the exit code, the last lines, the fix", async () => {
  const cwd = projectWith({});
  // stdout and stderr are two pipes, read as they arrive: the pause keeps the stderr line last on a loaded machine.
  const error = await failure("for i in $(seq 1 30); do echo \"line $i\"; done; sleep 0.2; echo 'expected 2, got 3' >&2; exit 3", cwd);
  assert.ok(error instanceof PerfloopError);
  assert.equal(error.code, "test_command_failed");
  assert.equal(error.exitCode, ExitCode.usage);
  assert.match(error.hint ?? "", /must pass/);
  assert.match(error.message, /^the test command `for i in .*exit 3` fails with exit code 3 on the unmodified code; the last lines of its output:\n/);
  assert.match(error.message, /  \| expected 2, got 3\nfix the tests or pass --test$/);
  assert.match(error.message, /\| line 30\n/);
  assert.doesNotMatch(error.message, /\| line 11\n/, "only the last 20 lines");
  assert.equal((error.data?.output_tail as string[]).length, 20);
  assert.equal(error.data?.exit_code, 3);
  assert.deepEqual(JSON.parse(JSON.stringify(error)).code, "test_command_failed");
});

test("a test command that hangs, is killed, cannot start or prints nothing is a blocking error too", async () => {
  const cwd = projectWith({});
  assert.match((await failure("sleep 20", cwd, 300)).message, /`sleep 20` did not finish within 300 ms/);
  assert.match((await failure("kill -TERM $$", cwd)).message, /was ended by SIGTERM/);
  assert.match((await failure("exit 1", cwd)).message, /fails with exit code 1 on the unmodified code and printed nothing; fix the tests or pass --test$/);
  assert.match((await failure("true", join(cwd, "missing-dir"))).message, /could not start/);
});

test("a discovered command, run for real: npm test passes, a failing bun test blocks with bun's own output", async (t) => {
  if (existsSync("/usr/bin/npm")) {
    const passing = projectWith({ "package.json": { scripts: { test: "node -e \"console.log('ok 1')\"" } } });
    const found = discoverTestCommand(passing);
    assert.equal(found?.command, "npm test");
    const check = await checkTestCommand(platform, { command: found?.command as string, cwd: passing, env, timeoutMs: 60_000 });
    assert.ok(check.output_tail.includes("ok 1"), check.output_tail.join("\n"));
  }
  if (!existsSync(join(BIN, "bun"))) {
    t.skip("bun is absent");
    return;
  }
  const failing = projectWith({
    "bunfig.toml": "",
    "math.test.ts": 'import { expect, test } from "bun:test";\ntest("adds", () => { expect(1 + 1).toBe(3); });\n',
  });
  const found = discoverTestCommand(failing);
  assert.equal(found?.command, "bun test");
  const error = await failure(found?.command as string, failing, 60_000);
  assert.match(error.message, /`bun test` fails with exit code 1/);
  assert.match(error.message, /1 fail/);
});
