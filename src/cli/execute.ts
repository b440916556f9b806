/**
 * `perfloop execute "<target>" --hypotheses F --test "<cmd>"`: apply hypotheses in side work trees,
 * keep what is tested and measurably faster, and commit it to `perfloop/<slug>`. The side trees are
 * removed when it ends, however it ends (`--keep-trees` keeps them), unless a live `perfloop run`
 * of the same slug holds them.
 */
import * as fs from "node:fs";
import { resolve } from "node:path";
import type { CAC } from "cac";
import { UsageError } from "../errors.ts";
import type { Platform } from "../platform/index.ts";
import { commandContext } from "./context.ts";
import { longTask } from "./long-task.ts";
import { NUMBER_FLAGS, numberFlag } from "./number-flags.ts";
import { rawOption, rawOptions } from "./raw-args.ts";
import { parseAllowRegression } from "../execute/guardrails.ts";

export function registerExecute(cli: CAC, platform: Platform): void {
  cli
    .command("execute <target>", "Apply hypotheses in a side work tree; keep what passes the tests and is measurably faster, on branch perfloop/<slug>")
    .option("--hypotheses <file>", "The hypotheses file (docs/hypotheses.md)")
    .option("--test <cmd>", "The test command every kept change must pass")
    .option("--e2e <cmd>", "An end-to-end check run after the tests")
    .option("--setup <cmd>", "Run once in each side work tree first (e.g. npm ci); default: link node_modules etc.")
    .option("--allow-dirty", "Start from HEAD even if the work tree has uncommitted changes (they are not included)")
    .option("--budget <minutes>", "Stop after this long, above 0 to 10080 minutes")
    .option("--threshold <pct>", "The smallest gain that counts for you, in percent, 0 to 99 (the floor is 2%)")
    .option("--max-runs <n>", "Cap on runs per side in each comparison, 2 to 10000 (default 100)")
    .option("--allow-regression <metric>", "Keep a faster change even when it makes this guardrail significantly worse: memory, wall (docs/run.md, Guardrails)")
    .option("--merge", "Merge the result into your current branch (fast-forward or a clean merge; stops on a conflict)")
    .option("--target-pct <pct>", "The improvement you aim for, in percent less wall time, 0 to 99.9 (for the gap analysis)")
    .option("--allow-write <dir>", "Let commands in side trees also write this directory (a cache; repeatable; docs/safety.md)")
    .option("--timeout <seconds>", "Time limit for the target and the tests with a candidate change (default: derived from the base, docs/safety.md)")
    .option("--keep-trees", "Keep the side work trees (.hex-skills/optimization/<slug>/worktree/) when it ends, for debugging")
    .example(`perfloop execute "node bench.js" --hypotheses perf/hypotheses.json --test "npm test"`)
    .action(async (target: string, options: Record<string, unknown>) => {
      const ctx = commandContext(platform, options);
      const args = platform.args;
      const hypothesesFile = rawOption(args, "hypotheses");
      const test = rawOption(args, "test");
      if (!hypothesesFile) throw new UsageError("--hypotheses is required", "pass the hypotheses file: --hypotheses perf/hypotheses.json (format: docs/hypotheses.md)");
      if (!test) throw new UsageError("--test is required", 'pass the test command that every kept change must pass, e.g. --test "npm test"');
      const allowRegression = parseAllowRegression(rawOptions(args, "allow-regression"));
      const threshold = numberFlag(args, NUMBER_FLAGS.threshold);
      const budgetMinutes = numberFlag(args, NUMBER_FLAGS.budget);
      const maxRuns = numberFlag(args, NUMBER_FLAGS.maxRuns);
      const targetPct = numberFlag(args, NUMBER_FLAGS.targetPct);
      // The hypotheses are read and checked before the progress starts: bad input is one line on stderr.
      const hypothesesPath = resolve(platform.cwd, hypothesesFile);
      const { openRepo } = await import("../git/index.ts");
      const { loadHypotheses } = await import("../research/hypotheses.ts");
      const repoDir = (await openRepo(fs, ctx.projectRoot)).dir;
      const hypotheses = await loadHypotheses(hypothesesPath, repoDir);
      const timeoutS = numberFlag(args, NUMBER_FLAGS.timeout);
      const { runExecute } = await import("../execute/executor.ts");
      const { renderExecute } = await import("../report/execute-text.ts");
      const { removeSideTrees } = await import("../execute/workspace.ts");
      const { liveDriver } = await import("../coordinator/live-run.ts");
      const { runLockPath, runtimePaths, safe } = await import("../runtime/paths.ts");
      const slug = safe(ctx.slug ?? "execute");
      const tidy = () => {
        if (options.keepTrees === true || liveDriver(runLockPath(runtimePaths(repoDir), slug), platform.pid, platform.processAlive, platform.now())) return;
        const problem = removeSideTrees(repoDir, slug);
        if (problem) ctx.output.note(`perfloop: ${problem}`);
      };
      const report = await longTask(platform, ctx, "execute", `executing hypotheses for ${target}`, (progress, signal) =>
        runExecute(
          platform,
          {
            target: String(target),
            projectRoot: ctx.projectRoot,
            hypothesesFile: hypothesesPath,
            hypotheses,
            test,
            e2e: rawOption(args, "e2e"),
            setup: rawOption(args, "setup"),
            slug: ctx.slug,
            allowDirty: options.allowDirty === true,
            budgetMinutes,
            threshold: threshold === undefined ? undefined : threshold / 100,
            maxRuns,
            targetPct,
            merge: options.merge === true,
            allowWrite: rawOptions(args, "allow-write"),
            allowRegression,
            timeoutMs: timeoutS === undefined ? undefined : timeoutS * 1000,
          },
          (event) => progress.update(`${event.stage}: ${event.message}`, event.important),
          signal,
        ),
      ).finally(tidy);
      if (ctx.json) ctx.output.json({ ok: true, ...report });
      else for (const line of renderExecute(report)) ctx.output.line(line);
    });
}
