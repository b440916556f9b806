/**
 * The prompts a preset agent gets (docs/agents.md shows each one, generated from this file by
 * scripts/agents-doc.ts). Pure: the cycle's context in, text out.
 *
 * - research: the performance map (context.md), the hot functions with their source at the
 *   cycle's base, what earlier cycles kept and removed with the measured ratios, and the answer's
 *   format with an example. The agent answers with ideas (hypotheses without a `change`), each
 *   realized afterwards by an edit call of its own.
 * - edit: one idea, to be made in the scratch copy the agent runs in.
 * - review: the plan (context.md and the hypotheses with their changes) and the findings' format.
 *
 * Each part is bounded (MAX_*), so a large repository or a long run cannot make a prompt that no
 * model accepts; what is cut says so.
 */

/** Ideas asked for in one research call. */
export const MAX_IDEAS = 5;
/** Hot functions shown with their source. */
const MAX_HOT_FUNCTIONS = 6;
/** Lines of source shown around each hot function's first line. */
const EXCERPT_LINES_BEFORE = 3;
const EXCERPT_LINES_AFTER = 40;
/** context.md is cut at this many characters (the performance map and the problem come first). */
const MAX_CONTEXT_CHARS = 60_000;
/** A hypothesis's diff shown to a reviewer is cut at this many characters. */
const MAX_REVIEW_DIFF_CHARS = 12_000;

export interface HotFunction {
  function: string;
  path: string;
  line: number;
  self_pct: number;
  total_pct: number;
  /** The file at the cycle's base, or null when it could not be read there. */
  source: string | null;
}

export interface TriedHypothesis {
  id: string;
  description: string;
  cycle: number;
  outcome: "kept" | "removed";
  /** Why it was removed, with the measured ratio where there was one; for kept: the cycle's ratio. */
  reason: string;
}

export interface ResearchPromptInput {
  target: string;
  cycle: number;
  maxCycles: number;
  base: string;
  /** The target to reach, as the person or research set it (e.g. "wall_time_ms -50%"). */
  goal: string | null;
  testCommand: string;
  contextMarkdown: string;
  hot: readonly HotFunction[];
  tried: readonly TriedHypothesis[];
  /** Earlier cycles: the kept set's measured ratio to its base. */
  cycles: readonly { cycle: number; kept: readonly string[]; ratio: number | null; ratio_ci: readonly [number, number] | null }[];
}

export interface IdeaForEdit {
  id: string;
  description: string;
  expected_impact: string | number | null;
  files_to_modify: readonly string[];
  evidence: readonly string[];
}

export interface ReviewPromptInput {
  cycle: number;
  base: string;
  contextMarkdown: string;
  hypotheses: readonly { id: string; description: string; fix_level: string; risk: string; diff: string | null; change_kind: string; origin: string }[];
}

function cut(text: string, max: number, what: string): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max)}\n\n[... ${what} cut here: ${text.length - max} more characters]`;
}

/** Numbered source lines around `line` (1-based), or a note when the file could not be read. */
export function excerpt(source: string | null, line: number): string {
  if (source === null) return "(not readable at the base commit)";
  const lines = source.split("\n");
  const from = Math.max(1, line - EXCERPT_LINES_BEFORE);
  const to = Math.min(lines.length, line + EXCERPT_LINES_AFTER);
  const width = String(to).length;
  return lines
    .slice(from - 1, to)
    .map((text, i) => `${String(from + i).padStart(width)}  ${text}`)
    .join("\n");
}

function fence(text: string, lang = ""): string {
  const ticks = text.includes("```") ? "````" : "```";
  return `${ticks}${lang}\n${text}\n${ticks}`;
}

const RESEARCH_EXAMPLE = {
  version: 1,
  hypotheses: [
    {
      id: "cache-parsed-config",
      description: "Parse config.json once at startup instead of on every request in handle()",
      fix_level: "application",
      expected_impact: "-30%",
      files_to_modify: ["src/server.js"],
      evidence: ["handle() is 41% self time and calls JSON.parse(readFileSync('config.json')) each time (src/server.js:18)"],
      risk: "low",
      complexity: "low",
    },
  ],
};

export const EDIT_ANSWER_EXAMPLE = { summary: "Read and parse config.json once, at module load, in src/server.js", expected_impact: "-30%" };

export const REVIEW_EXAMPLE = {
  version: 1,
  verdict: "GO_WITH_CONCERNS",
  findings: [
    {
      severity: "medium",
      hypothesis: "cache-parsed-config",
      reason: "config.json is rewritten by the admin endpoint while the server runs: a cached copy goes stale",
      suggestion: "reload the cache when the admin endpoint writes the file",
    },
  ],
};

function ratioText(ratio: number | null, ci: readonly [number, number] | null): string {
  if (ratio === null) return "not measured";
  return `ratio ${ratio.toFixed(3)}${ci ? ` [${ci[0].toFixed(3)}, ${ci[1].toFixed(3)}]` : ""} to its base`;
}

export function researchPrompt(input: ResearchPromptInput): string {
  const hot = input.hot.slice(0, MAX_HOT_FUNCTIONS);
  const parts = [
    `You are the researcher of perfloop, a tool that makes a program faster in measured cycles. This is cycle ${input.cycle} of at most ${input.maxCycles}. The program measured is:`,
    fence(input.target),
    `The goal: ${input.goal ?? "as fast as it can be made without changing what it does"}. Every change must keep the program behaving exactly as before; it is tested with \`${input.testCommand}\` and measured against the unchanged code, interleaved, and only what is significantly faster is kept.`,
    `Your working directory is a read-only copy of the repository at commit ${input.base.slice(0, 12)} (the code as this cycle starts). Read any file you need. Do not change files in this step: each idea you propose is made afterwards, one at a time, in a fresh copy.`,
    "## What the profile measured",
    cut(input.contextMarkdown.trim(), MAX_CONTEXT_CHARS, "the context"),
  ];
  if (hot.length > 0) {
    parts.push("## The hot functions, with their source at this cycle's base");
    for (const h of hot) {
      parts.push(`### ${h.function} (${h.path}:${h.line}): ${h.self_pct.toFixed(1)}% self, ${h.total_pct.toFixed(1)}% with what it calls`, fence(excerpt(h.source, h.line)));
    }
    if (input.hot.length > hot.length) parts.push(`(${input.hot.length - hot.length} more hot functions are listed in the context above.)`);
  }
  parts.push("## Tried in earlier cycles: do not propose these again");
  if (input.tried.length === 0) parts.push("Nothing yet: this is the first cycle.");
  else {
    for (const c of input.cycles) parts.push(`- cycle ${c.cycle}: kept ${c.kept.length ? c.kept.join(", ") : "nothing"} (${ratioText(c.ratio, c.ratio_ci)})`);
    for (const t of input.tried) parts.push(`- ${t.id} (cycle ${t.cycle}, ${t.outcome}): ${t.description}: ${t.reason}`);
    parts.push("What was kept is already in the code you see. An idea that was removed failed the tests or was not faster: propose something different, not a variant of it.");
  }
  parts.push(
    "## How to answer",
    `Propose at most ${MAX_IDEAS} ideas, the most promising first: each ONE self-contained change that should make the measured program faster, aimed at what the profile shows. Answer with exactly one JSON object and nothing after it, in this form:`,
    fence(JSON.stringify(RESEARCH_EXAMPLE, null, 2), "json"),
    [
      "Fields:",
      "- id: 1-64 letters, digits, '.', '_' or '-', new (not one tried above);",
      "- description: what to change, precisely enough that a programmer could make the change from it alone;",
      "- fix_level: configuration, infrastructure, framework, application or removal (removal: the change drops work the program does; say what);",
      '- expected_impact: the share of the measured time it should save, e.g. "-30%" or "2x";',
      "- files_to_modify: the files the change touches, relative to the repository root;",
      "- evidence: what in the profile or the code shows it should help (function, file:line, numbers);",
      "- risk and complexity: low, medium or high.",
      'Leave out "change": perfloop asks you to make each idea in a copy of its own and records exactly what you changed. An answer with no idea worth trying is {"version": 1, "hypotheses": []}.',
    ].join("\n"),
  );
  return `${parts.join("\n\n")}\n`;
}

export function editPrompt(idea: IdeaForEdit, base: string, testCommand: string): string {
  const parts = [
    `You are making ONE change for perfloop, a tool that makes a program faster in measured cycles. Your working directory is a scratch copy of the repository at commit ${base.slice(0, 12)}; perfloop records what you change here as a patch, tests it with \`${testCommand}\` and measures it.`,
    "## The change to make",
    `${idea.id}: ${idea.description}`,
    [
      ...(idea.expected_impact !== null ? [`Expected impact: ${idea.expected_impact}`] : []),
      ...(idea.files_to_modify.length ? [`Files: ${idea.files_to_modify.join(", ")}`] : []),
      ...idea.evidence.map((e) => `Evidence: ${e}`),
    ].join("\n"),
    "## Rules",
    [
      "- Edit files in this directory only; make this one change and nothing else (no reformatting, no unrelated clean-up).",
      "- Keep the program's behaviour exactly as it is: the same output, the same errors, the same edge cases (empty input, duplicates, NaN, order).",
      "- Do not run git, do not commit, do not install or upgrade dependencies, do not change the tests.",
      "- If the change cannot be made safely, change nothing and say why.",
    ].join("\n"),
    "## When you are done",
    "End your answer with one JSON object saying what you changed, in this form:",
    fence(JSON.stringify(EDIT_ANSWER_EXAMPLE, null, 2), "json"),
  ];
  return `${parts.join("\n\n")}\n`;
}

export function reviewPrompt(input: ReviewPromptInput): string {
  const parts = [
    `You review the plan of cycle ${input.cycle} of perfloop, a tool that makes a program faster in measured cycles, before any of it is measured. Your working directory is a read-only copy of the repository at commit ${input.base.slice(0, 12)}; read any file you need and change none.`,
    "Look for changes that would alter what the program does (output, errors, edge cases, concurrency), that cannot work as described, that touch the wrong place, or that are unsafe. Speed is measured afterwards; do not guess it.",
    "## The context",
    cut(input.contextMarkdown.trim(), MAX_CONTEXT_CHARS, "the context"),
    "## The hypotheses",
  ];
  for (const h of input.hypotheses) {
    parts.push(`### ${h.id} (${h.fix_level}, risk ${h.risk}, from ${h.origin}): ${h.description}`);
    parts.push(h.diff ? fence(cut(h.diff, MAX_REVIEW_DIFF_CHARS, "the diff"), "diff") : `(a ${h.change_kind} change: see the context)`);
  }
  parts.push(
    "## How to answer",
    "Answer with exactly one JSON object and nothing after it, in this form:",
    fence(JSON.stringify(REVIEW_EXAMPLE, null, 2), "json"),
    [
      "Fields:",
      "- verdict: GO (nothing wrong), GO_WITH_CONCERNS or NO_GO (something must not be tried as it is);",
      "- findings: one per problem; severity high (would break behaviour or cannot work), medium (a real risk), low (a remark);",
      "- hypothesis: the id the finding is about, or null for the plan as a whole;",
      "- reason: what is wrong, with the file and line; suggestion: the correction, or null.",
      'No problem found: {"version": 1, "verdict": "GO", "findings": []}.',
    ].join("\n"),
  );
  return `${parts.join("\n\n")}\n`;
}
