/**
 * After a clean preflight: the run comes into existence on disk (the contract's manifest, `start`,
 * the preflight checkpoint holding the run's options) and is driven. Shared by `run` and `demo`.
 */
import { join } from "node:path";
import { UsageError } from "../errors.ts";
import { ensureExcluded } from "../git/index.ts";
import { writeJsonAtomic } from "../runtime/atomic-fs.ts";
import { runtimePaths, slugDir } from "../runtime/paths.ts";
import type { CountingPlatform } from "../coordinator/timing.ts";
import type { Preflight } from "../coordinator/preflight.ts";
import { startRun } from "../coordinator/runtime-client.ts";
import type { CommandContext } from "./context.ts";
import { driveInFrame, type FrameResult } from "./run-frame.ts";

export async function startAndDrive(counting: CountingPlatform, ctx: CommandContext, checked: Preflight, print?: (lines: string[]) => void): Promise<FrameResult & { runId: string }> {
  const platform = counting.platform;
  const { repo, slug, options } = checked;
  await ensureExcluded(repo);
  const dir = slugDir(runtimePaths(repo.dir), slug);
  const manifestFile = join(dir, "manifest.json");
  const manifest = {
    target: options.target,
    observed_metric: checked.observed,
    target_metric: checked.target,
    execution_mode: options.mode,
    cycle_config: { max_cycles: options.max_cycles, plateau_threshold: options.plateau_pct },
  };
  writeJsonAtomic(manifestFile, manifest, platform.pid);
  const started = startRun(platform, repo.dir, slug, manifestFile, {
    options,
    checks: checked.checks,
    warnings: checked.warnings,
    test_command: options.test.command,
    test_source: options.test.source,
    stack: options.stack,
    base: options.base,
  });
  if (!started.ok) throw new UsageError(`an unfinished run exists for slug ${slug}`, `continue it with: perfloop resume --slug ${slug}`);
  for (const warning of checked.warnings) ctx.output.note(`perfloop: ${warning}`);
  const result = await driveInFrame(
    platform,
    ctx,
    { repo, slug, runId: started.runId, options, userTarget: checked.target, observed: checked.observed },
    print ??
      ((lines) => {
        for (const line of lines) ctx.output.line(line);
      }),
    counting,
  );
  return { ...result, runId: started.runId };
}
