/** The test runners built into Bun (`bun test`) and Deno (`deno test`), as each prints a failure. */
import { assertion, indentOf, linesUntil, shortPath, type RunnerReport, type TestFailure } from "./failure.ts";

/**
 * bun test prints each file's path (`math.test.ts:`), then for a failure its code frame and
 * `error: ...` first and its result line `(fail) suite > test [0.34ms]` after them: the error of
 * a test is the one since the previous result line.
 */
export function readBun(lines: readonly string[]): RunnerReport | null {
  const failures: TestFailure[] = [];
  let failed: number | undefined;
  let since = 0;
  let file: string | null = null;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const header = /^(\S+\.[cm]?[jt]sx?):$/.exec(line);
    if (header) file = header[1]!;
    const count = /^\s*(\d+) fail$/.exec(line);
    if (count) failed = Number(count[1]);
    const result = /^\((pass|fail|skip|todo)\) (.+?)(?: \[\d[\d.]*m?s\])?$/.exec(line);
    if (!result) continue;
    if (result[1] === "fail") {
      const error = lines.slice(since, i).findIndex((before) => /^error(: |$)/.test(before));
      const detail = error === -1 ? [] : assertion([lines[since + error]!, ...linesUntil(lines, since + error + 1, (next) => /^\((pass|fail|skip|todo)\) /.test(next))]);
      failures.push({ name: result[2]! + (file ? ` (${file})` : ""), detail });
    }
    since = i + 1;
  }
  if (failures.length === 0) return null;
  return failed === undefined ? { failures } : { failures, failed };
}

/** `name => ./file.ts:10:6` (a step: `parent ... step => ...`). */
const DENO_ENTRY = /^(.+?) => (\S+:\d+:\d+)$/;

/**
 * deno test: the ERRORS section has each failure as `name => ./file.ts:10:6` with its error below
 * it; the listing's `name ... FAILED (4ms)` is the fallback when the section was cut.
 */
export function readDeno(lines: readonly string[]): RunnerReport | null {
  const failures: TestFailure[] = [];
  const summary = lines.map((line) => /^FAILED \|.*\| (\d+) failed/.exec(line)).find(Boolean);
  const errors = lines.findIndex((line) => line.trim() === "ERRORS");
  if (errors !== -1) {
    for (let i = errors + 1; i < lines.length && lines[i]!.trim() !== "FAILURES"; i++) {
      const entry = DENO_ENTRY.exec(lines[i]!);
      if (!entry) continue;
      const body = linesUntil(lines, i + 1, (next) => DENO_ENTRY.test(next) || next.trim() === "FAILURES" || /^\s*\^$/.test(next));
      failures.push({ name: `${entry[1]!.replace(/ \.\.\. /g, " > ")} (${shortPath(entry[2]!)})`, detail: assertion(body) });
    }
  }
  if (failures.length === 0) {
    // The listing: a step is indented under its test, a test that failed by its steps says so.
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      const listed = /^(\s*)(.+?) \.\.\. FAILED( \(due to \d+ failed steps?\))? \(\d[\d.]*m?s\)$/.exec(line);
      if (!listed || listed[3]) continue;
      const parent = lines
        .slice(0, i)
        .reverse()
        .find((before) => indentOf(before) < listed[1]!.length && / \.\.\.$/.test(before));
      failures.push({ name: parent ? `${parent.trim().replace(/ \.\.\.$/, "")} > ${listed[2]}` : listed[2]!, detail: [] });
    }
  }
  if (failures.length === 0) return null;
  return summary ? { failures, failed: Number(summary[1]) } : { failures };
}
