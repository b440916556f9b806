/**
 * What every reader of a test runner's output shares: the failing test it finds, and the shaping
 * of a failure's assertion lines into a few short words. Pure text handling.
 */

/** One failing test as its runner reported it. */
export interface TestFailure {
  /** The test's name with its suite path, and its file or package when the runner prints them. */
  name: string;
  /** The first lines of what failed (the assertion), tidied; may be empty. */
  detail: string[];
}

/** What a runner's output says: its failing tests in order, and how many failed when its summary says. */
export interface RunnerReport {
  failures: TestFailure[];
  /** The count of failed tests in the runner's summary line, when it has one. */
  failed?: number;
}

/** Reads one runner's output (ANSI-free lines, ends trimmed); null when it is not that runner's. */
export type RunnerReader = (lines: readonly string[]) => RunnerReport | null;

/** At most this many lines of a failure's assertion make its detail. */
const DETAIL_LINES = 4;

export function indentOf(line: string): number {
  return line.length - line.trimStart().length;
}

/** A stack frame (`at f (file:1:2)`) or a code frame (`  9 | expect(...)`, `> 9 |`, ` 11| `). */
export function isFrame(line: string): boolean {
  return /^\s*at\s/.test(line) || /^\s*>?\s*\d*\s*\|/.test(line);
}

/** The lines after `from` until `stop` holds (or a frame, or `limit` lines): the candidates for a detail. */
export function linesUntil(lines: readonly string[], from: number, stop: (line: string) => boolean, limit = 30): string[] {
  const taken: string[] = [];
  for (let i = from; i < lines.length && taken.length < limit; i++) {
    const line = lines[i]!;
    if (stop(line) || isFrame(line)) break;
    taken.push(line);
  }
  return taken;
}

/** A matcher hint (`expect(received).toBe(expected)`) says nothing the lines after it do not. */
const MATCHER_HINT = /^expect\(.*\)\.\w+\(.*\)$/;
/** Lines that only frame a diff: legends, braces, carets, `@@` hunks. */
const NOISE = [/^[\s{}[\]()^~,;|.:…-]*$/, /^(Object|Array) [{[]$/, /^[-+]\s*(Expected|Received|actual|expected)\b[\s\d+-]*(- (actual|expected))?$/i, /^(-{3}|\+{3}) (expected|actual)$/, /^@@ .* @@$/];

/** One line, short and plain: no error prefix that says nothing, no matcher comment, single spaces. */
export function tidy(line: string): string {
  return line
    .trim()
    .replace(/^error:\s+/, "")
    .replace(/^(Uncaught (\(in promise\) )?)?AssertionError( \[ERR_ASSERTION\])?:\s*/, "")
    .replace(/\s+\/\/ [\w. ]*equality$/, "")
    .replace(/,$/, "")
    .replace(/\s+/g, " ");
}

/**
 * The telling lines of an assertion: the first line, and the lines it calls for. A line ending
 * with ":" ("Expected values to be strictly equal:") takes the next; "Expected: 12" takes its
 * "Received: 7"; a diff line (`- 12`) takes its counterpart (`+ 7`).
 */
export function assertion(candidates: readonly string[]): string[] {
  const lines = candidates.map(tidy).filter((line) => line !== "" && !NOISE.some((re) => re.test(line)));
  if (lines.length > 1 && MATCHER_HINT.test(lines[0]!)) lines.shift();
  const taken = lines.slice(0, 1);
  for (const next of lines.slice(1)) {
    const last = taken[taken.length - 1]!;
    const calls = last.endsWith(":") || (/^Expected\b/.test(last) && /^Received\b/.test(next)) || (/^[-+] /.test(last) && /^[-+] /.test(next) && last[0] !== next[0]);
    if (!calls || taken.length >= DETAIL_LINES) break;
    taken.push(next);
  }
  return taken;
}

/** A detail's lines as one: "equal: 7 !== 12" after a colon, else ", " between lines. */
export function joinDetail(detail: readonly string[]): string {
  return detail.reduce((text, line) => (text === "" ? line : `${text}${text.endsWith(":") ? " " : ", "}${line}`), "");
}

/** A test file's path without `file://`, `./` or the directories of an absolute path: a name that stays short. */
export function shortPath(path: string): string {
  return path.replace(/^file:\/\//, "").replace(/^\.\//, "").replace(/^\/.*\//, "");
}
