/** The test runners of Python (pytest), Go (go test) and Rust (cargo test), as each prints a failure. */
import { indentOf, tidy, type RunnerReport, type TestFailure } from "./failure.ts";

/**
 * pytest: the FAILURES section has a `____ TestClass.test_name ____` block per failure whose `E`
 * lines are the assertion; the "short test summary info" names each one in full
 * (`FAILED file.py::TestClass::test_name - message`), and is kept when the blocks were cut.
 */
export function readPytest(lines: readonly string[]): RunnerReport | null {
  const blocks = new Map<string, string[]>();
  const summary: { id: string; message: string | undefined }[] = [];
  let block: string[] | null = null;
  let inFailures = false;
  let failed: number | undefined;
  for (const line of lines) {
    const banner = /^=+ (.+?) =+$/.exec(line);
    if (banner) {
      inFailures = banner[1] === "FAILURES" || banner[1] === "ERRORS";
      block = null;
    }
    const title = inFailures ? /^_{2,} (.+?) _{2,}$/.exec(line) : null;
    if (title) blocks.set(title[1]!, (block = []));
    const e = /^E\s+(.*)$/.exec(line);
    if (e && block) block.push(tidy(e[1]!));
    const entry = /^(FAILED|ERROR) (\S+\.py\b\S*)(?: - (.*))?$/.exec(line);
    if (entry && !summary.some((s) => s.id === entry[2])) summary.push({ id: entry[2]!, message: entry[3] });
    const verbose = /^(\S+\.py::\S+) (FAILED|ERROR)\b/.exec(line);
    if (verbose && !summary.some((s) => s.id === verbose[1])) summary.push({ id: verbose[1]!, message: undefined });
    const totals = /^=*\s*(\d+ (failed|passed|errors?|skipped).* in \d[\d.]*s\b.*?)\s*=*$/.exec(line);
    if (totals) failed = [/(\d+) failed/, /(\d+) errors?/].reduce((sum, re) => sum + Number(re.exec(totals[1]!)?.[1] ?? 0), 0);
  }
  const failures: TestFailure[] = summary.map(({ id, message }) => {
    const key = id.split("::").slice(1).join(".");
    const lines = blocks.get(key) ?? blocks.get(`ERROR collecting ${id}`) ?? blocks.get(`ERROR at setup of ${key}`) ?? [];
    const detail = lines.filter((line) => !/^[-+] (where|and)\b/.test(line) && line !== "");
    if (detail.length > 1 && (/^assert\b/.test(detail[0]!) || !/^assert\b/.test(detail[1]!))) detail.length = 1;
    return { name: id, detail: detail.length > 0 ? detail.slice(0, 2) : message ? [tidy(message)] : [] };
  });
  if (failures.length === 0) for (const [title, lines] of blocks) failures.push({ name: title, detail: lines.slice(0, 1) });
  if (failures.length === 0) return null;
  return failed === undefined || failed === 0 ? { failures } : { failures, failed };
}

/**
 * go test: `--- FAIL: TestName (0.00s)` with the test's log lines indented below it (with -v they
 * come earlier, after `=== RUN   TestName`); a subtest is `TestName/sub`, and its parent fails
 * with it. `FAIL\tpackage\t0.01s` closes each package.
 */
export function readGo(lines: readonly string[]): RunnerReport | null {
  const found: { name: string; detail: string[]; pkg: string | null }[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const pkg = /^FAIL\s+(\S+)\s+(\d[\d.]*s|\[.*\])$/.exec(line);
    if (pkg) for (const f of found) f.pkg ??= pkg[1]!;
    const fail = /^(\s*)--- FAIL: (\S+) \(\d[\d.]*s\)$/.exec(line);
    if (!fail) continue;
    const indent = fail[1]!.length;
    const detail: string[] = [];
    for (let j = i + 1; j < lines.length && indentOf(lines[j]!) > indent && !/^\s*--- /.test(lines[j]!); j++) detail.push(lines[j]!.trim());
    if (detail.length === 0 && /^panic: /.test(lines[i + 1] ?? "")) detail.push(lines[i + 1]!);
    if (detail.length === 0) {
      const run = lines.findIndex((l) => l === `=== RUN   ${fail[2]}`);
      for (let j = run + 1; run !== -1 && j < lines.length && !/^\s*(=== |--- )/.test(lines[j]!); j++) detail.push(lines[j]!.trim());
    }
    found.push({ name: fail[2]!, detail: detail.filter(Boolean).slice(0, 2), pkg: null });
  }
  const leaves = found.filter((f) => !found.some((other) => other.name.startsWith(`${f.name}/`)));
  if (leaves.length === 0) return null;
  return { failures: leaves.map((f) => ({ name: f.pkg ? `${f.name} (${f.pkg})` : f.name, detail: f.detail })), failed: leaves.length };
}

/**
 * cargo test: `test path::name ... FAILED` in the listing, then a `---- path::name stdout ----`
 * block per failure holding its panic: `thread '...' panicked at src/lib.rs:20:9:` and the
 * message below it (before Rust 1.73, the message on the same line, quoted).
 */
export function readCargo(lines: readonly string[]): RunnerReport | null {
  const names: string[] = [];
  const panics = new Map<string, { at: string | null; message: string[] }>();
  let failed: number | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const result = /^test (\S+) \.\.\. FAILED$/.exec(line);
    if (result && !names.includes(result[1]!)) names.push(result[1]!);
    const count = /^test result: FAILED\. \d+ passed; (\d+) failed;/.exec(line);
    if (count) failed = Number(count[1]);
    const block = /^---- (\S+) stdout ----$/.exec(line);
    if (!block) continue;
    if (!names.includes(block[1]!)) names.push(block[1]!);
    for (let j = i + 1; j < lines.length && !/^(---- .* ----|failures:)$/.test(lines[j]!); j++) {
      const panic = / panicked at (.*)$/.exec(lines[j]!);
      if (!panic) continue;
      const located = /^(\S+:\d+:\d+):$/.exec(panic[1]!);
      const message = located ? [] : [panic[1]!.replace(/^'/, "")];
      for (let k = j + 1; k < lines.length && lines[k]!.trim() !== "" && !/^note: /.test(lines[k]!) && message.length < 3; k++) message.push(lines[k]!);
      panics.set(block[1]!, { at: located?.[1] ?? null, message: message.map(tidy) });
      break;
    }
  }
  if (names.length === 0) return null;
  const failures = names.map((name) => {
    const panic = panics.get(name);
    return { name: panic?.at ? `${name} (${panic.at})` : name, detail: panic?.message ?? [] };
  });
  return failed === undefined ? { failures } : { failures, failed };
}
