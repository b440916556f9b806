// Numeric flags (src/cli/number-flags.ts): every flag's documented range, and what is refused:
// text, hex, NaN, Infinity, overflowing exponents, fractions of counts, values out of range.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { checkNumber, checkNumberText, NUMBER_FLAGS } from "../../src/coordinator/number-ranges.ts";
import { UsageError } from "../../src/errors.ts";

describe("the documented ranges", () => {
  const ranges: [flag: keyof typeof NUMBER_FLAGS, min: number, max: number, integer: boolean][] = [
    ["maxCycles", 1, 100, true],
    ["runs", 1, 10_000, true],
    ["maxRuns", 2, 10_000, true],
    ["warmup", 0, 1_000, true],
    ["requests", 1, 100_000, true],
    ["concurrency", 1, 1_000, true],
    ["threshold", 0, 99, false],
    ["plateau", 0, 99, false],
    ["targetPct", 0, 99.9, false],
    ["budget", 0, 10_080, false],
  ];
  for (const [key, min, max, integer] of ranges) {
    test(`--${NUMBER_FLAGS[key].name}: ${min} to ${max}`, () => {
      const flag = NUMBER_FLAGS[key];
      assert.deepEqual([flag.min, flag.max, flag.integer], [min, max, integer]);
      assert.equal(checkNumber(flag, flag.max), flag.max);
      assert.equal(checkNumber(flag, flag.example), flag.example);
      if (!("minExclusive" in flag)) assert.equal(checkNumber(flag, flag.min), flag.min);
    });
  }
});

describe("checkNumberText", () => {
  const accepted: [flag: keyof typeof NUMBER_FLAGS, text: string, value: number][] = [
    ["maxCycles", "3", 3],
    ["maxCycles", " 7 ", 7],
    ["maxCycles", "+5", 5],
    ["runs", "1e3", 1000],
    ["runs", "20.0", 20],
    ["threshold", "5%", 5],
    ["threshold", "2.5", 2.5],
    ["plateau", "0", 0],
    ["budget", "0.5", 0.5],
    ["budget", ".25", 0.25],
    ["warmup", "0", 0],
  ];
  for (const [key, text, value] of accepted) {
    test(`--${NUMBER_FLAGS[key].name} ${JSON.stringify(text)} -> ${value}`, () => assert.equal(checkNumberText(NUMBER_FLAGS[key], text), value));
  }
  const refused: [flag: keyof typeof NUMBER_FLAGS, text: string, message: string][] = [
    ["maxCycles", "99999999999999999999", "--max-cycles must be a whole number of at most 100 (got 99999999999999999999); the range is 1 to 100"],
    ["maxCycles", "0", "--max-cycles must be a whole number of at least 1 (got 0); the range is 1 to 100"],
    ["maxCycles", "2.5", "--max-cycles must be a whole number (got 2.5); the range is 1 to 100"],
    ["maxCycles", "ten", '--max-cycles needs a number, got "ten"; the range is 1 to 100'],
    ["maxCycles", "", '--max-cycles needs a number, got ""; the range is 1 to 100'],
    ["maxCycles", "1e400", '--max-cycles needs a number, got "1e400"; the range is 1 to 100'],
    ["runs", "NaN", '--runs needs a number, got "NaN"; the range is 1 to 10000'],
    ["runs", "Infinity", '--runs needs a number, got "Infinity"; the range is 1 to 10000'],
    ["runs", "0x10", '--runs needs a number, got "0x10"; the range is 1 to 10000'],
    ["runs", "5%", '--runs needs a number, got "5%"; the range is 1 to 10000'],
    ["runs", "1_000", '--runs needs a number, got "1_000"; the range is 1 to 10000'],
    ["maxRuns", "1", "--max-runs must be a whole number of at least 2 (got 1); the range is 2 to 10000"],
    ["warmup", "-1", "--warmup must be a whole number of at least 0 (got -1); the range is 0 to 1000"],
    ["threshold", "99.5", "--threshold must be a number of at most 99 (got 99.5); the range is 0 to 99 percent"],
    ["plateau", "-1", "--plateau must be a number of at least 0 (got -1); the range is 0 to 99 percent"],
    ["targetPct", "100%", "--target-pct must be a number of at most 99.9 (got 100%); the range is 0 to 99.9 percent"],
    ["budget", "0", "--budget must be a number above 0 (got 0); the range is above 0 to 10080 minutes"],
    ["budget", "10081", "--budget must be a number of at most 10080 (got 10081); the range is above 0 to 10080 minutes"],
    ["requests", "100001", "--requests must be a whole number of at most 100000 (got 100001); the range is 1 to 100000"],
    ["concurrency", "1001", "--concurrency must be a whole number of at most 1000 (got 1001); the range is 1 to 1000"],
  ];
  for (const [key, text, message] of refused) {
    test(`--${NUMBER_FLAGS[key].name} ${JSON.stringify(text).slice(0, 24)} is refused`, () => {
      assert.throws(() => checkNumberText(NUMBER_FLAGS[key], text), (error: unknown) => {
        assert.ok(error instanceof UsageError);
        assert.equal(error.exitCode, 2);
        assert.equal(error.message, message);
        assert.equal(error.hint, `e.g. --${NUMBER_FLAGS[key].name} ${NUMBER_FLAGS[key].example}`);
        return true;
      });
    });
  }
  test("checkNumber refuses what a caller holds the same way", () => {
    assert.throws(() => checkNumber(NUMBER_FLAGS.maxCycles, Number.NaN), /--max-cycles needs a number, got "NaN"/);
    assert.throws(() => checkNumber(NUMBER_FLAGS.maxCycles, 1e21), /at most 100 \(got 1e\+21\)/);
  });
});
