// Slugs and numeric flags out of their documented ranges (README.md, docs/run.md) are refused
// before anything is written: exit 2, one line on stderr (`perfloop: <problem> (<fix>)`, or for
// `perfloop runtime <verb>` the contract's `{"ok":false,"error":...}`), nothing on stdout, and no
// .hex-skills directory in the repository. Runs from source (Bun, Deno) and against the binary.
import assert from "node:assert/strict";
import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { cli, removeDir, snapshotTree, tempDir, writeManifest } from "../helpers/cli.ts";
import { fixtureRepo, git } from "../helpers/repo.ts";

const dirs: string[] = [];
after(() => dirs.forEach(removeDir));

/** Out-of-range counts used to run for hours (`--runs 100000`): a time-out is a failure here. */
const CALL_TIMEOUT_MS = 30_000;
const LONG = "a".repeat(300);

function call(args: string[], cwd: string) {
  return cli(args, { cwd, timeoutMs: CALL_TIMEOUT_MS });
}

const RUN = ["run", "sh work.sh", "--test", "sh test.sh"];
const EXECUTE = ["execute", "sh work.sh", "--test", "sh test.sh", "--hypotheses", "h.json"];
const PROFILE = ["profile", "sh work.sh 10", "--skip-tests"];
const COMPARE = ["compare", "sh work.sh 10", "sh work.sh 20"];

interface Case {
  args: string[];
  error: RegExp;
}

const SLUG_CASES: Case[] = [
  { args: [...RUN, "--slug", "ĥé"], error: /^perfloop: --slug "ĥé" is not a valid slug: use ASCII letters, digits, '-', '_' and '\.', not starting with '\.' or '-' \(try --slug he\)$/ },
  { args: [...RUN, "--slug", LONG], error: /^perfloop: --slug "a{30}\.\.\." is 300 characters long; a slug has at most 64 \(try --slug a{64}\)$/ },
  { args: [...RUN, "--slug", "my slug!"], error: /--slug "my slug!" is not a valid slug: .* \(try --slug my-slug\)$/ },
  { args: [...RUN, "--slug", "🚀"], error: /--slug "🚀" is not a valid slug: .* \(e\.g\. --slug my-run\)$/ },
  { args: [...EXECUTE, "--slug", "a/b"], error: /--slug "a\/b" is not a valid slug: .* \(try --slug a-b\)$/ },
  { args: [...PROFILE, "--slug", ".hidden"], error: /--slug "\.hidden" is not a valid slug: .* \(try --slug hidden\)$/ },
  { args: ["resume", "--slug=-x"], error: /--slug "-x" is not a valid slug: .* \(try --slug x\)$/ },
  { args: ["status", "--slug", "ĥé"], error: /--slug "ĥé" is not a valid slug/ },
  { args: ["report", "--slug", LONG], error: /--slug "a{30}\.\.\." is 300 characters long/ },
  { args: ["demo", "--slug", "ĥé"], error: /--slug "ĥé" is not a valid slug/ },
];

const RANGE_CASES: Case[] = [
  { args: [...RUN, "--max-cycles", "99999999999999999999"], error: /^perfloop: --max-cycles must be a whole number of at most 100 \(got 99999999999999999999\); the range is 1 to 100 \(e\.g\. --max-cycles 3\)$/ },
  { args: [...RUN, "--max-cycles", "1e400"], error: /--max-cycles needs a number, got "1e400"; the range is 1 to 100/ },
  { args: [...RUN, "--max-cycles", "2.5"], error: /--max-cycles must be a whole number \(got 2\.5\); the range is 1 to 100/ },
  { args: [...RUN, "--runs", "NaN"], error: /--runs needs a number, got "NaN"; the range is 1 to 10000/ },
  { args: [...RUN, "--runs", "10001"], error: /--runs must be a whole number of at most 10000 \(got 10001\)/ },
  { args: [...RUN, "--max-runs", "1"], error: /--max-runs must be a whole number of at least 2 \(got 1\); the range is 2 to 10000/ },
  { args: [...RUN, "--warmup", "Infinity"], error: /--warmup needs a number, got "Infinity"; the range is 0 to 1000/ },
  { args: [...RUN, "--warmup", "1001"], error: /--warmup must be a whole number of at most 1000/ },
  { args: [...RUN, "--threshold", "100"], error: /--threshold must be a number of at most 99 \(got 100\); the range is 0 to 99 percent/ },
  { args: [...RUN, "--plateau", "1e3"], error: /--plateau must be a number of at most 99 \(got 1e3\)/ },
  { args: [...RUN, "--budget", "0"], error: /--budget must be a number above 0 \(got 0\); the range is above 0 to 10080 minutes/ },
  { args: [...RUN, "--budget", "20000"], error: /--budget must be a number of at most 10080 \(got 20000\)/ },
  { args: [...RUN, "--requests", "0x10"], error: /--requests needs a number, got "0x10"; the range is 1 to 100000/ },
  { args: [...RUN, "--concurrency", "5000"], error: /--concurrency must be a whole number of at most 1000 \(got 5000\)/ },
  { args: [...PROFILE, "--runs", "100000"], error: /--runs must be a whole number of at most 10000 \(got 100000\)/ },
  { args: [...PROFILE, "--warmup", "-1"], error: /--warmup must be a whole number of at least 0 \(got -1\)/ },
  { args: [...PROFILE, "--max-runs", "1e9"], error: /--max-runs must be a whole number of at most 10000 \(got 1e9\)/ },
  { args: [...PROFILE, "--concurrency", "1.5"], error: /--concurrency must be a whole number \(got 1\.5\)/ },
  { args: [...COMPARE, "--max-runs", "20000"], error: /--max-runs must be a whole number of at most 10000/ },
  { args: [...COMPARE, "--warmup", "5000"], error: /--warmup must be a whole number of at most 1000/ },
  { args: [...COMPARE, "--threshold", "150%"], error: /--threshold must be a number of at most 99 \(got 150%\)/ },
  { args: [...EXECUTE, "--target-pct", "100"], error: /--target-pct must be a number of at most 99\.9 \(got 100\); the range is 0 to 99\.9 percent/ },
  { args: [...EXECUTE, "--budget", "1e309"], error: /--budget needs a number, got "1e309"; the range is above 0 to 10080 minutes/ },
  { args: [...EXECUTE, "--max-runs", "2.5"], error: /--max-runs must be a whole number \(got 2\.5\)/ },
];

/** A repository with a committed hypotheses file, so `execute` would otherwise start. */
function repo(): string {
  const dir = fixtureRepo(dirs, "sum-loop");
  writeFileSync(join(dir, "h.json"), JSON.stringify({ version: 1, hypotheses: [{ id: "H1", description: "d", change: { kind: "env", set: { A: "1" } } }] }));
  git(dir, "add", "-A");
  git(dir, "commit", "-qm", "hypotheses");
  return dir;
}

function expectRefused(c: Case): void {
  const dir = repo();
  const before = snapshotTree(dir);
  const result = call([...c.args, "--project-root", dir], dir);
  const shown = `exit ${result.code}${result.timedOut ? " (timed out)" : ""}\nstdout: ${result.stdout.slice(0, 1500)}\nstderr: ${result.stderr.slice(0, 1500)}`;
  assert.equal(result.timedOut, false, `refused at once: ${shown}`);
  assert.equal(result.code, 2, shown);
  assert.equal(result.stdout, "", shown);
  assert.match(result.stderr, /^perfloop: [^\n]+ \([^\n]+\)\n$/, `one line, the problem and the fix: ${shown}`);
  assert.match(result.stderr.trimEnd(), c.error);
  assert.equal(existsSync(join(dir, ".hex-skills")), false, "no .hex-skills directory");
  assert.deepEqual(snapshotTree(dir), before, "nothing written");
}

describe("--slug of perfloop's own commands", () => {
  for (const c of SLUG_CASES) {
    test(`${c.args[0]} --slug ${JSON.stringify(c.args.at(-1)).slice(0, 24)}: refused`, { timeout: 60_000 }, () => expectRefused(c));
  }
});

describe("numeric flags out of range", () => {
  for (const c of RANGE_CASES) {
    test(`${c.args[0]} ${c.args.slice(-2).join(" ")}: refused`, { timeout: 60_000 }, () => expectRefused(c));
  }
});

describe("perfloop runtime keeps safe(), but refuses a slug it cannot store", () => {
  for (const verb of ["start", "status"]) {
    test(`runtime ${verb} --slug <300 characters>: JSON error, exit 2, nothing written`, { timeout: 60_000 }, () => {
      const dir = tempDir("perfloop-runtime-slug-");
      dirs.push(dir);
      const inputs = tempDir("perfloop-runtime-slug-inputs-");
      dirs.push(inputs);
      const manifest = writeManifest(inputs, "x");
      const result = call(["runtime", verb, "--project-root", dir, "--slug", `${LONG}!`, "--manifest-file", manifest], dir);
      assert.equal(result.code, 2, `exit ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`);
      assert.equal(result.stdout, "");
      const lines = result.stderr.trimEnd().split("\n");
      assert.equal(lines.length, 1, result.stderr);
      assert.deepEqual(JSON.parse(lines[0]!), {
        ok: false,
        error: `Invalid slug: "${"a".repeat(30)}..." is 300 characters once normalised (at most 64: it names files of the run)`,
      });
      assert.deepEqual(readdirSync(dir), [], "nothing written");
    });
  }

  test("runtime start --slug 'ĥé' is still normalised, as the contract says", { timeout: 60_000 }, () => {
    const dir = tempDir("perfloop-runtime-slug-");
    dirs.push(dir);
    const result = call(["runtime", "start", "--project-root", dir, "--slug", "ĥé", "--manifest-file", writeManifest(dir, "ĥé")], dir);
    assert.equal(result.code, 0, result.stderr);
    assert.ok(existsSync(join(dir, ".hex-skills", "optimization", "runtime", "active", "ln-810", "default.json")));
  });
});
