/**
 * A hypothesis whose change cannot be applied to the base tree: a patch that does not fit, an
 * edit whose text is missing or ambiguous, a failing command, a path outside the tree. The
 * executor catches it and drops that hypothesis; on its own it is one line naming the hypothesis,
 * the file and what to do (exit 1: the run could not go on with it).
 */
import { PerfloopError } from "../errors.ts";

export class HypothesisApplyError extends PerfloopError {
  readonly hypothesis: string;

  constructor(hypothesis: string, message: string, hint?: string, data: Record<string, unknown> = {}) {
    super("hypothesis_apply", `hypothesis ${hypothesis}: ${message}`, { hint, data: { hypothesis, ...data } });
    this.name = "HypothesisApplyError";
    this.hypothesis = hypothesis;
  }
}
