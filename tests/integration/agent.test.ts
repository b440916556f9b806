// The agent source of hypotheses against real child processes (sh and node scripts in a temp dir),
// under Bun (`bun test`) and Deno (`deno test -A --no-check`): the request reaches the agent's
// stdin, a good answer (bare or wrapped in prose) becomes validated hypotheses, and every way an
// agent can fail is a distinct one-line error value naming the command, never a throw. Plus the
// pure JSON extraction as a table.
import assert from "node:assert/strict";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { detectPlatform } from "../../src/platform/index.ts";
import {
  AGENT_STDERR_TAIL_LINES,
  type AgentAnswer,
  type AgentRequest,
  askAgentForHypotheses,
  type AskAgentOptions,
} from "../../src/research/agent.ts";
import { extractJsonObject } from "../../src/research/json-extract.ts";

const platform = detectPlatform();
const scratch = mkdtempSync(join(tmpdir(), "perfloop-agent-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** The repository the agent runs in: holds one patch file an answer may name. */
const repoRoot = join(scratch, "repo");
mkdirSync(join(repoRoot, "perf"), { recursive: true });
const PATCH = "--- a/src/x.js\n+++ b/src/x.js\n@@ -1 +1 @@\n-slow()\n+fast()\n";
writeFileSync(join(repoRoot, "perf", "h1.diff"), PATCH);

/** perfloop's own environment without the flag, so the flag test proves askAgentForHypotheses sets it. */
const baseEnv: Record<string, string | undefined> = { ...platform.env, PERFLOOP_AGENT: undefined };

const request: AgentRequest = {
  version: 1,
  kind: "research",
  slug: "parse-speed",
  cycle: 7,
  // Large enough that a stdin written in one small chunk, or not at all, would show.
  context_markdown: `# Context\n\n${"The parser is slow {with braces} and \"quotes\".\n".repeat(4000)}`,
  performance_map: { steps: [{ id: "1.2", name: "parse", ms: 71 }] },
  previous_cycles: [{ cycle: 6, kept: ["H0"] }],
  response_schema: "hypotheses-v1",
};

const GOOD = JSON.stringify({
  version: 1,
  hypotheses: [{ id: "H1", description: "Four threads", change: { kind: "env", set: { UV_THREADPOOL_SIZE: "4" } } }],
});

/** Writes an executable script into the scratch dir and returns its path. */
function script(name: string, body: string): string {
  const path = join(scratch, name);
  writeFileSync(path, body);
  chmodSync(path, 0o755);
  return path;
}

function ask(command: string, options: Partial<AskAgentOptions> = {}): Promise<AgentAnswer> {
  return askAgentForHypotheses(platform, { command, cwd: repoRoot, env: baseEnv, request, repoRoot, timeoutMs: 30_000, ...options });
}

/** The failure's error, checked to be one line naming the command. */
async function failure(command: string, options: Partial<AskAgentOptions> = {}): Promise<string> {
  const answer = await ask(command, options);
  assert.equal(answer.ok, false, `expected a failure from ${command}, got ${JSON.stringify(answer)}`);
  if (answer.ok) throw new Error("unreachable");
  assert.ok(!answer.error.includes("\n"), `not one line: ${answer.error}`);
  assert.ok(answer.error.startsWith("agent `"), `does not name the command first: ${answer.error}`);
  assert.ok(!/\n\s+at /.test(answer.error) && !answer.error.includes("Error:"), `looks like a stack trace: ${answer.error}`);
  return answer.error;
}

test("runs under Bun or Deno", () => {
  assert.ok(platform.runtime === "bun" || platform.runtime === "deno", `unexpected runtime ${platform.runtime}`);
});

test("the request reaches the agent's stdin whole, and its answer becomes validated hypotheses", async () => {
  const echo = script(
    "echo-cycle.mjs",
    `let input = "";
process.stdin.setEncoding("utf8");
for await (const chunk of process.stdin) input += chunk;
const req = JSON.parse(input);
process.stdout.write(JSON.stringify({ version: 1, hypotheses: [{
  id: "H1", description: "cycle " + req.cycle + " of " + req.slug,
  evidence: [input], change: { kind: "env", set: { UV_THREADPOOL_SIZE: "4" } } }] }));
`,
  );
  const answer = await ask(`node ${echo}`);
  assert.ok(answer.ok, JSON.stringify(answer));
  assert.equal(answer.note, null);
  assert.ok(answer.wall_ms > 0);
  assert.equal(answer.hypotheses.length, 1);
  const [hypothesis] = answer.hypotheses;
  assert.equal(hypothesis!.description, "cycle 7 of parse-speed");
  assert.deepEqual(JSON.parse(hypothesis!.evidence[0]!), request);
  // Defaults were filled in by the schema: the answer went through parseHypotheses.
  assert.equal(hypothesis!.fix_level, "configuration");
  assert.equal(hypothesis!.risk, "medium");
});

test("prose around a fenced JSON block is tolerated, with a note", async () => {
  const fenced = script(
    "fenced.sh",
    `cat > /dev/null
cat <<'EOF'
Here's what I found in the profile {it is parse-bound}:

\`\`\`json
${GOOD}
\`\`\`

Let me know if you'd like "more".
EOF
`,
  );
  const answer = await ask(`sh ${fenced}`);
  assert.ok(answer.ok, JSON.stringify(answer));
  assert.equal(answer.note, "ignored text around the JSON object");
  assert.deepEqual(
    answer.hypotheses.map((h) => h.id),
    ["H1"],
  );
});

test("a patch file named by path is read in from the repository; a missing one is an error", async () => {
  const answerWith = (path: string) =>
    script(
      `patch-${path.replace(/\W/g, "_")}.sh`,
      `cat <<'EOF'\n${JSON.stringify({ version: 1, hypotheses: [{ id: "P1", description: "Patch", change: { kind: "patch", path } }] })}\nEOF\n`,
    );
  const found = await ask(`sh ${answerWith("perf/h1.diff")}`);
  assert.ok(found.ok, JSON.stringify(found));
  const change = found.hypotheses[0]!.change;
  assert.equal(change.kind, "patch");
  assert.equal(change.kind === "patch" ? change.diff : null, PATCH);
  assert.deepEqual(found.hypotheses[0]!.files_to_modify, ["src/x.js"]);

  const error = await failure(`sh ${answerWith("perf/missing.diff")}`);
  assert.match(error, /hypothesis P1: change\.path "perf\/missing\.diff" does not exist/);
});

test("the agent gets PERFLOOP_AGENT=1 on top of the given environment", async () => {
  const check = script(
    "check-env.sh",
    `cat > /dev/null
if [ "$PERFLOOP_AGENT" != 1 ]; then echo "not under perfloop: PERFLOOP_AGENT=$PERFLOOP_AGENT" >&2; exit 9; fi
printf '{"version":1,"hypotheses":[{"id":"E1","description":"%s","change":{"kind":"env","set":{"A":"1"}}}]}' "$MY_SETTING"
`,
  );
  const answer = await ask(`sh ${check}`, { env: { ...baseEnv, MY_SETTING: "given env reached it" } });
  assert.ok(answer.ok, JSON.stringify(answer));
  assert.equal(answer.hypotheses[0]!.description, "given env reached it");
});

test("a failing agent: the command, the exit code and the last stderr lines", async () => {
  const fail = script(
    "fail.sh",
    `for i in 1 2 3 4 5 6; do echo "warning $i" >&2; done
echo "model unavailable" >&2
echo '${GOOD}'
exit 3
`,
  );
  const error = await failure(`sh ${fail}`);
  assert.ok(error.startsWith(`agent \`sh ${fail}\``), error);
  assert.match(error, /failed with exit 3/);
  assert.equal(AGENT_STDERR_TAIL_LINES, 5);
  assert.ok(error.endsWith("stderr: warning 3 | warning 4 | warning 5 | warning 6 | model unavailable"), error);
  assert.ok(!error.includes("warning 2"), error);
});

test("each way an agent can fail is its own clear one-line error", async () => {
  const printf = (text: string) => `printf '%s' '${text}'`;
  const cases: [string, string, Partial<AskAgentOptions>, RegExp][] = [
    ["cannot start", "true", { cwd: join(scratch, "no-such-dir") }, /could not be started: /],
    ["killed by a signal", "kill -KILL $$", {}, /was killed by SIGKILL/],
    ["times out", "sleep 5", { timeoutMs: 300 }, /did not answer within 0\.3 s \(the time limit\)/],
    ["prints too much", `${printf(GOOD)}; head -c 5000 /dev/zero | tr '\\0' x`, { maxOutputBytes: 1024 }, /printed more than 1 KiB on stdout/],
    ["prints nothing", "echo 'thinking...' >&2", {}, /printed nothing on stdout \(expected one hypotheses file.*\); stderr: thinking\.\.\.$/],
    ["prints no JSON", "echo 'I have no ideas today'", {}, /no usable answer on stdout: no JSON object found \(expected one hypotheses file/],
    ["prints a JSON array", `${printf(`[${GOOD}]`)}`, {}, /no JSON object found: the output is JSON, but an array/],
    ["prints two objects", `${printf(`${GOOD}\n${GOOD}`)}`, {}, /2 JSON objects found; print exactly one/],
    [
      "an invalid hypothesis",
      printf('{"version":1,"hypotheses":[{"id":"H1","description":"No change given"}]}'),
      {},
      /^agent `printf .*`: hypothesis H1: change is missing; add it \(docs\/hypotheses\.md/,
    ],
    ["the wrong version", printf('{"version":2,"hypotheses":[]}'), {}, /: version must be 1/],
    ["a multi-line command", "echo 'first' >&2\necho 'second' >&2\nexit 4", {}, /^agent `echo 'first' >&2 echo 'second' >&2 exit 4` failed with exit 4; stderr: first \| second$/],
  ];
  const errors = new Map<string, string>();
  for (const [name, command, options, expected] of cases) {
    const started = performance.now();
    const error = await failure(command, options);
    assert.match(error, expected, `${name}: ${error}`);
    errors.set(name, error);
    if (name === "times out") assert.ok(performance.now() - started < 4_500, "the timeout did not stop the agent");
  }
  // Distinct: no two cases gave the same message.
  assert.equal(new Set(errors.values()).size, cases.length);
});

test("an aborted signal: cancelled, and the command is not run", async () => {
  const marker = join(scratch, "ran");
  const controller = new AbortController();
  controller.abort();
  const error = await failure(`touch ${marker}`, { signal: controller.signal });
  assert.match(error, /was not run: cancelled/);
  assert.equal(existsSync(marker), false);
  // The same command does run without the signal (so the check above means something).
  await ask(`touch ${marker}`);
  assert.equal(existsSync(marker), true);
});

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
