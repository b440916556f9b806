/**
 * Hostile cases that try to write where perfloop must not: the person's files (ignored ones
 * too), their git state, and the disk outside the repository, through commands, patches, edits
 * and symlinks. Expected everywhere: the write does not happen; perfloop either refuses the
 * hypothesis (exit 2, one line) or runs it confined to its side tree (exit 0).
 */
import { existsSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { HostileCase } from "./hostile-case.ts";
import { closedForm, hypothesis, newFilePatch, plainNewFilePatch } from "./hostile-world.ts";

const q = (path: string) => `'${path}'`;
const command = (id: string, run: string) => hypothesis(id, { kind: "command", run });
const patch = (id: string, diff: string, extra: object = {}) => hypothesis(id, { kind: "patch", diff }, extra);
/** Refused, or confined so that the write has no effect. */
const CONFINED = "refused (exit 2) or confined to the side tree (exit 0); the person's files, git state and disk unchanged";

export const treeCases: HostileCase[] = [
  // Attacks the person's ignored dependency folder through the side tree's node_modules link.
  { id: "1", attack: "a patch creating the file node_modules/victim (an ignored, linked dependency folder)", expected: CONFINED, exits: [0, 2],
    hypotheses: () => [patch("H1", newFilePatch("node_modules/victim", "pwned"))] },
  // Deletes the person's dependency through the link.
  { id: "2", attack: "a command hypothesis `rm -rf node_modules/victim`", expected: CONFINED, exits: [0, 2],
    hypotheses: () => [command("H2", "rm -rf node_modules/victim")] },
  // Overwrites the person's dependency through the link, as an `npm install` would.
  { id: "3", attack: "a command hypothesis `echo x > node_modules/victim/index.js`", expected: CONFINED, exits: [0, 2],
    hypotheses: () => [command("H3", "echo x > node_modules/victim/index.js")] },
  // Writes the rest of the disk by absolute path.
  { id: "4", attack: "a command hypothesis writing <outside>/pwned by absolute path", expected: CONFINED, exits: [0, 2],
    hypotheses: (w) => [command("H4", `echo pwned > ${q(join(w.outside, "pwned"))}`)] },
  // Leaves the side tree for the person's repository and tags it.
  { id: "5", attack: "a command hypothesis `cd <repo> && git tag x`", expected: CONFINED, exits: [0, 2],
    hypotheses: (w) => [command("H5", `cd ${q(w.repo)} && git tag x`)] },
  // Edits the person's tracked file in their own work tree.
  { id: "6", attack: "a command hypothesis `cd <repo> && echo '// x' >> work.sh`", expected: CONFINED, exits: [0, 2],
    hypotheses: (w) => [command("H6", `cd ${q(w.repo)} && echo '// x' >> work.sh`)] },
  // The person's history through git -C: a commit on their branch.
  { id: "7a", attack: "a command hypothesis `git -C <repo> commit --allow-empty`", expected: CONFINED, exits: [0, 2],
    hypotheses: (w) => [command("H7a", `git -C ${q(w.repo)} -c user.name=x -c user.email=x@x commit -q --allow-empty -m pwned`)] },
  // Moves one of the person's other branches.
  { id: "7b", attack: "a command hypothesis `git -C <repo> branch -f try-fast feature`", expected: CONFINED, exits: [0, 2],
    hypotheses: (w) => [command("H7b", `git -C ${q(w.repo)} branch -f try-fast feature`)] },
  // Moves the person's checked-out branch under them.
  { id: "7c", attack: "a command hypothesis `git -C <repo> update-ref refs/heads/main feature`", expected: CONFINED, exits: [0, 2],
    hypotheses: (w) => [command("H7c", `git -C ${q(w.repo)} update-ref refs/heads/main feature`)] },
  // Rewrites the person's git config (a hook path would run code on their next commit).
  { id: "7d", attack: "a command hypothesis `git -C <repo> config core.hooksPath <outside>`", expected: CONFINED, exits: [0, 2],
    hypotheses: (w) => [command("H7d", `git -C ${q(w.repo)} config core.hooksPath ${q(w.outside)}`)] },
  // A link made by one hypothesis, written through by another.
  { id: "8", attack: "a command hypothesis `ln -s <outside> ext`, then a patch creating ext/pwned", expected: CONFINED, exits: [0, 2],
    hypotheses: (w) => [command("H8a", `ln -s ${q(w.outside)} ext`), patch("H8b", newFilePatch("ext/pwned", "pwned"), { dependencies: ["H8a"] })] },
  // The same with two patches: a symlink lib -> <outside>, then lib/x.
  { id: "9", attack: "a patch adding the symlink lib -> <outside>, another adding lib/x", expected: CONFINED, exits: [0, 2],
    hypotheses: (w) => [patch("H9a", newFilePatch("lib", w.outside, "120000")), patch("H9b", newFilePatch("lib/x", "pwned"))] },
  // perfloop's own folder is the person's committed link to the rest of their disk.
  { id: "10", attack: "a committed `.hex-skills` symlink pointing to <outside>", expected: "refused (exit 2), or perfloop's files kept out of <outside> (exit 0)", exits: [0, 2],
    beforeCommit: (w) => symlinkSync(w.outside, join(w.repo, ".hex-skills")),
    hypotheses: () => [closedForm()] },
  // perfloop's own folder holds the person's committed files.
  { id: "11", attack: "a tracked `.hex-skills/` directory with files (one where perfloop writes its runs)", expected: "the tracked files unchanged; exit 0 or 2", exits: [0, 2],
    tracked: [".hex-skills/notes.md", ".hex-skills/optimization/README.md"],
    beforeCommit: (w) => {
      mkdirSync(join(w.repo, ".hex-skills", "optimization"), { recursive: true });
      for (const path of [".hex-skills/notes.md", ".hex-skills/optimization/README.md"]) writeFileSync(join(w.repo, path), `the person's ${path}\n`);
    },
    hypotheses: () => [closedForm()] },
  // Paths that leave the tree, relative and absolute.
  { id: "27a", attack: "a patch creating ../outside/pwned", expected: "refused at load: exit 2", exits: [2],
    hypotheses: () => [patch("H27a", newFilePatch("../outside/pwned", "pwned"))] },
  { id: "27b", attack: "a plain patch creating <outside>/pwned by absolute path", expected: "refused at load: exit 2", exits: [2],
    hypotheses: (w) => [patch("H27b", plainNewFilePatch(join(w.outside, "pwned"), "pwned"))] },
  // The git directory of the tree.
  { id: "28a", attack: "a patch creating .git/config in the tree", expected: "refused at load: exit 2", exits: [2],
    hypotheses: () => [patch("H28a", newFilePatch(".git/config", "[core]\n\thooksPath = /tmp"))] },
  { id: "28b", attack: "a patch creating the executable .git/hooks/pre-commit", expected: "refused at load: exit 2", exits: [2],
    hypotheses: () => [patch("H28b", newFilePatch(".git/hooks/pre-commit", "#!/bin/sh\necho pwned", "100755"))] },
  // The person's home (HOME is a directory of the case).
  { id: "29", attack: "a command hypothesis writing $HOME/pwned", expected: CONFINED, exits: [0, 2],
    hypotheses: () => [command("H29", 'echo pwned > "$HOME/pwned"')] },
  // The shared temporary directory by absolute path (not the scratch TMPDIR).
  { id: "30", attack: "a command hypothesis writing /tmp/perfloop-hostile-pwned-<unique>", expected: CONFINED + "; the /tmp file does not exist", exits: [0, 2],
    hypotheses: (w) => [command("H30", `echo pwned > /tmp/perfloop-hostile-pwned-${w.mark}`)],
    check: (w) => {
      const path = `/tmp/perfloop-hostile-pwned-${w.mark}`;
      if (!existsSync(path)) return [];
      rmSync(path, { force: true });
      return [`${path} was written`];
    } },
  // An edit of a committed symlink that points outside the repository.
  { id: "32", attack: "an edit change on out.txt, a committed symlink to <outside>/secret.txt", expected: "refused (exit 2) or the link's text edited in the side tree only; <outside> unchanged", exits: [0, 2],
    beforeCommit: (w) => symlinkSync(join(w.outside, "secret.txt"), join(w.repo, "out.txt")),
    hypotheses: () => [hypothesis("H32", { kind: "edit", file: "out.txt", search: "secret", replace: "pwned" })] },
  // A command writing through that committed symlink.
  { id: "32b", attack: "a command hypothesis `echo pwned > out.txt`, out.txt a committed symlink to <outside>/secret.txt", expected: CONFINED, exits: [0, 2],
    beforeCommit: (w) => symlinkSync(join(w.outside, "secret.txt"), join(w.repo, "out.txt")),
    hypotheses: () => [command("H32b", "echo pwned > out.txt")] },
  // Many files: must stay bounded in time.
  { id: "33", attack: "a command hypothesis creating 10,000 files", expected: "ends within 120 s, exit 0 or 2", exits: [0, 2], limitMs: 120_000,
    hypotheses: () => [command("H33", 'mkdir many && i=0 && while [ $i -lt 10000 ]; do : > "many/f$i"; i=$((i + 1)); done')] },
  // Mode bits of the person's files: Landlock confines writes, not chmod, so perfloop checks the
  // repository's permissions, puts them back and stops (docs/safety.md). The same chmod outside
  // the repository is a documented limit, not checked here.
  { id: "A18", attack: "a command hypothesis `chmod 777 <repo>/test.sh`", expected: "the mode put back and the hypothesis refused, or the run stopped (exit 1 or 2)", exits: [1, 2],
    hypotheses: (w) => [command("A18", `chmod 777 ${q(join(w.repo, "test.sh"))}; echo '# x' >> README.md`)] },
  // A hard link from the side tree to the person's ignored secret, written through.
  { id: "A20", attack: "a command hypothesis `ln <repo>/.env e && echo pwned >> e` (a hard link, then a write)", expected: CONFINED, exits: [0, 2],
    hypotheses: (w) => [command("A20", `ln ${q(join(w.repo, ".env"))} e && echo pwned >> e`)] },
  // The person's ignored secret, reached by `..` after the dependency link (the kernel resolves the link first).
  { id: "A21", attack: "a command hypothesis `rm -f node_modules/../.env` (dot-dot through the link)", expected: CONFINED, exits: [0, 2],
    hypotheses: () => [command("A21", "rm -f node_modules/../.env")] },
];
