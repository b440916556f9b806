/**
 * The command line: cac wiring only. Each command lives in its own file and registers itself here.
 */
import { cac, type CAC } from "cac";
import type { Platform } from "../platform/index.ts";
import { NAME, VERSION } from "../version.ts";
import { registerBisect } from "./bisect.ts";
import { registerCompare } from "./compare.ts";
import { registerDemo } from "./demo.ts";
import { registerExecute } from "./execute.ts";
import { registerProfile } from "./profile.ts";
import { registerResearch } from "./research.ts";
import { registerReport, registerResume } from "./resume.ts";
import { registerRun } from "./run.ts";
import { registerRuntime } from "./runtime.ts";
import { registerStatus } from "./status.ts";

const EXIT_CODES_HELP = [
  "  0    done (run/resume: the run is DONE; its final_result says how it went)",
  "  1    a failure (run/resume: a phase failed, the run is kept: perfloop resume retries it; runtime verbs: a guard refused; bisect: bad is not slower than good)",
  "  2    bad input or usage (one line on stderr names the problem and the fix)",
  "  3    paused, awaiting a decision (perfloop status shows the question and its choices)",
  "  130  cancelled (Ctrl-C)",
].join("\n");

const RUNTIME_VERBS_HELP = [
  "  start                 --slug S --manifest-file F     start a run (or get the recovery response)",
  "  status                [--slug S | --run-id ID]       the run, its files and the resume action",
  "  checkpoint            --phase P [--payload JSON]     record the current phase's result",
  "  advance               --to P [--resolve]             move through the guards (or leave PAUSED)",
  "  pause                 [--reason R] [--payload JSON]  pause; payload may carry a pending_decision",
  "  complete                                             finish after the report checkpoint",
  "  record-worker-result  --worker W --payload JSON      store a worker's summary",
  "  record-cycle          --payload JSON                 store a cycle record",
].join("\n");

export interface App {
  cli: CAC;
  /** The exit code a command asked for (commands never call process.exit). */
  exitCode(): number;
}

export function buildApp(platform: Platform): App {
  const cli = cac(NAME);
  let code = 0;
  const setExit = (value: number) => {
    code = value;
  };
  cli.option("--json", "Print one JSON document and nothing else");
  cli.option("--yes", "Take the documented default for every question (never wait for a person)");
  cli.option("--project-root <dir>", "The repository to work in (default: the current directory)");
  cli.option("--slug <slug>", "Name of the optimization run (default: derived from the target)");
  cli.option("--no-color", "No colours (also when NO_COLOR is set)");
  cli.option("-v, --version", "Print the version");
  registerRun(cli, platform, setExit);
  registerResume(cli, platform, setExit);
  registerReport(cli, platform);
  registerDemo(cli, platform, setExit);
  registerProfile(cli, platform);
  registerResearch(cli, platform);
  registerCompare(cli, platform);
  registerBisect(cli, platform, setExit);
  registerExecute(cli, platform);
  registerStatus(cli, platform);
  registerRuntime(cli, platform, setExit);
  cli.help((sections) => {
    const out = sections.map((section) => ({ ...section, body: section.body.replaceAll(" (default: true)", "") }));
    out[0] = { body: `${NAME} ${VERSION}: make a command, a function or an endpoint in a git repository faster, through measured, checkpointed, resumable cycles` };
    if (cli.matchedCommandName === "runtime") out.push({ title: "Verbs", body: RUNTIME_VERBS_HELP });
    out.push({ title: "Exit codes", body: EXIT_CODES_HELP });
    return out;
  });
  return { cli, exitCode: () => code };
}
