// safe(), run ids and the on-disk layout (runtime contract §3), and the run-id check of FIX 14.
import assert from "node:assert/strict";
import { join, resolve, sep } from "node:path";
import { describe, test } from "node:test";
import { UsageError } from "../../src/errors.ts";
import {
  assertRunId,
  newRunId,
  pointerPath,
  runPaths,
  runtimePaths,
  safe,
  slugDir,
  summaryPath,
} from "../../src/runtime/paths.ts";

describe("safe() (§3)", () => {
  const cases: [input: unknown, expected: string][] = [
    ["align-endpoint", "align-endpoint"],
    ["Align Endpoint", "align-endpoint"],
    ["  spaced  out  ", "spaced-out"],
    ["\n\tslug\r\n", "slug"],
    ["a  \t b", "a-b"],
    ["UPPER_case-Mixed", "upper_case-mixed"],
    ["café au lait", "caf-au-lait"],
    ["émigré", "migr"],
    ["naïve ünïcode", "na-ve-n-code"],
    ["日本語", "default"],
    ["emoji 🚀 slug", "emoji-slug"],
    ["--lead--", "lead"],
    ["!!!lead and trail???", "lead-and-trail"],
    ["__x__", "__x__"],
    ["-_-", "_"],
    ["a---b", "a---b"],
    ["a!!-!!b", "a---b"],
    ["a/b\\c", "a-b-c"],
    ["../../etc/passwd", "etc-passwd"],
    ["a.b", "a-b"],
    ["v1.2.3", "v1-2-3"],
    ["GET /api/v1/users?id=1", "get-api-v1-users-id-1"],
    ["", "default"],
    ["   ", "default"],
    ["!!!", "default"],
    ["-", "default"],
    [null, "default"],
    [undefined, "default"],
    [0, "default"],
    [false, "default"],
    [42, "42"],
    [{}, "object-object"],
    ["x".repeat(300), "x".repeat(300)],
  ];
  for (const [input, expected] of cases) {
    test(`safe(${JSON.stringify(input) ?? String(input)}) -> ${JSON.stringify(expected)}`, () => {
      assert.equal(safe(input), expected);
    });
  }

  const dotted: [input: string, expected: string][] = [
    ["v1.2.3", "v1.2.3"],
    ["a b.json", "a-b.json"],
    [".hidden", ".hidden"],
    ["My.Run ID", "my.run-id"],
    ["a/b.c", "a-b.c"],
    ["", "default"],
    ["  ", "default"],
    ["!!", "default"],
  ];
  for (const [input, expected] of dotted) {
    test(`safe(${JSON.stringify(input)}, keepDots) -> ${JSON.stringify(expected)}`, () => {
      assert.equal(safe(input, true), expected);
    });
  }

  test("safe() is idempotent", () => {
    for (const [input] of cases) {
      const once = safe(input);
      assert.equal(safe(once), once);
    }
  });

  test("the result only holds [a-z0-9_-] and never starts or ends with '-'", () => {
    for (const [input] of cases) {
      assert.match(safe(input), /^[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?$/);
    }
  });
});

describe("run ids", () => {
  test("newRunId is ln-810-<safe(slug)>-<epoch ms>-<8 hex>", () => {
    assert.match(newRunId("align-endpoint", 1743500000000), /^ln-810-align-endpoint-1743500000000-[0-9a-f]{8}$/);
    assert.match(newRunId("My Slug!", 1), /^ln-810-my-slug-1-[0-9a-f]{8}$/);
    assert.match(newRunId("", 7), /^ln-810-default-7-[0-9a-f]{8}$/);
  });

  test("newRunId's suffix is random", () => {
    const ids = new Set(Array.from({ length: 20 }, () => newRunId("s", 1)));
    assert.equal(ids.size, 20);
  });

  test("newRunId's ids pass assertRunId", () => {
    for (const slug of ["align-endpoint", "Ünïcode slug", "../evil", ""]) {
      const id = newRunId(slug, 1743500000000);
      assert.equal(assertRunId(id), id);
    }
  });

  const accepted = [
    "ln-810-align-endpoint-1743500000000-3f9c2a1b",
    "run-ln-220-20260401-abc123",
    "standalone-ln-811-20260401-3f9c2a1b",
    "a",
    "7",
    "A.b_c-1",
    "v1.2.3",
    "x".repeat(200),
  ];
  for (const id of accepted) {
    test(`assertRunId accepts ${JSON.stringify(id.length > 40 ? `${id.slice(0, 10)}…(${id.length})` : id)}`, () => {
      assert.equal(assertRunId(id), id);
    });
  }

  const refused = [
    "",
    "/",
    "a/b",
    "/abs",
    "../x",
    "..",
    "a..b",
    "x/../y",
    ".",
    ".hidden",
    "-lead",
    "_lead",
    "a\\b",
    "a b",
    "a\nb",
    "a\0b",
    "ünï",
    "x".repeat(201),
  ];
  for (const id of refused) {
    test(`assertRunId refuses ${JSON.stringify(id.length > 40 ? `${id.slice(0, 10)}…(${id.length})` : id)}`, () => {
      assert.throws(
        () => assertRunId(id),
        (error: unknown) => {
          assert.ok(error instanceof UsageError);
          assert.equal(error.exitCode, 2);
          assert.equal(error.code, "usage");
          assert.ok(error.message.startsWith(`Invalid run id: ${JSON.stringify(id)}`), error.message);
          assert.ok(error.hint);
          return true;
        },
      );
    });
  }
});

describe("the layout (§3)", () => {
  const root = resolve("/tmp/project");
  const R = join(root, ".hex-skills", "optimization", "runtime");

  test("runtimePaths", () => {
    assert.deepEqual(runtimePaths("/tmp/project"), {
      projectRoot: root,
      optimizationRoot: join(root, ".hex-skills", "optimization"),
      root: R,
      lock: join(R, ".lock"),
      activeDir: join(R, "active", "ln-810"),
      runsDir: join(R, "runs"),
    });
  });

  test("runtimePaths resolves a relative root and strips a trailing separator", () => {
    assert.equal(runtimePaths("rel/dir").projectRoot, resolve("rel/dir"));
    assert.equal(runtimePaths(`/tmp/project${sep}`).root, R);
  });

  test("runPaths", () => {
    const id = "ln-810-align-endpoint-1743500000000-3f9c2a1b";
    const dir = join(R, "runs", id);
    assert.deepEqual(runPaths(runtimePaths(root), id), {
      run_dir: dir,
      manifest: join(dir, "manifest.json"),
      state: join(dir, "state.json"),
      checkpoints: join(dir, "checkpoints.json"),
      history: join(dir, "history.jsonl"),
    });
  });

  test("runPaths refuses a run id that would leave runs/", () => {
    for (const id of ["../escape", "..", "a/b", ""]) {
      assert.throws(() => runPaths(runtimePaths(root), id), UsageError, id);
    }
  });

  test("pointerPath is active/ln-810/<safe(slug)>.json", () => {
    const paths = runtimePaths(root);
    assert.equal(pointerPath(paths, "align-endpoint"), join(R, "active", "ln-810", "align-endpoint.json"));
    assert.equal(pointerPath(paths, "Align Endpoint!"), join(R, "active", "ln-810", "align-endpoint.json"));
    assert.equal(pointerPath(paths, "../../x"), join(R, "active", "ln-810", "x.json"));
    assert.equal(pointerPath(paths, ""), join(R, "active", "ln-810", "default.json"));
  });

  test("slugDir is .hex-skills/optimization/<safe(slug)>", () => {
    const paths = runtimePaths(root);
    assert.equal(slugDir(paths, "Align Endpoint"), join(root, ".hex-skills", "optimization", "align-endpoint"));
    assert.equal(slugDir(paths, "../x"), join(root, ".hex-skills", "optimization", "x"));
  });

  const summaries = join(root, ".hex-skills", "runtime-artifacts", "runs");
  const summaryCases: [runId: string, kind: string, slug: string, expected: string][] = [
    [
      "ln-810-align-endpoint-1743500000000-3f9c2a1b",
      "optimization-profile",
      "align-endpoint",
      join(summaries, "ln-810-align-endpoint-1743500000000-3f9c2a1b", "optimization-profile", "align-endpoint.json"),
    ],
    [
      "standalone-ln-812-20260401-3f9c2a1b",
      "optimization-research",
      "Align Endpoint",
      join(summaries, "standalone-ln-812-20260401-3f9c2a1b", "optimization-research", "align-endpoint.json"),
    ],
    ["run.v1", "optimization-validation", "v1.2", join(summaries, "run.v1", "optimization-validation", "v1.2.json")],
    ["a/b", "optimization-execution", "s l/ug", join(summaries, "a-b", "optimization-execution", "s-l-ug.json")],
    ["", "", "", join(summaries, "default", "default", "default.json")],
  ];
  for (const [runId, kind, slug, expected] of summaryCases) {
    test(`summaryPath(${JSON.stringify(runId)}, ${JSON.stringify(kind)}, ${JSON.stringify(slug)})`, () => {
      assert.equal(summaryPath("/tmp/project", runId, kind, slug), expected);
    });
  }

  test("summaryPath resolves a relative project root", () => {
    assert.equal(
      summaryPath("rel", "r1", "optimization-profile", "s"),
      join(resolve("rel"), ".hex-skills", "runtime-artifacts", "runs", "r1", "optimization-profile", "s.json"),
    );
  });

  // Regression (was a bug): safe(x, keepDots=true) keeps ".." as a segment, so summaryPath can leave
  // .hex-skills/runtime-artifacts/runs/<run_id>/<kind>/ (contract §3 layout; FIX 14 refuses ".." in
  // run ids elsewhere). runId ".." gives .hex-skills/runtime-artifacts/<kind>/<slug>.json and
  // kind ".." gives .hex-skills/runtime-artifacts/runs/<slug>.json.
  test("summaryPath stays under runs/<run_id>/<kind>/ whatever the segments hold", () => {
    for (const [runId, kind, slug] of [
      ["..", "optimization-profile", "s"],
      ["r1", "..", "s"],
      ["..", "..", "s"],
      [".", ".", "s"],
    ] as const) {
      const path = summaryPath("/tmp/project", runId, kind, slug);
      const parts = path.slice(summaries.length + 1).split(sep);
      assert.ok(path.startsWith(summaries + sep), `${path} is outside ${summaries}`);
      assert.equal(parts.length, 3, `${path} should be runs/<run_id>/<kind>/<slug>.json`);
      assert.ok(!parts.includes("..") && !parts.includes("."), path);
    }
  });
});
