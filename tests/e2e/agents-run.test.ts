// Coding agents through the compiled binary (docs/agents.md), with stand-ins for the four CLIs on
// PATH (tests/fixtures/agents/standin.mjs speaks each one's documented output format): the agent's
// fix kept end to end, its working directory never the person's repository, each failure mode a
// one-line error with the run going on, writes outside its scratch tree refused, reviewers'
// findings in the verdict, and a missing CLI refused with its install step.
import assert from "node:assert/strict";
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import process from "node:process";
import { after, describe, test } from "node:test";
import { removeDir, REPO_ROOT, tempDir } from "../helpers/cli.ts";
import { fixtureRepo, git, personState, runPerfloop, TARGET, TEST } from "./run-helpers.ts";

const skip = process.env.PERFLOOP_BIN ? false : "set PERFLOOP_BIN to the compiled binary (npm run build) to run the e2e tests";
const dirs: string[] = [];
after(() => dirs.forEach(removeDir));

const STANDIN = join(REPO_ROOT, "tests", "fixtures", "agents", "standin.mjs");
const CLIS = ["claude", "codex", "gemini", "opencode"] as const;
const STATE = { claude: ".claude", codex: ".codex", gemini: ".gemini", opencode: ".local/share/opencode" } as const;

/** A bin directory with the four stand-ins and a HOME of their own. */
function standins(): { env: Record<string, string>; home: string } {
  const root = tempDir("perfloop-standins-");
  dirs.push(root);
  const bin = join(root, "bin");
  const home = join(root, "home");
  mkdirSync(bin);
  mkdirSync(home);
  for (const cli of CLIS) {
    writeFileSync(join(bin, cli), `#!/bin/sh\nexec node ${JSON.stringify(STANDIN)} ${cli} "$@"\n`);
    chmodSync(join(bin, cli), 0o755);
  }
  return { env: { PATH: `${bin}:${dirname(process.execPath)}:${process.env.PATH}`, HOME: home }, home };
}

function calls(dir: string, slug: string): { dir: string; kind: string; ok: boolean; error: string | null; files_changed: string[]; cwd: string; note: string | null }[] {
  const root = join(dir, ".hex-skills/optimization", slug, "agents");
  return readdirSync(root).sort().map((name) => ({ ...JSON.parse(readFileSync(join(root, name, "call.json"), "utf8")), dir: name }));
}

function logOf(home: string, cli: (typeof CLIS)[number]): { cwd: string; kind: string; argv: string[] }[] {
  const file = join(home, STATE[cli], "standin.log");
  return existsSync(file) ? readFileSync(file, "utf8").trim().split("\n").map((line) => JSON.parse(line)) : [];
}

const ONE_CYCLE = ["--no-rules", "--target", "-50%", "--max-cycles", "1", "--max-runs", "30", "--yes", "--json"];

describe("coding agents", { skip }, () => {
  test("--agent claude: the idea made in a scratch tree is kept end to end; the agent never ran in the person's repository", { timeout: 240_000 }, async () => {
    const dir = fixtureRepo(dirs);
    const { env, home } = standins();
    const before = personState(dir);
    const result = await runPerfloop(["run", TARGET, "--test", TEST, "--agent", "claude", "--slug", "cl", ...ONE_CYCLE], { cwd: dir, env });
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(result.json.cycles[0].kept.map((k: { id: string }) => k.id), ["closed-form"]);
    assert.match(git(dir, "show", "perfloop/cl:work.sh"), /s=\$\(\(n \* \(n \+ 1\) \/ 2\)\)/);
    assert.deepEqual(personState(dir), before);
    const log = logOf(home, "claude");
    assert.deepEqual(log.map((l) => l.kind), ["research", "edit"]);
    for (const call of log) {
      assert.equal(call.cwd, join(dir, ".hex-skills/optimization/cl/worktree/agent"));
      assert.ok(call.argv.includes("-p") && call.argv.includes("json"), JSON.stringify(call.argv));
    }
    assert.ok(log[1]!.argv.includes("acceptEdits"));
    const recorded = calls(dir, "cl");
    assert.deepEqual(recorded.map((c) => [c.dir, c.ok]), [["001-c1-research", true], ["002-c1-edit-closed-form", true]]);
    assert.match(readFileSync(join(dir, ".hex-skills/optimization/cl/agents/002-c1-edit-closed-form/diff.patch"), "utf8"), /^\+s=\$\(\(n \* \(n \+ 1\) \/ 2\)\)$/m);
    assert.match(readFileSync(join(dir, ".hex-skills/optimization/cl/agents/001-c1-research/prompt.txt"), "utf8"), /## What the profile measured/);
    // The report lists every call with its transcript.
    assert.deepEqual(result.json.agent_calls.map((c: { kind: string; agent: string; ok: boolean; transcript: string }) => [c.kind, c.agent, c.ok, c.transcript]), [
      ["research", "claude", true, ".hex-skills/optimization/cl/agents/001-c1-research"],
      ["edit", "claude", true, ".hex-skills/optimization/cl/agents/002-c1-edit-closed-form"],
    ]);
    assert.match(readFileSync(join(dir, ".hex-skills/optimization/cl/report.md"), "utf8"), /## Agent calls[\s\S]*edit closed-form \| claude \| ok: closed-form/);
  });

  test("the next cycle's prompt says what was kept, with the ratio; an idea proposed again gets no edit call; --agent-calls is the run's budget", { timeout: 300_000 }, async () => {
    const dir = fixtureRepo(dirs);
    const { env } = standins();
    const two = await runPerfloop(["run", TARGET, "--test", TEST, "--agent", "claude", "--slug", "two", "--no-rules", "--target", "-99.9%", "--max-cycles", "2", "--plateau", "0", "--waive-gate", "--max-runs", "30", "--yes", "--json"], { cwd: dir, env });
    assert.equal(two.code, 0, two.stderr);
    const made = calls(dir, "two");
    assert.deepEqual(made.map((c) => c.dir), ["001-c1-research", "002-c1-edit-closed-form", "003-c2-research"]);
    const second = readFileSync(join(dir, ".hex-skills/optimization/two/agents/003-c2-research/prompt.txt"), "utf8");
    assert.match(second, /- cycle 1: kept closed-form \(ratio 0\.\d{3} \[0\.\d{3}, 0\.\d{3}\] to its base\)/);
    assert.match(second, /- closed-form \(cycle 1, kept\): Replace the loop by Gauss's closed form/);
    const ideas = JSON.stringify([
      { id: "wrong-answer", description: "Print a constant", files_to_modify: ["work.sh"] },
      { id: "comment-only", description: "Reword the comment", files_to_modify: ["work.sh"] },
    ]);
    const budget = await runPerfloop(["run", TARGET, "--test", TEST, "--agent", "opencode", "--agent-calls", "2", "--slug", "budget", "--mode", "plan_only", ...ONE_CYCLE], { cwd: dir, env: { ...env, STANDIN_IDEAS: ideas } });
    assert.equal(budget.code, 0, budget.stderr);
    assert.deepEqual(calls(dir, "budget").map((c) => c.dir), ["001-c1-research", "002-c1-edit-wrong-answer"]);
    assert.match(readFileSync(join(dir, ".hex-skills/optimization/budget/context.md"), "utf8"), /comment-only[^\n]*the agent call budget is spent/);
  });

  test("an agent writing into the person's repository by absolute path, into .git or outside its tree does not reach anything", { timeout: 300_000 }, async () => {
    const dir = fixtureRepo(dirs);
    const { env } = standins();
    const before = personState(dir);
    const victim = await runPerfloop(["run", TARGET, "--test", TEST, "--agent", "codex", "--slug", "victim", "--mode", "plan_only", ...ONE_CYCLE], { cwd: dir, env: { ...env, STANDIN_MODE: "victim", STANDIN_VICTIM: join(dir, "work.sh") } });
    assert.equal(victim.code, 0, victim.stderr);
    assert.deepEqual(personState(dir), before);
    assert.match(readFileSync(join(dir, ".hex-skills/optimization/victim/agents/002-c1-edit-closed-form/stderr.txt"), "utf8"), /could not write the victim: EACCES/);
    for (const mode of ["dotgit", "escape"]) {
      // --keep-trees: the escape's target is in worktree/, which a finished run removes otherwise.
      const run = await runPerfloop(["run", TARGET, "--test", TEST, "--agent", "gemini", "--slug", mode, "--mode", "plan_only", "--keep-trees", ...ONE_CYCLE], { cwd: dir, env: { ...env, STANDIN_MODE: mode } });
      assert.equal(run.code, 0, run.stderr);
      const edit = calls(dir, mode).find((c) => c.kind === "edit")!;
      assert.deepEqual(edit.files_changed, ["work.sh"], `${mode}: ${JSON.stringify(edit)}`);
      if (mode === "dotgit") assert.match(edit.note ?? "", /\.git/);
    }
    assert.equal(existsSync(join(dir, ".hex-skills/optimization/escape/worktree/escaped.txt")), false);
    assert.deepEqual(personState(dir), before);
  });

  test("every failure of every preset is one line in its transcript and the run goes on", { timeout: 600_000 }, async () => {
    const dir = fixtureRepo(dirs);
    const { env } = standins();
    const before = personState(dir);
    const cases: [string, RegExp][] = [
      ["garbage", /gave no usable answer|printed no/],
      ["two-json", /2 answers/],
      ["exit", /failed with exit 3; stderr: fatal: the model is not available/],
      ["huge", /more than 4 MiB/],
      ["hang", /did not answer within 2 s/],
      ["cli-error", /reported/],
      ["nothing", /changed nothing/],
      ["victim", /.*/],
    ];
    // The presets run side by side (each its own slug, the cases of one preset in turn): most of the time is spent waiting.
    await Promise.all(CLIS.map(async (cli) => {
      for (const [mode, pattern] of cases) {
        const slug = `${cli}-${mode}`;
        const result = await runPerfloop(["run", TARGET, "--test", TEST, "--agent", cli, "--agent-timeout", "2", "--slug", slug, "--mode", "plan_only", ...ONE_CYCLE], { cwd: dir, env: { ...env, STANDIN_MODE: mode, STANDIN_VICTIM: join(dir, "work.sh") } });
        assert.equal(result.code, 0, `${slug}: ${result.stderr}`);
        if (mode === "victim") {
          assert.match(readFileSync(join(dir, ".hex-skills/optimization", slug, "agents/002-c1-edit-closed-form/stderr.txt"), "utf8"), /EACCES/, slug);
          continue;
        }
        const failed = calls(dir, slug).find((c) => !c.ok);
        assert.ok(failed, `${slug}: no failed call`);
        assert.match(failed.error ?? "", pattern, slug);
        assert.ok(!(failed.error ?? "").includes("\n"), slug);
        assert.ok(failed.error!.startsWith(`agent ${cli} `), `${slug}: ${failed.error}`);
      }
    }));
    // Once they have all ended (while they run, each writes its own files under .hex-skills).
    assert.deepEqual(personState(dir), before);
  });

  test("reviewers: a high finding makes the plan NO_GO with the reviewer named; a failing reviewer is a warning", { timeout: 240_000 }, async () => {
    const dir = fixtureRepo(dirs);
    const { env } = standins();
    writeFileSync(join(dir, "hypotheses.json"), JSON.stringify({ version: 1, hypotheses: [{ id: "H1", description: "closed form", change: { kind: "edit", file: "work.sh", search: "echo $s", replace: "echo $s\n" } }] }));
    const findings = JSON.stringify([{ severity: "high", hypothesis: "H1", reason: "the output changes", suggestion: "keep the echo as it is" }]);
    const result = await runPerfloop(["run", TARGET, "--test", TEST, "--hypotheses", "hypotheses.json", "--reviewer", "claude", "--reviewer", "gemini", "--slug", "rev", "--mode", "plan_only", ...ONE_CYCLE], {
      cwd: dir,
      env: { ...env, STANDIN_FINDINGS: findings, STANDIN_MODE_GEMINI: "exit" },
    });
    const text = `${result.stdout}\n${result.stderr}`;
    assert.match(text, /reviewer claude: the output changes/);
    const validation = readdirSync(join(dir, ".hex-skills/runtime-artifacts/runs")).flatMap((run) => {
      const folder = join(dir, ".hex-skills/runtime-artifacts/runs", run, "optimization-validation");
      return existsSync(folder) ? readdirSync(folder).map((f) => JSON.parse(readFileSync(join(folder, f), "utf8"))) : [];
    });
    const payload = JSON.stringify(validation);
    assert.match(payload, /"verdict":"NO_GO"/);
    assert.match(payload, /"reviewer":"gemini"/);
    assert.match(payload, /"check":"R3"/);
  });

  test("a preset whose CLI is not installed is refused before anything starts, with its install step", { timeout: 60_000 }, async () => {
    const dir = fixtureRepo(dirs);
    const result = await runPerfloop(["run", TARGET, "--test", TEST, "--agent", "codex", "--slug", "none"], { cwd: dir, env: { PATH: dirname(process.execPath) + ":/usr/bin:/bin" } });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /Codex CLI \(`codex`\) is not on PATH/);
    assert.match(result.stderr, /npm install -g @openai\/codex/);
    assert.equal(existsSync(join(dir, ".hex-skills")), false);
  });
});
