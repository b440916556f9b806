/**
 * A handful of the corpus again through the whole loop (`perfloop run ... --yes --max-cycles 1
 * --runs 3`): preflight, profile, validation and the report meet the same hostile hypotheses.
 * Under --yes a hypothesis that does not apply is a NO_GO, which pauses (exit 3); the harness
 * then cancels it, and the cancel must end the run (exit 0).
 */
import type { HostileCase } from "./hostile-case.ts";
import { hypothesis } from "./hostile-world.ts";
import { processCases } from "./hostile-cases-process.ts";
import { treeCases } from "./hostile-cases-tree.ts";

/** The case `id` of `list`, driven by `perfloop run` as case `R<id>`. */
function viaRun(list: readonly HostileCase[], id: string, overrides: Partial<HostileCase> = {}): HostileCase {
  const c = list.find((x) => x.id === id);
  if (!c) throw new Error(`no hostile case ${id}`);
  return { ...c, id: `R${id}`, attack: `${c.attack} (perfloop run)`, command: "run", limitMs: Math.max(c.limitMs ?? 0, 90_000), ...overrides };
}

const PAUSABLE = { exits: [0, 2, 3], expected: "refused (2), paused as NO_GO and cancelled (3), or confined (0); the person's files, git state and disk unchanged" };

export const loopCases: HostileCase[] = [
  // Deletes the person's dependency through the link, in validation's scratch tree.
  viaRun(treeCases, "2", PAUSABLE),
  // Writes the rest of the disk by absolute path.
  viaRun(treeCases, "4", PAUSABLE),
  // perfloop's runtime (runs, checkpoints, history) would land in <outside> through the committed link.
  viaRun(treeCases, "10"),
  // The measured target hangs: the profile phase does not run it (the base), the executor does.
  viaRun(processCases, "12", { limitMs: 75_000 }),
  // The measured target fails: removed with a reason in the run report, the run goes on.
  viaRun(processCases, "15"),
  // The faked gain through the base tree.
  viaRun(processCases, "31"),
  // A buggy hypothesis (an edit whose text is not in the file): the NO_GO pause and its cancel.
  { id: "A25", attack: "an edit whose search text is not in work.sh (perfloop run)", expected: "NO_GO: paused (exit 3); resume --decide cancel ends the run (exit 0)", exits: [3], command: "run",
    hypotheses: () => [hypothesis("A25", { kind: "edit", file: "work.sh", search: "while [ $j -lt $n ]", replace: "while [ $j -le $n ]" })] },
];
