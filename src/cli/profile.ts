/**
 * `perfloop profile <target>`: measure a command, a function or an endpoint, find where the time
 * goes, and write the profile summary. Thin: flags -> typed options -> runProfile -> render.
 * The worker is imported when the command runs, so other commands do not pay for it at startup.
 */
import type { CAC } from "cac";
import * as v from "valibot";
import { UsageError } from "../errors.ts";
import type { Platform } from "../platform/index.ts";
import { commandContext } from "./context.ts";
import { longTask } from "./long-task.ts";
import { rawOption } from "./raw-args.ts";

const Count = (flag: string) =>
  v.optional(v.pipe(v.number(`${flag} needs a number`), v.integer(`${flag} must be a whole number`)));

const ProfileFlagsSchema = v.object({
  runs: Count("--runs"),
  warmup: Count("--warmup"),
  maxRuns: Count("--max-runs"),
  requests: Count("--requests"),
  concurrency: Count("--concurrency"),
  method: v.optional(v.string()),
  args: v.optional(v.string()),
  test: v.optional(v.pipe(v.string("--test needs a command"), v.minLength(1, "--test needs a command"))),
  skipTests: v.optional(v.boolean(), false),
  cpuProfile: v.optional(v.boolean(), true),
});

/** cac gives numbers for numeric-looking values; anything else (e.g. "--runs ten") is refused here. */
function flags(options: Record<string, unknown>, args: readonly string[]): v.InferOutput<typeof ProfileFlagsSchema> {
  const number = (name: string, key: string) => {
    const raw = rawOption(args, name);
    if (raw === undefined) return undefined;
    const value = Number(raw);
    if (raw.trim() === "" || !Number.isFinite(value)) throw new UsageError(`--${name} needs a number, got ${JSON.stringify(raw)}`, `e.g. --${name} 10`);
    return value;
  };
  const parsed = v.safeParse(ProfileFlagsSchema, {
    runs: number("runs", "runs"),
    warmup: number("warmup", "warmup"),
    maxRuns: number("max-runs", "maxRuns"),
    requests: number("requests", "requests"),
    concurrency: number("concurrency", "concurrency"),
    method: rawOption(args, "method"),
    args: rawOption(args, "args"),
    test: options.test === undefined ? undefined : rawOption(args, "test") ?? "",
    skipTests: options.skipTests === true,
    cpuProfile: options.cpuProfile !== false,
  });
  if (!parsed.success) throw new UsageError(parsed.issues[0]!.message, "see perfloop profile --help");
  return parsed.output;
}

export function registerProfile(cli: CAC, platform: Platform): void {
  cli
    .command("profile <target>", "Measure a command, fn:<file>#<export> or http(s):// URL and show where the time goes")
    .option("--runs <n>", "Measured runs of a command (default: adaptive, 10 to --max-runs)")
    .option("--warmup <n>", "Warm-up runs before measuring (default 1)")
    .option("--max-runs <n>", "Cap of the adaptive run count (default 60)")
    .option("--test <cmd>", "The test command that must pass first (default: discovered)")
    .option("--skip-tests", "Do not look for or run a test command")
    .option("--no-cpu-profile", "Skip the extra CPU-profiled run of a JS/TS command")
    .option("--args <json>", "fn: targets: the arguments, as a JSON array")
    .option("--requests <n>", "Endpoints: measured requests (default 200)")
    .option("--concurrency <n>", "Endpoints: requests in flight at once (default 4)")
    .option("--method <method>", "Endpoints: HTTP method (default GET)")
    .example(`perfloop profile "npm run build"`)
    .example(`perfloop profile fn:src/parse.ts#parse --args '["big.csv"]'`)
    .example(`perfloop profile http://127.0.0.1:3000/health --requests 500 --concurrency 8`)
    .action(async (target: string, options: Record<string, unknown>) => {
      const ctx = commandContext(platform, options);
      const f = flags(options, platform.args);
      const { runProfile } = await import("../profile/profile.ts");
      const { renderProfile } = await import("../report/profile-text.ts");
      const report = await longTask(platform, ctx, "profile", `profiling ${target}`, (progress, signal) =>
        runProfile(
          platform,
          { target: String(target), projectRoot: ctx.projectRoot, slug: ctx.slug, ...f },
          (event) => {
            if (event.kind === "tests") progress.update(`running the tests on the unmodified code: ${event.command}`);
            else if (event.kind === "cpu-profile") progress.update("one more run with a CPU profile");
            else progress.update(event.message);
          },
          signal,
        ),
      );
      if (ctx.json) ctx.output.json({ ok: true, ...report });
      else for (const line of renderProfile(report)) ctx.output.line(line);
    });
}
