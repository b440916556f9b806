// A bisect's checkpoint (src/bisect/state.ts) read back through its schema, and the order of the
// arms in a session's rounds (src/bisect/measure.ts), and what a checkpoint's target is measured
// with (src/bisect/target.ts) and for how long a round may run (src/bisect/run.ts).
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { roundOrder } from "../../src/bisect/measure.ts";
import { PROBE_TIMEOUT_FLOOR_MS, runLimitMs } from "../../src/bisect/run.ts";
import { runnerOf, targetArgs } from "../../src/bisect/target.ts";
import { type BisectState, bisectStatePath, readBisectState, scanBisects, writeBisectState } from "../../src/bisect/state.ts";
import { CorruptStateError } from "../../src/errors.ts";
import { removeDir, tempDir } from "../helpers/cli.ts";

const dirs: string[] = [];
after(() => dirs.forEach(removeDir));

const sha = (c: string) => c.repeat(40);
const comparison = { ratio: 5, ci: [4.8, 5.2] as [number, number], p: 0.002, n: 10, median_a: 50, median_b: 250 };

function state(overrides: Partial<BisectState> = {}): BisectState {
  return {
    version: 1,
    kind: "bisect",
    slug: "bisect",
    status: "running",
    started_at: "2026-12-01T00:00:00.000Z",
    updated_at: "2026-12-01T00:00:00.000Z",
    options: { good_ref: "v1", bad_ref: "HEAD", command: "sh work.sh", threshold: 0.02, test: null, setup: null, max_runs: 30, warmup: 1, allow_write: [], subdir: "", keep_trees: false, serve: null },
    commits: [sha("a"), sha("b"), sha("c")],
    events: [{ kind: "confirm", outcome: "confirmed", vs: comparison, reason: "r", rounds: 10, ms: 1200 }],
    ...overrides,
  };
}

describe("bisect checkpoint", () => {
  test("written and read back as it was", () => {
    const dir = tempDir();
    dirs.push(dir);
    const path = bisectStatePath(dir, "bisect");
    writeBisectState(path, state(), 1);
    assert.deepEqual(readBisectState(path), state());
    assert.equal(readBisectState(join(dir, "absent.json")), null);
  });

  const damaged: [string, (text: string) => string, RegExp][] = [
    ["not JSON", (text) => text.slice(0, 40), /not JSON/],
    ["a commit that is not a full id", (text) => text.replace(sha("b"), "abc"), /commits\.1: a full commit id/],
    ["an unknown verdict", (text) => text.replace('"confirmed"', '"maybe"'), /events\.0/],
    ["a p-value above 1", (text) => text.replace('"p": 0.002', '"p": 2'), /events\.0\.vs\.p/],
  ];
  for (const [name, damage, message] of damaged) {
    test(`damaged (${name}): a CorruptStateError naming the file`, () => {
      const dir = tempDir();
      dirs.push(dir);
      const path = bisectStatePath(dir, "bisect");
      writeBisectState(path, state(), 1);
      writeFileSync(path, damage(readFileSync(path, "utf8")));
      assert.throws(() => readBisectState(path), (error: unknown) => error instanceof CorruptStateError && /\.hex-skills\/optimization\/bisect\/bisect\.json is corrupt/.test(error.message) && message.test(error.message));
    });
  }

  test("the scan finds the unfinished ones, keeps damaged ones apart, skips finished ones", () => {
    const dir = tempDir();
    dirs.push(dir);
    writeBisectState(bisectStatePath(dir, "one"), state({ slug: "one" }), 1);
    writeBisectState(bisectStatePath(dir, "done"), state({ slug: "done", status: "done" }), 1);
    mkdirSync(join(dir, ".hex-skills", "optimization", "broken"), { recursive: true });
    writeFileSync(bisectStatePath(dir, "broken"), "{");
    const scanned = scanBisects(dir);
    assert.deepEqual(scanned.unfinished.map((found) => found.slug), ["one"]);
    assert.equal(scanned.damaged.length, 1);
    assert.deepEqual(scanBisects(tempDir()), { unfinished: [], damaged: [] });
  });
});

describe("bisect session order", () => {
  test("two arms alternate, A B then B A", () => {
    assert.deepEqual([0, 1, 2, 3].map((round) => roundOrder(2, round).join("")), ["01", "10", "01", "10"]);
  });
  test("three arms: over six rounds each arm takes each position twice and follows each other arm equally often", () => {
    const orders = [0, 1, 2, 3, 4, 5].map((round) => roundOrder(3, round));
    for (let arm = 0; arm < 3; arm++) {
      for (let position = 0; position < 3; position++) assert.equal(orders.filter((order) => order[position] === arm).length, 2);
    }
    const follows = new Map<string, number>();
    for (const order of orders) for (let i = 1; i < 3; i++) follows.set(`${order[i - 1]}${order[i]}`, (follows.get(`${order[i - 1]}${order[i]}`) ?? 0) + 1);
    assert.deepEqual([...follows.values()].sort(), [2, 2, 2, 2, 2, 2]);
    assert.deepEqual(roundOrder(3, 6), roundOrder(3, 0));
  });
  test("other arm counts are refused", () => {
    assert.throws(() => roundOrder(4, 0), /2 or 3 arms/);
  });
});

describe("bisect targets", () => {
  const endpoint = {
    ...state().options,
    command: "http://127.0.0.1:3000/work",
    target_spec: { kind: "endpoint" as const, url: "http://127.0.0.1:3000/work", method: "POST", requests: 20, concurrency: 2, body: "{}" },
    serve: { command: "node server.mjs", ready_path: "/health", ready_timeout_s: 30 },
  };
  const fn = { ...state().options, command: "fn:lib.mjs#work", target_spec: { kind: "function" as const, file: "lib.mjs", export_name: "work", args: [1, "a b"] } };

  test("a function's and an endpoint's checkpoint are read back as written", () => {
    const dir = tempDir();
    dirs.push(dir);
    for (const options of [endpoint, fn]) {
      const path = bisectStatePath(dir, "bisect");
      writeBisectState(path, state({ options }), 1);
      assert.deepEqual(readBisectState(path), state({ options }));
    }
  });

  test("each kind has its runner and metric; an older checkpoint's target is its command", () => {
    assert.deepEqual([runnerOf(state().options), runnerOf(fn), runnerOf(endpoint)].map(({ runner, noun }) => [runner.metric, noun]), [
      ["wall_time_ms", "the command"],
      ["time_per_call_ns", "the function"],
      ["latency_p50_ms", "the server"],
    ]);
    assert.throws(() => runnerOf({ ...endpoint, serve: null }), /needs --serve/);
  });

  test("the target's arguments name it again, with the flags that define it", () => {
    assert.deepEqual(targetArgs(state().options), ["sh work.sh"]);
    assert.deepEqual(targetArgs(fn), ["fn:lib.mjs#work", "--args", '[1,"a b"]']);
    assert.deepEqual(targetArgs(endpoint), ["http://127.0.0.1:3000/work", "--serve", "node server.mjs", "--ready-path", "/health", "--ready-timeout", "30", "--requests", "20", "--concurrency", "2", "--method", "POST", "--body", "{}"]);
  });

  test("a round's limit comes from the slower end's round time, not from the medians of another unit", () => {
    const confirm = (round_ms?: number) => [{ kind: "confirm" as const, outcome: "confirmed" as const, vs: { ...comparison, median_a: 80_000, median_b: 400_000 }, reason: "r", rounds: 10, ms: 1, ...(round_ms === undefined ? {} : { round_ms }) }];
    // A function's medians are ns per call: 400 000 ns is not a 400 s round.
    assert.equal(runLimitMs(state({ options: fn, events: confirm(10_000) })), 100_000);
    assert.equal(runLimitMs(state({ options: fn, events: confirm(300) })), PROBE_TIMEOUT_FLOOR_MS);
    // An older command checkpoint has no round time: its medians are wall times.
    assert.equal(runLimitMs(state({ events: [{ ...confirm()[0]!, vs: { ...comparison, median_b: 9_000 } }] })), 90_000);
  });
});
