/**
 * The experiment log read back (`ln-814-log.tsv`, execute/experiment-log.ts writes it): one
 * comparison per row, for the run review. The columns are found by the header line; a row that
 * does not read (a torn line, a log of an older perfloop) is left out rather than failing the
 * report: the log is a side record, the run's checkpoints are the truth. Pure: text in, rows out.
 */
import * as v from "valibot";
import { LOG_COLUMNS } from "../execute/experiment-log.ts";

const number = v.pipe(v.string(), v.transform((text) => (text === "" ? null : Number(text))), v.nullable(v.pipe(v.number(), v.finite())));

const RowSchema = v.object({
  timestamp: v.pipe(v.string(), v.isoTimestamp()),
  phase: v.string(),
  hypotheses: v.pipe(v.string(), v.transform((text) => (text === "" ? [] : text.split(",")))),
  ratio: number,
  rounds: number,
  outcome: v.string(),
});
export type LogEntry = v.InferOutput<typeof RowSchema>;

/** Every row of the log that reads, in order. */
export function parseExperimentLog(text: string): LogEntry[] {
  const [header, ...lines] = text.split("\n");
  const columns = (header ?? "").split("\t");
  if (!LOG_COLUMNS.every((name) => columns.includes(name))) return [];
  const rows: LogEntry[] = [];
  for (const line of lines) {
    if (line.trim() === "") continue;
    const cells = line.split("\t");
    const parsed = v.safeParse(RowSchema, Object.fromEntries(columns.map((name, index) => [name, cells[index] ?? ""])));
    if (parsed.success) rows.push(parsed.output);
  }
  return rows;
}
