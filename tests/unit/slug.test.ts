// The slug rules (src/runtime/slug.ts): what perfloop's own commands accept as --slug, the cleaned
// form a refusal suggests, the runtime's limit on safe() forms, and derived slugs cut with a hash.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { UsageError } from "../../src/errors.ts";
import { boundedSlug, cleanSlug, parseSlug, runtimeSlugProblem, SLUG_MAX_LENGTH, slugProblem } from "../../src/runtime/slug.ts";

describe("slugProblem", () => {
  const cases: [slug: string, problem: ReturnType<typeof slugProblem>][] = [
    ["sum", null],
    ["Align_Endpoint-2.1", null],
    ["_private", null],
    ["0", null],
    ["a".repeat(SLUG_MAX_LENGTH), null],
    ["a".repeat(SLUG_MAX_LENGTH + 1), "length"],
    ["", "characters"],
    [".hidden", "characters"],
    ["-x", "characters"],
    ["a/b", "characters"],
    ["a b", "characters"],
    ["ĥé", "characters"],
    ["🚀", "characters"],
    ["a\nb", "characters"],
    ["..", "characters"],
  ];
  for (const [slug, problem] of cases) test(`${JSON.stringify(slug).slice(0, 30)} -> ${problem}`, () => assert.equal(slugProblem(slug), problem));
});

describe("cleanSlug", () => {
  const cases: [raw: string, cleaned: string | null][] = [
    ["ĥé", "he"],
    ["my slug!", "my-slug"],
    ["a/b", "a-b"],
    [".hidden", "hidden"],
    ["--x--", "x"],
    ["Ünïcode slug", "Unicode-slug"],
    ["🚀", null],
    ["...", null],
    ["a".repeat(300), "a".repeat(SLUG_MAX_LENGTH)],
    [`${"a".repeat(63)}-b`, "a".repeat(63)],
  ];
  for (const [raw, cleaned] of cases) test(`${JSON.stringify(raw).slice(0, 30)} -> ${cleaned}`, () => assert.equal(cleanSlug(raw), cleaned));
});

describe("parseSlug", () => {
  test("a valid slug is returned as given", () => assert.equal(parseSlug("Parse-1.2"), "Parse-1.2"));
  const refused: [raw: string, message: string, hint: string][] = [
    ["ĥé", `--slug "ĥé" is not a valid slug: use ASCII letters, digits, '-', '_' and '.', not starting with '.' or '-'`, "try --slug he"],
    ["🚀", `--slug "🚀" is not a valid slug: use ASCII letters, digits, '-', '_' and '.', not starting with '.' or '-'`, "e.g. --slug my-run"],
    ["a".repeat(300), `--slug "${"a".repeat(30)}..." is 300 characters long; a slug has at most 64`, `try --slug ${"a".repeat(64)}`],
    ["tab\there", `--slug "tab\\there" is not a valid slug: use ASCII letters, digits, '-', '_' and '.', not starting with '.' or '-'`, "try --slug tab-here"],
  ];
  for (const [raw, message, hint] of refused) {
    test(`refuses ${JSON.stringify(raw).slice(0, 30)}`, () => {
      assert.throws(() => parseSlug(raw), (error: unknown) => {
        assert.ok(error instanceof UsageError);
        assert.equal(error.exitCode, 2);
        assert.equal(error.message, message);
        assert.equal(error.hint, hint);
        return true;
      });
    });
  }
});

describe("runtimeSlugProblem", () => {
  const cases: [raw: string, problem: RegExp | null][] = [
    ["ĥé", null],
    ["Align Endpoint", null],
    ["a".repeat(64), null],
    [`${"a".repeat(64)}!!!`, null],
    ["a".repeat(65), /^Invalid slug: "a{30}\.\.\." is 65 characters once normalised \(at most 64: it names files of the run\)$/],
  ];
  for (const [raw, problem] of cases) {
    test(`${JSON.stringify(raw).slice(0, 30)}`, () => {
      const found = runtimeSlugProblem(raw);
      if (problem === null) assert.equal(found, null);
      else assert.match(found ?? "", problem);
    });
  }
});

describe("boundedSlug", () => {
  const long = (tail: string) => `python3-scripts-${"x".repeat(60)}-${tail}`;
  const cases: [slug: string, max: number, expected: string | RegExp][] = [
    ["npm-run-build", 48, "npm-run-build"],
    ["", 48, "default"],
    ["abc-", 48, "abc"],
    ["a".repeat(48), 48, "a".repeat(48)],
    ["a".repeat(49), 48, /^a{39}-[0-9a-f]{8}$/],
    [long("one"), 48, /^python3-scripts-x{23}-[0-9a-f]{8}$/],
    ["a".repeat(100), 500, /^a{55}-[0-9a-f]{8}$/],
  ];
  for (const [slug, max, expected] of cases) {
    test(`${slug.slice(0, 20)}… (${slug.length}) at most ${max}`, () => {
      const bounded = boundedSlug(slug, max);
      if (typeof expected === "string") assert.equal(bounded, expected);
      else assert.match(bounded, expected);
      assert.ok(bounded.length <= Math.min(max, SLUG_MAX_LENGTH));
      assert.equal(slugProblem(bounded), null, "a derived slug is a valid --slug");
    });
  }
  test("long slugs that differ only at the end stay apart, and the same one is stable", () => {
    assert.notEqual(boundedSlug(long("one"), 48), boundedSlug(long("two"), 48));
    assert.equal(boundedSlug(long("one"), 48), boundedSlug(long("one"), 48));
  });
});
