/**
 * `perfloop compare "<A>" "<B>"`: the verdict on B against A with ratio, interval, p and n.
 */
import type { CAC } from "cac";
import type { Platform } from "../platform/index.ts";
import { commandContext } from "./context.ts";
import { longTask } from "./long-task.ts";
import { NUMBER_FLAGS, numberFlag } from "./number-flags.ts";

export function registerCompare(cli: CAC, platform: Platform): void {
  cli
    .command("compare <a> <b>", "Is command B faster than command A? Interleaved runs, a statistical verdict")
    .option("--threshold <pct>", "The smallest change that matters to you, in percent, 0 to 99 (the floor is 2%)")
    .option("--max-runs <n>", "Cap on runs per command while the verdict is unknown, 2 to 10000 (default 100)")
    .option("--warmup <n>", "Warm-up rounds, 0 to 1000 (default 1)")
    .option("--no-calibrate", "Skip the A/A calibration of A (its spread raises the minimum effect)")
    .example(`perfloop compare "node old.js" "node new.js" --threshold 5`)
    .action(async (a: string, b: string, options: Record<string, unknown>) => {
      const ctx = commandContext(platform, options);
      const threshold = numberFlag(platform.args, NUMBER_FLAGS.threshold);
      const maxRuns = numberFlag(platform.args, NUMBER_FLAGS.maxRuns);
      const warmup = numberFlag(platform.args, NUMBER_FLAGS.warmup);
      const { runCompare } = await import("../profile/compare.ts");
      const { renderCompare } = await import("../report/compare-text.ts");
      const { comparisonProgress } = await import("../profile/ab-progress.ts");
      // Each clocks its own rounds, from its first measured run.
      const calibration = comparisonProgress("calibrating: A against itself", () => platform.now());
      const comparison = comparisonProgress("comparing: B against A, interleaved", () => platform.now());
      const report = await longTask(platform, ctx, "compare", "comparing", (progress, signal) =>
        runCompare(
          platform,
          {
            a: String(a),
            b: String(b),
            projectRoot: ctx.projectRoot,
            threshold: threshold === undefined ? undefined : threshold / 100,
            maxRuns,
            warmup,
            calibrate: options.calibrate !== false,
          },
          (event) => {
            if (event.stage === "calibrate-start") progress.update("calibrating: A against itself", true);
            else if (event.stage === "compare-start") progress.update("comparing: B against A, interleaved", true);
            else if (event.stage === "calibrate") progress.update(calibration(event.progress));
            else if (event.stage === "compare") progress.update(comparison(event.progress));
          },
          signal,
        ),
      );
      if (ctx.json) ctx.output.json({ ok: true, ...report });
      else for (const line of renderCompare(report)) ctx.output.line(line);
    });
}
