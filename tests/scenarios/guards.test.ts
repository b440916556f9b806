// Port of the original runtime's guards.mjs (runtime contract §7): every checked outcome.
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { RuntimeDriver, removeDir, tempDir, type CliResult } from "../helpers/cli.ts";

const dirs: string[] = [];
after(() => dirs.forEach(removeDir));

function project(slug: string, maxCycles: number): RuntimeDriver {
  const dir = tempDir();
  dirs.push(dir);
  const rt = new RuntimeDriver(dir, slug);
  pass(rt.start(maxCycles), "start");
  return rt;
}

function pass(result: CliResult, what: string): void {
  assert.equal(result.code, 0, `${what} should pass: ${result.stdout}${result.stderr}`);
  assert.equal(result.json?.ok, true, what);
}

function rejected(result: CliResult, pattern: RegExp, what: string): void {
  assert.equal(result.json?.ok, false, `${what} should be rejected: ${result.stdout}`);
  assert.equal(result.code, 1, what);
  assert.match(result.json.error, pattern, what);
}

function walkToGate(rt: RuntimeDriver): void {
  pass(rt.cp("0_PREFLIGHT"), "cp preflight");
  pass(rt.adv("1_PARSE_INPUT"), "adv parse");
  pass(rt.cp("1_PARSE_INPUT", { target_metric: { value: 500, unit: "ms" } }), "cp parse");
  pass(rt.adv("2_PROFILE"), "adv profile");
  pass(rt.cp("2_PROFILE"), "cp profile");
  pass(rt.adv("3_WRONG_TOOL_GATE"), "adv gate");
}

test("guards 1-2: BLOCK refuses research, then aggregate is allowed", () => {
  const rt = project("guard-test", 1);
  walkToGate(rt);
  pass(rt.cp("3_WRONG_TOOL_GATE", { gate_verdict: "BLOCK" }), "cp BLOCK");
  rejected(rt.adv("4_RESEARCH"), /^Wrong Tool Gate does not allow research$/, "1. BLOCK -> research");
  assert.equal(rt.status().json.resume_action, "Advance to PHASE_10_AGGREGATE");
  pass(rt.adv("10_AGGREGATE"), "2. BLOCK -> aggregate");
});

test("guards 3-10: research, context, NO_GO, execution summary, stop reason, report", () => {
  const rt = project("guard-test", 1);
  walkToGate(rt);
  pass(rt.cp("3_WRONG_TOOL_GATE", { gate_verdict: "PROCEED" }), "cp PROCEED");
  pass(rt.adv("4_RESEARCH"), "3. PROCEED -> research");

  pass(rt.cp("4_RESEARCH", { hypotheses_count: 3 }), "cp research 3");
  rejected(rt.adv("10_AGGREGATE"), /^Phase 4 can jump to aggregate only when no hypotheses remain$/, "4. research -> aggregate");
  pass(rt.adv("5_SET_TARGET"), "adv target");
  pass(rt.cp("5_SET_TARGET"), "cp target");
  pass(rt.adv("6_WRITE_CONTEXT"), "adv context");

  pass(rt.cp("6_WRITE_CONTEXT"), "cp context without file");
  rejected(rt.adv("7_VALIDATE_PLAN"), /^Context file not recorded$/, "5. no context file");
  pass(rt.cp("6_WRITE_CONTEXT", { context_file: "ctx.md" }), "cp context");
  pass(rt.adv("7_VALIDATE_PLAN"), "6. context -> validate");

  pass(rt.rwr("ln-813", { verdict: "NO_GO" }), "rwr NO_GO");
  pass(rt.cp("7_VALIDATE_PLAN", { validation_verdict: "NO_GO" }), "cp NO_GO");
  const noGo = rt.adv("8_EXECUTE");
  assert.equal(noGo.json.ok, false, "7. NO_GO -> execute is rejected");
  const paused = rt.status().json;
  assert.equal(paused.state.phase, "PAUSED", "NO_GO pauses the run");
  assert.equal(paused.state.pending_decision.kind, "validation_no_go");
  assert.equal(paused.state.pending_decision.blocking, true);
  pass(rt.cp("7_VALIDATE_PLAN", { validation_verdict: "GO" }), "re-cp GO");
  const resumed = rt.status().json.state;
  assert.equal(resumed.phase, "PHASE_7_VALIDATE_PLAN");
  assert.equal(resumed.pending_decision, null);
  assert.equal(resumed.decisions.at(-1).kind, "validation_no_go");
  pass(rt.adv("8_EXECUTE"), "GO -> execute");

  pass(rt.cp("8_EXECUTE"), "cp execute without result");
  rejected(rt.adv("9_CYCLE_BOUNDARY"), /^Execution summary missing$/, "8. no execution summary");
  pass(rt.cp("8_EXECUTE", { execution_result: { target_met: true } }), "cp execute");
  pass(rt.adv("9_CYCLE_BOUNDARY"), "adv boundary");
  pass(rt.cp("9_CYCLE_BOUNDARY", { stop_reason: "TARGET_MET", final_result: "TARGET_MET" }), "cp boundary");

  rejected(rt.adv("2_PROFILE"), /^Stop reason recorded; cannot continue to another cycle$/, "9. boundary -> profile");
  pass(rt.adv("10_AGGREGATE"), "adv aggregate");
  pass(rt.cp("10_AGGREGATE"), "cp aggregate");
  pass(rt.adv("11_REPORT"), "adv report");

  pass(rt.cp("11_REPORT", { final_result: "TARGET_MET" }), "cp report without report_ready");
  rejected(rt.call("complete"), /^Final report checkpoint missing$/, "10. complete without report_ready");
});
