// The line that keeps .hex-skills/ out of `git status` (src/runtime/git-exclude.ts): added once,
// after what is there, and not again when an equivalent line exists.
import assert from "node:assert/strict";
import { test } from "node:test";
import { excludeAddition } from "../../src/runtime/git-exclude.ts";

const ADDED = "# perfloop's own files (never committed)\n.hex-skills/\n";

const cases: { name: string; text: string; expected: string | null }[] = [
  { name: "an empty file", text: "", expected: ADDED },
  { name: "git's template (comments only)", text: "# git ls-files --others --exclude-from=.git/info/exclude\n# *~\n", expected: ADDED },
  { name: "a last line without its newline", text: "*.tmp", expected: `\n${ADDED}` },
  { name: "CRLF lines without the pattern", text: "*.tmp\r\n", expected: ADDED },
  { name: "already there", text: "*.tmp\n.hex-skills/\n", expected: null },
  { name: "without the slash", text: ".hex-skills\n", expected: null },
  { name: "anchored", text: "/.hex-skills/\n", expected: null },
  { name: "with spaces around", text: "  .hex-skills/  \r\n", expected: null },
  { name: "a longer name is another pattern", text: ".hex-skills-old/\n", expected: ADDED },
  { name: "a negation is another pattern", text: "!.hex-skills/\n", expected: ADDED },
];

for (const c of cases) test(c.name, () => assert.equal(excludeAddition(c.text), c.expected));
