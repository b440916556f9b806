// The agents' answers (src/agents/answers.ts), each preset's output parser (src/agents/presets.ts)
// on the documented forms and on their failures, and the reviewers' findings merged with the
// feasibility checks (src/validate/reviews.ts). Pure: no process is started.
import assert from "node:assert/strict";
import { test } from "node:test";
import { readResearchAnswer, readReviewAnswer, readEditAnswer } from "../../src/agents/answers.ts";
import { PRESETS } from "../../src/agents/presets.ts";
import { agentSpec } from "../../src/agents/spec.ts";
import { researchPrompt, editPrompt, reviewPrompt } from "../../src/agents/prompt.ts";
import { mergeReviews } from "../../src/validate/reviews.ts";

const IDEA = { id: "closed-form", description: "Gauss's closed form", expected_impact: "-90%", files_to_modify: ["work.sh"], evidence: ["the loop"] };
const ANSWER = JSON.stringify({ version: 1, hypotheses: [IDEA] });

test("a research answer in prose: its ideas (no change) and its ready hypotheses (with one) apart", () => {
  const ready = { id: "H2", description: "four threads", change: { kind: "env", set: { UV_THREADPOOL_SIZE: "4" } } };
  const read = readResearchAnswer(`Here you go:\n\`\`\`json\n${JSON.stringify({ version: 1, hypotheses: [IDEA, ready] })}\n\`\`\`\nGood luck.`, "agent claude");
  assert.ok(read.ok, JSON.stringify(read));
  if (!read.ok) return;
  assert.deepEqual(read.value.ideas.map((h) => h.id), ["closed-form"]);
  assert.deepEqual(read.value.ready.map((h) => h.id), ["H2"]);
  assert.equal(read.value.note, "ignored text around the JSON object");
});

test("research answers that are not one: garbage, two answers, an invalid hypothesis", () => {
  const garbage = readResearchAnswer("\u0000 not { json", "agent x");
  assert.equal(garbage.ok, false);
  const two = readResearchAnswer(`first ${ANSWER} then ${ANSWER}`, "agent x");
  assert.ok(!two.ok && /2 answers/.test(two.error), JSON.stringify(two));
  // An example the model quotes that is not of the answer's form does not count.
  const quoted = readResearchAnswer(`The config looks like {"a": 1}. My answer: ${ANSWER}`, "agent x");
  assert.ok(quoted.ok, JSON.stringify(quoted));
  const bad = readResearchAnswer(JSON.stringify({ version: 1, hypotheses: [{ ...IDEA, id: "has space" }] }), "agent x");
  assert.ok(!bad.ok && /id/.test(bad.error), JSON.stringify(bad));
});

test("an edit answer's summary is optional", () => {
  assert.deepEqual(readEditAnswer('Done.\n{"summary": "made it", "expected_impact": "-20%"}'), { summary: "made it", expected_impact: "-20%" });
  assert.deepEqual(readEditAnswer("Done, nothing to add."), { summary: null, expected_impact: null });
});

test("a review answer: findings validated, the spec's older `note` read as the reason", () => {
  const read = readReviewAnswer('{"version":1,"verdict":"GO_WITH_CONCERNS","findings":[{"severity":"medium","hypothesis":"H1","note":"stale cache"}]}');
  assert.ok(read.ok);
  if (read.ok) assert.deepEqual(read.value.findings, [{ severity: "medium", hypothesis: "H1", reason: "stale cache", suggestion: null }]);
  const bad = readReviewAnswer('{"findings":[{"severity":"fatal","reason":"x"}]}');
  assert.ok(!bad.ok && /severity/.test(bad.error), JSON.stringify(bad));
});

test("each preset reads its CLI's documented output and names its failures", () => {
  const text = "the answer";
  const good: Record<string, string> = {
    claude: JSON.stringify({ type: "result", subtype: "success", is_error: false, result: text, total_cost_usd: 0.5 }),
    codex: [{ type: "thread.started" }, { type: "item.completed", item: { type: "agent_message", text } }, { type: "turn.completed" }].map((e) => JSON.stringify(e)).join("\n"),
    gemini: JSON.stringify({ response: text, stats: {} }),
    opencode: [{ type: "step_start" }, { type: "text", part: { type: "text", text } }].map((e) => JSON.stringify(e)).join("\n"),
  };
  const failed: Record<string, [string, RegExp]> = {
    claude: [JSON.stringify({ type: "result", subtype: "error_max_turns", is_error: true }), /error_max_turns/],
    codex: [JSON.stringify({ type: "turn.failed", error: { message: "quota exceeded" } }), /quota exceeded/],
    gemini: [JSON.stringify({ error: { type: "FatalAuthenticationError", message: "no credentials" } }), /no credentials/],
    opencode: [JSON.stringify({ type: "error", error: { name: "ProviderAuthError", data: { message: "no key" } } }), /no key/],
  };
  for (const [name, preset] of Object.entries(PRESETS)) {
    const read = preset.readAnswer(good[name]!);
    assert.ok(read.ok && read.text === text, `${name}: ${JSON.stringify(read)}`);
    const [output, pattern] = failed[name]!;
    const fail = preset.readAnswer(output);
    assert.ok(!fail.ok && pattern.test(fail.error), `${name}: ${JSON.stringify(fail)}`);
    const garbage = preset.readAnswer("Segmentation fault\n");
    assert.ok(!garbage.ok && !garbage.error.includes("\n"), `${name}: ${JSON.stringify(garbage)}`);
    // Every preset puts the model where its CLI takes it and reads the prompt from stdin.
    assert.ok(preset.argv({ mode: "answer", model: "m-1" }).includes("m-1"), name);
    assert.equal(preset.argv({ mode: "edit", model: null }).includes("m-1"), false);
  }
  // Codex: an error event the turn recovered from (a reconnect) is not a failure.
  const retried = [{ type: "error", message: "Reconnecting... 1/5" }, { type: "item.completed", item: { type: "agent_message", text } }, { type: "turn.completed" }].map((e) => JSON.stringify(e)).join("\n");
  assert.ok(PRESETS.codex.readAnswer(retried).ok);
  // opencode: the answer is the last step's text, not what it said before its tool calls.
  const steps = [{ type: "step_start" }, { type: "text", part: { text: "Let me look." } }, { type: "tool_use", part: {} }, { type: "step_start" }, { type: "text", part: { text } }].map((e) => JSON.stringify(e)).join("\n");
  assert.deepEqual(PRESETS.opencode.readAnswer(steps), { ok: true, text, cost_usd: null });
  assert.equal(PRESETS.claude.readAnswer(good.claude!).ok && (PRESETS.claude.readAnswer(good.claude!) as { cost_usd: number }).cost_usd, 0.5);
});

test("--agent names a preset exactly, anything else is a command", () => {
  assert.equal(agentSpec("claude").kind, "preset");
  assert.equal(agentSpec("claude -p").kind, "command");
  assert.equal(agentSpec("./ask.sh").kind, "command");
});

test("the prompts carry the context, the source, what was tried, and the answer's form", () => {
  const prompt = researchPrompt({
    target: "node bench.js",
    cycle: 2,
    maxCycles: 3,
    base: "0123456789abcdef",
    goal: "wall time -50%",
    testCommand: "npm test",
    contextMarkdown: "# Context\n## Performance map\n",
    hot: [{ function: "parse", path: "src/p.js", line: 3, self_pct: 60, total_pct: 70, source: "a\nb\nfunction parse() {\n  return 1;\n}\n" }],
    tried: [{ id: "H1", description: "cache", cycle: 1, outcome: "removed", reason: "slower: ratio 1.2" }],
    cycles: [{ cycle: 1, kept: [], ratio: null, ratio_ci: null }],
  });
  for (const part of ["## Performance map", "3  function parse() {", "H1 (cycle 1, removed): cache: slower: ratio 1.2", '"hypotheses"', "npm test", "0123456789ab"]) assert.ok(prompt.includes(part), part);
  assert.ok(editPrompt(IDEA, "0123456789abcdef", "npm test").includes("closed-form: Gauss's closed form"));
  assert.ok(reviewPrompt({ cycle: 1, base: "abc", contextMarkdown: "ctx", hypotheses: [{ id: "H1", description: "d", fix_level: "application", risk: "low", diff: "--- a/x\n+++ b/x\n", change_kind: "patch", origin: "rules" }] }).includes("+++ b/x"));
});

test("reviewers' findings join the checks: attributed, a failure is a warning, a NO_GO without a high finding is one", () => {
  const base = { verdict: "GO" as const, findings: [], executable: ["H1"], invalid: [] };
  const merged = mergeReviews(
    base,
    [
      { reviewer: "claude", error: null, verdict: "GO_WITH_CONCERNS", findings: [{ severity: "medium", hypothesis: "H1", reason: "stale cache", suggestion: "reload it" }, { severity: "low", hypothesis: "H7", reason: "?", suggestion: null }], transcript: "001" },
      { reviewer: "codex", error: "reviewer codex did not answer within 600 s", verdict: null, findings: [], transcript: "002" },
    ],
    ["H1"],
  );
  assert.equal(merged.verdict, "GO_WITH_CONCERNS");
  assert.deepEqual(merged.findings.map((f) => [f.check, f.severity, f.hypothesis, f.reviewer]), [
    ["R1", "medium", "H1", "claude"],
    ["R1", "low", null, "claude"],
    ["R3", "medium", null, "codex"],
  ]);
  assert.match(merged.findings[1]!.message, /about H7, which is not in the plan/);
  assert.equal(merged.findings[0]!.suggestion, "reload it");
  const nogo = mergeReviews(base, [{ reviewer: "gemini", error: null, verdict: "NO_GO", findings: [], transcript: "003" }], ["H1"]);
  assert.equal(nogo.verdict, "NO_GO");
  // No reviewer, no change.
  assert.deepEqual(mergeReviews(base, [], ["H1"]), base);
});
