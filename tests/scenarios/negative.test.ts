// Port of the original runtime's negative.mjs (runtime contract §7).
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { RuntimeDriver, removeDir, tempDir, type CliResult } from "../helpers/cli.ts";

const dirs: string[] = [];
after(() => dirs.forEach(removeDir));

function mustPass(result: CliResult, what: string): void {
  assert.equal(result.code, 0, `${what}: ${result.stdout}${result.stderr}`);
  assert.equal(result.json?.ok, true, what);
}

test("negative: BLOCK refuses research; complete without a final result is refused", () => {
  const dir = tempDir();
  dirs.push(dir);
  const rt = new RuntimeDriver(dir, "neg-test");
  mustPass(rt.start(3), "start");
  mustPass(rt.cp("0_PREFLIGHT"), "cp preflight");
  mustPass(rt.adv("1_PARSE_INPUT"), "adv");
  mustPass(rt.cp("1_PARSE_INPUT", { target_metric: { value: 500, unit: "ms" } }), "cp parse");
  mustPass(rt.adv("2_PROFILE"), "adv");
  mustPass(rt.cp("2_PROFILE"), "cp profile");
  mustPass(rt.adv("3_WRONG_TOOL_GATE"), "adv");
  mustPass(rt.cp("3_WRONG_TOOL_GATE", { gate_verdict: "BLOCK" }), "cp gate BLOCK");

  const refused = rt.adv("4_RESEARCH");
  assert.equal(refused.json.ok, false);
  assert.match(refused.json.error, /Wrong Tool Gate/);
  assert.equal(refused.code, 1);
  assert.deepEqual(refused.json.validation_errors, []);

  mustPass(rt.cp("3_WRONG_TOOL_GATE", { gate_verdict: "PROCEED" }), "re-cp gate PROCEED");
  mustPass(rt.adv("4_RESEARCH"), "adv research");
  mustPass(rt.cp("4_RESEARCH", { hypotheses_count: 1 }), "cp research");
  mustPass(rt.adv("5_SET_TARGET"), "adv");
  mustPass(rt.cp("5_SET_TARGET"), "cp target");
  mustPass(rt.adv("6_WRITE_CONTEXT"), "adv");
  mustPass(rt.cp("6_WRITE_CONTEXT", { context_file: "ctx.md" }), "cp context");
  mustPass(rt.adv("7_VALIDATE_PLAN"), "adv");
  mustPass(rt.cp("7_VALIDATE_PLAN", { validation_verdict: "GO" }), "cp GO");
  mustPass(rt.adv("8_EXECUTE"), "adv");
  mustPass(rt.cp("8_EXECUTE", { execution_result: { target_met: true } }), "cp execute");
  mustPass(rt.adv("9_CYCLE_BOUNDARY"), "adv");
  mustPass(rt.cp("9_CYCLE_BOUNDARY", { stop_reason: "TARGET_MET" }), "cp boundary");
  mustPass(rt.adv("10_AGGREGATE"), "adv");
  mustPass(rt.cp("10_AGGREGATE"), "cp aggregate");
  mustPass(rt.adv("11_REPORT"), "adv");
  mustPass(rt.cp("11_REPORT", { report_ready: true }), "cp report");

  const complete = rt.call("complete");
  assert.equal(complete.json.ok, false);
  assert.match(complete.json.error, /Final result/);
  assert.equal(complete.code, 1);
  assert.equal(rt.status().json.state.phase, "PHASE_11_REPORT", "a refused complete changes nothing");
});
