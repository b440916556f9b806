// --allow-write (src/confine/allow-write.ts): existing directories outside the repository only.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { UsageError } from "../../src/errors.ts";
import { resolveAllowWrite } from "../../src/confine/allow-write.ts";

const root = mkdtempSync(join(tmpdir(), "perfloop-allow-write-"));
after(() => rmSync(root, { recursive: true, force: true }));
const repo = join(root, "repo");
const cache = join(root, "cache");
mkdirSync(join(repo, "src"), { recursive: true });
mkdirSync(cache);

test("an existing directory outside the repository is allowed, resolved against the cwd", () => {
  assert.deepEqual(resolveAllowWrite(root, repo, ["cache", cache]), [cache, cache]);
});

const refused: [string, string, RegExp][] = [
  ["a missing directory", join(root, "nope"), /no such directory/],
  ["the repository itself", repo, /would let commands write your repository/],
  ["a directory inside it", join(repo, "src"), /would let commands write your repository/],
  ["a directory holding it", root, /would let commands write your repository/],
];
for (const [what, dir, message] of refused) {
  test(`refused: ${what}`, () => {
    assert.throws(() => resolveAllowWrite(root, repo, [dir]), (error: unknown) => error instanceof UsageError && message.test(error.message));
  });
}
