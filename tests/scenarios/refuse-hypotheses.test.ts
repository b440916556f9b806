// Hypotheses perfloop cannot apply faithfully, and inputs without bounds, are refused before
// anything is written (docs/hypotheses.md, "Limits"): binary patches, patches and hypotheses files
// over their size limits, a hypotheses file or patch file that is not a regular file (a FIFO used
// to hang perfloop), and env knobs with NUL bytes, huge values or names perfloop controls itself.
// Each case: exit 2, one line `perfloop: <problem> (<fix>)` on stderr, nothing on stdout, and the
// repository unchanged (no .hex-skills directory). Runs from source (Bun, Deno) and the binary.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { cli, removeDir, tempDir, type CliResult } from "../helpers/cli.ts";
import { fixtureRepo, git } from "../helpers/repo.ts";

const dirs: string[] = [];
after(() => dirs.forEach(removeDir));

const KIB = 1024;
const MIB = 1024 * KIB;
/** A hang is a failure, not a wait: perfloop answers bad input within a few seconds. */
const CALL_TIMEOUT_MS = 30_000;

/** `git diff --binary` of a new binary file next to a text change. */
const GIT_BINARY_PATCH = [
  "diff --git a/work.sh b/work.sh",
  "--- a/work.sh",
  "+++ b/work.sh",
  "@@ -1,2 +1,2 @@",
  " #!/bin/sh",
  "-# Sums 1..n the slow way: a loop with a wasted step in every iteration.",
  "+# Sums 1..n: a loop with a wasted step in every iteration.",
  "diff --git a/data.bin b/data.bin",
  "new file mode 100644",
  "index 0000000000000000000000000000000000000000..b43761b27df02a0c6c305120d37445368d1ac5e1",
  "GIT binary patch",
  "literal 10",
  "RcmZQzWJ=1+ODwAV4*(1}1Bd_s",
  "",
  "literal 0",
  "HcmV?d00001",
  "",
  "",
].join("\n");

/** `git diff` (without --binary) of the same new file: the content is not in the patch at all. */
const BINARY_FILES_DIFFER = [
  "diff --git a/data.bin b/data.bin",
  "new file mode 100644",
  "index 0000000..b43761b",
  "Binary files /dev/null and b/data.bin differ",
  "",
].join("\n");

function hyp(id: string, change: unknown): Record<string, unknown> {
  return { id, description: `hypothesis ${id}`, evidence: "a test", change };
}

function hypothesesJson(...hypotheses: unknown[]): string {
  return JSON.stringify({ version: 1, hypotheses });
}

/** Every entry under `dir`: a regular file's bytes, else its kind (a FIFO is never opened). */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (current: string) => {
    for (const name of readdirSync(current)) {
      const path = join(current, name);
      const info = lstatSync(path);
      if (info.isDirectory()) {
        out[`${path.slice(dir.length)}/`] = "directory";
        walk(path);
      } else out[path.slice(dir.length)] = info.isFile() ? readFileSync(path).toString("base64") : `mode ${info.mode}`;
    }
  };
  walk(dir);
  return out;
}

/** Runs perfloop with a time limit (a FIFO would otherwise hang the test run). */
function call(args: string[], cwd: string): CliResult & { timedOut: boolean } {
  return cli(args, { cwd, timeoutMs: CALL_TIMEOUT_MS, maxBuffer: 64 * MIB });
}

interface Case {
  name: string;
  /** Writes the inputs; returns the arguments after the command's own (`--hypotheses ...`). */
  prepare: (repo: string, outside: string) => string[];
  error: RegExp;
  /** `execute` (a clean tree: inputs are committed by `prepare`) instead of `run`. */
  execute?: boolean;
}

const CASES: Case[] = [
  // 1. binary and huge patches
  {
    name: "a `git diff --binary` patch file (execute)",
    execute: true,
    prepare: (repo) => {
      mkdirSync(join(repo, "perf"));
      writeFileSync(join(repo, "perf", "bin.diff"), GIT_BINARY_PATCH);
      writeFileSync(join(repo, "perf", "h.json"), hypothesesJson(hyp("H1", { kind: "patch", path: "perf/bin.diff" })));
      git(repo, "add", "-A");
      git(repo, "commit", "-qm", "inputs");
      return ["--hypotheses", "perf/h.json"];
    },
    error: /^perfloop: \S*h\.json: hypothesis H1: change\.path \(perf\/bin\.diff\) has a binary part \(data\.bin: GIT binary patch\) \(perfloop applies text patches only: commit the change on a branch and use \{"kind":"branch","ref":"<branch>"\}, or use a "command" change that writes the file\)$/,
  },
  {
    name: "an inline diff whose binary file 'differs'",
    prepare: (_repo, outside) => {
      writeFileSync(join(outside, "h.json"), hypothesesJson(hyp("H1", { kind: "patch", diff: BINARY_FILES_DIFFER })));
      return ["--hypotheses", join(outside, "h.json")];
    },
    error: /hypothesis H1: change\.diff has a binary part \(data\.bin: Binary files \/dev\/null and b\/data\.bin differ\) \(perfloop applies text patches only/,
  },
  {
    name: "a patch file over 5 MiB",
    prepare: (repo, outside) => {
      const line = `+${"x".repeat(99)}\n`;
      const body = line.repeat(Math.ceil((6 * MIB) / line.length));
      writeFileSync(join(repo, "big.diff"), `--- a/work.sh\n+++ b/work.sh\n@@ -1,0 +1,${body.length / line.length} @@\n${body}`);
      writeFileSync(join(outside, "h.json"), hypothesesJson(hyp("H1", { kind: "patch", path: "big.diff" })));
      return ["--hypotheses", join(outside, "h.json")];
    },
    error: /hypothesis H1: change\.path "big\.diff" is 6\.0 MiB \(\d+ bytes\), over the limit of 5 MiB for a patch \(split it into smaller hypotheses, or commit the change on a branch and use a "branch" change\)$/,
  },
  {
    name: "an inline diff over 5 MiB",
    prepare: (_repo, outside) => {
      const line = `+${"y".repeat(99)}\n`;
      const body = line.repeat(Math.ceil((5.5 * MIB) / line.length));
      writeFileSync(join(outside, "h.json"), hypothesesJson(hyp("H1", { kind: "patch", diff: `--- a/work.sh\n+++ b/work.sh\n@@ -1,0 +1,${body.length / line.length} @@\n${body}` })));
      return ["--hypotheses", join(outside, "h.json")];
    },
    error: /hypothesis H1: change\.diff is 5\.5 MiB \(\d+ bytes\), over the limit of 5 MiB for a patch/,
  },
  {
    name: "a hypotheses file over 16 MiB",
    prepare: (_repo, outside) => {
      const padding = "z".repeat(17 * MIB);
      writeFileSync(join(outside, "h.json"), hypothesesJson({ ...hyp("H1", { kind: "env", set: { A: "1" } }), description: padding }));
      return ["--hypotheses", join(outside, "h.json")];
    },
    error: /hypotheses file \S*h\.json is 17\.0 MiB \(\d+ bytes\), over the limit of 16 MiB \(split it, or move large patches into patch files \(change\.path\)\)$/,
  },
  // 2. not a regular file
  {
    name: "--hypotheses on a FIFO",
    prepare: (_repo, outside) => {
      const fifo = join(outside, "h.fifo");
      const made = spawnSync("mkfifo", [fifo]);
      assert.equal(made.status, 0, "mkfifo");
      return ["--hypotheses", fifo];
    },
    error: /^perfloop: hypotheses file \S*h\.fifo is not a regular file \(it is a FIFO\) \(pass the path of a JSON hypotheses file; perfloop does not read FIFOs, devices, sockets or directories\)$/,
  },
  {
    name: "--hypotheses on a character device",
    prepare: () => ["--hypotheses", "/dev/null"],
    error: /hypotheses file \/dev\/null is not a regular file \(it is a character device\)/,
  },
  {
    name: "--hypotheses on a directory",
    prepare: (_repo, outside) => ["--hypotheses", outside],
    error: /hypotheses file \S+ is not a regular file \(it is a directory\)/,
  },
  {
    name: "a patch path that is a FIFO",
    prepare: (repo, outside) => {
      const made = spawnSync("mkfifo", [join(repo, "h1.diff")]);
      assert.equal(made.status, 0, "mkfifo");
      writeFileSync(join(outside, "h.json"), hypothesesJson(hyp("H1", { kind: "patch", path: "h1.diff" })));
      return ["--hypotheses", join(outside, "h.json")];
    },
    error: /hypothesis H1: change\.path "h1\.diff" is not a regular file \(it is a FIFO\) \(name a patch file/,
  },
  // 3. env knobs
  {
    name: "an env value with a NUL byte",
    prepare: (_repo, outside) => {
      writeFileSync(join(outside, "h.json"), hypothesesJson(hyp("H1", { kind: "env", set: { UV_THREADPOOL_SIZE: "4\u0000rm -rf" } })));
      return ["--hypotheses", join(outside, "h.json")];
    },
    error: /hypothesis H1: change\.set\.UV_THREADPOOL_SIZE must not contain a NUL byte/,
  },
  {
    name: "an env value of 3 MB",
    prepare: (_repo, outside) => {
      writeFileSync(join(outside, "h.json"), hypothesesJson(hyp("H1", { kind: "env", set: { BIG: "v".repeat(3_000_000) } })));
      return ["--hypotheses", join(outside, "h.json")];
    },
    error: /hypothesis H1: change\.set\.BIG is 2\.9 MiB \(3000000 bytes\), over the limit of 32 KiB for one value/,
  },
  {
    name: "env values over 128 KiB together",
    prepare: (_repo, outside) => {
      const set = Object.fromEntries(["A", "B", "C", "D", "E"].map((name) => [name, "w".repeat(30 * KIB)]));
      writeFileSync(join(outside, "h.json"), hypothesesJson(hyp("H1", { kind: "env", set })));
      return ["--hypotheses", join(outside, "h.json")];
    },
    error: /hypothesis H1: change\.set is 150\.0 KiB \(153610 bytes\) in all, over the limit of 128 KiB per hypothesis/,
  },
  {
    name: "an env knob setting GIT_DIR",
    prepare: (_repo, outside) => {
      writeFileSync(join(outside, "h.json"), hypothesesJson(hyp("H1", { kind: "env", set: { GIT_DIR: "/elsewhere/.git" } })));
      return ["--hypotheses", join(outside, "h.json")];
    },
    error: /hypothesis H1: change\.set\.GIT_DIR is set by perfloop itself: it keeps commands in the side trees away from your repository/,
  },
  {
    name: "an env knob setting GIT_CONFIG_GLOBAL",
    prepare: (_repo, outside) => {
      writeFileSync(join(outside, "h.json"), hypothesesJson(hyp("H1", { kind: "env", set: { GIT_CONFIG_GLOBAL: "/tmp/x" } })));
      return ["--hypotheses", join(outside, "h.json")];
    },
    error: /change\.set\.GIT_CONFIG_GLOBAL is set by perfloop itself/,
  },
  {
    name: "an env knob setting TMPDIR",
    prepare: (_repo, outside) => {
      writeFileSync(join(outside, "h.json"), hypothesesJson(hyp("H1", { kind: "env", set: { TMPDIR: "/tmp" } })));
      return ["--hypotheses", join(outside, "h.json")];
    },
    error: /change\.set\.TMPDIR is set by perfloop itself: it points TMPDIR, TMP and TEMP at a scratch directory of each side tree/,
  },
  {
    name: "an env knob setting a PERFLOOP_ variable",
    prepare: (_repo, outside) => {
      writeFileSync(join(outside, "h.json"), hypothesesJson(hyp("H1", { kind: "env", set: { PERFLOOP_QUIET: "0" } })));
      return ["--hypotheses", join(outside, "h.json")];
    },
    error: /change\.set\.PERFLOOP_QUIET is set by perfloop itself: PERFLOOP_ variables are perfloop's own/,
  },
];

describe("hypotheses perfloop cannot apply faithfully are refused before anything is written", () => {
  for (const c of CASES) {
    test(`${c.name}: exit 2, one line, nothing written`, { timeout: 120_000 }, () => {
      const repo = fixtureRepo(dirs, "sum-loop");
      const outside = tempDir("perfloop-refuse-inputs-");
      dirs.push(outside);
      const rest = c.prepare(repo, outside);
      const before = snapshot(repo);
      const command = c.execute ? ["execute", "sh work.sh"] : ["run", "sh work.sh"];
      const result = call([...command, "--test", "sh test.sh", ...rest, "--project-root", repo], repo);
      const shown = `exit ${result.code}${result.timedOut ? " (timed out)" : ""}\nstdout: ${result.stdout.slice(0, 2000)}\nstderr: ${result.stderr.slice(0, 2000)}`;
      assert.equal(result.timedOut, false, `it must not hang: ${shown}`);
      assert.equal(result.code, 2, shown);
      assert.equal(result.stdout, "", shown);
      assert.match(result.stderr, /^perfloop: [^\n]+ \([^\n]+\)\n$/, `one line, the problem and the fix: ${shown}`);
      assert.match(result.stderr.trimEnd(), c.error);
      assert.equal(existsSync(join(repo, ".hex-skills")), false, "no .hex-skills directory");
      assert.deepEqual(snapshot(repo), before, "nothing written");
    });
  }

  test("a hypotheses file that is a symlink to a regular file is read", { timeout: 120_000 }, () => {
    const repo = fixtureRepo(dirs, "sum-loop");
    const outside = tempDir("perfloop-refuse-inputs-");
    dirs.push(outside);
    // Valid up to a bad dependency: the error proves the file behind the link was read and parsed.
    writeFileSync(join(outside, "real.json"), hypothesesJson({ ...hyp("H1", { kind: "env", set: { A: "1" } }), dependencies: ["H9"] }));
    symlinkSync(join(outside, "real.json"), join(outside, "link.json"));
    const result = call(["run", "sh work.sh", "--test", "sh test.sh", "--hypotheses", join(outside, "link.json"), "--project-root", repo], repo);
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /link\.json: hypothesis H1: dependencies names unknown id "H9"/);
    assert.equal(existsSync(join(repo, ".hex-skills")), false);
  });
});
