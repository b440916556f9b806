/**
 * The frame `perfloop run`, `resume` and `demo` drive a run in: the slug's run lock, progress
 * (a spinner on a terminal, plain lines with CI or without a terminal, nothing with --json) and
 * Ctrl-C turned into a stop at the next safe point (both from long-task.ts's frame), the person's
 * questions (clack on a terminal, never otherwise), and the end: the summary or the JSON, exit 0
 * done, 3 paused, 130 stopped with the resume command. However the drive ends, the side work trees
 * go (they are written again by whatever phase runs next), unless `--keep-trees`.
 */
import { CancelledError, ExitCode, PerfloopError } from "../errors.ts";
import type { GitRepo } from "../git/index.ts";
import type { Platform } from "../platform/index.ts";
import { isInteractive, scriptedAsker, terminalAsker, type Asker } from "../coordinator/decisions.ts";
import type { LoopContext } from "../coordinator/loop-context.ts";
import type { MetricSpec } from "../model/metric-spec.ts";
import type { RunOptions } from "../coordinator/run-options.ts";
import { RunClient } from "../coordinator/runtime-client.ts";
import { acquireRunLock } from "../coordinator/run-lock.ts";
import { countChildren, type CountingPlatform, type Timing } from "../coordinator/timing.ts";
import { removeSideTrees } from "../execute/workspace.ts";
import { runLockPath, runtimePaths } from "../runtime/paths.ts";
import { ioErrorOf } from "../runtime/write-error.ts";
import type { CommandContext } from "./context.ts";
import type { TaskFrame } from "./long-task.ts";

export interface FrameInput {
  repo: GitRepo;
  slug: string;
  runId: string;
  options: RunOptions;
  userTarget: MetricSpec | null;
  observed: MetricSpec | null;
  decide?: string;
  /** `perfloop resume --keep-trees`: keep the side trees this time, whatever the run's options say. */
  keepTrees?: boolean;
}

export interface FrameResult {
  code: number;
  timing: Timing;
}

function describePending(slug: string, pending: { question: string; choices: string[] } | null, reason: string): string[] {
  if (!pending) return [`paused: ${reason}`, `continue with: perfloop resume --slug ${slug}`];
  return [`paused: ${reason}`, `question: ${pending.question}`, `answer with: perfloop resume --slug ${slug} --decide ${pending.choices.join("|")}`];
}

/**
 * Drives the run in `frame` (its progress and its Ctrl-C signal, long-task.ts). `counting`: the
 * command's own child-time accounting, when it started before the frame (the preflight's tests and
 * probe count too); a new one otherwise.
 */
export async function driveInFrame(frame: TaskFrame, platform: Platform, ctx: CommandContext, input: FrameInput, print: (lines: string[]) => void, counting: CountingPlatform = countChildren(platform)): Promise<FrameResult> {
  const { drive } = await import("../coordinator/loop.ts");
  const { renderRunSummary } = await import("../report/run-text.ts");
  const lock = acquireRunLock(runLockPath(runtimePaths(input.repo.dir), input.slug), platform.pid, platform.now(), platform.processAlive, input.slug);
  if (lock.tookOver) ctx.output.note(`perfloop: ${lock.tookOver}`);
  const { progress, signal } = frame;
  // The spinner is stopped while a prompt or a note is on the screen, and started again after.
  let spinning: Promise<void> | null = null;
  const interactive = isInteractive({ yes: ctx.yes, json: ctx.json, env: platform.env, stdinIsTTY: platform.interactive, stderrIsTTY: platform.stderrIsTTY });
  let last = "";
  const asker: Asker = interactive
    ? terminalAsker({
        // A Ctrl-C cancels the question on the screen, and none is asked after it: the run is stopping.
        signal,
        before: async () => {
          if (!spinning) return;
          await spinning;
          spinning = null;
          progress.stop(last);
        },
        after: async () => {
          spinning = progress.start(last || "working");
          await spinning;
        },
      })
    : scriptedAsker(ctx.yes);
  const budget = input.options.budget_minutes;
  const loop: LoopContext = {
    platform: counting.platform,
    client: new RunClient(counting.platform, input.repo.dir, input.runId),
    repo: input.repo,
    slug: input.slug,
    options: input.options,
    userTarget: input.userTarget,
    observed: input.observed,
    asker,
    signal,
    deadline: budget ? platform.now() + budget * 60_000 : Number.POSITIVE_INFINITY,
    say: () => {},
    where: { cycle: 1 },
  };
  try {
    spinning = progress.start(`perfloop run ${input.slug}`);
    await spinning;
    loop.say = (message: string, important = false) => {
      last = `cycle ${loop.where.cycle}/${input.options.max_cycles} · ${message}`;
      progress.update(last, important);
    };
    const outcome = await drive(loop, input.decide);
    const timing = counting.timing();
    if (outcome.kind === "paused") {
      progress.stop("paused");
      if (ctx.json) ctx.output.json({ ok: true, status: "paused", slug: input.slug, run_id: outcome.run_id, paused_reason: outcome.reason, pending_decision: outcome.pending, timing });
      else print(describePending(input.slug, outcome.pending, outcome.reason));
      return { code: ExitCode.paused, timing };
    }
    progress.stop("done");
    if (ctx.json) ctx.output.json({ ok: true, status: "done", ...outcome.report, timing });
    else print(renderRunSummary(outcome.report, { color: (style, text) => ctx.output.style(style, text) }));
    return { code: ExitCode.ok, timing };
  } catch (error) {
    progress.fail("stopped");
    // After a Ctrl-C, whatever ended the work (a command the signal ended fails) is the stop.
    if (error instanceof CancelledError || signal.aborted) {
      const where = safePhase(loop);
      throw new CancelledError(`stopped${where ? ` at ${where}` : ""}; what that phase had done is done again on resume: perfloop resume --slug ${input.slug} carries on`);
    }
    // A full disk or a read-only file: the fix, then the way back into this run.
    const io = ioErrorOf(error, { cwd: input.repo.dir });
    if (io) throw io.withNext(`continue with perfloop resume --slug ${input.slug}`);
    if (error instanceof PerfloopError) {
      const phase = safePhase(loop);
      throw new PerfloopError(error.code, error.message, {
        exitCode: error.exitCode,
        data: error.data,
        hint: `${error.hint ? `${error.hint}; ` : ""}the run is kept${phase ? ` at ${phase}` : ""}: perfloop resume --slug ${input.slug} carries on`,
      });
    }
    throw error;
  } finally {
    // Still under the run lock: no other driver is writing into the trees.
    const problem = input.keepTrees || input.options.keep_trees ? null : removeSideTrees(input.repo.dir, input.slug);
    if (problem) ctx.output.note(`perfloop: ${problem}`);
    lock.release();
  }
}

function safePhase(loop: LoopContext): string | null {
  try {
    const state = loop.client.load().state;
    return `cycle ${state.current_cycle}, phase ${state.phase}`;
  } catch {
    return null;
  }
}
