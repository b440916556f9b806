/**
 * Where a run's report lives on disk. Every run's report is kept by its run id, in
 * `.hex-skills/optimization/<slug>/runs/<run_id>/report.{json,md,html}`, and the newest run's is also
 * at the usual place, `<slug>/report.{json,md,html}`: a second run of a slug replaces that copy and
 * nothing else. A report written before this layout (at the usual place only) is copied into its
 * run's directory first, so it is not lost either.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import * as v from "valibot";
import { readTextIfExists, writeFileAtomic, writeJsonAtomic } from "../runtime/atomic-fs.ts";
import { assertRunId, runtimePaths, slugDir } from "../runtime/paths.ts";
import type { RunReport } from "../report/run-report.ts";

export interface ReportPaths {
  json: string;
  md: string;
  html: string;
}

const inDir = (dir: string): ReportPaths => ({ json: join(dir, "report.json"), md: join(dir, "report.md"), html: join(dir, "report.html") });

/** The newest run's report: `<slug>/report.{json,md,html}`. */
export function reportPaths(projectRoot: string, slug: string): ReportPaths {
  return inDir(slugDir(runtimePaths(projectRoot), slug));
}

/** One run's report, kept: `<slug>/runs/<run_id>/report.{json,md,html}`. */
export function archivedReportPaths(projectRoot: string, slug: string, runId: string): ReportPaths {
  return inDir(join(slugDir(runtimePaths(projectRoot), slug), "runs", assertRunId(runId)));
}

const ReportRunId = v.object({ run_id: v.string() });

/** The run id a report file's text names; null when it is damaged or names no valid run id. */
function runIdOf(text: string | null): string | null {
  if (text === null) return null;
  try {
    const parsed = v.safeParse(ReportRunId, JSON.parse(text));
    return parsed.success ? assertRunId(parsed.output.run_id) : null;
  } catch {
    return null;
  }
}

/** A report at the usual place that belongs to another run and has no kept copy yet: copied into its run's directory. */
function keepEarlier(projectRoot: string, slug: string, runId: string, pid: number): void {
  const current = reportPaths(projectRoot, slug);
  const json = readTextIfExists(current.json);
  const earlier = runIdOf(json);
  if (json === null || earlier === null || earlier === runId) return;
  const kept = archivedReportPaths(projectRoot, slug, earlier);
  if (existsSync(kept.json)) return;
  const md = readTextIfExists(current.md);
  if (md !== null) writeFileAtomic(kept.md, md, pid);
  const html = readTextIfExists(current.html);
  if (html !== null) writeFileAtomic(kept.html, html, pid);
  writeFileAtomic(kept.json, json, pid);
}

/** Writes the report of `report.run_id` (report.md's and, when given, report.html's text): its kept copy, then the usual place (each file atomically). */
export function writeReportFiles(projectRoot: string, report: Pick<RunReport, "slug" | "run_id">, markdown: string, pid: number, html?: string): void {
  keepEarlier(projectRoot, report.slug, report.run_id, pid);
  for (const paths of [archivedReportPaths(projectRoot, report.slug, report.run_id), reportPaths(projectRoot, report.slug)]) {
    writeJsonAtomic(paths.json, report, pid);
    writeFileAtomic(paths.md, markdown, pid);
    if (html !== undefined) writeFileAtomic(paths.html, html, pid);
  }
}

/** The report.json written for this run: its kept copy, else the usual place when that one is this run's; null when there is none. */
export function reportFileOf(projectRoot: string, slug: string, runId: string): string | null {
  const kept = archivedReportPaths(projectRoot, slug, runId).json;
  if (existsSync(kept)) return kept;
  const current = reportPaths(projectRoot, slug).json;
  return runIdOf(readTextIfExists(current)) === runId ? current : null;
}

/** The report.html written for this run: at the usual place when that one is this run's, else its kept copy; null when there is none. */
export function reportHtmlOf(projectRoot: string, slug: string, runId: string): string | null {
  const current = reportPaths(projectRoot, slug);
  if (existsSync(current.html) && runIdOf(readTextIfExists(current.json)) === runId) return current.html;
  const kept = archivedReportPaths(projectRoot, slug, runId).html;
  return existsSync(kept) ? kept : null;
}
