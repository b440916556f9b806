/**
 * `perfloop runtime <verb>`: a drop-in for the original optimization runtime CLI. Output goes out
 * exactly as the original prints it (contract §1): success on stdout as indented JSON; hard and
 * result failures as one JSON line on stderr, exit 2; guard and start failures on stdout, exit 1.
 */
import { resolve } from "node:path";
import type { CAC } from "cac";
import type { Platform } from "../platform/index.ts";
import { lockDeps } from "../runtime/lock.ts";
import { RuntimeService, type Outcome } from "../runtime/commands.ts";
import { runtimeSlugProblem } from "../runtime/slug.ts";
import { rawOption } from "./raw-args.ts";

export const RUNTIME_FLAGS = [
  ["--run-id <id>", "Run to act on (default: the slug's active run, or the only one)"],
  ["--phase <phase>", "checkpoint: the phase, e.g. PHASE_2_PROFILE"],
  ["--to <phase>", "advance: the phase to move to"],
  ["--payload <json>", "checkpoint, record-worker-result, record-cycle, pause: a JSON object"],
  ["--payload-file <path>", "Like --payload, read from a file (wins over --payload)"],
  ["--manifest-file <path>", "start: the run manifest (JSON)"],
  ["--reason <text>", "pause: why (default \"Paused\")"],
  ["--resolve", "advance: leave PAUSED for the phase that paused (or its successor, guarded)"],
  ["--worker <name>", "record-worker-result: the worker, e.g. ln-811"],
  ["--choice <choice>", "advance --resolve: the answer to the pending decision (one of its choices)"],
] as const;

export function exitCodeOf(outcome: Outcome): number {
  switch (outcome.style) {
    case "success":
      return 0;
    case "guard":
    case "start":
      return outcome.body.ok === false ? 1 : 0;
    default:
      return 2;
  }
}

export function printOutcome(platform: Platform, outcome: Outcome): number {
  if (outcome.style === "hard" || outcome.style === "result") {
    platform.writeStderr(`${JSON.stringify(outcome.body)}\n`);
  } else {
    platform.writeStdout(`${JSON.stringify(outcome.body, null, 2)}\n`);
  }
  return exitCodeOf(outcome);
}

export function registerRuntime(cli: CAC, platform: Platform, setExit: (code: number) => void): void {
  const command = cli
    .command("runtime [verb] [...ignored]", "Low-level runtime for coding agents: start|status|checkpoint|advance|pause|complete|record-worker-result|record-cycle")
    .usage("runtime <verb> [flags]   (JSON out; see docs/runtime.md)");
  for (const [flag, description] of RUNTIME_FLAGS) command.option(flag, description);
  command.action((verb: string | undefined, _ignored: unknown, options: Record<string, unknown>) => {
    const args = platform.args;
    // The contract's safe() stays (a drop-in), but a slug too long to name the run's files is
    // refused here, before the lock or any file: `{"ok":false,"error":...}` on stderr, exit 2.
    const slug = rawOption(args, "slug");
    const tooLong = slug === undefined ? null : runtimeSlugProblem(slug);
    if (tooLong !== null) {
      setExit(printOutcome(platform, { style: "hard", body: { ok: false, error: tooLong } }));
      return;
    }
    const service = new RuntimeService(
      {
        projectRoot: resolve(platform.cwd, rawOption(args, "project-root") ?? "."),
        cwd: platform.cwd,
        runId: rawOption(args, "run-id"),
        slug,
        phase: rawOption(args, "phase"),
        to: rawOption(args, "to"),
        payload: rawOption(args, "payload"),
        payloadFile: rawOption(args, "payload-file"),
        manifestFile: rawOption(args, "manifest-file"),
        reason: rawOption(args, "reason"),
        resolve: options.resolve === true,
        worker: rawOption(args, "worker"),
        choice: rawOption(args, "choice"),
      },
      lockDeps(platform),
    );
    setExit(printOutcome(platform, service.run(verb ?? "")));
  });
}
