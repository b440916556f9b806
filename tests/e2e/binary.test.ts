// End-to-end checks of the compiled binary (PERFLOOP_BIN): it must run with no Bun, Node or Deno.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { after, test } from "node:test";
import { resolve } from "node:path";
import process from "node:process";
import { cli, removeDir, tempDir, writeManifest } from "../helpers/cli.ts";
import pkg from "../../package.json" with { type: "json" };

// Absolute: the tests run it from other directories (npm run test:e2e passes dist/perfloop).
const bin = process.env.PERFLOOP_BIN ? resolve(process.env.PERFLOOP_BIN) : undefined;
const skip = bin ? false : "set PERFLOOP_BIN to the compiled binary (npm run build) to run the e2e tests";
const dirs: string[] = [];
after(() => dirs.forEach(removeDir));

function bare(args: string[], cwd?: string) {
  // No runtime on PATH, no HOME, nothing inherited.
  return spawnSync(bin!, args, { env: { PATH: "/nonexistent" }, cwd, encoding: "utf8", input: "" });
}

test("--version works with an empty environment and no runtime on PATH", { skip }, () => {
  const result = bare(["--version"]);
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stdout, `perfloop ${pkg.version}\n`);
});

test("the runtime works from the binary with no runtime on PATH", { skip }, () => {
  const dir = tempDir();
  dirs.push(dir);
  const manifest = writeManifest(dir, "bare");
  const start = bare(["runtime", "start", "--slug", "bare", "--manifest-file", manifest, "--project-root", dir], dir);
  assert.equal(start.status, 0, start.stderr);
  const status = bare(["runtime", "status", "--slug", "bare"], dir);
  assert.equal(JSON.parse(status.stdout).state.phase, "PHASE_0_PREFLIGHT");
});

test("--help lists the commands and the global flags", { skip }, () => {
  const result = cli(["--help"]);
  assert.equal(result.code, 0);
  for (const word of ["status", "runtime", "--json", "--yes", "--project-root", "--slug", "--no-color", "--version"]) {
    assert.ok(result.stdout.includes(word), `help mentions ${word}`);
  }
});

test("unknown commands and flags: one line, a hint, exit 2, no stack trace", { skip }, () => {
  for (const args of [["frobnicate"], ["--bogus"], ["status", "--bogus"]]) {
    const result = cli(args);
    assert.equal(result.code, 2, `${args.join(" ")}: ${result.stderr}`);
    assert.equal(result.stdout, "");
    assert.equal(result.stderr.trim().split("\n").length, 1, result.stderr);
    assert.match(result.stderr, /perfloop --help/);
    assert.doesNotMatch(result.stderr, /\n\s+at /);
  }
});

test("status speaks plain words, and --json gives the same as data", { skip }, () => {
  const dir = tempDir();
  dirs.push(dir);
  assert.equal(cli(["status", "--project-root", dir]).stdout, `No active perfloop run in ${dir}.\n`);
  const manifest = writeManifest(dir, "words");
  assert.equal(cli(["runtime", "start", "--slug", "words", "--manifest-file", manifest, "--project-root", dir]).code, 0);
  const human = cli(["status", "--project-root", dir], { env: { FORCE_COLOR: "1" } });
  assert.equal(human.code, 0);
  assert.match(human.stdout, /^words {2}ln-810-words-/m);
  assert.match(human.stdout, /phase {4}0 preflight, cycle 1 of 3/);
  assert.match(human.stdout, /next {5}Complete PHASE_0_PREFLIGHT and write its checkpoint/);
  assert.doesNotMatch(human.stdout, /\u001b\[/, "NO_COLOR wins over FORCE_COLOR");
  const json = cli(["status", "--project-root", dir, "--json"]);
  const parsed = JSON.parse(json.stdout);
  assert.equal(parsed.runs.length, 1);
  assert.equal(parsed.runs[0].slug, "words");
  assert.equal(parsed.runs[0].phase, "PHASE_0_PREFLIGHT");
});
