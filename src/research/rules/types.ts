/**
 * What a rule is and what it gives back (docs/research.md). A rule looks at one hot function of
 * one parsed file and returns, for each place its pattern occurs there, either a proposal (the
 * edits that rewrite it, with what the rewrite assumes) or a silence (the pattern is there, a
 * precondition does not hold, and why). The engine (engine.ts) turns proposals into hypotheses
 * with a patch, the profile's evidence and an expected impact.
 */
import type { File, Node } from "@babel/types";
import type { Level } from "../hypotheses-schema.ts";
import type { FunctionNode } from "../../source/ast.ts";
import type { ScopeInfo } from "../../source/scope.ts";

/** The profile's evidence for one hot function. */
export interface HotEvidence {
  function: string;
  /** Path relative to the tree root (POSIX). */
  path: string;
  /** 1-based line and column of the function's start, as the CPU profile gives them (column 0: unknown). */
  line: number;
  column: number;
  /** Share of the profile (%): own time, own time with the runtime code it calls, and total. */
  self_pct: number;
  self_with_runtime_pct: number;
  total_pct: number;
}

export interface RuleContext {
  text: string;
  path: string;
  typescript: boolean;
  ast: File;
  scopes: ScopeInfo;
  /** The hot function (or the whole program, for a module's top-level code). */
  fn: FunctionNode | File["program"];
  hot: HotEvidence;
}

/** Replace text[start, end) by `text`; an insertion when start === end. */
export interface Edit {
  start: number;
  end: number;
  text: string;
}

export interface Proposal {
  kind: "proposal";
  rule: string;
  /** The node the pattern was found at (its line is the proposal's line). */
  node: Node;
  /** What the rewrite does, in a sentence (the hypothesis description, without location). */
  title: string;
  edits: Edit[];
  /**
   * The part of the hot function's own time this rewrite can save, from 0 to 1 (a quadratic scan
   * in the function: most of it; a constant factor: a part).
   */
  saves: number;
  complexity: Level;
  risk: Level;
  /** Why the rewrite keeps the program's behaviour: the preconditions checked. */
  why: string;
  /** What the rewrite still assumes, or what differs, when risk is not low. */
  caveat?: string;
}

export interface Silence {
  kind: "silence";
  rule: string;
  node: Node;
  /** The precondition that does not hold. */
  reason: string;
}

export type Finding = Proposal | Silence;

export interface Rule {
  /** Kebab-case; part of the hypothesis ids (keep it short). */
  id: string;
  /** One line: the pattern it looks for. */
  pattern: string;
  check(ctx: RuleContext): Finding[];
}
