/**
 * What a bisect measures (docs/bisect.md): a command, a function (fn:<file>#<export>) or an
 * endpoint whose server perfloop starts from each commit's side tree (--serve). From the
 * checkpoint's options, the runner of one round (src/execute/target-runners.ts) and the target's
 * arguments, to name another bisect of it.
 */
import { UsageError } from "../errors.ts";
import { endpointSpecOf } from "../coordinator/target-runner.ts";
import { endpointRunner } from "../execute/endpoint-runner.ts";
import { commandRunner, functionRunner, type TargetRunner } from "../execute/target-runners.ts";
import type { BisectOptions } from "./state.ts";

/**
 * How a round of the bisect's target runs (src/execute/target-runners.ts), and what a reason calls
 * it. A checkpoint from before functions and endpoints could be bisected holds a command only.
 */
export function runnerOf(options: Pick<BisectOptions, "command" | "target_spec" | "serve">): { runner: TargetRunner; noun: string } {
  const spec = options.target_spec ?? { kind: "command", command: options.command };
  if (spec.kind === "command") return { runner: commandRunner(spec.command), noun: "the command" };
  if (spec.kind === "function") return { runner: functionRunner({ file: spec.file, exportName: spec.export_name, args: spec.args }), noun: "the function" };
  const endpoint = endpointSpecOf({ target_spec: spec, serve: options.serve ?? null });
  if (!endpoint) throw new UsageError("perfloop bisect needs --serve for an endpoint", 'pass the command that starts your server on $PORT, e.g. --serve "node server.js"');
  return { runner: endpointRunner(endpoint), noun: "the server" };
}

/** The target and its defining flags, as `perfloop bisect` takes them (the person's own spelling of the target). */
export function targetArgs(options: Pick<BisectOptions, "command" | "target_spec" | "serve">): string[] {
  const spec = options.target_spec;
  const args = [options.command];
  if (spec?.kind === "function" && spec.args.length > 0) args.push("--args", JSON.stringify(spec.args));
  if (spec?.kind === "endpoint") {
    if (options.serve) {
      args.push("--serve", options.serve.command);
      if (options.serve.ready_path !== null) args.push("--ready-path", options.serve.ready_path);
      args.push("--ready-timeout", String(options.serve.ready_timeout_s));
    }
    args.push("--requests", String(spec.requests), "--concurrency", String(spec.concurrency));
    if (spec.method !== "GET") args.push("--method", spec.method);
    if (spec.body !== undefined) args.push("--body", spec.body);
  }
  return args;
}
