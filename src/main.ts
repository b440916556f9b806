/**
 * perfloop's entry point and its only exit. It builds the platform, runs the matched command, and
 * maps every error to an exit code: 0 done, 1 failure, 2 bad input or usage, 3 paused awaiting a
 * decision, 130 cancelled. Bad input never shows a stack trace, nor does a full disk or a read-only file
 * (any Node fs error whose code is in runtime/write-error.ts's IO_ERRORS: one line, exit 2).
 */
import process from "node:process";
import { buildApp } from "./cli/app.ts";
import { typedOptionNames } from "./cli/raw-args.ts";
import { ExitCode, PerfloopError, UsageError } from "./errors.ts";
import { detectPlatform, type Platform, quietForMeasuring, SPAWNER_COMMAND } from "./platform/index.ts";
import { BENCH_FN_COMMAND, serveBenchFn } from "./profile/bench-fn.ts";
import { ioErrorOf } from "./runtime/write-error.ts";
import { NAME, VERSION } from "./version.ts";

const KNOWN_GLOBAL = new Set(["json", "yes", "project-root", "slug", "no-color", "color", "version", "v", "help", "h"]);

function fail(platform: Platform, message: string, hint: string | undefined, jsonStyle: boolean, hintInJson = false): void {
  if (jsonStyle) platform.writeStderr(`${JSON.stringify({ ok: false, error: message, ...(hintInJson && hint ? { hint } : {}) })}\n`);
  else platform.writeStderr(`perfloop: ${message}${hint ? ` (${hint})` : ""}\n`);
}

/** cac names an unknown option in camelCase (`--resolveAll`); name it as it was typed. */
function asTyped(message: string, args: readonly string[]): string {
  return message.replace(/`--?([^`]+)`/, (whole, name: string) => {
    const typed = typedOptionNames(args).find((option) => option.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase()) === name);
    return typed ? `\`${typed.length > 1 ? "--" : "-"}${typed}\`` : whole;
  });
}

/**
 * `--target -40%` and `--plateau -1`: a value that starts with "-" and a digit would read as short
 * flags to cac; give it to the flag before it (`--target=-40%`). rawOption reads such values
 * from the original arguments as they are.
 */
function negativeValuesJoined(args: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const next = args[i + 1];
    if (arg === "--") {
      out.push(...args.slice(i));
      break;
    }
    if (/^--[a-z][a-z0-9-]*$/.test(arg) && next !== undefined && /^-[\d.]/.test(next)) {
      out.push(`${arg}=${next}`);
      i++;
    } else out.push(arg);
  }
  return out;
}

export async function main(platform: Platform): Promise<number> {
  const args = platform.args;
  // perfloop's own resident spawner (src/platform/spawner-server.ts), never typed by a person.
  if (args[0] === SPAWNER_COMMAND) return await platform.serveSpawner(args.slice(1));
  // One round of a function target in a process of its own (src/profile/bench-fn.ts), never typed by a person.
  if (args[0] === BENCH_FN_COMMAND) return await serveBenchFn(args.slice(1), (text) => platform.writeStdout(text));
  const { cli, exitCode } = buildApp(platform);
  const runtimeVerb = args[0] === "runtime";
  const jsonStyle = runtimeVerb || args.includes("--json");
  try {
    cli.parse(["perfloop", NAME, ...negativeValuesJoined(args)], { run: false });
    const matched = cli.matchedCommand;
    if (!matched) {
      if (cli.options.help) return ExitCode.ok;
      if (cli.options.version) {
        platform.writeStdout(`${NAME} ${VERSION}\n`);
        return ExitCode.ok;
      }
      const unknown = typedOptionNames(args).find((name) => !KNOWN_GLOBAL.has(name));
      if (unknown) throw new UsageError(`Unknown option \`--${unknown}\``, "run `perfloop --help` for the options");
      if (cli.args.length > 0) {
        throw new UsageError(`Unknown command \`${cli.args[0]}\``, "run `perfloop --help` for the commands");
      }
      cli.outputHelp();
      return ExitCode.ok;
    }
    if (cli.options.help) return ExitCode.ok;
    await cli.runMatchedCommand();
    return exitCode();
  } catch (error) {
    // A full disk, a read-only file, a missing permission (runtime/write-error.ts): one line, exit 2.
    const io = ioErrorOf(error, { cwd: platform.cwd });
    if (io) {
      fail(platform, io.message, io.hint, jsonStyle, true);
      return io.exitCode;
    }
    if (error instanceof PerfloopError) {
      fail(platform, error.message, error.hint, jsonStyle);
      return error.exitCode;
    }
    if (error instanceof Error && error.name === "CACError" && error.message.startsWith("Unused args") && !runtimeVerb) {
      const command = args.find((arg) => !arg.startsWith("-")) ?? "profile";
      fail(platform, `too many arguments: ${error.message.replace("Unused args: ", "")}`, `quote a command with spaces as one argument, e.g. perfloop ${command} "sleep 0.1"`, jsonStyle);
      return ExitCode.usage;
    }
    if (error instanceof Error && error.name === "CACError") {
      fail(platform, asTyped(error.message, args), runtimeVerb ? undefined : "run `perfloop --help` for the usage", jsonStyle);
      return ExitCode.usage;
    }
    const message = error instanceof Error ? error.message : String(error);
    fail(platform, `internal error: ${message}`, "this is a bug in perfloop; please report it with the command you ran", jsonStyle);
    if (platform.env.PERFLOOP_DEBUG) platform.writeStderr(`${(error as Error)?.stack ?? ""}\n`);
    return ExitCode.failure;
  }
}

const platform = detectPlatform();
quietForMeasuring(platform);
const code = await main(platform);
process.exitCode = code;
process.exit(code);
