import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { test } from "node:test";
import { stagedSay, type ExecuteEvent } from "../../src/execute/executor.ts";
import { comparisonProgress, timeLeft } from "../../src/profile/ab-progress.ts";
import { createProgress, progressMode, LINE_INTERVAL_MS, type ProgressIo } from "../../src/ui/progress.ts";
import { elapsedText, Spinner, spinnerLine, type TerminalInput } from "../../src/ui/spinner.ts";

/** Progress into `out`, on a clock the test moves. */
function recorder(): { out: string[]; clock: { now: number }; io: ProgressIo } {
  const out: string[] = [];
  const clock = { now: 0 };
  return { out, clock, io: { write: (text) => void out.push(text), now: () => clock.now, columns: () => 80, input: null, interrupt: () => {}, color: false } };
}

test("progress mode: JSON is silent, CI prints lines, a terminal gets a spinner", () => {
  assert.equal(progressMode({ json: true, env: {}, stderrIsTTY: true }), "silent");
  assert.equal(progressMode({ json: false, env: { CI: "true" }, stderrIsTTY: true }), "lines");
  assert.equal(progressMode({ json: false, env: { CI: "false" }, stderrIsTTY: true }), "spinner");
  assert.equal(progressMode({ json: false, env: {}, stderrIsTTY: false }), "lines");
  assert.equal(progressMode({ json: false, env: {}, stderrIsTTY: true }), "spinner");
});

test("plain lines are throttled and the last update is not lost", async () => {
  const { out, clock, io } = recorder();
  const progress = createProgress("lines", io);
  await progress.start("profiling");
  for (let run = 1; run <= 10; run++) {
    clock.now += LINE_INTERVAL_MS / 4;
    progress.update(`run ${run} of 10`);
  }
  progress.stop();
  assert.deepEqual(out, ["profiling\n", "run 4 of 10\n", "run 8 of 10\n", "run 10 of 10\n"]);
});

test("plain lines: an important update and a finished step are always printed; a step supersedes what was pending", async () => {
  const { out, clock, io } = recorder();
  const progress = createProgress("lines", io);
  await progress.start("preflight: copying HEAD");
  progress.step("preflight: HEAD copied (4.00 ms)");
  progress.update("preflight: running the tests", true);
  clock.now += 10;
  progress.update("round 1 of 20");
  progress.step("preflight: the tests pass (3.21 s)");
  progress.stop();
  assert.deepEqual(out, ["preflight: copying HEAD\n", "preflight: HEAD copied (4.00 ms)\n", "preflight: running the tests\n", "preflight: the tests pass (3.21 s)\n"]);
});

test("silent progress writes nothing", async () => {
  const { out, io } = recorder();
  const progress = createProgress("silent", io);
  await progress.start("x");
  progress.update("y");
  progress.step("s");
  progress.stop("z");
  assert.deepEqual(out, []);
});

test("the spinner's timer and line: clack's [7s] / [2m 5s], cut to the terminal's width, trailing dots dropped", () => {
  for (const [ms, text] of [[0, "[0s]"], [7_900, "[7s]"], [59_999, "[59s]"], [60_000, "[1m 0s]"], [125_000, "[2m 5s]"]] as const) assert.equal(elapsedText(ms), text, String(ms));
  assert.equal(spinnerLine("*", "measuring...", 3_000, 80), "*  measuring [3s]");
  const long = spinnerLine("*", "x".repeat(200), 3_000, 40);
  assert.equal(long.length, 39);
  assert.ok(long.endsWith("…"));
});

/** A terminal's stdin: raw mode and data listeners recorded; `type` delivers bytes as the terminal would. */
class FakeInput extends EventEmitter implements TerminalInput {
  readonly isTTY = true;
  raw: boolean[] = [];
  flowing = false;
  setRawMode(raw: boolean) {
    this.raw.push(raw);
  }
  resume() {
    this.flowing = true;
  }
  pause() {
    this.flowing = false;
  }
  type(bytes: number[]) {
    this.emit("data", new Uint8Array(bytes));
  }
}

test("the spinner holds the terminal's input, drops keys typed meanwhile, and turns Ctrl-C into the interrupt after giving the terminal back", () => {
  const input = new FakeInput();
  const out: string[] = [];
  let interrupts = 0;
  const spinner = new Spinner({ write: (text) => void out.push(text), now: () => 0, columns: () => 80, input, interrupt: () => interrupts++, color: false });
  spinner.start("cycle 1/3 · phase 2 profile");
  try {
    assert.deepEqual(input.raw, [true]);
    assert.equal(input.flowing, true);
    assert.equal(input.listenerCount("data"), 1);
    assert.match(out.join(""), /cycle 1\/3 · phase 2 profile \[0s\]/);
    input.type([0x1b]); // Esc: clack's spinner exits 0 on it; this one ignores it
    input.type([0x79, 0x0d]);
    assert.equal(interrupts, 0);
    input.type([0x03]);
    assert.equal(interrupts, 1);
    assert.deepEqual(input.raw, [true, false], "raw mode is off before the signal is raised");
    assert.equal(input.listenerCount("data"), 0);
    assert.equal(input.flowing, false);
  } finally {
    spinner.stop("stopped", "error");
  }
  assert.deepEqual(input.raw, [true, false], "stopping after a Ctrl-C leaves the terminal alone");
  assert.match(out.at(-1)!, /stopped \[0s\]\n/);
});

test("the spinner's step is a line kept above it; stop gives the input back", () => {
  const input = new FakeInput();
  const out: string[] = [];
  const spinner = new Spinner({ write: (text) => void out.push(text), now: () => 2_000, columns: () => 80, input, interrupt: () => assert.fail("no Ctrl-C"), color: false });
  spinner.start("preflight: running the tests");
  spinner.step("preflight: the tests pass (3.21 s)");
  spinner.message("preflight: running the target once");
  spinner.stop("preflight: done (3.60 s)", "done");
  const text = out.join("");
  assert.match(text, /preflight: the tests pass \(3\.21 s\)\n/);
  assert.match(text, /preflight: done \(3\.60 s\) \[0s\]\n/);
  assert.deepEqual(input.raw, [true, false]);
  assert.equal(input.listenerCount("data"), 0);
});

test("a spinner on a stdin that is not a terminal leaves it alone", () => {
  const input = Object.assign(new FakeInput(), { isTTY: false });
  const spinner = new Spinner({ write: () => {}, now: () => 0, columns: () => 80, input, interrupt: () => {}, color: false });
  spinner.start("x");
  spinner.stop("y", "done");
  assert.deepEqual(input.raw, []);
  assert.equal(input.listenerCount("data"), 0);
});

test("estimates: coarse and honest", () => {
  for (const [ms, text] of [[400, "under a second left"], [1_400, "about 1 s left"], [59_400, "about 59 s left"], [61_000, "about 1 min left"], [150_000, "about 3 min left"], [4_980_000, "about 1 h 23 min left"]] as const) assert.equal(timeLeft(ms), text, String(ms));
});

test("a comparison's progress names the sets, the round, and estimates the time left from its own pace", () => {
  let now = 1_000;
  const text = comparisonProgress("H1, H2 against the base", () => now);
  assert.equal(text({ phase: "warmup", arm: "a", round: 1, of: 1, last_ms: 100 }), "H1, H2 against the base: warm-up 1 of 1");
  // Each run takes 100 ms: the first began 100 ms before its event.
  now += 100;
  assert.equal(text({ phase: "measure", arm: "a", round: 1, of: 20, last_ms: 100 }), "H1, H2 against the base: round 1 of 20");
  now += 100;
  // 2 runs in 200 ms; 38 of the 40 planned runs left: 3.8 s.
  assert.equal(text({ phase: "measure", arm: "b", round: 1, of: 20, last_ms: 100 }), "H1, H2 against the base: round 1 of 20, about 4 s left");
  for (let run = 3; run <= 39; run++) {
    now += 100;
    text({ phase: "measure", arm: run % 2 ? "a" : "b", round: Math.ceil(run / 2), of: 20, last_ms: 100 });
  }
  now += 100;
  assert.equal(text({ phase: "measure", arm: "b", round: 20, of: 20, last_ms: 100 }), "H1, H2 against the base: round 20 of 20", "nothing left: no estimate");
});

test("the executor's events: rounds' steps come under the stage that asked for them; only measuring rounds may be throttled", () => {
  const events: ExecuteEvent[] = [];
  const say = stagedSay((event) => events.push(event));
  say("prepare", "materializing the side work trees");
  say("strike", "tests with H1, H2");
  say("tests", "tests with H1, H2");
  say("bisect", "the tests fail with H1, H2; finding which hypotheses break them");
  say("tests", "tests with H1");
  say("confine", "a notice");
  say("bisect", "measuring H2 against the base");
  say("measure", "H2 against the base: round 1 of 20");
  say("contested", "trying H3 on top of H2");
  say("tests", "tests with H2, H3");
  assert.deepEqual(
    events.map((e) => `${e.important ? "!" : " "} ${e.stage}: ${e.message}`),
    [
      "! prepare: materializing the side work trees",
      "! strike: tests with H1, H2",
      "! bisect: the tests fail with H1, H2; finding which hypotheses break them",
      "! bisect: tests with H1",
      "! bisect: a notice",
      "! bisect: measuring H2 against the base",
      "  bisect: H2 against the base: round 1 of 20",
      "! contested: trying H3 on top of H2",
      "! contested: tests with H2, H3",
    ],
  );
});
