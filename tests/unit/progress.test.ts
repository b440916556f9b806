import assert from "node:assert/strict";
import { test } from "node:test";
import { createProgress, progressMode, LINE_INTERVAL_MS } from "../../src/ui/progress.ts";

test("progress mode: JSON is silent, CI prints lines, a terminal gets a spinner", () => {
  assert.equal(progressMode({ json: true, env: {}, stderrIsTTY: true }), "silent");
  assert.equal(progressMode({ json: false, env: { CI: "true" }, stderrIsTTY: true }), "lines");
  assert.equal(progressMode({ json: false, env: { CI: "false" }, stderrIsTTY: true }), "spinner");
  assert.equal(progressMode({ json: false, env: {}, stderrIsTTY: false }), "lines");
  assert.equal(progressMode({ json: false, env: {}, stderrIsTTY: true }), "spinner");
});

test("plain lines are throttled and the last update is not lost", async () => {
  const out: string[] = [];
  let clock = 0;
  const progress = createProgress("lines", (text) => out.push(text), () => clock);
  await progress.start("profiling");
  for (let run = 1; run <= 10; run++) {
    clock += LINE_INTERVAL_MS / 4;
    progress.update(`run ${run} of 10`);
  }
  progress.stop();
  assert.deepEqual(out, ["profiling\n", "run 4 of 10\n", "run 8 of 10\n", "run 10 of 10\n"]);
});

test("silent progress writes nothing", async () => {
  const out: string[] = [];
  const progress = createProgress("silent", (text) => out.push(text));
  await progress.start("x");
  progress.update("y");
  progress.stop("z");
  assert.deepEqual(out, []);
});
