// Bad input to `perfloop run`, `resume`, `report` and `demo`: one line on stderr naming the problem
// (after preflight's progress lines when running the person's commands found it)
// and the fix, exit 2, no stack trace, and nothing written anywhere in the repository (its files
// and its .git compared byte for byte). Runs from source (Bun, Deno) and against the binary.
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { cli, removeDir, snapshotTree, tempDir } from "../helpers/cli.ts";
import { fixtureRepo, git } from "../helpers/repo.ts";
const dirs: string[] = [];
after(() => dirs.forEach(removeDir));

const repo = () => fixtureRepo(dirs, "sum-loop");

const RUN = ["run", "sh work.sh", "--test", "sh test.sh"];

interface Case {
  name: string;
  args: string[];
  error: RegExp;
  /** Changes the repository before the call (what is snapshot includes it). */
  prepare?: (dir: string) => void;
  /** Run in a directory that is not a repository. */
  bare?: boolean;
  /** The failing tests' own output is quoted between the first line and the fix ("  | ..."). */
  quotesOutput?: boolean;
  /** Found by running the person's commands: preflight's progress lines (its steps) come before the error. */
  afterSteps?: boolean;
}

const CASES: Case[] = [
  { name: "not a git repository", args: RUN, bare: true, error: /not a git repository: .* \(run perfloop inside a git repository/ },
  { name: "a dirty tree", args: RUN, prepare: (dir) => writeFileSync(join(dir, "work.sh"), "echo changed\n"), error: /the work tree has uncommitted changes: M work\.sh \(commit or stash them first/ },
  { name: "an unparseable target metric", args: [...RUN, "--target", "5 parsecs"], error: /--target "5 parsecs" is not a metric/ },
  { name: "a relative observed metric", args: [...RUN, "--observed", "-40%"], error: /--observed "-40%" is a relative change/ },
  { name: "a target metric that is worse", args: [...RUN, "--target", "+40%"], error: /must be better than the baseline/ },
  { name: "zero max cycles", args: [...RUN, "--max-cycles", "0"], error: /--max-cycles must be a whole number of at least 1 \(got 0\)/ },
  { name: "negative max cycles", args: [...RUN, "--max-cycles", "-2"], error: /--max-cycles must be a whole number of at least 1 \(got -2\)/ },
  { name: "max cycles that is not a number", args: [...RUN, "--max-cycles", "ten"], error: /--max-cycles needs a number, got "ten"/ },
  { name: "a negative plateau", args: [...RUN, "--plateau", "-1"], error: /--plateau must be a number of at least 0/ },
  { name: "an unknown mode", args: [...RUN, "--mode", "fast"], error: /--mode must be execute or plan_only/ },
  { name: "a target command that does not exist", args: ["run", "no-such-command-xyz --fast", "--test", "sh test.sh"], error: /the target `no-such-command-xyz --fast` was not found \(exit 127\) on the base commit/, afterSteps: true },
  { name: "a target command that fails", args: ["run", "sh -c 'exit 3'", "--test", "sh test.sh"], error: /the target `sh -c 'exit 3'` fails \(exit 3\) on the base commit/, afterSteps: true },
  { name: "a test command that fails on the base", args: ["run", "sh work.sh", "--test", "sh -c 'echo broken; exit 1'"], error: /the test command `sh -c 'echo broken; exit 1'` fails with exit code 1 on the unmodified code/, quotesOutput: true, afterSteps: true },
  { name: "no test command given or found", args: ["run", "sh work.sh"], error: /no test command found .*pass the command that checks the code/ },
  { name: "a missing hypotheses file", args: [...RUN, "--hypotheses", "nope.json"], error: /hypotheses file .*nope\.json does not exist/ },
  { name: "a hypotheses file that is not JSON", args: [...RUN, "--hypotheses", "h.json"], prepare: (dir) => writeFileSync(join(dir, "h.json"), "{ nope"), error: /hypotheses file .*h\.json is not valid JSON/ },
  { name: "a function target whose file is not a module", args: ["run", "fn:work.sh#main", "--test", "sh test.sh"], error: /the target fails on the base commit: the function failed/, afterSteps: true },
  { name: "--serve with a command target", args: [...RUN, "--serve", "node server.js"], error: /--serve applies to endpoint targets \(http:\/\/ or https:\/\/ URLs\) only/ },
  { name: "--requests with a command target", args: [...RUN, "--requests", "10"], error: /--requests applies to endpoint targets \(http:\/\/ or https:\/\/ URLs\) only/ },
  { name: "--method with a command target", args: [...RUN, "--method", "POST"], error: /--method applies to endpoint targets/ },
  { name: "--ready-path without --serve", args: ["run", "http://127.0.0.1:9/x", "--test", "sh test.sh", "--ready-path", "/health"], error: /--ready-path is given without --serve/ },
  { name: "a body on a GET", args: ["run", "http://127.0.0.1:9/x", "--test", "sh test.sh", "--body", "{}"], error: /a GET request cannot have a body/ },
  { name: "an empty target", args: ["run", "  ", "--test", "sh test.sh"], error: /the target is empty/ },
  { name: "a --knob without values", args: [...RUN, "--knob", "UV_THREADPOOL_SIZE"], error: /--knob "UV_THREADPOOL_SIZE" has no .=./ },
  { name: "a --knob on a variable perfloop sets", args: [...RUN, "--knob", "TMPDIR=/a,/b"], error: /--knob .*TMPDIR/ },
  { name: "a --try-branch that does not exist", args: [...RUN, "--try-branch", "no-such-branch"], error: /--try-branch no-such-branch: / },
  { name: "a flag without its value", args: [...RUN, "--target"], error: /--target needs a value|`--target <metric>` value is missing/ },
  { name: "an existing result branch", args: [...RUN, "--slug", "taken"], prepare: (dir) => git(dir, "branch", "perfloop/taken"), error: /branch perfloop\/taken already exists \(from an earlier run\)/ },
  { name: "resume with no run", args: ["resume"], error: /no unfinished run in this project/ },
  { name: "resume --decide with no run", args: ["resume", "--slug", "nothing", "--decide", "waive"], error: /no unfinished run for slug nothing/ },
  { name: "report with no run", args: ["report"], error: /no run in this project/ },
  { name: "report in an unknown format", args: ["report", "--format", "pdf"], error: /--format must be md, json, html or text/ },
  { name: "demo into a directory that is not empty", args: ["demo", "--dir", "."], error: /is not empty/ },
];

describe("perfloop run: bad input", () => {
  for (const c of CASES) {
    test(`${c.name}: exit 2, one line, nothing written`, { timeout: 60_000 }, () => {
      let dir: string;
      if (c.bare) {
        dir = tempDir("perfloop-run-bare-");
        dirs.push(dir);
        mkdirSync(join(dir, "sub"));
      } else dir = repo();
      c.prepare?.(dir);
      const before = snapshotTree(dir);
      const result = cli([...c.args, "--project-root", dir], { cwd: dir });
      assert.equal(result.code, 2, `exit ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`);
      assert.match(result.stderr, c.error);
      const steps = result.stderr.split("\n").filter((line) => line.startsWith("preflight: "));
      if (c.afterSteps) assert.match(steps[0] ?? "", /^preflight: copying HEAD/, `preflight said what it ran:\n${result.stderr}`);
      else assert.deepEqual(steps, [], "refused before preflight runs anything");
      const error = result.stderr.split("\n").filter((line) => !line.startsWith("preflight: ")).join("\n");
      const lines = error.trim().split("\n");
      if (c.quotesOutput) {
        assert.ok(lines.slice(1, -1).every((line) => line.startsWith("  | ")), `the quoted output:\n${result.stderr}`);
        assert.match(lines.at(-1)!, /\(.+\)$/, "ends with the fix");
      } else {
        assert.equal(lines.length, 1, `one line:\n${result.stderr}`);
        assert.match(error, /^perfloop: .+\(.+\)\n$/, "the problem and, in brackets, the fix");
      }
      assert.doesNotMatch(result.stderr, /\n\s+at |internal error/);
      assert.equal(result.stdout, "");
      assert.deepEqual(snapshotTree(dir), before, "nothing written");
    });
  }
});
