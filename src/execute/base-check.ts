/**
 * The base must still hold before any change is tried (executor.ts, step 1): its tests and e2e
 * check pass, and the target runs once, in the base's side tree. Their times set the candidates'
 * limits (rounds.ts candidateLimitMs). A failure here is about the base, not a hypothesis: one
 * clear line, exit 2, with the confinement's hint when a write was refused (docs/safety.md).
 */
import { join } from "node:path";
import { UsageError } from "../errors.ts";
import { confinementHint } from "../confine/hint.ts";
import { DEFAULT_MAX_OUTPUT_BYTES } from "../profile/command-target.ts";
import { failureGist } from "./failure-gist.ts";
import type { Workspace } from "./workspace.ts";
import type { TargetRunner } from "./target-runners.ts";
import type { Platform } from "../platform/index.ts";

/** The base's own tests and probe run get this long (the candidates get a limit derived from them). */
const BASE_TIMEOUT_MS = 20 * 60_000;

export interface BaseCheck {
  testsMs: number;
  /** One round of the target on the base (a command's run, a function's or an endpoint's round). */
  targetMs: number;
  e2e: boolean | null;
}

/** What the base check reads of an execution (executor.ts Execution). */
export interface BaseCheckInput {
  /** The execution's options it needs (executor.ts ExecuteOptions). */
  options: { subdir?: string; timeoutMs?: number; baseChecked?: { testsMs: number; targetMs: number }; e2e?: string; test: string; target: string };
  workspace: Workspace;
  warnings: string[];
  say(stage: string, message: string): void;
}

/** The base's tests, e2e check and one round of the target (a command when `runner` is null): they must pass. */
export async function checkBase(x: BaseCheckInput, runner: TargetRunner | null): Promise<BaseCheck> {
  const { options, workspace } = x;
  const cwd = join(workspace.dir("base"), options.subdir ?? "");
  const limit = options.timeoutMs ?? BASE_TIMEOUT_MS;
  const checked = options.baseChecked;
  if (checked && !options.e2e) {
    x.say("baseline", "the base's tests and target passed in preflight on this commit: not run again");
    return { testsMs: checked.testsMs, targetMs: checked.targetMs, e2e: null };
  }
  x.say("baseline", `checking the base: ${options.test}`);
  const tests = checked ? { exitCode: 0, tail: "", timedOut: false, wallMs: checked.testsMs } : await workspace.run(options.test, cwd, {}, limit);
  if (tests.exitCode !== 0) {
    throw new UsageError(`the tests fail on the base commit (${tests.timedOut ? "timed out" : `exit ${tests.exitCode}`}): ${failureGist(tests.tail)}`, confinementHint(tests.tail) ?? "fix the tests first, or pass the right --test", { output_tail: tests.tail });
  }
  let e2e: boolean | null = null;
  if (options.e2e) {
    x.say("baseline", `the e2e check on the base: ${options.e2e}`);
    const run = await workspace.run(options.e2e, cwd, {}, limit);
    e2e = run.exitCode === 0;
    if (!e2e) throw new UsageError(`the e2e command fails on the base commit: ${options.e2e}: ${failureGist(run.tail)}`, confinementHint(run.tail) ?? "fix it first, or leave out --e2e", { output_tail: run.tail });
  }
  if (checked) return { testsMs: checked.testsMs, targetMs: checked.targetMs, e2e };
  x.say("baseline", `timing the target once on the base: ${options.target}`);
  if (runner) return { testsMs: tests.wallMs, targetMs: await probeRound(runner, workspace.platform, cwd, workspace.childEnv({}), limit), e2e };
  const probe = await workspace.run(options.target, cwd, {}, limit);
  if (probe.exitCode !== 0) {
    throw new UsageError(`the target fails on the base commit (${probe.timedOut ? "timed out" : `exit ${probe.exitCode}`}): ${failureGist(probe.tail)}`, confinementHint(probe.tail) ?? "check the command: it runs with /bin/sh -c in a clean checkout of the base", { output_tail: probe.tail });
  }
  if (probe.leftoverProcesses) x.warnings.push(`the target left ${probe.leftoverProcesses} process(es) running on the base; perfloop ends them after every run (docs/safety.md)`);
  return { testsMs: tests.wallMs, targetMs: probe.wallMs, e2e };
}

/** One round of a function or an endpoint on the base, opened and closed again: its time. */
async function probeRound(runner: TargetRunner, platform: Platform, cwd: string, env: Readonly<Record<string, string | undefined>>, limit: number): Promise<number> {
  const opened = await runner.open(platform, cwd, env);
  if (!opened.ok) throw new UsageError(`the target cannot be measured on the base commit: ${opened.reason}`, "check the target: it runs in a clean checkout of the base");
  try {
    const started = performance.now();
    const round = await opened.target.runOnce(0, true, { timeoutMs: limit, maxOutputBytes: DEFAULT_MAX_OUTPUT_BYTES });
    if (!round.ok) throw new UsageError(`the target fails on the base commit: ${round.failure.message}`, confinementHint(`${round.failure.stderr_tail}\n${round.failure.stdout_tail}`) ?? "check the target: it runs in a clean checkout of the base");
    return performance.now() - started;
  } finally {
    await opened.target.close();
  }
}
