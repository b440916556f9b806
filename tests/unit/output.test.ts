// colorEnabled and Output (src/ui/output.ts): colour only on a terminal and never with --no-color or
// NO_COLOR; in --json mode nothing but JSON is written.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Output, colorEnabled, type OutputSink, type Style } from "../../src/ui/output.ts";

const ESC = "\u001b";

describe("colorEnabled", () => {
  type Env = Record<string, string | undefined>;
  const cases: [label: string, flag: boolean, env: Env, tty: boolean, expected: boolean][] = [
    ["a terminal, nothing set", true, {}, true, true],
    ["not a terminal", true, {}, false, false],
    ["--no-color on a terminal", false, {}, true, false],
    ["--no-color beats FORCE_COLOR", false, { FORCE_COLOR: "1" }, true, false],
    ["NO_COLOR=1", true, { NO_COLOR: "1" }, true, false],
    ["NO_COLOR=0 (any non-empty value)", true, { NO_COLOR: "0" }, true, false],
    ["NO_COLOR empty is ignored", true, { NO_COLOR: "" }, true, true],
    ["NO_COLOR undefined is ignored", true, { NO_COLOR: undefined }, true, true],
    ["NO_COLOR beats FORCE_COLOR", true, { NO_COLOR: "1", FORCE_COLOR: "1" }, true, false],
    ["FORCE_COLOR=1 without a terminal", true, { FORCE_COLOR: "1" }, false, true],
    ["FORCE_COLOR=3 without a terminal", true, { FORCE_COLOR: "3" }, false, true],
    ["FORCE_COLOR=true without a terminal", true, { FORCE_COLOR: "true" }, false, true],
    ["FORCE_COLOR=0 does not force", true, { FORCE_COLOR: "0" }, false, false],
    ["FORCE_COLOR=0 on a terminal", true, { FORCE_COLOR: "0" }, true, true],
    ["FORCE_COLOR empty does not force", true, { FORCE_COLOR: "" }, false, false],
    ["TERM=dumb on a terminal", true, { TERM: "dumb" }, true, false],
    ["TERM=xterm-256color on a terminal", true, { TERM: "xterm-256color" }, true, true],
    ["TERM=dumb with FORCE_COLOR", true, { TERM: "dumb", FORCE_COLOR: "1" }, true, true],
    ["TERM=xterm without a terminal", true, { TERM: "xterm" }, false, false],
  ];
  for (const [label, flag, env, tty, expected] of cases) {
    test(`${label} -> ${expected}`, () => {
      assert.equal(colorEnabled(flag, env, tty), expected);
    });
  }
});

/** A sink that records what was written where. */
function sink(): OutputSink & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return {
    stdout,
    stderr,
    writeStdout: (text) => void stdout.push(text),
    writeStderr: (text) => void stderr.push(text),
  };
}

describe("Output in --json mode", () => {
  test("only the JSON document reaches stdout; lines and notes are dropped", () => {
    const s = sink();
    const out = new Output(s, { json: true, color: false });
    out.line("Profiling…");
    out.note("warning: noisy machine");
    out.line();
    out.json({ ok: true, run_id: "r1", nested: { list: [1, 2] } });
    out.line("after");
    assert.deepEqual(s.stdout, ['{\n  "ok": true,\n  "run_id": "r1",\n  "nested": {\n    "list": [\n      1,\n      2\n    ]\n  }\n}\n']);
    assert.deepEqual(s.stderr, []);
    assert.deepEqual(JSON.parse(s.stdout.join("")), { ok: true, run_id: "r1", nested: { list: [1, 2] } });
  });

  test("stays plain even when colour is on", () => {
    const s = sink();
    const out = new Output(s, { json: true, color: true });
    out.json({ message: "x" });
    out.error("boom", "try again", "usage");
    assert.ok(!s.stdout.join("").includes(ESC));
    assert.ok(!s.stderr.join("").includes(ESC));
  });

  const errors: [label: string, args: [string, string?, string?], line: string, parsed: Record<string, unknown>][] = [
    [
      "message, hint and code",
      ["Run not found: r1", "pass a run id printed by status", "not_found"],
      '{"ok":false,"error":"Run not found: r1","code":"not_found","hint":"pass a run id printed by status"}\n',
      { ok: false, error: "Run not found: r1", code: "not_found", hint: "pass a run id printed by status" },
    ],
    ["message only", ["boom"], '{"ok":false,"error":"boom"}\n', { ok: false, error: "boom" }],
    [
      "message and code",
      ['quote " and\nnewline', undefined, "usage"],
      '{"ok":false,"error":"quote \\" and\\nnewline","code":"usage"}\n',
      { ok: false, error: 'quote " and\nnewline', code: "usage" },
    ],
  ];
  for (const [label, args, line, parsed] of errors) {
    test(`error with ${label}: one compact JSON line on stderr`, () => {
      const s = sink();
      new Output(s, { json: true, color: false }).error(...args);
      assert.deepEqual(s.stdout, []);
      assert.deepEqual(s.stderr, [line]);
      assert.deepEqual(JSON.parse(s.stderr[0]!), parsed);
      assert.equal(s.stderr[0]!.split("\n").length, 2, "exactly one line");
    });
  }
});

describe("Output for people", () => {
  test("line goes to stdout, note to stderr, each with a newline", () => {
    const s = sink();
    const out = new Output(s, { json: false, color: false });
    out.line("hello");
    out.line();
    out.note("careful");
    assert.deepEqual(s.stdout, ["hello\n", "\n"]);
    assert.deepEqual(s.stderr, ["careful\n"]);
  });

  test("json() still writes the document", () => {
    const s = sink();
    new Output(s, { json: false, color: false }).json([1]);
    assert.deepEqual(s.stdout, ["[\n  1\n]\n"]);
  });

  const errors: [label: string, color: boolean, args: [string, string?, string?], line: string][] = [
    ["no hint, no colour", false, ["Run not found: r1"], "perfloop: Run not found: r1\n"],
    ["a hint, no colour", false, ["unknown flag --fast", "run `perfloop --help`"], "perfloop: unknown flag --fast (run `perfloop --help`)\n"],
    ["the code is not shown", false, ["bad", undefined, "usage"], "perfloop: bad\n"],
    ["colour", true, ["boom"], `${ESC}[31mperfloop:${ESC}[39m boom\n`],
    ["colour and a hint", true, ["boom", "fix it"], `${ESC}[31mperfloop:${ESC}[39m boom (fix it)\n`],
  ];
  for (const [label, color, args, line] of errors) {
    test(`error, ${label}`, () => {
      const s = sink();
      new Output(s, { json: false, color }).error(...args);
      assert.deepEqual(s.stdout, []);
      assert.deepEqual(s.stderr, [line]);
    });
  }

  const styles: [Style, number, number][] = [
    ["bold", 1, 22],
    ["dim", 2, 22],
    ["red", 31, 39],
    ["green", 32, 39],
    ["yellow", 33, 39],
    ["cyan", 36, 39],
  ];
  for (const [style, open, close] of styles) {
    test(`style ${style}: SGR ${open}/${close} with colour, plain text without`, () => {
      const on = new Output(sink(), { json: false, color: true });
      const off = new Output(sink(), { json: false, color: false });
      assert.equal(on.style(style, "txt"), `${ESC}[${open}mtxt${ESC}[${close}m`);
      assert.equal(off.style(style, "txt"), "txt");
    });
  }

  test("the options are readable", () => {
    assert.deepEqual(new Output(sink(), { json: true, color: false }).options, { json: true, color: false });
  });
});
