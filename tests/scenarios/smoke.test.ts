// Port of the original runtime's smoke.mjs and platform-regression.mjs (runtime contract §7).
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { RuntimeDriver, cli, removeDir, tempDir, type CliResult } from "../helpers/cli.ts";

const dirs: string[] = [];
after(() => dirs.forEach(removeDir));

function okCall(result: CliResult, what: string): any {
  assert.equal(result.code, 0, `${what}: exit ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`);
  assert.equal(result.json?.ok, true, `${what}: ${result.stdout}`);
  return result.json;
}

test("smoke: one full cycle from start to complete", () => {
  const dir = tempDir();
  dirs.push(dir);
  const rt = new RuntimeDriver(dir, "align-endpoint");
  const started = okCall(rt.start(3), "start");
  assert.match(started.run_id, /^ln-810-align-endpoint-\d+-[0-9a-f]{8}$/);
  assert.equal(started.runtime, undefined, "start has no runtime key");
  assert.equal(started.state.phase, "PHASE_0_PREFLIGHT");

  okCall(rt.cp("0_PREFLIGHT"), "cp preflight");
  okCall(rt.adv("1_PARSE_INPUT"), "adv parse");
  okCall(rt.cp("1_PARSE_INPUT", { target_metric: { value: 500, unit: "ms" } }), "cp parse");
  okCall(rt.adv("2_PROFILE"), "adv profile");
  okCall(rt.rwr("ln-811", { baseline: { wall_time_ms: 6300 } }), "rwr ln-811");
  okCall(rt.cp("2_PROFILE"), "cp profile");
  okCall(rt.adv("3_WRONG_TOOL_GATE"), "adv gate");
  okCall(rt.cp("3_WRONG_TOOL_GATE", { gate_verdict: "PROCEED" }), "cp gate");
  okCall(rt.adv("4_RESEARCH"), "adv research");
  okCall(rt.rwr("ln-812", { hypotheses: ["H1"] }), "rwr ln-812");
  okCall(rt.cp("4_RESEARCH", { hypotheses_count: 1 }), "cp research");
  okCall(rt.adv("5_SET_TARGET"), "adv set target");
  okCall(rt.cp("5_SET_TARGET", { target_metric: { value: 500, unit: "ms" } }), "cp set target");
  okCall(rt.adv("6_WRITE_CONTEXT"), "adv write context");
  okCall(rt.cp("6_WRITE_CONTEXT", { context_file: ".hex-skills/optimization/align-endpoint/context.md" }), "cp context");
  okCall(rt.adv("7_VALIDATE_PLAN"), "adv validate");
  okCall(rt.rwr("ln-813", { verdict: "GO" }), "rwr ln-813");
  okCall(rt.cp("7_VALIDATE_PLAN", { validation_verdict: "GO" }), "cp validate");
  okCall(rt.adv("8_EXECUTE"), "adv execute");
  okCall(rt.rwr("ln-814", { target_met: true }), "rwr ln-814");
  okCall(rt.cp("8_EXECUTE", { execution_result: { target_met: true } }), "cp execute");
  okCall(rt.adv("9_CYCLE_BOUNDARY"), "adv boundary");
  const cycle = okCall(
    rt.call("record-cycle", { payload: { cycle: 1, status: "completed", stop_reason: "TARGET_MET", final_result: "TARGET_MET" } }),
    "record-cycle",
  );
  assert.equal(cycle.state.cycles.length, 1);
  okCall(rt.cp("9_CYCLE_BOUNDARY", { stop_reason: "TARGET_MET", final_result: "TARGET_MET" }), "cp boundary");
  okCall(rt.adv("10_AGGREGATE"), "adv aggregate");
  okCall(rt.cp("10_AGGREGATE"), "cp aggregate");
  okCall(rt.adv("11_REPORT"), "adv report");
  okCall(rt.cp("11_REPORT", { report_ready: true, final_result: "TARGET_MET" }), "cp report");
  const done = okCall(rt.call("complete"), "complete");
  assert.equal(done.state.phase, "DONE");
  assert.equal(done.state.complete, true);

  // The pointer is gone once the run completes; the run itself stays readable by id.
  const afterStatus = okCall(rt.status(), "status after complete");
  assert.deepEqual(afterStatus, { ok: true, active: false, runtime: null });
  const byId = okCall(rt.call("status", { "run-id": started.run_id }), "status by run id");
  assert.equal(byId.active, false);
  assert.equal(byId.state.final_result, "TARGET_MET");
  assert.equal(byId.resume_action, "Run complete");
  assert.equal(Object.keys(byId.state.worker_results).sort().join(","), "ln-811,ln-812,ln-813,ln-814");
});

test("platform regression: status in an empty project reports no active run", () => {
  const dir = tempDir();
  dirs.push(dir);
  const result = cli(["runtime", "status", "--project-root", dir], { cwd: dir });
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(result.json, { ok: true, active: false, runtime: null });
});
