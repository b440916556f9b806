/**
 * The tail of a command's output that perfloop keeps for its messages (Workspace.run), with the
 * lines further up that name its failing tests.
 *
 * Of each stream perfloop captures at most its last 64 KiB, and a message quotes the last 40
 * lines. A runner that names the failing test first and then prints a long summary or coverage
 * table (tap's coverage report, jest --coverage, pytest-cov) pushes that name out of both. So the
 * spawn asks for FAILURE_MARKS (`SpawnRequest.keepLines`, src/platform/marked-lines.ts): every
 * line is looked at as it streams by, where it is read, and a line that marks a failure
 * (`not ok`, `✖`, `●`, `--- FAIL:`, `(fail)`, ...) is kept with the few lines before it, the lines
 * after it and the suite lines it sits in (`# Subtest:`, `▶`). Keeping the head of the output
 * instead would miss a failure printed after many passing tests. Looking at the lines where they
 * are read costs about 0.2 µs a line (5 MB of 6-byte lines through a spawner: 225 ms against
 * 30 ms, medians of 5); handing every line to perfloop through the spawner's pipe
 * (`onOutputLine`) cost 5 µs a line (4.5 s).
 *
 * Memory is bounded whatever the output's size: at most RUNNER_LINES + ERROR_LINES kept lines of
 * at most 400 characters (src/platform/marked-lines.ts).
 */
import type { KeptLines, LineMarks, OutputStreamName, SpawnResult } from "../../platform/index.ts";

/** Kept lines for the windows a runner's failure marker opens: the first few failures, with their assertions. */
const RUNNER_LINES = 160;
/** Kept lines for the windows a line that only looks like an error opens (a logged error must not use up the runner's room). */
const ERROR_LINES = 40;

/** How the runners of src/execute/test-output/ mark a failure. */
const RUNNER_MARKERS = [
  /^\s*not ok\b/, // TAP
  /^\s*[✖✕×●] /, // node:test spec, jest, vitest
  /^\s*(--- )?FAIL\b|\bFAILED\b|^\(fail\) /, // jest, vitest, go; pytest, cargo, deno; bun
  /^\s*\d+ failing$|^\s*\d+\) /, // mocha
  /^_{3,} .+ _{3,}$|^E\s/, // pytest
  /^---- .+ stdout ----$| panicked at /, // cargo
  /=> \S+:\d+:\d+$|^\s*ERRORS\s*$|^test at /, // deno, node:test spec
];

export const FAILURE_MARKS: LineMarks = {
  marks: [
    { pattern: RUNNER_MARKERS.map((re) => re.source).join("|"), maxLines: RUNNER_LINES },
    { pattern: /(Error|Exception)\b|\b([Ee]rror|ERROR)\b|\b[Pp]anic|\b[Aa]ssert|\b[Ee]xpected\b/.source, maxLines: ERROR_LINES },
  ],
  // TAP's `# Subtest:`, node:test's `▶`, bun's file header: the suite a failure belongs to.
  scope: /^\s*# Subtest: |^\s*▶ |^\S+\.[cm]?[jt]sx?:$/.source,
  // bun prints a failure's error above its `(fail)` line; node-tap's YAML block has its diff some 20 lines below `not ok`.
  before: 8,
  after: 24,
};

/**
 * The last `lines` lines of the captured stdout, then stderr (blank lines at their ends left
 * out), after the kept lines further up that they do not hold, with `…` where lines were left out.
 */
export function tailWithFailures(result: Pick<SpawnResult, "stdout" | "stderr" | "keptLines">, lines: number): string {
  const [out, err] = [textLines(result.stdout), textLines(result.stderr)];
  const fromErr = err.slice(-lines);
  const fromOut = out.slice(out.length - (lines - fromErr.length));
  const above = result.keptLines ? outside(result.keptLines, { stdout: fromOut.length, stderr: fromErr.length }) : [];
  return [...above, ...(above.length > 0 ? ["…"] : []), ...fromOut, ...fromErr].join("\n").trim();
}

/** The kept lines a tail holding the last `inTail[stream]` lines (up to each stream's last text) does not. */
function outside(kept: KeptLines, inTail: Record<OutputStreamName, number>): string[] {
  const lines = kept.lines.filter((l) => !(l.index <= kept.lastText[l.stream] && l.index > kept.lastText[l.stream] - inTail[l.stream]));
  const out: string[] = [];
  lines.forEach((line, i) => {
    if (i > 0 && line.seq !== lines[i - 1]!.seq + 1) out.push("…");
    out.push(line.text);
  });
  return out;
}

/** A stream's captured text as lines, without the blank lines at its end. */
function textLines(text: string): string[] {
  const trimmed = text.trimEnd();
  return trimmed === "" ? [] : trimmed.split("\n");
}
