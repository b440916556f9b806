/**
 * `perfloop profile <target>`: measure a command, a function or an endpoint, find where the time
 * goes, and write the profile summary. Thin: flags -> typed options -> runProfile -> render.
 * The worker is imported when the command runs, so other commands do not pay for it at startup.
 */
import type { CAC } from "cac";
import * as v from "valibot";
import { UsageError } from "../errors.ts";
import type { ServeOptions } from "../coordinator/run-options.ts";
import type { TargetSpec } from "../profile/types.ts";
import type { Platform } from "../platform/index.ts";
import { commandContext } from "./context.ts";
import { longTask } from "./long-task.ts";
import { NUMBER_FLAGS, numberFlag } from "./number-flags.ts";
import { givenOption, rawOption } from "./raw-args.ts";

type EndpointTarget = Extract<TargetSpec, { kind: "endpoint" }>;

const ProfileFlagsSchema = v.object({
  method: v.optional(v.string()),
  serve: v.optional(v.pipe(v.string(), v.trim(), v.minLength(1, "--serve needs the command that starts your server"))),
  readyPath: v.optional(v.pipe(v.string(), v.trim(), v.regex(/^\/[^\s]*$/, "--ready-path must be a path starting with /, e.g. /health"))),
  body: v.optional(v.string()),
  args: v.optional(v.string()),
  test: v.optional(v.pipe(v.string("--test needs a command"), v.minLength(1, "--test needs a command"))),
  skipTests: v.optional(v.boolean(), false),
  cpuProfile: v.optional(v.boolean(), true),
});

/** The counts are read as typed and checked against their ranges (number-flags.ts); the rest by the schema. */
function flags(options: Record<string, unknown>, args: readonly string[]) {
  const counts = {
    runs: numberFlag(args, NUMBER_FLAGS.runs),
    warmup: numberFlag(args, NUMBER_FLAGS.warmup),
    maxRuns: numberFlag(args, NUMBER_FLAGS.maxRuns),
    requests: numberFlag(args, NUMBER_FLAGS.requests),
    concurrency: numberFlag(args, NUMBER_FLAGS.concurrency),
    readyTimeoutS: numberFlag(args, NUMBER_FLAGS.readyTimeout),
  };
  const parsed = v.safeParse(ProfileFlagsSchema, {
    method: rawOption(args, "method"),
    serve: givenOption(options, args, "serve", "serve"),
    readyPath: givenOption(options, args, "readyPath", "ready-path"),
    body: givenOption(options, args, "body", "body"),
    args: rawOption(args, "args"),
    test: givenOption(options, args, "test", "test"),
    skipTests: options.skipTests === true,
    cpuProfile: options.cpuProfile !== false,
  });
  if (!parsed.success) throw new UsageError(parsed.issues[0]!.message, "see perfloop profile --help");
  return { ...counts, ...parsed.output };
}

export function registerProfile(cli: CAC, platform: Platform): void {
  cli
    .command("profile <target>", "Measure a command, fn:<file>#<export> or http(s):// URL and show where the time goes")
    .option("--runs <n>", "Measured runs of a command, 1 to 10000 (default: adaptive, 10 to --max-runs)")
    .option("--warmup <n>", "Warm-up runs before measuring, 0 to 1000 (default 1)")
    .option("--max-runs <n>", "Cap of the adaptive run count, 2 to 10000 (default 60)")
    .option("--test <cmd>", "The test command that must pass first (default: discovered)")
    .option("--skip-tests", "Do not look for or run a test command")
    .option("--no-cpu-profile", "Skip the extra CPU-profiled run of a JS/TS command")
    .option("--args <json>", "fn: targets: the arguments, as a JSON array")
    .option("--requests <n>", "Endpoints: measured requests, 1 to 100000 (default 200)")
    .option("--concurrency <n>", "Endpoints: requests in flight at once, 1 to 1000 (default 4)")
    .option("--method <method>", "Endpoints: HTTP method (default GET)")
    .option("--body <text>", "Endpoints: the request body (with --method POST etc.)")
    .option("--serve <cmd>", "Endpoints: the command that starts your server in the project root, listening on $PORT; perfloop picks the port, measures, and stops it")
    .option("--ready-path <path>", "Endpoints with --serve: the path polled until the server answers (default: the target's own)")
    .option("--ready-timeout <seconds>", "Endpoints with --serve: how long the server may take to answer (default 30)")
    .example(`perfloop profile "npm run build"`)
    .example(`perfloop profile fn:src/parse.ts#parse --args '["big.csv"]'`)
    .example(`perfloop profile http://127.0.0.1:3000/health --requests 500 --concurrency 8`)
    .example(`perfloop profile http://127.0.0.1:3000/search --serve "node server.js" --ready-path /health`)
    .action(async (target: string, options: Record<string, unknown>) => {
      const ctx = commandContext(platform, options);
      const { serve: serveCommand, readyPath, readyTimeoutS, ...f } = flags(options, platform.args);
      // The target and its flags are checked before anything starts: bad input is one line.
      const { parseTarget } = await import("../profile/target.ts");
      const spec = parseTarget(String(target), { ...f, projectRoot: ctx.projectRoot });
      const { serveOptions } = await import("../coordinator/preflight.ts");
      const serve = serveOptions({ serve: serveCommand, readyPath, readyTimeoutS, body: f.body, requests: f.requests, concurrency: f.concurrency, method: f.method }, spec);
      const { runProfile } = await import("../profile/profile.ts");
      const { renderProfile } = await import("../report/profile-text.ts");
      const report = await longTask(platform, ctx, "profile", `profiling ${target}`, (progress, signal) =>
        runProfile(
          platform,
          { target: String(target), projectRoot: ctx.projectRoot, slug: ctx.slug, ...f, ...(serve ? { serve: (endpoint) => startServer(platform, endpoint, serve, ctx.projectRoot) } : {}) },
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

/** The person's server started in the project root on a port perfloop picks (src/execute/endpoint-runner.ts). */
async function startServer(platform: Platform, endpoint: EndpointTarget, serve: ServeOptions, projectRoot: string) {
  const { endpointSpecOf } = await import("../coordinator/target-runner.ts");
  const { serveEndpoint } = await import("../execute/endpoint-runner.ts");
  return serveEndpoint(platform, endpointSpecOf({ target_spec: endpoint, serve })!, projectRoot, platform.env);
}
