/**
 * The reason recorded when a command fails, in one line: for a test runner, which test failed and
 * how ("math > multiplies (math.test.mjs:11:3) failed: Expected values to be strictly equal:
 * 7 !== 12 (and 1 more)"); for anything else, its first lines that look like an error.
 *
 * The runners recognised (src/execute/test-output/): TAP (node:test's tap reporter, node-tap,
 * tape), node:test's spec reporter, jest, vitest, mocha, bun test, deno test, pytest, go test and
 * cargo test. Each reader claims only output it recognises; the first that does gives the gist.
 */
import { readBun, readDeno } from "./test-output/bun-deno.ts";
import { isFrame, joinDetail, type RunnerReader, type RunnerReport } from "./test-output/failure.ts";
import { readJest, readMocha, readNodeSpec, readVitest } from "./test-output/js-runners.ts";
import { readCargo, readGo, readPytest } from "./test-output/native-runners.ts";
import { readTap } from "./test-output/tap.ts";

/** A gist is one line of at most this many characters. */
const GIST_CHARS = 200;
/** A test's name takes at most this much of it, so that its assertion shows too. */
const NAME_CHARS = 100;
/** cargo before deno: both list `name ... FAILED`, only cargo's listing starts with `test `. */
const READERS: readonly RunnerReader[] = [readTap, readNodeSpec, readJest, readVitest, readMocha, readBun, readCargo, readDeno, readPytest, readGo];

/** Colours and cursor moves (CSI), and links and titles (OSC): Deno and vitest colour even a pipe. */
const ANSI = /\u001b\[[0-9;?]*[ -\/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)/g;

export function failureGist(output: string): string {
  // A line a progress bar rewrote with `\r` is what it showed last.
  const lines = output
    .replace(ANSI, "")
    .split("\n")
    .map((line) => line.trimEnd())
    .map((line) => line.slice(line.lastIndexOf("\r") + 1));
  for (const read of READERS) {
    const report = read(lines);
    if (report) return gistOf(report);
  }
  return errorGist(lines);
}

/** The first failing test, and how many more failed (by the runner's count when it gives one). */
function gistOf(report: RunnerReport): string {
  const names = [...new Set(report.failures.map((f) => f.name))];
  const first = report.failures[0]!;
  const more = Math.max(names.length, report.failed ?? 0) - 1;
  const suffix = more > 0 ? ` (and ${more} more)` : "";
  const name = cut(first.name, NAME_CHARS);
  const text = first.detail.length > 0 ? `${name} failed: ${joinDetail(first.detail)}` : `${name} failed`;
  return cut(text, GIST_CHARS - suffix.length) + suffix;
}

/** Error lines first (an `...Error:` line, then anything naming a failure), else the last lines. */
function errorGist(lines: readonly string[]): string {
  const telling = lines.map((line) => line.trim()).filter((line) => line !== "" && line !== "…" && !/^Node\.js v\d/.test(line) && !isFrame(line));
  const at = [/^[A-Za-z.]*(Error|Exception)\b/, /[A-Za-z]*(Error|Exception)\b|\bFAIL|\bpanic|\bnot ok\b/, /error|assert|fail|expected/i]
    .map((re) => telling.findIndex((line) => re.test(line)))
    .find((i) => i !== -1);
  if (at === undefined) return cut(telling.slice(-2).join(" | ") || "no output", GIST_CHARS);
  // "AssertionError: Expected values to be strictly equal:" says what, the next line says which.
  const headline = telling[at]!.endsWith(":") && at + 1 < telling.length ? `${telling[at]} ${telling[at + 1]}` : telling[at]!;
  return cut(headline, GIST_CHARS);
}

function cut(text: string, chars: number): string {
  return text.length <= chars ? text : `${text.slice(0, chars - 1)}…`;
}
