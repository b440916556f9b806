/**
 * How a Python command is run once with the standard library's deterministic profiler, cProfile
 * (docs/profile-rules.md, "CPU profile command"): what `python -m cProfile -o <file>` does, spliced
 * into the person's command line before the script or the `-m <module>` it runs, so that the
 * interpreter, its flags, the environment assignments and the arguments stay as written and the
 * program sees the same `sys.argv`. cProfile (Python 3.7+) takes a script or `-m <module>`.
 *
 * Not `-m cProfile` itself: that puts the working directory first on sys.path before cProfile
 * imports `profile`, `pstats` and `optparse`, so a project file named `profile.py` would be run in
 * their place. CPROFILE_BOOTSTRAP (`-c`) takes the working directory off sys.path while it imports
 * cProfile and what its `main()` imports, puts it back, and calls `cProfile.main()` on the same arguments (it then adds the
 * script's directory to sys.path itself, as `-m cProfile` does).
 *
 *  - `python`, `python3`, `python3.12`, `/path/to/python3`, a venv's `bin/python`: interpreter
 *    flags (`-O`, `-u`, `-X opt`, `-W arg`, …) are skipped; then a script that is a file in the
 *    working directory, or `-m <module>`.
 *  - `uv run python …` and `poetry run python …`: the same, after `run` (the tool's environment
 *    is kept; the file is read back with the same words).
 *  - No profile: `python -c …` (code on the command line, which cProfile does not take), `python -`
 *    or no script (stdin, a REPL), a script that is not a file, `-m` inside a group of flags
 *    (`-um mod`: write `-u -m mod`), `uv run <file>` and other uv/poetry commands.
 * The `.prof` file is read back with the same interpreter (the marshal format is per version):
 * `readerShell` is the command's own words up to the interpreter (assignments included).
 */
import { join, resolve } from "node:path";
import { isFile } from "./cpu-command-files.ts";
import { commandName, type Segment, shellQuote, type Word } from "./cpu-command-words.ts";

/** The interpreter names taken for Python. */
export const PYTHON_NAME = /^python(?:\d+(?:\.\d+)*)?$/;
/** Interpreter flags whose value follows (attached, `-Xdev`, or as the next word). */
const VALUE_FLAGS = new Set(["W", "X"]);
/** `python -c` this, then cProfile's own arguments: `python -m cProfile` without the working directory on sys.path while cProfile is imported. */
export const CPROFILE_BOOTSTRAP = `import sys
cwd = sys.path[:1] == [""] and sys.path.pop(0) == ""
import cProfile, optparse, pstats, runpy
if cwd: sys.path.insert(0, "")
cProfile.main()`;
/** The file cProfile writes, in the profile directory. */
const CPROFILE_FILE = "perfloop-cprofile.prof";

export interface PythonPlan {
  /** The command line to run. */
  shell: string;
  /** The `.prof` file it writes. */
  file: string;
  /** The command's words up to its interpreter, to read the file back with (`FOO=1 .venv/bin/python`). */
  readerShell: string;
  note: string | null;
}

export type PythonDecision = { plan: PythonPlan; reason: null } | { plan: null; reason: string };

function none(reason: string): PythonDecision {
  return { plan: null, reason };
}

/** The index of the Python interpreter word of a `uv run python …` / `poetry run python …`, else null. */
export function runnerPython(segment: Segment): number | null {
  const words = segment.words;
  const tool = commandName((words[0] as Word).value);
  if ((tool !== "uv" && tool !== "poetry") || words[1]?.value !== "run") return null;
  const next = words[2];
  return next && PYTHON_NAME.test(commandName(next.value)) ? 2 : null;
}

/**
 * Plans `segment` (the only simple command of `command`) whose word `at` is the Python
 * interpreter. `cwd` is where the script is looked up; the profile goes into `profileDir`.
 */
export function planPython(command: string, segment: Segment, at: number, cwd: string, profileDir: string): PythonDecision {
  const words = segment.words;
  const interpreter = words[at] as Word;
  let index = at + 1;
  let target: { word: Word; kind: "script" | "module" } | null = null;
  while (index < words.length) {
    const word = words[index] as Word;
    const value = word.value;
    if (value === "-") return none(`\`${interpreter.value} -\` reads the program from stdin, which cProfile cannot profile`);
    if (value === "--") {
      index++;
      break;
    }
    if (value === "-m") {
      if (!words[index + 1]) return none(`\`${interpreter.value} -m\` without a module`);
      target = { word, kind: "module" };
      break;
    }
    if (value.startsWith("--")) {
      if (value === "--version" || value === "--help") return none(`\`${interpreter.value} ${value}\` runs no program`);
      index += value === "--check-hash-based-pycs" ? 2 : 1;
      continue;
    }
    if (value.startsWith("-")) {
      // A group of one-letter flags; from `-W` or `-X` on, the rest (or the next word) is its value.
      const flags = value.slice(1);
      const valueAt = [...flags].findIndex((flag) => VALUE_FLAGS.has(flag));
      const singles = valueAt === -1 ? flags : flags.slice(0, valueAt);
      if (singles.includes("c")) return none(`\`${interpreter.value} -c\` runs code from the command line, which cProfile cannot profile; put it in a file`);
      if (singles.includes("m")) return none(`\`${value}\`: write \`-m <module>\` as its own word for cProfile`);
      if (/[hV]/.test(singles)) return none(`\`${interpreter.value} ${value}\` runs no program`);
      index += valueAt !== -1 && valueAt === flags.length - 1 ? 2 : 1;
      continue;
    }
    target = { word, kind: "script" };
    break;
  }
  // After `--` the next word is the script; cProfile's own options go before the `--`.
  const dashes = words[index - 1]?.value === "--" ? (words[index - 1] as Word) : null;
  if (!target && dashes && words[index]) target = { word: words[index] as Word, kind: "script" };
  if (!target) return none(`\`${interpreter.value}\` without a script starts a REPL`);
  if (target.kind === "script" && !isFile(resolve(cwd, target.word.value))) {
    return none(`\`${target.word.value}\` is not a file in the working directory: no script for cProfile to run`);
  }
  const file = join(profileDir, CPROFILE_FILE);
  const at0 = (dashes ?? target.word).start;
  const shell = `${command.slice(0, at0)}-c ${shellQuote(CPROFILE_BOOTSTRAP)} -o ${shellQuote(file)} ${command.slice(at0)}`;
  const first = segment.assignments[0] ?? (words[0] as Word);
  return { plan: { shell, file, readerShell: command.slice(first.start, interpreter.end), note: "run under cProfile, Python's deterministic profiler: every call is timed, which slows call-heavy code more than the rest" }, reason: null };
}
