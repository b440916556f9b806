/**
 * `perfloop status`: the runs of this project in plain words: phase, cycle, what waits on a
 * decision, and the next step; and the unfinished bisects (`perfloop bisect`, docs/bisect.md):
 * their history, how many commits are measured, and the next step. `--json` gives the same as
 * data. A run or bisect whose lock is held by a live process is running (its pid and since when):
 * only one nobody drives is to be resumed.
 */
import type { CAC } from "cac";
import { pathToFileURL } from "node:url";
import { reportHtmlOf } from "../coordinator/report-files.ts";
import { describeLive, formatMoment, formatSpan, liveDriver, phaseSince } from "../coordinator/live-run.ts";
import { scanBisects, type FoundBisect } from "../bisect/state.ts";
import { latestCheckpoint } from "../runtime/checkpoints.ts";
import { RuntimeService } from "../runtime/commands.ts";
import { lockDeps } from "../runtime/lock.ts";
import { runLockPath, runtimePaths } from "../runtime/paths.ts";
import { phaseLabel } from "../runtime/phases.ts";
import type { Run } from "../runtime/store.ts";
import { activeRunOfSlug, activeRuns } from "../runtime/active-runs.ts";
import { commandContext, type CommandContext } from "./context.ts";
import type { Platform } from "../platform/index.ts";

export interface RunSummary {
  slug: string;
  run_id: string;
  phase: string;
  complete: boolean;
  cycle: number;
  max_cycles: number;
  target: string;
  paused_reason: string | null;
  pending_decision: Record<string, unknown> | null;
  stop_reason: string | null;
  final_result: string | null;
  updated_at: string;
  /** The live process driving the run now (its run lock), else null. */
  running: Running | null;
  /** A finished run's report.html (absolute path), when it was written (docs/report-html.md). */
  report_html: string | null;
  next_step: string;
}

export interface Running {
  pid: number;
  /** When the process took the run (ISO). */
  since: string;
  /** When the run entered its current phase (ISO), null when its history does not say. */
  phase_since: string | null;
  /** `perfloop <arguments>` when proven a perfloop (/proc), else null. */
  command: string | null;
  /** "pid 1234, phase 8 execute since 14:02:11 (3 min)" */
  text: string;
}

/** The next step while a live process drives it: never suggest killing a process not proven a perfloop. */
function whileRunning(running: { pid: number; command: string | null }): string {
  return running.command ? `nothing while it runs: wait for it to finish, or stop it with kill ${running.pid}` : `nothing while it runs: wait for pid ${running.pid} to finish`;
}

/** For a run started by `perfloop run`, the command that carries it on; else the runtime's resume action. */
function nextStep(service: RuntimeService, run: Run, running: Running | null): string {
  // Never resume a run another process drives; never suggest killing a process not proven a perfloop.
  if (running) return whileRunning(running);
  const action = String(service.describe(run).resume_action);
  const preflight = latestCheckpoint(run.checkpoints, "PHASE_0_PREFLIGHT", 1);
  if (run.state.complete || !preflight || typeof preflight.payload.options !== "object") return action;
  const slug = run.state.identifier;
  const pending = run.state.phase === "PAUSED" ? run.state.pending_decision : null;
  if (pending) return `perfloop resume --slug ${slug} --decide ${pending.choices.join("|")}`;
  return `perfloop resume --slug ${slug} (${action})`;
}

/** The live driver of an unfinished run, read from its run lock (never taken or broken here). */
function runningOf(ctx: CommandContext, run: Run): Running | null {
  if (run.state.complete) return null;
  const { platform } = ctx;
  const now = platform.now();
  const driver = liveDriver(runLockPath(runtimePaths(ctx.projectRoot), run.state.identifier), platform.pid, platform.processAlive, now);
  if (!driver) return null;
  const since = phaseSince(run.history, run.state.phase);
  return { pid: driver.pid, since: driver.since, phase_since: since, command: driver.command, text: describeLive(driver, run.state.phase, since, now) };
}

function summarize(ctx: CommandContext, service: RuntimeService, run: Run): RunSummary {
  const running = runningOf(ctx, run);
  return {
    slug: run.state.identifier,
    run_id: run.runId,
    phase: run.state.phase,
    complete: run.state.complete,
    cycle: run.state.current_cycle,
    max_cycles: run.state.cycle_config.max_cycles,
    target: run.state.target,
    paused_reason: run.state.paused_reason,
    pending_decision: run.state.pending_decision,
    stop_reason: run.state.stop_reason,
    final_result: run.state.final_result,
    updated_at: run.state.updated_at,
    running,
    report_html: run.state.complete ? reportHtmlOf(ctx.projectRoot, run.state.identifier, run.runId) : null,
    next_step: nextStep(service, run, running),
  };
}

function service(ctx: CommandContext): RuntimeService {
  return new RuntimeService(
    { projectRoot: ctx.projectRoot, cwd: ctx.platform.cwd, resolve: false },
    lockDeps(ctx.platform),
  );
}

/** The most recently updated finished run (of the slug, when given), for when none is active. */
export function lastFinishedRun(ctx: CommandContext): RunSummary | null {
  const svc = service(ctx);
  // A damaged old run must not hide the others; `runtime status --run-id` reports it.
  const best = svc.store.newest(ctx.slug, true);
  return best ? summarize(ctx, svc, best) : null;
}

export function collectRuns(ctx: CommandContext): RunSummary[] {
  const svc = service(ctx);
  const store = svc.store;
  // From the runs themselves: a lost or corrupt pointer hides no run (runtime/active-runs.ts).
  const found = ctx.slug ? [activeRunOfSlug(store, ctx.slug)] : activeRuns(store);
  return found.filter((run): run is Run => run !== null && !run.state.complete).map((run) => summarize(ctx, svc, run));
}

/** An unfinished `perfloop bisect` (its checkpoint, src/bisect/state.ts). */
interface BisectSummary {
  slug: string;
  good: string;
  bad: string;
  command: string;
  /** Commits after good, up to bad (first-parent). */
  commits: number;
  /** Commits between good and bad measured so far. */
  measured_commits: number;
  updated_at: string;
  running: { pid: number; since: string; command: string | null; text: string } | null;
  next_step: string;
}

function summarizeBisect(ctx: CommandContext, found: FoundBisect): BisectSummary {
  const { state } = found;
  const last = state.commits.length - 1;
  const measured = new Set(state.events.flatMap((event) => (event.kind === "confirm" ? [] : [event.commit])).filter((at) => at > 0 && at < last));
  const now = ctx.platform.now();
  const driver = liveDriver(runLockPath(runtimePaths(ctx.projectRoot), found.slug), ctx.platform.pid, ctx.platform.processAlive, now);
  const running = driver ? { ...driver, text: `pid ${driver.pid}, bisecting since ${formatMoment(driver.since, now)} (${formatSpan(now - Date.parse(driver.since))})` } : null;
  const short = (at: number) => state.commits[at]!.slice(0, 7);
  return {
    slug: found.slug,
    good: `${state.options.good_ref} (${short(0)})`,
    bad: `${state.options.bad_ref} (${short(last)})`,
    command: state.options.command,
    commits: last,
    measured_commits: measured.size,
    updated_at: state.updated_at,
    running,
    next_step: running ? whileRunning(running) : `perfloop resume --slug ${found.slug}`,
  };
}

/** The project's unfinished bisects (of the slug, when given); a damaged checkpoint is left to `perfloop resume` to name. */
function collectBisects(ctx: CommandContext): BisectSummary[] {
  return scanBisects(ctx.projectRoot)
    .unfinished.filter((found) => !ctx.slug || found.slug === ctx.slug)
    .map((found) => summarizeBisect(ctx, found));
}

function renderBisect(ctx: CommandContext, bisect: BisectSummary): void {
  const { output } = ctx;
  output.line(`${output.style("bold", bisect.slug)}  ${output.style("dim", "bisect")}`);
  output.line(`  target   ${bisect.command}`);
  output.line(`  history  ${bisect.good} .. ${bisect.bad}, ${bisect.commits} commit${bisect.commits === 1 ? "" : "s"} after good`);
  output.line(`  measured ${bisect.measured_commits} of them so far`);
  if (bisect.running) output.line(`  running  ${bisect.running.text}`);
  output.line(`  next     ${bisect.next_step}`);
  output.line(`  updated  ${bisect.updated_at}`);
}

export function renderRun(ctx: CommandContext, run: RunSummary): void {
  const { output } = ctx;
  const phase = run.phase === "PAUSED" ? output.style("yellow", "paused") : phaseLabel(run.phase);
  output.line(`${output.style("bold", run.slug)}  ${output.style("dim", run.run_id)}`);
  output.line(`  target   ${run.target}`);
  output.line(`  phase    ${phase}, cycle ${run.cycle} of ${run.max_cycles}`);
  if (run.running) output.line(`  running  ${run.running.text}`);
  if (run.final_result) output.line(`  result   ${run.final_result}`);
  if (run.paused_reason) output.line(`  paused   ${run.paused_reason}`);
  const decision = run.pending_decision as { question?: string; choices?: string[] } | null;
  if (decision?.question) {
    output.line(`  decide   ${decision.question}`);
    output.line(`           choices: ${(decision.choices ?? []).join(", ")}`);
  }
  if (run.stop_reason) output.line(`  stopping ${run.stop_reason}`);
  // A file:// URL: terminals make it a link that opens the page.
  if (run.report_html) output.line(`  report   ${pathToFileURL(run.report_html).href}`);
  output.line(`  next     ${run.next_step}`);
  output.line(`  updated  ${run.updated_at}`);
}

export function registerStatus(cli: CAC, platform: Platform): void {
  cli
    .command("status", "Show the active runs: phase, cycle, pending decision and next step")
    .example("perfloop status --slug align-endpoint --json")
    .action((options: Record<string, unknown>) => {
      const ctx = commandContext(platform, options);
      const runs = collectRuns(ctx);
      const bisects = collectBisects(ctx);
      const last = runs.length === 0 ? lastFinishedRun(ctx) : null;
      if (ctx.json) {
        ctx.output.json({ ok: true, project_root: ctx.projectRoot, runs, bisects, last_run: last });
        return;
      }
      const shown: (() => void)[] = [...runs.map((run) => () => renderRun(ctx, run)), ...bisects.map((bisect) => () => renderBisect(ctx, bisect))];
      if (runs.length === 0) {
        const which = ctx.slug ? ` for slug ${ctx.slug}` : "";
        ctx.output.line(`No active perfloop run${which} in ${ctx.projectRoot}.`);
        if (last) {
          ctx.output.line();
          ctx.output.line("Last finished run:");
          renderRun(ctx, last);
        }
      }
      shown.forEach((render, index) => {
        if (index > 0 || runs.length === 0) ctx.output.line();
        render();
      });
    });
}
