// The JSON inside an agent's answer (src/research/json-extract.ts): the one object of a text,
// string-aware brace matching, and every way there is none or more than one, as a table.
import assert from "node:assert/strict";
import { test } from "node:test";
import { extractJsonObject, jsonObjectsIn } from "../../src/research/json-extract.ts";

test("extractJsonObject: the one object in a text", () => {
  const cases: [string, string, Record<string, unknown>, boolean][] = [
    ["the whole text", '{"a":1}', { a: 1 }, false],
    ["whitespace around it", '\n  {"a":1}\n\n', { a: 1 }, false],
    ["a byte order mark", '\uFEFF{"a":1}', { a: 1 }, false],
    ["braces and quotes inside strings", 'answer: {"a":"}{ \\" {","b":"\\\\"} done', { a: '}{ " {', b: "\\" }, true],
    ["nested objects and arrays", 'x {"a":{"b":{"c":[1,{"d":2}]}}} y', { a: { b: { c: [1, { d: 2 }] } } }, true],
    ["a fenced block", 'Here it is:\n```json\n{"version":1,"hypotheses":[]}\n```\nDone.', { version: 1, hypotheses: [] }, true],
    ["prose braces that are not JSON", 'use {braces} then {"a":1}', { a: 1 }, true],
    ["an unclosed brace before it", 'a { b {"a":1}', { a: 1 }, true],
    ["quotes in the prose before it", 'it\'s "odd {"a":1}', { a: 1 }, true],
  ];
  for (const [name, text, value, surrounded] of cases) {
    assert.deepEqual(extractJsonObject(text), { value, surrounded }, name);
  }
});

test("extractJsonObject: none, or more than one", () => {
  const cases: [string, string, RegExp][] = [
    ["no braces at all", "nothing here", /^no JSON object found$/],
    ["empty text", "", /^no JSON object found$/],
    ["an array at top level", '[{"a":1}]', /^no JSON object found: the output is JSON, but an array, not an object$/],
    ["a number", "42", /^no JSON object found: the output is JSON, but a number, not an object$/],
    ["two objects", '{"a":1} and {"b":2}', /^2 JSON objects found; print exactly one$/],
    ["three objects", '{"a":1}{"b":2}\n{"c":3}', /^3 JSON objects found; print exactly one$/],
    ["a broken object", 'intro\nx {"a":1,} y', /^no JSON object found \(the \{\.\.\.\} at line 2 is not valid JSON: .+\)$/],
    ["an unclosed object", 'x {"a":1', /^no JSON object found$/],
  ];
  for (const [name, text, expected] of cases) {
    assert.throws(
      () => extractJsonObject(text),
      (error: unknown) => {
        assert.ok(error instanceof Error, name);
        assert.match(error.message, expected, name);
        assert.ok(!error.message.includes("\n"), `${name}: not one line`);
        return true;
      },
      name,
    );
  }
});

test("jsonObjectsIn: every top-level object that parses, in order", () => {
  assert.deepEqual(jsonObjectsIn('a {"x":1} b {not json} c {"y":{"z":2}}'), [{ x: 1 }, { y: { z: 2 } }]);
  assert.deepEqual(jsonObjectsIn("none"), []);
});
