import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { appendLog, formatLogRow, LOG_COLUMNS, type LogRow } from "../../src/execute/experiment-log.ts";
import { removeDir, tempDir } from "../helpers/cli.ts";

const dirs: string[] = [];
after(() => dirs.forEach(removeDir));

const row: LogRow = {
  timestamp: "2026-11-24T12:00:00.000Z",
  phase: "strike",
  hypotheses: ["H1", "H2"],
  baseline_ms: 6300,
  result_ms: 3150.5,
  improvement_pct: 49.992,
  status: "applied",
  commit: "abc123",
  files: ["src/a.ts", "src/b.ts"],
  e2e_status: "skipped",
  ratio: 0.50008,
  ratio_ci: [0.49, 0.51],
  rounds: 20,
  outcome: "faster",
};

test("a row has the contract's ten columns in order, then the ratio, its interval, the rounds and the outcome", () => {
  const cells = formatLogRow(row).split("\t");
  assert.equal(cells.length, LOG_COLUMNS.length);
  assert.deepEqual(cells, ["2026-11-24T12:00:00.000Z", "strike", "H1,H2", "6300.000", "3150.500", "49.99", "applied", "abc123", "src/a.ts,src/b.ts", "skipped", "0.5001", "0.4900", "0.5100", "20", "faster"]);
});

test("tabs and newlines in values cannot break the table; unknown numbers are empty", () => {
  const cells = formatLogRow({ ...row, hypotheses: ["H\t1"], files: ["a\nb"], result_ms: null, improvement_pct: Number.NaN, commit: null, ratio: null, ratio_ci: null, rounds: null }).split("\t");
  assert.equal(cells.length, LOG_COLUMNS.length);
  assert.deepEqual(cells.slice(10, 14), ["", "", "", ""]);
  assert.deepEqual([cells[2], cells[4], cells[5], cells[7], cells[8]], ["H 1", "", "", "", "a b"]);
});

test("the header is written once, rows are appended", () => {
  const dir = tempDir();
  dirs.push(dir);
  const path = join(dir, "slug", "ln-814-log.tsv");
  appendLog(path, [row]);
  appendLog(path, [{ ...row, phase: "bisect", status: "removed" }]);
  const lines = readFileSync(path, "utf8").trimEnd().split("\n");
  assert.equal(lines.length, 3);
  assert.equal(lines[0], LOG_COLUMNS.join("\t"));
  assert.match(lines[2]!, /\tbisect\t.*\tremoved\t/);
});
