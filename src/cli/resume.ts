/**
 * `perfloop resume [--slug S] [--decide CHOICE]`: carries an unfinished run on from its last
 * checkpoint, with the options it was started with; `--decide` answers its pending decision. An
 * unfinished bisect (`perfloop bisect`) is carried on the same way (src/cli/bisect.ts).
 * `perfloop report [--slug S] [--format md|json|html|text]`: the report of a run (finished or not);
 * html is report.html's page (docs/report-html.md).
 */
import * as fs from "node:fs";
import { readFileSync } from "node:fs";
import type { CAC } from "cac";
import * as v from "valibot";
import { UsageError } from "../errors.ts";
import { type Platform, restartQuietly } from "../platform/index.ts";
import { RuntimeService } from "../runtime/commands.ts";
import { lockDeps } from "../runtime/lock.ts";
import type { Run } from "../runtime/store.ts";
import { activeRunOfSlug, activeRuns } from "../runtime/active-runs.ts";
import { commandContext, type CommandContext } from "./context.ts";
import { rawOption } from "./raw-args.ts";

function store(ctx: CommandContext, root: string) {
  return new RuntimeService(
    { projectRoot: root, cwd: ctx.platform.cwd, resolve: false },
    lockDeps(ctx.platform),
  ).store;
}

/** The repository root perfloop keeps its files in (the run was started there). */
async function repoOf(ctx: CommandContext) {
  const { openRepo } = await import("../git/index.ts");
  return await openRepo(fs, ctx.projectRoot);
}

/** The slug's unfinished run, or the only unfinished one: found from the runs themselves, a lost or corrupt pointer hides none. */
function activeRun(ctx: CommandContext, root: string): Run {
  const s = store(ctx, root);
  if (ctx.slug) {
    const run = activeRunOfSlug(s, ctx.slug);
    if (!run || run.state.complete) throw new UsageError(`no unfinished run for slug ${ctx.slug}`, "perfloop status lists the runs; start one with perfloop run");
    return run;
  }
  const runs = activeRuns(s);
  if (runs.length === 0) throw new UsageError("no unfinished run in this project", "start one with perfloop run; perfloop report shows finished ones");
  if (runs.length > 1) throw new UsageError(`${runs.length} unfinished runs: ${runs.map((run) => run.state.identifier).join(", ")}`, "pick one with --slug");
  return runs[0]!;
}

/** The slug's latest run (finished or not), else the latest of all. */
function latestRun(ctx: CommandContext, root: string): Run {
  const best = store(ctx, root).newest(ctx.slug, false);
  if (!best) throw new UsageError(ctx.slug ? `no run for slug ${ctx.slug}` : "no run in this project", "start one with perfloop run");
  return best;
}

export function registerResume(cli: CAC, platform: Platform, setExit: (code: number) => void): void {
  cli
    .command("resume", "Carry an unfinished run (or bisect) on from its last checkpoint; --decide answers a run's pending decision")
    .option("--decide <choice>", "The answer to the run's pending decision (perfloop status shows the question and its choices)")
    .option("--keep-trees", "Keep the side work trees when this drive ends (for debugging), whatever the run was started with")
    .example("perfloop resume --slug sum --decide waive")
    .action(async (options: Record<string, unknown>) => {
      const ctx = commandContext(platform, options);
      const decide = options.decide === undefined ? undefined : rawOption(platform.args, "decide");
      if (options.decide !== undefined && !decide?.trim()) throw new UsageError("--decide needs a choice", "perfloop status shows the pending question and its choices");
      const repo = await repoOf(ctx);
      const { refuseUnsafeStateDir } = await import("../git/state-guard.ts");
      await refuseUnsafeStateDir(repo);
      // An unfinished bisect (perfloop bisect) is carried on by its own code (src/cli/bisect.ts).
      const { resumeBisectIfAny } = await import("./bisect.ts");
      if (decide === undefined && (await resumeBisectIfAny(platform, ctx, repo, options.keepTrees === true))) return;
      const run = activeRun(ctx, repo.dir);
      const { readRunOptions } = await import("../coordinator/run-options.ts");
      const { storedMetric } = await import("../model/metric-spec-schema.ts");
      const { payloadOf } = await import("../coordinator/loop-context.ts");
      const { parseMetric } = await import("../model/metric-spec.ts");
      const { driveInFrame } = await import("./run-frame.ts");
      if (decide !== undefined) {
        const pending = run.state.phase === "PAUSED" ? run.state.pending_decision : null;
        if (!pending) throw new UsageError(`run ${run.state.identifier} is not waiting for a decision (it is at ${run.state.phase})`, `resume it without --decide: perfloop resume --slug ${run.state.identifier}`);
        const choice = decide.trim();
        if (choice !== "pause" && !pending.choices.includes(choice)) {
          throw new UsageError(`--decide ${choice} is not an answer to "${pending.question}"`, `choose one of: ${pending.choices.join(", ")}`);
        }
      }
      const preflight = payloadOf(run, "PHASE_0_PREFLIGHT");
      if (!preflight) throw new UsageError(`run ${run.runId} was not started by perfloop run (no preflight checkpoint)`, "drive it with perfloop runtime <verb>, as it was started");
      const runOptions = readRunOptions(preflight, `.hex-skills/optimization/runtime/runs/${run.runId}/history.jsonl`);
      // Nothing has been written yet; a function target is measured in this process, as it is.
      if (runOptions.target_spec.kind !== "function") restartQuietly(platform);
      const parse = payloadOf(run, "PHASE_1_PARSE_INPUT");
      const time = runOptions.target_spec.kind === "endpoint" ? "latency_p50_ms" : "wall_time_ms";
      const userTarget = parse ? storedMetric(parse.target_metric) : runOptions.target_text ? parseMetric(runOptions.target_text, { flag: "--target", defaultTimeMetric: time }) : null;
      const observed = parse ? storedMetric(parse.observed_metric) : runOptions.observed_text ? parseMetric(runOptions.observed_text, { flag: "--observed", defaultTimeMetric: time, allowRelative: false }) : null;
      const { withFrame } = await import("./long-task.ts");
      const result = await withFrame(platform, ctx, (frame) =>
        driveInFrame(frame, platform, ctx, { repo, slug: run.state.identifier, runId: run.runId, options: runOptions, userTarget, observed, decide: decide?.trim(), keepTrees: options.keepTrees === true }, (lines) => {
          for (const line of lines) ctx.output.line(line);
        }),
      );
      setExit(result.code);
    });
}

const ReportFlags = v.object({ format: v.optional(v.picklist(["md", "json", "html", "text"], "--format must be md, json, html or text")) });

export function registerReport(cli: CAC, platform: Platform): void {
  cli
    .command("report", "The report of a run: every metric before and after, every cycle, the stop reason and the branch")
    .option("--format <format>", "md (report.md), json (report.json), html (report.html: one page, charts inline) or text (the summary; the default)")
    .example("perfloop report --slug sum --format md")
    .example("perfloop report --slug sum --format html > sum.html")
    .action(async (options: Record<string, unknown>) => {
      const ctx = commandContext(platform, options);
      const flags = v.safeParse(ReportFlags, { format: options.format === undefined ? undefined : rawOption(platform.args, "format") });
      if (!flags.success) throw new UsageError(flags.issues[0]!.message, "e.g. perfloop report --format md");
      const repo = await repoOf(ctx);
      const run = latestRun(ctx, repo.dir);
      const { buildReport, readReportFile } = await import("../coordinator/phase-report.ts");
      const { reportFileOf } = await import("../coordinator/report-files.ts");
      const { payloadOf } = await import("../coordinator/loop-context.ts");
      // The run's own report (kept by run id, so a later run of the slug does not replace it).
      const file = run.state.complete ? reportFileOf(repo.dir, run.state.identifier, run.runId) : null;
      let report;
      if (file) {
        try {
          report = readReportFile(file, readFileSync(file, "utf8"));
        } catch (error) {
          throw new UsageError(`${file} is damaged: ${(error as Error).message}`, "it is rebuilt from the run if you delete it");
        }
      } else {
        report = buildReport(run, repo.dir, (payloadOf(run, "PHASE_11_REPORT")?.merged ?? null) as never);
      }
      const format = ctx.json ? "json" : (flags.output.format ?? "text");
      if (format === "json") ctx.output.json(report);
      else if (format === "md") {
        const { renderReportMarkdown } = await import("../report/run-markdown.ts");
        platform.writeStdout(renderReportMarkdown(report));
      } else if (format === "html") {
        const { renderReportHtml } = await import("../report/html/page.ts");
        platform.writeStdout(renderReportHtml(report));
      } else {
        const { renderRunSummary } = await import("../report/run-text.ts");
        for (const line of renderRunSummary(report, { color: (style: Parameters<typeof ctx.output.style>[0], text: string) => ctx.output.style(style, text) })) ctx.output.line(line);
      }
    });
}
