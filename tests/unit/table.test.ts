import assert from "node:assert/strict";
import { test } from "node:test";
import { formatBytes, formatMs, formatNs, formatP, formatRatioPct, formatValue, renderTable } from "../../src/ui/table.ts";

test("renderTable aligns columns: text left, numbers right", () => {
  const text = renderTable(["metric", "median"], [["wall", "12.3 ms"], ["cpu time", "9 ms"]]);
  assert.equal(text, ["metric     median", "--------  -------", "wall      12.3 ms", "cpu time     9 ms"].join("\n"));
});

test("durations keep three significant digits in a fitting unit", () => {
  const cases: Array<[number | null, string]> = [
    [0.84, "840 µs"],
    [12.345, "12.3 ms"],
    [6300, "6.30 s"],
    [125_000, "2.1 min"],
    [null, "-"],
    [Number.NaN, "-"],
  ];
  for (const [ms, text] of cases) assert.equal(formatMs(ms), text, String(ms));
  assert.equal(formatNs(512), "512 ns");
  assert.equal(formatNs(2_500_000), "2.50 ms");
});

test("bytes, values, ratios and p-values", () => {
  assert.equal(formatBytes(512), "512 B");
  assert.equal(formatBytes(100 * 1024 * 1024), "100 MiB");
  assert.equal(formatValue(1234.5, "req/s"), "1235 req/s");
  assert.equal(formatMs(999.7), "1.00 s");
  assert.equal(formatMs(999.4), "999 ms");
  assert.equal(formatValue(42.25, "MB"), "42.3 MiB");
  assert.equal(formatRatioPct(0.8123), "-18.8%");
  assert.equal(formatRatioPct(1.05), "+5.0%");
  assert.equal(formatP(0.00001), "< 0.0001");
  assert.equal(formatP(0.0312), "0.031");
});
