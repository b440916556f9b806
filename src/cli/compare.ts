/**
 * `perfloop compare "<A>" "<B>"`: the verdict on B against A with ratio, interval, p and n.
 */
import type { CAC } from "cac";
import { UsageError } from "../errors.ts";
import type { Platform } from "../platform/index.ts";
import { commandContext } from "./context.ts";
import { longTask } from "./long-task.ts";
import { rawOption } from "./raw-args.ts";

function numberFlag(args: readonly string[], name: string): number | undefined {
  const raw = rawOption(args, name);
  if (raw === undefined) return undefined;
  const value = Number(raw.replace(/%$/, ""));
  if (raw.trim() === "" || !Number.isFinite(value)) throw new UsageError(`--${name} needs a number, got ${JSON.stringify(raw)}`, `e.g. --${name} 5`);
  return value;
}

export function registerCompare(cli: CAC, platform: Platform): void {
  cli
    .command("compare <a> <b>", "Is command B faster than command A? Interleaved runs, a statistical verdict")
    .option("--threshold <pct>", "The smallest change that matters to you, in percent (the floor is 2%)")
    .option("--max-runs <n>", "Cap on runs per command while the verdict is unknown (default 100)")
    .option("--warmup <n>", "Warm-up rounds (default 1)")
    .option("--no-calibrate", "Skip the A/A calibration of A (its spread raises the minimum effect)")
    .example(`perfloop compare "node old.js" "node new.js" --threshold 5`)
    .action(async (a: string, b: string, options: Record<string, unknown>) => {
      const ctx = commandContext(platform, options);
      const threshold = numberFlag(platform.args, "threshold");
      const { runCompare } = await import("../profile/compare.ts");
      const { renderCompare } = await import("../report/compare-text.ts");
      const report = await longTask(platform, ctx, "compare", "comparing", (progress, signal) =>
        runCompare(
          platform,
          {
            a: String(a),
            b: String(b),
            projectRoot: ctx.projectRoot,
            threshold: threshold === undefined ? undefined : threshold / 100,
            maxRuns: numberFlag(platform.args, "max-runs"),
            warmup: numberFlag(platform.args, "warmup"),
            calibrate: options.calibrate !== false,
          },
          (event) => {
            if (event.stage === "calibrate-start") progress.update("calibrating: A against itself");
            else if (event.stage === "compare-start") progress.update("comparing A and B, interleaved");
            else if ("progress" in event) {
              const p = event.progress;
              const what = event.stage === "calibrate" ? "calibration" : "compare";
              progress.update(`${what} ${p.phase === "warmup" ? "warm-up" : "round"} ${p.round} of ${p.of}: ${p.arm.toUpperCase()} ${p.last_ms.toFixed(1)} ms`);
            }
          },
          signal,
        ),
      );
      if (ctx.json) ctx.output.json({ ok: true, ...report });
      else for (const line of renderCompare(report)) ctx.output.line(line);
    });
}
