/**
 * Reads the `perfloop demo --json` results of run.sh and prints each run's timing and the medians:
 * total wall time, time in the person's commands, perfloop's own time and its share.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { median } from "../../src/measure/index.ts";

const dir = process.argv[2] ?? ".";
interface Timing {
  total_ms: number;
  commands_ms: number;
  commands: number;
  own_ms: number;
  own_pct: number;
}
/** Each run's accounting, with the total replaced by the process's wall time measured by run.sh. */
const rows = readdirSync(dir)
  .filter((name) => name.startsWith("demo-") && name.endsWith(".json"))
  .map((name) => {
    const run = JSON.parse(readFileSync(join(dir, name), "utf8")) as { final_result: string; timing: Timing };
    const total = Number(readFileSync(join(dir, name.replace(/\.json$/, ".wall-us")), "utf8")) / 1000;
    const own = Math.max(0, total - run.timing.commands_ms);
    return { final_result: run.final_result, timing: { ...run.timing, total_ms: total, own_ms: own, own_pct: (own / total) * 100 } };
  });
const fmt = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const lines = ["| run | result | total | in commands | commands run | perfloop's own | own share |", "|---:|---|---:|---:|---:|---:|---:|"];
rows.forEach((row, i) => {
  const t = row.timing;
  lines.push(`| ${i + 1} | ${row.final_result} | ${fmt(t.total_ms)} | ${fmt(t.commands_ms)} | ${t.commands} | ${fmt(t.own_ms)} | ${t.own_pct.toFixed(1)}% |`);
});
const m = (pick: (t: Timing) => number) => median(rows.map((row) => pick(row.timing)));
lines.push(`| median | | ${fmt(m((t) => t.total_ms))} | ${fmt(m((t) => t.commands_ms))} | ${m((t) => t.commands)} | ${fmt(m((t) => t.own_ms))} | ${m((t) => t.own_pct).toFixed(1)}% |`);
lines.push("", `Goal: perfloop's own share under 5% (median ${m((t) => t.own_pct).toFixed(1)}%: ${m((t) => t.own_pct) < 5 ? "met" : "MISSED"}).`);
process.stdout.write(`${lines.join("\n")}\n`);
