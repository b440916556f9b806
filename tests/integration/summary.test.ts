import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { after, test } from "node:test";
import { CorruptStateError } from "../../src/errors.ts";
import { readSummary, standaloneRunId, writeSummary } from "../../src/runtime/summary.ts";
import { removeDir, tempDir } from "../helpers/cli.ts";

const dirs: string[] = [];
after(() => dirs.forEach(removeDir));

test("summary envelopes are written where the contract puts them and read back validated", () => {
  const dir = tempDir();
  dirs.push(dir);
  const runId = "ln-810-align-1743500000000-3f9c2a1b";
  const { path, envelope } = writeSummary({
    projectRoot: dir,
    runId,
    slug: "Align Endpoint",
    kind: "optimization-profile",
    payload: { baseline: { wall_time_ms: 6300 } },
    nowMs: Date.UTC(2026, 10, 24),
    pid: 1,
  });
  assert.equal(path, `${dir}/.hex-skills/runtime-artifacts/runs/${runId}/optimization-profile/align-endpoint.json`);
  assert.equal(envelope.producer_skill, "ln-811");
  assert.equal(envelope.produced_at, "2026-11-24T00:00:00.000Z");
  assert.ok(readFileSync(path, "utf8").endsWith("}\n"));
  assert.deepEqual(readSummary(dir, runId, "optimization-profile", "Align Endpoint"), envelope);
  assert.equal(readSummary(dir, runId, "optimization-research", "Align Endpoint"), null);

  writeFileSync(path, JSON.stringify({ ...envelope, extra: 1 }));
  assert.throws(() => readSummary(dir, runId, "optimization-profile", "Align Endpoint"), (error: unknown) => {
    assert.ok(error instanceof CorruptStateError);
    assert.match(error.message, /additional property is not allowed/);
    return true;
  });
  assert.ok(existsSync(path));
});

test("standalone run ids follow standalone-{skill}-{YYYYMMDD}-{hash}", () => {
  const id = standaloneRunId("ln-811", Date.UTC(2026, 3, 1), "seed");
  assert.match(id, /^standalone-ln-811-20260401-[0-9a-f]{8}$/);
  assert.notEqual(id, standaloneRunId("ln-811", Date.UTC(2026, 3, 1), "other"));
});
