/**
 * Reading back what `python -m cProfile -o <file>` wrote (cpu-command-python.ts). The `.prof` file
 * is a marshal'd pstats dict, whose format belongs to the Python version that wrote it, so the same
 * interpreter (the person's own words for it, `readerShell`) reads it, with a short pstats script:
 * it writes the functions table (file, line, name, calls, tottime, cumtime, callers) and the
 * interpreter's stdlib and site-packages directories as JSON next to the `.prof` file, which
 * python-profile-parse.ts validates and summarises.
 *
 * The script runs with `-I` (isolated: neither the working directory nor PYTHON* variables on
 * sys.path) in the profile directory, so that a project module named `json.py` or `pstats.py`
 * cannot stand in for the standard library's.
 */
import { readFileSync } from "node:fs";
import { dirname } from "node:path";
import type { Platform } from "../platform/types.ts";
import type { CpuProfileSummary } from "./cpu-profile-parse.ts";
import { shellQuote } from "./cpu-command-words.ts";
import { parsePythonProfile } from "./python-profile-parse.ts";

/** The reader gets this long (pstats on a large profile takes a second or two). */
const PYTHON_READER_TIMEOUT_MS = 60_000;
/** Output kept from the reader, for the reason when it fails. */
const READER_OUTPUT_BYTES = 16 * 1024;

/** Dumps argv[1] (a .prof file) as the table python-profile-parse.ts reads, into argv[2]. */
const PSTATS_TO_JSON = `import json, pstats, sys, sysconfig
stats = pstats.Stats(sys.argv[1]).stats
keys = list(stats)
index = {key: i for i, key in enumerate(keys)}
rows = []
for key in keys:
    cc, nc, tt, ct, callers = stats[key]
    links = [[index[c], t[2], t[3]] for c, t in callers.items() if c in index and isinstance(t, tuple) and len(t) >= 4]
    rows.append([key[0], key[1], key[2], nc, tt, ct, links])
paths = sysconfig.get_paths()
table = {"version": 1, "functions": rows, "stdlib": sorted({paths.get(k) or "" for k in ("stdlib", "platstdlib")}), "site": sorted({paths.get(k) or "" for k in ("purelib", "platlib")})}
with open(sys.argv[2], "w", encoding="utf-8") as out:
    json.dump(table, out, allow_nan=False)
`;

export type PythonRead = { ok: true; profile: CpuProfileSummary } | { ok: false; reason: string };

export interface PythonReadOptions {
  /** The `.prof` file. */
  file: string;
  /** The words that start the command's interpreter (`python3`, `uv run python`, `FOO=1 .venv/bin/python`). */
  readerShell: string;
  /** Where the command ran (cProfile names its script relative to it) and the project root. */
  cwd: string;
  projectRoot: string;
  env: Readonly<Record<string, string | undefined>>;
  top?: number;
}

/** Reads the `.prof` file with the interpreter that wrote it. Never throws. */
export async function readPythonProfile(platform: Platform, options: PythonReadOptions): Promise<PythonRead> {
  const json = `${options.file}.json`;
  const result = await platform.spawn({
    // The person's own words for the interpreter, then quoted arguments (never interpolated raw).
    shell: `${options.readerShell} -I -c ${shellQuote(PSTATS_TO_JSON)} ${shellQuote(options.file)} ${shellQuote(json)}`,
    cwd: dirname(options.file),
    env: options.env,
    timeoutMs: PYTHON_READER_TIMEOUT_MS,
    maxOutputBytes: READER_OUTPUT_BYTES,
  });
  if (result.spawnError || result.exitCode !== 0) {
    const why = result.spawnError ?? (result.timedOut ? `timed out after ${PYTHON_READER_TIMEOUT_MS} ms` : `exit ${result.exitCode ?? result.signal}`);
    const last = result.stderr.trimEnd().split("\n").filter(Boolean).at(-1);
    return { ok: false, reason: `pstats could not read the cProfile file (${why}${last ? `: ${last}` : ""})` };
  }
  try {
    return { ok: true, profile: parsePythonProfile(readFileSync(json, "utf8"), { cwd: options.cwd, projectRoot: options.projectRoot, top: options.top }) };
  } catch (error) {
    return { ok: false, reason: (error as Error).message };
  }
}
