/**
 * The rule engine (docs/research.md): for each hot function the CPU profile names in a file of the
 * person's project, every rule (index.ts) looks at the function's own code; each proposal becomes
 * a hypothesis with a minimal patch (only the text the rule edits changes: magic-string, never a
 * reprint of the file), the profile's evidence, and an expected impact from the function's share.
 * A silence (a precondition that does not hold) is kept with its reason for the report.
 *
 * Deterministic: the same files and profile give the same hypotheses, with the same ids
 * (`<rule>-<file stem>-<function name>`, the line for unnamed code), so a later cycle does not
 * offer again what an earlier one tried, even when a change kept above it moved its lines.
 * Two proposals whose edits touch the same or adjacent lines of a file cannot be merged line by
 * line (docs/execute.md); they name each other in `conflicts_with` and are tried one against the
 * other. A rewrite that does not parse again is dropped (a rule's bug must not become a patch).
 */
import MagicString from "magic-string";
import { createTwoFilesPatch } from "diff";
import type { File, Node } from "@babel/types";
import { type HypothesisInput, ID_PATTERN } from "../hypotheses-schema.ts";
import { isFunction, isIterationCallback, lineOf, type FunctionNode } from "../../source/ast.ts";
import { locateFunction, type SourceFile } from "../../source/load.ts";
import { ancestorsOf } from "../../source/walk-own.ts";
import { parseSource } from "../../source/parse.ts";
import type { Edit, Finding, HotEvidence, Proposal, Rule, RuleContext } from "./types.ts";

/** The most a rewrite is expected to save, in percent of the run: profiles overstate single frames. */
export const MAX_EXPECTED_IMPACT_PCT = 90;
/** Lines of context around a patch's hunks (the `git diff` default). */
const PATCH_CONTEXT_LINES = 3;
const SNIPPET_CHARS = 120;

/**
 * An iteration callback (`xs.reduce((acc, x) => …)`) is part of the loop its call makes: the
 * rules look at the function around the call, whose own code holds the callback.
 */
function ownerOf(file: SourceFile, fn: FunctionNode | File["program"] | null): FunctionNode | File["program"] | null {
  let current = fn;
  while (current && current.type !== "Program") {
    const ancestors = ancestorsOf(file.ast.program, current);
    if (!isIterationCallback(current, ancestors[ancestors.length - 1])) return current;
    current = [...ancestors].reverse().find((n): n is FunctionNode => isFunction(n)) ?? file.ast.program;
  }
  return current;
}

export interface RuleHypothesis {
  hypothesis: HypothesisInput;
  rule: string;
  line: number;
}

export interface RuleSilence {
  rule: string;
  path: string;
  line: number;
  function: string;
  reason: string;
}

export interface FileProposals {
  hypotheses: RuleHypothesis[];
  silences: RuleSilence[];
}

/** Runs every rule on each hot function of one file. */
export function proposeForFile(file: SourceFile, hots: readonly HotEvidence[], rules: readonly Rule[]): FileProposals {
  const hypotheses: RuleHypothesis[] = [];
  const silences: RuleSilence[] = [];
  if (file.scopes.dynamic) {
    for (const hot of hots) silences.push({ rule: "*", path: file.path, line: hot.line, function: hot.function, reason: "the file uses `with` or a direct `eval`: its names cannot be resolved" });
    return { hypotheses, silences };
  }
  const seenNodes = new Set<Node>();
  const proposals: { proposal: Proposal; hot: HotEvidence; fn: FunctionNode | File["program"] }[] = [];
  for (const hot of hots) {
    const fn = ownerOf(file, locateFunction(file, hot));
    if (!fn || seenNodes.has(fn)) continue;
    seenNodes.add(fn);
    const ctx: RuleContext = { text: file.text, path: file.path, typescript: file.typescript, ast: file.ast, scopes: file.scopes, fn, hot };
    for (const rule of rules) {
      let found: Finding[];
      try {
        found = rule.check(ctx);
      } catch (error) {
        silences.push({ rule: rule.id, path: file.path, line: lineOf(fn), function: hot.function, reason: `the rule failed on this code (a perfloop bug): ${(error as Error).message}` });
        continue;
      }
      for (const finding of found) {
        if (finding.kind === "silence") silences.push({ rule: finding.rule, path: file.path, line: lineOf(finding.node), function: hot.function, reason: finding.reason });
        else proposals.push({ proposal: finding, hot, fn });
      }
    }
  }
  const built: { entry: RuleHypothesis; lines: [number, number][] }[] = [];
  const ids = new Set<string>();
  const made = new Set<string>();
  for (const { proposal, hot, fn } of proposals) {
    const patched = applyEdits(file.text, proposal.edits);
    // The same rewrite found from two hot functions (a callback and the function around it) is one hypothesis.
    if (patched !== null && made.has(patched)) continue;
    if (patched !== null) made.add(patched);
    if (patched === null || patched === file.text) {
      silences.push({ rule: proposal.rule, path: file.path, line: lineOf(proposal.node), function: hot.function, reason: "its edits overlap (a perfloop bug): nothing proposed" });
      continue;
    }
    const reparsed = parseSource(patched, file.path);
    if (!reparsed.ok) {
      silences.push({ rule: proposal.rule, path: file.path, line: lineOf(proposal.node), function: hot.function, reason: `the rewrite does not parse (a perfloop bug): ${reparsed.reason}` });
      continue;
    }
    const id = uniqueId(ids, proposal.rule, file.path, functionLabel(file, fn) ?? String(lineOf(proposal.node)));
    built.push({ entry: { hypothesis: toHypothesis(id, file, proposal, hot, patched), rule: proposal.rule, line: lineOf(proposal.node) }, lines: editedLines(file.text, proposal.edits) });
  }
  // Proposals that touch the same or adjacent lines cannot be merged: A/B them.
  for (let i = 0; i < built.length; i++) {
    for (let j = i + 1; j < built.length; j++) {
      const a = built[i]!;
      const b = built[j]!;
      if (touching(a.lines, b.lines)) {
        (a.entry.hypothesis.conflicts_with as string[]).push(b.entry.hypothesis.id);
        (b.entry.hypothesis.conflicts_with as string[]).push(a.entry.hypothesis.id);
      }
    }
  }
  hypotheses.push(...built.map((b) => b.entry));
  return { hypotheses, silences };
}

/** The text with the edits made, or null when two of them overlap. */
export function applyEdits(text: string, edits: readonly Edit[]): string | null {
  const sorted = [...edits].sort((a, b) => a.start - b.start || a.end - b.end);
  for (let i = 1; i < sorted.length; i++) if (sorted[i]!.start < sorted[i - 1]!.end) return null;
  const s = new MagicString(text);
  for (const edit of sorted) {
    if (edit.start === edit.end) s.appendLeft(edit.start, edit.text);
    else s.overwrite(edit.start, edit.end, edit.text);
  }
  return s.toString();
}

/** 1-based first and last line of the original text each edit touches. */
function editedLines(text: string, edits: readonly Edit[]): [number, number][] {
  const lineAt = (offset: number) => {
    let line = 1;
    for (let i = text.indexOf("\n"); i >= 0 && i < offset; i = text.indexOf("\n", i + 1)) line++;
    return line;
  };
  return edits.map((e) => [lineAt(e.start), lineAt(e.end)]);
}

/** Whether two sets of edited lines touch the same or adjacent lines (a line-by-line merge would conflict). */
function touching(a: readonly [number, number][], b: readonly [number, number][]): boolean {
  return a.some(([a1, a2]) => b.some(([b1, b2]) => b1 <= a2 + 1 && a1 <= b2 + 1));
}

/** A git-style unified diff of one file, as `git diff` prints it (no index line). */
export function unifiedPatch(path: string, before: string, after: string): string {
  const body = createTwoFilesPatch(`a/${path}`, `b/${path}`, before, after, undefined, undefined, { context: PATCH_CONTEXT_LINES });
  const lines = body.split("\n");
  const from = lines.findIndex((line) => line.startsWith("--- "));
  const kept = lines.slice(from).map((line) => (line.startsWith("--- ") || line.startsWith("+++ ") ? line.replace(/\t$/, "") : line));
  return `diff --git a/${path} b/${path}\n${kept.join("\n")}`;
}

function uniqueId(ids: Set<string>, rule: string, path: string, label: string): string {
  const stem = (path.split("/").pop() ?? path).replace(/\.[^.]+$/, "").replace(/[^A-Za-z0-9._-]/g, "_").replace(/^[._-]+/, "") || "file";
  const base = `${rule}-${stem}`.slice(0, 64 - Math.min(label.length, 24) - 4);
  let id = `${base}-${label.slice(0, 24)}`;
  for (let n = 2; ids.has(id); n++) id = `${base}-${label.slice(0, 24)}-${n}`;
  ids.add(id);
  if (!ID_PATTERN.test(id)) throw new Error(`generated id ${id} is not a valid hypothesis id`);
  return id;
}

/**
 * The name a function goes by in ids: its own name, its variable's, its method's or property's
 * key (`$` becomes `_`). Names outlive the line numbers an earlier cycle's kept change shifts, so
 * what was tried keeps its id. Null for the program and unnamed functions (the line is used).
 */
function functionLabel(file: SourceFile, fn: FunctionNode | File["program"]): string | null {
  if (fn.type === "Program") return null;
  const own = "id" in fn && fn.id?.type === "Identifier" ? fn.id.name : null;
  const key = "key" in fn && fn.key.type === "Identifier" ? fn.key.name : null;
  const parent = ancestorsOf(file.ast.program, fn).at(-1);
  const holder =
    parent?.type === "VariableDeclarator" && parent.id.type === "Identifier"
      ? parent.id.name
      : parent?.type === "ObjectProperty" && parent.key.type === "Identifier"
        ? parent.key.name
        : parent?.type === "ClassProperty" && parent.key.type === "Identifier"
          ? parent.key.name
          : parent?.type === "AssignmentExpression" && parent.left.type === "MemberExpression" && !parent.left.computed && parent.left.property.type === "Identifier"
            ? parent.left.property.name
            : null;
  const name = own ?? key ?? holder;
  if (!name) return null;
  const label = name.replace(/[^A-Za-z0-9._-]/g, "_").replace(/^[._-]+/, "");
  return label === "" ? null : label;
}

function share(hot: HotEvidence): number {
  return Math.max(hot.self_pct, hot.self_with_runtime_pct);
}

function toHypothesis(id: string, file: SourceFile, proposal: Proposal, hot: HotEvidence, patched: string): HypothesisInput {
  const line = lineOf(proposal.node);
  const impact = Math.min(MAX_EXPECTED_IMPACT_PCT, Math.max(1, Math.round(proposal.saves * share(hot))));
  const snippet = (file.text.split("\n")[line - 1] ?? "").trim().slice(0, SNIPPET_CHARS);
  const selfText = hot.self_with_runtime_pct > hot.self_pct ? `${hot.self_pct}% self (${hot.self_with_runtime_pct}% with the runtime code it calls)` : `${hot.self_pct}% self`;
  const evidence = [
    `profile: ${hot.function} (${file.path}:${hot.line}) has ${selfText} and ${hot.total_pct}% total of the CPU samples`,
    `pattern at ${file.path}:${line}: ${snippet}`,
    `preconditions: ${proposal.why}`,
  ];
  if (proposal.caveat) evidence.push(`risk: ${proposal.caveat}`);
  return {
    id,
    description: `${proposal.title} (${file.path}:${line}, in ${hot.function})`,
    fix_level: "application",
    bottleneck_addressed: `${hot.function} ${file.path}:${hot.line}`,
    expected_impact: impact,
    complexity: proposal.complexity,
    risk: proposal.risk,
    evidence,
    change: { kind: "patch", diff: unifiedPatch(file.path, file.text, patched) },
    files_to_modify: [file.path],
    dependencies: [],
    conflicts_with: [],
    group: null,
  };
}
