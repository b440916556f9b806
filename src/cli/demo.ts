/**
 * `perfloop demo`: the embedded example project (src/demo/project.ts) written into a new
 * temporary git repository and optimized end to end with --yes, ending with where the report and
 * the branch are. It needs nothing installed: the project's JavaScript runs on the JS runtime
 * perfloop itself runs on (the compiled binary acts as bun with BUN_BE_BUN=1).
 */
import * as fs from "node:fs";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import type { CAC } from "cac";
import { UsageError } from "../errors.ts";
import { shellQuote } from "../profile/cpu-command-words.ts";
import type { Platform } from "../platform/index.ts";
import { commandContext } from "./context.ts";
import { rawOption } from "./raw-args.ts";

/** The shell prefix that runs a JavaScript file with the runtime perfloop runs on. */
export function jsRunner(platform: Platform): string {
  const [exe] = platform.selfCommand();
  const path = shellQuote(exe ?? "node");
  if (platform.compiled) return `BUN_BE_BUN=1 ${path}`;
  if (platform.runtime === "deno") return `${path} run -A`;
  return path;
}

export function registerDemo(cli: CAC, platform: Platform, setExit: (code: number) => void): void {
  cli
    .command("demo", "Optimize an embedded example project end to end (a temporary git repository; nothing else is touched)")
    .option("--dir <dir>", "Where to create the example project (an empty or new directory; default: a new temporary one)")
    .example("perfloop demo")
    .action(async (options: Record<string, unknown>) => {
      const ctx = commandContext(platform, { ...options, yes: true });
      const { countChildren } = await import("../coordinator/timing.ts");
      const counting = countChildren(platform);
      const { DEMO_FILES } = await import("../demo/project.ts");
      const given = options.dir === undefined ? undefined : rawOption(platform.args, "dir");
      if (options.dir !== undefined && !given?.trim()) throw new UsageError("--dir needs a directory", "e.g. --dir /tmp/perfloop-demo");
      let dir: string;
      if (given) {
        dir = resolve(platform.cwd, given);
        if (existsSync(dir) && readdirSync(dir).length > 0) throw new UsageError(`${dir} is not empty`, "give a new or empty directory, or leave out --dir");
        mkdirSync(dir, { recursive: true });
      } else {
        dir = mkdtempSync(join(tmpdir(), "perfloop-demo-"));
      }
      for (const [path, text] of Object.entries(DEMO_FILES)) {
        mkdirSync(dirname(join(dir, path)), { recursive: true });
        writeFileSync(join(dir, path), text);
      }
      const git = (await import("isomorphic-git")).default;
      await git.init({ fs, dir, defaultBranch: "main" });
      await git.add({ fs, dir, filepath: "." });
      const author = { name: "perfloop demo", email: "demo@perfloop.invalid" };
      await git.commit({ fs, dir, message: "A slow word counter\n", author, committer: author });
      await git.setConfig({ fs, dir, path: "user.name", value: author.name });
      await git.setConfig({ fs, dir, path: "user.email", value: author.email });
      ctx.output.note(`perfloop demo: an example project in ${dir} (a git repository with one commit)`);
      const runner = jsRunner(platform);
      const { withFrame } = await import("./long-task.ts");
      const { preflightInFrame, startAndDrive } = await import("./start-run.ts");
      const { reportPaths } = await import("../coordinator/report-files.ts");
      const request = {
        target: `${runner} bench.js`,
        start: dir,
        slug: "demo",
        test: `${runner} test.js`,
        hypotheses: join(dir, "hypotheses.json"),
        targetMetric: "-25%",
        maxCycles: 2,
      };
      const result = await withFrame(platform, ctx, async (frame) => startAndDrive(frame, counting, { ...ctx, projectRoot: dir }, await preflightInFrame(frame, counting.platform, request)));
      if (!ctx.json) {
        ctx.output.line();
        ctx.output.line(`The demo project is at ${dir}; your own repositories were not touched.`);
        ctx.output.line(`  see what was kept:   git -C ${shellQuote(dir)} log --stat -1 perfloop/demo`);
        ctx.output.line(`  read the report:     ${reportPaths(dir, "demo").md}`);
        ctx.output.line(`  open it as a page:   ${reportPaths(dir, "demo").html}`);
        ctx.output.line(`  remove it:           rm -rf ${shellQuote(dir)}`);
      }
      setExit(result.code);
    });
}
