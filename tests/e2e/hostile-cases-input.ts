/**
 * Hostile input: hypotheses files and flags perfloop must refuse before anything is written
 * (exit 2, one `perfloop: ...` line, no run on disk), in bounded time and memory, and changes
 * that reach the person's repository through the environment or a ref name.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { type HostileCase, SLUG } from "./hostile-case.ts";
import { closedForm, hypothesis, newFilePatch, sh, TARGET, TEST } from "./hostile-world.ts";

const env = (id: string, set: Record<string, string>) => hypothesis(id, { kind: "env", set });
const REFUSED = "refused at load: exit 2, one line, nothing written";
/** `perfloop execute` with the case's (valid) hypotheses file and the given flags in place of the standard ones. */
const executeWith = (file: string, flags: string[]) => ["execute", TARGET, "--hypotheses", file, "--test", TEST, "--json", "--max-runs", "10", ...flags];

/** A patch creating a file of about `bytes` bytes (lines of 100). */
function bigPatch(bytes: number): string {
  const lines = Math.ceil(bytes / 101);
  const line = `+${"x".repeat(99)}\n`;
  return `diff --git a/big.txt b/big.txt\nnew file mode 100644\n--- /dev/null\n+++ b/big.txt\n@@ -0,0 +1,${lines} @@\n${line.repeat(lines)}`;
}

export const inputCases: HostileCase[] = [
  // A binary patch, as `git diff --binary` writes it (docs: binary patches are not understood).
  { id: "17", attack: "a `git diff --binary` patch adding a binary file", expected: REFUSED, exits: [2],
    hypotheses: (w) => {
      const diff = sh(w, "git clone -q repo gen && cd gen && printf '\\000\\001\\002\\377\\376' > blob.bin && git add blob.bin && git diff --cached --binary");
      return [hypothesis("H17", { kind: "patch", diff })];
    } },
  // An input limit: a 50 MB patch.
  { id: "18", attack: "a 50 MB inline patch", expected: REFUSED + " (an input limit), quickly", exits: [2],
    hypotheses: () => [hypothesis("H18", { kind: "patch", diff: bigPatch(50 * 1024 * 1024) })] },
  // A NUL byte cannot be passed in an environment.
  { id: "19", attack: "an env knob whose value holds a NUL byte", expected: REFUSED, exits: [2],
    hypotheses: () => [env("H19", { PERFLOOP_KNOB: "a\u0000b" })] },
  // An input limit: a 3 MB environment value (execve gives E2BIG).
  { id: "20", attack: "an env knob of 3 MB", expected: REFUSED, exits: [2],
    hypotheses: () => [env("H20", { PERFLOOP_KNOB: "x".repeat(3 * 1024 * 1024) })] },
  // The environment points git at the person's repository; the tests tag it.
  { id: "21", attack: "an env knob GIT_DIR=<repo>/.git, with tests that run `git tag y`", expected: "refused at load (exit 2), or no tag in the person's repository (exit 0)", exits: [0, 2],
    hypotheses: (w) => [env("H21", { GIT_DIR: join(w.repo, ".git") })],
    test: () => "git tag y 2>/dev/null; sh test.sh" },
  // A FIFO never ends (no writer): reading it must not wait forever.
  { id: "22", attack: "--hypotheses pointing at a FIFO", expected: REFUSED + " within 5 s", exits: [2], limitMs: 15_000,
    hypotheses: (w) => (sh(w, "mkfifo hyp/fifo.json"), join(w.hyp, "fifo.json")),
    check: (_w, ran) => (ran.ms > 5000 ? [`took ${ran.ms} ms (more than 5 s)`] : []) },
  { id: "23", attack: "--hypotheses pointing at a directory", expected: REFUSED, exits: [2],
    hypotheses: (w) => (mkdirSync(join(w.hyp, "dir.json")), join(w.hyp, "dir.json")) },
  { id: "24", attack: "--slug of 300 characters", expected: REFUSED, exits: [2],
    hypotheses: () => [closedForm()], argv: (_w, file) => executeWith(file, ["--slug", "a".repeat(300)]) },
  { id: "25", attack: "--slug 'ĥé' (not a ref-safe name)", expected: REFUSED, exits: [2],
    hypotheses: () => [closedForm()], argv: (_w, file) => executeWith(file, ["--slug", "ĥé"]) },
  { id: "26", attack: "perfloop run --max-cycles 99999999999999999999", expected: REFUSED, exits: [2], command: "run",
    hypotheses: () => [closedForm()],
    argv: (_w, file) => ["run", TARGET, "--test", TEST, "--hypotheses", file, "--yes", "--json", "--max-cycles", "99999999999999999999", "--runs", "3", "--max-runs", "10", "--slug", SLUG] },
  // An env knob that undoes perfloop's GIT_CEILING_DIRECTORIES, with tests that tag.
  { id: "A23", attack: "an env knob GIT_CEILING_DIRECTORIES=/nonexistent, with tests that run `git tag z`", expected: "no tag in the person's repository (exit 0), or refused (exit 2)", exits: [0, 2],
    hypotheses: () => [env("A23", { GIT_CEILING_DIRECTORIES: "/nonexistent" })],
    test: () => "git tag z 2>/dev/null; sh test.sh" },
  // A patch file outside the repository.
  { id: "A24", attack: "a patch change whose path is ../outside/secret.txt", expected: REFUSED, exits: [2],
    hypotheses: () => [hypothesis("A24", { kind: "patch", path: "../outside/secret.txt" })] },
  // A branch change whose ref climbs out of .git/refs.
  { id: "A1", attack: "a branch change naming the ref ../../etc", expected: REFUSED, exits: [2],
    hypotheses: () => [hypothesis("A1", { kind: "branch", ref: "../../etc" })] },
  // A ref that reads as an option.
  { id: "A2", attack: "a branch change naming the ref --output=<outside>/pwned", expected: REFUSED, exits: [2],
    hypotheses: (w) => [hypothesis("A2", { kind: "branch", ref: `--output=${join(w.outside, "pwned")}` })] },
  // An id that would be a path in refs/perfloop/<slug>/<n>-<id>.
  { id: "A3", attack: "a hypothesis id ../../x (ids become ref names)", expected: REFUSED, exits: [2],
    hypotheses: () => [hypothesis("../../x", { kind: "env", set: { K: "1" } })] },
  { id: "A3b", attack: "a hypothesis id with a newline and a terminal escape", expected: REFUSED, exits: [2],
    hypotheses: () => [hypothesis("H\n\u001b[2Jx", { kind: "env", set: { K: "1" } })] },
  { id: "A4", attack: "a hypotheses file with duplicate ids", expected: REFUSED, exits: [2],
    hypotheses: () => [closedForm("D"), closedForm("D")] },
  // A huge number of hypotheses: must be refused by a limit or finish in bounded time.
  { id: "A5", attack: "2,000 env hypotheses, each a different variable", expected: "refused by a limit (exit 2) or done within 90 s (exit 0)", exits: [0, 2], limitMs: 90_000,
    hypotheses: () => Array.from({ length: 2000 }, (_, i) => env(`K${i}`, { [`PERFLOOP_K${i}`]: "1" })) },
  // JSON nested 200,000 deep (a parser's stack).
  { id: "A6", attack: "a hypotheses file nested 200,000 arrays deep", expected: REFUSED, exits: [2],
    hypotheses: (w) => {
      const path = join(w.hyp, "deep.json");
      sh(w, `awk 'BEGIN { printf "{\\"version\\":1,\\"hypotheses\\":"; for (i = 0; i < 200000; i++) printf "["; for (i = 0; i < 200000; i++) printf "]"; printf "}" }' > ${path}`);
      return path;
    } },
  // A patch hiding a file creation in .git behind a directory that has a dot-dot.
  { id: "A19", attack: "a patch creating src/../.git/hooks/post-checkout", expected: REFUSED, exits: [2],
    hypotheses: () => [hypothesis("A19", { kind: "patch", diff: newFilePatch("src/../.git/hooks/post-checkout", "#!/bin/sh\necho pwned", "100755") })] },
];
