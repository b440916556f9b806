// The errno table and its one line (src/runtime/write-error.ts), and how a lock holder's command
// line is read (src/runtime/process-identity.ts): table-style cases.
import assert from "node:assert/strict";
import { test } from "node:test";
import { describeCommand, namesPerfloop } from "../../src/runtime/process-identity.ts";
import { displayPath, IO_ERRORS, ioErrorOf, WriteError } from "../../src/runtime/write-error.ts";

test("each documented code becomes one line naming the path, what happened and the fix, exit 2", () => {
  const cases: [Record<string, unknown>, string, string][] = [
    [{ code: "ENOSPC", syscall: "write", path: "/p/.hex-skills/optimization/runtime/runs/r/state.json" }, "cannot write .hex-skills/optimization/runtime/runs/r/state.json: no space left on device (ENOSPC)", "free some space, then run the command again"],
    [{ code: "EROFS", syscall: "open", path: "/p/.git/info/exclude" }, "cannot write .git/info/exclude: read-only file system (EROFS)", "make it writable (remount it read-write), or run perfloop in a writable copy, then run the command again"],
    [{ code: "EACCES", syscall: "mkdir", path: "/p/.hex-skills" }, "cannot create the directory .hex-skills: permission denied (EACCES)", "give your user write access to it (chmod, chown), then run the command again"],
    [{ code: "ENAMETOOLONG", syscall: "unlink", path: "/elsewhere/x" }, "cannot remove /elsewhere/x: file name too long (ENAMETOOLONG)", "use a shorter --slug, or a project path closer to /, then run the command again"],
    [{ code: "EDQUOT", syscall: "write" }, "cannot write a file: disk quota exceeded (EDQUOT)", "free some space or raise your quota, then run the command again"],
    [{ code: "EIO", syscall: "read", path: "/p/a" }, "cannot read a: input/output error (EIO)", "check the disk (dmesg), then run the command again"],
  ];
  for (const [raw, message, hint] of cases) {
    const error = ioErrorOf(Object.assign(new Error("raw"), raw), { cwd: "/p" });
    assert.ok(error instanceof WriteError, String(raw.code));
    assert.equal(error.message, message);
    assert.equal(error.hint, hint);
    assert.equal(error.exitCode, 2);
    assert.equal(error.errno, raw.code);
  }
});

test("anything else is not an io error (it stays an internal error)", () => {
  for (const raw of [new Error("plain"), Object.assign(new Error("x"), { code: "ENOENT", path: "/p" }), Object.assign(new Error("x"), { code: "EEXIST" }), "text", null, 42]) {
    assert.equal(ioErrorOf(raw), null, String(raw));
  }
});

test("a given path and action win over the error's own (a temp file stands for its target)", () => {
  const error = ioErrorOf(Object.assign(new Error("x"), { code: "ENOSPC", path: "/p/.hex-skills/s.json.tmp-12" }), { path: "/p/.hex-skills/s.json", action: "write" })!;
  assert.equal(error.message, "cannot write .hex-skills/s.json: no space left on device (ENOSPC)");
  assert.equal(error.withNext("continue with perfloop resume --slug s").hint, "free some space, then continue with perfloop resume --slug s");
});

test("every documented code has what and a fix", () => {
  assert.deepEqual(Object.keys(IO_ERRORS).sort(), ["EACCES", "EDQUOT", "EFBIG", "EIO", "ELOOP", "EMFILE", "ENAMETOOLONG", "ENFILE", "ENOSPC", "EPERM", "EROFS"]);
  for (const [code, kind] of Object.entries(IO_ERRORS)) assert.ok(kind.what && kind.fix, code);
});

test("displayPath: perfloop's files from .hex-skills, others relative to cwd or absolute", () => {
  const cases: [string, string | undefined, string][] = [
    ["/r/.hex-skills/optimization/x.json", "/elsewhere", ".hex-skills/optimization/x.json"],
    ["/r/.git/objects/ab/cd", "/r", ".git/objects/ab/cd"],
    ["/other/file", "/r", "/other/file"],
    ["relative/file", "/r", "relative/file"],
  ];
  for (const [path, cwd, shown] of cases) assert.equal(displayPath(path, cwd), shown, path);
});

test("a perfloop's command line: the binary, or the sources run by a runtime", () => {
  const cases: [string[], boolean, string][] = [
    [["/usr/local/bin/perfloop", "run", "sh work.sh", "--yes"], true, 'perfloop run "sh work.sh" --yes'],
    [["/x/node_modules/.bin/bun", "/x/src/main.ts", "resume", "--slug", "s"], true, "perfloop resume --slug s"],
    [["deno", "run", "-A", "--no-check", "/x/src/main.ts", "status"], true, "perfloop status"],
    [["./dist/perfloop"], true, "perfloop"],
    [["sleep", "30"], false, "sleep 30"],
    [["/sbin/init", "splash"], false, "/sbin/init splash"],
    [["vim", "src/main.tsx"], false, "vim src/main.tsx"],
    [[], false, ""],
  ];
  for (const [argv, perfloop, shown] of cases) {
    assert.equal(namesPerfloop(argv), perfloop, argv.join(" "));
    assert.equal(describeCommand(argv), shown);
  }
  assert.ok(describeCommand(["perfloop", "run", "x".repeat(500)]).length <= 120);
});
