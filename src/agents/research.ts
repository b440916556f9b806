/**
 * An agent as a researcher (docs/agents.md, "Research and edit mode"), in one cycle:
 *
 * 1. a research call: the agent reads the cycle's context (prompt.ts) in a scratch copy of the
 *    base and answers with ideas, hypotheses without a `change` (or, as a file may, hypotheses
 *    with one: those are taken as they are);
 * 2. one edit call per idea, most promising first, each in a fresh scratch copy of the base: the
 *    agent makes that one change, and what changed in the copy becomes the idea's `patch`. The
 *    captured patch is what is validated, executed and bisected: a resumed or replayed run never
 *    asks the model again.
 *
 * The run's call budget (`--agent-calls`) bounds both kinds together; an idea left without a call
 * is set aside with that reason, as is one whose edit failed, changed nothing, or changed a binary
 * file.
 */
import { join } from "node:path";
import { parseHypotheses, resolveAgainstRepo } from "../research/hypotheses.ts";
import type { Hypothesis } from "../research/hypotheses-schema.ts";
import { readEditAnswer, readResearchAnswer } from "./answers.ts";
import { callAgent, roleLabel, type CallSession } from "./call.ts";
import { editPrompt, MAX_IDEAS, researchPrompt, type ResearchPromptInput } from "./prompt.ts";

export interface AgentResearchInput {
  session: CallSession;
  prompt: ResearchPromptInput;
  /** The JSON request a command agent gets, without `prompt` (added here). */
  request: Record<string, unknown>;
  /** Calls this run may still make (`--agent-calls` minus the calls made). */
  callsLeft: number;
  /** Ids earlier cycles tried: an idea with one of them is not made again (research sets it aside). */
  triedIds: ReadonlySet<string>;
  /** Where transcripts are named from in evidence: `.hex-skills/optimization/<slug>/agents`. */
  transcriptsShown: string;
}

export interface AgentResearchResult {
  hypotheses: Hypothesis[];
  setAside: { id: string; reason: string }[];
  /** For the research sources list: how many, the one-line error, what was tolerated. */
  error: string | null;
  note: string | null;
  calls: number;
}

function budgetReason(limit: string): string {
  return `not made: the agent call budget is spent (${limit})`;
}

export async function researchWithAgent(input: AgentResearchInput): Promise<AgentResearchResult> {
  const { session } = input;
  const label = roleLabel("research", session.spec);
  const result: AgentResearchResult = { hypotheses: [], setAside: [], error: null, note: null, calls: 0 };
  if (input.callsLeft <= 0) {
    result.error = `${label} not asked: the run's agent call budget is spent (--agent-calls)`;
    return result;
  }
  const prompt = researchPrompt(input.prompt);
  let ideas: Hypothesis[] = [];
  const asked = await callAgent(session, { kind: "research", idea: null, prompt, request: { ...input.request, prompt, response_schema: "hypotheses-v1" } }, async (outcome) => {
    if (!outcome.ran) return { ok: false, error: outcome.error, note: null, hypotheses: [] };
    const read = readResearchAnswer(outcome.text, label);
    if (!read.ok) return { ok: false, error: `${label} gave no usable answer: ${read.error}`, note: null, hypotheses: [] };
    try {
      // A patch file the answer names is read from the agent's own copy (it may have written it there).
      result.hypotheses = await resolveAgainstRepo(read.value.ready, session.tree.dir, label);
    } catch (error) {
      return { ok: false, error: `${label} gave no usable answer: ${(error as Error).message}`, note: null, hypotheses: [] };
    }
    ideas = read.value.ideas;
    const changed = outcome.changes.size > 0 ? `changed ${outcome.changes.size} file(s) while researching: not kept (each idea is made in a copy of its own)` : null;
    const note = [read.value.note, changed].filter(Boolean).join("; ") || null;
    return { ok: true, error: null, note, hypotheses: [...result.hypotheses, ...ideas].map((h) => h.id) };
  });
  result.calls++;
  if (!asked.interpretation.ok) {
    result.error = asked.interpretation.error;
    return result;
  }
  const notes: string[] = asked.interpretation.note ? [asked.interpretation.note] : [];
  // An idea an earlier cycle tried gets no edit call.
  for (const idea of ideas) if (input.triedIds.has(idea.id)) result.setAside.push({ id: idea.id, reason: "proposed again: tried in an earlier cycle, so not made" });
  ideas = ideas.filter((idea) => !input.triedIds.has(idea.id));
  if (ideas.length > MAX_IDEAS) {
    for (const idea of ideas.slice(MAX_IDEAS)) result.setAside.push({ id: idea.id, reason: `not made: at most ${MAX_IDEAS} ideas of one answer are made` });
    ideas = ideas.slice(0, MAX_IDEAS);
  }
  for (const idea of ideas) {
    if (result.calls >= input.callsLeft) {
      result.setAside.push({ id: idea.id, reason: budgetReason("--agent-calls") });
      continue;
    }
    session.say?.(`research: ${label} makes ${idea.id} in its scratch tree`);
    const made = await makeIdea(session, idea, input.prompt.testCommand);
    result.calls++;
    if ("reason" in made) result.setAside.push({ id: idea.id, reason: made.reason });
    else {
      const where = join(input.transcriptsShown, made.transcript);
      result.hypotheses.push({ ...made.hypothesis, evidence: [...made.hypothesis.evidence, `made by ${label} in a scratch copy of the base; transcript: ${where}`] });
    }
  }
  const made = result.hypotheses.length;
  if (ideas.length > 0) notes.push(`${ideas.length} idea(s), ${made} made into patches`);
  result.note = notes.join("; ") || null;
  return result;
}

/** One idea made by an edit call: its patch hypothesis, or why there is none. */
async function makeIdea(session: CallSession, idea: Hypothesis, testCommand: string): Promise<{ hypothesis: Hypothesis; transcript: string } | { reason: string }> {
  const label = roleLabel("edit", session.spec);
  const ideaForEdit = { id: idea.id, description: idea.description, expected_impact: idea.expected_impact, files_to_modify: idea.files_to_modify, evidence: idea.evidence };
  const prompt = editPrompt(ideaForEdit, session.base, testCommand);
  let hypothesis: Hypothesis | null = null;
  const outcome = await callAgent(session, { kind: "edit", idea: idea.id, prompt, request: { version: 1, kind: "edit", cycle: session.cycle, base: session.base, idea: ideaForEdit, prompt, response_schema: "edit-v1" } }, (done) => {
    const fail = (error: string) => ({ ok: false, error, note: null, hypotheses: [] });
    if (!done.ran) return fail(done.error!);
    if (done.binary !== null) return fail(`${label} changed ${done.binary}, a binary file, which a patch cannot carry`);
    if (done.diff === null) return fail(`${label} changed nothing in its scratch tree`);
    const said = readEditAnswer(done.text);
    // Checked alone, so its references to the other ideas are put back afterwards.
    const { change: _idea, dependencies, conflicts_with, ...rest } = idea;
    try {
      const [parsed] = parseHypotheses(
        {
          version: 1,
          hypotheses: [
            {
              ...rest,
              expected_impact: idea.expected_impact ?? said.expected_impact,
              evidence: [...idea.evidence, ...(said.summary ? [`the agent's summary: ${said.summary}`] : [])],
              files_to_modify: [],
              change: { kind: "patch", diff: done.diff },
            },
          ],
        },
        label,
      );
      hypothesis = { ...parsed!, dependencies, conflicts_with };
    } catch (error) {
      return fail(`${label}: the captured change is not a valid patch: ${(error as Error).message}`);
    }
    return { ok: true, error: null, note: said.summary ? null : "said nothing about its change (no summary)", hypotheses: [idea.id] };
  });
  if (!outcome.interpretation.ok || hypothesis === null) return { reason: `not made: ${outcome.interpretation.error ?? "no change"}` };
  return { hypothesis, transcript: outcome.transcript };
}
