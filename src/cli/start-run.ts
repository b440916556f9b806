/**
 * Preflight with its steps on the progress, then, after a clean one, the run comes into existence
 * on disk (the contract's manifest, `start`, the preflight checkpoint holding the run's options)
 * and is driven. Shared by `run` and `demo`, in one frame (long-task.ts): one Ctrl-C handler from
 * the first check to the end.
 */
import { join } from "node:path";
import { UsageError } from "../errors.ts";
import { ensureExcluded } from "../git/index.ts";
import { writeJsonAtomic } from "../runtime/atomic-fs.ts";
import { runtimePaths, slugDir } from "../runtime/paths.ts";
import type { CountingPlatform } from "../coordinator/timing.ts";
import type { Preflight, RunRequest } from "../coordinator/preflight.ts";
import { startRun } from "../coordinator/runtime-client.ts";
import type { Platform } from "../platform/index.ts";
import { formatMs } from "../ui/table.ts";
import type { CommandContext } from "./context.ts";
import type { TaskFrame } from "./long-task.ts";
import { driveInFrame, type FrameResult } from "./run-frame.ts";

/**
 * Preflight, each step that takes time the progress's label as it runs and a line with its
 * duration when done. The progress starts with the first such step: a refusal before it is the
 * error's one line alone.
 */
export async function preflightInFrame(frame: TaskFrame, platform: Platform, request: RunRequest): Promise<Preflight> {
  const { preflight } = await import("../coordinator/preflight.ts");
  const { progress, signal } = frame;
  const started = platform.now();
  let shown = false;
  try {
    const checked = await preflight(platform, request, {
      signal,
      begin: async (step) => {
        const label = `preflight: ${step}`;
        if (shown) progress.update(label, true);
        else await progress.start(label);
        shown = true;
      },
      end: (step, ms) => progress.step(`preflight: ${step} (${formatMs(ms)})`),
    });
    if (shown) progress.stop(`preflight: done (${formatMs(platform.now() - started)})`);
    return checked;
  } catch (error) {
    if (shown) progress.fail();
    throw error;
  }
}

export async function startAndDrive(frame: TaskFrame, counting: CountingPlatform, ctx: CommandContext, checked: Preflight, print?: (lines: string[]) => void): Promise<FrameResult & { runId: string }> {
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
    frame,
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
