/**
 * The JavaScript test runners of Node: node:test's `spec` reporter (Node's default on a terminal
 * and in a pipe), jest, vitest and mocha, as each prints a failure by default.
 */
import { assertion, indentOf, isFrame, linesUntil, shortPath, type RunnerReport, type TestFailure } from "./failure.ts";

/** `✖ name (1.23ms)`: a failed test, or the end of a failed suite. */
const NODE_RESULT = /^(\s*)[✖✔] (.+?) \((\d[\d.]*m?s)\)$/;
/** `▶ name`: a suite begins (Node 20 also ends a passing suite with `▶ name (2ms)`). */
const NODE_SUITE = /^(\s*)▶ (.+?)(?: \((\d[\d.]*m?s)\))?$/;

/**
 * node:test's spec reporter: suites open with `▶ name` and close with the same name; a test is a
 * `✖` line whose name does not close a suite, its error indented below it. The "failing tests:"
 * section at the end repeats each one after `test at file:line:col`, which names its file.
 */
export function readNodeSpec(lines: readonly string[]): RunnerReport | null {
  const failures = new Map<string, TestFailure & { path: string[]; at: string | null }>();
  const suites: { indent: number; name: string }[] = [];
  let failed: number | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const count = /^ℹ fail (\d+)$/.exec(line);
    if (count) failed = Number(count[1]);
    const suite = NODE_SUITE.exec(line);
    if (suite) {
      const indent = suite[1]!.length;
      while (suites.length > 0 && suites[suites.length - 1]!.indent >= indent) suites.pop();
      if (!suite[3]) suites.push({ indent, name: suite[2]! });
      continue;
    }
    const result = NODE_RESULT.exec(line);
    if (!result) continue;
    const indent = result[1]!.length;
    const name = result[2]!;
    while (suites.length > 0 && suites[suites.length - 1]!.indent > indent) suites.pop();
    const top = suites[suites.length - 1];
    if (top?.indent === indent && top.name === name) {
      suites.pop();
      continue;
    }
    if (line.trimStart().startsWith("✔")) continue;
    const at = /^test at (.+)$/.exec(lines[i - 1]?.trim() ?? "")?.[1] ?? null;
    const seen = failures.get(name);
    if (seen) {
      seen.at ??= at;
      continue;
    }
    const body = linesUntil(lines, i + 1, (next) => next.trim() !== "" && indentOf(next) <= indent);
    failures.set(name, { name, detail: assertion(body), path: suites.map((s) => s.name), at });
  }
  if (failures.size === 0) return null;
  const named = [...failures.values()].map((f) => ({ name: [...f.path, f.name].join(" > ") + (f.at ? ` (${shortPath(f.at)})` : ""), detail: f.detail }));
  return failed === undefined ? { failures: named } : { failures: named, failed };
}

/**
 * jest: each failure is a block `● suite › test` with the matcher's message below it, after the
 * `FAIL path` line of its file; the listing's `✕ test` is the fallback when the blocks were cut.
 */
export function readJest(lines: readonly string[]): RunnerReport | null {
  const failures: TestFailure[] = [];
  let file: string | null = null;
  let failed: number | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const header = /^FAIL (\S+)/.exec(line);
    if (header) file = shortPath(header[1]!);
    const count = /^Tests:\s+(\d+) failed/.exec(line);
    if (count) failed = Number(count[1]);
    const bullet = /^\s*● (.+)$/.exec(line);
    if (!bullet || /^Console$/.test(bullet[1]!)) continue;
    const body = linesUntil(lines, i + 1, (next) => /^\s*● /.test(next));
    failures.push({ name: bullet[1]! + (file ? ` (${file})` : ""), detail: assertion(body) });
  }
  if (failures.length === 0) {
    for (const line of lines) {
      const cross = /^\s*✕ (.+?)(?: \(\d+ m?s\))?$/.exec(line);
      if (cross) failures.push({ name: cross[1]!, detail: [] });
    }
  }
  if (failures.length === 0) return null;
  return failed === undefined ? { failures } : { failures, failed };
}

/**
 * vitest: the "Failed Tests" section has ` FAIL  file > suite > test` with the error below it (or
 * ` FAIL  file [ file ]` when a file could not run); the listing's `× test` is the fallback.
 */
export function readVitest(lines: readonly string[]): RunnerReport | null {
  const failures: TestFailure[] = [];
  let failed: number | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const count = /^\s*Tests\s+(\d+) failed/.exec(line);
    if (count) failed = Number(count[1]);
    const fail = /^\s*FAIL\s+(.+? > .+|\S+ \[ .+ \])$/.exec(line);
    if (!fail) continue;
    const body = linesUntil(lines, i + 1, (next) => /^\s*(FAIL\s|❯ \S+:\d+)/.test(next) || /⎯{3}/.test(next));
    failures.push({ name: fail[1]!.replace(/ \[ .+ \]$/, ""), detail: assertion(body) });
  }
  if (failures.length === 0) {
    for (const line of lines) {
      const cross = /^\s*× (.+?)(?: \d+m?s)?$/.exec(line);
      if (cross) failures.push({ name: cross[1]!, detail: [] });
    }
  }
  if (failures.length === 0) return null;
  return failed === undefined ? { failures } : { failures, failed };
}

/**
 * mocha's spec reporter: after `N failing`, each failure is `1) suite` with the rest of its title
 * indented on the lines below, the last one ending with ":", then the error.
 */
export function readMocha(lines: readonly string[]): RunnerReport | null {
  const start = lines.findIndex((line) => /^\s*\d+ failing$/.test(line));
  if (start === -1) return null;
  const failed = Number(/(\d+)/.exec(lines[start]!)![1]);
  const failures: TestFailure[] = [];
  for (let i = start + 1; i < lines.length; i++) {
    const entry = /^(\s*)\d+\) (.+)$/.exec(lines[i]!);
    if (!entry) continue;
    const title = [entry[2]!];
    while (!title[title.length - 1]!.endsWith(":") && i + 1 < lines.length && indentOf(lines[i + 1]!) > entry[1]!.length && lines[i + 1]!.trim() !== "") title.push(lines[++i]!.trim());
    const body = linesUntil(lines, i + 1, (next) => /^\s*\d+\) /.test(next) || isFrame(next));
    failures.push({ name: title.join(" > ").replace(/:$/, ""), detail: assertion(body) });
  }
  return failures.length === 0 ? null : { failures, failed };
}
