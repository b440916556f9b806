/**
 * `perfloop run <target>`: the whole loop. Flags -> typed request (valibot) -> preflight (writes
 * nothing) -> the run started in the runtime, its options in the preflight checkpoint -> the loop.
 */
import type { CAC } from "cac";
import * as v from "valibot";
import { UsageError } from "../errors.ts";
import type { Platform } from "../platform/index.ts";
import { commandContext } from "./context.ts";
import { NUMBER_FLAGS, numberFlag } from "./number-flags.ts";
import { rawOption, rawOptions } from "./raw-args.ts";

const RUN_FLAGS: [string, string][] = [
  ["--observed <metric>", 'What you see today, e.g. "wall=6.3s", "p95=800ms"'],
  ["--target <metric>", "What it should reach: 500ms, -40%, 2x, 256MB, 1200req/s (default: asked on a terminal, else -50%)"],
  ["--max-cycles <n>", "Most cycles, 1 to 100 (default 3)"],
  ["--plateau <pct>", "Stop when a cycle gains less than this, in percent, 0 to 99 (default 5)"],
  ["--mode <mode>", "execute (default) or plan_only (profile, research, validate; change nothing)"],
  ["--test <cmd>", "The test command every change must pass (default: discovered)"],
  ["--e2e <cmd>", "An end-to-end check every kept change must pass too"],
  ["--hypotheses <file>", "The hypotheses file (docs/hypotheses.md), read again every cycle"],
  ["--agent <name|cmd>", "A coding agent that proposes and makes changes: claude, codex, gemini, opencode, or a command (docs/agents.md)"],
  ["--agent-model <name>", "The model the agent uses (passed to its CLI's --model)"],
  ["--agent-timeout <seconds>", "Time limit for one agent call (default 600)"],
  ["--agent-calls <n>", "Most agent calls in the whole run, research and edits, 1 to 1000 (default 20)"],
  ["--reviewer <name|cmd>", "Review the plan before anything is measured: claude, codex, gemini, opencode, or a command (repeatable; docs/agents.md)"],
  ["--knob <NAME=a,b,c>", "Try each value of an environment variable, one against the other (repeatable; docs/research.md)"],
  ["--try-branch <ref>", "Try a branch's own changes (since it forked) as one hypothesis (repeatable)"],
  ["--try-commit <rev>", "Try one commit's change as one hypothesis (repeatable)"],
  ["--no-rules", "Leave out the built-in rules' hypotheses (patches for anti-patterns in the hot functions, docs/research.md)"],
  ["--threshold <pct>", "The smallest gain that counts for you, in percent, 0 to 99 (the floor is 2%)"],
  ["--allow-regression <metric>", "Keep a faster change even when it makes this guardrail significantly worse: memory, wall, p99, errors (docs/run.md, Guardrails)"],
  ["--max-runs <n>", "Cap on runs per side in each comparison, 2 to 10000 (default 100)"],
  ["--runs <n>", "Profile: a fixed number of measured runs, 1 to 10000 (default adaptive)"],
  ["--warmup <n>", "Profile: warm-up runs, 0 to 1000 (default 1)"],
  ["--setup <cmd>", "Run once in each side work tree first (e.g. npm ci); default: link node_modules etc."],
  ["--waive-gate", "Go on even when the wrong-tool gate says BLOCK"],
  ["--merge", "Merge the result branch into your current branch at the end (fast-forward or a clean merge)"],
  ["--keep-trees", "Keep the side work trees (.hex-skills/optimization/<slug>/worktree/) when the run ends, for debugging"],
  ["--budget <minutes>", "Stop after this long, above 0 to 10080 minutes (the run stays resumable)"],
  ["--allow-dirty", "Start from HEAD even if the work tree has uncommitted changes (they are not included)"],
  ["--allow-write <dir>", "Let commands in side trees also write this directory (a cache; repeatable; docs/safety.md)"],
  ["--timeout <seconds>", "Time limit for the target and the tests with a candidate change (default: derived from the base, docs/safety.md)"],
  ["--args <json>", "fn: targets: the arguments, as a JSON array (or export a run() that takes none, docs/run.md)"],
  ["--serve <cmd>", "Endpoints: the command that starts your server from each side tree, listening on $PORT (docs/run.md)"],
  ["--ready-path <path>", "Endpoints with --serve: the path polled until the server answers (default: the target's own)"],
  ["--ready-timeout <seconds>", "Endpoints with --serve: how long the server may take to answer (default 30)"],
  ["--requests <n>", "Endpoints: requests per measured round, 1 to 100000 (default 200)"],
  ["--concurrency <n>", "Endpoints: requests in flight at once, 1 to 1000 (default 4)"],
  ["--method <method>", "Endpoints: HTTP method (default GET)"],
  ["--body <text>", "Endpoints: the request body (with --method POST etc.)"],
];

const Text = (flag: string) => v.optional(v.pipe(v.string(), v.trim(), v.minLength(1, `${flag} needs a value`)));

const RunFlagsSchema = v.object({
  observed: Text("--observed"),
  targetMetric: Text("--target"),
  mode: v.optional(v.picklist(["execute", "plan_only"], "--mode must be execute or plan_only")),
  test: Text("--test"),
  e2e: Text("--e2e"),
  hypotheses: Text("--hypotheses"),
  agent: Text("--agent"),
  agentModel: Text("--agent-model"),
  setup: Text("--setup"),
  args: Text("--args"),
  method: Text("--method"),
  serve: Text("--serve"),
  readyPath: v.optional(v.pipe(v.string(), v.trim(), v.regex(/^\/[^\s]*$/, "--ready-path must be a path starting with /, e.g. /health"))),
  body: v.optional(v.string()),
  waiveGate: v.boolean(),
  merge: v.boolean(),
  keepTrees: v.boolean(),
  allowDirty: v.boolean(),
  rules: v.boolean(),
});

/** A flag given without its value (`--target` last) reads as `true` from cac: refuse it by name. */
function present(options: Record<string, unknown>, args: readonly string[], key: string, name: string): string | undefined {
  if (options[key] === undefined) return undefined;
  const raw = rawOption(args, name);
  if (raw === undefined) throw new UsageError(`--${name} needs a value`, `see perfloop run --help`);
  return raw;
}

export function registerRun(cli: CAC, platform: Platform, setExit: (code: number) => void): void {
  const command = cli.command("run <target>", "Optimize a command, a function (fn:<file>#<export>) or an endpoint (http://...) in measured cycles: profile, gate, research, validate, execute; keep what is tested and faster on branch perfloop/<slug>");
  for (const [flag, description] of RUN_FLAGS) command.option(flag, description);
  command
    .example(`perfloop run "node bench.js" --hypotheses perf/hypotheses.json --target -40% --yes`)
    .example(`perfloop run "npm run build" --agent claude --reviewer codex --max-cycles 5`)
    .example(`perfloop run fn:src/parse.ts#run --hypotheses perf/hypotheses.json`)
    .example(`perfloop run http://127.0.0.1:3000/search --serve "node server.js" --target p95=80ms`)
    .action(async (target: string, options: Record<string, unknown>) => {
      const ctx = commandContext(platform, options);
      const args = platform.args;
      const parsed = v.safeParse(RunFlagsSchema, {
        observed: present(options, args, "observed", "observed"),
        targetMetric: present(options, args, "target", "target"),
        mode: present(options, args, "mode", "mode"),
        test: present(options, args, "test", "test"),
        e2e: present(options, args, "e2e", "e2e"),
        hypotheses: present(options, args, "hypotheses", "hypotheses"),
        agent: present(options, args, "agent", "agent"),
        agentModel: present(options, args, "agentModel", "agent-model"),
        setup: present(options, args, "setup", "setup"),
        args: present(options, args, "args", "args"),
        method: present(options, args, "method", "method"),
        serve: present(options, args, "serve", "serve"),
        readyPath: present(options, args, "readyPath", "ready-path"),
        body: present(options, args, "body", "body"),
        waiveGate: options.waiveGate === true,
        merge: options.merge === true,
        keepTrees: options.keepTrees === true,
        allowDirty: options.allowDirty === true,
        rules: options.rules !== false,
      });
      if (!parsed.success) throw new UsageError(parsed.issues[0]!.message, "see perfloop run --help");
      const { countChildren } = await import("../coordinator/timing.ts");
      const { withFrame } = await import("./long-task.ts");
      const { preflightInFrame, startAndDrive } = await import("./start-run.ts");
      const counting = countChildren(platform);
      const request = {
        target: String(target),
        start: ctx.projectRoot,
        slug: ctx.slug,
        ...parsed.output,
        maxCycles: numberFlag(args, NUMBER_FLAGS.maxCycles),
        plateauPct: numberFlag(args, NUMBER_FLAGS.plateau),
        thresholdPct: numberFlag(args, NUMBER_FLAGS.threshold),
        maxRuns: numberFlag(args, NUMBER_FLAGS.maxRuns),
        runs: numberFlag(args, NUMBER_FLAGS.runs),
        warmup: numberFlag(args, NUMBER_FLAGS.warmup),
        budgetMinutes: numberFlag(args, NUMBER_FLAGS.budget),
        requests: numberFlag(args, NUMBER_FLAGS.requests),
        concurrency: numberFlag(args, NUMBER_FLAGS.concurrency),
        readyTimeoutS: numberFlag(args, NUMBER_FLAGS.readyTimeout),
        allowWrite: rawOptions(args, "allow-write"),
        knobs: rawOptions(args, "knob"),
        tryBranches: rawOptions(args, "try-branch"),
        tryCommits: rawOptions(args, "try-commit"),
        timeoutS: numberFlag(args, NUMBER_FLAGS.timeout),
        agentTimeoutS: numberFlag(args, NUMBER_FLAGS.agentTimeout),
        agentCalls: numberFlag(args, NUMBER_FLAGS.agentCalls),
        reviewers: rawOptions(args, "reviewer"),
        allowRegression: rawOptions(args, "allow-regression"),
      };
      const result = await withFrame(platform, ctx, async (frame) => startAndDrive(frame, counting, ctx, await preflightInFrame(frame, counting.platform, request)));
      setExit(result.code);
    });
}
