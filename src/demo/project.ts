/**
 * The demo project `perfloop demo` writes into a temporary git repository: a word counter that is
 * slow for a real, findable reason (Array#includes in a loop: quadratic; the CPU profile and the
 * source scan both point at it, and the built-in rules write the fix themselves), its tests, a
 * benchmark, and a hypotheses file with a change that is faster only because it computes
 * something else (the tests catch it) and one that changes nothing. Kept as text here so that the
 * compiled binary carries it (no files to ship beside it).
 */

/** Words in the benchmark's text: about 180 ms with Bun 1.4 on a 2-vCPU EPYC VM; ~10x less once fixed. */
export const DEMO_WORDS = 8_000;

export const DEMO_FILES: Readonly<Record<string, string>> = {
  "README.md": `# perfloop demo: a slow word counter

\`words.js\` counts the distinct words of a text. It is slow on purpose: \`seen.includes(word)\`
walks the whole list of words seen so far for every word, so the work grows with the square of
the text's length.

- \`bench.js\` counts the words of a ${DEMO_WORDS.toLocaleString("en-US")}-word text (the command perfloop makes faster);
- \`test.js\` checks the results (the tests every change must pass);
- \`hypotheses.json\` lists two changes to try: one that would make the benchmark faster by
  changing what it computes (the tests catch it), and one that changes nothing.

perfloop finds the fix by itself: its built-in rules read the function the CPU profile names,
see the membership scan in the loop, check that the list is only ever pushed to, and write a
patch that keeps a Set beside it. It keeps only what passes the tests and is measurably faster,
on the branch \`perfloop/demo\`.
`,
  "package.json": `${JSON.stringify({ name: "perfloop-demo", version: "1.0.0", private: true, type: "commonjs", description: "A slow word counter for perfloop demo", license: "MIT" }, null, 2)}\n`,
  "words.js": `// Counts the distinct words of a text. Slow on purpose: \`seen.includes\` walks the whole list for
// every word, so the work grows with the square of the text's length.
function distinctWords(text) {
  const seen = [];
  for (const word of text.toLowerCase().split(/[^a-z0-9]+/)) {
    if (word && !seen.includes(word)) seen.push(word);
  }
  return seen.length;
}

// A deterministic text of \`n\` words drawn from about n / 2 different ones.
function makeText(n) {
  const words = [];
  let x = 42;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    words.push(\`W\${Math.floor(x / 65536) % Math.max(1, Math.floor(n / 2))}\`);
  }
  return words.join(" ");
}

module.exports = { distinctWords, makeText };
`,
  "bench.js": `const { distinctWords, makeText } = require("./words.js");
const words = Number(process.argv[2] || ${DEMO_WORDS});
console.log(distinctWords(makeText(words)));
`,
  "test.js": `const assert = require("node:assert");
const { distinctWords, makeText } = require("./words.js");
assert.strictEqual(distinctWords(""), 0);
assert.strictEqual(distinctWords("a b a"), 2);
assert.strictEqual(distinctWords("The the THE, cat. Cat!"), 2);
assert.strictEqual(distinctWords(makeText(1000)), 432);
console.log("ok");
`,
  "hypotheses.json": `${JSON.stringify(
    {
      version: 1,
      hypotheses: [
        {
          id: "H2",
          description: "Draw the benchmark text from half as many different words (fewer to remember)",
          fix_level: "application",
          expected_impact: "2x",
          evidence: "the time grows with the number of distinct words",
          change: { kind: "edit", file: "words.js", search: "Math.max(1, Math.floor(n / 2))", replace: "Math.max(1, Math.floor(n / 4))" },
        },
        {
          id: "H3",
          description: "Reword the comment on makeText",
          fix_level: "application",
          expected_impact: "0%",
          evidence: "none: a change that should do nothing, to show that perfloop does not keep it",
          change: { kind: "edit", file: "words.js", search: "// A deterministic text", replace: "// A reproducible text" },
        },
      ],
    },
    null,
    2,
  )}\n`,
};
