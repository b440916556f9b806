/**
 * Plain-text tables and number formatting for people. Pure: rows in, text out.
 */
export type Align = "left" | "right";

/** Column widths from the widest cell; numbers right-aligned by default. */
export function renderTable(headers: readonly string[], rows: readonly (readonly string[])[], align: readonly Align[] = []): string {
  const widths = headers.map((header, column) => Math.max(header.length, ...rows.map((row) => (row[column] ?? "").length)));
  const cell = (text: string, column: number) =>
    (align[column] ?? (column === 0 ? "left" : "right")) === "left" ? text.padEnd(widths[column]!) : text.padStart(widths[column]!);
  const line = (cells: readonly string[]) => cells.map((text, column) => cell(text, column)).join("  ").trimEnd();
  return [line(headers), line(widths.map((width) => "-".repeat(width))), ...rows.map(line)].join("\n");
}

/** Three significant digits without exponent notation: 0.0123, 12.3, 999, 1235. */
export function sig3(value: number): string {
  return Math.abs(value) >= 999.5 ? String(Math.round(value)) : value.toPrecision(3);
}

/** A duration in the unit that keeps 3 significant digits: 840 µs, 12.3 ms, 6.30 s. */
export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return "-";
  const abs = Math.abs(ms);
  if (abs < 0.9995) return `${sig3(ms * 1000)} µs`;
  if (abs < 999.5) return `${sig3(ms)} ms`;
  if (abs < 59_950) return `${sig3(ms / 1000)} s`;
  return `${(ms / 60_000).toFixed(1)} min`;
}

/** Nanoseconds, for function benchmarks. */
export function formatNs(ns: number | null | undefined): string {
  if (ns === null || ns === undefined || !Number.isFinite(ns)) return "-";
  if (Math.abs(ns) < 999.5) return `${sig3(ns)} ns`;
  return formatMs(ns / 1e6);
}

export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return "-";
  const units = ["B", "KiB", "MiB", "GiB"];
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${sig3(value)} ${units[unit]}`;
}

/** A metric value in its unit. */
export function formatValue(value: number | null | undefined, unit: string): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "-";
  switch (unit) {
    case "ms":
      return formatMs(value);
    case "ns":
      return formatNs(value);
    case "MB":
    case "MiB":
      return `${sig3(value)} MiB`;
    case "bytes":
    case "B":
      return formatBytes(value);
    case "req/s":
      return `${sig3(value)} req/s`;
    default:
      return `${Number(value.toPrecision(4))} ${unit}`.trim();
  }
}

/** 0.8123 -> "-18.8%"; the sign says which way the ratio moved. */
export function formatRatioPct(ratio: number): string {
  const pct = (ratio - 1) * 100;
  return `${pct >= 0 ? "+" : ""}${pct.toFixed(1)}%`;
}

/** p-values: "< 0.0001" below the table's precision. */
export function formatP(p: number): string {
  if (!Number.isFinite(p)) return "-";
  return p < 0.0001 ? "< 0.0001" : p.toPrecision(2);
}
