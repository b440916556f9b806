/**
 * The frame of a long command: progress on stderr (spinner, plain lines or nothing, see
 * ui/progress.ts) and Ctrl-C turned into an abort signal the work checks at safe points. The one
 * place a Ctrl-C is heard, however it comes: the terminal's SIGINT, `kill -INT`, SIGTERM, or the
 * Ctrl-C byte the spinner reads while it holds the terminal (ui/spinner.ts raises it as SIGINT).
 * The first puts a line on the progress saying that the work is stopping, and later progress is not
 * shown; a second signal ends perfloop at once (Platform.onInterrupt).
 */
import { CancelledError } from "../errors.ts";
import type { Platform } from "../platform/index.ts";
import { createProgress, progressMode, terminalIo, type Progress } from "../ui/progress.ts";
import type { CommandContext } from "./context.ts";

export interface TaskFrame {
  readonly progress: Progress;
  /** Aborted by the first Ctrl-C (or SIGTERM). */
  readonly signal: AbortSignal;
}

/** What the progress says once a signal has come: the work goes on to its next safe point. */
function stoppingText(signal: string): string {
  return `${signal === "SIGTERM" ? "SIGTERM" : "Ctrl-C"}: stopping at the next safe point (Ctrl-C again stops at once)`;
}

/** Runs `work` in a frame; the signal handler is removed however it ends (the work closes its progress). */
export async function withFrame<T>(platform: Platform, ctx: CommandContext, work: (frame: TaskFrame) => Promise<T>): Promise<T> {
  const mode = progressMode({ json: ctx.json, env: platform.env, stderrIsTTY: platform.stderrIsTTY });
  const shown = createProgress(mode, terminalIo((text) => platform.writeStderr(text), () => platform.now(), ctx.output.options.color));
  const controller = new AbortController();
  const stopping = () => controller.signal.aborted;
  const progress: Progress = {
    start: (message) => shown.start(message),
    update: (message, important) => {
      if (!stopping()) shown.update(message, important);
    },
    step: (message) => {
      if (!stopping()) shown.step(message);
    },
    stop: (message) => shown.stop(message),
    fail: (message) => shown.fail(message),
  };
  const release = platform.onInterrupt((signal) => {
    if (stopping()) return;
    controller.abort(new Error(`interrupted (${signal})`));
    shown.step(stoppingText(signal));
  });
  try {
    return await work({ progress, signal: controller.signal });
  } finally {
    release();
  }
}

/**
 * A command's work with a progress started with `start` and closed with "<name> done" or
 * "<name> stopped". An error after a Ctrl-C (a command it ended fails, say) is the stop.
 */
export async function longTask<T>(
  platform: Platform,
  ctx: CommandContext,
  name: string,
  start: string,
  work: (progress: Progress, signal: AbortSignal) => Promise<T>,
): Promise<T> {
  return await withFrame(platform, ctx, async ({ progress, signal }) => {
    await progress.start(start);
    try {
      const result = await work(progress, signal);
      progress.stop(`${name} done`);
      return result;
    } catch (error) {
      progress.fail(`${name} stopped`);
      if (signal.aborted && !(error instanceof CancelledError)) throw new CancelledError(`${name} stopped (${(signal.reason as Error).message})`);
      throw error;
    }
  });
}
