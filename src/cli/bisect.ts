/**
 * `perfloop bisect --good REV --bad REV "<cmd>"`: the commit that made a command slower
 * (docs/bisect.md). Flags are read as typed and checked with valibot; the work is
 * src/bisect/run.ts. `resumeBisectIfAny` is `perfloop resume`'s branch for an unfinished bisect.
 */
import type { CAC } from "cac";
import * as v from "valibot";
import { checkNumberText } from "../coordinator/number-ranges.ts";
import { ExitCode, UsageError } from "../errors.ts";
import type { GitRepo } from "../git/index.ts";
import { type Platform, restartQuietly } from "../platform/index.ts";
import { activeRuns } from "../runtime/active-runs.ts";
import { RuntimeService } from "../runtime/commands.ts";
import { lockDeps } from "../runtime/lock.ts";
import { commandContext, type CommandContext } from "./context.ts";
import { withFrame } from "./long-task.ts";
import { NUMBER_FLAGS, numberFlag } from "./number-flags.ts";
import { givenOption, rawOption, rawOptions } from "./raw-args.ts";

/**
 * Rounds per arm: the paired rank test cannot reach p < 0.05 with fewer than 6 rounds (the exact
 * two-sided Wilcoxon p of 5 rounds all one way is 2/32), so a lower cap could decide nothing.
 */
const BISECT_MAX_RUNS = { ...NUMBER_FLAGS.maxRuns, min: 6, example: 30 };
/** Rounds per arm unless --max-runs: a probe that is still unknown at 30 rounds is skipped. */
export const DEFAULT_BISECT_MAX_RUNS = 30;

const text = (flag: string, example: string) => v.optional(v.pipe(v.string(), v.trim(), v.minLength(1, `${flag} needs a value, e.g. ${flag} ${example}`)));

const BisectFlags = v.object({
  good: v.pipe(v.string(`--good is required: the older commit where the target was fast, e.g. --good v1.0`), v.trim(), v.minLength(1, "--good needs a commit, e.g. --good v1.0")),
  bad: v.optional(v.pipe(v.string(), v.trim(), v.minLength(1, "--bad needs a commit, e.g. --bad HEAD")), "HEAD"),
  test: text("--test", '"npm test"'),
  setup: text("--setup", '"npm ci"'),
  serve: text("--serve", '"node server.js"'),
  readyPath: v.optional(v.pipe(v.string(), v.trim(), v.regex(/^\/[^\s]*$/, "--ready-path must be a path starting with /, e.g. /health"))),
  method: v.optional(v.string()),
  body: v.optional(v.string()),
  args: v.optional(v.string()),
});


export function registerBisect(cli: CAC, platform: Platform, setExit: (code: number) => void): void {
  cli
    .command("bisect <target>", "Find the commit that made a command, fn:<file>#<export> or served endpoint slower: first-parent bisection, each probe measured interleaved against both ends")
    .option("--good <rev>", "The older commit where the target was fast (required)")
    .option("--bad <rev>", "The newer commit where it is slow (default HEAD)")
    .option("--threshold <pct>", "The smallest slowdown that matters, in percent, 0 to 99 (default and floor 2%): bad must be slower than good by more")
    .option("--test <cmd>", "Must pass at a commit before it is measured; a commit that fails it is skipped")
    .option("--setup <cmd>", "Run once in each commit's side tree first (e.g. npm ci); a commit whose setup fails is skipped")
    .option("--max-runs <n>", `Cap on rounds per measurement while undecided, 6 to 10000 (default ${DEFAULT_BISECT_MAX_RUNS}); at the cap a probed commit is skipped`)
    .option("--warmup <n>", "Warm-up rounds per measurement, 0 to 1000 (default 1)")
    .option("--args <json>", "fn: targets: the arguments, as a JSON array")
    .option("--serve <cmd>", "Endpoints (required): the command that starts your server in each commit's side tree, listening on $PORT")
    .option("--ready-path <path>", "Endpoints: the path polled until the server answers (default: the target's own)")
    .option("--ready-timeout <seconds>", "Endpoints: how long the server may take to answer (default 30)")
    .option("--requests <n>", "Endpoints: requests per round, 1 to 100000 (default 200)")
    .option("--concurrency <n>", "Endpoints: requests in flight at once, 1 to 1000 (default 4)")
    .option("--method <method>", "Endpoints: HTTP method (default GET)")
    .option("--body <text>", "Endpoints: the request body (with --method POST etc.)")
    .option("--allow-write <dir>", "Let commands in side trees also write this directory (a cache; repeatable; docs/safety.md)")
    .option("--keep-trees", "Keep the side trees (.hex-skills/optimization/<slug>/worktree/) when it ends, for debugging")
    .option("--fresh", "Start over even when an unfinished bisect of the slug exists (perfloop resume carries one on)")
    .example(`perfloop bisect --good v1.2 --bad HEAD "node bench.js" --threshold 10`)
    .example(`perfloop bisect --good v1.2 fn:src/parse.ts#parse --args '["big.csv"]'`)
    .example(`perfloop bisect --good v1.2 http://127.0.0.1:3000/search --serve "node server.js" --ready-path /health`)
    .action(async (command: string, options: Record<string, unknown>) => {
      const ctx = commandContext(platform, options);
      const args = platform.args;
      const flags = v.safeParse(BisectFlags, {
        good: rawOption(args, "good"),
        bad: rawOption(args, "bad"),
        test: rawOption(args, "test"),
        setup: rawOption(args, "setup"),
        serve: givenOption(options, args, "serve", "serve"),
        readyPath: givenOption(options, args, "readyPath", "ready-path"),
        method: rawOption(args, "method"),
        body: givenOption(options, args, "body", "body"),
        args: rawOption(args, "args"),
      });
      if (!flags.success) throw new UsageError(flags.issues[0]!.message, "see perfloop bisect --help");
      const { serve: serveCommand, readyPath, method, body } = flags.output;
      const readyTimeoutS = numberFlag(args, NUMBER_FLAGS.readyTimeout);
      // The target and its flags are checked before anything starts: bad input is one line.
      const { parseTarget } = await import("../profile/target.ts");
      const requests = numberFlag(args, NUMBER_FLAGS.requests);
      const concurrency = numberFlag(args, NUMBER_FLAGS.concurrency);
      const target = parseTarget(String(command), { projectRoot: ctx.projectRoot, args: flags.output.args, requests, concurrency, method, body });
      const { serveOptions } = await import("../coordinator/preflight.ts");
      const serve = serveOptions({ serve: serveCommand, readyPath, readyTimeoutS, body, requests, concurrency, method }, target);
      const threshold = numberFlag(args, NUMBER_FLAGS.threshold);
      const maxRunsText = rawOption(args, "max-runs");
      const maxRuns = maxRunsText === undefined ? DEFAULT_BISECT_MAX_RUNS : checkNumberText(BISECT_MAX_RUNS, maxRunsText);
      const warmup = numberFlag(args, NUMBER_FLAGS.warmup);
      // Nothing is written yet: measure with a quiet runtime (src/platform/quiet-runtime.ts).
      restartQuietly(platform);
      const { startBisect } = await import("../bisect/run.ts");
      const report = await withFrame(platform, ctx, ({ progress, signal }) =>
        startBisect(
          platform,
          {
            projectRoot: ctx.projectRoot,
            good: flags.output.good,
            bad: flags.output.bad,
            command: String(command).trim(),
            target,
            serve,
            threshold: threshold === undefined ? undefined : threshold / 100,
            test: flags.output.test,
            setup: flags.output.setup,
            maxRuns,
            warmup: warmup ?? 1,
            allowWrite: rawOptions(args, "allow-write"),
            slug: ctx.slug,
            keepTrees: options.keepTrees === true,
            fresh: options.fresh === true,
          },
          { progress, signal, note: (message) => ctx.output.note(message) },
        ),
      );
      await printReport(ctx, report);
      setExit(ExitCode.ok);
    });
}

async function printReport(ctx: CommandContext, report: import("../bisect/report.ts").BisectReport): Promise<void> {
  if (ctx.json) {
    ctx.output.json({ ok: true, ...report });
    return;
  }
  const { renderBisect } = await import("../bisect/text.ts");
  for (const line of renderBisect(report)) ctx.output.line(line);
}

/**
 * `perfloop resume`: when the project has an unfinished bisect to carry on, carries it on and
 * returns true; false when `perfloop resume` is about a run instead. With --slug, the slug's
 * bisect; without, the only unfinished bisect when no run is unfinished.
 */
export async function resumeBisectIfAny(platform: Platform, ctx: CommandContext, repo: GitRepo, keepTrees: boolean): Promise<boolean> {
  const { bisectStatePath, readBisectState, scanBisects } = await import("../bisect/state.ts");
  let found;
  if (ctx.slug) {
    const path = bisectStatePath(repo.dir, ctx.slug);
    const state = readBisectState(path);
    if (!state || state.status !== "running") return false;
    found = { slug: ctx.slug, path, state };
  } else {
    const { unfinished, damaged } = scanBisects(repo.dir);
    const runs = activeRuns(new RuntimeService({ projectRoot: repo.dir, cwd: platform.cwd, resolve: false }, lockDeps(platform)).store);
    if (unfinished.length === 0) {
      if (runs.length === 0 && damaged[0]) throw damaged[0];
      return false;
    }
    const names = [...unfinished.map((bisect) => `bisect ${bisect.slug}`), ...runs.map((run) => `run ${run.state.identifier}`)];
    if (names.length > 1) throw new UsageError(`${names.length} unfinished: ${names.join(", ")}`, "pick one with --slug");
    found = unfinished[0]!;
  }
  restartQuietly(platform);
  const { resumeBisect } = await import("../bisect/run.ts");
  const report = await withFrame(platform, ctx, ({ progress, signal }) => resumeBisect(platform, repo, found, { progress, signal, note: (message) => ctx.output.note(message) }, keepTrees));
  await printReport(ctx, report);
  return true;
}
