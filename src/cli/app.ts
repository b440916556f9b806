/**
 * The command line: cac wiring only. Each command lives in its own file and registers itself here.
 */
import { cac, type CAC } from "cac";
import type { Platform } from "../platform/index.ts";
import { NAME } from "../version.ts";
import { registerRuntime } from "./runtime.ts";
import { registerStatus } from "./status.ts";

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
  registerStatus(cli, platform);
  registerRuntime(cli, platform, setExit);
  cli.help();
  return { cli, exitCode: () => code };
}
