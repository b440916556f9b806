/**
 * Which TargetRunner measures a run's target in the side trees (src/execute/target-runners.ts,
 * docs/run.md "Functions and endpoints"): a command's is the executor's default; a function's runs
 * its export in a `__bench-fn` process per round; an endpoint's starts the person's server from each
 * side tree (`--serve`). An endpoint perfloop did not start cannot be changed by it: no runner.
 */
import { isAbsolute, join, relative } from "node:path";
import { UsageError } from "../errors.ts";
import { endpointRunner, type EndpointTargetSpec } from "../execute/endpoint-runner.ts";
import { functionRunner, type TargetRunner } from "../execute/target-runners.ts";
import type { RunOptions } from "./run-options.ts";

export type RunnerChoice = { kind: "command" } | { kind: "runner"; runner: TargetRunner } | { kind: "unservable"; reason: string };

/** Why an endpoint without --serve is measured but not changed (the execute phase says it, once). */
export const UNSERVED_ENDPOINT = "perfloop cannot apply changes to a server it did not start: it measured the endpoint as it runs, and changed nothing";
export const UNSERVED_HINT = 'pass --serve "<command that starts the server on $PORT>" so that perfloop starts it from each side tree (docs/run.md)';

/**
 * The runner for `options`' target in a repository at `repoDir`. A function's file is named
 * relative to the side tree's working directory (the person's place in the repository); one
 * outside the repository cannot be changed by a run, and is refused.
 */
export function targetRunnerOf(options: Pick<RunOptions, "target_spec" | "subdir" | "serve">, repoDir: string): RunnerChoice {
  const spec = options.target_spec;
  if (spec.kind === "command") return { kind: "command" };
  if (spec.kind === "function") return { kind: "runner", runner: functionRunner({ file: functionFileIn(spec.file, repoDir, options.subdir), exportName: spec.export_name, args: spec.args }) };
  const endpoint = endpointSpecOf(options);
  return endpoint ? { kind: "runner", runner: endpointRunner(endpoint) } : { kind: "unservable", reason: UNSERVED_ENDPOINT };
}

/** How perfloop starts and loads the run's endpoint (`--serve` and the request flags); null without --serve. */
export function endpointSpecOf(options: Pick<RunOptions, "target_spec" | "serve">): EndpointTargetSpec | null {
  const spec = options.target_spec;
  if (spec.kind !== "endpoint" || !options.serve) return null;
  return {
    url: spec.url,
    serve: options.serve.command,
    readyPath: options.serve.ready_path,
    readyTimeoutMs: options.serve.ready_timeout_s * 1000,
    requests: spec.requests,
    concurrency: spec.concurrency,
    method: spec.method,
    ...(spec.body === undefined ? {} : { body: spec.body }),
  };
}

/** The function's file relative to `repoDir`/`subdir`; refused when it lies outside the repository. */
export function functionFileIn(file: string, repoDir: string, subdir: string): string {
  const inRepo = relative(repoDir, file);
  if (!inRepo || inRepo.startsWith("..") || isAbsolute(inRepo)) {
    throw new UsageError(`the function's file ${file} is outside the repository`, "perfloop changes files of the repository only: target a function whose file is in it, or use --mode plan_only");
  }
  return relative(join(repoDir, subdir), file).split("\\").join("/");
}
