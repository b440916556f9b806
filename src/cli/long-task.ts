/**
 * The frame of a long command: progress on stderr (spinner, plain lines or nothing, see
 * ui/progress.ts), Ctrl-C turned into an abort signal the work checks at safe points, and the
 * progress closed however the work ends.
 */
import type { Platform } from "../platform/index.ts";
import { createProgress, progressMode, type Progress } from "../ui/progress.ts";
import type { CommandContext } from "./context.ts";

export async function longTask<T>(
  platform: Platform,
  ctx: CommandContext,
  name: string,
  start: string,
  work: (progress: Progress, signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const progress = createProgress(progressMode({ json: ctx.json, env: platform.env, stderrIsTTY: platform.stderrIsTTY }));
  const controller = new AbortController();
  const release = platform.onInterrupt(() => controller.abort(new Error("interrupted (Ctrl-C)")));
  await progress.start(start);
  try {
    const result = await work(progress, controller.signal);
    progress.stop(`${name} done`);
    return result;
  } catch (error) {
    progress.fail(`${name} stopped`);
    throw error;
  } finally {
    release();
  }
}
