/**
 * TAP (testanything.org, versions 13 and 14): node:test's `tap` reporter, node-tap, tape and any
 * script that prints `ok` / `not ok` lines. A failing test point is `not ok N - description`;
 * subtests are indented under `# Subtest: name`, and a parent fails when a child does, so only the
 * innermost failure is the test. Its YAML block (`---` ... `...`) holds the assertion: `error:`
 * (node:test), `diff:` or `found:`/`wanted:` (node-tap), `message:` (others).
 */
import { assertion, shortPath, type RunnerReport, type TestFailure } from "./failure.ts";

/** `not ok 2 - name # directive` (number, dash and name optional; "not ok: ..." is prose, not TAP). */
const POINT = /^(\s*)(not )?ok(?:$|\s+\d+\b|\s+-\s)\s*(?:-\s+)?(.*)$/;
const SUBTEST = /^(\s*)# Subtest: (.*)$/;
/** `# fail 2` (node:test, tape), `# { total: 3, pass: 1, fail: 2 }` (node-tap). */
const SUMMARY = [/^#\s*fail\s+(\d+)$/, /^#\s*\{.*\bfail: (\d+)/];
/** A comment that names a test (tape), not a count or a directive of the runner. */
const TEST_COMMENT = /^# (?!Subtest: |(tests|suites|pass|fail|cancelled|skipped|todo|ok|time|duration_ms)\b|\{)\S/;
/** What node:test records on a suite whose children failed (`failureType: 'subtestsFailed'`). */
const PARENT_ERROR = /^\d+ subtests? failed$/;

interface Open {
  indent: number;
  name: string;
  /** A test point inside it failed: its own `not ok` only repeats that. */
  failed: boolean;
}

export function readTap(lines: readonly string[]): RunnerReport | null {
  const failures: TestFailure[] = [];
  const open: Open[] = [];
  let failed: number | undefined;
  /** tape names a test in a comment line above its assertions. */
  let comment: string | null = null;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const subtest = SUBTEST.exec(line);
    if (subtest) {
      closeDeeper(open, subtest[1]!.length - 1);
      open.push({ indent: subtest[1]!.length, name: subtest[2]!.trim(), failed: false });
      continue;
    }
    const point = POINT.exec(line);
    if (!point) {
      const count = SUMMARY.map((re) => re.exec(line.trim())).find(Boolean);
      if (count) failed = Number(count[1]);
      else if (TEST_COMMENT.test(line)) comment = line.slice(2).trim();
      continue;
    }
    const indent = point[1]!.length;
    closeDeeper(open, indent);
    const own = open[open.length - 1]?.indent === indent ? open.pop() : undefined;
    if (!point[2]) continue;
    const [, description = "", directive = ""] = /^(.*?)(?:\s+#\s*(.*))?$/.exec(point[3]!.trim())!;
    if (/^(skip|todo)\b/i.test(directive)) continue;
    const yaml = yamlAfter(lines, i);
    const error = yaml.get("error") ?? yaml.get("message");
    if (own?.failed || (error?.length === 1 && PARENT_ERROR.test(error[0]!))) continue;
    for (const parent of open) parent.failed = true;
    const path = open.map((parent) => parent.name);
    const location = yaml.get("location")?.[0];
    const where = location ? ` (${shortPath(location)})` : "";
    // A point with its own `# Subtest:` (node:test), or plain TAP, is the test. A point inside a
    // subtest without one (node-tap), or under a comment naming a test (tape), is an assertion of it.
    const owner = own ? null : path.length > 0 ? path.join(" > ") : comment;
    if (owner === null) failures.push({ name: [...path, description].join(" > ") + where, detail: detailOf(yaml) });
    else failures.push({ name: owner + where, detail: [description, ...detailOf(yaml)].filter(Boolean) });
  }
  if (failures.length === 0) return null;
  return failed === undefined ? { failures } : { failures, failed };
}

function closeDeeper(open: Open[], indent: number): void {
  while (open.length > 0 && open[open.length - 1]!.indent > indent) open.pop();
}

/** The assertion of a YAML block: its error message, or the one-line diff as "expected X, got Y". */
function detailOf(yaml: Map<string, string[]>): string[] {
  const error = yaml.get("error") ?? yaml.get("message");
  if (error) return assertion(error);
  const diff = yaml.get("diff")?.map((line) => line.trim());
  if (diff) {
    const wanted = diff.filter((line) => /^-(?!--)/.test(line));
    const got = diff.filter((line) => /^\+(?!\+\+)/.test(line));
    if (wanted.length === 1 && got.length === 1) return [`expected ${wanted[0]!.slice(1).trim()}, got ${got[0]!.slice(1).trim()}`];
    return assertion(diff);
  }
  // node-tap's older `wanted`/`found`, tape's `expected`/`actual`.
  const wanted = yaml.get("wanted") ?? yaml.get("expected");
  const found = yaml.get("found") ?? yaml.get("actual");
  return wanted && found ? [`expected ${wanted.join(" ").trim()}, got ${found.join(" ").trim()}`] : [];
}

/**
 * The top-level keys of the YAML block right after line `at`, each with its value's lines: one
 * unquoted line for a scalar, the indented lines below it for a block (`|-`) or a nested map.
 */
function yamlAfter(lines: readonly string[], at: number): Map<string, string[]> {
  const keys = new Map<string, string[]>();
  if (lines[at + 1]?.trim() !== "---") return keys;
  // The keys' indentation is the first key's: node:test and node-tap put them under `---`, tape deeper.
  const first = lines.slice(at + 2).find((line) => line.trim() !== "") ?? "";
  const indent = first.length - first.trimStart().length;
  let current: string[] | null = null;
  for (let i = at + 2; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === "...") break;
    const deeper = line.trim() === "" || line.length - line.trimStart().length > indent;
    if (deeper) {
      current?.push(line.trim() === "" ? "" : line);
      continue;
    }
    const entry = /^\s*([\w-]+):\s*(.*)$/.exec(line);
    if (!entry) break;
    current = [];
    keys.set(entry[1]!, current);
    const value = entry[2]!.trim();
    if (value !== "" && !/^[|>][-+\d]*$/.test(value)) current.push(unquote(value));
  }
  return keys;
}

function unquote(value: string): string {
  if (/^'.*'$/.test(value)) return value.slice(1, -1).replace(/''/g, "'");
  if (/^".*"$/.test(value)) return value.slice(1, -1).replace(/\\"/g, '"');
  return value;
}
